"""Cases that need research: what a case lacks before it can be filed (issue 16).

A case can be filed only when its papers can be complete: the person's name (last and first),
date of birth, the disposition date of every charge the papers ask relief for, an address for
the letter, and a case number in the Clerk's form. A case that lacks any of these is in state
*needs research*, with the list of what is missing (:func:`missing_items`), for the Clerk or
the State Police to supply. Pure functions: the store gathers the facts, this decides.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

__all__ = ["MISSING_ITEMS", "MISSING_LABELS", "CaseFacts", "clerk_case_number", "missing_items",
           "describe_missing"]

#: What a case can lack, in the order a research list names them.
MISSING_ITEMS: tuple[str, ...] = ("name", "date_of_birth", "disposition_date", "address", "case_number")

#: How each item reads in a message or a research list.
MISSING_LABELS: dict[str, str] = {
    "name": "the person's name (last and first)",
    "date_of_birth": "date of birth",
    "disposition_date": "disposition date of a charge for relief",
    "address": "a mailing address for the letter (street, city, state, ZIP)",
    "case_number": "a case number in the Clerk's form (e.g. 12CR0456701, 2008MC1234567)",
}

# The Clerk of the Circuit Court of Cook County numbers a case by year (2 or 4 digits), a
# division code of letters (CR felony, MC misdemeanour, C, CF, TR, ...) and a sequence number,
# sometimes written with spaces or hyphens between them: 12CR0456701, 2008MC1234567,
# 19-CR-12345. The CCSAO open data's ``case_id`` (129568602572: twelve digits, no division) is
# the office's internal key, not the Clerk's number: such a case needs research.
_CLERK = re.compile(r"(?:\d{2}|\d{4})[ -]?[A-Z]{1,4}[ -]?\d{1,10}(?:-?\d{1,3})?")


def clerk_case_number(case_number: str | None) -> bool:
    """Whether ``case_number`` is written in the Clerk's form (year, division letters, number)."""
    return bool(case_number) and _CLERK.fullmatch(case_number.strip().upper()) is not None


@dataclass(frozen=True, slots=True)
class CaseFacts:
    """What the store knows of one case, as the research check reads it."""

    case_number: str
    has_name: bool
    has_date_of_birth: bool
    relief_without_disposition_date: bool
    has_address: bool


def missing_items(facts: CaseFacts) -> tuple[str, ...]:
    """The items of :data:`MISSING_ITEMS` the case lacks (empty: it can be filed)."""
    lacks = {
        "name": not facts.has_name,
        "date_of_birth": not facts.has_date_of_birth,
        "disposition_date": facts.relief_without_disposition_date,
        "address": not facts.has_address,
        "case_number": not clerk_case_number(facts.case_number),
    }
    return tuple(k for k in MISSING_ITEMS if lacks[k])


def person_facts(case_number: str, last_name: str, first_name: str, date_of_birth: date | None,
                 has_address: bool, disposition_dates: tuple[date | None, ...]) -> CaseFacts:
    """The facts of a case as its papers would print them (the documents' person and charges)."""
    return CaseFacts(case_number=case_number,
                     has_name=bool((last_name or "").strip() and (first_name or "").strip()),
                     has_date_of_birth=date_of_birth is not None,
                     relief_without_disposition_date=any(d is None for d in disposition_dates),
                     has_address=has_address)


def describe_missing(items: tuple[str, ...] | list[str]) -> str:
    """``items`` as one line for a message: 'date of birth; a mailing address ...'."""
    return "; ".join(MISSING_LABELS.get(i, i) for i in items)
