"""The CRTA eligibility procedure, rules v2 (``CRTA-RULES.md`` in ``shared/law``).

Per charge, steps 1 to 25 (with v2's 3a, 6a, 10a, 10b and 22a) in order, first match wins
(:func:`evaluate_charge`); then per case, C1, C1a, C2 and C2a (:func:`apply_case_rules`);
:func:`evaluate_records` does both for a batch. Pure functions: the policy and the as-of date are inputs,
nothing reads the clock, the file system (except the packaged violent-crime list,
once, at import) or a database.

``as_of`` is recorded on every decision (the date the evaluation speaks for);
the steps themselves use only the fixed statutory dates and the policy dates, so
``as_of`` never changes an outcome.

Speed: the citation facts, dispositions, sentences, classes and counties are read
once per distinct spelling and cached; the per-record path is dictionary lookups
and date comparisons.
"""

from __future__ import annotations

import dataclasses
import gc
import math
import re
import tomllib
from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from importlib import resources

from clearterm.domain.citation import Citation, CitationError, parse_citation
from clearterm.domain.county import CountyReading, describe_county, read_county
from clearterm.domain.decision import REASONS, RULES_VERSION, Category, Decision
from clearterm.domain.disposition import (
    DispositionKind, SentenceKind, read_disposition, read_diversion, read_sentence,
)
from clearterm.domain.policy import Policy
from clearterm.domain.record import ChargeRecord

__all__ = [
    "evaluate_charge", "apply_case_rules", "evaluate_records", "tranche_for", "TRANCHE_DUE",
    "objection_deadline", "OBJECTION_DAYS", "explain_lines", "OBJECTION_GROUNDS",
    "VIOLENT_SOURCE", "VIOLENT_SECTIONS", "POSSIBLY_VIOLENT_SECTIONS", "FELONY_CLASSES", "is_violent",
    "normalise_class", "age_at_offense", "CIVIL_VIOLATION_DATE", "STEP_ORDER", "display_cite",
]

# -- fixed dates ------------------------------------------------------------------------------

#: P.A. 99-0697: possession of 10 g or less became a civil law violation (step 7), and the
#: section 4 weight bands changed (subsection table).
CIVIL_VIOLATION_DATE = date(2016, 7, 29)

#: Tranches of 20 ILCS 2630/5.2(i)(1): the date by which each must be done.
TRANCHE_DUE: dict[int, date] = {1: date(2021, 1, 1), 2: date(2023, 1, 1), 3: date(2025, 1, 1)}
_T1_START, _T1_END = date(2013, 1, 1), date(2019, 6, 24)
_T2_START = date(2000, 1, 1)

OBJECTION_DAYS = 60

#: Grounds offered to the reviewer for an objection to a petition, in spec order.
#: The last ("other") requires free text.
OBJECTION_GROUNDS: tuple[tuple[str, str], ...] = (
    ("criteria_not_met", "Criteria not met (wrong section, class or date)"),
    ("violent_association", "Associated with a violent crime"),
    ("law_enforcement", "Law-enforcement reasons to retain the record"),
    ("age_and_time", "The person's age then and now, and the time since conviction, weigh against relief"),
    ("other", "Other (free text required)"),
)

# -- violent-crime list (data) ----------------------------------------------------------------

# A co-charge against the lists (C1, C1a): on the violent list, cannot be cleared of it, or neither.
_V_NO, _V_YES, _V_UNKNOWN = 0, 1, 2


def _load_violent() -> tuple[str, dict[tuple[str, str, str], bool], dict[tuple[str, str, str], bool], frozenset[str]]:
    text = resources.files("clearterm.domain").joinpath("violent_crimes.toml").read_text("utf-8")
    data = tomllib.loads(text)

    def entries(key: str, flag: str) -> dict[tuple[str, str, str], bool]:
        return {(str(e["chapter"]), str(e["act"]), str(e["section"]).upper()): bool(e.get(flag, False))
                for e in data.get(key, ())}

    return (str(data["source"]), entries("offense", "felony_only"), entries("possibly_violent", "unless_felony"),
            frozenset(str(c) for c in data["felony_classes"]))


#: (chapter, act, section) -> felony_only, and (chapter, act, section) -> unless_felony
VIOLENT_SOURCE, VIOLENT_SECTIONS, POSSIBLY_VIOLENT_SECTIONS, FELONY_CLASSES = _load_violent()
_MISDEMEANOR_CLASSES = frozenset({"A", "B", "C"})

_TRAILING_LETTERS = re.compile(r"[A-Z]+\Z")
_TRAILING_ZEROS = re.compile(r"\.(\d*?)0+(?=\Z|-)")
_LEADING_ZEROS = re.compile(r"(?<![0-9.])0+(?=[0-9])")


def _plain_section(section: str) -> str:
    """A section without leading zeros in its numbers: "09-1", "018-02" -> "9-1", "18-2"."""
    return _LEADING_ZEROS.sub("", section.upper())


def _near_section(section: str) -> str:
    """A plain section with trailing letters and trailing decimal zeros dropped: "18-2A" and "18-2"
    -> "18-2", "11-1.2" and "11-1.20" -> "11-1.2". Two citations that agree only this far may be
    the same offense miswritten (a subsection run into the section, a zero lost)."""
    s = _TRAILING_LETTERS.sub("", _plain_section(section))
    return _TRAILING_ZEROS.sub(lambda m: "." + m.group(1) if m.group(1) else "", s)


#: (chapter, act, near section) of every entry of either list: a citation that matches one of these
#: but no entry exactly cannot be cleared of the violent list (C1a, VIOLENT_UNDETERMINED).
_NEAR_LISTED = frozenset((ch, act, _near_section(sec)) for ch, act, sec in [*VIOLENT_SECTIONS, *POSSIBLY_VIOLENT_SECTIONS])


def _violent_by_class(chapter: str, act: str, section: str) -> tuple[int, int, int]:
    """What a charge with this citation is against the lists, for a felony class, a misdemeanor
    class and any other class (unreadable, missing, O, P, U, Z): each _V_YES (violent, C1),
    _V_UNKNOWN (cannot be cleared, C1a) or _V_NO."""
    key = (chapter, act, _plain_section(section))
    felony_only = VIOLENT_SECTIONS.get(key)
    unless_felony = POSSIBLY_VIOLENT_SECTIONS.get(key)
    fel = mis = other = _V_NO
    if felony_only is not None:
        fel = _V_YES
        if felony_only:
            other = _V_UNKNOWN  # a felony-only entry and a class that cannot be read: may be a felony
        else:
            mis = other = _V_YES
    if unless_felony is not None:
        if not unless_felony and fel == _V_NO:
            fel = _V_UNKNOWN
        if mis == _V_NO:
            mis = _V_UNKNOWN
        if other == _V_NO:
            other = _V_UNKNOWN
    if felony_only is None and unless_felony is None and (chapter, act, _near_section(section)) in _NEAR_LISTED:
        fel = mis = other = _V_UNKNOWN
    return fel, mis, other


# -- small readers ----------------------------------------------------------------------------

_CLASSES = frozenset({"X", "1", "2", "3", "4", "A", "B", "C", "M", "O"})
_ABOVE_4 = frozenset({"3", "2", "1", "X", "M"})
#: The spec's markers of a missing class (step 21: "missing/unreadable (Z, U, P, blank)").
_MISSING_MARKS = frozenset({"", "Z", "U", "P"})
_FELONY_WORDS = frozenset({"FELONY", "FEL"})
_MISD_WORDS = frozenset({"MISDEMEANOR", "MISDEMEANOUR", "MISD"})
_FELONY_OF = frozenset({"X", "1", "2", "3", "4"})
_MISD_OF = frozenset({"A", "B", "C"})
_CLASS_PUNCT = re.compile(r"[^0-9A-Z]+")
_CLASS_CACHE: dict[str | None, tuple[str | None, bool]] = {}


