"""The CRTA eligibility procedure, rules v1 (``/work/shared/law/CRTA-RULES.md``).

Per charge, steps 1 to 25 in order, first match wins (:func:`evaluate_charge`);
then per case, C1 and C2 (:func:`apply_case_rules`); :func:`evaluate_records`
does both for a batch. Pure functions: the policy and the as-of date are inputs,
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
from clearterm.domain.decision import REASONS, RULES_VERSION, Category, Decision
from clearterm.domain.disposition import (
    DispositionKind, SentenceKind, read_disposition, read_sentence,
)
from clearterm.domain.policy import Policy
from clearterm.domain.record import ChargeRecord

__all__ = [
    "evaluate_charge", "apply_case_rules", "evaluate_records", "tranche_for", "TRANCHE_DUE",
    "objection_deadline", "OBJECTION_DAYS", "explain_lines", "OBJECTION_GROUNDS",
    "VIOLENT_SOURCE", "VIOLENT_SECTIONS", "FELONY_CLASSES", "is_violent", "normalise_class",
    "county_key", "age_at_offense", "CIVIL_VIOLATION_DATE",
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

# a charge against the list: not on it, on it, on it if a felony, cannot tell, near a felony-only entry
_V_NO, _V_YES, _V_FELONY_ONLY, _V_UNKNOWN, _V_NEAR_FELONY_ONLY = 0, 1, 2, 3, 4


def _load_violent() -> tuple[str, dict[tuple[str, str, str], bool], frozenset[str]]:
    text = resources.files("clearterm.domain").joinpath("violent_crimes.toml").read_text("utf-8")
    data = tomllib.loads(text)
    table: dict[tuple[str, str, str], bool] = {}
    for e in data["offense"]:
        table[(str(e["chapter"]), str(e["act"]), str(e["section"]).upper())] = bool(e.get("felony_only", False))
    return str(data["source"]), table, frozenset(str(c) for c in data["felony_classes"])


VIOLENT_SOURCE, VIOLENT_SECTIONS, FELONY_CLASSES = _load_violent()

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


#: (chapter, act, near section) of every violent-list entry -> whether all entries so near are
#: felony-only: a citation that matches one of these but no entry exactly cannot be cleared of
#: the list (C1: VIOLENT_UNDETERMINED), unless it is near a felony-only entry and not a felony.
VIOLENT_NEAR: dict[tuple[str, str, str], bool] = {}
for (_ch, _act, _sec), _felony_only in VIOLENT_SECTIONS.items():
    _k = (_ch, _act, _near_section(_sec))
    VIOLENT_NEAR[_k] = VIOLENT_NEAR.get(_k, True) and _felony_only


def _violent_entry(chapter: str, act: str, section: str) -> int:
    """_V_NO, _V_YES or _V_FELONY_ONLY (leading zeros aside, "09-1" is 9-1); for a near match,
    _V_UNKNOWN or _V_NEAR_FELONY_ONLY."""
    v = VIOLENT_SECTIONS.get((chapter, act, _plain_section(section)))
    if v is not None:
        return _V_FELONY_ONLY if v else _V_YES
    near = VIOLENT_NEAR.get((chapter, act, _near_section(section)))
    if near is None:
        return _V_NO
    return _V_NEAR_FELONY_ONLY if near else _V_UNKNOWN


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


_COUNTY_CACHE: dict[str, str] = {}
_COUNTY_NOISE = frozenset({"county", "co", "cty", "of", "the", "circuit", "court", "il", "ill", "illinois"})
_NON_ALNUM_SPACE = re.compile(r"[^0-9a-z]+")


def _county_words(raw: str) -> tuple[str, ...]:
    words = _NON_ALNUM_SPACE.sub(" ", raw.lower()).split()
    return tuple(w for w in words if w not in _COUNTY_NOISE)


def county_key(raw: str | None) -> str:
    """Comparable county name: case, spacing and punctuation ignored, and the words "County",
    "Co.", "Cty", "of", "Circuit Court" and the state ("IL", "Illinois") dropped, so "Cook",
    "Cook County, IL", "County of Cook" and "COOK CO." all read "cook" ("Du Page" and "DuPage"
    both "dupage"). Empty means "not given"."""
    if not raw:
        return ""
    k = _COUNTY_CACHE.get(raw)
    if k is None:
        k = "".join(_county_words(raw))
        if len(_COUNTY_CACHE) < 10_000:
            _COUNTY_CACHE[raw] = k
    return k


_OTHER_COUNTY_CACHE: dict[tuple[str, str], bool] = {}


def _other_county(raw: str, office: str) -> bool:
    """Step 3: is ``raw`` a county given that is not ``office`` (the office's county_key)?

    The office's county is also recognised inside a longer text ("Cook County Circuit Court - 1st
    District", "Cook (Chicago)"): its name as a whole word there, or the words run together."""
    hit = _OTHER_COUNTY_CACHE.get((raw, office))
    if hit is None:
        words = _county_words(raw)  # a run of words, run together, is the office's ("du page")
        hit = bool(words) and not any("".join(words[i:j]) == office for i in range(len(words))
                                      for j in range(i + 1, len(words) + 1))
        if len(_OTHER_COUNTY_CACHE) < 10_000:
            _OTHER_COUNTY_CACHE[(raw, office)] = hit
    return hit


def _effective_date(r: ChargeRecord) -> tuple[date | None, bool]:
    """The offense date, else the arrest date; and whether it came from the arrest date."""
    if r.offense_date is not None:
        return r.offense_date, False
    return r.arrest_date, r.arrest_date is not None


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
    __slots__ = ("allowed", "side", "band", "inferable")

    def __init__(self, allowed: str, side: int, band: str):
        self.allowed = frozenset(allowed.split()) if allowed else frozenset()
        self.side = side
        self.band = band
        # step 21: the subsection allows only classes C/B/A/4
        self.inferable = bool(self.allowed) and self.allowed <= _MISD_OR_4


_T4_OLD = {  # section 4, offenses before 2016-07-29 (on/after 1997-08-15 by step 17's default)
    "a": _Sub("C", _LE, "up to 2.5 g"), "b": _Sub("B", _LE, "2.5-10 g"), "c": _Sub("A 4", _LE, "10-30 g"),
    "d": _Sub("4 3", _GT, "30-500 g"), "e": _Sub("3", _GT, "500-2,000 g"), "f": _Sub("2", _GT, "2,000-5,000 g"),
    "g": _Sub("1", _GT, "over 5,000 g"),
}
_T4_NEW = {  # section 4, offenses on/after 2016-07-29 (P.A. 99-0697)
    "a": _Sub("", _LE, "up to 10 g, civil violation"), "b": _Sub("B", _LE, "10-30 g"),
    "c": _Sub("A 4", _GT, "30-100 g"), "d": _Sub("4 3", _GT, "100-500 g"), "e": _Sub("3", _GT, "500-2,000 g"),
    "f": _Sub("2", _GT, "2,000-5,000 g"), "g": _Sub("1", _GT, "over 5,000 g"),
}
_T5 = {  # section 5, unchanged since 1983-09-24
    "a": _Sub("B", _LE, "up to 2.5 g"), "b": _Sub("A", _LE, "2.5-10 g"), "c": _Sub("4", _LE, "10-30 g"),
    "d": _Sub("3", _GT, "30-500 g"), "e": _Sub("2", _GT, "500-2,000 g"), "f": _Sub("1", _GT, "2,000-5,000 g"),
    "g": _Sub("X", _GT, "over 5,000 g"),
}


def _table(sec: str, d: date) -> dict[str, _Sub]:
    if sec == "5":
        return _T5
    return _T4_OLD if d < CIVIL_VIOLATION_DATE else _T4_NEW


def _weight_side(w: float | None, entry: _Sub | None, sec: str, cls: str | None, d: date) -> int:
    """Which side of 30 g (spec, "Placing the weight on a side of 30 g"): _LE, _GT or 0 (unknown)."""
    if w is not None:
        if isinstance(w, bool) or not isinstance(w, (int, float)) or not math.isfinite(w) or w < 0:
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
    __slots__ = ("cit", "cite", "kind", "sec", "sub", "attempt", "enh", "violent")

    def __init__(self, cit: Citation | None):
        self.cit = cit
        if cit is None:
            self.cite = None
            self.kind = _K_UNPARSED
            self.sec = self.sub = None
            self.attempt = self.enh = False
            self.violent = _V_UNKNOWN
            return
        self.cite = cit.cite()
        self.kind = _K_CANNABIS if cit.is_cannabis else _K_OTHER_ACT
        self.sec = cit.section
        self.sub = cit.subsection
        self.attempt = cit.attempt
        self.enh = cit.enhancement
        self.violent = _violent_entry(cit.chapter or "", cit.act or "", cit.section or "")


_FACTS: dict[tuple[str, str | None], _Facts] = {}


def _facts(statute: str, enhancement: str | None) -> _Facts:
    key = (statute, enhancement)
    f = _FACTS.get(key)
    if f is None:
        try:
            cit = parse_citation(statute, enhancement=enhancement)
        except CitationError:
            cit = None
        f = _Facts(cit)
        if len(_FACTS) < 200_000:
            _FACTS[key] = f
    return f


def is_violent(citation: Citation | None, offense_class: str | None) -> bool | None:
    """Is a charge on the violent-crime list? ``None`` when it cannot be told
    (unreadable citation, or a felony-only entry with an unreadable class)."""
    if citation is None:
        return None
    v = _violent_entry(citation.chapter or "", citation.act or "", citation.section or "")
    if v == _V_NO:
        return False
    if v == _V_YES:
        return True
    if v == _V_UNKNOWN:
        return None
    c = normalise_class(offense_class)
    if c is None:
        return None
    if v == _V_NEAR_FELONY_ONLY:  # near a felony-only entry: a felony cannot be cleared
        return None if c in FELONY_CLASSES else False
    return c in FELONY_CLASSES


# -- policy context ---------------------------------------------------------------------------


class _Ctx:
    __slots__ = ("policy", "county", "legal", "cutoff", "poss", "deliv", "hash")

    def __init__(self, p: Policy):
        self.policy = p
        self.county = county_key(p.office_county)
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
_CONV, _NONCONV, _SUPV, _PEND, _UNREC = (
    DispositionKind.CONVICTION, DispositionKind.NON_CONVICTION, DispositionKind.SUPERVISION,
    DispositionKind.PENDING, DispositionKind.UNRECOGNIZED)
_S_SUPV, _S_QUAL, _S_REVOKED = (SentenceKind.SUPERVISION, SentenceKind.QUALIFIED_PROBATION,
                                SentenceKind.SUPERVISION_REVOKED)

_STEP_IDS = tuple(str(i) for i in range(1, 26))
_STEPS = {k: _STEP_IDS[:k] for k in range(1, 26)}
_ARREST = ("DATE_FROM_ARREST",)
_INFERRED = ("CLASS_INFERRED",)


def _decide(r: ChargeRecord, ctx: _Ctx):
    """Steps 1-25. Returns (category, reasons, step, facts, disposition kind, class)."""
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
    if county and _other_county(county, ctx.county):                         # 3
        return _I, ("OUT_OF_COUNTY",), 3, f, dk, cls
    sec = f.sec
    if sec == "6":                                                            # 4
        return _R, ("CASUAL_DELIVERY",), 4, f, dk, cls
    if sec != "4" and sec != "5":                                             # 5
        if sec == "7":  # a bare Section 7 citation: the underlying section is not stated
            return _R, ("ENHANCEMENT_550_7",), 5, f, dk, cls
        return _I, ("SECTION_NOT_COVERED",), 5, f, dk, cls
    if dk is _NONCONV:                                                        # 6
        return _N, ("NON_CONVICTION",), 6, f, dk, cls
    d = r.offense_date
    from_arrest = False
    if d is None:
        d = r.arrest_date
        from_arrest = d is not None
    if cls == "O":                                                            # 7
        return _N, ("CIVIL_VIOLATION",), 7, f, dk, cls
    # the spec says "offense date" here: an arrest on/after the date does not show the offense was
    # (the later steps read the arrest date as the spec says, and the 4(a) table sends it to review)
    od = r.offense_date
    if sec == "4" and f.sub == "a" and od is not None and od >= CIVIL_VIOLATION_DATE:
        return _N, ("CIVIL_VIOLATION",), 7, f, dk, cls
    sk = read_sentence(r.sentence)
    if (dk is _SUPV and sk is not _S_REVOKED) or (dk is _CONV and sk is _S_SUPV):  # 8
        return _N, ("SUPERVISION",), 8, f, dk, cls
    if dk is _PEND:                                                           # 9
        return _R, ("PENDING",), 9, f, dk, cls
    if sk is _S_REVOKED and (dk is _CONV or dk is _SUPV):                     # 10
        # a supervision that was revoked may have ended in a judgment: a person checks
        return _R, ("SUPERVISION_REVOKED",), 10, f, dk, cls
    if dk is not _CONV:                                                       # 10
        return _R, ("UNKNOWN_DISPOSITION",), 10, f, dk, cls
    if sk is _S_QUAL:                                                         # 11
        return _R, ("QUALIFIED_PROBATION",), 11, f, dk, cls
    if f.attempt:                                                             # 12
        return _R, ("ATTEMPT",), 12, f, dk, cls
    if f.enh:                                                                 # 13
        return _R, ("ENHANCEMENT_550_7",), 13, f, dk, cls
    if d is None:                                                             # 14
        return _R, ("DATE_UNKNOWN",), 14, f, dk, cls
    notes = _ARREST if from_arrest else ()
    if d >= ctx.legal:                                                        # 15
        return _I, ("AFTER_LEGALIZATION",) + notes, 15, f, dk, cls
    if d >= ctx.cutoff:                                                       # 16
        return _R, ("AFTER_CRTA_CUTOFF",) + notes, 16, f, dk, cls
    if (d < ctx.poss) if sec == "4" else (d < ctx.deliv):                     # 17
        return _R, ("OLD_PENALTY_SCHEDULE",) + notes, 17, f, dk, cls
    age = r.age_at_offense                                                    # 18
    dob = r.date_of_birth
    if dob is not None:  # either source under 18 is enough: a disagreement goes to a person
        by_dob = _years(dob, d)
        if age is None or by_dob < age:
            age = by_dob
    if age is not None and age < 18:
        return _R, ("JUVENILE",) + notes, 18, f, dk, cls
    if cls in _ABOVE_4:                                                       # 19
        return _I, ("CLASS_ABOVE_4",) + notes, 19, f, dk, cls
    sub = f.sub
    entry = _table(sec, d).get(sub) if sub else None
    if cls is not None:                                                       # 20 (cls is C, B, A or 4 here)
        if entry is not None and cls not in entry.allowed:
            return _R, ("CLASS_SUBSECTION_CONFLICT",) + notes, 20, f, dk, cls
    elif cls_missing and entry is not None and entry.inferable:               # 21
        notes = notes + _INFERRED
    else:                                                                     # 22
        return _R, ("CLASS_UNKNOWN",) + notes, 22, f, dk, cls
    side = _weight_side(r.weight_grams, entry, sec, cls, d)                   # 23
    if side == 0:
        return _R, ("WEIGHT_UNKNOWN",) + notes, 23, f, dk, cls
    if side == _LE:                                                           # 24
        return _A, ("MINOR_CANNABIS_OFFENSE",) + notes, 24, f, dk, cls
    return _P, ("MOTION_ELIGIBLE",) + notes, 25, f, dk, cls                  # 25


# -- explanations -----------------------------------------------------------------------------

_DISP_WORD = {
    _CONV: "convicted", _NONCONV: "not convicted", _SUPV: "supervision", _PEND: "pending",
    _UNREC: "disposition unreadable",
}
_DISP_WORD_BY_VALUE = {k.value: v for k, v in _DISP_WORD.items()}  # str keys: enum hashing is slow
#: codes that say a guilty plea or finding is not a conviction: the explanation says so, not "convicted"
_GUILTY_NOT_CONVICTED = frozenset({"CIVIL_VIOLATION", "SUPERVISION"})
_GUILTY = "guilty plea or finding"


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


def _explanation(cite: str | None, cls_text: str, disp: str, reasons: tuple[str, ...]) -> str:
    key = (cite, cls_text, disp, reasons)
    s = _EXPL_CACHE.get(key)
    if s is None:
        code = reasons[0]
        head = cite if cite is not None else "Statute citation unreadable"
        s = f"{head}, {cls_text}, {disp}: {_PHRASE[code]} ({REASONS[code].cite})."
        for note in reasons[1:]:
            s += f" Note: {_PHRASE[note]}."
        if len(_EXPL_CACHE) < 100_000:
            _EXPL_CACHE[key] = s
    return s


def _case_explanation(base: str, cite, cls_text, disp, code: str, was: Category, changed: bool,
                      notes: tuple[str, ...]) -> str:
    if changed:
        head = cite if cite is not None else "Statute citation unreadable"
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
    """Steps 1-25 for one charge, first match wins (no case-level steps)."""
    ctx = _ctx(policy)
    cat, reasons, k, f, dk, cls = _decide(record, ctx)
    disp = _GUILTY if dk is _CONV and reasons[0] in _GUILTY_NOT_CONVICTED else _DISP_WORD[dk]
    expl = _explanation(f.cite, _class_text(record.offense_class, cls), disp, reasons)
    return Decision(record.record_id, cat, reasons, _STEPS[k], expl, _tranche(record),
                    RULES_VERSION, ctx.hash, as_of, f.cite)


# -- case level -------------------------------------------------------------------------------


def _case_flags(items) -> tuple[bool, bool, bool, bool]:
    """items: iterable of (facts, class, deciding reason, disposition kind) for every charge of a case.

    Returns (violent, violent undetermined, non-cannabis conviction, non-cannabis disposition unreadable).
    A charge that can come out automatic/petition is itself under 720 ILCS 550, so it never sets
    a flag: "another charge" needs no self-exclusion."""
    violent = undetermined = conv = conv_unknown = False
    for f, cls, first, dk in items:
        v = f.violent
        if v == _V_YES:
            violent = True
        elif v == _V_FELONY_ONLY:
            if cls in FELONY_CLASSES:
                violent = True
            elif cls is None:
                undetermined = True
        elif v == _V_UNKNOWN:
            undetermined = True
        elif v == _V_NEAR_FELONY_ONLY:  # near a felony-only entry (DUI): not one if not a felony
            if cls is None or cls in FELONY_CLASSES:
                undetermined = True
        if first == "NOT_CANNABIS":
            if dk is _CONV:
                conv = True
            elif dk is _UNREC:
                conv_unknown = True
    return violent, undetermined, conv, conv_unknown


_C1, _C12 = ("C1",), ("C1", "C2")


def _case_effect(cat: Category, flags) -> tuple[Category, str | None, tuple[str, ...]]:
    """C1 then (otherwise) C2 for one automatic/petition charge: (new category, code or None, steps added)."""
    violent, undetermined, conv, conv_unknown = flags
    if violent:
        return _P, "VIOLENT_ASSOCIATION", _C1
    if undetermined:
        return (_R if cat is _A else cat), "VIOLENT_UNDETERMINED", _C1
    if conv:
        return (_R if cat is _A else cat), "COCHARGED_CONVICTION", _C12
    if conv_unknown:
        return (_R if cat is _A else cat), "COCHARGE_UNDETERMINED", _C12
    return cat, None, _C12


def _apply_effect(cat, reasons, steps, expl, cite, cls_text, disp, flags):
    new_cat, code, added = _case_effect(cat, flags)
    steps = steps + added
    if code is None:
        return cat, reasons, steps, expl
    if new_cat is not cat:
        return (new_cat, (code,) + reasons, steps,
                _case_explanation(expl, cite, cls_text, disp, code, cat, True, reasons[1:]))
    return cat, reasons + (code,), steps, _case_explanation(expl, cite, cls_text, disp, code, cat, False, ())


def apply_case_rules(records: Sequence[ChargeRecord], decisions: Sequence[Decision],
                     policy: Policy, as_of: date,
                     others: Sequence[tuple[ChargeRecord, Decision]] = ()) -> list[Decision]:
    """C1 and C2 for the charges of ONE case (same person and case number).

    ``decisions`` are the per-charge decisions aligned with ``records``; returns a new
    aligned list. Decisions that already carry a C1/C2 step are returned unchanged.
    ``others`` are further charges that count as "another charge in the same case" without
    being decided here: under the same case number, those with no person id (for a case with
    no person id, every other person's), as :func:`evaluate_records` counts them."""
    if len(records) != len(decisions):
        raise ValueError("records and decisions must be aligned")
    items = []
    for r, dec in [*zip(records, decisions), *others]:
        f = _facts(r.statute, r.enhancement)
        items.append((f, normalise_class(r.offense_class), dec.reasons[0],
                      read_disposition(r.disposition, r.disposition_date)))
    flags = _case_flags(items)
    out: list[Decision] = []
    for r, dec, (f, cls, _first, dk) in zip(records, decisions, items):
        if dec.category not in (_A, _P) or "C1" in dec.steps:
            out.append(dec)
            continue
        cat, reasons, steps, expl = _apply_effect(
            dec.category, dec.reasons, dec.steps, dec.explanation, f.cite,
            _class_text(r.offense_class, cls), _DISP_WORD[dk], flags)
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


_NO_FLAGS = (False, False, False, False)


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

    def flags_over(idx: list[int]):
        return _case_flags([(results[j][3], results[j][5], results[j][1][0], results[j][4]) for j in idx])

    def flags_of(idx: list[int]):
        if len(idx) == 1:  # a lone charge: an automatic/petition charge sets no flag itself
            return _NO_FLAGS
        return flags_over(idx)

    number_flags: dict[str, tuple] = {}
    if unknown_person:
        by_number: dict[str, list[int]] = {}
        for i, r in enumerate(recs):
            if r.case_number in unknown_person:
                by_number.setdefault(r.case_number, []).append(i)
        for number, idx in unknown_person.items():
            number_flags[number] = (flags_over(idx), flags_of(by_number[number]))

    out: list = [None] * len(recs)
    words = _DISP_WORD_BY_VALUE
    for (person, number), idx in groups.items():
        flags = flags_of(idx) if person or number not in number_flags else number_flags[number][1]
        if person and number in number_flags:  # this person's charges and those with no person id
            flags = tuple(a or b for a, b in zip(flags, number_flags[number][0]))
        for j in idx:
            cat, reasons, k, f, dk, cls = results[j]
            if cat is not _A and cat is not _P:
                continue
            r = recs[j]
            cls_text = _class_text(r.offense_class, cls)
            disp = words[dk._value_]
            expl = _explanation(f.cite, cls_text, disp, reasons)
            cat, reasons, steps, expl = _apply_effect(cat, reasons, _STEPS[k], expl, f.cite, cls_text, disp, flags)
            out[j] = _decision(r.record_id, cat, reasons, steps, expl, _tranche(r), RULES_VERSION, h, as_of, f.cite)

    steps_for = _STEPS
    make = _decision
    expl_cache = _EXPL_CACHE
    t1_end, t1_start, t2_start = _T1_END, _T1_START, _T2_START
    for i, res in enumerate(results):
        if out[i] is not None:
            continue
        r = recs[i]
        cat, reasons, k, f, dk, cls = res
        cls_text = ("class " + cls) if cls is not None else _class_text(r.offense_class, None)
        cite = f.cite
        disp = words[dk._value_]
        if dk is _CONV and reasons[0] in _GUILTY_NOT_CONVICTED:
            disp = _GUILTY
        expl = expl_cache.get((cite, cls_text, disp, reasons))
        if expl is None:
            expl = _explanation(cite, cls_text, disp, reasons)
        d = r.offense_date or r.arrest_date
        if d is None or d > t1_end:
            tranche = None
        else:
            tranche = 1 if d >= t1_start else (2 if d >= t2_start else 3)
        out[i] = make(r.record_id, cat, reasons, steps_for[k], expl, tranche, RULES_VERSION, h, as_of, cite)
    return out


# -- explain ----------------------------------------------------------------------------------

_STEP_CODE = {
    "1": "UNPARSED_STATUTE", "2": "NOT_CANNABIS", "3": "OUT_OF_COUNTY", "4": "CASUAL_DELIVERY",
    "5": "SECTION_NOT_COVERED", "6": "NON_CONVICTION", "7": "CIVIL_VIOLATION", "8": "SUPERVISION",
    "9": "PENDING", "10": "UNKNOWN_DISPOSITION", "11": "QUALIFIED_PROBATION", "12": "ATTEMPT",
    "13": "ENHANCEMENT_550_7", "14": "DATE_UNKNOWN", "15": "AFTER_LEGALIZATION", "16": "AFTER_CRTA_CUTOFF",
    "17": "OLD_PENALTY_SCHEDULE", "18": "JUVENILE", "19": "CLASS_ABOVE_4", "20": "CLASS_SUBSECTION_CONFLICT",
    "21": "CLASS_INFERRED", "22": "CLASS_UNKNOWN", "23": "WEIGHT_UNKNOWN", "24": "MINOR_CANNABIS_OFFENSE",
    "25": "MOTION_ELIGIBLE",
}


def _cap(s: str) -> str:
    return s[:1].upper() + s[1:]


def _date_text(r: ChargeRecord) -> str:
    if r.offense_date is not None:
        return f"offense date {r.offense_date.isoformat()}"
    if r.arrest_date is not None:
        return f"arrest date {r.arrest_date.isoformat()} (offense date missing)"
    return "no offense or arrest date"


def _step_text(step: str, r: ChargeRecord, f: _Facts, cls: str | None, dk: DispositionKind,
               p: Policy) -> str:
    """What step ``step`` checks, and what the record shows."""
    d = r.offense_date or r.arrest_date
    sec = f.sec
    subtxt = f"{sec}({f.sub})" if f.sub else f"{sec}"
    if step == "1":
        return ("Is the statute citation unreadable? "
                + (f"No, it reads {f.cite}." if f.cit is not None else "Yes, it cannot be read."))
    if step == "2":
        return ("Is it outside the Cannabis Control Act (720 ILCS 550), and not an attempt of it? "
                + ("No." if f.kind == _K_CANNABIS else "Yes, another act."))
    if step == "3":
        c = county_key(r.county)
        shown = " ".join(r.county.split()) if c else "not given"
        return f"Is a county given that is not {p.office_county}? County: {shown}."
    if step == "4":
        return f"Is it Section 6 (casual delivery)? Section {sec}."
    if step == "5":
        return f"Is it a section other than 4 or 5? Section {sec}."
    if step == "6":
        return f"Did the charge end without a conviction? The disposition reads as {dk.value.replace('_', '-')}."
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
        extra = (", with a supervision that was revoked or may not have ended well"
                 if read_sentence(r.sentence) is _S_REVOKED else "")
        return ("Is the disposition unrecognised, or a supervision that was revoked or may not have ended "
                f"well? It reads as {dk.value.replace('_', '-')}{extra}.")
    if step == "11":
        return (f"Conviction with qualified probation (710, 410, 2nd Chance)? Sentence "
                f"{read_sentence(r.sentence).value.replace('_', ' ')}.")
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
                   else "Age unknown."))
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
    if w is not None:
        how = (f"weight {w:g} g given" if isinstance(w, (int, float)) and math.isfinite(w) and w >= 0
               else "a weight is given but it is not a weight in grams")
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


