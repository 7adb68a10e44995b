"""Reviewing cases: the checks and the one-transaction write behind every review action.

The TUI and the ``clearterm decide`` command both go through :func:`act` (or its
wrappers :func:`approve`, :func:`object_case`, :func:`exclude`, :func:`defer`,
:func:`record_service`, :func:`undo`). Each call

1. checks its arguments (no store access): the reviewer's name, the objection
   ground, the note (supporting facts) every objection needs, the reason an
   exclusion needs, the service date;
2. in one ``BEGIN IMMEDIATE`` transaction: reads the case and its state from the
   review log, refuses with :class:`ConflictError` (carrying the current state)
   if the case's version is not ``expected_version``, checks what depends on the
   state (track, undo target, a known service date, a reason to change a recorded
   service date, an objection past its deadline confirmed as late), then appends the review
   entry and its audit entry and updates the case's status and the reviewer's
   place. All of it lands, or none of it.

Errors are :class:`ReviewError` (bad request: exit 2 at the command line) or
:class:`ConflictError` (exit 3). Their messages hold case numbers, person ids,
reviewer names, statuses and dates of service, never a name, a date of birth or
an address.
"""

from __future__ import annotations

import getpass
import sqlite3
from dataclasses import dataclass
from datetime import date

from clearterm.domain.cases import case_label
from clearterm.domain.dates import DateError, parse_date
from clearterm.domain.deadlines import OBJECTION_DAYS, OBJECTION_GROUNDS, ground as objection_ground, objection_deadline
from clearterm.storage.migrations.m0005_batches import FROZEN_PREFIX
from clearterm.storage.reviews import (
    DECISION_STATUS,
    CaseRef,
    CaseState,
    ConflictError,
    NewEntry,
    Recorded,
    append_review,
    case_state,
    find_cases,
    get_case,
    replay,
)
from clearterm.storage.store import Store

__all__ = [
    "ReviewError", "CaseNotFound", "AmbiguousCase", "AmbiguousReference", "ConflictError", "Recorded",
    "GROUND_KEYS",
    "act", "approve", "object_case", "exclude", "defer", "record_service", "undo",
    "resolve_case", "default_reviewer", "check_reviewer", "parse_served", "CRTA_EFFECTIVE",
    "LateObjection", "late_by",
]

GROUND_KEYS: tuple[str, ...] = tuple(g.key for g in OBJECTION_GROUNDS)
#: Petitions under 20 ILCS 2630/5.2(i) exist from the CRTA's effective date: no earlier service.
CRTA_EFFECTIVE = date(2020, 1, 1)
MAX_NOTE = 2000
MAX_REVIEWER = 64


class ReviewError(Exception):
    """A review action that cannot be recorded as asked; nothing was written."""


class CaseNotFound(ReviewError):
    pass


class AmbiguousCase(ReviewError):
    def __init__(self, case_number: str, person_ids: list[str]):
        self.case_number = case_number
        self.person_ids = person_ids
        super().__init__(
            f"case number {case_number} has {len(person_ids)} defendants: give CASE_NUMBER/PERSON_ID, one of "
            + ", ".join(case_label(case_number, p) for p in person_ids))


class AmbiguousReference(ReviewError):
    """``CASE/PERSON`` text that names more than one case (a ``/`` inside a case number or person id)."""

    def __init__(self, text: str, cases: list):
        self.cases = cases
        super().__init__(
            f"'{text}' names {len(cases)} cases: "
            + "; ".join(f"case {c.case_number} person {c.person_id or '(none)'}" for c in cases)
            + "; give the case number alone and the person with --person PERSON_ID")


# -- argument checks ---------------------------------------------------------------------------------
def default_reviewer(explicit: str | None = None) -> str:
    """``explicit``, else the login user."""
    if explicit is not None:
        return check_reviewer(explicit)
    try:
        name = getpass.getuser()
    except Exception:  # no USER/LOGNAME and no passwd entry
        raise ReviewError("cannot tell who the reviewer is: pass --reviewer NAME") from None
    return check_reviewer(name)


