"""The canonical charge record: one row per charge.

The same field names are the CSV headers of the canonical format
(``docs/canonical-format.md``) and the properties of
``schemas/charge-record.schema.json``.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date

#: Fields that must be present and non-empty in every canonical row
#: (``disposition`` must be present as a column but may be empty: an empty
#: disposition with no disposition date means the charge is pending).
REQUIRED_FIELDS: tuple[str, ...] = ("record_id", "case_number", "statute", "disposition")
NON_EMPTY_FIELDS: tuple[str, ...] = ("record_id", "case_number", "statute")

PERSON_FIELDS: tuple[str, ...] = (
    "person_id", "last_name", "first_name", "middle_name", "date_of_birth", "age_at_offense",
)
DATE_FIELDS: tuple[str, ...] = ("date_of_birth", "offense_date", "arrest_date", "disposition_date")
CHARGE_FIELDS: tuple[str, ...] = (
    "offense_class", "offense_description", "weight_grams", "enhancement", "sentence",
    "county", "court", "arresting_agency",
)
ADDRESS_FIELDS: tuple[str, ...] = ("address_line1", "address_line2", "city", "state", "zip")
#: The person's language for letters (migration 0015): an ISO 639-1 code, e.g. ``en``, ``es``.
LETTER_FIELDS: tuple[str, ...] = ("language",)
#: Optional fields for the equity report only (issue 18): never read by the rules, never printed
#: in court papers or letters (``clearterm report`` groups counts by them).
REPORT_FIELDS: tuple[str, ...] = ("race", "gender", "incident_city")

#: Personal data that must never appear in logs, error messages or tracebacks.
PII_FIELDS: frozenset[str] = frozenset(
    {"last_name", "first_name", "middle_name", "date_of_birth",
     "address_line1", "address_line2", "city", "zip"}
)


@dataclass(frozen=True, slots=True)
class ChargeRecord:
    """One charge, as the rules read it. Immutable; dates are :class:`date`."""

    record_id: str
    case_number: str
    statute: str
    disposition: str = ""
    person_id: str | None = None
    last_name: str | None = None
    first_name: str | None = None
    middle_name: str | None = None
    date_of_birth: date | None = None
    age_at_offense: int | None = None
    offense_date: date | None = None
    arrest_date: date | None = None
    disposition_date: date | None = None
    offense_class: str | None = None
    offense_description: str | None = None
    weight_grams: float | None = None
    enhancement: str | None = None
    sentence: str | None = None
    county: str | None = None
    court: str | None = None
    arresting_agency: str | None = None
    address_line1: str | None = None
    address_line2: str | None = None
    city: str | None = None
    state: str | None = None
    zip: str | None = None
    language: str | None = None
    race: str | None = None
    gender: str | None = None
    incident_city: str | None = None

    @property
    def case_key(self) -> tuple[str, str]:
        """(person, case number): the unit the case-level rules and the review queue work on."""
        return (self.person_id or "", self.case_number)

    def __repr__(self) -> str:  # never leak personal data through a repr in a traceback
        return f"ChargeRecord(record_id={self.record_id!r}, case_number={self.case_number!r})"


CANONICAL_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(ChargeRecord))
