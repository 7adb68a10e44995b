"""The report's tables, built from rows the store gives (``clearterm report``, issue 18).

Pure: no I/O. :func:`impact_tables` turns one row per flagged conviction into counts of
convictions and of people by tranche, year of conviction, race, gender, age band and city, at
each stage (flagged, approved, filed, granted, notified); :func:`publish` applies small-cell
suppression (:mod:`clearterm.domain.suppression`) to a table for the public report.

Race, gender and court district are stored as the source spells them; the report groups them
into one vocabulary (:func:`race_category`, :func:`gender_category`, :func:`district_category`;
docs/reports.md, "Categories"), so that one community is one row whatever the source called it.

A *person* is a person id (a record without one counts as its case's person). A person is
counted once per table: in the group of their earliest flagged conviction's values (lowest
tranche, earliest year, youngest age band), and at a stage if any of their flagged convictions
reached it.
"""

from __future__ import annotations

import re

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace

from clearterm.domain.research import CaseFacts, missing_items
from clearterm.domain.suppression import THRESHOLD, suppress

#: The stages a flagged conviction goes through, in order.
STAGES = ("flagged", "approved", "filed", "granted", "notified")
#: Age bands at offense (lower bound, label); ages outside every band are "not recorded".
AGE_BANDS = ((0, "under 18"), (18, "18-20"), (21, "21-24"), (25, "25-34"), (35, "35-44"), (45, "45-54"),
             (55, "55 and over"))
NOT_RECORDED = "not recorded"
#: The incident cities (and courts) shown by name (the largest); the others are "other cities".
TOP_CITIES = 10

# -- the report's categories ------------------------------------------------------------------
#: Race and ethnicity as the report counts it, in reading order. Hispanic or Latino is one
#: category whatever race the source adds ("White [Hispanic or Latino]", "HISPANIC", "Latinx").
HISPANIC = "Hispanic/Latino"
OTHER_RACE = "Other/multiple"
UNKNOWN = "Unknown"
RACES = ("Black", HISPANIC, "White", "Asian/Pacific Islander", "American Indian/Alaska Native", OTHER_RACE,
         UNKNOWN)
#: Gender as the report counts it.
GENDERS = ("Male", "Female", "Other", UNKNOWN)
#: Every spelling met in the sources clearterm reads (the CCSAO Dispositions, Sentencing and
#: Diversion exports, portal and R-package forms, and the common one-letter codes), lower-cased,
#: with its category. A spelling not listed falls to the rules of :func:`race_category`.
RACE_SPELLINGS: dict[str, str] = {
    "black": "Black", "african american": "Black", "black or african american": "Black", "b": "Black",
    "blk": "Black",
    "white": "White", "w": "White", "wht": "White", "whi": "White",
    "hispanic": HISPANIC, "latinx": HISPANIC, "latino": HISPANIC, "latina": HISPANIC,
    "hispanic or latino": HISPANIC, "h": HISPANIC, "white [hispanic or latino]": HISPANIC,
    "white/black [hispanic or latino]": HISPANIC, "black [hispanic or latino]": HISPANIC,
    "wwh": HISPANIC, "bwh": HISPANIC,
    "asian": "Asian/Pacific Islander", "asian / pacific islander": "Asian/Pacific Islander",
    "asian/pacific islander": "Asian/Pacific Islander", "pacific islander": "Asian/Pacific Islander",
    "native hawaiian or other pacific islander": "Asian/Pacific Islander", "a": "Asian/Pacific Islander",
    "api": "Asian/Pacific Islander",
    "american indian": "American Indian/Alaska Native", "american indian or alaska native":
        "American Indian/Alaska Native", "native american": "American Indian/Alaska Native",
    "i": "American Indian/Alaska Native",
    "biracial": OTHER_RACE, "multiracial": OTHER_RACE, "two or more races": OTHER_RACE, "other": OTHER_RACE,
    "white/black": OTHER_RACE, "o": OTHER_RACE,
    "unknown": UNKNOWN, "u": UNKNOWN, "unk": UNKNOWN, "not recorded": UNKNOWN, "": UNKNOWN,
}
GENDER_SPELLINGS: dict[str, str] = {
    "male": "Male", "m": "Male", "man": "Male",
    "female": "Female", "f": "Female", "woman": "Female",
    "unknown": UNKNOWN, "unknown gender": UNKNOWN, "u": UNKNOWN, "not recorded": UNKNOWN, "": UNKNOWN,
    "male name, no gender given": UNKNOWN,
}
#: The municipal districts of the Circuit Court of Cook County (the CCSAO's ``court_name``).
COOK_DISTRICTS = {1: "District 1 - Chicago", 2: "District 2 - Skokie", 3: "District 3 - Rolling Meadows",
                  4: "District 4 - Maywood", 5: "District 5 - Bridgeview", 6: "District 6 - Markham"}


_DISTRICT = re.compile(r"(?:municipal\s+)?(?:district|md)\s*0*(\d+)\b", re.IGNORECASE)


def _spelling(raw) -> str:
    return " ".join(str(raw or "").split()).lower()