def check_reviewer(name: str) -> str:
    s = (name or "").strip()
    if not s:
        raise ReviewError("the reviewer's name is empty")
    if len(s) > MAX_REVIEWER or not s.isprintable():
        raise ReviewError(f"the reviewer's name must be printable and at most {MAX_REVIEWER} characters")
    return s


def _check_text(text: str | None, what: str) -> str | None:
    if text is None:
        return None
    s = text.strip()
    if not s:
        return None
    if len(s) > MAX_NOTE:
        raise ReviewError(f"the {what} is longer than {MAX_NOTE} characters")
    if any(not (ch.isprintable() or ch in "\n\t") for ch in s):
        raise ReviewError(f"the {what} contains control characters")
    return s


def parse_served(value: str | date | None, *, today: date | None = None) -> str | None:
    """A service date as ISO text; refused when unreadable, in the future or before the CRTA."""
    if value is None or value == "":
        return None
    if isinstance(value, date):
        d = value
    else:
        try:
            d = parse_date(value)
        except DateError as exc:
            raise ReviewError(f"the service date {exc}") from None
        if d is None:
            return None
    today = today or date.today()
    if d > today:
        raise ReviewError(f"the service date {d.isoformat()} is after today ({today.isoformat()})")
    if d < CRTA_EFFECTIVE:
        raise ReviewError(f"the service date {d.isoformat()} is before the CRTA took effect "
                          f"({CRTA_EFFECTIVE.isoformat()})")
    return d.isoformat()


# -- cases -------------------------------------------------------------------------------------------
def resolve_case(conn, text: str, person: str | None = None) -> CaseRef:
    """A case from ``CASE_NUMBER``, ``CASE_NUMBER/PERSON_ID``, or ``CASE_NUMBER`` and ``person``.

    Case numbers and person ids may themselves hold ``/``, so ``A/B/C`` is tried as the case
    number ``A/B/C`` and at every ``/`` as case number and person id (``A`` and ``B/C``,
    ``A/B`` and ``C``); exactly one case must match, else the refusal lists the readings and
    asks for ``person`` (``decide --person``), which is never ambiguous.
    """
    s = (text or "").strip()
    if not s:
        raise ReviewError("no case number given")
    if person is not None:
        p = person.strip()
        found = find_cases(conn, s, p)
        if not found:
            raise CaseNotFound(f"no case {s} for person {p or '(none)'} in the store")
        return found[0]
    whole = find_cases(conn, s)
    split: list[CaseRef] = []
    for i, ch in enumerate(s):
        if ch == "/":
            number, pid = s[:i].strip(), s[i + 1:].strip()
            if number and pid:
                split += [c for c in find_cases(conn, number, pid) if c not in split and c not in whole]
    if whole and split:
        raise AmbiguousReference(s, [*whole, *split])
    if whole:
        if len(whole) > 1:
            raise AmbiguousCase(s, [c.person_id for c in whole])
        return whole[0]
    if len(split) == 1:
        return split[0]
    if split:
        raise AmbiguousReference(s, split)
    if "/" in s:
        number, pid = s.rsplit("/", 1)
        raise CaseNotFound(f"no case {number.strip()} for person {pid.strip() or '(none)'} in the store")
    raise CaseNotFound(f"no case {s} in the store (has it been ingested and evaluated?)")


# -- actions -----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Request:
    action: str
    ground: str | None
    note: str | None
    served: str | None