def _read_class(raw: str | None) -> tuple[str | None, bool]:
    """(class, missing): the class read from the text, and whether the text is one of the spec's
    markers of a missing class (blank, Z, U, P), from which step 21 may infer the class.

    Read: "A", "class a", "Class 4", "Class4", "CLASS-3", "Class 3 Felony", "3 Felony", "Felony Class 3",
    "Class A Misdemeanor" (the type word must agree with the class). Any other text ("F3",
    "Felony", "Class 3 Misdemeanor") is unreadable but not missing: the class is not inferred
    from the subsection (step 22, a person checks), since the text may name a class above 4.
    """
    hit = _CLASS_CACHE.get(raw)
    if hit is not None:
        return hit
    tokens = []
    for t in _CLASS_PUNCT.sub(" ", (raw or "").upper()).split():
        if t.startswith("CLASS") and len(t) > 5:  # "Class4", "CLASSA"
            tokens += ["CLASS", t[5:]]
        else:
            tokens.append(t)
    words = [t for t in tokens if t != "CLASS"]
    found: tuple[str | None, bool]
    if not tokens:
        found = (None, True)
    elif len(words) == 1 and words[0] in _CLASSES:
        found = (words[0], False)
    elif len(words) == 1 and words[0] in _MISSING_MARKS and len(tokens) <= 2:
        found = (None, True)
    elif len(words) == 2:
        kinds = [w for w in words if w in _FELONY_WORDS or w in _MISD_WORDS]
        classes = [w for w in words if w in _CLASSES]
        if len(kinds) == 1 and len(classes) == 1:
            c = classes[0]
            ok = c in _FELONY_OF if kinds[0] in _FELONY_WORDS else c in _MISD_OF
            found = (c, False) if ok else (None, False)
        else:
            found = (None, False)
    else:
        found = (None, False)
    if len(_CLASS_CACHE) < 10_000:
        _CLASS_CACHE[raw] = found
    return found


def normalise_class(raw: str | None) -> str | None:
    """"A", "class a", "Class 4", "Class 3 Felony" -> "A"/"4"/"3"; Z, U, P, blank or anything
    else -> None (unreadable). See :func:`_read_class`."""
    return _read_class(raw)[0]


def _years(born: date, on: date) -> int:
    """Whole years of age on ``on`` of a person born on ``born``."""
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def age_at_offense(r: ChargeRecord) -> tuple[int | None, str]:
    """Age at the offense (step 18): the lower of the age column and the age from the date of
    birth at the offense date (else the arrest date), whichever are known. Returns (age, source)."""
    dob = r.date_of_birth
    d = r.offense_date or r.arrest_date
    by_dob = None if dob is None or d is None else _years(dob, d)
    if r.age_at_offense is not None and (by_dob is None or r.age_at_offense <= by_dob):
        return r.age_at_offense, "age column"
    if by_dob is None:
        return None, "unknown"
    return by_dob, "date of birth"


def tranche_for(record: ChargeRecord) -> int | None:
    """Tranche of 5.2(i)(1) by offense date (else arrest date): 1, 2, 3 or None."""
    d = record.offense_date or record.arrest_date
    if d is None or d > _T1_END:
        return None
    if d >= _T1_START:
        return 1
    if d >= _T2_START:
        return 2
    return 3


def objection_deadline(service_date: date) -> date:
    """The office's objection to a petition is due 60 days after service."""
    return service_date + timedelta(days=OBJECTION_DAYS)


# -- subsection tables ------------------------------------------------------------------------

_LE, _GT = 1, 2  # weight side of 30 g: 30 g or less / more than 30 g
_MISD_OR_4 = frozenset({"C", "B", "A", "4"})


class _Sub:
    """One row of a subsection table: the classes it allows, its side of 30 g, and its weight band
    (more than ``low``, not more than ``high``; no upper bound for ``high`` None)."""

    __slots__ = ("allowed", "side", "band", "inferable", "low", "high")

    def __init__(self, allowed: str, side: int, band: str, low: float, high: float | None):
        self.allowed = frozenset(allowed.split()) if allowed else frozenset()
        self.side = side
        self.band = band
        self.low = low
        self.high = high
        # step 21: the subsection allows only classes C/B/A/4
        self.inferable = bool(self.allowed) and self.allowed <= _MISD_OR_4

    def holds(self, w: float) -> bool:
        """Step 22a: is the weight inside the band ("more than the lower bound, not more than the upper")?"""
        return w > self.low and (self.high is None or w <= self.high)

    def band_words(self) -> str:
        lo = f"{self.low:,g}"
        return f"more than {lo} g" + (f", not more than {self.high:,g} g" if self.high is not None else "")


# A weight of 0 g is outside every band ("more than the lower bound"): a record that says a charge
# concerned no cannabis at all contradicts its subsection (step 22a), and a person checks it.
_T4_OLD = {  # section 4, offenses before 2016-07-29 (on/after 1997-08-15 by step 17's default)
    "a": _Sub("C", _LE, "up to 2.5 g", 0, 2.5), "b": _Sub("B", _LE, "2.5-10 g", 2.5, 10),
    "c": _Sub("A 4", _LE, "10-30 g", 10, 30), "d": _Sub("4 3", _GT, "30-500 g", 30, 500),
    "e": _Sub("3", _GT, "500-2,000 g", 500, 2000), "f": _Sub("2", _GT, "2,000-5,000 g", 2000, 5000),
    "g": _Sub("1", _GT, "over 5,000 g", 5000, None),
}
_T4_NEW = {  # section 4, offenses on/after 2016-07-29 (P.A. 99-0697)
    "a": _Sub("", _LE, "up to 10 g, civil violation", 0, 10), "b": _Sub("B", _LE, "10-30 g", 10, 30),
    "c": _Sub("A 4", _GT, "30-100 g", 30, 100), "d": _Sub("4 3", _GT, "100-500 g", 100, 500),
    "e": _Sub("3", _GT, "500-2,000 g", 500, 2000), "f": _Sub("2", _GT, "2,000-5,000 g", 2000, 5000),
    "g": _Sub("1", _GT, "over 5,000 g", 5000, None),
}
_T5 = {  # section 5, unchanged since 1983-09-24
    "a": _Sub("B", _LE, "up to 2.5 g", 0, 2.5), "b": _Sub("A", _LE, "2.5-10 g", 2.5, 10),
    "c": _Sub("4", _LE, "10-30 g", 10, 30), "d": _Sub("3", _GT, "30-500 g", 30, 500),
    "e": _Sub("2", _GT, "500-2,000 g", 500, 2000), "f": _Sub("1", _GT, "2,000-5,000 g", 2000, 5000),
    "g": _Sub("X", _GT, "over 5,000 g", 5000, None),
}


def _table(sec: str, d: date) -> dict[str, _Sub]:
    if sec == "5":
        return _T5
    return _T4_OLD if d < CIVIL_VIOLATION_DATE else _T4_NEW


def _usable_weight(w) -> bool:
    """A weight in grams that can be compared (a finite, non-negative number)."""
    return not isinstance(w, bool) and isinstance(w, (int, float)) and math.isfinite(w) and w >= 0


def _weight_side(w: float | None, entry: _Sub | None, sec: str, cls: str | None, d: date) -> int:
    """Which side of 30 g (spec, "Placing the weight on a side of 30 g"): _LE, _GT or 0 (unknown).
    A usable weight outside the subsection's band never gets here (step 22a)."""
    if w is not None:
        if not _usable_weight(w):
            return 0
        return _LE if w <= 30.0 else _GT
    if entry is not None:
        return entry.side
    if sec == "4":
        if cls in ("C", "B"):
            return _LE
        if cls == "A":
            return _LE if d < CIVIL_VIOLATION_DATE else _GT
        return 0
    if cls in ("B", "A", "4"):
        return _LE
    return 0


# -- citation facts ---------------------------------------------------------------------------

