"""Reading statute citations (CRTA-RULES.md, "Reading a statute citation").

Every spelling found in Illinois and Cook County extracts is reduced to one
:class:`Citation`: chapter, act, section and subsection of the offence (for an
attempt, of the *target* offence), plus flags for an attempt (720 ILCS 5/8-4)
and a Section 7 enhancement of the Cannabis Control Act.

Accepted (case-insensitive, spaces optional)::

    720 ILCS 550/4(c)        720-550/4(c)        720 550/4(C)
    720 ILCS 550.0/4-C       720-550/4-C         720 ILCS 550 4(c) [5015300]
    56.5-704-C               56 1/2-704(c)       (Ill. Rev. Stat. ch. 56 1/2, par. 70N = CCA section N)
    720 ILCS 5/8-4(720 ILCS 550/4(d))            720 ILCS 5/8-4(550/5(C))
    720 ILCS 5/8-4(a)(720-5/9-1(a)(1))           38-8-4(56.5-704(d))
    720 ILCS 550/5(d)/7      720 ILCS 550/5(d) 550/7      (Section 7 enhancement)

plus the split CCSAO columns (:func:`parse_split_citation`) and any other ILCS
citation (``720 ILCS 5/16A-3(a)``, ``625 ILCS 5/11-501(a)``, ``31A-1.1(a)(1)``).

Parsing is cached: real extracts repeat a few hundred spellings millions of times.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

__all__ = ["Citation", "CitationError", "parse_citation", "parse_split_citation", "marks_enhancement",
           "names_section_7"]

CANNABIS_CHAPTER = "720"
CANNABIS_ACT = "550"


class CitationError(ValueError):
    """A statute citation that cannot be read."""


@dataclass(frozen=True, slots=True)
class Citation:
    """A parsed citation. For an attempt the fields describe the target offence."""

    chapter: str | None
    act: str | None
    section: str | None
    subsection: str | None
    attempt: bool
    enhancement: bool
    raw: str
    #: further parenthesised parts after the subsection, verbatim, e.g. ``"(1)(A)"``
    #: (an addition to the agreed fields; used only by :meth:`cite`).
    detail: str = ""
    #: the enhancement rests only on an enhancement column that marks one without naming
    #: Section 7 ("Y", "School zone"): it may be Section 7
    enhancement_unnamed: bool = False

    @property
    def is_cannabis(self) -> bool:
        """The Cannabis Control Act (720 ILCS 550), directly or as an attempt's target."""
        return self.chapter == CANNABIS_CHAPTER and self.act == CANNABIS_ACT

    def target_cite(self) -> str:
        """The offence itself, without attempt or enhancement wrapping."""
        if self.act is None:
            head = f"Ill. Rev. Stat. ch. {self.chapter}, par. {self.section}"
        else:
            head = f"{self.chapter} ILCS {self.act}/{self.section}"
        if self.subsection:
            head += f"({self.subsection})"
        return head + self.detail

    def cite(self) -> str:
        """Normalised ILCS form, e.g. ``720 ILCS 5/8-4 (attempt of 720 ILCS 550/4(d))``."""
        s = self.target_cite()
        if self.attempt:
            s = f"720 ILCS 5/8-4 (attempt of {s})"
        if self.enhancement and not (self.is_cannabis and self.section == "7"):
            s += " with an enhancement not named" if self.enhancement_unnamed else " with 720 ILCS 550/7"
        return s


# -- lexical helpers -------------------------------------------------------------------------

_BRACKETS = re.compile(r"\[[^\]]*\]")
_SPACES = re.compile(r"\s+")

# A section number: 4, 5.1, 12-3.2, 16A-3, 31A-1.1, 5-8A-4.1, 26.5-3, 32-4a, 14B, 401.5
_SECTION = r"[0-9]+[A-Z]*(?:\.[0-9]+[A-Z]*)*(?:-[0-9]+[A-Z]*(?:\.[0-9]+[A-Z]*)*)*"
_SECTION_RE = re.compile(_SECTION, re.I)
_GROUP_RE = re.compile(r"\s*\(\s*([^()]*?)\s*\)", re.I)
_DASH_LETTER_RE = re.compile(r"\s*-\s*([A-Z])(?![A-Z0-9.])", re.I)
# Trailing Section 7 enhancement: "/7", "550/7", "720 ILCS 550/7", optionally "(a)".
_ENH_TAIL_RE = re.compile(
    r"\s*[,;&+]?\s*(?:(?:AND|WITH|W/)\s*)?(?:(?:720\s*(?:ILCS\s*|-\s*)?)?550\s*)?/\s*7(?:\s*\([A-Z0-9]+\))*\s*\Z",
    re.I,
)