def _check_request(action: str, ground: str | None, note: str | None, served: str | date | None,
                   today: date | None) -> _Request:
    if action not in ("approve", "object", "exclude", "defer", "serve", "undo"):
        raise ReviewError(f"unknown action {action!r}")
    what = "reason" if action == "exclude" else "note"
    note = _check_text(note, what)
    served_iso = parse_served(served, today=today)
    if action == "object":
        if not ground:
            raise ReviewError("an objection needs a ground: one of " + ", ".join(GROUND_KEYS))
        if ground not in GROUND_KEYS:
            raise ReviewError(f"unknown objection ground {ground!r}: use one of " + ", ".join(GROUND_KEYS))
        if not note:
            what = "stating the ground" if objection_ground(ground).needs_text else "with the supporting facts"
            raise ReviewError(f"an objection on the ground {ground!r} needs a note {what} "
                              "(the court reads it; --note FACTS)")
    elif ground:
        raise ReviewError("an objection ground goes only with an objection")
    if action == "exclude" and not note:
        raise ReviewError("an exclusion needs a reason")
    if action == "serve" and not served_iso:
        raise ReviewError("recording service needs the service date")
    if action == "undo" and (note or served_iso):
        raise ReviewError("an undo takes no note or service date")
    return _Request(action, ground, note, served_iso)


class LateObjection(ReviewError):
    """An objection after its deadline that the reviewer has not confirmed as late."""

    def __init__(self, label: str, served: date, deadline: date, today: date):
        self.served, self.deadline, self.days_late = served, deadline, (today - deadline).days
        super().__init__(
            f"the objection deadline for case {label} was {deadline.isoformat()} (served {served.isoformat()} "
            f"+ {OBJECTION_DAYS} days), {self.days_late} day(s) ago: an objection now is late; "
            "confirm it as late to record it (decide --late-ok)")


def late_by(served: str | date | None, today: date) -> tuple[date, date, int] | None:
    """(service date, deadline, days late) when an objection ``today`` is past its deadline."""
    if not served:
        return None
    d = served if isinstance(served, date) else date.fromisoformat(served)
    deadline = objection_deadline(d)
    return (d, deadline, (today - deadline).days) if today > deadline else None


def _check_served(case: CaseRef, state: CaseState, req: _Request) -> None:
    """A recorded service date changes only on its own ('serve'), with a reason."""
    if not req.served or not state.service_date or req.served == state.service_date:
        return
    if req.action != "serve":
        raise ReviewError(f"case {case.label} has service date {state.service_date}: change it on its own first, "
                          f"with a reason (decide CASE --served {req.served} --note REASON)")
    if not req.note:
        raise ReviewError(f"case {case.label} has service date {state.service_date}: changing it to {req.served} "
                          "needs a reason (--note REASON)")


def _decide(case: CaseRef, state: CaseState, req: _Request, reviewer: str, today: date,
            confirm_late: bool = False) -> NewEntry:
    """Checks that depend on the case and its state; the entry to append."""
    if case.track is None:
        raise ReviewError(f"case {case.label} is not on a relief track (nothing in it is eligible); nothing to review")
    if req.action == "undo":
        top = state.top
        if top is None:
            raise ReviewError(f"case {case.label} has no review action to undo")
        if top.reviewer != reviewer:
            raise ReviewError(f"the latest action on case {case.label} ({top.action}, entry {top.id}) is "
                              f"{top.reviewer}'s, not {reviewer}'s: only its author may undo it")
        rest = replay(case.id, [e for e in state.effective if e.id != top.id])
        return NewEntry("undo", rest.status, undoes=top.id)
    if req.action == "object" and case.track != "petition":
        raise ReviewError(f"case {case.label} is on the {case.track} track: objections apply to petitions only")
    if req.served and case.track != "petition":
        raise ReviewError(f"case {case.label} is on the {case.track} track: service dates apply to petitions only")
    _check_served(case, state, req)
    late = None
    if req.action == "object":
        if not (req.served or state.service_date):
            raise ReviewError(f"case {case.label} has no service date yet: give the date the petition was served")
        late = late_by(req.served or state.service_date, today)
        if late is not None and not confirm_late:
            raise LateObjection(case.label, *late[:2], today)
    if req.action == "serve":
        if req.served == state.service_date:
            raise ReviewError(f"case {case.label} already has service date {req.served}; nothing recorded")
        return NewEntry("serve", state.status, note=req.note, served=req.served, served_before=state.service_date)
    status = DECISION_STATUS[req.action]
    d = state.decision
    if (status == state.status and d is not None and d.ground == req.ground and d.note == req.note
            and req.served in (None, state.service_date)):
        raise ReviewError(f"case {case.label} is already {status}; nothing recorded")
    return NewEntry(req.action, status, ground=req.ground, note=req.note, served=req.served,
                    late=None if late is None else (late[0].isoformat(), late[1].isoformat(), late[2]))


