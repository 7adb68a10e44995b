"""``clearterm report``: the report's content, from the store (issue 18).

:func:`build_report` reads the store (:mod:`clearterm.storage.report_data`) and returns a
:class:`Report`: its sections of tables (:class:`clearterm.domain.report.Table`). With
``public`` every count table is small-cell suppressed (:mod:`clearterm.domain.suppression`),
reviewers are not named, and the report says so. :func:`write_report` writes the PDF and its
charts (:mod:`clearterm.documents.report`) into a directory, atomically per file.
"""

from __future__ import annotations

import os
import shutil
import statistics
import tempfile
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from clearterm.domain.deadlines import objection_deadline
from clearterm.domain.report import (CASE, CASE_NUMBER, DECIDED_ON, FACT_BITS, FACTS_MASK, FILED_ON, FLAGGED_ON,
                                     RULED_ON, Table, impact_tables, publish, rates_table, research_missing)
from clearterm.domain.suppression import THRESHOLD
from clearterm.storage import report_data as rd

#: Days ahead that make a petition's objection deadline "due soon".
DUE_SOON_DAYS = 14
BACKLOG_BUCKETS = ("not served", "overdue", f"due <{DUE_SOON_DAYS + 1}d", "later", "no deadline")
#: The equity dimensions, in the report's order.
EQUITY = ("race", "gender", "age", "city", "district")
PUBLIC_NOTE = (f"Public report: no personal data; every count under {THRESHOLD} is suppressed (*), and "
               "other counts with it where the totals could reveal it (complementary suppression). "
               "Reviewers are not named.")


@dataclass
class Report:
    """The report: its sections (title, tables) and its headline figures."""

    today: date
    since: date | None
    public: bool
    sections: list[tuple[str, list[Table]]] = field(default_factory=list)
    headline: dict[str, int | None] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def table(self, key: str) -> Table:
        for _, tables in self.sections:
            for t in tables:
                if t.key == key:
                    return t
        raise KeyError(key)


def _days(a: str | None, b: str | None) -> int | None:
    if not a or not b:
        return None
    try:
        return (date.fromisoformat(b) - date.fromisoformat(a)).days
    except ValueError:
        return None


def _timing(case_dates: dict[int, list], since: date | None = None) -> Table:
    """Days from flag to decision, filing and ruling: cases, median, 90th percentile (nearest
    rank), longest, all in days with one decimal. With ``since``, only the spans that end on or
    after it (the decisions, filings and rulings of the period)."""
    start = since.isoformat() if since else ""
    spans: dict[str, list[int]] = {"decision": [], "filing": [], "ruling": []}
    for flagged, decided, filed, ruled in case_dates.values():
        for name, end in (("decision", decided), ("filing", filed), ("ruling", ruled)):
            if end is None or end < start:
                continue
            d = _days(flagged, end)
            if d is not None and d >= 0:
                spans[name].append(d)
    rows = []
    for name, values in spans.items():
        values.sort()
        if values:
            p90 = values[min(len(values) - 1, int(0.9 * len(values)))]
            rows.append((f"flag to {name}", (len(values), float(statistics.median(values)), float(p90),
                                             float(values[-1]))))
        else:
            rows.append((f"flag to {name}", (0, "-", "-", "-")))
    note = (f"Decisions, filings and rulings on or after {start} only." if since
            else "Cumulative: every case decided, filed or ruled so far.")
    return Table("timing", "Days from flag to decision, filing and ruling", ("from flag to", "cases", "median",
                 "90th pct", "longest"), rows, note=note)


def _impact(conn, since: date | None = None) -> tuple[list[Table], Table, Table]:
    """The impact tables, the timing table and the research table, from one pass over the
    flagged convictions (per case: the earliest flag, its dates, its research facts)."""
    cases: dict[int, list] = {}

    def rows():
        for row in rd.flagged_rows(conn):
            seen = cases.get(row[CASE])
            if seen is None:
                cases[row[CASE]] = [row[FLAGGED_ON], row[DECIDED_ON], row[FILED_ON], row[RULED_ON], row[FACTS_MASK],
                                    row[CASE_NUMBER]]
            else:
                if row[FLAGGED_ON] and (seen[0] is None or row[FLAGGED_ON] < seen[0]):
                    seen[0] = row[FLAGGED_ON]
                seen[4] |= row[FACTS_MASK]
            yield row

    tables = impact_tables(rows())
    cases.pop(None, None)  # a flagged record whose case row is missing: counted, but has no case dates
    return tables, _timing({k: v[:4] for k, v in cases.items()}, since), _research(conn, cases)


