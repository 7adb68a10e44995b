"""The workstation's store access: every read and write the screens need, in one place.

No Textual here: the screens call these methods from thread workers, so this module can be
tested (and benchmarked) without a terminal. One :class:`Backend` owns one SQLite connection
(``check_same_thread=False``, as :func:`clearterm.storage.open_store` makes it) and a lock:
Textual runs each thread worker on a thread of its own, and the lock makes sure only one of
them uses the connection at a time (a connection is not safe for concurrent use, and a write
transaction must not interleave with another worker's reads). Two workstations on one store
(two SSH sessions) each have their own Backend and connection, like two processes.

Every write goes through :mod:`clearterm.services.review` (review entry + audit entry in one
transaction, refused with ``ConflictError`` when the case moved on since the version the
reviewer saw). Nothing here puts a name or a date of birth into a message.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

from clearterm.services import review
from clearterm.domain.cases import case_label
from clearterm.domain.rules import display_cite, explain_lines
from clearterm.storage import Store, open_store
from clearterm.storage.decisions import recorded_policy
from clearterm.storage.records import load_co_charges
from clearterm.storage.transactions import read_snapshot
from clearterm.storage.reviews import (
    CaseRef,
    QueueCounts,
    QueueRow,
    Recorded,
    ReviewEntry,
    case_charges,
    case_entries,
    current_version,
    last_undoable,
    mark_viewed,
    person_cases,
    queue_counts,
    queue_row,
    queue_window,
    refresh_search_index,
    reviewer_state,
    search_index_stale,
)

PAGE = 50  # rows the queue table holds at once (keyset paging fills it): two screens at 50 lines


@dataclass(frozen=True)
class QueueFilter:
    """Which cases the queue shows. ``status=None`` shows every status."""

    track: str | None = None
    tranche: int | None = None
    status: str | None = None
    deadline: str | None = None  # "overdue" | "soon"
    search: str | None = None
    life: str | None = None  # the state after the decision (issue 16): batched .. agencies_told

    def kwargs(self) -> dict:
        return dict(track=self.track, tranche=self.tranche, status=self.status, deadline=self.deadline,
                    search=self.search, life=self.life)

    def with_(self, **changes) -> QueueFilter:
        return replace(self, **changes)

    def describe(self) -> str:
        parts = [f"{self.track} track" if self.track else "all tracks",
                 f"tranche {self.tranche}" if self.tranche is not None else "any tranche",
                 self.status or "any status"]
        if self.deadline == "overdue":
            parts.append("overdue")
        elif self.deadline == "soon":
            parts.append("due soon")
        if self.life:
            parts.append(f"state {self.life.replace('_', ' ')}")
        if self.search:
            parts.append(f'search "{self.search}"')
        return ", ".join(parts)


@dataclass(frozen=True)
class Charge:
    record_id: str
    statute: str
    offense_class: str | None
    disposition: str
    disposition_date: date | None
    offense_date: date | None
    category: str | None  # None: not evaluated
    explanation: str
    lines: tuple[str, ...]  # explain_lines: each step, the result and every reason as a sentence with its statute


@dataclass(frozen=True)
class CaseDetail:
    """Everything the case screen shows, read in one snapshot (one read transaction)."""

    row: QueueRow  # status and version as read: the version the reviewer's action names
    name: str  # shown on screen only (never logged)
    date_of_birth: date | None
    charges: tuple[Charge, ...]
    others: tuple[QueueRow, ...]
    history: tuple[ReviewEntry, ...]

    @property
    def case_id(self) -> int:
        return self.row.case_id

    @property
    def label(self) -> str:
        return label_of(self.row)


def label_of(row: QueueRow | CaseRef) -> str:
    return case_label(row.case_number, row.person_id)


@dataclass
class Backend:
    """One connection to the store, shared by the workers of one workstation under a lock."""

    store: Store
    reviewer: str
    today: date
    owns_store: bool = False
    _lock: threading.RLock = field(default_factory=threading.RLock, repr=False)
    _total: QueueCounts | None = field(default=None, repr=False)
    _policies: dict = field(default_factory=dict, repr=False)

    @classmethod
    def open(cls, db: str | Path | Store, reviewer: str, today: date) -> Backend:
        if isinstance(db, Store):
            return cls(db, reviewer, today)
        return cls(open_store(db, create=False), reviewer, today, owns_store=True)

    def close(self) -> None:
        with self._lock:
            if self.owns_store:
                self.store.close()

    @property
    def conn(self):
        return self.store.conn

    def _policy(self, policy_hash: str):
        """The policy a decision was made under (read from the store once per hash)."""
        if policy_hash not in self._policies:
            self._policies[policy_hash] = recorded_policy(self.conn, policy_hash)
        return self._policies[policy_hash]

    # -- the queue -------------------------------------------------------------------------------
    def page(self, f: QueueFilter, *, after=None, before=None, limit: int = PAGE) -> list[QueueRow]:
        with self._lock:
            return queue_window(self.conn, after=after, before=before, limit=limit, as_of=self.today, **f.kwargs())

    def page_around(self, f: QueueFilter, cursor: tuple[int, int] | None, *, limit: int = PAGE,
                    back: int = 10) -> tuple[list[QueueRow], int]:
        """A page holding the row at ``cursor`` (or the first row after it), a few rows before it
        on top; and the index of that row. Keeps the reviewer's place in the queue."""
        with self._lock:
            if cursor is None:
                return self.page(f, limit=limit), 0
            ts, cid = cursor
            head = queue_window(self.conn, before=cursor, limit=back, as_of=self.today, **f.kwargs())
            tail = queue_window(self.conn, after=(ts, cid - 1), limit=limit - len(head), as_of=self.today,
                                **f.kwargs())
            if not tail:  # nothing at or after the place: show the end of the queue
                return head, max(len(head) - 1, 0)
            return head + tail, len(head)

    def next_case(self, f: QueueFilter, cursor: tuple[int, int] | None, *, needing_decision: bool = False,
                  wrap: bool = False) -> QueueRow | None:
        """The case after ``cursor`` in the queue. ``needing_decision``: the next one still
        pending (or, when the queue filters on a status, the next one with that status)."""
        if needing_decision and f.status is None:
            f = f.with_(status="pending")
        with self._lock:
            rows = queue_window(self.conn, after=cursor, limit=1, as_of=self.today, **f.kwargs())
            if not rows and wrap and cursor is not None:
                rows = queue_window(self.conn, limit=1, as_of=self.today, **f.kwargs())
                if rows and rows[0].cursor == cursor:
                    rows = []
            return rows[0] if rows else None

    def prev_case(self, f: QueueFilter, cursor: tuple[int, int]) -> QueueRow | None:
        with self._lock:
            rows = queue_window(self.conn, before=cursor, limit=1, as_of=self.today, **f.kwargs())
            return rows[0] if rows else None

    def counts(self) -> QueueCounts:
        with self._lock:
            return queue_counts(self.conn)

    def ensure_search_index(self) -> bool:
        """Refresh the search index if the cases changed since it was built; whether it was."""
        with self._lock:
            if not search_index_stale(self.conn):
                return False
            refresh_search_index(self.store)
            return True

    # -- cases -----------------------------------------------------------------------------------
    def row(self, case_id: int) -> QueueRow | None:
        with self._lock:
            return queue_row(self.conn, case_id, as_of=self.today)

    def resolve(self, text: str) -> QueueRow:
        """A case from ``CASE_NUMBER`` or ``CASE_NUMBER/PERSON_ID`` (``review.ReviewError`` if not one)."""
        with self._lock:
            ref = review.resolve_case(self.conn, text)
            row = queue_row(self.conn, ref.id, as_of=self.today)
            assert row is not None
            return row

    def resume_row(self) -> QueueRow | None:
        """Where the reviewer left off: the later of the last case viewed and the last acted on."""
        with self._lock:
            cid = reviewer_state(self.conn, self.reviewer).resume_case_id
            if cid is None:
                return None
            row = queue_row(self.conn, cid, as_of=self.today)
            return row if row is not None and row.track is not None else None

    def load_case(self, case_id: int, *, mark: bool = True) -> CaseDetail | None:
        """The case, read in one snapshot; then remember it as the reviewer's place."""
        with self._lock:
            conn = self.conn
            with read_snapshot(conn):  # status, version and history agree
                row = queue_row(conn, case_id, as_of=self.today)
                if row is None:
                    return None
                charges = []
                name, dob = "", None
                for rec, dec in case_charges(conn, row.case_number, row.person_id):
                    if not name:
                        name = " ".join(p for p in (rec.first_name, rec.middle_name, rec.last_name) if p)
                    dob = dob or rec.date_of_birth
                    charges.append(Charge(
                        rec.record_id, display_cite(rec.statute, rec.enhancement), rec.offense_class, rec.disposition, rec.disposition_date,
                        rec.offense_date, dec.category.value if dec else None, dec.explanation if dec else "",
                        tuple(explain_lines(rec, dec, self._policy(dec.policy_hash), load_co_charges(conn, rec)))
                        if dec else ()))
                others = person_cases(conn, row.person_id, exclude_case_id=case_id, as_of=self.today)
                history = case_entries(conn, case_id)
            if mark:
                mark_viewed(conn, self.reviewer, case_id)
            return CaseDetail(row, name, dob, tuple(charges), tuple(others), tuple(history))

    # -- actions -----------------------------------------------------------------------------------
    def act(self, case_id: int, action: str, *, expected_version: int, ground: str | None = None,
            note: str | None = None, served: str | None = None) -> Recorded:
        """One review action, through :func:`clearterm.services.review.act` (raises ReviewError / ConflictError)."""
        with self._lock:
            return review.act(self.store, case_id, action, reviewer=self.reviewer,
                              expected_version=expected_version, ground=ground, note=note, served=served,
                              today=self.today)

    def undo_last(self, seen: dict[int, int]) -> Recorded:
        """Undo the reviewer's latest action still in force. ``seen`` maps case ids on screen to
        the version the reviewer saw: if the target is one of them, that version is named (so a
        change made meanwhile is a conflict); otherwise the case's version now."""
        with self._lock:
            target = last_undoable(self.conn, self.reviewer)
            if target is None:
                raise review.ReviewError(f"{self.reviewer} has no action left to undo")
            version = seen.get(target.case_id)
            if version is None:
                version = current_version(self.conn, target.case_id)
            return review.undo(self.store, target.case_id, reviewer=self.reviewer, expected_version=version)

    # -- batches (clearterm.services.batches, written separately: imported only when asked for) --------------
    def create_batch(self, track: str):
        """Open a batch of the track's cases (``clearterm.services.batches.create_batch``)."""
        from clearterm.services import batches

        with self._lock:
            return batches.create_batch(self.store, track=track, actor=self.reviewer)

    def list_batches(self) -> list:
        from clearterm.services import batches

        with self._lock:
            return batches.list_batches(self.conn)

    # -- the life of a case after signing (issue 16: clearterm.services.lifecycle) ---------------------
    def follow_ups(self, days: int | None = None, limit: int = 1000) -> tuple[list, int]:
        """The oldest ``limit`` lines of the docket watch as of the workstation's today
        (``clearterm docket``), and how many there are in all."""
        from clearterm.services import lifecycle

        days = lifecycle.DEFAULT_FOLLOW_UP_DAYS if days is None else days
        with self._lock:
            items = lifecycle.docket(self.conn, today=self.today, days=days, limit=limit)
            return items, sum(lifecycle.docket_counts(self.conn, today=self.today, days=days).values())

    def case_life(self, case_id: int):
        """The case's lifecycle state and rulings (:class:`clearterm.services.lifecycle.CaseLife`)."""
        from clearterm.services import lifecycle

        with self._lock:
            return lifecycle.case_life(self.conn, case_id)

    def record_ruling(self, case_id: int, answer) -> object:
        """Record a ruling from the dialog (raises ``LifecycleError`` with a safe message)."""
        from clearterm.services import lifecycle

        req = lifecycle.make_request(answer.ruling, answer.ruling_date, answer.next_date, answer.judge,
                                     answer.order_number)
        with self._lock:
            return lifecycle.record_ruling(self.store, case_id, req, actor=self.reviewer, today=self.today)