def _co_charges(others: Sequence[ChargeRecord], ctx: _Ctx) -> dict[str, list[str]]:
    """What the case's other charges show for C1 and C2, by flag: the citations of those that are
    violent, that cannot be checked against the list, non-cannabis convictions, and non-cannabis
    charges whose disposition cannot be read."""
    found: dict[str, list[str]] = {"violent": [], "undetermined": [], "conv": [], "conv_unknown": []}
    for o in others:
        cat, reasons, _k, f, dk, cls = _decide(o, ctx)
        violent, undetermined, conv, conv_unknown = _case_flags([(f, cls, reasons[0], dk)])
        cite = f.cite or "a citation that cannot be read"
        what = f"{cite} ({_DISP_WORD[dk]})"
        for flag, on in (("violent", violent), ("undetermined", undetermined), ("conv", conv),
                         ("conv_unknown", conv_unknown)):
            if on:
                found[flag].append(what)
    return found


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
    case_codes = [c for c in decision.reasons if REASONS[c].step in ("C1", "C2")]
    changed = bool(case_codes) and decision.reasons[0] in case_codes  # the case steps changed the category
    alone = REASONS[deciding_charge_code].category if deciding_charge_code else None
    co = _co_charges(case_charges, _ctx(p)) if case_charges is not None else None

    def because(flag: str) -> str:
        return f" {_named(co[flag])}." if co and co[flag] else ""

    if "C1" in decision.steps:
        c1 = next((c for c in case_codes if REASONS[c].step == "C1"), None)
        q = "Is another charge in the same case on the violent-crime list (any disposition)?"
        if c1 == "VIOLENT_ASSOCIATION":
            eff = "automatic becomes petition" if changed else f"{decision.category.value} stays {decision.category.value}"
            res = f"yes: {eff} (VIOLENT_ASSOCIATION).{because('violent')}"
        elif c1 == "VIOLENT_UNDETERMINED":
            eff = "automatic becomes review" if changed else f"{decision.category.value} stays {decision.category.value}"
            res = (f"cannot tell (a citation that cannot be read, or only nearly matches a listed offense, or a "
                   f"DUI whose class cannot be read): {eff} (VIOLENT_UNDETERMINED).{because('undetermined')}")
        else:
            res = "no, continue."
        lines.append(f"Step C1: {q} -> {res} [725 ILCS 120/3(c); {REASONS['VIOLENT_ASSOCIATION'].cite.split(';')[0]}]")
    if "C2" in decision.steps:
        c2 = next((c for c in case_codes if REASONS[c].step == "C2"), None)
        q = ("Otherwise, did another charge in the case, not under the Cannabis Control Act, end in a guilty "
             "plea, finding or verdict (whatever its sentence)?")
        if c2 == "COCHARGED_CONVICTION":
            eff = "automatic becomes review" if changed else f"{decision.category.value} stays {decision.category.value}"
            res = f"yes: {eff} (COCHARGED_CONVICTION).{because('conv')}"
        elif c2 == "COCHARGE_UNDETERMINED":
            eff = "automatic becomes review" if changed else f"{decision.category.value} stays {decision.category.value}"
            res = f"cannot tell, its disposition cannot be read: {eff} (COCHARGE_UNDETERMINED).{because('conv_unknown')}"
        else:
            res = "no."
        lines.append(f"Step C2: {q} -> {res} [{REASONS['COCHARGED_CONVICTION'].cite}]")
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