def _research(conn, cases: dict[int, list]) -> Table:
    """Flagged cases in research by what they lack: the cases and the rule of ``clearterm research``
    (clearterm.domain.research), from the facts of the flagged rows. A case whose flagged rows
    lack a name, date of birth or address but which has other records (they may carry it), or
    which holds a record not evaluated yet, is checked against all its records
    (clearterm.services.research.missing_of_cases)."""
    from clearterm.services.research import missing_of_cases

    unflagged, person = FACT_BITS["unflagged_records"], ("name", "date_of_birth", "address")
    missing: dict[int, tuple[str, ...]] = {}
    recheck = set(rd.undecided_case_ids(conn))
    for case_id, seen in cases.items():
        lacks = research_missing(seen[5], seen[4])
        if lacks is None:
            continue
        if seen[4] & unflagged and any(item in person for item in lacks):
            recheck.add(case_id)
        elif lacks:
            missing[case_id] = lacks
    if recheck:
        on_list = {i for i in recheck if i in cases and research_missing(cases[i][5], cases[i][4]) is not None}
        on_list |= recheck - set(cases)  # not flagged yet (its records not evaluated) but on a track
        for case_id in on_list:
            missing.pop(case_id, None)
        missing.update(missing_of_cases(conn, sorted(on_list)))
    research: dict[str, int] = defaultdict(int)
    for lacks in missing.values():
        research[", ".join(item.replace("_", " ") for item in lacks)] += 1
    rs = Table("research", "Flagged cases in research (what is missing)", ("missing", "cases"),
               [(k, (n,)) for k, n in sorted(research.items(), key=lambda kv: (-kv[1], kv[0]))], additive=True)
    rs.totals = _sums(rs.rows)
    return rs


def _sums(rows: list[tuple[str, tuple]]) -> tuple | None:
    """The totals row of an additive table's rows; None for a table with no rows (it says
    "none yet" rather than a row of zeros)."""
    if not rows:
        return None
    return tuple(sum(v[i] for _, v in rows) for i in range(len(rows[0][1])))


def _backlog(conn, today: date) -> Table:
    counts: dict[tuple, list[int]] = defaultdict(lambda: [0] * len(BACKLOG_BUCKETS))
    for track, tranche, served, n in rd.backlog_rows(conn):
        if track != "petition":
            bucket = 4
        elif not served:
            bucket = 0
        else:
            left = (objection_deadline(date.fromisoformat(served)) - today).days
            bucket = 1 if left < 0 else 2 if left <= DUE_SOON_DAYS else 3
        counts[(track, tranche if tranche is not None else 99)][bucket] += n
    rows = [(f"{track} {t if t != 99 else '-'}", tuple(v)) for (track, t), v in sorted(counts.items())]
    totals = _sums(rows)
    return Table("backlog", "Backlog: cases on a track not yet decided, by objection deadline",
                 ("track tranche", *BACKLOG_BUCKETS), rows, totals, additive=True,
                 note=f"Petition deadlines: service date + 60 days, as of {today.isoformat()}.")


