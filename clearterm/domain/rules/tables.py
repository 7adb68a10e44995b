"""The rules' data and readers: fixed dates, the violent-crime lists (``violent_crimes.toml``), the
subsection tables and weight bands, the class reader, the step order and the cached citation facts.

Read once at import (the violent-crime list) or once per distinct spelling (classes, citations):
the per-record procedure in :mod:`clearterm.domain.rules.engine` is dictionary lookups after that.
"""

from __future__ import annotations

import math
import re
import tomllib
from datetime import date
from importlib import resources

from clearterm.domain.citation import Citation, CitationError, parse_citation
from clearterm.domain.disposition import DispositionKind, SentenceKind
from clearterm.domain.record import ChargeRecord

# -- fixed dates ------------------------------------------------------------------------------

#: P.A. 99-0697: possession of 10 g or less became a civil law violation (step 7), and the
#: section 4 weight bands changed (subsection table).
CIVIL_VIOLATION_DATE = date(2016, 7, 29)

# -- the step order and the disposition kinds --------------------------------------------------

#: The per-charge steps in the order they are taken (rules v2 adds 3a, 6a, 10a, 10b and 22a).
STEP_ORDER: tuple[str, ...] = (
    "1", "2", "3", "3a", "4", "5", "6", "6a", "7", "8", "9", "10", "10a", "10b", "11", "12", "13", "14",
    "15", "16", "17", "18", "19", "20", "21", "22", "22a", "23", "24", "25")
#: _decide returns the position k (1-based) of the deciding step; the steps taken are STEP_ORDER[:k]
_K = {step: i + 1 for i, step in enumerate(STEP_ORDER)}
_STEPS = {k: STEP_ORDER[:k] for k in range(1, len(STEP_ORDER) + 1)}
_K18 = _K["18"]

_CONV, _NONCONV, _SUPV, _PEND, _UNREC, _DIV_DONE, _DIV_OTHER = (
    DispositionKind.CONVICTION, DispositionKind.NON_CONVICTION, DispositionKind.SUPERVISION,
    DispositionKind.PENDING, DispositionKind.UNRECOGNIZED, DispositionKind.DIVERSION_COMPLETED,
    DispositionKind.DIVERSION_OTHER)
_S_SUPV, _S_QUAL, _S_REVOKED = (SentenceKind.SUPERVISION, SentenceKind.QUALIFIED_PROBATION,
                                SentenceKind.SUPERVISION_REVOKED)


# -- violent-crime list (data) ----------------------------------------------------------------

# A co-charge against the lists (C1, C1a): on the violent list, cannot be cleared of it, or neither.
_V_NO, _V_YES, _V_UNKNOWN = 0, 1, 2
#: what one co-charge shows the case steps: violent (C1), cannot be cleared of the violent list
#: (C1a), a non-cannabis conviction (C2), a non-cannabis charge that may be a conviction (C2a)
_F_VIOLENT, _F_UNDETERMINED, _F_CONV, _F_CONV_UNKNOWN = 1, 2, 4, 8


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


def _plain_section(section: str) -> str:
    """A section as written, upper case."""
    return section.upper()


def _stray_variants(section: str) -> set[str]:
    """The section with one stray zero or its trailing letters set aside: "09-1" -> "9-1",
    "9-10" -> "9-1" and "9-1" (the zero may be the stray), "12-7.03" -> "12-7.3", "18-2A" -> "18-2".
    Two citations that agree only this far may be the same offense miswritten (C1a)."""
    s = _plain_section(section)
    out = {s[:i] + s[i + 1:] for i, ch in enumerate(s) if ch == "0"}
    stripped = _TRAILING_LETTERS.sub("", s)
    if stripped != s:
        out.add(stripped)
    return {v for v in out if v and v[0] not in ".-" and v[-1] not in ".-"}


#: (chapter, act, section) of every entry of either list, and every form of them with a stray zero
#: or trailing letters set aside: a citation that matches one of these (or whose own stray-zero
#: forms match an entry) but no entry exactly cannot be cleared of the violent list (C1a).
_LISTED = frozenset([*VIOLENT_SECTIONS, *POSSIBLY_VIOLENT_SECTIONS])
_NEAR_LISTED = frozenset((ch, act, v) for ch, act, sec in _LISTED for v in _stray_variants(sec))


def _near_listed(chapter: str, act: str, section: str) -> bool:
    key = (chapter, act, _plain_section(section))
    if key in _NEAR_LISTED:
        return True
    return any((chapter, act, v) in _LISTED for v in _stray_variants(section))


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
    if felony_only is None and unless_felony is None and _near_listed(chapter, act, section):
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
_CLASS_TEXT_OK = re.compile(r"[0-9A-Za-z .\-/]*")
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
    if raw and raw.strip() and not _CLASS_TEXT_OK.fullmatch(raw):
        # any character but ASCII letters, digits, spaces and - . / (a full-width "３", a Cyrillic
        # "А", a "?"): the text is there but cannot be read, so it is never inferred (step 22)
        return (None, False)
    tokens = []
    for t in _CLASS_PUNCT.sub(" ", (raw or "").upper()).split():
        if t.startswith("CLASS") and len(t) > 5:  # "Class4", "CLASSA"
            tokens += ["CLASS", t[5:]]
        else:
            tokens.append(t)
    words = [t for t in tokens if t != "CLASS"]
    found: tuple[str | None, bool]
    if not tokens:  # blank, or punctuation only ("-", "."): missing only if blank
        found = (None, not (raw or "").strip())
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