def race_category(raw) -> str:
    """The report's race/ethnicity category (:data:`RACES`) of a value as the source spells it:
    a listed spelling (:data:`RACE_SPELLINGS`); else anything naming Hispanic, Latino/a/x (and not
    "not/non-Hispanic") is Hispanic/Latino, a value naming two races is Other/multiple, one naming
    a race is that race; anything else Other/multiple. Empty or not recorded: Unknown."""
    s = _spelling(raw)
    if s in RACE_SPELLINGS:
        return RACE_SPELLINGS[s]
    if ("hispanic" in s or "latin" in s) and not any(n in s for n in ("non-hispanic", "non hispanic", "not hispanic")):
        return HISPANIC
    found = {cat for word, cat in (("black", "Black"), ("african", "Black"), ("white", "White"),
                                   ("asian", "Asian/Pacific Islander"), ("pacific", "Asian/Pacific Islander"),
                                   ("american indian", "American Indian/Alaska Native"),
                                   ("alaska", "American Indian/Alaska Native")) if word in s}
    if len(found) == 1:
        return found.pop()
    if "unknown" in s:
        return UNKNOWN
    return OTHER_RACE


def gender_category(raw) -> str:
    """The report's gender category (:data:`GENDERS`): a listed spelling
    (:data:`GENDER_SPELLINGS`); another recorded value is Other; empty or unknown is Unknown."""
    s = _spelling(raw)
    if s in GENDER_SPELLINGS:
        return GENDER_SPELLINGS[s]
    return UNKNOWN if "unknown" in s else "Other"


def district_category(raw) -> str:
    """The court district of a record's ``court``: a Cook County municipal district ("District
    1 - Chicago", "district 1", "MD1") by its number and the court's name; another court as
    recorded; empty: not recorded."""
    s = " ".join(str(raw or "").split())
    if not s or s == NOT_RECORDED:
        return NOT_RECORDED
    m = _DISTRICT.match(s)
    if m and int(m.group(1)) in COOK_DISTRICTS:
        return COOK_DISTRICTS[int(m.group(1))]
    return s
#: The mark of a suppressed cell in the public report.
SUPPRESSED = "*"

# Positions in a flagged row (clearterm.storage.report_data.flagged_rows): the case, the person,
# the seven groups (already normalised: "not recorded" for a missing value, the age band named;
# race, gender and court as the source spells them, put in the report's categories after counting),
# the dates, the stages reached as a bit mask (STAGE_BITS), the research facts of the record and
# its case as a bit mask (FACT_BITS), the person's ordering key and the case number.
(CASE, PERSON, TRANCHE, YEAR, RACE, GENDER, AGE, CITY, COURT, FLAGGED_ON, DECIDED_ON, FILED_ON, RULED_ON,
 STAGE_MASK, FACTS_MASK, ORDER, CASE_NUMBER) = range(17)
GROUPS = slice(TRANCHE, COURT + 1)
#: The bit of each stage after flagged in a row's stage mask.
STAGE_BITS = {"approved": 1, "filed": 2, "granted": 4, "notified": 8}
#: The bits of a row's facts mask: the research facts of the record (those of
#: clearterm.domain.research.CaseFacts; a case has one when any of its records has it) and of its
#: case: on a relief track, in a signed batch, with records that are not flagged. OR-ed over a
#: case's rows they give its research facts (:func:`research_missing`).
FACT_BITS = {"has_name": 1, "has_date_of_birth": 2, "relief_without_disposition_date": 4, "has_address": 8,
             "on_track": 16, "signed": 32, "unflagged_records": 64}


def research_missing(case_number: str, mask: int) -> tuple[str, ...] | None:
    """What a case lacks before filing (clearterm.domain.research.missing_items) from its facts
    mask OR-ed over its flagged rows; None when the case is not on the research list (no relief
    track, or in a signed batch), as ``clearterm research`` counts it. The flagged rows alone
    may miss a name, date of birth or address that a record not flagged carries: the caller checks
    such cases (``unflagged_records``) against all their records."""
    if not mask & FACT_BITS["on_track"] or mask & FACT_BITS["signed"]:
        return None
    bit = FACT_BITS
    return missing_items(CaseFacts(
        case_number=case_number or "", has_name=bool(mask & bit["has_name"]),
        has_date_of_birth=bool(mask & bit["has_date_of_birth"]),
        relief_without_disposition_date=bool(mask & bit["relief_without_disposition_date"]),
        has_address=bool(mask & bit["has_address"])))


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
    """The band of an age at offense (what the store's query computes in SQL, for tests)."""
    if age is None or age == "" or not str(age).isdigit() or not 0 < int(age) < 120:
        return NOT_RECORDED
    a = int(age)
    label = AGE_BANDS[0][1]
    for low, name in AGE_BANDS:
        if a >= low:
            label = name
    return label


#: The dimensions of the impact and equity tables: key and title word, in the order of a row's groups.
DIMENSIONS = (("tranche", "tranche"), ("year", "year of conviction"), ("race", "race/ethnicity"),
              ("gender", "gender"), ("age", "age band at offense"), ("city", "incident city"),
              ("district", "court district"))
