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
    reviewer: str
    cases: int
    audit_seq: int | None
    first_id: int | None
    last_id: int | None


def assign(store: Store, *, reviewer: str, actor: str, track: str | None = None, tranche: int | None = None,
           limit: int | None = None) -> Assigned:
    """Give ``reviewer`` the undecided cases (pending or deferred) nobody holds, in queue order,
    filtered by ``track`` and ``tranche``, at most ``limit``. ``actor`` must be an admin and
    ``reviewer`` a known, enabled user with the reviewer role (``AccessDenied`` otherwise).
    One transaction: the assignment rows and one ``case.assign`` audit entry (none when no case matches)."""
    if track is not None and track not in TRACKS:
        raise ReviewError(f"unknown track '{track}': choose from {', '.join(TRACKS)}")
    if limit is not None and limit <= 0:
        raise ReviewError("--limit must be a positive number")
    with store.write() as conn:
        require_role(conn, actor, "admin")
        require_role(conn, reviewer, "reviewer")
        ids = casework.assignable_case_ids(conn, track=track, tranche=tranche, limit=limit)
        if not ids:
            return Assigned(reviewer, 0, None, None, None)  # nothing to give: nothing written
        detail = {"track": track, "tranche": tranche, "limit": limit}
        seq, first, last = casework.insert_assignments(conn, ids, reviewer=reviewer, by=actor, detail=detail)
    return Assigned(reviewer, len(ids), seq, first, last)
