"""Notices to agencies of the orders granted in a batch (issue 16): one PDF and one CSV per agency.

Every granted case is reported to the Illinois State Police, the Clerk of the Circuit Court and
each agency that arrested the person (the charges' ``arresting_agency``). The words are in
``templates/documents/notices/`` (English: the notices go to agencies). The CSV holds the same
rows as the PDF's table, formulas neutralised (:func:`clearterm.domain.text.csv_row`).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date

from clearterm.domain.text import csv_row

from .layout import Doc
from .model import Batch, Case
from .render import BODY_LEAD, LETTER, LETTER_LEAD, Rendered, Renderer, _RenderContext, case_text, long_date, short_date
from .templates import Templates

CSV_COLUMNS = ("row", "case_number", "person_id", "last_name", "first_name", "middle_name", "date_of_birth",
               "order_date", "order_number", "batch")


@dataclass(frozen=True)
class AgencyNotice:
    agency: str
    cases: tuple[Case, ...]


def agencies(batch: Batch, templates: Templates) -> list[AgencyNotice]:
    """The agencies to tell of ``batch``'s cases (all granted), each with its cases by order date:
    the State Police, the Clerk, then each arresting agency by name."""
    t = templates.layer("notices")
    fixed = [t.label("agency_state_police"), t.label("agency_clerk")]
    arresting: dict[str, list[Case]] = {}
    ordered = tuple(sorted(batch.cases, key=lambda c: (c.ruling_date or date.min, c.case_number, c.person.person_id)))
    for case in ordered:
        for name in dict.fromkeys(ch.arresting_agency.strip() for ch in case.charges if ch.arresting_agency.strip()):
            arresting.setdefault(name, []).append(case)
    out = [AgencyNotice(a, ordered) for a in fixed]
    out += [AgencyNotice(a, tuple(cs)) for a, cs in sorted(arresting.items(), key=lambda kv: kv[0].casefold())
            if a.casefold() not in {f.casefold() for f in fixed}]
    return out


def agencies_of_case(case: Case, templates: Templates) -> list[str]:
    t = templates.layer("notices")
    names = [t.label("agency_state_police"), t.label("agency_clerk")]
    for ch in case.charges:
        a = ch.arresting_agency.strip()
        if a and a.casefold() not in {n.casefold() for n in names}:
            names.append(a)
    return names


def _rows(cases) -> list[tuple[str, ...]]:
    return [(str(i), c.case_number, c.person.person_id, c.person.last_name, c.person.first_name,
             c.person.middle_name, c.person.date_of_birth.isoformat() if c.person.date_of_birth else "",
             c.ruling_date.isoformat() if c.ruling_date else "", c.order_number)
            for i, c in enumerate(cases, 1)]


def notice_csv(batch: Batch, notice: AgencyNotice) -> bytes:
    """The agency's rows as CSV (UTF-8, a header, formulas neutralised)."""
    buf = io.StringIO(newline="")
    w = csv.writer(buf)
    w.writerow(CSV_COLUMNS)
    for row in _rows(notice.cases):
        w.writerow(csv_row((*row, batch.batch_id)))
    return buf.getvalue().encode("utf-8")


class NoticeRenderer(Renderer):
    """A :class:`Renderer` over ``templates/documents/notices``: one agency's notice."""

    def __init__(self, batch: Batch, templates: Templates) -> None:
        super().__init__(batch, templates.layer("notices"))

    def notice(self, notice: AgencyNotice) -> Rendered:
        values = dict(self.base, agency=notice.agency, notice_date=long_date(self.batch.created_at.date()),
                      case_count=str(len(notice.cases)))
        doc = self._doc("title_notice", values, self.t.label("title_notice", values),
                        notice.agency + " ".join(case_text(c) for c in notice.cases))
        doc.add_page()
        ctx = _RenderContext(values=values, size=LETTER, lead=LETTER_LEAD, cases=notice.cases,
                             first_indent=0.0, para_gap=8.0)
        self._blocks(doc, "agency_notice", ctx)
        self._footers(doc, 1, self.t.label("footer_notice", values))
        return Rendered(doc.output(), doc.pages)

    def _d_notice_table(self, doc: Doc, ctx: _RenderContext) -> None:
        t, v = self.t, ctx.values
        widths = (22.0, 92.0, 130.0, 62.0, 62.0, 62.0)
        keys = ("col_row", "col_case", "col_name", "col_dob", "col_reference", "col_order_date", "col_order_number")
        cols = [(t.label(k, v), w) for k, w in zip(keys, widths + (doc.width - sum(widths),))]
        rows = ((str(i), c.case_number, c.person.sort_name, short_date(c.person.date_of_birth), c.person.person_id,
                 short_date(c.ruling_date), c.order_number) for i, c in enumerate(ctx.cases, 1))
        doc.table(cols, rows, size=8.5, leading=10.5, pad=3.0)
        doc.space(6)
        doc.line_of([(t.label("notice_count", v), False)], ctx.size, BODY_LEAD)
        doc.space(ctx.para_gap)
