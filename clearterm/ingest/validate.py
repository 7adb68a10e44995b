"""Validation of one mapped row: types, dates, plausibility.

A row that fails is quarantined with the field and a plain message; values of
personal fields (names, date of birth, address) are never repeated in messages.
"""

from __future__ import annotations

import math
import re
from datetime import date

from clearterm.domain.dates import DateError, parse_date
from clearterm.domain.record import NON_EMPTY_FIELDS, PII_FIELDS
from clearterm.ingest.adapters import COL, COLUMNS, RowProblem
from clearterm.ingest.readers import MAX_FIELD_CHARS

EARLIEST = "1900-01-01"
_DATE_POS = tuple(COL[c] for c in ("date_of_birth", "offense_date", "arrest_date", "disposition_date"))
_REQ_POS = tuple(COL[c] for c in NON_EMPTY_FIELDS)
_WEIGHT = COL["weight_grams"]
_AGE = COL["age_at_offense"]
_DISPOSITION = COL["disposition"]
_LANGUAGE = COL["language"]

#: Spellings of a language accepted in the ``language`` column, and the code stored for each.
LANGUAGE_NAMES = {"english": "en", "eng": "en", "ingles": "en", "inglés": "en",
                  "spanish": "es", "spa": "es", "espanol": "es", "español": "es", "castellano": "es"}
_LANGUAGE_CODE = re.compile(r"[a-z]{2}(?:[-_][a-z0-9]{2,8})?\Z")


def language_code(value: str) -> str | None:
    """``value`` as an ISO 639-1 code (``English`` -> ``en``, ``es-MX`` -> ``es``, ``Polish`` ->
    ``pl``), or None (stored as unknown) for anything else: ``Unknown``, ``N/A``, ``Other`` or a
    word clearterm does not know. The column only picks the letters' language, and a person whose
    language is unknown gets every language's letter, so a value never quarantines the row (the
    charge must still be evaluated)."""
    v = " ".join(value.strip().casefold().split())
    if v in LANGUAGE_NAMES:
        return LANGUAGE_NAMES[v]
    if v in _LANGUAGE_UNKNOWN:
        return None
    if v in _OTHER_LANGUAGE_NAMES:
        return _OTHER_LANGUAGE_NAMES[v]
    if _LANGUAGE_CODE.match(v):
        return v[:2]
    return None


#: Placeholders an extract uses for "not known" (``na`` would otherwise read as a code).
_LANGUAGE_UNKNOWN = frozenset({"", "na", "n/a", "n.a.", "none", "unknown", "unk", "other", "otro", "otra",
                               "desconocido", "-", "--", "?", "null", "nil", "not given", "not known"})
#: Other languages' English names common in Cook County records, and their ISO 639-1 codes
#: (stored so the office can see them; the letters go in every language clearterm has for them).
_OTHER_LANGUAGE_NAMES = {
    "polish": "pl", "chinese": "zh", "mandarin": "zh", "cantonese": "zh", "tagalog": "tl", "filipino": "tl",
    "arabic": "ar", "korean": "ko", "russian": "ru", "ukrainian": "uk", "vietnamese": "vi", "hindi": "hi",
    "urdu": "ur", "gujarati": "gu", "french": "fr", "italian": "it", "german": "de", "greek": "el",
    "portuguese": "pt", "japanese": "ja", "haitian creole": "ht", "somali": "so", "amharic": "am",
    "serbian": "sr", "bosnian": "bs", "croatian": "hr", "romanian": "ro", "lithuanian": "lt", "persian": "fa",
    "farsi": "fa", "turkish": "tr", "hebrew": "he", "swahili": "sw", "yoruba": "yo", "nepali": "ne",
    "bengali": "bn", "punjabi": "pa", "thai": "th", "burmese": "my", "albanian": "sq", "bulgarian": "bg",
}


def value_shape(value: str) -> str:
    """A value's shape without its content: letters as A/a, digits as 9 ('Ann 1961-04-02' -> 'Aaa 9999-99-99')."""
    return "".join("9" if ch.isdigit() else ("A" if ch.isupper() else "a") if ch.isalpha() else ch for ch in value)


# What a date value may be spelled with: digits, separators, a month abbreviation, AM/PM.
_DATE_LIKE = re.compile(r"[0-9 /:.,-]*(?:(?:JAN|FEB|MAR|APR|MAY|JUN|JUL|AUG|SEP|OCT|NOV|DEC)[0-9 /:.,-]*)?"
                        r"(?:[AP]M)?\Z", re.IGNORECASE)