def _operations(conn, today: date, since: date | None, public: bool) -> list[Table]:
    s = since.isoformat() if since else None
    daily: dict[tuple[str, str], int] = defaultdict(int)
    for reviewer, day, n in rd.reviewer_daily(conn, s):
        daily[(day, "all reviewers" if public else reviewer)] += n
    per_day = Table("reviewer_daily", "Review decisions per reviewer per day" if not public
                    else "Review decisions per day", ("day, reviewer", "decisions"),
                    [(f"{d}, {r}", (n,)) for (d, r), n in sorted(daily.items())], None, additive=True)
    per_day.totals = _sums(per_day.rows)
    objections = rd.objection_rows(conn, s)
    obj = Table("objections", "Objections in force by ground", ("ground", "objections", "late"),
                [(g or "(none given)", (n, int(late or 0))) for g, n, late in objections], None, additive=True,
                note="Late: recorded after the objection deadline (service date + 60 days), confirmed by the "
                     "reviewer.")
    obj.totals = _sums(obj.rows)
    return [per_day, _backlog(conn, today), obj]


def _lists(conn) -> list[Table]:
    letters = rd.letters_mailed(conn)
    lt = Table("letters", "Letters mailed and agencies told", ("notice", "sent"),
               [(k, (n,)) for k, n in letters], additive=True)
    lt.totals = _sums(lt.rows)
    return [lt]


def _public_timing(t: Table) -> Table:
    rows = [(label, vals if vals[0] >= THRESHOLD else (None, None, None, None)) for label, vals in t.rows]
    return Table(t.key, t.title, t.columns, rows, None,
                 note=f"{t.note} Rows over fewer than {THRESHOLD} cases are suppressed.".strip())


def build_report(conn, *, today: date, since: date | None = None, public: bool = False) -> Report:
    """The report's tables from the store, as of ``today`` (operations since ``since``)."""
    impact, timing, research = _impact(conn, since)
    ops = _operations(conn, today, since, public)
    extra = [*_lists(conn), research]
    if public:
        impact = [publish(t) for t in impact]
        ops = [publish(t) for t in ops]
        extra = [publish(t) for t in extra]
        timing = _public_timing(timing)
    by = {t.key: t for t in impact}
    rates = [rates_table(by[f"convictions_by_{k}"]) for k in EQUITY]
    report = Report(today, since, public)
    report.sections = [
        ("Operations", [*ops, timing]),
        ("Impact", [by[k] for k in ("convictions_by_tranche", "people_by_tranche", "convictions_by_year",
                                    "people_by_year")] + extra),
        ("Equity", [t for k in EQUITY for t in (by[f"convictions_by_{k}"], by[f"people_by_{k}"], rates.pop(0))]),
    ]
    nothing = None if public else 0  # an empty store: 0, or in the public report a count under 11
    conv = by["convictions_by_tranche"].totals or (nothing,) * 5
    ppl = by["people_by_tranche"].totals or (nothing,) * 5
    report.headline = {"convictions flagged": conv[0], "people flagged": ppl[0], "convictions approved": conv[1],
                       "convictions filed": conv[2], "convictions granted": conv[3],
                       "convictions notified": conv[4]}
    if public:
        report.notes.append(PUBLIC_NOTE)
    if since:
        report.notes.append(f"Operations since {since.isoformat()}: review decisions, objections, and the days "
                            "to the decisions, filings and rulings of that period; backlog, impact and equity "
                            "counts are as of the report's day.")
    report.notes.append("Race/ethnicity and gender are grouped into the report's categories from the source's "
                        "spellings (Hispanic/Latino whatever race the source adds); incident city as the source "
                        "records it; court district from the record's court. They are used only for this "
                        "report, never in court papers or letters.")
    return report


def write_report(report: Report, out_dir: Path) -> list[Path]:
    """The PDF and the chart PNGs into ``out_dir`` (created 0700), each file 0600 and put in place
    by rename from a private staging directory beside it (a crash leaves no partial file in
    ``out_dir``; the staging directory is removed). Returns the paths written."""
    from clearterm.documents.report import render_charts, render_pdf

    out_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    stage = Path(tempfile.mkdtemp(prefix=".report-", dir=out_dir))
    try:
        charts = render_charts(report, stage)
        pdf = render_pdf(report, stage / "report.pdf", charts)
        written = []
        for f in [*charts, pdf]:
            os.chmod(f, 0o600)
            target = out_dir / f.name
            os.replace(f, target)
            written.append(target)
        return written
    finally:
        shutil.rmtree(stage, ignore_errors=True)