_K_UNPARSED, _K_OTHER_ACT, _K_CANNABIS = 0, 1, 2


class _Facts:
    __slots__ = ("cit", "cite", "kind", "sec", "sub", "attempt", "enh", "violent", "written", "shown")

    def __init__(self, cit: Citation | None, statute: str):
        self.cit = cit
        if cit is None:
            self.cite = None
            self.kind = _K_UNPARSED
            self.sec = self.sub = None
            self.attempt = self.enh = False
            self.violent = (_V_UNKNOWN, _V_UNKNOWN, _V_UNKNOWN)
            self.written = _clean(statute, 80)
            self.shown = None
            return
        self.cite = cit.cite()
        self.kind = _K_CANNABIS if cit.is_cannabis else _K_OTHER_ACT
        self.sec = cit.section
        self.sub = cit.subsection
        self.attempt = cit.attempt
        self.enh = cit.enhancement
        self.violent = _violent_by_class(cit.chapter or "", cit.act or "", cit.section or "")
        self.written = cit.written
        # a pre-1993 citation is shown as written, with its ILCS equivalent beside it
        self.shown = f"{cit.written} ({self.cite})" if cit.pre_1993 else self.cite

    def violent_for(self, cls: str | None) -> int:
        fel, mis, other = self.violent
        if cls in FELONY_CLASSES:
            return fel
        if cls in _MISDEMEANOR_CLASSES:
            return mis
        return other


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]+")


def _clean(text: str | None, limit: int) -> str:
    """Statute or disposition text as written, for an explanation: control characters removed,
    spacing collapsed, cut to ``limit`` characters."""
    t = " ".join(_CONTROL.sub(" ", text or "").split())
    return t if len(t) <= limit else t[:limit - 1] + "…"


def _holds_personal(text: str, r: ChargeRecord) -> bool:
    """Does ``text`` hold one of the record's own names, address parts or date of birth (a column
    shifted into the statute or disposition)? Such a text is never quoted."""
    t = text.casefold()
    for v in (r.last_name, r.first_name, r.middle_name, r.address_line1, r.address_line2, r.zip):
        if v and len(v.strip()) >= 2 and v.strip().casefold() in t:
            return True
    dob = r.date_of_birth
    if dob is not None:
        forms = (dob.isoformat(), f"{dob.month}/{dob.day}/{dob.year}", f"{dob.month:02}/{dob.day:02}/{dob.year}")
        return any(x in t for x in forms)
    return False


def _citation_head(f: "_Facts", r: ChargeRecord) -> str:
    """The statute as an explanation names it: the normalised citation (a pre-1993 one as written,
    with its ILCS form beside it); an unreadable one quoted as written."""
    if f.shown is not None:
        return f.shown
    if f.written and not _holds_personal(f.written, r):
        return f'Statute citation "{f.written}" (as written) unreadable'
    return "Statute citation unreadable"


def display_cite(statute: str, enhancement: str | None = None) -> str:
    """The citation for court papers and screens: ``Ill. Rev. Stat. ch. 56 1/2, par. 705(b)
    (720 ILCS 550/5(b))`` for a pre-1993 citation, else the normalised ILCS form; the text as
    written (control characters removed) if it cannot be read."""
    f = _facts(statute, enhancement)
    return f.shown if f.shown is not None else f.written


_FACTS: dict[tuple[str, str | None], _Facts] = {}


def _facts(statute: str, enhancement: str | None) -> _Facts:
    key = (statute, enhancement)
    f = _FACTS.get(key)
    if f is None:
        try:
            cit = parse_citation(statute, enhancement=enhancement)
        except CitationError:
            cit = None
        f = _Facts(cit, statute)
        if len(_FACTS) < 200_000:
            _FACTS[key] = f
    return f


def is_violent(citation: Citation | None, offense_class: str | None) -> bool | None:
    """Is a charge on the violent-crime list (C1)? ``None`` when it cannot be cleared of it (C1a:
    an unreadable citation, a "possibly violent" offense, a near match, or a felony-only entry
    with an unreadable class)."""
    if citation is None:
        return None
    fel, mis, other = _violent_by_class(citation.chapter or "", citation.act or "", citation.section or "")
    c = normalise_class(offense_class)
    v = fel if c in FELONY_CLASSES else (mis if c in _MISDEMEANOR_CLASSES else other)
    return None if v == _V_UNKNOWN else v == _V_YES


# -- policy context ---------------------------------------------------------------------------


class _Ctx:
    __slots__ = ("policy", "county", "legal", "cutoff", "poss", "deliv", "hash")

    def __init__(self, p: Policy):
        self.policy = p
        self.county = p.office_county
        self.legal = p.legalization_date
        self.cutoff = p.crta_cutoff_date
        self.poss = p.possession_schedule_date
        self.deliv = p.delivery_schedule_date
        self.hash = p.hash


_CTX: dict[Policy, _Ctx] = {}
_POLICY_BY_HASH: dict[str, Policy] = {}


def _ctx(p: Policy) -> _Ctx:
    c = _CTX.get(p)
    if c is None:
        c = _Ctx(p)
        if len(_CTX) < 64:
            _CTX[p] = c
            _POLICY_BY_HASH[c.hash] = p
    return c


# -- the per-charge procedure -----------------------------------------------------------------

_A, _P, _R, _N, _I = (Category.AUTOMATIC, Category.PETITION, Category.REVIEW,
                      Category.NON_CONVICTION, Category.INELIGIBLE)
_CONV, _NONCONV, _SUPV, _PEND, _UNREC, _DIV_DONE, _DIV_OTHER = (
    DispositionKind.CONVICTION, DispositionKind.NON_CONVICTION, DispositionKind.SUPERVISION,
    DispositionKind.PENDING, DispositionKind.UNRECOGNIZED, DispositionKind.DIVERSION_COMPLETED,
    DispositionKind.DIVERSION_OTHER)
_S_SUPV, _S_QUAL, _S_REVOKED = (SentenceKind.SUPERVISION, SentenceKind.QUALIFIED_PROBATION,
                                SentenceKind.SUPERVISION_REVOKED)

#: The per-charge steps in the order they are taken (rules v2 adds 3a, 6a, 10a, 10b and 22a).
STEP_ORDER: tuple[str, ...] = (
    "1", "2", "3", "3a", "4", "5", "6", "6a", "7", "8", "9", "10", "10a", "10b", "11", "12", "13", "14",
    "15", "16", "17", "18", "19", "20", "21", "22", "22a", "23", "24", "25")
#: _decide returns the position k (1-based) of the deciding step; the steps taken are STEP_ORDER[:k]
_K = {step: i + 1 for i, step in enumerate(STEP_ORDER)}
_STEPS = {k: STEP_ORDER[:k] for k in range(1, len(STEP_ORDER) + 1)}

_K18 = _K["18"]
_ARREST = ("DATE_FROM_ARREST",)
_INFERRED = ("CLASS_INFERRED",)


_OTHER_COUNTY, _COUNTY_UNCLEAR = CountyReading.OTHER, CountyReading.UNCLEAR