#: The dimensions whose groups beyond the largest :data:`TOP_CITIES` fold into one "other" row.
FOLDED = {"city": "other cities", "district": "other courts"}
_BITS = tuple(STAGE_BITS[s] for s in STAGES[1:])


def _stage_counts(mask: int, n: int) -> list[int]:
    return [n, *(n if mask & bit else 0 for bit in _BITS)]


def _group_name(key: str, g) -> str:
    """The report's group of a stored value (normalised by the store's query)."""
    if key == "race":
        return race_category(g)
    if key == "gender":
        return gender_category(g)
    if key == "district":
        return district_category(g)
    g = str(g)
    return g.title() if key == "city" and g != NOT_RECORDED else g


def _expand(keyed: Counter) -> dict[str, dict[str, list[int]]]:
    """{dimension: {group: [count at each stage]}} from a Counter of (groups..., stage mask)."""
    by_dim: list[Counter] = [Counter() for _ in DIMENSIONS]
    for key, n in keyed.items():
        mask = key[-1]
        for i, c in enumerate(by_dim):
            c[(key[i], mask)] += n
    out: dict[str, dict[str, list[int]]] = {}
    for (dim, _), c in zip(DIMENSIONS, by_dim):
        table = out[dim] = {}
        for (g, mask), n in c.items():
            name = _group_name(dim, g)
            cell = table.setdefault(name, [0] * len(STAGES))
            for i, v in enumerate(_stage_counts(mask, n)):
                cell[i] += v
    return out


def count_flagged(rows: Iterable[Sequence]) -> tuple[dict[str, dict[str, list[int]]], dict[str, dict[str, list[int]]]]:
    """({dimension: {group: [convictions at each stage]}}, the same for people) of the rows.

    One dictionary operation per row for the convictions (a Counter of the groups and the stage
    mask) and one for the people (their ordering key, groups and the OR of their masks)."""
    conv: Counter = Counter()
    people: dict[object, list] = {}
    for row in rows:
        groups = row[GROUPS]
        mask = row[STAGE_MASK]
        conv[(*groups, mask)] += 1
        seen = people.get(row[PERSON])
        if seen is None:
            people[row[PERSON]] = [row[ORDER], groups, mask]
        else:
            if row[ORDER] < seen[0]:
                seen[0], seen[1] = row[ORDER], groups
            seen[2] |= mask
    ppl: Counter = Counter((*groups, mask) for _, groups, mask in people.values())
    return _expand(conv), _expand(ppl)


def _ordered_groups(key: str, counts: dict[str, list[int]],
                    named: list[str] | None = None) -> list[tuple[str, list[int]]]:
    """Groups in reading order: tranches and years ascending, age bands youngest first, race and
    gender in the order of their vocabulary (Unknown last), Cook's districts by number, others
    largest first; for cities and courts the largest :data:`TOP_CITIES` by name and the others
    folded into one row ("other cities", "other courts"): the groups of ``named`` when given (so
    the people table names the same cities as the convictions table); "not recorded" last."""
    zero = [0] * len(STAGES)
    items = [(g, c) for g, c in counts.items() if g != NOT_RECORDED]
    if key in ("tranche", "year"):
        items.sort(key=lambda gc: (gc[0] == "none", gc[0]))
    elif key == "age":
        order = [name for _, name in AGE_BANDS]
        items.sort(key=lambda gc: order.index(gc[0]))
    elif key in ("race", "gender"):
        order = list(RACES if key == "race" else GENDERS)
        items.sort(key=lambda gc: order.index(gc[0]))
    elif key == "district":
        cook = set(COOK_DISTRICTS.values())
        items.sort(key=lambda gc: (gc[0] not in cook, gc[0] if gc[0] in cook else "", -gc[1][0], gc[0]))
    else:
        items.sort(key=lambda gc: (-gc[1][0], gc[0]))
    if key in FOLDED:
        if named is None:
            named = [g for g, _ in items[:TOP_CITIES]] if len(items) > TOP_CITIES else [g for g, _ in items]
        shown = set(named)
        rest = [c for g, c in items if g not in shown]
        items = [(g, counts.get(g, zero)) for g in named]
        if rest:
            items.append((FOLDED[key], [sum(c[i] for c in rest) for i in range(len(STAGES))]))
    if NOT_RECORDED in counts:
        items.append((NOT_RECORDED, counts[NOT_RECORDED]))
    return items


def impact_tables(rows: Iterable[Sequence]) -> list[Table]:
    """Convictions and people at each stage by each dimension (additive tables with totals; a
    table with no rows has no totals row). The people tables of cities and courts name the same
    groups as the convictions tables."""
    conv, ppl = count_flagged(rows)
    tables = []
    for key, word in DIMENSIONS:
        named = None
        for unit, counts in (("convictions", conv[key]), ("people", ppl[key])):
            groups = _ordered_groups(key, counts, named)
            if key in FOLDED and named is None:
                named = [g for g, _ in groups if g not in (FOLDED[key], NOT_RECORDED)]
            totals = tuple(sum(c[i] for _, c in groups) for i in range(len(STAGES))) if groups else None
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
