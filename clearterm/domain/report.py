"""The report's tables, built from rows the store gives (``clearterm report``, issue 18).

Pure: no I/O. :func:`impact_tables` turns one row per flagged conviction into counts of
convictions and of people by tranche, year of conviction, race, gender, age band and city, at
each stage (flagged, approved, filed, granted, notified); :func:`publish` applies small-cell
suppression (:mod:`clearterm.domain.suppression`) to a table for the public report.

A *person* is a person id (a record without one counts as its case's person). A person is
counted once per table: in the group of their earliest flagged conviction's values (lowest
tranche, earliest year, youngest age band), and at a stage if any of their flagged convictions
reached it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace

from clearterm.domain.suppression import THRESHOLD, suppress

#: The stages a flagged conviction goes through, in order.
STAGES = ("flagged", "approved", "filed", "granted", "notified")
#: Age bands at offense (lower bound, label); ages outside every band are "not recorded".
AGE_BANDS = ((0, "under 18"), (18, "18-20"), (21, "21-24"), (25, "25-34"), (35, "35-44"), (45, "45-54"),
             (55, "55 and over"))
NOT_RECORDED = "not recorded"
#: The incident cities shown by name (the largest); the others are "other cities".
TOP_CITIES = 10
#: The mark of a suppressed cell in the public report.
SUPPRESSED = "*"

# Positions in a flagged row (clearterm.storage.report_data.flagged_rows).
(CASE, PERSON, TRANCHE, YEAR, RACE, GENDER, AGE, CITY, FLAGGED_ON, STATUS, DECIDED_ON, FILED_ON, RULED_ON,
 GRANTED, NOTIFIED, CATEGORY) = range(16)


@dataclass
class Table:
    """A table of the report: labelled rows of values under ``columns``. ``additive``: its
    cells are counts whose column sums are the ``totals`` row (small-cell suppression applies)."""

    key: str
    title: str
    columns: tuple[str, ...]
    rows: list[tuple[str, tuple]] = field(default_factory=list)
    totals: tuple | None = None
    additive: bool = False
    note: str = ""


def age_band(age) -> str:
    if age is None or age == "" or not str(age).isdigit() or not 0 < int(age) < 120:
        return NOT_RECORDED
    a = int(age)
    label = AGE_BANDS[0][1]
    for low, name in AGE_BANDS:
        if a >= low:
            label = name
    return label


def _text(v) -> str:
    v = (v or "").strip() if isinstance(v, str) else v
    return str(v) if v not in (None, "") else NOT_RECORDED


def _stages(row: Sequence) -> tuple[bool, ...]:
    return (True, row[STATUS] == "approved", row[FILED_ON] is not None, row[GRANTED] == 1, row[NOTIFIED] == 1)


#: The dimensions of the impact and equity tables: key, title word, the group of a row.
DIMENSIONS = (
    ("tranche", "tranche", lambda r: str(r[TRANCHE]) if r[TRANCHE] is not None else "none"),
    ("year", "year of conviction", lambda r: r[YEAR] if r[YEAR] else NOT_RECORDED),
    ("race", "race", lambda r: _text(r[RACE])),
    ("gender", "gender", lambda r: _text(r[GENDER])),
    ("age", "age band at offense", lambda r: age_band(r[AGE])),
    ("city", "incident city", lambda r: _text(r[CITY]).title() if r[CITY] else NOT_RECORDED),
)


@dataclass
class _Counts:
    convictions: dict[str, list[int]] = field(default_factory=dict)
    people: dict[str, tuple[tuple, list[bool]]] = field(default_factory=dict)  # person -> (groups, stages)


def count_flagged(rows: Iterable[Sequence]) -> tuple[dict[str, dict[str, list[int]]], dict[str, dict[str, list[int]]]]:
    """({dimension: {group: [convictions at each stage]}}, the same for people) of the rows."""
    conv: dict[str, dict[str, list[int]]] = {key: {} for key, _, _ in DIMENSIONS}
    people: dict[object, tuple[list[str], list[bool], tuple]] = {}
    groupers = [(key, fn) for key, _, fn in DIMENSIONS]
    for row in rows:
        st = _stages(row)
        groups = [fn(row) for _, fn in groupers]
        for (key, _), g in zip(groupers, groups):
            cell = conv[key].get(g)
            if cell is None:
                cell = conv[key][g] = [0] * len(STAGES)
            for i, hit in enumerate(st):
                if hit:
                    cell[i] += 1
        who = row[PERSON] or ("case", row[CASE])
        order = (row[TRANCHE] if row[TRANCHE] is not None else 99, row[YEAR] or "9999", row[CASE] or 0)
        seen = people.get(who)
        if seen is None:
            people[who] = (groups, list(st), order)
        else:
            if order < seen[2]:
                people[who] = (groups, seen[1], order)
                seen = people[who]
            flags = seen[1]
            for i, hit in enumerate(st):
                flags[i] = flags[i] or hit
    ppl: dict[str, dict[str, list[int]]] = {key: {} for key, _, _ in DIMENSIONS}
    for groups, flags, _ in people.values():
        for (key, _), g in zip(groupers, groups):
            cell = ppl[key].setdefault(g, [0] * len(STAGES))
            for i, hit in enumerate(flags):
                cell[i] += hit
    return conv, ppl


def _ordered_groups(key: str, counts: dict[str, list[int]]) -> list[tuple[str, list[int]]]:
    """Groups in reading order: tranches and years ascending, others largest first; cities beyond
    the largest :data:`TOP_CITIES` folded into "other cities"; "not recorded" last."""
    items = [(g, c) for g, c in counts.items() if g != NOT_RECORDED]
    if key in ("tranche", "year"):
        items.sort(key=lambda gc: (gc[0] == "none", gc[0]))
    elif key == "age":
        order = [name for _, name in AGE_BANDS]
        items.sort(key=lambda gc: order.index(gc[0]))
    else:
        items.sort(key=lambda gc: (-gc[1][0], gc[0]))
    if key == "city" and len(items) > TOP_CITIES:
        rest = items[TOP_CITIES:]
        items = items[:TOP_CITIES] + [("other cities", [sum(c[i] for _, c in rest) for i in range(len(STAGES))])]
    if NOT_RECORDED in counts:
        items.append((NOT_RECORDED, counts[NOT_RECORDED]))
    return items


def impact_tables(rows: Iterable[Sequence]) -> list[Table]:
    """Convictions and people at each stage by each dimension (additive tables with totals)."""
    conv, ppl = count_flagged(rows)
    tables = []
    for key, word, _ in DIMENSIONS:
        for unit, counts in (("convictions", conv[key]), ("people", ppl[key])):
            groups = _ordered_groups(key, counts)
            totals = tuple(sum(c[i] for _, c in groups) for i in range(len(STAGES)))
            tables.append(Table(f"{unit}_by_{key}", f"Flagged {unit} by {word}", (word, *STAGES),
                                [(g, tuple(c)) for g, c in groups], totals, additive=True))
    return tables


def rates_table(counts: Table) -> Table:
    """Each group's share of the flagged that reached each later stage (percent; None where a
    count is suppressed or nothing was flagged), from a published (maybe suppressed) table."""
    def pct(n, d):
        return None if n is None or not d else round(100 * n / d, 1)

    rows = [(g, tuple(pct(v, vals[0]) for v in vals[1:])) for g, vals in counts.rows]
    totals = tuple(pct(v, counts.totals[0]) for v in counts.totals[1:]) if counts.totals else None
    return Table(counts.key.replace("convictions_by", "rates_by"), counts.title.replace("Flagged convictions", "Rates")
                 + " (% of flagged)", (counts.columns[0], *(f"% {s}" for s in STAGES[1:])), rows, totals)


def publish(table: Table, threshold: int = THRESHOLD) -> Table:
    """The table as the public report prints it: an additive table suppressed (None in place of
    a suppressed count); a non-additive one is returned unchanged."""
    if not table.additive:
        return table
    if not table.rows:
        totals = tuple(v if v >= threshold else None for v in table.totals) if table.totals else None
        return replace(table, totals=totals)
    grid = [[int(v) for v in vals] for _, vals in table.rows]
    s = suppress(grid, rows_add=False, cols_add=True, threshold=threshold)
    rows = [(g, cells) for (g, _), cells in zip(table.rows, s.cells)]
    return replace(table, rows=rows, totals=s.col_totals)


def cell_text(v) -> str:
    """A value as printed: counts with thousands separators, percents with one decimal, a
    suppressed value as :data:`SUPPRESSED`."""
    if v is None:
        return SUPPRESSED
    if isinstance(v, float):
        return f"{v:.1f}"
    if isinstance(v, int):
        return f"{v:,}"
    return str(v)