def _decide(r: ChargeRecord, ctx: _Ctx):
    """The per-charge steps, first match wins. Returns (category, reasons, k, facts, disposition
    kind, class), where STEP_ORDER[k - 1] is the deciding step."""
    f = _FACTS.get((r.statute, r.enhancement))
    if f is None:
        f = _facts(r.statute, r.enhancement)
    cls, cls_missing = _read_class(r.offense_class)
    dk = read_disposition(r.disposition, r.disposition_date)

    kind = f.kind
    if kind == _K_UNPARSED:                                                   # 1
        return _R, ("UNPARSED_STATUTE",), 1, f, dk, cls
    if kind == _K_OTHER_ACT:                                                  # 2
        return _I, ("NOT_CANNABIS",), 2, f, dk, cls
    county = r.county
    if county:
        where = read_county(county, ctx.county)
        if where is _OTHER_COUNTY:                                            # 3
            return _I, ("OUT_OF_COUNTY",), 3, f, dk, cls
        if where is _COUNTY_UNCLEAR:                                          # 3a
            return _R, ("COUNTY_UNCLEAR",), _K["3a"], f, dk, cls
    sec = f.sec
    if sec == "6":                                                            # 4
        return _R, ("CASUAL_DELIVERY",), _K["4"], f, dk, cls
    if sec != "4" and sec != "5":                                             # 5
        if sec == "7":  # a bare Section 7 citation: the underlying section is not stated
            return _R, ("ENHANCEMENT_550_7",), _K["5"], f, dk, cls
        return _I, ("SECTION_NOT_COVERED",), _K["5"], f, dk, cls
    if dk is _NONCONV:                                                        # 6
        return _N, ("NON_CONVICTION",), _K["6"], f, dk, cls
    if dk is _DIV_DONE:                                                       # 6a
        return _N, ("DIVERSION_COMPLETED",), _K["6a"], f, dk, cls
    d = r.offense_date
    from_arrest = False
    if d is None:
        d = r.arrest_date
        from_arrest = d is not None
    if cls == "O":                                                            # 7
        return _N, ("CIVIL_VIOLATION",), _K["7"], f, dk, cls
    # the spec says "offense date" here: an arrest on/after the date does not show the offense was
    # (the later steps read the arrest date as the spec says, and the 4(a) table sends it to review)
    od = r.offense_date
    if sec == "4" and f.sub == "a" and od is not None and od >= CIVIL_VIOLATION_DATE:
        return _N, ("CIVIL_VIOLATION",), _K["7"], f, dk, cls
    sk = read_sentence(r.sentence)
    if (dk is _SUPV and sk is not _S_REVOKED) or (dk is _CONV and sk is _S_SUPV):  # 8
        return _N, ("SUPERVISION",), _K["8"], f, dk, cls
    if dk is _PEND:                                                           # 9
        return _R, ("PENDING",), _K["9"], f, dk, cls
    if dk is _UNREC:                                                          # 10
        return _R, ("UNKNOWN_DISPOSITION",), _K["10"], f, dk, cls
    if dk is _DIV_OTHER:                                                      # 10a
        return _R, ("DIVERSION_OUTCOME",), _K["10a"], f, dk, cls
    if dk is not _CONV or sk is _S_REVOKED:                                   # 10b
        # a supervision that was revoked or did not end well: a judgment may have been entered
        return _R, ("SUPERVISION_REVOKED",), _K["10b"], f, dk, cls
    if sk is _S_QUAL:                                                         # 11
        return _R, ("QUALIFIED_PROBATION",), _K["11"], f, dk, cls
    if f.attempt:                                                             # 12
        return _R, ("ATTEMPT",), _K["12"], f, dk, cls
    if f.enh:                                                                 # 13
        return _R, ("ENHANCEMENT_550_7",), _K["13"], f, dk, cls
    if d is None:                                                             # 14
        return _R, ("DATE_UNKNOWN",), _K["14"], f, dk, cls
    notes = _ARREST if from_arrest else ()
    if d >= ctx.legal:                                                        # 15
        return _I, ("AFTER_LEGALIZATION",) + notes, _K["15"], f, dk, cls
    if d >= ctx.cutoff:                                                       # 16
        return _R, ("AFTER_CRTA_CUTOFF",) + notes, _K["16"], f, dk, cls
    if (d < ctx.poss) if sec == "4" else (d < ctx.deliv):                     # 17
        return _R, ("OLD_PENALTY_SCHEDULE",) + notes, _K["17"], f, dk, cls
    age = r.age_at_offense                                                    # 18
    dob = r.date_of_birth
    if dob is not None:  # either source under 18 is enough: a disagreement goes to a person
        by_dob = _years(dob, d)
        if age is None or by_dob < age:
            age = by_dob
    if age is not None and age < 18:
        return _R, ("JUVENILE",) + notes, _K["18"], f, dk, cls
    if cls in _ABOVE_4:                                                       # 19
        return _I, ("CLASS_ABOVE_4",) + notes, _K["19"], f, dk, cls
    sub = f.sub
    entry = _table(sec, d).get(sub) if sub else None
    if cls is not None:                                                       # 20 (cls is C, B, A or 4 here)
        if entry is not None and cls not in entry.allowed:
            return _R, ("CLASS_SUBSECTION_CONFLICT",) + notes, _K["20"], f, dk, cls
    elif cls_missing and entry is not None and entry.inferable:               # 21
        notes = notes + _INFERRED
    else:                                                                     # 22
        return _R, ("CLASS_UNKNOWN",) + notes, _K["22"], f, dk, cls
    w = r.weight_grams
    if w is not None and entry is not None and _usable_weight(w) and not entry.holds(w):  # 22a
        return _R, ("WEIGHT_CONFLICT",) + notes, _K["22a"], f, dk, cls
    side = _weight_side(w, entry, sec, cls, d)                                # 23
    if side == 0:
        return _R, ("WEIGHT_UNKNOWN",) + notes, _K["23"], f, dk, cls
    if side == _LE:                                                           # 24
        return _A, ("MINOR_CANNABIS_OFFENSE",) + notes, _K["24"], f, dk, cls
    return _P, ("MOTION_ELIGIBLE",) + notes, _K["25"], f, dk, cls            # 25


# -- explanations -----------------------------------------------------------------------------

_DISP_WORD = {
    _CONV: "convicted", _NONCONV: "not convicted", _SUPV: "supervision", _PEND: "pending",
    _UNREC: "disposition not in the vocabulary", _DIV_DONE: "completed pre-plea diversion",
    _DIV_OTHER: "diversion referral",
}
_DISP_WORD_BY_VALUE = {k.value: v for k, v in _DISP_WORD.items()}  # str keys: enum hashing is slow
#: codes that say a guilty plea or finding is not a conviction: the explanation says so, not "convicted"
_GUILTY_NOT_CONVICTED = frozenset({"CIVIL_VIOLATION", "SUPERVISION"})
_GUILTY = "guilty plea or finding"


def _disp_text(dk: DispositionKind, r: ChargeRecord, first: str) -> str:
    """How the explanation names the disposition: an unrecognized one, and a diversion referral,
    quoted as written (unless the text holds the record's own personal data)."""
    if dk is _CONV:
        return _GUILTY if first in _GUILTY_NOT_CONVICTED else "convicted"
    if dk is _UNREC or dk is _DIV_OTHER:
        raw = r.disposition or ""
        if not raw.strip():
            return "no disposition text, though a disposition date is given"
        text = _clean(raw, 80)
        if _holds_personal(text, r):
            return _DISP_WORD[dk]
        return f'disposition "{text}" not in the vocabulary' if dk is _UNREC else f'disposition "{text}"'
    return _DISP_WORD[dk]


def _phrase(code: str) -> str:
    s = REASONS[code].sentence.rstrip(".")
    return s[0].lower() + s[1:]


_PHRASE = {code: _phrase(code) for code in REASONS}


def _class_text(raw: str | None, cls: str | None) -> str:
    if cls is not None:
        return f"class {cls}"
    if not raw or not raw.strip():
        return "class not given"
    return "class missing" if _read_class(raw)[1] else "class unreadable"


_EXPL_CACHE: dict[tuple, str] = {}
_NO_AGE = " Age at the offense unknown (no date of birth or age): step 18 (juvenile) could not be applied."


def _age_unknown(r: ChargeRecord, k: int) -> bool:
    """The decision passed step 18 without an age to check."""
    return k > _K18 and r.age_at_offense is None and r.date_of_birth is None


