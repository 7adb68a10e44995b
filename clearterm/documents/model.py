"""Input model of the documents layer: plain, frozen, picklable dataclasses.

The store layer builds these from reviewed cases; nothing here touches a
database. Everything a document prints comes from these objects and the text
templates, so the same objects always give the same documents.

Collections are tuples (immutable, hashable, deterministic order). The
constructors accept lists too and turn them into tuples.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timezone

TRACKS = ("automatic", "petition")
#: office.toml ``certificate_of_service``: "blank" (a line the filer completes when serving) or
#: "signing" (the office serves on the day it signs: the signing date is printed)
SERVICE_DATE_CHOICES = ("blank", "signing")
OUTCOMES = ("approved", "objected")


def _tuple(obj, name: str) -> None:
    value = getattr(obj, name)
    if not isinstance(value, tuple):
        object.__setattr__(obj, name, tuple(value))


@dataclass(frozen=True, slots=True)
class Person:
    person_id: str
    last_name: str
    first_name: str
    middle_name: str = ""
    date_of_birth: date | None = None
    address_line1: str = ""
    address_line2: str = ""
    city: str = ""
    state: str = ""
    zip: str = ""
    #: ISO 639-1 code of the person's language for letters ("" when unknown: every language)
    language: str = ""

    @property
    def full_name(self) -> str:
        """First Middle Last, as a letter addresses the person."""
        return " ".join(p for p in (self.first_name, self.middle_name, self.last_name) if p)

    @property
    def sort_name(self) -> str:
        """Last, First Middle, as a schedule lists the person."""
        rest = " ".join(p for p in (self.first_name, self.middle_name) if p)
        return f"{self.last_name}, {rest}" if rest else self.last_name

    @property
    def address_lines(self) -> tuple[str, ...]:
        city_line = self.city
        if self.state:
            city_line = f"{city_line}, {self.state}" if city_line else self.state
        if self.zip:
            city_line = f"{city_line} {self.zip}" if city_line else self.zip
        return tuple(x for x in (self.address_line1, self.address_line2, city_line) if x)

    @property
    def has_mailing_address(self) -> bool:
        return bool(self.address_line1 and self.city and self.state and self.zip)

    def __repr__(self) -> str:  # never leak personal data through a repr
        return f"Person(person_id={self.person_id!r})"


@dataclass(frozen=True, slots=True)
class Charge:
    record_id: str
    statute_cite: str
    offense_class: str = ""
    offense_description: str = ""
    disposition: str = ""
    disposition_date: date | None = None
    arrest_date: date | None = None
    arresting_agency: str = ""
    category: str = ""
    reasons: tuple[str, ...] = ()
    #: the citation as the record has it and the offense date: the letters' plain words
    #: (clearterm.domain.charge_words) read them; "" / None when not known
    statute: str = ""
    offense_date: date | None = None

    def __post_init__(self) -> None:
        _tuple(self, "reasons")

    def __repr__(self) -> str:
        return f"Charge(record_id={self.record_id!r})"


@dataclass(frozen=True, slots=True)
class Case:
    """One reviewed case (one person, one case number) in a batch.

    ``outcome`` is the review decision: ``"approved"`` means the State moves
    to vacate and expunge (automatic track) or does not object to the
    person's own motion (petition track); ``"objected"`` (petition track
    only) means the State files an objection on ``objection_ground``.
    """

    case_number: str
    person: Person
    charges: tuple[Charge, ...]
    track: str = "automatic"
    outcome: str = "approved"
    objection_ground: str = ""
    objection_ground_label: str = ""
    objection_facts: str = ""
    service_date: date | None = None
    parties_served: tuple[str, ...] = ()
    reviewers: tuple[str, ...] = ()
    #: the court's ruling on the case, for the letters after it (issue 16): its date and the
    #: order number the Clerk gave (empty when none)
    ruling_date: date | None = None
    order_number: str = ""

    def __post_init__(self) -> None:
        _tuple(self, "charges")
        _tuple(self, "parties_served")
        _tuple(self, "reviewers")

    @property
    def person_id(self) -> str:
        return self.person.person_id

    @property
    def kind(self) -> str:
        """Which filing the case gets: ``automatic``, ``no-objection`` or ``objection``."""
        if self.track == "automatic":
            return "automatic"
        return "objection" if self.outcome == "objected" else "no-objection"

    def __repr__(self) -> str:
        return f"Case(case_number={self.case_number!r}, person_id={self.person.person_id!r})"


@dataclass(frozen=True, slots=True)
class Office:
    """The filing office, printed in signature blocks, letterheads and letters."""

    name: str = "Cook County State's Attorney's Office"
    state_attorney_title: str = "State's Attorney of Cook County"
    state_attorney_name: str = ""
    unit: str = ""
    address_line1: str = "69 West Washington Street, Suite 3200"
    address_line2: str = ""
    city: str = "Chicago"
    state: str = "Illinois"
    zip: str = "60602"
    phone: str = ""
    email: str = ""
    attorney_code: str = ""
    certificate_of_service: str = "blank"

    @property
    def address_lines(self) -> tuple[str, ...]:
        return tuple(x for x in (self.address_line1, self.address_line2,
                                 f"{self.city}, {self.state} {self.zip}".strip(", ")) if x)


@dataclass(frozen=True, slots=True)
class Batch:
    batch_id: str
    track: str
    created_at: datetime
    cases: tuple[Case, ...]
    signer_name: str
    signer_title: str = "Assistant State's Attorney"
    office: Office = field(default_factory=Office)
    audit_head_hash: str = ""
    audit_head_seq: int = 0

    def __post_init__(self) -> None:
        _tuple(self, "cases")
        if self.created_at.tzinfo is None:
            object.__setattr__(self, "created_at", self.created_at.replace(tzinfo=timezone.utc))

    @property
    def reviewers(self) -> tuple[str, ...]:
        return tuple(sorted({r for c in self.cases for r in c.reviewers}))

    def cases_of_kind(self, kind: str) -> tuple[Case, ...]:
        return tuple(c for c in self.cases if c.kind == kind)

    def __repr__(self) -> str:
        return f"Batch(batch_id={self.batch_id!r}, cases={len(self.cases)})"


class BatchError(ValueError):
    """The batch cannot be turned into documents (the message names the case, never a person)."""


def validate_batch(batch: Batch) -> None:
    """Raise :class:`BatchError` if the batch is not fit for filing."""
    if not batch.batch_id or not batch.signer_name:
        raise BatchError("batch needs a batch_id and a signer_name")
    if batch.track not in TRACKS:
        raise BatchError(f"unknown batch track {batch.track!r}")
    if not batch.cases:
        raise BatchError(f"batch {batch.batch_id} has no cases")
    seen: set[tuple[str, str]] = set()
    for case in batch.cases:
        key = (case.case_number, case.person.person_id)
        where = f"case {case.case_number} (person {case.person.person_id})"
        if key in seen:
            raise BatchError(f"{where} appears twice in batch {batch.batch_id}")
        seen.add(key)
        if not case.case_number or not case.person.person_id:
            raise BatchError("every case needs a case_number and a person_id")
        if case.track not in TRACKS:
            raise BatchError(f"{where}: unknown track {case.track!r}")
        if case.outcome not in OUTCOMES:
            raise BatchError(f"{where}: unknown outcome {case.outcome!r}")
        if case.track == "automatic" and case.outcome != "approved":
            raise BatchError(f"{where}: an automatic-track case can only be approved")
        if case.outcome == "objected" and not (case.objection_ground_label and case.objection_facts):
            raise BatchError(f"{where}: an objection needs a ground label and supporting facts")
        if not case.charges:
            raise BatchError(f"{where} has no charges")


#: The office block's keys every signed court paper prints (Ill. S. Ct. Rule 131(d)), as they read.
OFFICE_REQUIRED: tuple[tuple[str, str], ...] = (("phone", "phone"), ("email", "e-mail"),
                                                ("attorney_code", "attorney code"))


def validate_filing(batch: Batch) -> None:
    """:func:`validate_batch`, and what a batch of court papers needs besides (the store checks it
    first; this keeps the documents layer safe when called on its own): an office block with a
    phone, an e-mail and an attorney code, and a name for every person (a caption never reads
    "People v. ,"). One :class:`BatchError` naming what to fill in (case numbers and person ids,
    never a person's data)."""
    validate_batch(batch)
    problems = []
    empty = [label for key, label in OFFICE_REQUIRED if not getattr(batch.office, key, "").strip()]
    if empty:
        problems.append(f"the office block has no {', no '.join(empty)} (office.toml; the signature blocks "
                        f"print them under Ill. S. Ct. Rule 131(d))")
    nameless = [f"{c.case_number} (person {c.person.person_id})" for c in batch.cases
                if not (c.person.first_name.strip() or c.person.last_name.strip())]
    if nameless:
        more = f" and {len(nameless) - 12} more" if len(nameless) > 12 else ""
        problems.append(f"no name on file for {', '.join(nameless[:12])}{more}")
    if problems:
        raise BatchError(f"batch {batch.batch_id} cannot be made into court papers: " + "; ".join(problems))
