"""Synthetic canonical CSV: fast, deterministic, realistic, optionally dirty.

``generate(out, records, seed)`` writes a canonical-format CSV (header =
:data:`~clearterm.domain.record.CANONICAL_FIELDS`, UTF-8, ``\\n`` line endings,
gzip when ``out`` ends with ``.gz``) of exactly ``records`` charge rows. The same
arguments always give a byte-identical file: all randomness comes from
:class:`random.Random` instances seeded from ``seed`` and nothing depends on the
clock, the locale or hash randomisation.

What the data looks like
  People (``IR`` + 8 digits) with 1-3 cases each, cases with 1-4 charges. Cook
  County case numbers (felony ``12CR0456701``, misdemeanour ``2008MC21234567`` in District 2;
  the year is the offense year); the ~3 % of cases from DuPage, Lake or Will use
  ``2015CF001234`` / ``2015CM001234``. Offense dates 1985-01-01 .. 2021-12-31,
  arrest on the day or up to 4 days later, disposition after the arrest and never
  after 2021-12-31 (a case that would end later is pending). Dates are written per
  case in one of the accepted spellings (ISO mostly). Charges are mostly Cannabis
  Control Act §4 / §5 with subsection and class taken from the rules' tables for
  the offense date and the case's seized weight, plus §5.1, §5.2, §6, §7-enhanced,
  §8, attempts, paraphernalia and non-cannabis co-charges (some violent, some
  DUI). Every statute spelling of the rules' "Reading a statute citation" section
  is used. A small share of cannabis charges carry an inconsistent, missing or
  Z/U/P/O class on purpose.

Dirty rows (``dirty_pct`` > 0)
  ``round(records * dirty_pct / 100)`` rows (Python ``round``), chosen by a
  separate random stream so the clean rows are the same whatever ``dirty_pct``
  is, each get exactly one malformation of a kind in :data:`DIRTY_KINDS` (kinds
  are dealt in shuffled rounds of eight, so all appear once there are eight
  dirty rows). Where each one is placed:

  ``missing_record_id``    ``record_id`` is empty.
  ``missing_case_number``  ``case_number`` is empty.
  ``missing_statute``      ``statute`` is empty.
  ``bad_date``             one of ``offense_date`` / ``arrest_date`` /
                           ``disposition_date`` (a non-empty one) is not a
                           calendar date (``2019-13-45``, ``not a date``, ...).
  ``future_date``          ``disposition_date`` has year 2109 (``2109-04-22``);
                           a pending row also gets disposition ``BFW`` so that
                           the date is the only problem.
  ``bad_weight``           ``weight_grams`` is not a non-negative number
                           (``twelve``, ``-3``, ...).
  ``bad_age``              ``age_at_offense`` is not a whole number in 0-120
                           (``abc``, ``250``, ...).
  ``truncated``            the row is cut short: 3-24 of its fields.

  Dirty rows keep their own unique ``record_id`` (except ``missing_record_id``).
"""

from __future__ import annotations

import contextlib
import csv
import gzip
import io
import os
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import TextIO

from clearterm.devtools import names as names
from clearterm.domain.dates import parse_date
from clearterm.domain.record import CANONICAL_FIELDS

__all__ = ["DIRTY_KINDS", "SynthResult", "generate"]

DIRTY_KINDS: tuple[str, ...] = (
    "missing_record_id", "missing_case_number", "missing_statute", "bad_date",
    "future_date", "bad_weight", "bad_age", "truncated",
)

FIRST_OFFENSE = date(1985, 1, 1)
LAST_DATE = date(2021, 12, 31)
PROGRESS_EVERY = 50_000
_CHUNK = 10_000

_I = {name: i for i, name in enumerate(CANONICAL_FIELDS)}

# Values used by the dirty kinds. Each one is rejected by a validating ingest.
BAD_DATES: tuple[str, ...] = (
    "2019-13-45", "not a date", "2011-02-30", "0000-00-00", "31/31/2019",
    "2/30/2015 12:00:00 AM", "32-JAN-19", "15-XYZ-09",
)
BAD_WEIGHTS: tuple[str, ...] = ("twelve", "-3", "-27.5", "abc")
BAD_AGES: tuple[str, ...] = ("abc", "250", "-4", "twenty", "999")
FUTURE_YEAR = 2109


@dataclass
class SynthResult:
    path: Path
    rows: int
    clean_rows: int
    dirty_rows: int
    dirty_by_kind: dict[str, int] = field(default_factory=dict)  # every kind, zeros included
    persons: int = 0
    cases: int = 0


# ------------------------------------------------------------------------------------------
# Precomputed tables (built once per process, on first use)
# ------------------------------------------------------------------------------------------
def _expand(pairs) -> list:
    """[(value, integer weight), ...] -> a list to index with ``int(random() * len)``."""
    out: list = []
    for value, weight in pairs:
        out.extend([value] * weight)
    return out


