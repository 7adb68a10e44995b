"""Lay out the court papers and letters of a batch (unsigned PDF bytes).

Every word comes from the templates (``templates/documents``); this module
decides where things go. The output is deterministic: the same batch and
templates give the same bytes (the PDF creation date is the batch's
``created_at``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from string import Template
from typing import Callable

from .layout import MARGIN, Doc, bind_units
from .model import Batch, Case, Charge, Person, validate_batch
from .templates import Block, Templates

KINDS = ("motion", "order", "objection", "no-objection", "letters")

# Typography (points)
BODY, BODY_LEAD = 12.0, 18.0          # motions, objections, statements
ORDER, ORDER_LEAD = 11.5, 14.0        # proposed orders (one page when possible)
LETTER, LETTER_LEAD = 11.0, 14.0      # letters
BLOCK, BLOCK_LEAD = 11.0, 13.0        # signature / judge blocks
PARA_GAP = 6.0
INDENT = 36.0
SIGNATURE_X = 180.0   # signature block: from 2.5" right of the left margin
SIDE_SPLIT = 282.0    # orders: prepared-by left of this, judge's block right of it

# #10 window envelope (US Letter folded in thirds): the window shows roughly
# 2.25"-3.375" from the top of the sheet, 0.875"-5.375" from its left edge.
WINDOW_X, WINDOW_Y, WINDOW_W, WINDOW_H = 72.0, 162.0, 288.0, 72.0


@dataclass(frozen=True)
class Rendered:
    data: bytes
    pages: int


@dataclass(frozen=True)
class DocSpec:
    """One file of the batch: its relative path, kind, and case (index into batch.cases)."""

    path: str
    kind: str
    case_index: int | None = None
    #: the court department of a motion (key of departments.toml); empty for other documents
    department: str = ""


def safe_name(text: str) -> str:
    """A file-name-safe form of a case number or person id."""
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "-", text.strip()).strip("-.")
    return cleaned or "x"


def case_stem(case: Case) -> str:
    return f"{safe_name(case.case_number)}_{safe_name(case.person.person_id)}"


def case_stems(batch: Batch) -> list[str]:
    """The file stem of each case of ``batch``, unique even where :func:`safe_name` makes two
    case numbers alike (``12CR 0009`` and ``12CR-0009``) or they differ only in letter case
    (a court's file system may ignore case): in batch order, the first keeps its plain stem and
    each later one gets ``-2``, ``-3``... (deterministic: the same batch gives the same names)."""
    used: set[str] = set()
    stems: list[str] = []
    for case in batch.cases:
        base = stem = case_stem(case)
        n = 2
        while stem.casefold() in used:
            stem, n = f"{base}-{n}", n + 1
        used.add(stem.casefold())
        stems.append(stem)
    return stems


def plan_documents(batch: Batch, templates: Templates | None = None) -> list[DocSpec]:
    """Every document of the batch, in a fixed order.

    The automatic-track cases get one motion per court department (``departments.toml``):
    ``motion.pdf`` when they all belong to one, else ``motion-<key>.pdf`` for each, in the
    table's order. A case number of a form the table does not know is refused
    (:class:`~clearterm.documents.departments.UnknownCaseNumber`).
    """
    validate_batch(batch)
    table = (templates or Templates()).departments
    depts = table.require(c.case_number for c in batch.cases)
    specs: list[DocSpec] = []
    keys = sorted({depts[c.case_number].key for c in batch.cases if c.kind == "automatic"},
                  key=table.order.__getitem__)
    for key in keys:
        specs.append(DocSpec("motion.pdf" if len(keys) == 1 else f"motion-{key}.pdf", "motion",
                             department=key))
    for i, (case, stem) in enumerate(zip(batch.cases, case_stems(batch))):
        if case.kind == "objection":
            specs.append(DocSpec(f"objections/{stem}.pdf", "objection", i))
        elif case.kind == "no-objection":
            specs.append(DocSpec(f"no-objection/{stem}.pdf", "no-objection", i))
        if case.outcome == "approved":
            specs.append(DocSpec(f"orders/{stem}.pdf", "order", i))
    specs.append(DocSpec("letters.pdf", "letters"))
    paths = [s.path for s in specs]
    if len({p.casefold() for p in paths}) != len(paths):  # pragma: no cover - case_stems keeps them apart
        raise ValueError("two documents of the batch would have the same file name")
    return specs


# -- formatting helpers ----------------------------------------------------------
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December")


def long_date(d: date | None) -> str:
    return f"{_MONTHS[d.month - 1]} {d.day}, {d.year}" if d else ""


def short_date(d: date | None) -> str:
    return f"{d.month:02d}/{d.day:02d}/{d.year}" if d else ""


def _unique(values) -> list[str]:
    out: list[str] = []
    for v in values:
        if v and v not in out:
            out.append(v)
    return out


def person_text(p: Person) -> str:
    return " ".join((p.person_id, p.last_name, p.first_name, p.middle_name, p.address_line1,
                     p.address_line2, p.city, p.state, p.zip))


def case_text(c: Case) -> str:
    parts = [c.case_number, person_text(c.person), c.objection_ground_label, c.objection_facts,
             " ".join(c.parties_served)]
    for ch in c.charges:
        parts += [ch.statute_cite, ch.offense_class, ch.offense_description, ch.disposition,
                  ch.arresting_agency]
    return " ".join(parts)


class Renderer:
    """Renders the documents of one batch; cheap to call repeatedly (templates are cached)."""

    def __init__(self, batch: Batch, templates: Templates | None = None) -> None:
        validate_batch(batch)
        self.batch = batch
        self.t = templates or Templates()
        self._template_chars = self._all_template_text()
        self._departments: dict[str, object] = {}
        office = batch.office
        self.base: dict[str, str] = {
            "batch_id": batch.batch_id,
            "filing_date": long_date(batch.created_at.date()),
            "letter_date": long_date(batch.created_at.date()),
            "signer_name": batch.signer_name,
            "signer_title": batch.signer_title,
            "office_name": office.name,
            "office_unit": office.unit,
            "state_attorney_title": office.state_attorney_title,
            "state_attorney_name": office.state_attorney_name,
            "office_address_line1": office.address_line1,
            "office_address_line2": office.address_line2,
            "office_city_line": f"{office.city}, {office.state} {office.zip}".strip(", "),
            "office_phone": office.phone,
            "office_email": office.email,
            "attorney_code": office.attorney_code,
        }
        self.base["state_attorney"] = self.t.label(
            "state_attorney_named" if office.state_attorney_name else "state_attorney_unnamed",
            self.base)
        self._office_text = " ".join(self.base.values())

    def _all_template_text(self) -> str:
        chars: set[str] = set()
        for path in self.t.directory.iterdir():
            if path.suffix in (".txt", ".toml"):
                chars.update(path.read_text(encoding="utf-8"))
        return "".join(sorted(chars))

    # -- public -------------------------------------------------------------------
    def render(self, spec: DocSpec) -> Rendered:
        case = self.batch.cases[spec.case_index] if spec.case_index is not None else None
        if spec.kind == "motion":
            return self.motion(spec.department)
        if spec.kind == "letters":
            return self.letters()
        assert case is not None
        if spec.kind == "order":
            return self.order(case)
        if spec.kind == "objection":
            return self.objection(case)
        if spec.kind == "no-objection":
            return self.no_objection(case)
        raise ValueError(f"unknown document kind {spec.kind!r}")

    def department(self, case_number: str):
        """The court department of a case number (:class:`UnknownCaseNumber` if none)."""
        dept = self._departments.get(case_number)
        if dept is None:
            dept = self._departments[case_number] = self.t.departments.require([case_number])[case_number]
        return dept

    def motion(self, department: str = "") -> Rendered:
        """The motion for the automatic-track cases of ``department`` (a key of
        departments.toml; all of them when empty and they share one department)."""
        cases = self.batch.cases_of_kind("automatic")
        if not cases:
            raise ValueError("the batch has no automatic-track case: no motion")
        keys = {self.department(c.case_number).key for c in cases}
        if not department:
            if len(keys) > 1:
                raise ValueError("the batch's cases span several court departments: one motion each")
            department = keys.pop()
        cases = tuple(c for c in cases if self.department(c.case_number).key == department)
        if not cases:
            raise ValueError(f"no automatic-track case of department {department!r}")
        persons = {c.person.person_id: c.person for c in cases}
        n_charges = sum(len(c.charges) for c in cases)
        values = dict(self.base)
        values.update(
            case_count=str(len(cases)), case_word="case" if len(cases) == 1 else "cases",
            charge_count=str(n_charges),
            conviction_word=self._conviction_word(n_charges),
            person_count=str(len(persons)),
            person_word="person" if len(persons) == 1 else "persons",
            case_number=cases[0].case_number if len(cases) == 1 else "",
            department=self.department(cases[0].case_number).caption,
        )
        doc = self._doc("title_motion", values, "Motion to vacate and expunge (20 ILCS 2630/5.2(i)(4))",
                        " ".join(case_text(c) for c in cases))
        doc.add_page()
        ctx = _RenderContext(values=values, size=BODY, lead=BODY_LEAD, cases=cases, batch_caption=True)
        self._blocks(doc, "motion", ctx)
        self._footers(doc, 1, self.t.label("footer_motion", values))
        return Rendered(doc.output(), doc.pages)

    def order(self, case: Case) -> Rendered:
        template = "order_automatic" if case.track == "automatic" else "order_petition"
        return self._case_doc(case, template, "title_order", "footer_order", ORDER, ORDER_LEAD)

    def objection(self, case: Case) -> Rendered:
        return self._case_doc(case, "objection", "title_objection", "footer_objection",
                              BODY, BODY_LEAD)

    def no_objection(self, case: Case) -> Rendered:
        return self._case_doc(case, "no_objection", "title_no_objection", "footer_no_objection",
                              BODY, BODY_LEAD)

    def letters(self) -> Rendered:
        """The notices of filing, one mailing per person in the person's language (or every
        language), in ZIP order (the order of the batch's mail list, ``letters-mail-list.csv``):
        see :mod:`clearterm.documents.letters`."""
        from .letters import render_letters

        return render_letters(self.batch, self.t, "filing", zip_order=True).rendered()

    # -- documents -------------------------------------------------------------------
    def _case_doc(self, case: Case, template: str, title_key: str, footer_key: str,
                  size: float, lead: float) -> Rendered:
        values = self._case_values(case)
        doc = self._doc(title_key, values, self.t.label(title_key, values), case_text(case))
        doc.add_page()
        ctx = _RenderContext(values=values, size=size, lead=lead, cases=(case,), person=case.person,
                   para_gap=4.0 if size < BODY else PARA_GAP)
        self._blocks(doc, template, ctx)
        self._footers(doc, 1, self.t.label(footer_key, values))
        return Rendered(doc.output(), doc.pages)

    def _footers(self, doc: Doc, first: int, left: str) -> None:
        """``left`` and "Page X of Y" on pages ``first``..last (numbered within that range)."""
        doc.footer(first, doc.pages, lambda i, n: (
            left, self.t.label("footer_page", {"page": str(i), "pages": str(n)})))

    def _doc(self, title_key: str, values: dict[str, str], subject: str, sample: str) -> Doc:
        doc = Doc(title=self.t.label(title_key, values), subject=subject,
                  author=f"{self.batch.signer_name}, {self.batch.signer_title}",
                  created_at=self.batch.created_at,
                  text_sample=sample + self._office_text + self._template_chars,
                  keywords=f"clearterm batch {self.batch.batch_id}")
        return doc

    def _person_values(self, person: Person) -> dict[str, str]:
        values = dict(self.base)
        # never a bare "People v. ," (plan_documents refuses a nameless person; a direct call
        # prints that no name is on file)
        name = person.full_name.strip()
        if not name:
            name = (self.t.label("name_missing", {"person_id": person.person_id}) if "name_missing" in self.t.labels
                    else f"(no name on file, reference {person.person_id})")
        values.update(
            person_id=person.person_id,
            full_name=name,
            name_caps=name.upper(),
            first_name=person.first_name,
            last_name=person.last_name,
            date_of_birth=long_date(person.date_of_birth) or "unknown",
        )
        values["reference"] = self.t.label("letter_reference", values)
        return values

    def _case_values(self, case: Case) -> dict[str, str]:
        values = self._person_values(case.person)
        n = len(case.charges)
        values.update(
            case_number=case.case_number,
            department=self.department(case.case_number).caption,
            conviction_word=self._conviction_word(n),
            is_are="is" if n == 1 else "are",
            arresting_agency=", ".join(_unique(ch.arresting_agency for ch in case.charges))
            or "the arresting agency",
            arrest_date=", ".join(_unique(long_date(ch.arrest_date) for ch in case.charges)),
            charge_count=str(n),
            charge_summary=bind_units("; ".join(self._charge_phrase(ch) for ch in case.charges)),
            objection_ground=case.objection_ground,
            objection_ground_label=case.objection_ground_label,
            objection_facts=case.objection_facts,
            service_date=long_date(case.service_date) or self.t.label("date_blank"),
            parties_served="; ".join(case.parties_served),
        )
        return values

    def _conviction_word(self, n: int) -> str:
        return self.t.label("conviction_one" if n == 1 else "conviction_many")

    def _class(self, ch: Charge) -> str:
        """The class the papers print: the class the rules used. Where the record's class was
        missing (blank, Z, U, P) and the rules took it from the subsection (note
        ``CLASS_INFERRED``, step 21), that class, marked as inferred, with what the record shows;
        never a "Class P" beside a motion that says every conviction is a misdemeanor or Class 4
        felony."""
        prefix = self.t.label("class_prefix")
        inferred = inferred_classes(ch)
        if inferred:
            labels = self.t.labels
            values = {"class_prefix": prefix,
                      "classes": labels.get("class_or", " or ").join(inferred),
                      "recorded": " ".join(ch.offense_class.split())}
            key = "class_inferred_recorded" if values["recorded"] else "class_inferred"
            if key in labels:
                return self.t.label(key, values)
            return _INFERRED_DEFAULT[key].substitute(values)  # an office's labels.toml from before the key
        if not ch.offense_class:
            return ""
        return ch.offense_class if ch.offense_class.lower().startswith(prefix.strip().lower()) \
            else prefix + ch.offense_class

    def _charge_phrase(self, ch: Charge) -> str:
        desc = ch.offense_description or ch.statute_cite
        detail = ", ".join(x for x in (ch.statute_cite if ch.offense_description else "",
                                       self._class(ch)) if x)
        return f"{desc} ({detail})" if detail else desc

    # -- template blocks -----------------------------------------------------------
    def _blocks(self, doc: Doc, name: str, ctx: "_RenderContext", x: float | None = None,
                width: float | None = None) -> None:
        blocks = self.t.blocks(name, ctx.values)
        for i, block in enumerate(blocks):
            nxt = blocks[i + 1] if i + 1 < len(blocks) else None
            if (block.kind == "para" and nxt is not None and nxt.kind == "directive"
                    and nxt.name in _SIGNING_DIRECTIVES):
                # keep the last paragraph with the signatures: no signature-only page
                need = self._para_height(doc, block, ctx, x, width) \
                    + self._directive_height(nxt.name, ctx)
                if need <= doc.bottom - doc.top:
                    doc.ensure(need)
            elif (block.kind == "para" and nxt is not None and nxt.kind == "lines"
                  and self._para_height(doc, block, ctx, x, width) <= ctx.lead + ctx.para_gap):
                # "Sincerely," stays with the name under it
                doc.ensure(ctx.lead + ctx.para_gap + len(nxt.lines) * ctx.lead)
            self._block(doc, block, ctx, x, width)

    def _para_height(self, doc: Doc, b: Block, ctx: "_RenderContext", x: float | None,
                     width: float | None) -> float:
        x0 = doc.left if x is None else x
        avail = (doc.width - (x0 - doc.left)) if width is None else width
        return len(doc.wrap(b.runs, avail, ctx.size, ctx.first_indent)) * ctx.lead + ctx.para_gap

    def _directive_height(self, name: str, ctx: "_RenderContext") -> float:
        if name == "signatures":
            n = max(_lines_count(self.t.blocks("prepared_by", ctx.values)),
                    _lines_count(self.t.blocks("judge_block", ctx.values)))
        else:
            n = _lines_count(self.t.blocks("signature_block", ctx.values))
        return (n + 1) * BLOCK_LEAD + 6

    def _block(self, doc: Doc, b: Block, ctx: "_RenderContext", x: float | None,
               width: float | None) -> None:
        size, lead = ctx.size, ctx.lead
        if b.kind == "directive":
            handler: Callable[[Doc, _RenderContext], None] | None = getattr(
                self, "_d_" + b.name.replace("-", "_"), None)
            if handler is None:
                raise ValueError(f"unknown template directive @{b.name}")
            handler(doc, ctx)
        elif b.kind == "heading":
            doc.paragraph([(t, True) for t, _ in b.runs], size=size, leading=size + 4,
                          align="C", keep_with_next=3 * lead, x=x, width=width)
            ctx.after_heading = True
        elif b.kind in ("para", "indent", "bullet"):
            if ctx.after_bullet and b.kind != "bullet":
                doc.space(ctx.para_gap / 2)  # a list ends: the gap of a paragraph before what follows
                ctx.after_bullet = False
            if ctx.after_heading:
                doc.space(ctx.para_gap)
                ctx.after_heading = False
            if b.kind == "para":
                doc.paragraph(b.runs, size=size, leading=lead, first_indent=ctx.first_indent,
                              space_after=ctx.para_gap, x=x, width=width)
            elif b.kind == "indent":
                doc.paragraph(b.runs, size=size, leading=lead, indent=INDENT,
                              space_after=ctx.para_gap, x=x, width=width)
            else:
                doc.ensure(2 * lead)  # the bullet and its first two lines together
                x0 = doc.left if x is None else x
                doc.draw_runs([("\u2022", False)], x0 + INDENT, doc.baseline(lead, size), size)
                doc.paragraph(b.runs, size=size, leading=lead, indent=INDENT + 14,
                              space_after=ctx.para_gap / 2, x=x, width=width)
                ctx.after_bullet = True
        elif b.kind == "lines":
            if ctx.after_bullet:
                doc.space(ctx.para_gap / 2)
                ctx.after_bullet = False
            self._lines(doc, b.lines, size, lead, x, width)
            doc.space(ctx.para_gap)

    def _lines(self, doc: Doc, lines, size: float, lead: float, x: float | None,
               width: float | None) -> None:
        x0 = doc.left if x is None else x
        avail = doc.width - (x0 - doc.left) if width is None else width
        doc.ensure(min(len(lines), 3) * lead)
        for runs in lines:
            natural = sum(doc.text_width(t, bo, size) for t, bo in runs)
            if natural <= avail:
                doc.ensure(lead)
                doc.line_of(list(runs), size, lead, x=x0, width=avail)
            else:
                doc.paragraph(runs, size=size, leading=lead, x=x0, width=avail)

    # -- directives -------------------------------------------------------------------
    def _d_caption(self, doc: Doc, ctx: "_RenderContext") -> None:
        v = ctx.values
        t = self.t
        doc.line_of([(t.label("court", v), True)], 12, 15, align="C")
        division = t.label("division", v)
        if division:
            doc.line_of([(division, False)], 12, 15, align="C")
        doc.space(14)
        persons = _unique_persons(ctx.cases)
        if len(persons) == 1 and len(ctx.cases) == 1:
            right = t.label("case_no", {**v, "case_number": ctx.cases[0].case_number})
        else:
            right = t.label("case_no_schedule", v)
        role = t.label("defendants_role" if len(persons) > 1 else "defendant_role", v)
        role_indent, versus_indent = 108.0, 54.0
        left: list[tuple[str, float]] = [
            (t.label("plaintiff", v), 0.0), (t.label("plaintiff_role", v), role_indent),
            ("", 0.0), (t.label("versus", v), versus_indent), ("", 0.0)]
        if len(persons) <= 3:
            for p in persons:
                name = p.full_name.strip() or self._person_values(p)["full_name"]
                left.append((t.label("defendant", {**v, "name_caps": name.upper()}), 0.0))
        else:
            left.append((t.label("persons_in_schedule", v), 0.0))
        left.append((role, role_indent))
        size, lead = 12.0, 13.5
        col_w = 262.0
        bracket_x = doc.left + 270
        rows: list[tuple[str, float]] = []
        for text, indent in left:
            if not text:
                rows.append(("", 0.0))
                continue
            for line in doc.wrap([(text, False)], col_w - indent, size):
                rows.append(("".join(s for s, _ in line), indent))
        doc.ensure(len(rows) * lead)
        top = doc.y
        for i, (text, indent) in enumerate(rows):
            doc.y = top + i * lead
            if text:
                doc.line_of([(text, False)], size, lead, x=doc.left + indent, width=col_w - indent)
            doc.y = top + i * lead
            doc.line_of([(")", False)], size, lead, x=bracket_x, width=10)
        extra = [right]
        if ctx.batch_caption:
            extra.append(t.label("batch_ref", v))
        mid = top + max(0, (len(rows) - len(extra)) // 2) * lead
        for j, text in enumerate(extra):
            doc.y = mid + j * lead
            x = bracket_x + 24
            doc.line_of([(text, False)], size, lead, x=x, width=doc.left + doc.width - x)
        doc.y = top + len(rows) * lead + 16

    def _d_charges(self, doc: Doc, ctx: "_RenderContext") -> None:
        case = ctx.cases[0]
        t, v = self.t, ctx.values
        widths = (58.0, 98.0, 114.0, 118.0)
        cols = [(t.label(k, v), w) for k, w in zip(
            ("col_arrest_date", "col_agency", "col_statute", "col_offense", "col_disposition"),
            widths + (doc.width - sum(widths),))]
        rows = [(short_date(ch.arrest_date), ch.arresting_agency,
                 " ".join(x for x in (ch.statute_cite, self._class(ch)) if x),
                 ch.offense_description,
                 "\n".join(x for x in (ch.disposition, short_date(ch.disposition_date)) if x))
                for ch in case.charges]
        doc.space(2)
        doc.table(cols, rows, size=9.5, leading=11.5, x=doc.left + 0)
        doc.space(ctx.para_gap + 6)
        ctx.after_heading = False

    def _d_signature(self, doc: Doc, ctx: "_RenderContext") -> None:
        self._side_block(doc, ctx, "signature_block", right=True)

    def _d_judge(self, doc: Doc, ctx: "_RenderContext") -> None:
        self._side_block(doc, ctx, "judge_block", right=True)

    def _d_prepared_by(self, doc: Doc, ctx: "_RenderContext") -> None:
        self._side_block(doc, ctx, "prepared_by", right=False)

    def _d_signatures(self, doc: Doc, ctx: "_RenderContext") -> None:
        """Prepared-by (left) and judge (right) blocks side by side."""
        left = self.t.blocks("prepared_by", ctx.values)
        right = self.t.blocks("judge_block", ctx.values)
        height = (max(_lines_count(left), _lines_count(right)) + 1) * BLOCK_LEAD
        doc.space(6)
        doc.ensure(height)
        top = doc.y
        split = SIDE_SPLIT
        sub = _RenderContext(values=ctx.values, size=BLOCK, lead=BLOCK_LEAD, cases=ctx.cases,
                   first_indent=0.0, para_gap=0.0)
        for b in right:
            self._block(doc, b, sub, doc.left + split, doc.width - split)
        bottom = doc.y
        doc.y = top
        for b in left:
            self._block(doc, b, sub, doc.left, split - 16)
        doc.y = max(bottom, doc.y)

    def _side_block(self, doc: Doc, ctx: "_RenderContext", template: str, right: bool) -> None:
        blocks = self.t.blocks(template, ctx.values)
        doc.space(6)
        doc.ensure((_lines_count(blocks) + 1) * BLOCK_LEAD)
        sub = _RenderContext(values=ctx.values, size=BLOCK, lead=BLOCK_LEAD, cases=ctx.cases,
                   first_indent=0.0, para_gap=0.0)
        x = doc.left + SIGNATURE_X if right else doc.left
        for b in blocks:
            self._block(doc, b, sub, x, doc.width - SIGNATURE_X if right else SIGNATURE_X)
        doc.space(ctx.para_gap + 6)

    def _d_service(self, doc: Doc, ctx: "_RenderContext") -> None:
        doc.space(12)
        doc.ensure(6 * ctx.lead)
        self._blocks(doc, "certificate_of_service", ctx)

    def _d_parties(self, doc: Doc, ctx: "_RenderContext") -> None:
        parties = ctx.cases[0].parties_served or (self.t.label("parties_none"),)
        for party in parties:
            self._block(doc, Block("bullet", runs=((party, False),)), ctx, None, None)
        ctx.after_bullet = False
        doc.space(ctx.para_gap)

    def _d_pagebreak(self, doc: Doc, ctx: "_RenderContext") -> None:
        doc.add_page()

    def _d_schedule(self, doc: Doc, ctx: "_RenderContext") -> None:
        t, v = self.t, ctx.values
        doc.add_page(landscape=True)
        doc.line_of([(t.label("schedule_title", v), True)], 13, 17, align="C")
        doc.line_of([(t.label("schedule_subtitle", v), False)], 10, 14, align="C")
        doc.space(8)
        widths = (20, 100, 58, 52, 80, 52, 90, 112)
        widths = widths + (doc.width - sum(widths),)
        keys = ("col_row", "col_name", "col_dob", "col_person", "col_case", "col_arrest_date",
                "col_agency", "col_statute", "col_disposition")
        cols = [(t.label(k, v), w) for k, w in zip(keys, widths)]
        continued = t.label("schedule_continued", v)
        first = [True]

        def before_header(d: Doc) -> None:
            if first[0]:
                first[0] = False
                return
            d.line_of([(continued, True)], 10, 14, align="C")
            d.space(4)

        def rows():
            for n, case in enumerate(ctx.cases, 1):
                p = case.person
                yield (
                    str(n), p.sort_name, short_date(p.date_of_birth), p.person_id, case.case_number,
                    "\n".join(_unique(short_date(ch.arrest_date) for ch in case.charges)),
                    "\n".join(_unique(ch.arresting_agency for ch in case.charges)),
                    "\n".join(" ".join(x for x in (ch.statute_cite, self._class(ch)) if x)
                              for ch in case.charges),
                    "\n".join(" ".join(x for x in (ch.disposition, short_date(ch.disposition_date)) if x)
                              for ch in case.charges),
                )

        doc.table(cols, rows(), size=8.5, leading=10.5, pad=3.0, before_header=before_header)

    def _d_letterhead(self, doc: Doc, ctx: "_RenderContext") -> None:
        office = self.batch.office
        doc.y = 40
        doc.line_of([(office.name, True)], 14, 18, align="C")
        sub = " \u00b7 ".join(x for x in (office.unit, *office.address_lines) if x)
        doc.line_of([(sub, False)], 9.5, 12, align="C")
        contact = " \u00b7 ".join(x for x in (office.phone, office.email) if x)
        if contact:
            doc.line_of([(contact, False)], 9.5, 12, align="C")
        doc.space(4)
        doc.rule(doc.left, doc.left + doc.width, doc.y, 0.6)


@dataclass
class _RenderContext:
    values: dict[str, str]
    size: float
    lead: float
    cases: tuple[Case, ...] = ()
    person: Person | None = None
    first_indent: float = INDENT
    para_gap: float = PARA_GAP
    after_heading: bool = False
    after_bullet: bool = False
    batch_caption: bool = False


_SIGNING_DIRECTIVES = ("signature", "signatures")
_INFERRED_DEFAULT = {
    "class_inferred": Template("$class_prefix$classes (from the subsection; no class in the record)"),
    "class_inferred_recorded": Template("$class_prefix$classes (from the subsection; the record shows $recorded)"),
}


def _continuation(doc: Doc, text: str) -> None:
    """Header of a letter's second and later pages."""
    doc.line_of([(text, False)], 9.5, 12)
    doc.rule(doc.left, doc.left + doc.width, doc.y + 2, 0.4)
    doc.space(16)


def inferred_classes(ch: Charge) -> tuple[str, ...]:
    """The classes the rules took from the subsection for ``ch`` (step 21, note
    ``CLASS_INFERRED``): those the subsection allows on the offense date (else the arrest date,
    as the rules read it), in the order C, B, A, 4; empty when the class was not inferred."""
    if "CLASS_INFERRED" not in ch.reasons:
        return ()
    from clearterm.domain.citation import CitationError, parse_citation
    from clearterm.domain.rules.tables import _table  # the subsection table the rules used

    on = ch.offense_date or ch.arrest_date
    try:
        cit = parse_citation(ch.statute or ch.statute_cite)
    except CitationError:
        return ()
    if on is None or cit.section not in ("4", "5") or not cit.subsection:
        return ()
    entry = _table(cit.section, on).get(cit.subsection.lower())
    return tuple(c for c in "CBA4" if entry is not None and c in entry.allowed)


def _unique_persons(cases) -> list[Person]:
    seen: dict[str, Person] = {}
    for c in cases:
        seen.setdefault(c.person.person_id, c.person)
    return list(seen.values())


def _lines_count(blocks: list[Block]) -> int:
    return sum(len(b.lines) if b.kind == "lines" else 1 for b in blocks)


def render_document(batch: Batch, spec: DocSpec, templates: Templates | None = None) -> Rendered:
    """Render one document of ``plan_documents(batch)`` (unsigned)."""
    return Renderer(batch, templates).render(spec)


__all__ = ["DocSpec", "Rendered", "Renderer", "plan_documents", "render_document", "case_stem", "case_stems",
           "safe_name", "long_date", "short_date", "KINDS", "MARGIN"]