def describe(value: str) -> str:
    """A value by its shape only, never its content: "a date-like value shaped 99/99/9999", "a 3-digit
    number", "a 13-character text". A file whose columns are shifted puts names, dates of birth
    and addresses into any field, so no quarantine message ever shows a value itself."""
    v = value.strip()
    if not v:
        return "an empty value"
    if v.isdigit():
        return f"{_a(len(v))} {len(v):,}-digit number"
    if len(v) <= 24 and any(ch.isdigit() for ch in v):
        try:
            float(v)
            return f"a number shaped {value_shape(v)}"
        except ValueError:
            pass
        if _DATE_LIKE.match(v):
            return f"a date-like value shaped {value_shape(v)}"
    return f"{_a(len(v))} {len(v):,}-character text"


def _a(n: int) -> str:
    """The article before a spoken number: 'an 8-digit', 'an 11-character', 'a 12-character'."""
    return "an" if str(n).startswith("8") or n in (11, 18) or 11_000 <= n < 12_000 or 18_000 <= n < 19_000 else "a"


def _show(field: str, value: str) -> str:
    """How a bad value appears in a quarantine message: the field, and for a field that is not
    personal, the value's shape (:func:`describe`)."""
    if field in PII_FIELDS:
        return field
    return f"{field} ({describe(value)})"


_DATE_CACHE: dict[str, str | DateError] = {}


def _iso(field: str, s: str, today_iso: str) -> str:
    """ISO form of a date value; real extracts repeat the same few thousand days, so memoize."""
    iso = _DATE_CACHE.get(s)
    if iso is None:
        try:
            iso = _to_iso(s)
        except DateError as exc:
            iso = exc
        if len(_DATE_CACHE) > 200_000:
            _DATE_CACHE.clear()
        _DATE_CACHE[s] = iso
    if isinstance(iso, DateError):
        raise RowProblem(field, f"{_show(field, s)} {iso}")
    if iso > today_iso:
        raise RowProblem(field, f"{_show(field, s)} is in the future")
    if iso < EARLIEST:
        raise RowProblem(field, f"{_show(field, s)} is before 1900")
    return iso


def _to_iso(s: str) -> str:
    if len(s) == 10 and s[4] == "-" and s[7] == "-":
        try:
            date.fromisoformat(s)
        except ValueError:
            raise DateError("is not a valid calendar date") from None
        return s
    return parse_date(s).isoformat()  # type: ignore[union-attr]


def validate(values: list[str | None], today_iso: str) -> list:
    """Return typed values (aligned with COLUMNS) or raise :class:`RowProblem`."""
    if sum(map(len, filter(None, values))) > MAX_FIELD_CHARS:
        for i, v in enumerate(values):
            if v is not None and len(v) > MAX_FIELD_CHARS:
                raise RowProblem(COLUMNS[i], f"{COLUMNS[i]} is {len(v):,} characters long (limit {MAX_FIELD_CHARS:,})")
    out: list = [(v.strip() or None) if v else None for v in values]
    for i in _REQ_POS:
        if not out[i]:
            raise RowProblem(COLUMNS[i], f"{COLUMNS[i]} is empty (required)")
    if out[_DISPOSITION] is None:
        out[_DISPOSITION] = ""
    for i in _DATE_POS:
        if out[i]:
            out[i] = _iso(COLUMNS[i], out[i], today_iso)
    w = out[_WEIGHT]
    if w is not None:
        try:
            g = float(w.replace(",", ""))
        except ValueError:
            raise RowProblem("weight_grams", f"{_show('weight_grams', w)} is not a number") from None
        if not math.isfinite(g) or g < 0:
            raise RowProblem("weight_grams", f"{_show('weight_grams', w)} is not a weight in grams")
        out[_WEIGHT] = g
    a = out[_AGE]
    if a is not None:
        try:
            age = int(float(a)) if a.replace(".", "", 1).isdigit() else int(a)
        except OverflowError:  # 309 digits and more: float() gives infinity
            raise RowProblem("age_at_offense", f"{_show('age_at_offense', a)} is outside 0-120") from None
        except ValueError:
            raise RowProblem("age_at_offense", f"{_show('age_at_offense', a)} is not a whole number") from None
        if not 0 <= age <= 120:
            raise RowProblem("age_at_offense", f"{_show('age_at_offense', a)} is outside 0-120")
        out[_AGE] = age
    if out[_LANGUAGE] is not None:
        out[_LANGUAGE] = language_code(out[_LANGUAGE])
    return out