_MON = ("", "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
_BASE = date(1915, 1, 1)  # earliest date of birth needed (a 70-year-old in 1985)
_SUBS = "abcdefg"


def _idx(d: date) -> int:
    return d.toordinal() - _BASE.toordinal()


class _T:
    """All lookup tables; one instance, built by :func:`_tables`."""


@lru_cache(maxsize=1)
def _tables() -> _T:
    t = _T()
    _date_tables(t)
    _people_tables(t)
    _class_tables(t)
    _statute_tables(t)
    _charge_kind_tables(t)
    _disposition_tables(t)
    return t


def _date_tables(t: _T) -> None:
    """Every date from _BASE to LAST_DATE in each spelling, and the year and age tables."""
    n_days = _idx(LAST_DATE) + 1
    iso, us, usam, isot, dmony, year, md = [], [], [], [], [], [], []
    o = _BASE.toordinal()
    for i in range(n_days):
        d = date.fromordinal(o + i)
        y, m, dd = d.year, d.month, d.day
        s = f"{y:04d}-{m:02d}-{dd:02d}"
        iso.append(s)
        u = f"{m}/{dd}/{y}"
        us.append(u)
        usam.append(u + " 12:00:00 AM")
        isot.append(s + " 00:00:00")
        # DD-MON-YY is read with a 2030 pivot: years up to 1930 would come back as 20YY.
        dmony.append(f"{dd:02d}-{_MON[m]}-{y % 100:02d}" if y > 1930 else s)
        year.append(y)
        md.append(m * 100 + dd)
    t.fmt = (iso, us, usam, isot, dmony)
    t.year, t.md = year, md
    t.end = n_days - 1
    t.times = [f"{h:02d}:{m:02d}:00" for h in range(24) for m in range(60)]
    # 0 ISO, 1 M/D/YYYY, 2 M/D/YYYY 12:00:00 AM, 3 YYYY-MM-DD HH:MM:SS, 4 DD-MON-YY
    t.fmt_pick = _expand([(0, 55), (1, 12), (2, 15), (3, 10), (4, 8)])
    t.post2016 = _idx(date(2016, 7, 29))
    t.pre1993 = _idx(date(1993, 1, 1))
    t.y2011 = _idx(date(2011, 7, 1))
    t.y2012 = _idx(date(2012, 1, 1))

    year_w = {}
    for y in range(FIRST_OFFENSE.year, LAST_DATE.year + 1):
        year_w[y] = (2 if y < 1993 else 3 if y < 2000 else 4 if y < 2013 else 3 if y < 2017
                     else 2 if y < 2020 else 1)
    t.offense_year = _expand(
        [((_idx(date(y, 1, 1)), (date(y, 12, 31) - date(y, 1, 1)).days + 1), w) for y, w in year_w.items()]
    )
    t.first_age = _expand(
        [(a, 20) for a in range(15, 18)] + [(a, 56) for a in range(18, 26)]
        + [(a, 28) for a in range(26, 36)] + [(a, 9) for a in range(36, 60)]
    )
    t.n_cases = _expand([(1, 55), (2, 28), (3, 17)])
    t.n_charges = _expand([(1, 40), (2, 30), (3, 18), (4, 12)])


def _people_tables(t: _T) -> None:
    """Names, addresses, and the agencies and courts of each county."""
    # -- people ------------------------------------------------------------------------------
    t.first = names.FIRST_NAMES
    t.last = names.LAST_NAMES
    t.middle = _expand([("", 45)] + [(chr(c), 1) for c in range(65, 91)] + [(m, 1) for m in names.MIDDLE_NAMES])
    t.streets = (names.SUBURB_STREETS, names.CHICAGO_STREETS)
    apts = [f"Apt {n}" for n in range(1, 13)] + [f"Apt {n}{x}" for n in range(1, 5) for x in "ABCD"]
    apts += [f"Unit {n}" for n in range(1, 9)] + [f"#{n}{x}" for n in range(1, 4) for x in "FR"]
    apts += [f"Apt {100 * f + n}" for f in range(1, 6) for n in (1, 2, 3)] + ["Fl 2", "Fl 3", "Bsmt", "Rear"]
    t.apts = apts
    t.cities = _expand([((city, zips), w) for city, w, zips in names.CITIES])

    # -- where -------------------------------------------------------------------------------
    t.cook = _expand([((a, c), w) for a, w, c in names.COOK_AGENCIES])
    t.districts = names.COOK_DISTRICTS
    t.other_county = _expand([((cty, court, ags), w) for cty, w, court, ags in names.OTHER_COUNTIES])


def _class_tables(t: _T) -> None:
    """Seized weight bands, and the cannabis classes and titles by section, era and subsection."""
    # -- seized weight: 8 bands in tenths of a gram -----------------------------------------
    t.band_edges = (0, 25, 100, 300, 1000, 5000, 20000, 50000, 200000)
    t.band_pick = _expand([(0, 16), (1, 22), (2, 22), (3, 17), (4, 13), (5, 5), (6, 3), (7, 2)])
    # subsection letter by band: §4 before / after 2016-07-29, §5 (and §5.2 / §6 by their own rule)
    t.sub4 = ("abcddefg", "aabcdefg")
    t.sub5 = "abcddefg"

    # -- cannabis classes and titles ----------------------------------------------------------
    four_pre = {"a": [("C", 1)], "b": [("B", 1)], "c": [("A", 4), ("4", 1)], "d": [("4", 6), ("3", 1)],
                "e": [("3", 1)], "f": [("2", 1)], "g": [("1", 1)]}
    four_post = dict(four_pre, a=[("O", 1)])
    five = {s: [(c, 1)] for s, c in zip(_SUBS, ("B", "A", "4", "3", "2", "1", "X"))}
    title4 = (
        {"a": "POSS CANNABIS/<2.5 GRAMS", "b": "POSS CANNABIS/2.5-10 GRAMS", "c": "POSS CANNABIS/10-30 GRAMS",
         "d": "POSS CANNABIS/30-500 GRAMS", "e": "POSS CANNABIS/500-2000 GRAMS",
         "f": "POSS CANNABIS/2000-5000 GRAMS", "g": "POSS CANNABIS/>5000 GRAMS"},
        {"a": "POSS CAN/<10 GRAM/CIVIL", "b": "POSS CAN/>10-30 GRAM/1ST", "c": "POSS CAN/>30-100 GRAM",
         "d": "POSS CAN/>100-500 GRAM", "e": "POSS CAN/>500-2000 GRAM", "f": "POSS CAN/>2000-5000 GRAM",
         "g": "POSS CAN/>5000 GRAM"},
    )
    title5 = {"a": "MFG/DEL CANNABIS< 2.5 GRAMS", "b": "MFG/DEL CANNABIS/2.5-10 GRAMS",
              "c": "MFG/DEL CANNABIS/10-30 GRAMS", "d": "MFG/DEL CANNABIS/30-500 GRAMS",
              "e": "MFG/DEL CANNABIS/500-2000 GRAMS", "f": "MFG/DEL CANNABIS/2000-5000 GRAMS",
              "g": "MFG/DEL CANNABIS/>5000 GRAMS"}
    subsequent = {("c", "4"), ("d", "3")}

    def options(table, titles, era_post: bool, sec: str) -> dict:
        out = {}
        for sub, pairs in table.items():
            opts = []
            for cls, w in pairs:
                title = titles[sub]
                if sec == "4" and sub in "cd":
                    title += "/2+" if (sub, cls) in subsequent else ("/1ST" if era_post else "")
                opts.extend([(cls, title)] * w)
            out[sub] = opts
        return out

    # class options keyed [section][era][sub] -> [(class, specific title)]
    t.opts4 = (options(four_pre, title4[0], False, "4"), options(four_post, title4[1], True, "4"))
    t.opts5 = options(five, title5, False, "5")
    t.generic = {"4": ("POSSESSION OF CANNABIS",),
                 "5": ("POSSESSION OF CANNABIS WITH INTENT TO DELIVER", "MANUFACTURE/DELIVERY OF CANNABIS",
                       "[POSSESSION OF CANNABIS WITH INTENT TO DELIVER/DELIVERY OF CANNABIS]")}

    def wrong(opts: dict) -> dict:
        return {sub: [c for c in ("C", "B", "A", "4", "3") if c not in {o[0] for o in lst}]
                for sub, lst in opts.items()}

    t.wrong4 = (wrong(t.opts4[0]), wrong(t.opts4[1]))
    t.wrong5 = wrong(t.opts5)
    t.unreadable = ("Z", "U", "P")
    t.step_down = {"X": "1", "1": "2", "2": "3", "3": "4", "4": "A", "A": "A", "B": "B", "C": "C", "O": "O"}


def _statute_tables(t: _T) -> None:
    """Statute spellings of each section and subsection, attempts and enhancements."""
    # -- statute spellings --------------------------------------------------------------------
    def aoic(sec: str, sub: str) -> int:
        """An invented 7-digit court code in the style of the AOIC codes (4(c) -> 5015300)."""
        k = _SUBS.index(sub) if sub else 0
        return {"4": 5015100 + 100 * k, "5": 5020000 + 100 * k, "5.1": 11436 + k, "5.2": 10360 + k,
                "6": 5016000, "8": 5035000 + 100 * k}[sec]

    def modern(sec: str, sub: str) -> list[str]:
        code = aoic(sec, sub)
        if sub:
            s, S = f"{sec}({sub})", f"{sec}({sub.upper()})"
            c = f"{sec}-{sub.upper()}"
        else:
            s = S = c = sec
        return _expand([
            (f"720 ILCS 550/{s}", 60), (f"720-550/{s}", 8), (f"720 550/{S}", 6),
            (f"720 ILCS 550.0/{c}", 6), (f"720-550/{c}", 6), (f"720 ILCS 550 {s} [{code:07d}]", 14),
        ])

    def old(sec: str, sub: str) -> tuple[str, str]:
        if sub:
            return f"56.5-70{sec}-{sub.upper()}", f"56 1/2-70{sec}({sub})"
        return f"56.5-70{sec}", f"56 1/2-70{sec}"

    t.spell = {}
    for sec, subs in (("4", _SUBS), ("5", _SUBS), ("5.1", "ab"), ("5.2", "abcd"), ("6", ""), ("8", "abcde")):
        for sub in subs or [""]:
            t.spell[sec, sub] = (modern(sec, sub), old(sec, sub))
    t.attempt = {}
    for sec in ("4", "5"):
        for sub in _SUBS:
            t.attempt[sec, sub] = (
                _expand([(f"720 ILCS 5/8-4(720 ILCS 550/{sec}({sub}))", 55),
                         (f"720 ILCS 5/8-4(550/{sec}({sub}))", 30),
                         (f"720-5/8-4(720-550/{sec}({sub}))", 15)]),
                (f"38-8-4(56.5-70{sec}-{sub.upper()})", f"38-8-4(56 1/2-70{sec}({sub}))"),
            )
    t.enh7 = ("550/7", "Section 7", "720 ILCS 550/7")


def _charge_kind_tables(t: _T) -> None:
    """Charge kinds of a first charge and a co-charge, and the non-cannabis offenses."""
    # -- charge kinds -------------------------------------------------------------------------
    # 0 §4, 1 §5, 2 attempt, 3 §7-enhanced, 4 §5.2, 5 §5.1, 6 §6, 7 §8, 8 paraphernalia, 9 other act
    t.primary = _expand([(0, 400), (1, 200), (2, 25), (3, 20), (4, 15), (5, 7), (6, 10), (7, 15), (8, 10),
                         (9, 298)])
    t.cocharge = _expand([(0, 280), (1, 100), (2, 15), (3, 15), (4, 10), (5, 2), (6, 5), (7, 5), (8, 120),
                          (9, 448)])
    t.weight_share = 0.72  # of cannabis charges that record the seized weight (~40 % of all rows)
    t.para = _expand([("720 ILCS 600/3.5", 16), ("720-600/3.5", 2), ("720 ILCS 600/3.5(a)", 2)])
    t.plants = _expand([(("a", "A"), 50), (("b", "4"), 30), (("c", "3"), 12), (("d", "2"), 6), (("e", "1"), 2)])

    def nc(pre: str, post: str | None, cut: int, classes, desc: str, drug: bool, w: int):
        spell = (_expand([(pre, 9), (pre.replace(" ILCS ", "-"), 1)]),
                 _expand([(post or pre, 9), ((post or pre).replace(" ILCS ", "-"), 1)]))
        return ((spell, cut, _expand(classes), desc, drug), w)

    big = t.end + 1
    t.other = _expand([
        nc("720 ILCS 570/402(c)", None, big, [("4", 1)], "POSSESSION OF A CONTROLLED SUBSTANCE", True, 18),
        nc("720 ILCS 570/401(c)(2)", None, big, [("1", 1)], "MFG/DEL 1<15 GR COCAINE/ANLG", True, 4),
        nc("720 ILCS 5/16A-3(a)", "720 ILCS 5/16-25(a)(1)", t.y2012, [("A", 9), ("4", 1)], "RETAIL THEFT",
           False, 10),
        nc("720 ILCS 5/31-1(a)", None, big, [("A", 1)], "RESISTING/OBSTRUCTING A PEACE OFFICER", False, 10),
        nc("720 ILCS 5/24-1.6(a)(1)", None, big, [("4", 1)], "AGGRAVATED UNLAWFUL USE OF WEAPON", False, 6),
        nc("720 ILCS 5/12-3(a)(1)", None, big, [("A", 1)], "BATTERY/CAUSE BODILY HARM", False, 5),
        nc("720 ILCS 5/21-1(a)(1)", None, big, [("A", 1)], "CRIMINAL DAMAGE TO PROPERTY", False, 4),
        nc("720 ILCS 5/21-3(a)(1)", None, big, [("B", 1)], "CRIMINAL TRESPASS TO LAND", False, 3),
        nc("720 ILCS 5/19-1(a)", None, big, [("2", 1)], "BURGLARY", False, 3),
        nc("625 ILCS 5/6-303(a)", None, big, [("A", 1)], "DRIVING ON SUSPENDED LICENSE", False, 4),
        nc("625 ILCS 5/11-501(a)", None, big, [("A", 9), ("4", 1)], "DRIVING UNDER THE INFLUENCE", False, 4),
        # violent (725 ILCS 120/3(c))
        nc("720 ILCS 5/12-3.2(a)(1)", None, big, [("A", 1)], "DOMESTIC BATTERY/BODILY HARM", False, 7),
        nc("720 ILCS 5/18-1(a)", None, big, [("2", 1)], "ROBBERY", False, 3),
        nc("720 ILCS 5/12-4(a)", "720 ILCS 5/12-3.05(a)(1)", t.y2011, [("3", 1)],
           "AGGRAVATED BATTERY/GREAT BODILY HARM", False, 2),
        nc("720 ILCS 5/12-2(a)(1)", None, big, [("A", 1)], "AGGRAVATED ASSAULT", False, 2),
    ])


def _disposition_tables(t: _T) -> None:
    """Dispositions and sentences."""
    # -- dispositions and sentences -----------------------------------------------------------
    t.conv_text = _expand([("Plea Of Guilty", 70), ("Finding Guilty", 18), ("Verdict Guilty", 3),
                           ("Plea of Guilty - Lesser Included", 2), ("Finding Guilty - Lesser Included", 2),
                           ("Plea of Guilty - Amended Charge", 2), ("Verdict Guilty But Mentally Ill", 1),
                           ("PG", 1), ("GUILTY", 1)])
    # (code, texts): 0 conviction, 1 pending (no date), 2 anything else (dated)
    t.outcome = _expand([
        ((0, ("",)), 44),
        ((2, tuple(_expand([("Nolle Prosecution", 95), ("Nolle On Remand", 3), ("Nolle Pros - Aonic", 2)]))), 27),
        ((2, tuple(_expand([("Case Dismissed", 17), ("DISMISSED", 2), ("Charge Vacated", 1)]))), 7),
        ((2, tuple(_expand([("FNG", 16), ("Verdict-Not Guilty", 3), ("NOT GUILTY", 1)]))), 4),
        ((2, ("FNPC",)), 2),
        ((2, tuple(_expand([("SOL", 6), ("SOLW", 1)]))), 5),
        ((2, ("BFW",)), 4),
        ((2, ("Death Suggested-Cause Abated",)), 1),
        ((2, ("Mistrial Declared", "Superseded by Indictment", "Transferred - Misd Crt")), 2),
        ((2, ("Withdrawn", "Charge Rejected", "No Bill")), 1),
        ((1, ("",)), 3),
    ])
    t.felony = frozenset({"X", "1", "2", "3", "4", "M"})
    sent = {
        (False, False): [("Supervision", 25), ("Court Supervision", 8), ("Conditional Discharge", 20),
                         ("Probation", 15), ("Jail", 20), ("", 7)],
        (False, True): [("Supervision", 25), ("Court Supervision", 8), ("Conditional Discharge", 15),
                        ("Probation", 12), ("710/410 Probation", 12), ("Jail", 15), ("", 8)],
        (True, False): [("Probation", 40), ("Prison", 35), ("Jail", 8), ("Conditional Discharge", 5), ("", 7)],
        (True, True): [("Probation", 35), ("Prison", 25), ("710/410 Probation", 10),
                       ("2nd Chance Probation", 8), ("Jail", 7), ("Conditional Discharge", 5), ("", 5)],
    }
    t.sentence = {k: _expand(v) for k, v in sent.items()}


# ------------------------------------------------------------------------------------------
# Row generator
# ------------------------------------------------------------------------------------------
#: The language column, by person (ten in a cycle): a fifth Spanish, half English, the rest unknown
#: (about one Cook County resident in five speaks Spanish at home).
_LANGUAGES = ("es", "en", "", "en", "en", "es", "en", "", "en", "")


def _rows(rng: random.Random, seed: int, t: _T, stats: list[int]) -> Iterator[list[str]]:
    """Endless stream of clean canonical rows; ``stats`` = [persons, cases] started so far.

    Every draw from ``rng`` is made in a fixed order (person, then each case's dates, outcome and
    place, then its charges), so the same seed always gives the same rows."""
    r = rng.random
    person = _person_fn(r, t)
    case_head = _case_head_fn(r, t)
    charges_of = _charges_fn(r, t)
    ncases_l = t.n_cases
    n_ncases = len(ncases_l)
    year = t.year

    prefix = f"S{seed}-"
    ir_off = int(r() * 90_000_000)
    case_off = int(r() * 10_000_000)
    n = p = c = 0
    while True:
        pid = f"IR{(p * 48271 + ir_off) % 90_000_000 + 10_000_000}"
        p += 1
        stats[0] = p
        last, first, middle, city, zipc, addr1, addr2, o1, dob, has_dob, span = person()
        race, gender = _demographics(pid)
        lang = _LANGUAGES[p % 10]  # no draw from rng: the same seed gives the same other values
        for k in range(ncases_l[int(r() * n_ncases)]):
            c += 1
            stats[1] = c
            (o, off_s, arr_s, disp_date, code, case_text, dob_s, age_s, county, court,
             agency) = case_head(o1, span, k, has_dob, dob)
            charges, is_felony = charges_of(o, code, case_text)
            seq = (c * 7_654_321 + case_off) % 10_000_000
            yr = year[o]
            if county == "Cook":
                # a misdemeanour's number names its Municipal District (MC1..MC6, from the court)
                district = court[9] if court.startswith("District ") else "1"
                case_no = f"{yr % 100:02d}CR{seq:07d}" if is_felony else f"{yr}MC{district}{seq:07d}"
            else:
                case_no = f"{yr}{'CF' if is_felony else 'CM'}{seq % 1_000_000:06d}"
            for st, disp, cls, desc, w, enh, sentence in charges:
                n += 1
                yield [f"{prefix}{n:08d}", case_no, st, disp, pid, last, first, middle, dob_s, age_s,
                       off_s, arr_s, disp_date, cls, desc, w, enh, sentence, county, court, agency,
                       addr1, addr2, city, "IL", zipc, lang, race, gender, city]


#: Race and gender as the CCSAO extracts spell them, with rough shares of cannabis cases there
#: (the equity report's demo data; drawn from the person id, not from the seeded stream, so the
#: other columns are the same as before these fields existed).
_RACES = (("Black", 60), ("White [Hispanic or Latino]", 19), ("White", 15), ("Asian", 2), ("Unknown", 4))
_GENDERS = (("Male", 85), ("Female", 14), ("Unknown", 1))


def _demographics(pid: str) -> tuple[str, str]:
    h = (int(pid[2:]) * 2_654_435_761) & 0xFFFFFFFF
    out = []
    for table, draw in ((_RACES, h % 100), (_GENDERS, (h >> 8) % 100)):
        for value, share in table:
            if draw < share:
                out.append(value)
                break
            draw -= share
    return out[0], out[1]


def _person_fn(r: Callable[[], float], t: _T) -> Callable[[], tuple]:
    """A function drawing one person: names, address, first offense date, date of birth."""
    year, md, end = t.year, t.md, t.end
    offense_year, n_oy = t.offense_year, len(t.offense_year)
    first_age, n_fa = t.first_age, len(t.first_age)
    firsts, lasts, middles = t.first, t.last, t.middle
    nf, nl, nm = len(firsts), len(lasts), len(middles)
    streets, apts, cities = t.streets, t.apts, t.cities
    na, nc_ = len(apts), len(cities)

    def person() -> tuple:
        last = lasts[int(r() * nl)]
        first = firsts[int(r() * nf)]
        middle = middles[int(r() * nm)]
        city, zips = cities[int(r() * nc_)]
        zipc = zips[int(r() * len(zips))]
        sl = streets[city == "Chicago"]
        addr1 = f"{1 + int(r() * 12999)} {sl[int(r() * len(sl))]}"
        addr2 = apts[int(r() * na)] if r() < 0.22 else ""
        start, length = offense_year[int(r() * n_oy)]
        o1 = start + int(r() * length)
        a1 = first_age[int(r() * n_fa)]
        dob = o1 - int(a1 * 365.2425) - 1 - int(r() * 363)
        if year[o1] - year[dob] - (md[o1] < md[dob]) < 15:
            dob -= 366
        has_dob = r() < 0.93
        span = min(3650, end - o1) + 1
        return last, first, middle, city, zipc, addr1, addr2, o1, dob, has_dob, span

    return person


def _case_head_fn(r: Callable[[], float], t: _T) -> Callable[..., tuple]:
    """A function drawing one case's dates (in one spelling), outcome, the person's age columns,
    and where it was heard."""
    fmts, year, md, end, times = t.fmt, t.year, t.md, t.end, t.times
    fmt_pick, n_fmt = t.fmt_pick, len(t.fmt_pick)
    iso = fmts[0]
    cook, n_cook, districts = t.cook, len(t.cook), t.districts
    others, n_oth = t.other_county, len(t.other_county)
    conv_text, n_ct = t.conv_text, len(t.conv_text)
    outcomes, n_out = t.outcome, len(t.outcome)

    def case_head(o1: int, span: int, k: int, has_dob: bool, dob: int) -> tuple:
        o = o1 if k == 0 else o1 + int(r() * span)
        fmt = fmt_pick[int(r() * n_fmt)]
        F = fmts[fmt]
        a = o if r() < 0.7 else min(end, o + 1 + int(r() * 4))
        dd = a + 1 + int(r() * r() * 900)
        code, texts = outcomes[int(r() * n_out)]
        if dd > end:
            code = 1
        case_text = ""
        if code == 1:
            disp_date = ""
        else:
            disp_date = F[dd]
            case_text = conv_text[int(r() * n_ct)] if code == 0 else texts[int(r() * len(texts))]
        x = r()
        off_s = "" if x < 0.021 else F[o]  # 2 % no offense date, 3 % no arrest date, 0.1 % neither
        if x < 0.001 or 0.021 <= x < 0.051:
            arr_s = ""
        elif fmt == 3:
            arr_s = iso[a] + " " + times[int(r() * 1440)]
        else:
            arr_s = F[a]
        age = year[o] - year[dob] - (md[o] < md[dob])
        if has_dob:
            dob_s = F[dob]
            age_s = str(age) if r() < 0.3 else ""
        else:
            dob_s = ""
            age_s = str(age) if r() < 0.6 else ""
        if r() < 0.97:
            agency, court = cook[int(r() * n_cook)]
            if court is None:
                court = districts[int(r() * 6)]
            county = "Cook"
        else:
            county, court, ags = others[int(r() * n_oth)]
            agency = ags[int(r() * len(ags))]
        return o, off_s, arr_s, disp_date, code, case_text, dob_s, age_s, county, court, agency

    return case_head


def _charges_fn(r: Callable[[], float], t: _T) -> Callable[[int, int, str], tuple[list, bool]]:
    """A function drawing one case's charges: the case's first charge kind and seized weight, then
    each charge (statute, class, description, weight, disposition, sentence); and whether any is a
    felony (the case number's type)."""
    edges, band_pick, n_bp = t.band_edges, t.band_pick, len(t.band_pick)
    primary, cocharge = t.primary, t.cocharge
    n_pri, n_co = len(primary), len(cocharge)
    ncharges_l = t.n_charges
    n_ncharges = len(ncharges_l)
    wshare = t.weight_share
    felony_set, sentences = t.felony, t.sentence
    post2016, pre1993 = t.post2016, t.pre1993
    cannabis_charge = _cannabis_charge_fn(r, t)
    other_charge = _other_charge_fn(r, t)

    def charges_of(o: int, code: int, case_text: str) -> tuple[list, bool]:
        post = 1 if o >= post2016 else 0
        pre93 = o < pre1993
        kind = primary[int(r() * n_pri)]
        if kind == 5:
            band = 6 + int(r() * 2)
        elif kind == 6:
            band = int(r() * 2)
        else:
            band = band_pick[int(r() * n_bp)]
        lo, hi = edges[band], edges[band + 1]
        tenths = 300 if band == 2 and r() < 0.15 else lo + 1 + int(r() * (hi - lo))
        wstr = f"{tenths // 10}.{tenths % 10}"
        charges = []
        is_felony = False
        for j in range(ncharges_l[int(r() * n_ncharges)]):
            if j:
                kind = cocharge[int(r() * n_co)]
                if kind == 5 and band < 6:
                    kind = 1
                elif kind == 6 and band > 1:
                    kind = 0
            if kind <= 3:
                st, cls, desc, enh = cannabis_charge(kind, band, post, pre93)
                weighed = drug = True
            else:
                st, cls, desc, weighed, drug = other_charge(kind, band, post, pre93, o)
                enh = ""
            fel = cls in felony_set
            is_felony = is_felony or fel
            w = wstr if weighed and r() < wshare else ""
            if code == 0:
                if j == 0 or r() < 0.45:
                    disp = case_text
                    pick = sentences[fel, drug]
                    sentence = pick[int(r() * len(pick))]
                else:
                    disp, sentence = "Nolle Prosecution", ""
            elif code == 1:
                disp = sentence = ""
            else:
                disp, sentence = case_text, ""
            charges.append((st, disp, cls, desc, w, enh, sentence))
        return charges, is_felony

    return charges_of


def _cannabis_fn(r: Callable[[], float], t: _T) -> Callable[[str, int, int, bool], tuple[str, str, str, str]]:
    """A function drawing a §4 or §5 charge: (sub, class, description, statute)."""
    sub4, sub5 = t.sub4, t.sub5
    opts4, opts5, generic = t.opts4, t.opts5, t.generic
    wrong4, wrong5, unreadable = t.wrong4, t.wrong5, t.unreadable
    spell = t.spell

    def cannabis(sec: str, band: int, post: int, pre93: bool) -> tuple[str, str, str, str]:
        if sec == "4":
            sub = sub4[post][band]
            opts = opts4[post][sub]
        else:
            sub = sub5[band]
            opts = opts5[sub]
        cls, desc = opts[int(r() * len(opts))]
        if r() < 0.5:
            g = generic[sec]
            desc = g[int(r() * len(g))]
        x = r()
        if x < 0.05:  # the small share of unusable or inconsistent classes
            if x < 0.02:
                w = (wrong4[post] if sec == "4" else wrong5)[sub]
                cls = w[int(r() * len(w))]
            elif x < 0.035:
                cls = ""
            elif x < 0.045:
                cls = unreadable[int(r() * 3)]
            else:
                cls = "O" if cls != "O" else "C"
        mod, old = spell[sec, sub]
        st = old[int(r() * 2)] if pre93 and r() < 0.4 else mod[int(r() * len(mod))]
        return sub, cls, desc, st

    return cannabis


def _cannabis_charge_fn(r: Callable[[], float], t: _T) -> Callable[[int, int, int, bool], tuple[str, str, str, str]]:
    """A function drawing a charge of kind 0 (§4), 1 (§5), 2 (attempt) or 3 (§7-enhanced):
    (statute, class, description, enhancement)."""
    cannabis = _cannabis_fn(r, t)
    step_down, attempt, enh7 = t.step_down, t.attempt, t.enh7

    def cannabis_charge(kind: int, band: int, post: int, pre93: bool) -> tuple[str, str, str, str]:
        enh = ""
        if kind <= 1:
            sec = "4" if kind == 0 else "5"
            _sub, cls, desc, st = cannabis(sec, band, post, pre93)
        elif kind == 2:  # attempt (8-4) of §4 or §5
            sec = "4" if r() < 0.6 else "5"
            sub, cls, desc, _st = cannabis(sec, band, post, pre93)
            cls = step_down.get(cls, cls)
            desc = "ATTEMPT " + desc
            mod, old = attempt[sec, sub]
            st = old[int(r() * 2)] if pre93 and r() < 0.5 else mod[int(r() * len(mod))]
        else:  # §7-enhanced
            sec = "5" if r() < 0.8 else "4"
            sub, cls, desc, st = cannabis(sec, band, post, pre93)
            y = r()
            if y < 0.35:
                st = (f"720-550/{sec}({sub})/7" if y < 0.07 else f"720 ILCS 550/{sec}({sub})/7")
            else:
                enh = enh7[int(r() * 3)]
        return st, cls, desc, enh

    return cannabis_charge


def _other_charge_fn(r: Callable[[], float], t: _T) -> Callable[[int, int, int, bool, int], tuple]:
    """A function drawing a charge of kind 4 (§5.2), 5 (§5.1), 6 (§6), 7 (§8), 8 (paraphernalia) or 9
    (another act): (statute, class, description, weighed, drug)."""
    sub4, opts4, spell = t.sub4, t.opts4, t.spell
    para, n_para, plants, n_plants = t.para, len(t.para), t.plants, len(t.plants)
    other, n_other = t.other, len(t.other)

    def other_charge(kind: int, band: int, post: int, pre93: bool, o: int) -> tuple:
        weighed = drug = True
        if kind == 4:  # §5.2 school grounds, by the §5 amount
            sub, cls = (("d", "4"), ("c", "3"), ("b", "2"))[band] if band < 3 else ("a", "1")
            desc = "MFG/DEL CANNABIS/SCHOOL GROUNDS" if r() < 0.5 else \
                "[POSSESSION OF CANNABIS WITH INTENT TO DELIVER/DELIVERY OF CANNABIS] ON SCHOOL GROUNDS"
            key = ("5.2", sub)
        elif kind == 5:  # §5.1 trafficking (2.5 kg and more)
            cls = "1" if band == 6 else "X"
            desc = f"UNLAWFUL CANNABIS TRAFFICKING, A CLASS {cls} FELONY"
            key = ("5.1", "a")
        elif kind == 6:  # §6 casual delivery (10 g or less): classed as the §4 amount
            sub = sub4[post][band]
            cls = opts4[post][sub][0][0]
            desc = "CASUAL DELIVERY OF CANNABIS"
            key = ("6", "")
        elif kind == 7:  # §8 plants: counted, not weighed
            sub, cls = plants[int(r() * n_plants)]
            desc = "UNAUTHORIZED PRODUCTION/POSSESSION OF CANNABIS PLANTS"
            key = ("8", sub)
            weighed = False
        elif kind == 8:  # paraphernalia: not the Cannabis Control Act
            st = para[int(r() * n_para)]
            cls = "O" if post and r() < 0.5 else "A"
            return st, cls, "POSSESSION OF DRUG PARAPHERNALIA", False, False
        else:
            sp, cut, classes, desc, drug = other[int(r() * n_other)]
            sps = sp[o >= cut]
            st = sps[int(r() * len(sps))]
            cls = classes[int(r() * len(classes))]
            return st, cls, desc, False, drug
        mod, old = spell[key]
        st = old[int(r() * 2)] if pre93 and r() < 0.4 else mod[int(r() * len(mod))]
        return st, cls, desc, weighed, drug

    return other_charge


# ------------------------------------------------------------------------------------------
# Dirty rows
# ------------------------------------------------------------------------------------------
def _future(text: str) -> str:
    """The same date with the year 2109, in the same spelling (ISO for DD-MON-YY)."""
    d = parse_date(text) if text else None
    if d is None:
        return f"{FUTURE_YEAR}-04-22"
    f = d.replace(year=FUTURE_YEAR, day=min(d.day, 28) if d.month == 2 else d.day)
    if "/" in text:
        s = f"{f.month}/{f.day}/{f.year}"
        return s + " 12:00:00 AM" if text.endswith("M") else s
    if ":" in text:
        return f.isoformat() + " 00:00:00"
    return f.isoformat()


def _make_dirty(row: list[str], kind: str, r: Callable[[], float]) -> None:
    """Give ``row`` (in place) the one malformation ``kind``."""
    if kind == "missing_record_id":
        row[0] = ""
    elif kind == "missing_case_number":
        row[1] = ""
    elif kind == "missing_statute":
        row[2] = ""
    elif kind == "bad_date":
        cols = [i for i in (_I["offense_date"], _I["arrest_date"], _I["disposition_date"]) if row[i]]
        i = cols[int(r() * len(cols))] if cols else _I["offense_date"]
        row[i] = BAD_DATES[int(r() * len(BAD_DATES))]
    elif kind == "future_date":
        i = _I["disposition_date"]
        src = row[i] or row[_I["arrest_date"]] or row[_I["offense_date"]]
        row[i] = _future(src)
        if not row[_I["disposition"]]:
            row[_I["disposition"]] = "BFW"  # a pending row: give the date a disposition to belong to
    elif kind == "bad_weight":
        row[_I["weight_grams"]] = BAD_WEIGHTS[int(r() * len(BAD_WEIGHTS))]
    elif kind == "bad_age":
        row[_I["age_at_offense"]] = BAD_AGES[int(r() * len(BAD_AGES))]
    elif kind == "truncated":
        del row[3 + int(r() * 22):]
    else:  # pragma: no cover - DIRTY_KINDS is closed
        raise ValueError(kind)


# ------------------------------------------------------------------------------------------
# Output
# ------------------------------------------------------------------------------------------
@contextlib.contextmanager
def _open_text(path: Path, gz: bool):
    with contextlib.ExitStack() as stack:
        if gz:
            raw = stack.enter_context(open(path, "wb"))
            # filename="" and mtime=0 keep the gzip header free of names and times.
            gzf = stack.enter_context(gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=6))
            fh = stack.enter_context(io.TextIOWrapper(gzf, encoding="utf-8", newline=""))
        else:
            fh = stack.enter_context(open(path, "w", encoding="utf-8", newline="", buffering=1 << 20))
        yield fh


