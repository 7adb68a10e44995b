"""Letters to the person, in the person's language (issues 16 and 17).

Three kinds, each one letter per person covering all of that person's cases:

* ``filing``: the notice of filing of a signed batch (``letters.pdf``), one paragraph per case by
  its kind (automatic, no objection, objection);
* ``granted``: the court granted relief: what vacatur and expungement change for the person;
* ``denied``: the court denied it: what that means and what the person can still do.

The words are in ``templates/documents/letters/<language>/`` (``en`` and ``es``, the same
files and label keys; a test checks). A person whose language is known gets the letter in it
when there are templates for it; otherwise every language, in one mailing (English first, each
letter pointing to the other). The window block prints the address in the USPS Publication 28
form (:mod:`.address`); charges are named in plain words (:mod:`clearterm.domain.charge_words`).

Refusals (:class:`LetterError`) name cases and person ids, never a name or an address.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, replace
from datetime import date

from clearterm.domain.charge_words import PlainCharge, charge_words, plain_charge
from clearterm.domain.citation import CitationError, parse_citation
from clearterm.domain.policy import Policy

from .address import MailingAddress, mail_order_key, standardise
from .layout import Doc
from .model import Batch, BatchError, Case, Office, Person
from .render import (LETTER, LETTER_LEAD, WINDOW_H, WINDOW_W, WINDOW_X, WINDOW_Y, Rendered, Renderer, _continuation,
                     _RenderContext, case_text)
from .templates import Templates, ground_label_key

LETTER_KINDS = ("filing", "granted", "denied")
_MAIN = {"filing": "letter", "granted": "letter_granted", "denied": "letter_denied"}
_FOOTER = {"filing": "footer_letter", "granted": "footer_granted", "denied": "footer_denied"}
_TITLE = {"filing": "title_letters", "granted": "title_granted", "denied": "title_denied"}
_FILING_CASE = {"automatic": "letter_case_automatic", "no-objection": "letter_case_no_objection",
                "objection": "letter_case_objection"}
#: Most case labels named in one refusal.
MAX_NAMED = 12
#: The mail list's columns (a mail house's import: one row per envelope, in the PDF's order).
MAIL_LIST_COLUMNS = ("mail_order", "person_id", "case_numbers", "languages", "name", "secondary_line",
                     "delivery_line", "city", "state", "zip5", "zip4", "first_page", "pages", "usps_standardised")


class LetterError(BatchError):
    """Letters cannot be made as asked (the message names cases, never a person's data)."""


@dataclass(frozen=True)
class Mailing:
    """One envelope: a person's letter(s), their pages in the PDF and the address it goes to."""

    person_id: str
    case_numbers: tuple[str, ...]
    languages: tuple[str, ...]
    first_page: int
    pages: int
    address: MailingAddress

    def __repr__(self) -> str:
        return f"Mailing(person_id={self.person_id!r}, pages={self.pages})"


@dataclass(frozen=True)
class LettersRendered:
    data: bytes
    pages: int
    mailings: tuple[Mailing, ...]

    def rendered(self) -> Rendered:
        return Rendered(self.data, self.pages)


def mail_list_csv(mailings) -> bytes:
    """The mail list of ``mailings`` (CSV, UTF-8, one row per envelope in the PDF's order): what a
    mail house imports; ``usps_standardised`` is ``no`` for an address a person should check."""
    from clearterm.domain.text import csv_row

    buf = io.StringIO(newline="")
    w = csv.writer(buf)
    w.writerow(MAIL_LIST_COLUMNS)
    for n, m in enumerate(mailings, 1):
        a = m.address
        w.writerow(csv_row((n, m.person_id, ";".join(m.case_numbers), ";".join(m.languages), a.name, a.secondary,
                            a.delivery, a.city, a.state, a.zip5, a.zip4, m.first_page, m.pages,
                            "yes" if a.standardised else "no")))
    return buf.getvalue().encode("utf-8")


def missing_contact(office: Office) -> list[str]:
    """The office-block keys a letter needs for "Whom to contact" that are empty."""
    return [k for k in ("phone", "email") if not getattr(office, k).strip()]


def unmailable(cases) -> list[str]:
    """``case (person id): what is missing`` for each case whose person has no name or no full
    mailing address on file (no letter can be addressed to them)."""
    return [f"{c.case_number} (person {c.person.person_id}): no {' and no '.join(_gaps(c.person))} on file"
            for c in cases if _gaps(c.person)]


def _gaps(p: Person) -> list[str]:
    return [w for w, ok in (("name", bool(p.first_name.strip() or p.last_name.strip())),
                            ("mailing address", p.has_mailing_address)) if not ok]


def is_mailable(person: Person) -> bool:
    """Whether a letter can be addressed to ``person`` (a name and a full mailing address)."""
    return not _gaps(person)


def languages_for(person: Person, available: tuple[str, ...]) -> tuple[str, ...]:
    """The person's language when there are letters in it, else every language (English first)."""
    lang = (person.language or "").strip().lower()
    return (lang,) if lang in available else available


class LetterRenderer(Renderer):
    """Writes letters of one kind in one language (a :class:`Renderer` over ``letters/<lang>``)."""

    def __init__(self, batch: Batch, templates: Templates, lang: str, kind: str) -> None:
        if kind not in LETTER_KINDS:
            raise ValueError(f"unknown letter kind {kind!r}")
        super().__init__(batch, templates.language(lang))
        self.lang, self.kind = lang, kind
        self.note = ""
        self.base["letter_date"] = self.local_date(batch.created_at.date())
        # the signer's title in the letter's language, where the language's labels give one for it
        labels = self.t.labels
        if labels.get("signer_title_translation", "").strip() and \
                batch.signer_title.strip() == labels.get("signer_title_source", "").strip():
            self.base["signer_title"] = labels["signer_title_translation"]

    def local_date(self, d: date | None) -> str:
        if d is None:
            return self.t.label("date_blank")
        months = [m.strip() for m in self.t.label("month_names").split(",")]
        return self.t.label("date_long", {"month": months[d.month - 1], "day": str(d.day), "year": str(d.year)})

    def _person_values(self, person: Person) -> dict[str, str]:
        values = super()._person_values(person)
        if person.first_name.strip():
            key = "salutation_named"
        elif person.last_name.strip():  # no first name: no "Dear Lopez:" (see salutation_surname)
            key = "salutation_surname"
        else:
            key = "salutation_unnamed"
        values["salutation"] = self.t.label(key, values)
        values["other_language_note"] = self.note
        return values

    def _case_values(self, case: Case) -> dict[str, str]:
        values = super()._case_values(case)
        phrases = self.t.labels
        values["charge_summary"] = "; ".join(dict.fromkeys(charge_words(letter_charge(ch), phrases)
                                                          for ch in case.charges))
        key = ground_label_key(case.objection_ground) if case.objection_ground else ""
        if key in phrases:
            values["objection_ground_label"] = self.t.label(key, values)
        values["your_conviction_word"] = self.t.label(
            "your_conviction_one" if len(case.charges) == 1 else "your_conviction_many")
        values["ruling_date"] = self.local_date(case.ruling_date)
        values["order_number"] = case.order_number
        values["order_number_text"] = self.t.label("order_number_text", values) if case.order_number else ""
        return values

    def write(self, doc: Doc, cases: list[Case], note: str) -> None:
        """One letter to ``cases[0].person`` about ``cases``, from a new page, numbered on its own."""
        self.note = note
        first_page = doc.pages + 1
        doc.on_new_page = None
        doc.add_page()
        pv = self._person_values(cases[0].person)
        cont = self.t.label("letter_continued", pv).strip(" -")
        doc.on_new_page = lambda d, cont=cont: _continuation(d, cont)
        pv["case_list"] = ", ".join(c.case_number for c in cases)
        # singular or plural, over all the cases of this letter: "Your conviction is vacated" /
        # "Your convictions are vacated", "this arrest" / "these arrests"
        convictions = "one" if sum(len(c.charges) for c in cases) == 1 else "many"
        arrests = "one" if len(cases) == 1 else "many"
        for key, n in (("this_arrest", arrests), ("arrest_and_case", arrests), ("this_conviction", convictions),
                       ("the_conviction", convictions), ("conviction_vacated", convictions),
                       ("conviction_stays", convictions)):
            pv[key] = self.t.label(f"{key}_{n}", pv)
        ctx = _RenderContext(values=pv, size=LETTER, lead=LETTER_LEAD, cases=tuple(cases),
                             person=cases[0].person, first_indent=0.0, para_gap=8.0)
        self._blocks(doc, _MAIN[self.kind], ctx)
        self._footers(doc, first_page, self.t.label(_FOOTER[self.kind], pv))
        doc.on_new_page = None

    def _blocks(self, doc: Doc, name: str, ctx: _RenderContext, x: float | None = None,
                width: float | None = None) -> None:
        """A paragraph that introduces lines ("Whom to contact ...:" and the office's address,
        "Sincerely," and the signer) starts a page with them rather than end one alone; and the
        closing ("Sincerely," and the signer, the template's last two blocks) goes with the block
        before it: never a page holding only the closing."""
        blocks = self.t.blocks(name, ctx.values)
        n = len(blocks)
        for i, block in enumerate(blocks):
            if block.kind in ("para", "lines"):
                j = i + 1 if block.kind == "para" and i + 1 < n and blocks[i + 1].kind == "lines" else i
                if j + 2 == n - 1 and blocks[j + 1].kind == "para" and blocks[n - 1].kind == "lines":
                    j = n - 1  # the closing follows: keep it with this
                if j > i:
                    need = sum(self._height(doc, b, ctx, x, width) for b in blocks[i:j + 1])
                    if need <= doc.bottom - doc.top:
                        doc.ensure(need)
            self._block(doc, block, ctx, x, width)

    def _height(self, doc: Doc, block, ctx: _RenderContext, x: float | None, width: float | None) -> float:
        if block.kind == "lines":
            return len(block.lines) * ctx.lead + ctx.para_gap
        return self._para_height(doc, block, ctx, x, width)

    def _lines(self, doc: Doc, lines, size: float, lead: float, x: float | None, width: float | None) -> None:
        # a letter's address and contact blocks are never split across pages
        doc.ensure(min(len(lines), 10) * lead)
        super()._lines(doc, lines, size, lead, x, width)

    def _d_cases(self, doc: Doc, ctx: _RenderContext) -> None:
        for case in ctx.cases:
            template = _FILING_CASE[case.kind] if self.kind == "filing" else f"letter_case_{self.kind}"
            sub = _RenderContext(values=self._case_values(case), size=ctx.size, lead=ctx.lead, cases=(case,),
                                 person=case.person, first_indent=0.0, para_gap=ctx.para_gap)
            self._blocks(doc, template, sub)

    def _d_address(self, doc: Doc, ctx: _RenderContext) -> None:
        """The address in the envelope's window, in the USPS Publication 28 form: every line
        within the window's width (a longer one wraps, never runs past the window's edge), and
        all of them within its height (a smaller size if the wrapped lines need it)."""
        person = ctx.person
        assert person is not None
        lines = [(line, False) for line in standardise(person).lines]
        if not person.has_mailing_address:
            lines = [(self.t.label("no_address"), True), *lines]
        size, lead, rows = window_rows(doc, lines)
        doc.y = WINDOW_Y + max(0.0, (WINDOW_H - len(rows) * lead) / 2)
        for runs in rows:
            doc.line_of(runs, size, lead, x=WINDOW_X + WINDOW_PAD, width=WINDOW_W - 2 * WINDOW_PAD)
        doc.y = WINDOW_Y + WINDOW_H + 18


#: Text sizes the window block may use (points), largest first; the leading is size + 2.
WINDOW_SIZES = (11.0, 10.0, 9.0, 8.0)
#: Space kept free inside each side of the window (points).
WINDOW_PAD = 6.0


def window_rows(doc: Doc, lines) -> tuple[float, float, list[list[tuple[str, bool]]]]:
    """(size, leading, rows): ``lines`` ((text, bold) pairs) broken into rows no wider than the
    window, at the largest size of :data:`WINDOW_SIZES` whose rows fit its height. At the
    smallest size, rows beyond the window's height are cut (an address that long cannot be
    mailed in a window envelope as it is; the mail list marks it not standardised)."""
    width = WINDOW_W - 2 * WINDOW_PAD
    rows: list[list[tuple[str, bool]]] = []
    for size in WINDOW_SIZES:
        lead = size + 2
        rows = [row for text, bold in lines for row in doc.wrap([(text, bold)], width, size)]
        if len(rows) * lead <= WINDOW_H:
            return size, lead, rows
    return size, lead, rows[: int(WINDOW_H // lead)]


#: The earliest offense dates whose weight bands the rules' tables know (CRTA-RULES.md, step 17:
#: section 4 from 1997-08-15, section 5 from 1983-09-24; older offenses go to review).
_BANDS_KNOWN_FROM = {"4": Policy().possession_schedule_date, "5": Policy().delivery_schedule_date}


def letter_charge(ch) -> PlainCharge:
    """The plain-words parts of ``ch`` for a letter. The amount is printed only when the offense
    date is known (never the arrest date: an arrest after 2016-07-29 for an offense before it
    would get the wrong band) and on or after the day the rules' weight bands begin for its
    section (an older penalty schedule is not in the spec: no amount rather than a guess)."""
    pc = plain_charge(ch.statute or ch.statute_cite, ch.offense_date)
    if not pc.has_amount:
        return pc
    try:
        section = parse_citation(ch.statute or ch.statute_cite).section or ""
    except CitationError:  # pragma: no cover - plain_charge gave no amount then
        section = ""
    start = _BANDS_KNOWN_FROM.get(section)
    if ch.offense_date is None or start is None or ch.offense_date < start:
        return replace(pc, low=None, high=None)
    return pc


def _by_person(cases) -> list[list[Case]]:
    groups: dict[str, list[Case]] = {}
    for case in cases:
        groups.setdefault(case.person.person_id, []).append(case)
    return list(groups.values())


def render_letters(batch: Batch, templates: Templates | None = None, kind: str = "filing", *,
                   zip_order: bool = False, require_contact: bool = False,
                   require_address: bool = False) -> LettersRendered:
    """Every letter of ``kind`` for the cases of ``batch``, one mailing per person, in one PDF:
    in batch order, or in ZIP order (``zip_order``, the mail list's order)."""
    templates = templates or Templates()
    if require_contact and missing_contact(batch.office):
        raise LetterError(f"the office block has no {' and no '.join(missing_contact(batch.office))}: fill them "
                          "in office.toml (templates/documents/office.toml, or the folder $CLEARTERM_TEMPLATES_DIR "
                          "names); the letters tell people whom to contact")
    if require_address:
        bad = unmailable(batch.cases)
        if bad:
            more = f" and {len(bad) - MAX_NAMED} more" if len(bad) > MAX_NAMED else ""
            raise LetterError(f"{len(bad)} letter(s) cannot be addressed: {'; '.join(bad[:MAX_NAMED])}{more}")
    available = templates.letter_languages()
    if "en" not in available:
        raise LetterError(f"no English letter templates in {templates.directory / 'letters' / 'en'}")
    renderers = {lang: LetterRenderer(batch, templates, lang, kind) for lang in available}
    groups = _by_person(batch.cases)
    addresses = {g[0].person.person_id: standardise(g[0].person) for g in groups}
    if zip_order:
        groups.sort(key=lambda g: mail_order_key(addresses[g[0].person.person_id], g[0].person.person_id))
    first = renderers["en"]
    sample = " ".join(case_text(c) for c in batch.cases) + "".join(
        r._template_chars + r.t.label("other_language_note") for r in renderers.values())
    doc = first._doc(_TITLE[kind], dict(first.base), first.t.label(_TITLE[kind], first.base), sample)
    mailings = []
    for group in groups:
        person = group[0].person
        langs = languages_for(person, available)
        start = doc.pages + 1
        for lang in langs:
            # each language's note is written in the other: the English letter says, in Spanish,
            # that the Spanish letter is in the envelope too
            note = renderers[lang].t.label("other_language_note") if len(langs) > 1 else ""
            renderers[lang].write(doc, group, note)
        mailings.append(Mailing(person.person_id, tuple(c.case_number for c in group), langs, start,
                                doc.pages - start + 1, addresses[person.person_id]))
    return LettersRendered(doc.output(), doc.pages, tuple(mailings))
