"""Notes on cases and giving cases to reviewers (issue 15): the checks and the one-transaction writes.

* :func:`add_note`: a note on a case without a decision (``N`` in the workstation). It changes
  neither the case's status nor its version, so it never conflicts with a decision, and it is
  allowed on a case of a signed batch (it changes nothing the signed papers say).
* :func:`assign`: give undecided cases nobody holds to a reviewer (``clearterm assign``, admin).

Errors are :class:`~clearterm.services.review.ReviewError` (one line, no personal data).
"""

from __future__ import annotations

from dataclasses import dataclass

from clearterm.services.access import require_role
from clearterm.services.review import ReviewError, _check_text, check_reviewer
from clearterm.storage import casework
from clearterm.storage.reviews import TRACKS, get_case
from clearterm.storage.store import Store

__all__ = ["add_note", "assign", "Assigned"]


def add_note(store: Store, case_id: int, note: str | None, *, reviewer: str) -> casework.CaseNote:
    """Append a note (and its audit entry) to the case."""
    reviewer = check_reviewer(reviewer)
    text = _check_text(note, "note")
    if text is None:
        raise ReviewError("the note is empty; nothing recorded")
    with store.write() as conn:
        case = get_case(conn, case_id)
        if case is None:
            raise ReviewError(f"case id {case_id} is not in the store")
        return casework.add_note(conn, case, text, reviewer=reviewer)


@dataclass(frozen=True)
class Assigned:
    reviewer: str | None  # None: released
    cases: int
    audit_seq: int | None
    first_id: int | None
    last_id: int | None


def assign(store: Store, *, reviewer: str | None, actor: str, track: str | None = None,
           tranche: int | None = None, limit: int | None = None, from_reviewer: str | None = None) -> Assigned:
    """Give ``reviewer`` undecided cases (pending or deferred), in queue order, filtered by
    ``track`` and ``tranche``, at most ``limit``: the cases nobody holds, or with
    ``from_reviewer`` the cases that reviewer holds now (a reassignment). ``reviewer`` None
    releases ``from_reviewer``'s cases (nobody holds them after). ``actor`` must be an admin and
    ``reviewer`` a known, enabled user with the reviewer role (``AccessDenied`` otherwise).
    One transaction: the assignment rows and one ``case.assign`` audit entry (none when no case
    matches). Decided cases keep their holder: the history shows who decided them."""
    if track is not None and track not in TRACKS:
        raise ReviewError(f"unknown track '{track}': choose from {', '.join(TRACKS)}")
    if limit is not None and limit <= 0:
        raise ReviewError("--limit must be a positive number")
    if reviewer is None and from_reviewer is None:
        raise ReviewError("say whose cases to release (--from NAME)")
    if reviewer is not None and reviewer == from_reviewer:
        raise ReviewError(f"the cases of {reviewer} are theirs already; nothing to do")
    with store.write() as conn:
        require_role(conn, actor, "admin")
        if reviewer is not None:
            require_role(conn, reviewer, "reviewer")
        ids = casework.assignable_case_ids(conn, track=track, tranche=tranche, limit=limit, held_by=from_reviewer)
        if not ids:
            return Assigned(reviewer, 0, None, None, None)  # nothing to give: nothing written
        detail = {"track": track, "tranche": tranche, "limit": limit}
        if from_reviewer is not None:
            detail["from"] = from_reviewer
        seq, first, last = casework.insert_assignments(conn, ids, reviewer=reviewer, by=actor, detail=detail)
    return Assigned(reviewer, len(ids), seq, first, last)
