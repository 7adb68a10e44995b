"""Reading the county of a charge, rules v2 steps 3 / 3a (CRTA-RULES.md, "Reading the county (v2)").

Only the State's Attorney of the county of conviction can move to vacate, so the county text is
read exactly, and a doubt is never read in the office's favour:

- :func:`normalise_county` ignores case, punctuation and spacing and drops the noise words
  ("County", "Co.", "Cty", "of", "the", "Circuit", "Court", "Municipal", "District", "Department",
  "Division", "IL", "Ill", "Illinois", the ordinals 1st..6th / first..sixth and bare numbers); the
  remaining words are run together, so "Du Page", "DuPage" and "DU PAGE CO." all read "dupage".
- :func:`read_county` then says: nothing left or a placeholder ("N/A", "none", "unknown", "unk",
  "-", "?") is NOT_GIVEN (step 3 does not apply); exactly the office's county is OFFICE; exactly
  another of the 102 Illinois counties is OTHER (step 3, ``OUT_OF_COUNTY``); anything else
  ("Not Cook", "Cook, DuPage", "Lake - Cook warrant", "Marion County, Indiana") is UNCLEAR
  (step 3a, ``COUNTY_UNCLEAR``, review).

The counties are data (``illinois_counties.toml``, read once at import; counsel may edit it).
Pure: no I/O beyond that one read. Results are cached per spelling in bounded dictionaries,
since real extracts repeat a few spellings millions of times.
"""

from __future__ import annotations

import enum
import re
import tomllib
import unicodedata
from importlib import resources

__all__ = [
    "CountyReading", "normalise_county", "read_county", "is_illinois_county",
    "official_county_name", "describe_county", "ILLINOIS_COUNTIES", "COUNTIES_SOURCE",
    "NOISE_WORDS", "PLACEHOLDERS",
]


class CountyReading(enum.Enum):
    """What a county text says, against the office's county."""
    NOT_GIVEN = "not_given"   # empty or a placeholder: step 3 does not apply
    OFFICE = "office"         # exactly the office's county: step 3 does not apply
    OTHER = "other"           # exactly another Illinois county: step 3, OUT_OF_COUNTY
    UNCLEAR = "unclear"       # anything else: step 3a, COUNTY_UNCLEAR (review)


#: Words dropped before the county text is compared (the spec's list).
NOISE_WORDS = frozenset({
    "county", "co", "cty", "of", "the", "circuit", "court", "municipal", "district", "department",
    "division", "il", "ill", "illinois",
    "1st", "2nd", "3rd", "4th", "5th", "6th", "first", "second", "third", "fourth", "fifth", "sixth",
})
#: Placeholders meaning "not given", in normalised form ("N/A" -> "na"; "-" and "?" leave nothing).
PLACEHOLDERS = frozenset({"na", "none", "unknown", "unk"})

_ASCII_SEP = re.compile(r"[^0-9a-z]+")
_CACHE_MAX = 10_000      # distinct spellings kept per cache before it is emptied and refilled
_CACHE_TEXT_MAX = 200    # longer texts are read every time, never cached (bounded memory)
_QUOTE_MAX = 60


def _words(raw: str) -> list[str]:
    """The words of ``raw``: lower case, split at anything that is not a letter, digit or mark.

    Non-ASCII text is NFKC-normalised first (full-width "ＣＯＯＫ" is "cook"); a non-ASCII
    letter or combining mark stays inside its word, so "Coók" or "Wi\u0307ll" never read as
    Cook or Will (they are no county: UNCLEAR)."""
    if raw.isascii():
        return _ASCII_SEP.sub(" ", raw.lower()).split()
    text = unicodedata.normalize("NFKC", raw).lower()
    chars = []
    for ch in text:
        if ch == "_" or not (ch.isalnum() or unicodedata.category(ch)[0] == "M"):
            chars.append(" ")
        else:
            chars.append(ch)
    return "".join(chars).split()


def _is_noise(word: str) -> bool:
    return word in NOISE_WORDS or (word.isascii() and word.isdigit())


def _key_words(raw: str) -> list[str]:
    return [w for w in _words(raw) if not _is_noise(w)]


_NORMALISED: dict[str, str] = {}


def normalise_county(raw: str | None) -> str:
    """The comparable form of a county text: case, punctuation and spacing ignored, the noise
    words, ordinals (1st..6th, first..sixth) and bare numbers dropped, the remaining words run
    together. "COOK CO.", "County of Cook", "Cook County Circuit Court - 1st District" -> "cook";
    "Du Page" -> "dupage"; "Not Cook" -> "notcook"; "" or "County" -> ""."""
    if not raw:
        return ""
    key = _NORMALISED.get(raw)
    if key is None:
        key = "".join(_key_words(raw))
        if len(raw) <= _CACHE_TEXT_MAX:
            if len(_NORMALISED) >= _CACHE_MAX:
                _NORMALISED.clear()
            _NORMALISED[raw] = key
    return key


# -- the 102 counties (data) -----------------------------------------------------------------

