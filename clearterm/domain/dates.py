"""Parsing of the date spellings found in source extracts.

Accepted: ISO ``YYYY-MM-DD``, ``M/D/YYYY``, ``M/D/YYYY 12:00:00 AM``,
``YYYY-MM-DD HH:MM[:SS]`` and ``DD-MON-YY``. Everything is normalised to
:class:`datetime.date`; the time of day is dropped.
"""

from __future__ import annotations

import re
from datetime import date

_MONTHS = {
    "JAN": 1, "FEB": 2, "MAR": 3, "APR": 4, "MAY": 5, "JUN": 6,
    "JUL": 7, "AUG": 8, "SEP": 9, "OCT": 10, "NOV": 11, "DEC": 12,
}

_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?\Z")
_US = re.compile(
    r"(\d{1,2})/(\d{1,2})/(\d{4})(?: \d{1,2}:\d{2}(?::\d{2})?(?: ?[AaPp][Mm])?)?\Z"
)
_DMONY = re.compile(r"(\d{1,2})-([A-Za-z]{3})-(\d{2}|\d{4})\Z")


class DateError(ValueError):
    """A date value that cannot be read.

    The message describes the problem without repeating the value, so that a
    caller can decide whether the value may be shown (a date of birth may not).
    """


def parse_date(text: str | None, *, pivot_year: int = 2030) -> date | None:
    """Return the date ``text`` spells, ``None`` for an empty value.

    Two-digit years (``DD-MON-YY``) are read as 19YY or 20YY: a year that
    would fall after ``pivot_year`` is taken as the previous century.
    Raises :class:`DateError` for anything else.
    """
    if text is None:
        return None
    s = text.strip()
    if not s:
        return None
    m = _ISO.match(s)
    if m:
        y, mo, d = int(m[1]), int(m[2]), int(m[3])
    else:
        m = _US.match(s)
        if m:
            mo, d, y = int(m[1]), int(m[2]), int(m[3])
        else:
            m = _DMONY.match(s)
            if not m:
                raise DateError("is not a recognised date format")
            d = int(m[1])
            mon = _MONTHS.get(m[2].upper())
            if mon is None:
                raise DateError("has an unknown month")
            mo = mon
            y = int(m[3])
            if len(m[3]) == 2:
                y += 2000
                if y > pivot_year:
                    y -= 100
    try:
        return date(y, mo, d)
    except ValueError:
        raise DateError("is not a valid calendar date") from None


def utc_now_iso() -> str:
    """The current time in UTC, to the second, ISO 8601: the one clock every audit entry, review,
    source and evaluation row reads (callers pass it down; the rules never read it)."""
    from datetime import datetime, timezone

    return datetime.now(timezone.utc).isoformat(timespec="seconds")