def act(
    store: Store,
    case_id: int,
    action: str,
    *,
    reviewer: str,
    expected_version: int,
    ground: str | None = None,
    note: str | None = None,
    served: str | date | None = None,
    today: date | None = None,
    confirm_late: bool = False,
) -> Recorded:
    """Record one review action on a case (see the module docstring). An objection past its
    deadline is refused with :class:`LateObjection` unless ``confirm_late``; then it is
    recorded as late (``late_objections``, and ``late`` in its audit entry)."""
    reviewer = check_reviewer(reviewer)
    today = today or date.today()
    req = _check_request(action, ground, note, served, today)
    with store.write() as conn:
        case = get_case(conn, case_id)
        if case is None:
            raise CaseNotFound(f"no case with id {case_id} in the store")
        state = case_state(conn, case_id)
        if state.version != expected_version:
            raise ConflictError(case, expected_version, state)
        new = _decide(case, state, req, reviewer, today, confirm_late)
        try:
            return append_review(conn, case, state, new, reviewer=reviewer, expected_version=expected_version)
        except sqlite3.IntegrityError as exc:
            if str(exc).startswith(FROZEN_PREFIX):  # the store's triggers: the case is in a signed batch
                raise ReviewError(f"case {case.label} is in a signed court batch (frozen); nothing recorded") from None
            raise


def approve(store: Store, case_id: int, *, reviewer: str, expected_version: int, note: str | None = None,
            served: str | date | None = None, today: date | None = None) -> Recorded:
    """Automatic track: include in the office's motion. Petition track: no objection."""
    return act(store, case_id, "approve", reviewer=reviewer, expected_version=expected_version, note=note,
               served=served, today=today)


def object_case(store: Store, case_id: int, *, ground: str, reviewer: str, expected_version: int,
                note: str | None = None, served: str | date | None = None, today: date | None = None,
                confirm_late: bool = False) -> Recorded:
    """Object to a petition on one of :data:`GROUND_KEYS`, with the supporting facts (``note``)."""
    return act(store, case_id, "object", reviewer=reviewer, expected_version=expected_version, ground=ground,
               note=note, served=served, today=today, confirm_late=confirm_late)


def exclude(store: Store, case_id: int, *, reason: str, reviewer: str, expected_version: int) -> Recorded:
    """Leave the case out of relief, with a reason."""
    return act(store, case_id, "exclude", reviewer=reviewer, expected_version=expected_version, note=reason)


def defer(store: Store, case_id: int, *, reviewer: str, expected_version: int, note: str | None = None,
          served: str | date | None = None, today: date | None = None) -> Recorded:
    return act(store, case_id, "defer", reviewer=reviewer, expected_version=expected_version, note=note,
               served=served, today=today)


def record_service(store: Store, case_id: int, *, served: str | date, reviewer: str, expected_version: int,
                   today: date | None = None, note: str | None = None) -> Recorded:
    """Record the date a petition was served on the office (the deadline runs from it). Changing a
    date already recorded needs a reason (``note``); the audit entry names old and new."""
    return act(store, case_id, "serve", reviewer=reviewer, expected_version=expected_version, served=served,
               today=today, note=note)


def undo(store: Store, case_id: int, *, reviewer: str, expected_version: int) -> Recorded:
    """Compensate the reviewer's own latest action on the case with a new entry."""
    return act(store, case_id, "undo", reviewer=reviewer, expected_version=expected_version)


def deadline_of(state: CaseState) -> date | None:
    return objection_deadline(date.fromisoformat(state.service_date)) if state.service_date else None
