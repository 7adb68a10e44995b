"""Validation of one mapped row: types, dates, plausibility.

A row that fails is quarantined with the field and a plain message; values of
personal fields (names, date of birth, address) are never repeated in messages.
"""

from __future__ import annotations

import math
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


def _show(field: str, value: str) -> str:
    if field in PII_FIELDS:
        return field
    shown = value if len(value) <= 40 else value[:37] + "..."
    return f"{field} {shown!r}" if shown != value.strip() or " " in shown else f"{field} {shown}"


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
            raise RowProblem("weight_grams", f"weight_grams {w!r} is not a number") from None
        if not math.isfinite(g) or g < 0:
            raise RowProblem("weight_grams", f"weight_grams {w!r} is not a weight in grams")
        out[_WEIGHT] = g
    a = out[_AGE]
    if a is not None:
        try:
            age = int(float(a)) if a.replace(".", "", 1).isdigit() else int(a)
        except ValueError:
            raise RowProblem("age_at_offense", f"age_at_offense {a!r} is not a whole number") from None
        if not 0 <= age <= 120:
            raise RowProblem("age_at_offense", f"age_at_offense {a!r} is outside 0-120")
        out[_AGE] = age
    return out
