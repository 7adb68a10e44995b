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

from dataclasses import dataclass
from datetime import date

from clearterm.domain.charge_words import charge_words, plain_charge

from .address import MailingAddress, mail_order_key, standardise
from .layout import Doc
from .model import Batch, BatchError, Case, Office, Person
from .render import LETTER, LETTER_LEAD, Rendered, Renderer, _continuation, _RenderContext, case_text
from .templates import Templates, ground_label_key

LETTER_KINDS = ("filing", "granted", "denied")
_MAIN = {"filing": "letter", "granted": "letter_granted", "denied": "letter_denied"}
_FOOTER = {"filing": "footer_letter", "granted": "footer_granted", "denied": "footer_denied"}
_TITLE = {"filing": "title_letters", "granted": "title_granted", "denied": "title_denied"}
_FILING_CASE = {"automatic": "letter_case_automatic", "no-objection": "letter_case_no_objection",
                "objection": "letter_case_objection"}
#: Most case labels named in one refusal.
MAX_NAMED = 12


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

    def local_date(self, d: date | None) -> str:
        if d is None:
            return self.t.label("date_blank")
        months = [m.strip() for m in self.t.label("month_names").split(",")]
        return self.t.label("date_long", {"month": months[d.month - 1], "day": str(d.day), "year": str(d.year)})

    def _person_values(self, person: Person) -> dict[str, str]:
        values = super()._person_values(person)
        values["salutation"] = self.t.label(
            "salutation_named" if person.full_name.strip() else "salutation_unnamed", values)
        values["other_language_note"] = self.note
        return values

    def _case_values(self, case: Case) -> dict[str, str]:
        values = super()._case_values(case)
        phrases = self.t.labels
        values["charge_summary"] = "; ".join(dict.fromkeys(
            charge_words(plain_charge(ch.statute or ch.statute_cite, ch.offense_date or ch.arrest_date), phrases)
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
        ctx = _RenderContext(values=pv, size=LETTER, lead=LETTER_LEAD, cases=tuple(cases),
                             person=cases[0].person, first_indent=0.0, para_gap=8.0)
        self._blocks(doc, _MAIN[self.kind], ctx)
        self._footers(doc, first_page, self.t.label(_FOOTER[self.kind], pv))
        doc.on_new_page = None

    def _blocks(self, doc: Doc, name: str, ctx: _RenderContext, x: float | None = None,
                width: float | None = None) -> None:
        """A paragraph that introduces lines ("Whom to contact ...:" and the office's address,
        "Sincerely," and the signer) starts a page with them rather than end one alone."""
        blocks = self.t.blocks(name, ctx.values)
        for i, block in enumerate(blocks):
            nxt = blocks[i + 1] if i + 1 < len(blocks) else None
            if block.kind == "para" and nxt is not None and nxt.kind == "lines":
                need = self._para_height(doc, block, ctx, x, width) + len(nxt.lines) * ctx.lead
                if need <= doc.bottom - doc.top:
                    doc.ensure(need)
            self._block(doc, block, ctx, x, width)

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
        """The address in the envelope's window, in the USPS Publication 28 form."""
        from .render import WINDOW_H, WINDOW_W, WINDOW_X, WINDOW_Y

        person = ctx.person
        assert person is not None
        size, lead = 11.0, 13.0
        lines = list(standardise(person).lines)
        if not person.has_mailing_address:
            lines = [self.t.label("no_address"), *lines]
        lines = lines[: int(WINDOW_H // lead)]
        doc.y = WINDOW_Y + max(0.0, (WINDOW_H - len(lines) * lead) / 2)
        for i, line in enumerate(lines):
            doc.line_of([(line, i == 0 and not person.has_mailing_address)], size, lead,
                        x=WINDOW_X + 6, width=WINDOW_W - 12)
        doc.y = WINDOW_Y + WINDOW_H + 18


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