# ILCS: chapter, separator ("ILCS", "-" or a space), act (".0" tolerated), "/" or a space.
_ILCS_RE = re.compile(r"(\d{1,3})\s*(?:ILCS\s*,?\s*|-\s*|\s+)(\d{1,5})(?:\.0+)?\s*(?:/\s*|\s+)(.+)\Z", re.I)
# Act/section inside an attempt, chapter implied: "550/4(d)", "570/402(c)".
_ACT_SECTION_RE = re.compile(r"(\d{1,5})(?:\.0+)?\s*/\s*(.+)\Z", re.I)
# Pre-1993 Illinois Revised Statutes: ch. 38 (Criminal Code), 56 1/2 (drug acts), 95 1/2 (Vehicle Code).
_IRS_RE = re.compile(
    r"(?:ILL\.?\s*REV\.?\s*STAT\.?\s*,?\s*)?(?:CH\.?\s*)?"
    r"(38|56\s*(?:\.\s*5|-?\s*1\s*/\s*2|½)|95\s*(?:\.\s*5|-?\s*1\s*/\s*2|½))"
    r"\s*,?\s*(?:PAR\.?|¶|-|\s)\s*(.+)\Z",
    re.I,
)
_PAR_RE = re.compile(r"(\d+(?:\.\d+)?)")
_CCA_SECTION_LETTER_RE = re.compile(r"(\d+(?:\.\d+)?)([A-Z])\Z", re.I)

_CCA_SUBSECTIONS = frozenset("abcdefg")
#: enhancement-column values that say "no enhancement"
_NO_ENHANCEMENT = frozenset({
    "N", "NO", "NONE", "0", "FALSE", "F", "NA", "N A", "NULL", "NIL", "NO ENHANCEMENT", "NOT ENHANCED",
})


def marks_enhancement(text: str | None) -> bool:
    """Does an enhancement column mark an enhancement?

    Blank, punctuation only, or a plain no ("N", "No", "None", "0", "N/A", "No enhancement")
    does not; any other text does: "Section 7", "Sec. 7.", "550/7", "Y", "Enhanced", "School
    zone", even another statute. On a Cannabis Control Act charge the enhancement is Section 7,
    and a text that cannot be read as "no" must not be passed over: a false positive only routes
    a record to review (step 13), never to relief.
    """
    if not text:
        return False
    words = " ".join(re.sub(r"[^0-9A-Z]+", " ", text.upper()).split())
    return bool(words) and words not in _NO_ENHANCEMENT


_SECTION7_RE = re.compile(r"(?:^|[^0-9./])(?:550\s*[/-]\s*)?0*7(?:\.0*)?(?:$|[^0-9.])")


def names_section_7(text: str | None) -> bool:
    """Does an enhancement column name Section 7 (``7``, ``07``, ``7.0``, ``Sec. 7.``, ``550/7``,
    ``720 ILCS 550/7(a)``)? A column may mark an enhancement without naming it
    (:func:`marks_enhancement`)."""
    if not text or not text.strip():
        return False
    s = re.sub(r"([A-Z])\.", r"\1 ", text.strip().upper())  # "Sec.7" -> "Sec 7"
    s = re.sub(r"720\s*(?:ILCS)?\s*-?\s*(?=550)", "", s)
    return _SECTION7_RE.search(s) is not None


def _normalise(text: str) -> str:
    s = _BRACKETS.sub(" ", text)
    s = s.replace("§", " ").replace("\u00a0", " ")
    s = _SPACES.sub(" ", s).strip().rstrip(".,;")
    return s.strip()


def _matching_paren(s: str) -> tuple[str, str] | None:
    """``s`` starts with "(": return (inside, after) for the balanced group.

    One missing closing parenthesis at the very end is tolerated (real data has
    ``8-4(730 ILCS 150/3(a)``)."""
    depth = 0
    for i, ch in enumerate(s):
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0:
                return s[1:i], s[i + 1:]
    if depth == 1:
        return s[1:], ""
    return None


class _Parsed:
    __slots__ = ("chapter", "act", "section", "subsection", "detail", "attempt", "enhancement")

    def __init__(self, chapter, act, section, subsection=None, detail="", attempt=False, enhancement=False):
        self.chapter = chapter
        self.act = act
        self.section = section
        self.subsection = subsection
        self.detail = detail
        self.attempt = attempt
        self.enhancement = enhancement


def _is_attempt_statute(chapter: str | None, act: str | None, section: str) -> bool:
    # 720 ILCS 5/8-4; the CCSAO split columns sometimes carry the target's chapter (625/5/8-4(...)).
    return section == "8-4" and act == "5" and chapter in ("720", "625")