def _weight_words(r: ChargeRecord, f: "_Facts") -> str:
    """WEIGHT_CONFLICT: the weight given and the band of the subsection for the date."""
    d = r.offense_date or r.arrest_date
    entry = _table(f.sec, d).get(f.sub)
    which = "offense" if r.offense_date is not None else "arrest"
    return (f"the weight given, {r.weight_grams:g} g, is outside the band of Section {f.sec}({f.sub}) for the "
            f"{which} date {d.isoformat()} ({entry.band_words()})")


def _explanation(head: str, cls_text: str, disp: str, reasons: tuple[str, ...], no_age: bool) -> str:
    key = (head, cls_text, disp, reasons, no_age)
    s = _EXPL_CACHE.get(key)
    if s is None:
        code = reasons[0]
        s = f"{head}, {cls_text}, {disp}: {_PHRASE[code]} ({REASONS[code].cite})."
        for note in reasons[1:]:
            s += f" Note: {_PHRASE[note]}."
        if no_age:
            s += _NO_AGE
        if len(_EXPL_CACHE) < 100_000:
            _EXPL_CACHE[key] = s
    return s


def _record_explanation(r: ChargeRecord, reasons: tuple[str, ...], k: int, f: "_Facts", dk: DispositionKind,
                        cls: str | None) -> tuple[str, str, str, str]:
    """(explanation, head, class text, disposition text) of one charge's per-charge decision."""
    head = f.shown if f.shown is not None else _citation_head(f, r)
    cls_text = ("class " + cls) if cls is not None else _class_text(r.offense_class, None)
    disp = _disp_text(dk, r, reasons[0])
    expl = _explanation(head, cls_text, disp, reasons, _age_unknown(r, k))
    if reasons[0] == "WEIGHT_CONFLICT":
        expl = expl.replace(f": {_PHRASE['WEIGHT_CONFLICT']} (", f": {_weight_words(r, f)}, so a person must "
                            "check the record (", 1)
    return expl, head, cls_text, disp


def _case_explanation(base: str, head, cls_text, disp, code: str, was: Category, changed: bool,
                      notes: tuple[str, ...]) -> str:
    if changed:
        s = (f"{head}, {cls_text}, {disp}: {_PHRASE[code]} ({REASONS[code].cite}); "
             f"on its own the charge would be {was.value}.")
        for note in notes:
            s += f" Note: {_PHRASE[note]}."
        return s
    return f"{base} Also: {_PHRASE[code]} ({REASONS[code].cite})."


# -- fast Decision construction ----------------------------------------------------------------
# A frozen dataclass's generated __init__ calls object.__setattr__ once per field; setting the
# slots through their descriptors builds the identical object in about two thirds of the time.
_DECISION_FIELDS = ("record_id", "category", "reasons", "steps", "explanation", "tranche",
                    "rules_version", "policy_hash", "as_of", "statute_cite")
assert tuple(f.name for f in dataclasses.fields(Decision)) == _DECISION_FIELDS
(_s_rid, _s_cat, _s_rs, _s_st, _s_ex, _s_tr, _s_rv, _s_ph, _s_ao, _s_sc) = (
    getattr(Decision, n).__set__ for n in _DECISION_FIELDS)
_new = object.__new__


def _decision(rid, cat, reasons, steps, expl, tranche, version, phash, as_of, cite, _D=Decision) -> Decision:
    o = _new(_D)
    _s_rid(o, rid)
    _s_cat(o, cat)
    _s_rs(o, reasons)
    _s_st(o, steps)
    _s_ex(o, expl)
    _s_tr(o, tranche)
    _s_rv(o, version)
    _s_ph(o, phash)
    _s_ao(o, as_of)
    _s_sc(o, cite)
    return o


# -- public: per charge -----------------------------------------------------------------------


def _tranche(r: ChargeRecord) -> int | None:
    d = r.offense_date or r.arrest_date
    if d is None or d > _T1_END:
        return None
    return 1 if d >= _T1_START else (2 if d >= _T2_START else 3)


def evaluate_charge(record: ChargeRecord, policy: Policy, as_of: date) -> Decision:
    """The per-charge steps for one charge, first match wins (no case-level steps)."""
    ctx = _ctx(policy)
    cat, reasons, k, f, dk, cls = _decide(record, ctx)
    expl = _record_explanation(record, reasons, k, f, dk, cls)[0]
    return Decision(record.record_id, cat, reasons, _STEPS[k], expl, _tranche(record),
                    RULES_VERSION, ctx.hash, as_of, f.cite)


# -- case level -------------------------------------------------------------------------------

#: what one co-charge shows the case steps: violent (C1), cannot be cleared of the violent list
#: (C1a), a non-cannabis conviction (C2), a non-cannabis charge that may be a conviction (C2a)
_F_VIOLENT, _F_UNDETERMINED, _F_CONV, _F_CONV_UNKNOWN = 1, 2, 4, 8


def _charge_flags(f: "_Facts", cls: str | None, first: str, dk: DispositionKind, sentence: str | None) -> int:
    """The case-step flags one charge raises for the other charges of its case. A charge that can
    come out automatic/petition is itself under 720 ILCS 550 and on neither list, so it raises none:
    "another charge" needs no self-exclusion."""
    v = f.violent_for(cls)
    flags = _F_VIOLENT if v == _V_YES else (_F_UNDETERMINED if v == _V_UNKNOWN else 0)
    if first == "NOT_CANNABIS":
        if dk is _CONV or dk is _SUPV:
            sk = read_sentence(sentence)
            if sk is _S_REVOKED:  # revoked supervision counts as a conviction
                flags |= _F_CONV
            elif dk is _CONV and sk is not _S_SUPV:  # supervision is not a conviction (730 ILCS 5/5-6-3.1(f))
                flags |= _F_CONV
        elif dk is _UNREC or dk is _PEND or dk is _DIV_OTHER:
            flags |= _F_CONV_UNKNOWN
    return flags


_C1, _C1A, _C2, _C2A = ("C1",), ("C1", "C1a"), ("C1", "C1a", "C2"), ("C1", "C1a", "C2", "C2a")


def _case_effect(cat: Category, flags: int) -> tuple[Category, str | None, tuple[str, ...]]:
    """C1, C1a, C2, C2a in order for one automatic/petition charge: (new category, code or None,
    case steps taken)."""
    if flags & _F_VIOLENT:
        return _P, "VIOLENT_ASSOCIATION", _C1
    to_review = _R if cat is _A else cat  # automatic -> review; petition stays
    if flags & _F_UNDETERMINED:
        return to_review, "VIOLENT_UNDETERMINED", _C1A
    if flags & _F_CONV:
        return to_review, "COCHARGED_CONVICTION", _C2
    if flags & _F_CONV_UNKNOWN:
        return to_review, "COCHARGE_UNDETERMINED", _C2A
    return cat, None, _C2A


def _apply_effect(cat, reasons, steps, expl, head, cls_text, disp, flags):
    new_cat, code, added = _case_effect(cat, flags)
    steps = steps + added
    if code is None:
        return cat, reasons, steps, expl
    if new_cat is not cat:
        return (new_cat, (code,) + reasons, steps,
                _case_explanation(expl, head, cls_text, disp, code, cat, True, reasons[1:]))
    return cat, reasons + (code,), steps, _case_explanation(expl, head, cls_text, disp, code, cat, False, ())


