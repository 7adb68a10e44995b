"""Reading statute citations (CRTA-RULES.md, "Reading a statute citation", rules v2).

Every spelling found in Illinois and Cook County extracts is reduced to one
:class:`Citation`: chapter, act, section and subsection of the offence (for an
attempt, of the *target* offence), plus flags for an attempt (720 ILCS 5/8-4)
and a Section 7 enhancement of the Cannabis Control Act (CCA, 720 ILCS 550).

Accepted (case-insensitive, spaces optional)::

    720 ILCS 550/4(c)        720-550/4(c)        720 550/4(C)
    720 ILCS 550.0/4-C       720-550/4-C         720 ILCS 550 4(c) [5015300]
    56.5-704-C               56 1/2-704(c)       Ill. Rev. Stat. ch. 56 1/2, par. 705(b)
    720 ILCS 5/8-4(720 ILCS 550/4(d))            720 ILCS 5/8-4(550/5(C))
    720 ILCS 5/8-4(a)(720-5/9-1(a)(1))           38-8-4(56.5-704(d))
    720 ILCS 550/5(d)/7      720 ILCS 550/5(d) 550/7      (Section 7 enhancement)

plus the split CCSAO columns (:func:`parse_split_citation`) and any other ILCS
citation (``720 ILCS 5/16A-3(a)``, ``625 ILCS 5/11-501(a)``, ``31A-1.1(a)(1)``).
Pre-1993 Illinois Revised Statutes: ch. 56 1/2 par. 70N is CCA section N (704 -> §4,
705.1 -> §5.1), par. 1NNN is 720 ILCS 570/NNN, par. 21NN is 720 ILCS 600/NN; ch. 38
par. X-Y is 720 ILCS 5/X-Y; ch. 95 1/2 is 625 ILCS 5. Such a citation is marked
:attr:`Citation.pre_1993`; :attr:`Citation.written` keeps the form as written.

Rules v2: nothing in a citation is thrown away unread.

* After the section and its subsection letter, the only harmless detail is subdivision
  groups -- ``(1)``..``(99)``, ``(a)``..``(z)``, doubled letters ``(aa)``..``(zz)``, roman
  ``(i)``..``(xx)``, dashed forms ``(a-5)``, ``(b-10)``, ``(1-5)`` and decimal paragraphs
  ``(1.5)``, ``(7.5)`` -- optionally followed by ONE court code in brackets of exactly
  7 digits (``[5015300]``). A subdivision group after the court code, a second court
  code, or a bracket of 6 or 8 digits is not harmless.
* Any other text, inside or outside brackets or parentheses, must be a marker:
  an attempt (``ATT``, ``ATTEMPT``, ``ATTEMPTED``, ``8-4``) sets :attr:`Citation.attempt`
  (step 12); Section 7 (``7``, ``[7]``, ``SEC 7``, ``SEC. 7``, ``SECTION 7``, ``§7``,
  ``550/7``, ``/7``, ``ENH``, ``ENHANCED``; also ``ENHANCEMENT`` and ``720 ILCS 550/7``)
  sets :attr:`Citation.enhancement` (step 13). Markers may be joined by punctuation or
  ``AND``/``WITH``/``W/``. Any other text makes the citation unreadable (step 1):
  ``550/4(c) [WARRANT]``.
* On a CCA §4 or §5 charge a ``(7)`` group (also ``(07)``, ``(7.0)``) is Section 7,
  wherever it stands after the section: ``550/5(b)(7)``, ``550/5(7)``. The spec names a
  ``(7)`` following the section or the subsection letter; a ``(7)`` further on
  (``550/5(b)(1)(7)``) could be a subdivision or Section 7, and is read as Section 7,
  because review is the safe outcome. ``(8-4)`` is read as the attempt marker, not as a
  dashed subdivision, for the same reason. On any other section ``(7)`` is a subdivision.
* The same rules hold inside an attempt's target and after its closing parenthesis
  (``720 ILCS 5/8-4(550/4(d)) [5015300]`` is plain, ``... ) [ENH]`` is enhanced); the
  attempt's parentheses must close (an unclosed one is unreadable). A target without an
  act or chapter: ``8-4(19-1(a))`` is 720 ILCS 5/19-1(a), ``8-4(570/402(c))`` is
  720 ILCS 570/402(c); a bare CCA-like target (``8-4(4(d))``) is unreadable.
* A CCA section is read as the Act numbers it (``04``, ``4.0`` -> 4); a number the Act
  lacks (outside 1..19, or two decimals) is unreadable; §4 and §5 have subsections (a)-(g)
  only. A bare ``550/7`` is section 7 (and an enhancement; the rules take it at step 5).
* An enhancement column (:func:`marks_enhancement`) marks Section 7 unless it is blank or
  a plain no: ``no``, ``n``, ``none``, ``0``, ``false``, ``-``, ``n/a``.

Parsing is cached: real extracts repeat a few hundred spellings millions of times. Every
pattern is linear in the input, and text longer than :data:`MAX_LENGTH` is refused at once.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

__all__ = ["Citation", "CitationError", "parse_citation", "parse_split_citation", "marks_enhancement",
           "names_section_7", "MAX_LENGTH"]

CANNABIS_CHAPTER = "720"
CANNABIS_ACT = "550"
#: a citation longer than this is not a citation (the longest real one is under 60 characters)
MAX_LENGTH = 400
#: :attr:`Citation.written` is cut to this many characters
WRITTEN_LIMIT = 120


class CitationError(ValueError):
    """A statute citation that cannot be read."""


class _FormError(CitationError):
    """No citation form (head and section number) matched: another form may be tried."""


# C0 and C1 controls, DEL, and the invisible bidirectional / zero-width format characters
_CONTROLS_RE = re.compile("[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")


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
    #: the text was an Illinois Revised Statutes (pre-1993) form, e.g. ``56 1/2-704(c)``
    pre_1993: bool = False

    @property
    def written(self) -> str:
        """The citation as written: whitespace collapsed, control characters removed, cut to
        120 characters (shown beside the normalised :meth:`cite`)."""
        s = " ".join(self.raw.split())
        s = " ".join(_CONTROLS_RE.sub("", s).split())
        if len(s) > WRITTEN_LIMIT:
            s = s[:WRITTEN_LIMIT - 1] + "…"
        return s

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


# -- enhancement column ----------------------------------------------------------------------

#: enhancement-column values that say "no enhancement" (v2: exactly these, case-insensitive)
_NO_ENHANCEMENT = frozenset({"no", "n", "none", "0", "false", "-", "n/a"})


def marks_enhancement(text: str | None) -> bool:
    """Does an enhancement column mark a Section 7 enhancement?

    v2: it does unless it is blank or a plain no -- ``no``, ``n``, ``none``, ``0``, ``false``,
    ``-``, ``n/a`` (case-insensitive, surrounding whitespace ignored). Any other text marks it:
    ``Y``, ``Yes``, ``7``, ``Sec. 7``, but also ``F``, ``NULL`` or ``No enhancement``. A false
    positive only routes a record to review (step 13), never to relief.
    """
    if text is None:
        return False
    s = text.strip().lower()
    return bool(s) and s not in _NO_ENHANCEMENT


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


# -- lexical helpers -------------------------------------------------------------------------

_SPACES = re.compile(r"\s+")

# A section number: 4, 5.1, 12-3.2, 16A-3, 31A-1.1, 5-8A-4.1, 26.5-3, 32-4a, 14B, 401.5
_SECTION = r"[0-9]+[A-Z]*(?:\.[0-9]+[A-Z]*)*(?:-[0-9]+[A-Z]*(?:\.[0-9]+[A-Z]*)*)*"
_SECTION_RE = re.compile(_SECTION, re.I)
_DASH_LETTER_RE = re.compile(r"\s*-\s*([A-Z])(?![A-Z0-9.])", re.I)

# ILCS: chapter, separator ("ILCS", "-" or a space), act (".0" tolerated), "/" or a space.
_ILCS_RE = re.compile(r"(\d{1,3})\s*(?:ILCS\s*,?\s*§?\s*|-\s*|\s+)(\d{1,5})(?:\.0+)?\s*(?:/\s*|\s+)(.+)\Z", re.I)
# Act/section inside an attempt, chapter implied: "550/4(d)", "570/402(c)".
_ACT_SECTION_RE = re.compile(r"(\d{1,5})(?:\.0+)?\s*/\s*(.+)\Z", re.I)
# Pre-1993 Illinois Revised Statutes: ch. 38 (Criminal Code), 56 1/2 (drug acts), 95 1/2 (Vehicle Code),
# optionally in the full written form "Ill. Rev. Stat. [1989,] ch. 56 1/2, par. 705(b)".
_IRS_RE = re.compile(
    r"(?:ILL\.?\s*REV\.?\s*STAT\.?\s*,?\s*(?:\(?(?:18|19)\d\d\)?\s*,?\s*)?)?(?:CH(?:APTER)?\.?\s*)?"
    r"(38|56\s*(?:\.\s*5|-?\s*1\s*/\s*2|½)|95\s*(?:\.\s*5|-?\s*1\s*/\s*2|½))"
    r"\s*,?\s*(?:PARAGRAPH|PARS?\.?|¶|-|\s)\s*(.+)\Z",
    re.I,
)
_PAR_RE = re.compile(r"(\d+(?:\.\d+)?)")
_CCA_SECTION_LETTER_RE = re.compile(r"(\d+(?:\.\d+)?)([A-Z])\Z", re.I)
_CCA_SUBSECTIONS = frozenset("abcdefg")

# Harmless subdivision groups (v2): (1)..(99), (a)..(z), (aa)..(zz), roman (i)..(xx), dashed
# (a-5), (b-10), (1-5), decimal (1.5), (7.5).
_ROMAN = "xviii|xvii|xiii|viii|xiv|xix|xvi|xii|iii|xv|xi|xx|ix|iv|vii|vi|ii|x|v|i"
_SUBDIVISION_RE = re.compile(
    rf"(?:[1-9][0-9]?|([A-Z])\1?|(?:{_ROMAN})|(?:([A-Z])\2?|[1-9][0-9]?)-[1-9][0-9]?|[1-9][0-9]?\.[0-9]{{1,2}})\Z",
    re.I)
_GROUP_SPACES_RE = re.compile(r"\s*([-.])\s*")
_COURT_CODE_RE = re.compile(r"[0-9]{7}\Z")
# A (7) group on a CCA section 4 or 5 charge is Section 7 (also "07", "7.0")
_SEVEN_GROUP_RE = re.compile(r"0*7(?:\.0*)?\Z")

# Markers: text other than subdivision groups and one court code must be made of these.
_SEPARATORS_RE = re.compile(r"(?:[\s,;:&+.\-]|(?:AND|WITH)(?![A-Z0-9])|W/)+", re.I)
_MARKER_RE = re.compile(
    r"(?:(?P<att>ATTEMPTED|ATTEMPT|ATT|(?:720\s*(?:ILCS\s*|-\s*)?5\s*/\s*)?8\s*-\s*4)"
    r"|(?P<enh>ENHANCEMENT|ENHANCED|ENH|(?:SECTION|SEC)\s*\.?\s*§?\s*7|§\s*7"
    r"|(?:(?:720\s*(?:ILCS\s*|-\s*)?)?550\s*)?/\s*7|7))"
    r"(?![A-Z0-9]|\.[0-9])",
    re.I,
)


def _normalise(text: str) -> str:
    s = text.replace("\u00a0", " ")
    s = _SPACES.sub(" ", s).strip().rstrip(".,;")
    return s.strip()


def _close(s: str, i: int) -> int:
    """``s[i]`` is "(": the index of its matching ")". Unbalanced parentheses are unreadable
    (v2: no tolerance for a missing closing parenthesis)."""
    depth = 0
    for j in range(i, len(s)):
        ch = s[j]
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0:
                return j
    raise CitationError("unbalanced parentheses")


class _Parsed:
    __slots__ = ("chapter", "act", "section", "subsection", "detail", "attempt", "enhancement", "codes", "irs")

    def __init__(self, chapter, act, section, subsection=None, detail="", attempt=False, enhancement=False,
                 codes=0, irs=False):
        self.chapter = chapter
        self.act = act
        self.section = section
        self.subsection = subsection
        self.detail = detail
        self.attempt = attempt
        self.enhancement = enhancement
        self.codes = codes
        self.irs = irs


def _markers(text: str) -> tuple[bool, bool]:
    """Text (outside subdivision groups and the court code) that must consist of attempt and
    Section 7 markers: returns (attempt, enhancement); anything else is unreadable."""
    attempt = enhancement = False
    found = False
    i, n = 0, len(text)
    while i < n:
        m = _SEPARATORS_RE.match(text, i)
        if m:
            i = m.end()
            if i >= n:
                break
        m = _MARKER_RE.match(text, i)
        if not m:
            raise CitationError("unexpected text in the citation")
        if m.group("att"):
            attempt = True
        else:
            enhancement = True
        found = True
        i = m.end()
    if not found:
        raise CitationError("unexpected text in the citation")
    return attempt, enhancement


def _scan_tail(t: str, cca45: bool) -> _Parsed:
    """Everything after the section and its subsection: subdivision groups, one 7-digit court
    code in brackets, and attempt / Section 7 markers; anything else raises. Returns a _Parsed
    with only detail, attempt, enhancement and codes set."""
    out = _Parsed(None, None, None)
    detail: list[str] = []
    marked = False
    i, n = 0, len(t)
    while i < n:
        ch = t[i]
        if ch.isspace():
            i += 1
            continue
        if ch == "(":
            j = _close(t, i)
            inner = _GROUP_SPACES_RE.sub(r"\1", t[i + 1:j].strip())
            i = j + 1
            if cca45 and _SEVEN_GROUP_RE.match(inner):
                # a (7) group on a CCA §4/§5 charge: Section 7 (where it may be a subdivision, the
                # safe reading -- review at step 13 -- is taken)
                out.enhancement = marked = True
                continue
            if inner != "8-4" and _SUBDIVISION_RE.match(inner):
                if out.codes:
                    raise CitationError("text after the court code")
                if not marked:
                    detail.append(f"({inner})")
                continue
            a, e = _markers(inner)
        elif ch == "[":
            j = t.find("]", i + 1)
            if j < 0:
                raise CitationError("unbalanced brackets")
            inner = t[i + 1:j].strip()
            i = j + 1
            if _COURT_CODE_RE.match(inner):
                out.codes += 1
                if out.codes > 1:
                    raise CitationError("more than one court code")
                continue
            a, e = _markers(inner)
        else:
            m = _SEPARATORS_RE.match(t, i)
            if m:  # punctuation between groups; a connector word must lead to a marker
                if m.group(0).strip(" ,;:.-") and not _MARKER_RE.match(t, m.end()):
                    raise CitationError("unexpected text in the citation")
                i = m.end()
                continue
            m = _MARKER_RE.match(t, i)
            if not m:
                raise CitationError("unexpected text after the section")
            a, e = bool(m.group("att")), bool(m.group("enh"))
            i = m.end()
        out.attempt |= a
        out.enhancement |= e
        marked = True
    out.detail = "".join(detail)
    return out


def _is_attempt_statute(chapter: str | None, act: str | None, section: str) -> bool:
    # 720 ILCS 5/8-4; the CCSAO split columns sometimes carry the target's chapter (625/5/8-4(...)).
    return section == "8-4" and act == "5" and chapter in ("720", "625")


def _peek_group(t: str) -> tuple[str, str] | None:
    """``t`` (after optional spaces) starts with a group: (its content, the text after it)."""
    s = t.lstrip()
    if not s.startswith("("):
        return None
    j = _close(s, 0)
    return _GROUP_SPACES_RE.sub(r"\1", s[1:j].strip()), s[j + 1:]


def _parse_rest(rest: str, chapter: str | None, act: str | None, *, in_attempt: bool) -> _Parsed:
    """Parse "section(sub)(...)" and what follows, for a known chapter/act."""
    rest = rest.strip().lstrip("§").lstrip()
    m = _SECTION_RE.match(rest)
    if not m:
        raise _FormError("no section number")
    section = m.group(0).upper()
    tail = rest[m.end():]

    if _is_attempt_statute(chapter, act, section) and not in_attempt:
        return _parse_attempt(tail, chapter, act)

    cca = chapter == CANNABIS_CHAPTER and act == CANNABIS_ACT
    subsection: str | None = None
    m = _DASH_LETTER_RE.match(tail)
    if m:  # "4-C"
        subsection = m.group(1).lower()
        tail = tail[m.end():]
    if cca:
        m = _CCA_SECTION_LETTER_RE.match(section)
        if m and subsection is None:  # "4C"
            section, subsection = m.group(1), m.group(2).lower()
        section = _cca_section(section)
    cca45 = cca and section in ("4", "5")

    if subsection is None:
        g = _peek_group(tail)
        if g is not None:
            inner, after = g
            if cca45:
                if _SEVEN_GROUP_RE.match(inner):
                    pass  # "550/5(7)": Section 7, read by _scan_tail
                elif len(inner) == 1 and inner.isalpha():
                    subsection, tail = inner.lower(), after
                elif inner != "8-4" and _SUBDIVISION_RE.match(inner):
                    raise CitationError("Sections 4 and 5 have subsections (a) to (g) only")
            elif inner != "8-4" and _SUBDIVISION_RE.match(inner):
                subsection, tail = inner.lower(), after
    if cca45 and subsection is not None and subsection not in _CCA_SUBSECTIONS:
        raise CitationError("Sections 4 and 5 have subsections (a) to (g) only")

    t = _scan_tail(tail, cca45)
    enhancement = t.enhancement or (cca and section == "7")
    return _Parsed(chapter, act, section, subsection, t.detail, t.attempt, enhancement, t.codes)


_CCA_SECTION_RE = re.compile(r"0*(\d+)(?:\.(\d+))?\Z")


#: The Cannabis Control Act's sections with a decimal part that CRTA-RULES.md names (5.1
#: trafficking, 5.2 delivery near a school, 10.1); counsel may add others the Act has. Any other
#: decimal section is read as unreadable (step 1, review), never as another section (step 5).
CCA_DECIMAL_SECTIONS = frozenset({"5.1", "5.2", "10.1"})


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
    if frac and f"{whole}.{frac}" not in CCA_DECIMAL_SECTIONS:
        # "4.1", "19.5": not a section of the Act, so a miswritten citation (review), never "another
        # section" (ineligible). A decimal section not listed here also goes to a person: safe.
        raise CitationError("the Cannabis Control Act has no such section")
    return f"{whole}.{frac}" if frac else str(whole)


def _parse_attempt(tail: str, chapter: str | None, act: str | None) -> _Parsed:
    t = tail.lstrip()
    # optional subsection of 8-4 itself, e.g. "8-4(a)(720-5/9-1(a)(1))"
    g = _peek_group(t)
    if g is not None:
        inner, after = g
        if after.lstrip().startswith("(") and inner != "8-4" and _SUBDIVISION_RE.match(inner):
            t = after.lstrip()
    if not t.startswith("("):
        raise CitationError("attempt without a target offence")
    j = _close(t, 0)
    inner, after = t[1:j].strip(), t[j + 1:]
    if not inner:
        raise CitationError("attempt without a target offence")
    target = _parse_target(inner, chapter, act)
    cca45 = target.chapter == CANNABIS_CHAPTER and target.act == CANNABIS_ACT and target.section in ("4", "5")
    rest = _scan_tail(after, cca45)
    codes = target.codes + rest.codes
    if codes > 1:
        raise CitationError("more than one court code")
    return _Parsed(target.chapter, target.act, target.section, target.subsection, target.detail, True,
                   target.enhancement or rest.enhancement, codes, target.irs)


# A bare attempt target shaped like a Cannabis Control Act section: "4(d)", "5", "4-C", "4D", "10.1",
# or an old ch. 56 1/2 paragraph of it ("704(d)").
_BARE_CCA_LIKE_RE = re.compile(
    r"\s*(?:\d{1,2}(?:\.\d)?|\d[A-G]|7[01]\d(?:\.\d)?)\s*(?:\(|-\s*[A-Z](?![A-Z0-9])|\Z)", re.I)


def _parse_target(inner: str, chapter: str | None, act: str | None) -> _Parsed:
    """The offence inside 8-4(...): a full citation, "act/section" (chapter 720), or a bare section.
    A later form is tried only when no earlier form matched its head and section number: an
    error in what follows the section (an unreadable group, say) is final."""
    try:
        return _parse_full(inner, in_attempt=True)
    except _FormError:
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
    p = _parse_irs_body(m, in_attempt=in_attempt)
    p.irs = True
    return p


def _parse_irs_body(m: re.Match, *, in_attempt: bool) -> _Parsed:
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
    raise _FormError("not a recognised citation form")


def _build(text: str, enhancement: str | None, raw: str) -> Citation:
    if text is None or not isinstance(text, str):
        raise CitationError("the citation is empty")
    if len(text) > MAX_LENGTH:
        raise CitationError("too long to be a citation")
    s = _normalise(text)
    if not s:
        raise CitationError("the citation is empty")
    p = _parse_full(s, in_attempt=False)
    column = marks_enhancement(enhancement)
    enh = p.enhancement or column
    unnamed = column and not p.enhancement and not names_section_7(enhancement)
    return Citation(p.chapter, p.act, p.section, p.subsection, p.attempt, enh, raw, p.detail, unnamed, p.irs)


@functools.lru_cache(maxsize=1 << 16)
def _parse_cached(text: str, enhancement: str | None) -> Citation | CitationError:
    try:
        return _build(text, enhancement, text)
    except CitationError as e:
        return CitationError(str(e))
    except (ValueError, TypeError, AttributeError, RecursionError):
        return CitationError("not a recognised citation form")


def parse_citation(text: str, *, enhancement: str | None = None) -> Citation:
    """Parse one citation string; ``enhancement`` is the enhancement column, if any.

    Raises :class:`CitationError`. Results (and failures) are cached on (text, enhancement).
    """
    if not isinstance(text, str):
        raise CitationError("the citation is empty")
    if len(text) > MAX_LENGTH:  # refused before the cache, so hostile input cannot fill it
        raise CitationError(f"cannot read citation {text[:80]!r}: too long to be a citation")
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