def _parse_rest(rest: str, chapter: str | None, act: str | None, *, in_attempt: bool) -> _Parsed:
    """Parse "section(sub)(...)[/7]" for a known chapter/act."""
    rest = rest.strip()
    m = _SECTION_RE.match(rest)
    if not m:
        raise CitationError("no section number")
    section = m.group(0).upper()
    tail = rest[m.end():]

    if _is_attempt_statute(chapter, act, section) and not in_attempt:
        return _parse_attempt(tail, chapter, act)

    subsection: str | None = None
    parts: list[str] = []
    m = _DASH_LETTER_RE.match(tail)
    if m:  # "4-C"
        subsection = m.group(1).lower()
        tail = tail[m.end():]
    while True:
        m = _GROUP_RE.match(tail)
        if not m:
            break
        g = m.group(1)
        if not g or not re.fullmatch(r"[A-Z0-9.\-]+", g, re.I):
            raise CitationError("unreadable subsection")
        if subsection is None and not parts:
            subsection = g.lower()
        else:
            parts.append(f"({g})")
        tail = tail[m.end():]

    enhancement = False
    if tail.strip():
        m = _ENH_TAIL_RE.match(tail)
        if not m:
            raise CitationError("unexpected text after the section")
        enhancement = True

    if chapter == CANNABIS_CHAPTER and act == CANNABIS_ACT:
        m = _CCA_SECTION_LETTER_RE.match(section)
        if m and subsection is None:  # "4C"
            section, subsection = m.group(1), m.group(2).lower()
        section = _cca_section(section)
        if section in ("4", "5") and subsection is not None and subsection not in _CCA_SUBSECTIONS:
            raise CitationError("Sections 4 and 5 have subsections (a) to (g) only")
        if section == "7":
            enhancement = True
    return _Parsed(chapter, act, section, subsection, "".join(parts), False, enhancement)


_CCA_SECTION_RE = re.compile(r"0*(\d+)(?:\.(\d+))?\Z")


def _cca_section(section: str) -> str:
    """A Cannabis Control Act section as the Act numbers them: "04" and "4.0" -> "4", "5.1"
    stays. The Act's sections run from 1 to 19, some with one decimal digit (5.1, 10.1): a number
    it cannot have (above 19, or "5.10") is a miswritten citation, not "another section" (which
    would make the charge ineligible)."""
    m = _CCA_SECTION_RE.match(section)
    if not m:
        raise CitationError("not a Cannabis Control Act section number")
    whole, frac = int(m.group(1)), m.group(2) or ""
    if frac and not frac.strip("0"):  # "4.0", "4.00"
        frac = ""
    if not 1 <= whole <= 19 or len(frac) > 1:
        raise CitationError("the Cannabis Control Act has no such section")
    return f"{whole}.{frac}" if frac else str(whole)


def _parse_attempt(tail: str, chapter: str | None, act: str | None) -> _Parsed:
    t = tail.strip()
    # optional subsection of 8-4 itself, e.g. "8-4(a)(720-5/9-1(a)(1))"
    m = re.match(r"\(\s*[A-Z0-9]{1,3}\s*\)\s*(?=\()", t, re.I)
    if m:
        t = t[m.end():]
    if not t.startswith("("):
        raise CitationError("attempt without a target offence")
    split = _matching_paren(t)
    if split is None:
        raise CitationError("unbalanced parentheses")
    inner, after = split
    inner = inner.strip()
    if not inner:
        raise CitationError("attempt without a target offence")
    target = _parse_target(inner, chapter, act)
    enhancement = target.enhancement
    if after.strip():
        if not _ENH_TAIL_RE.match(after):
            raise CitationError("unexpected text after the attempt")
        enhancement = True
    return _Parsed(target.chapter, target.act, target.section, target.subsection, target.detail, True, enhancement)


# A bare attempt target shaped like a Cannabis Control Act section: "4(d)", "5", "4-C", "4D", "10.1",
# or an old ch. 56 1/2 paragraph of it ("704(d)").
_BARE_CCA_LIKE_RE = re.compile(
    r"\s*(?:\d{1,2}(?:\.\d)?|\d[A-G]|7[01]\d(?:\.\d)?)\s*(?:\(|-\s*[A-Z](?![A-Z0-9])|\Z)", re.I)


def _parse_target(inner: str, chapter: str | None, act: str | None) -> _Parsed:
    """The offence inside 8-4(...): a full citation, "act/section" (chapter 720), or a bare section."""
    try:
        return _parse_full(inner, in_attempt=True)
    except CitationError:
        pass
    m = _ACT_SECTION_RE.match(inner)
    if m:
        return _parse_rest(m.group(2), CANNABIS_CHAPTER, m.group(1).lstrip("0") or "0", in_attempt=True)
    if chapter == "720" and act == "5" or chapter == "625":
        if _BARE_CCA_LIKE_RE.match(inner):
            # "8-4(4(d))": Criminal Code sections are numbered article-section ("9-1"), so a bare
            # "4(d)" is more likely the Cannabis Control Act's than the Code's: it cannot be told
            raise CitationError("the attempt's target names no act")
        return _parse_rest(inner, chapter, act, in_attempt=True)
    raise CitationError("unreadable attempt target")