def apply_case_rules(records: Sequence[ChargeRecord], decisions: Sequence[Decision],
                     policy: Policy, as_of: date,
                     others: Sequence[tuple[ChargeRecord, Decision]] = ()) -> list[Decision]:
    """C1, C1a, C2 and C2a for the charges of ONE case (same person and case number).

    ``decisions`` are the per-charge decisions aligned with ``records``; returns a new
    aligned list. Decisions that already carry a case step are returned unchanged.
    ``others`` are further charges that count as "another charge in the same case" without
    being decided here: under the same case number, those with no person id (for a case with
    no person id, every other person's), as :func:`evaluate_records` counts them."""
    if len(records) != len(decisions):
        raise ValueError("records and decisions must be aligned")
    ctx = _ctx(policy)
    flags = 0
    for r, dec in [*zip(records, decisions), *others]:
        f = _facts(r.statute, r.enhancement)
        flags |= _charge_flags(f, normalise_class(r.offense_class), dec.reasons[0],
                               read_disposition(r.disposition, r.disposition_date), r.sentence)
    out: list[Decision] = []
    for r, dec in zip(records, decisions):
        if dec.category not in (_A, _P) or "C1" in dec.steps:
            out.append(dec)
            continue
        _cat, reasons, k, f, dk, cls = _decide(r, ctx)
        _expl, head, cls_text, disp = _record_explanation(r, reasons, k, f, dk, cls)
        cat, reasons, steps, expl = _apply_effect(dec.category, dec.reasons, dec.steps, dec.explanation, head,
                                                  cls_text, disp, flags)
        out.append(Decision(dec.record_id, cat, reasons, steps, expl, dec.tranche, dec.rules_version,
                            dec.policy_hash, dec.as_of, dec.statute_cite))
    return out


def evaluate_records(records: Iterable[ChargeRecord], policy: Policy, as_of: date) -> list[Decision]:
    """Both levels for a batch: decisions in input order, independent of record order.

    The cyclic garbage collector is paused for the duration of the call (the engine creates
    no reference cycles; pausing it keeps a million-record batch from re-scanning the
    caller's heap over and over) and restored afterwards."""
    recs = records if isinstance(records, list) else list(records)
    ctx = _ctx(policy)
    gc_was_enabled = gc.isenabled()
    if gc_was_enabled:
        gc.disable()
    try:
        return _evaluate_batch(recs, ctx, as_of)
    finally:
        if gc_was_enabled:
            gc.enable()


def _evaluate_batch(recs: list[ChargeRecord], ctx: _Ctx, as_of: date) -> list[Decision]:
    h = ctx.hash
    decide = _decide
    results = [decide(r, ctx) for r in recs]

    # group only the cases that have an automatic/petition charge
    groups: dict[tuple[str, str], list[int]] = {}
    for res, r in zip(results, recs):
        c = res[0]
        if c is _A or c is _P:
            groups[(r.person_id or "", r.case_number)] = []
    # A charge with no person id may be any person's in its case number (a gap in the data, not
    # a co-defendant we can tell apart): it counts as another charge in each of that number's
    # cases, and they all count for it (so a violent co-charge is never lost to a missing id).
    # The flags of those charges, and of whole numbers, are worked out once per number.
    unknown_person: dict[str, list[int]] = {}
    if groups:
        get = groups.get
        for i, r in enumerate(recs):
            person = r.person_id or ""
            g = get((person, r.case_number))
            if g is not None:
                g.append(i)
            if not person:
                unknown_person.setdefault(r.case_number, []).append(i)

    def flags_over(idx: list[int]) -> int:
        flags = 0
        for j in idx:
            cat, reasons, _k, f, dk, cls = results[j]
            if cat is not _A and cat is not _P:
                flags |= _charge_flags(f, cls, reasons[0], dk, recs[j].sentence)
        return flags

    number_flags: dict[str, tuple[int, int]] = {}
    if unknown_person:
        by_number: dict[str, list[int]] = {}
        for i, r in enumerate(recs):
            if r.case_number in unknown_person:
                by_number.setdefault(r.case_number, []).append(i)
        for number, idx in unknown_person.items():
            number_flags[number] = (flags_over(idx), flags_over(by_number[number]))

    out: list = [None] * len(recs)
    for (person, number), idx in groups.items():
        flags = flags_over(idx) if person or number not in number_flags else number_flags[number][1]
        if person and number in number_flags:  # this person's charges and those with no person id
            flags |= number_flags[number][0]
        for j in idx:
            cat, reasons, k, f, dk, cls = results[j]
            if cat is not _A and cat is not _P:
                continue
            r = recs[j]
            expl, head, cls_text, disp = _record_explanation(r, reasons, k, f, dk, cls)
            cat, reasons, steps, expl = _apply_effect(cat, reasons, _STEPS[k], expl, head, cls_text, disp, flags)
            out[j] = _decision(r.record_id, cat, reasons, steps, expl, _tranche(r), RULES_VERSION, h, as_of, f.cite)

    steps_for = _STEPS
    make = _decision
    explain = _record_explanation
    expl_cache = _EXPL_CACHE
    words = _DISP_WORD_BY_VALUE
    k18 = _K18
    t1_end, t1_start, t2_start = _T1_END, _T1_START, _T2_START
    for i, res in enumerate(results):
        if out[i] is not None:
            continue
        r = recs[i]
        cat, reasons, k, f, dk, cls = res
        head = f.shown
        first = reasons[0]
        if head is None or dk is _UNREC or dk is _DIV_OTHER or first == "WEIGHT_CONFLICT":
            expl = explain(r, reasons, k, f, dk, cls)[0]  # texts quoted per record
        else:  # _record_explanation's common case, inlined: a million records go through here
            cls_text = ("class " + cls) if cls is not None else _class_text(r.offense_class, None)
            disp = _GUILTY if dk is _CONV and first in _GUILTY_NOT_CONVICTED else words[dk._value_]
            no_age = k > k18 and r.age_at_offense is None and r.date_of_birth is None
            expl = expl_cache.get((head, cls_text, disp, reasons, no_age))
            if expl is None:
                expl = _explanation(head, cls_text, disp, reasons, no_age)
        d = r.offense_date or r.arrest_date
        if d is None or d > t1_end:
            tranche = None
        else:
            tranche = 1 if d >= t1_start else (2 if d >= t2_start else 3)
        out[i] = make(r.record_id, cat, reasons, steps_for[k], expl, tranche, RULES_VERSION, h, as_of, f.cite)
    return out


# -- explain ----------------------------------------------------------------------------------

_STEP_CODE = {
    "1": "UNPARSED_STATUTE", "2": "NOT_CANNABIS", "3": "OUT_OF_COUNTY", "4": "CASUAL_DELIVERY",
    "5": "SECTION_NOT_COVERED", "6": "NON_CONVICTION", "7": "CIVIL_VIOLATION", "8": "SUPERVISION",
    "9": "PENDING", "10": "UNKNOWN_DISPOSITION", "11": "QUALIFIED_PROBATION", "12": "ATTEMPT",
    "13": "ENHANCEMENT_550_7", "14": "DATE_UNKNOWN", "15": "AFTER_LEGALIZATION", "16": "AFTER_CRTA_CUTOFF",
    "17": "OLD_PENALTY_SCHEDULE", "18": "JUVENILE", "19": "CLASS_ABOVE_4", "20": "CLASS_SUBSECTION_CONFLICT",
    "21": "CLASS_INFERRED", "22": "CLASS_UNKNOWN", "23": "WEIGHT_UNKNOWN", "24": "MINOR_CANNABIS_OFFENSE",
    "25": "MOTION_ELIGIBLE", "3a": "COUNTY_UNCLEAR", "6a": "DIVERSION_COMPLETED", "10a": "DIVERSION_OUTCOME",
    "10b": "SUPERVISION_REVOKED", "22a": "WEIGHT_CONFLICT",
}


def _cap(s: str) -> str:
    return s[:1].upper() + s[1:]


def _date_text(r: ChargeRecord) -> str:
    if r.offense_date is not None:
        return f"offense date {r.offense_date.isoformat()}"
    if r.arrest_date is not None:
        return f"arrest date {r.arrest_date.isoformat()} (offense date missing)"
    return "no offense or arrest date"


def _diversion_text(r: ChargeRecord, dk: DispositionKind) -> str:
    ref = read_diversion(r.disposition)
    if ref is None:
        return f"No, the disposition reads as {dk.value.replace('_', '-')}"
    kind = "pre-plea" if ref.pre_plea else "post-plea (or not a listed pre-plea program)"
    name = f" ({ref.program_name})" if ref.program_name else ""
    return (f"Referral to program {_clean(ref.program, 20)}{name}, {kind}, result "
            f"{_clean(ref.result, 30) or 'blank'}")