def _parse_counties(text: str) -> tuple[str, tuple[str, ...], dict[str, str]]:
    """(source, official names in file order, normalised name or alias -> official name).

    Refuses (ValueError) a list whose names or aliases do not each read as a distinct county."""
    data = tomllib.loads(text)
    source = data.get("source")
    if not isinstance(source, str) or not source.strip():
        raise ValueError("illinois_counties.toml: 'source' must be a non-empty text")
    names: list[str] = []
    by_key: dict[str, str] = {}
    for i, entry in enumerate(data.get("county", []), start=1):
        name = entry.get("name") if isinstance(entry, dict) else None
        if not isinstance(name, str) or not name.strip():
            raise ValueError(f"illinois_counties.toml: county entry {i} has no name")
        aliases = entry.get("aliases", [])
        if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
            raise ValueError(f"illinois_counties.toml: aliases of {name!r} must be a list of texts")
        for spelling in (name, *aliases):
            key = normalise_county(spelling)
            if not key or key in PLACEHOLDERS:
                raise ValueError(f"illinois_counties.toml: {spelling!r} does not read as a county name")
            if key in by_key:
                raise ValueError(f"illinois_counties.toml: {spelling!r} reads the same as {by_key[key]!r}")
            by_key[key] = name
        names.append(name)
    if not names:
        raise ValueError("illinois_counties.toml: no [[county]] entries")
    return source.strip(), tuple(names), by_key


def _load_counties() -> tuple[str, tuple[str, ...], dict[str, str]]:
    text = resources.files("clearterm.domain").joinpath("illinois_counties.toml").read_text("utf-8")
    return _parse_counties(text)


COUNTIES_SOURCE, ILLINOIS_COUNTIES, _BY_KEY = _load_counties()


def official_county_name(raw: str | None) -> str | None:
    """The official name of the Illinois county ``raw`` is exactly ("st clair co" -> "St. Clair"),
    else None (not given, or not exactly one county)."""
    return _BY_KEY.get(normalise_county(raw))


def is_illinois_county(name: str | None) -> bool:
    """Is ``name`` exactly one of the 102 Illinois counties (spelling variants as for reading)?
    For the policy guard: the office's county must be one."""
    return official_county_name(name) is not None


# -- reading ----------------------------------------------------------------------------------

_READ: dict[str, dict[str, CountyReading]] = {}   # office text -> raw text -> reading
_OFFICE_NAME: dict[str, str] = {}                 # office text -> official name


def _office(office: str) -> str:
    name = _OFFICE_NAME.get(office)
    if name is None:
        name = official_county_name(office)
        if name is None:
            raise ValueError(f"office county {_quote(office)!r} is not an Illinois county")
        if len(_OFFICE_NAME) >= 64:
            _OFFICE_NAME.clear()
            _READ.clear()
        _OFFICE_NAME[office] = name
    return name


def _read(raw: str, office_name: str) -> CountyReading:
    key = normalise_county(raw)
    if not key or key in PLACEHOLDERS:
        return CountyReading.NOT_GIVEN
    name = _BY_KEY.get(key)
    if name is None:
        return CountyReading.UNCLEAR
    return CountyReading.OFFICE if name == office_name else CountyReading.OTHER


def read_county(raw: str | None, office: str) -> CountyReading:
    """Read the county text ``raw`` of a charge against ``office``, the office's county (the
    policy's ``office_county``, e.g. "Cook"; normalised the same way). See the module docstring.

    Raises ValueError if ``office`` is not an Illinois county (the policy refuses one first)."""
    cache = _READ.get(office)
    if cache is None:
        _office(office)
        cache = _READ.setdefault(office, {})
    if raw is None:
        return CountyReading.NOT_GIVEN
    reading = cache.get(raw)
    if reading is None:
        reading = _read(raw, _office(office))
        if len(raw) <= _CACHE_TEXT_MAX:
            if len(cache) >= _CACHE_MAX:
                cache.clear()
            cache[raw] = reading
    return reading


# -- explanation ------------------------------------------------------------------------------

def _quote(raw: str | None) -> str:
    """``raw`` fit to quote on one line: control and format characters (C0, C1, zero-width,
    bidi overrides, ...) removed, whitespace collapsed, cut to 60 characters."""
    if not raw:
        return ""
    out = []
    for ch in raw:
        if ch.isspace():
            out.append(" ")
        elif unicodedata.category(ch)[0] != "C":
            out.append(ch)
    text = " ".join("".join(out).split())
    if len(text) > _QUOTE_MAX:
        text = text[:_QUOTE_MAX - 3].rstrip() + "..."
    return text


def _names_office_with_more(raw: str, office_key: str) -> bool:
    """Does ``raw`` name the office's county among other words (a run of up to 3 words)?"""
    words = _key_words(raw)
    n = len(words)
    return any("".join(words[i:j]) == office_key
               for i in range(n) for j in range(i + 1, min(i + 3, n) + 1))


def describe_county(raw: str | None, office: str) -> str:
    """One plain-English line on how the county text was read, for an explanation, e.g.
    ``County "Not Cook" is not exactly the name of an Illinois county (it names Cook with other
    words)``, ``County "DuPage" is another Illinois county (DuPage), not the office's (Cook)``,
    ``County not given ("N/A")``. The text is quoted without control characters, cut to 60."""
    office_name = _office(office)
    reading = read_county(raw, office)
    q = _quote(raw)
    shown = f'"{q}"'
    if raw and any(unicodedata.category(ch)[0] == "C" and not ch.isspace() for ch in raw):
        shown += " (control characters removed)"
    if reading is CountyReading.NOT_GIVEN:
        return f"County not given ({shown})" if q else "County not given"
    if reading is CountyReading.OFFICE:
        return f"County {shown} is the office's county ({office_name})"
    if reading is CountyReading.OTHER:
        return (f"County {shown} is another Illinois county ({official_county_name(raw)}), "
                f"not the office's ({office_name})")
    line = f"County {shown} is not exactly the name of an Illinois county"
    if raw and _names_office_with_more(raw, normalise_county(office_name)):
        line += f" (it names {office_name} with other words)"
    return line