def _parse_irs(m: re.Match, *, in_attempt: bool) -> _Parsed:
    ch = re.sub(r"\s", "", m.group(1))
    rest = m.group(2).strip()
    if ch == "38":
        mm = _SECTION_RE.match(rest)
        if not mm:
            raise CitationError("no paragraph number")
        par = mm.group(0)
        first = par.split("-", 1)[0]
        digits = re.match(r"\d+", first)
        if "-" in par and digits and int(digits.group(0)) < 100:
            # Criminal Code of 1961: ch. 38, par. X-Y is 720 ILCS 5/X-Y
            if par == "8-4" and in_attempt:
                raise CitationError("nested attempt")
            return _parse_rest(rest, "720", "5", in_attempt=in_attempt)
        return _parse_rest(rest, "38", None, in_attempt=True)
    if ch.startswith("95"):
        return _parse_rest(rest, "625", "5", in_attempt=True)  # Vehicle Code, same numbering
    # chapter 56 1/2
    mm = _PAR_RE.match(rest)
    if not mm:
        raise CitationError("no paragraph number")
    par = mm.group(1)
    after = rest[mm.end():]
    whole, _, frac = par.partition(".")
    frac = f".{frac}" if frac else ""
    n = int(whole)
    if 701 <= n <= 719:  # Cannabis Control Act: par. 70N = section N
        return _parse_rest(f"{n - 700}{frac}{after}", CANNABIS_CHAPTER, CANNABIS_ACT, in_attempt=True)
    if 1100 <= n <= 1699:  # Controlled Substances Act: par. 1NNN = 720 ILCS 570/NNN
        return _parse_rest(f"{n - 1000}{frac}{after}", "720", "570", in_attempt=True)
    if 2101 <= n <= 2199:  # Drug Paraphernalia Control Act: par. 21NN = 720 ILCS 600/NN
        return _parse_rest(f"{n - 2100}{frac}{after}", "720", "600", in_attempt=True)
    return _parse_rest(rest, "56 1/2", None, in_attempt=True)


def _parse_full(s: str, *, in_attempt: bool) -> _Parsed:
    m = _IRS_RE.match(s)
    if m:
        return _parse_irs(m, in_attempt=in_attempt)
    m = _ILCS_RE.match(s)
    if m:
        chapter = m.group(1).lstrip("0")
        act = m.group(2).lstrip("0") or "0"
        if not chapter:
            raise CitationError("no chapter")
        return _parse_rest(m.group(3), chapter, act, in_attempt=in_attempt)
    raise CitationError("not a recognised citation form")


def _build(text: str, enhancement: str | None, raw: str) -> Citation:
    if text is None or not isinstance(text, str):
        raise CitationError("the citation is empty")
    s = _normalise(text)
    if not s:
        raise CitationError("the citation is empty")
    p = _parse_full(s, in_attempt=False)
    column = marks_enhancement(enhancement)
    enh = p.enhancement or column
    unnamed = column and not p.enhancement and not names_section_7(enhancement)
    return Citation(p.chapter, p.act, p.section, p.subsection, p.attempt, enh, raw, p.detail, unnamed)


@functools.lru_cache(maxsize=1 << 16)
def _parse_cached(text: str, enhancement: str | None) -> Citation | CitationError:
    try:
        return _build(text, enhancement, text)
    except CitationError as e:
        return e
    except (ValueError, TypeError, AttributeError):
        return CitationError("not a recognised citation form")


def parse_citation(text: str, *, enhancement: str | None = None) -> Citation:
    """Parse one citation string; ``enhancement`` is the enhancement column, if any.

    Raises :class:`CitationError`. Results (and failures) are cached on (text, enhancement).
    """
    if not isinstance(text, str):
        raise CitationError("the citation is empty")
    r = _parse_cached(text, enhancement or None)
    if isinstance(r, CitationError):
        raise CitationError(f"cannot read citation {text[:80]!r}: {r}")
    return r


parse_citation.cache_info = _parse_cached.cache_info  # type: ignore[attr-defined]
parse_citation.cache_clear = _parse_cached.cache_clear  # type: ignore[attr-defined]


def parse_split_citation(chapter: str, act: str, section: str) -> Citation:
    """The CCSAO split columns, e.g. ("720", "550", "4(c)") or ("720", "5", "8-4(550/4(d))")."""
    ch = (chapter or "").strip()
    ac = (act or "").strip()
    sec = (section or "").strip()
    if not (ch and ac and sec):
        raise CitationError("a split citation needs chapter, act and section")
    return parse_citation(f"{ch} ILCS {ac}/{sec}")