def _step_text(step: str, r: ChargeRecord, f: _Facts, cls: str | None, dk: DispositionKind,
               p: Policy) -> str:
    """What step ``step`` checks, and what the record shows."""
    d = r.offense_date or r.arrest_date
    sec = f.sec
    subtxt = f"{sec}({f.sub})" if f.sub else f"{sec}"
    if step == "1":
        if f.cit is None:
            shown = f' "{f.written}"' if f.written and not _holds_personal(f.written, r) else ""
            return f"Is the statute citation unreadable? Yes, the citation as written{shown} cannot be read."
        if f.cit.pre_1993 or f.written != f.cite:
            return f'Is the statute citation unreadable? No, as written "{f.written}", it reads {f.cite}.'
        return f"Is the statute citation unreadable? No, it reads {f.cite}."
    if step == "2":
        return ("Is it outside the Cannabis Control Act (720 ILCS 550), and not an attempt of it? "
                + ("No." if f.kind == _K_CANNABIS else "Yes, another act."))
    if step == "3":
        return (f"Is a county given that is exactly another Illinois county than {p.office_county}? "
                f"{describe_county(r.county, p.office_county)}.")
    if step == "3a":
        return (f"Does the county text name {p.office_county} together with anything else, or no county it can be "
                f"read as? {describe_county(r.county, p.office_county)}.")
    if step == "4":
        return f"Is it Section 6 (casual delivery)? Section {sec}."
    if step == "5":
        return f"Is it a section other than 4 or 5? Section {sec}."
    if step == "6":
        return f"Did the charge end without a conviction? The disposition reads as {dk.value.replace('_', '-')}."
    if step == "6a":
        return f"Was it a completed pre-plea diversion program? {_diversion_text(r, dk)}."
    if step == "7":
        only_arrest = " (step 7 reads the offense date only)" if r.offense_date is None and r.arrest_date else ""
        return (f"Is it class O, or Section 4(a) with an offense date on/after {CIVIL_VIOLATION_DATE.isoformat()}? "
                f"{_cap(_class_text(r.offense_class, cls))}, Section {subtxt}, {_date_text(r)}{only_arrest}.")
    if step == "8":
        return (f"Supervision (sentence with a conviction, or the disposition)? Disposition "
                f"{dk.value.replace('_', '-')}, sentence {read_sentence(r.sentence).value.replace('_', ' ')}.")
    if step == "9":
        return f"Is the charge pending? The disposition reads as {dk.value.replace('_', '-')}."
    if step == "10":
        if dk is _UNREC:
            return f"Is the disposition outside the vocabulary? Yes, {_disp_text(dk, r, '')}."
        return f"Is the disposition outside the vocabulary? No, it reads as {dk.value.replace('_', '-')}."
    if step == "10a":
        return f"Is it any other diversion referral? {_diversion_text(r, dk)}."
    if step == "10b":
        return ("Was the supervision revoked, violated, vacated or unsatisfactorily terminated, or a judgment "
                f"entered? Sentence reads as {read_sentence(r.sentence).value.replace('_', ' ')}.")
    if step == "11":
        return (f"Conviction with qualified probation (Section 10 or 710, 410, First Offender, Second Chance, "
                f"TASC)? Sentence reads as {read_sentence(r.sentence).value.replace('_', ' ')}.")
    if step == "12":
        return "Is it an attempt (720 ILCS 5/8-4)? " + ("Yes." if f.attempt else "No.")
    if step == "13":
        if f.enh and f.cit is not None and f.cit.enhancement_unnamed:
            return ("Is there a Section 7 enhancement? The enhancement column marks an enhancement without "
                    "naming it; on a Cannabis Control Act charge it may be Section 7.")
        return "Is there a Section 7 enhancement? " + ("Yes." if f.enh else "No.")
    if step == "14":
        return f"Is neither an offense date nor an arrest date known? {_cap(_date_text(r))}."
    if step == "15":
        return f"Is the date on/after {p.legalization_date.isoformat()} (legalization)? {_cap(_date_text(r))}."
    if step == "16":
        return f"Is the date on/after {p.crta_cutoff_date.isoformat()} (CRTA cutoff)? {_cap(_date_text(r))}."
    if step == "17":
        return (f"Section 4 before {p.possession_schedule_date.isoformat()}, or Section 5 before "
                f"{p.delivery_schedule_date.isoformat()}? Section {sec}, {_date_text(r)}.")
    if step == "18":
        age, src = age_at_offense(r)
        at = " at the arrest date" if r.offense_date is None and r.date_of_birth is not None else ""
        if r.age_at_offense is not None and r.date_of_birth is not None and d is not None:
            by_dob = _years(r.date_of_birth, d)
            if by_dob != r.age_at_offense:
                return (f"Was the person under 18 at the offense? The sources disagree: age {r.age_at_offense} "
                        f"in the age column, {by_dob} from the date of birth{at}; the lower, {age}, is used.")
        return ("Was the person under 18 at the offense? "
                + (f"Age {age} (from the {src}{at if src == 'date of birth' else ''})." if age is not None
                   else "Age unknown (no date of birth or age at the offense): step 18 could not be applied."))
    if step == "19":
        return f"Is it class 3, 2, 1, X or M? {_cap(_class_text(r.offense_class, cls))}."
    if d is None or sec not in ("4", "5"):
        return "(not reached)"
    entry = _table(sec, d).get(f.sub) if f.sub else None
    if step == "20":
        if entry is None:
            allow = "no subsection, so no class check"
        else:
            allow = ("subsection allows class " + " or ".join(c for c in "CBA4321X" if c in entry.allowed)) if entry.allowed \
                else "subsection is a civil violation"
        return (f"Is the class one Section {subtxt} does not allow on that date? "
                f"{_cap(_class_text(r.offense_class, cls))}; {allow}.")
    if step == "21":
        if cls is not None:
            found = "No, the class is given"
        elif not _read_class(r.offense_class)[1]:
            found = "The class text cannot be read (it is not blank, Z, U or P), so it is not taken from the subsection"
        elif entry is not None and entry.inferable:
            found = "Yes, the class is taken from the subsection"
        else:
            found = "The class is missing, but the subsection does not settle it"
        return f"Class missing or unreadable, and does Section {subtxt} allow only C/B/A/4? {found}."
    if step == "22":
        shown = _cap(_class_text(r.offense_class, cls))
        if cls is None and _read_class(r.offense_class)[1] and entry is not None and entry.inferable:
            allowed = " or ".join(c for c in "CBA4" if c in entry.allowed)
            return (f"Class missing or unreadable otherwise? {shown}, but taken from Section {subtxt} at step 21 "
                    f"(class {allowed}).")
        if cls is None and not _read_class(r.offense_class)[1]:
            return (f"Class missing or unreadable otherwise? {shown}: the text is not blank, Z, U or P and may "
                    "name a class above 4, so it is not taken from the subsection.")
        if cls is None and entry is not None:
            allowed = " or ".join(c for c in "CBA4321X" if c in entry.allowed) or "no class (civil violation)"
            return (f"Class missing or unreadable otherwise? {shown}, and Section {subtxt} allows class {allowed}"
                    ", not only C, B, A or 4, so it is not taken from the subsection.")
        if cls is None:
            return f"Class missing or unreadable otherwise? {shown}, and no subsection to take it from."
        return f"Class missing or unreadable otherwise? {shown}."
    w = r.weight_grams
    if step == "22a":
        if w is None:
            return "Is the weight given outside the subsection's band for the date? No weight is given."
        if entry is None:
            return "Is the weight given outside the subsection's band for the date? No subsection, so no band."
        if not _usable_weight(w):
            return "Is the weight given outside the subsection's band for the date? It is not a weight in grams."
        inside = "No, it is inside" if entry.holds(w) else "Yes, it is outside"
        return (f"Is the weight given outside Section {subtxt}'s band for the date ({entry.band_words()})? "
                f"Weight {w:g} g: {inside}.")
    if w is not None:
        how = (f"weight {w:g} g given" if _usable_weight(w) else "a weight is given but it is not a weight in grams")
    elif entry is not None:
        how = f"Section {subtxt} band for that date: {entry.band}"
    else:
        how = f"no subsection; {_class_text(r.offense_class, cls)} and the date decide"
    side = _weight_side(w, entry, sec, cls, d)
    where = {_LE: "30 g or less", _GT: "more than 30 g", 0: "cannot be placed"}[side]
    if step == "23":
        return f"Can the amount be placed on a side of 30 g? {_cap(how)}: {where}."
    if step == "24":
        return f"Is it 30 g or less? {_cap(where)}."
    return f"Is it more than 30 g? {_cap(where)}."