def _checked(records, seed, dirty_pct) -> float:
    """``dirty_pct`` as a float, once the arguments of :func:`generate` are checked (ValueError)."""
    if isinstance(records, bool) or not isinstance(records, int) or records < 0:
        raise ValueError("records must be a whole number, 0 or more")
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise ValueError("seed must be a whole number")
    dirty_pct = float(dirty_pct)
    if not 0.0 <= dirty_pct <= 100.0:  # also rejects NaN
        raise ValueError("dirty_pct must be between 0 and 100")
    return dirty_pct


def generate(
    out: str | Path | TextIO,
    records: int,
    seed: int,
    dirty_pct: float = 0.0,
    *,
    progress: Callable[[int], None] | None = None,
) -> SynthResult:
    """Write ``records`` synthetic canonical rows to ``out`` (a path, or an open text stream such
    as standard output) and describe what was written.

    ``dirty_pct`` (0-100) is the share of rows given one malformation each (see the
    module docstring). ``progress(n)`` is called with the number of rows written so
    far, at the first chunk boundary after every :data:`PROGRESS_EVERY` rows, and
    with ``records`` at the end (never twice with the same number). The file is written
    to ``<out>.part`` and renamed when complete.
    """
    dirty_pct = _checked(records, seed, dirty_pct)

    stream = out if hasattr(out, "write") else None  # a text stream (the CLI's --out -): written as it is
    path = Path("-") if stream is not None else Path(out)
    gz = stream is None and path.name.lower().endswith(".gz")
    tables = _tables()
    # The seed strings keep the module's old name (clearterm.synth): the same seed gives the same
    # rows as before the module moved to devtools/ (issue 14: behaviour unchanged).
    rng = random.Random(f"clearterm.synth/{seed}/rows")
    drng = random.Random(f"clearterm.synth/{seed}/dirty")
    dr = drng.random
    n_dirty = min(records, round(records * dirty_pct / 100))
    dirty_left = n_dirty
    by_kind = dict.fromkeys(DIRTY_KINDS, 0)
    deck: list[str] = []
    stats = [0, 0]
    reported = 0

    if stream is None:
        path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".part")
    try:
        with (contextlib.nullcontext(stream) if stream is not None else _open_text(tmp, gz)) as fh:
            writer = csv.writer(fh, lineterminator="\n")
            writer.writerow(CANONICAL_FIELDS)
            chunk: list[list[str]] = []
            # zip() asks range() first, so no row (and no person) is generated past the end.
            for i, row in zip(range(1, records + 1), _rows(rng, seed, tables, stats)):
                # Selection sampling (Knuth's algorithm S): exactly n_dirty rows, O(1) memory.
                if dirty_left and dr() * (records - i + 1) < dirty_left:
                    if not deck:
                        deck = list(DIRTY_KINDS)
                        drng.shuffle(deck)
                    kind = deck.pop()
                    _make_dirty(row, kind, dr)
                    by_kind[kind] += 1
                    dirty_left -= 1
                chunk.append(row)
                if len(chunk) >= _CHUNK:
                    writer.writerows(chunk)
                    chunk.clear()
                    if progress is not None and i - reported >= PROGRESS_EVERY:
                        progress(i)
                        reported = i
            if chunk:
                writer.writerows(chunk)
        if stream is None:
            os.replace(tmp, path)
        else:
            stream.flush()
    except BaseException:
        if stream is None:
            with contextlib.suppress(OSError):
                tmp.unlink()
        raise
    if progress is not None and (records == 0 or reported != records):
        progress(records)
    return SynthResult(
        path=path, rows=records, clean_rows=records - n_dirty, dirty_rows=n_dirty,
        dirty_by_kind=by_kind, persons=stats[0], cases=stats[1],
    )