def _co_charges(others: Sequence[ChargeRecord], ctx: _Ctx) -> dict[int, list[str]]:
    """What the case's other charges show the case steps, by flag (_F_VIOLENT ... _F_CONV_UNKNOWN):
    each charge's citation (an unreadable one quoted as written) and its disposition."""
    found: dict[int, list[str]] = {_F_VIOLENT: [], _F_UNDETERMINED: [], _F_CONV: [], _F_CONV_UNKNOWN: []}
    for o in others:
        _cat, reasons, _k, f, dk, cls = _decide(o, ctx)
        flags = _charge_flags(f, cls, reasons[0], dk, o.sentence)
        what = f"{_citation_head(f, o)} ({_disp_text(dk, o, reasons[0])})"
        for flag, cites in found.items():
            if flags & flag:
                cites.append(what)
    return found


_CASE_STEP_TEXT = (
    ("C1", "VIOLENT_ASSOCIATION", _F_VIOLENT,
     "Is another charge in the same case on the violent-crime list (any disposition)?", "automatic becomes petition"),
    ("C1a", "VIOLENT_UNDETERMINED", _F_UNDETERMINED,
     "Otherwise, can another charge not be cleared of the violent-crime list (its citation cannot be read, it is "
     "on the possibly violent list, or it matches a listed section once a stray letter or zero is set aside)?",
     "automatic becomes review"),
    ("C2", "COCHARGED_CONVICTION", _F_CONV,
     "Otherwise, did another charge in the case, not under the Cannabis Control Act, end in a conviction (a "
     "revoked supervision counts; a supervision does not)?", "automatic becomes review"),
    ("C2a", "COCHARGE_UNDETERMINED", _F_CONV_UNKNOWN,
     "Otherwise, is another charge not under the Cannabis Control Act pending, outside the disposition "
     "vocabulary, or a diversion referral other than a completed pre-plea program?", "automatic becomes review"),
)


def _named(cites: list[str]) -> str:
    return "; ".join(cites[:3]) + (f"; and {len(cites) - 3} more" if len(cites) > 3 else "")


def explain_lines(record: ChargeRecord, decision: Decision, policy: Policy | None = None,
                  case_charges: Sequence[ChargeRecord] | None = None) -> list[str]:
    """The step-by-step trail of ``decision`` for a lawyer: each step taken, what it checks,
    what the record shows, the result and the statute. No personal data is included.

    ``policy`` defaults to the policy the decision was made under, if this process has seen
    it; if it is not available the trail says so and shows the default dates. ``case_charges``,
    if given, are the other charges the case-level steps counted (the same case, and charges with
    no person id under its number): the C1 and C2 lines then name the ones that decided."""
    p = policy
    lines: list[str] = []
    policy_known = True
    if p is None:
        p = _POLICY_BY_HASH.get(decision.policy_hash)
        if p is None:
            p = Policy()
            if p.hash != decision.policy_hash:
                policy_known = False
                lines.append(f"(Policy {decision.policy_hash[:12]}, under which this decision was made, is not "
                             "available here; the dates shown are the defaults, which may not be the ones used.)")
    f = _facts(record.statute, record.enhancement)
    cls = normalise_class(record.offense_class)
    dk = read_disposition(record.disposition, record.disposition_date)
    per_charge = [s for s in decision.steps if not s.startswith("C")]
    last = per_charge[-1] if per_charge else None
    deciding_charge_code = next((c for c in decision.reasons if REASONS[c].step == last
                                 or (last == "5" and c == "ENHANCEMENT_550_7")), None)
    for s in per_charge:
        q = _step_text(s, record, f, cls, dk, p)
        if s == last:
            code = deciding_charge_code or _STEP_CODE[s]
            rs = REASONS[code]
            outcome = f"yes: {rs.category.value if rs.category else 'note'} ({code})"
            cite = rs.cite
        elif s == "21" and "CLASS_INFERRED" in decision.reasons:
            outcome, cite = "yes: continue, note CLASS_INFERRED", REASONS["CLASS_INFERRED"].cite
        elif s == "15" and "DATE_FROM_ARREST" in decision.reasons:
            outcome, cite = "no, continue (note DATE_FROM_ARREST)", REASONS["AFTER_LEGALIZATION"].cite
        else:
            outcome, cite = "no, continue", REASONS[_STEP_CODE[s]].cite
        lines.append(f"Step {s}: {q} -> {outcome}. [{cite}]")
    case_codes = [c for c in decision.reasons if REASONS[c].step.startswith("C")]
    changed = bool(case_codes) and decision.reasons[0] in case_codes  # the case steps changed the category
    alone = REASONS[deciding_charge_code].category if deciding_charge_code else None
    co = _co_charges(case_charges, _ctx(p)) if case_charges is not None else None
    case_code = case_codes[0] if case_codes else None
    stays = f"{decision.category.value} stays {decision.category.value}"
    for step, code, flag, question, effect in _CASE_STEP_TEXT:
        if step not in decision.steps:
            continue
        if case_code == code:
            named = f" {_named(co[flag])}." if co and co[flag] else ""
            res = f"yes: {effect if changed else stays} ({code}).{named}"
        else:
            res = "no, continue." if step != "C2a" else "no."
        lines.append(f"Step {step}: {question} -> {res} [{REASONS[code].cite}]")
    first = REASONS[decision.reasons[0]]
    lines.append(f"Result: {decision.category.value} ({first.code}): {first.sentence} [{first.cite}]")
    for code in decision.reasons[1:]:
        rs = REASONS[code]
        if changed and code == deciding_charge_code and alone is not None:
            lines.append(f"On its own (steps 1 to {last}) the charge would be {alone.value}, {code}: {rs.sentence} "
                         f"[{rs.cite}]")
        else:
            lines.append(f"Also {code}: {rs.sentence} [{rs.cite}]")
    t = decision.tranche
    tr = f"tranche {t} (due {TRANCHE_DUE[t].isoformat()})" if t else "no tranche"
    lines.append(f"Rules v{decision.rules_version}; policy {decision.policy_hash[:12]}; "
                 f"as of {decision.as_of.isoformat()}; {tr}.")
    if not policy_known:  # the trail cannot be checked against a policy it does not have
        return lines
    # The trail describes the recorded decision; say so if the record now decides otherwise.
    now = _decide(record, _ctx(p))
    older_rules = decision.rules_version != RULES_VERSION
    if _STEPS[now[2]] != tuple(per_charge) or now[1][0] not in decision.reasons:
        why = (f"the rules (v{decision.rules_version} then, v{RULES_VERSION} now), the record or the policy have"
               if older_rules else "the record or the policy has")
        lines.append("Warning: re-evaluating this record now gives a different per-charge result "
                     f"(step {now[2]}, {now[1][0]}); {why} changed since the decision.")
    elif older_rules:
        lines.append(f"Note: decided under rules v{decision.rules_version}; the steps above are read with "
                     f"rules v{RULES_VERSION}, which decide this record the same way.")
    return lines
