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
from clearterm.services.research import case_missing
from clearterm.domain.cases import case_label
from clearterm.domain.rules import age_at_offense, display_cite, explain_lines
from clearterm.domain.rules.marks import deciding_marks
from clearterm.storage import Store, open_store
from clearterm.storage.casework import CaseNote, batch_of_case, case_notes, connect_reader, held_count
from clearterm.storage.decisions import recorded_policy
from clearterm.storage.lifecycle import lifecycle_row
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
    deadline_rows,
    last_undoable,
    late_objection_ids,
    mark_viewed,
    person_cases,
    queue_counts,
    queue_position,
    queue_row,
    queue_window,
    refresh_search_index,
    reviewer_state,
    search_index_stale,
    served_before,
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
    holder: str | None = None  # "mine": the cases assigned to this reviewer
    life: str | None = None  # the state after the decision (issue 16): batched .. agencies_told

    def kwargs(self) -> dict:
        return dict(track=self.track, tranche=self.tranche, status=self.status, deadline=self.deadline,
                    search=self.search, holder=self.holder, life=self.life)

    @property
    def filtered(self) -> bool:
        """Whether any filter narrows the queue (a search aside)."""
        return self.with_(search=None) != QueueFilter()

    def with_(self, **changes) -> QueueFilter:
        return replace(self, **changes)

    def describe(self) -> str:
        """The filters in force, shortly (``whole queue`` when none): fits the 80-column info line."""
        parts = []
        if self.holder:
            parts.append("mine")
        if self.track:
            parts.append(f"{self.track} track")
        if self.tranche is not None:
            parts.append(f"tranche {self.tranche}" if self.tranche != 99 else "no tranche")
        if self.status:
            parts.append(self.status)
        if self.deadline == "overdue":
            parts.append("overdue")
        elif self.deadline == "soon":
            parts.append("due soon")
        if self.life:
            parts.append(f"state {self.life.replace('_', ' ')}")
        if self.search:
            parts.append(f'search "{self.search}"')
        return ", ".join(parts) if parts else "whole queue"


@dataclass(frozen=True)
class Charge:
    record_id: str
    statute: str  # as written in the record (with its enhancement)
    offense_class: str | None
    disposition: str
    disposition_date: date | None
    offense_date: date | None
    category: str | None  # None: not evaluated
    explanation: str
    lines: tuple[str, ...]  # explain_lines: each step, the result and every reason as a sentence with its statute
    description: str | None = None
    weight_grams: float | None = None
    sentence: str | None = None
    reasons: tuple[str, ...] = ()  # the decision's reason codes, deciding first
    mark: str = ""  # VIOLENT, CONVICTED ...: this charge decided a case step of another charge
    written: str = ""  # the statute exactly as the record has it


@dataclass(frozen=True)
class CaseDetail:
    """Everything the case screen shows, read in one snapshot (one read transaction)."""

    row: QueueRow  # status and version as read: the version the reviewer's action names
    name: str  # shown on screen only (never logged)
    date_of_birth: date | None
    charges: tuple[Charge, ...]
    others: tuple[QueueRow, ...]
    history: tuple[ReviewEntry, ...]
    late: dict[int, str] = field(default_factory=dict)  # objection entries recorded late: their deadline
    served_before: dict[int, str | None] = field(default_factory=dict)  # service date entries: the date replaced
    research: tuple[str, ...] = ()  # what the case lacks before it can be filed (issue 16)
    notes: tuple[CaseNote, ...] = ()
    age: tuple[int | None, str] = (None, "unknown")  # at the offense, and from what (domain.rules.age_at_offense)
    agency: str | None = None  # the arresting agency
    batch: tuple[str, str] | None = None  # (label, state) of the batch holding the case
    court: tuple[str | None, str | None] = (None, None)  # (court date, ruling date) after filing (issue 16)

    @property
    def frozen(self) -> bool:
        """In a signed batch: no review action can be recorded."""
        return self.batch is not None and self.batch[1] == "signed"

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
    _reader: object = field(default=None, repr=False)  # a second connection for the queue's position counts
    _reader_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @classmethod
    def open(cls, db: str | Path | Store, reviewer: str, today: date) -> Backend:
        if isinstance(db, Store):
            return cls(db, reviewer, today)
        return cls(open_store(db, create=False), reviewer, today, owns_store=True)

    def close(self) -> None:
        with self._reader_lock:
            if self._reader is not None:
                self._reader.close()
                self._reader = None
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

    def position(self, f: QueueFilter, cursor: tuple[int, int] | None) -> tuple[int, int]:
        """(cases before ``cursor``, cases in all) in the queue under ``f``: counted on a second,
        query-only connection, so the counts never hold up an action on the workstation's own."""
        with self._reader_lock:
            if self._reader is None:
                self._reader = connect_reader(self.store.path)
            return queue_position(self._reader, cursor, as_of=self.today, **f.kwargs())

    def holds_cases(self) -> bool:
        """Whether this reviewer holds assigned cases now (the queue then opens on "mine")."""
        with self._lock:
            return held_count(self.conn, self.reviewer) > 0

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
            with read_snapshot(conn):  # status, version, history and notes agree
                row = queue_row(conn, case_id, as_of=self.today)
                if row is None:
                    return None
                pairs = case_charges(conn, row.case_number, row.person_id)
                charges = self._charges(pairs)
                others = person_cases(conn, row.person_id, exclude_case_id=case_id, as_of=self.today)
                history = case_entries(conn, case_id)
                research = case_missing(conn, case_id) if row.track else ()
                late = late_objection_ids(conn, case_id)
                notes = case_notes(conn, case_id)
                batch = batch_of_case(conn, case_id)
                life = lifecycle_row(conn, case_id)
            if mark:
                mark_viewed(conn, self.reviewer, case_id)
            recs = [rec for rec, _dec in pairs]
            name = next((" ".join(p for p in (r.first_name, r.middle_name, r.last_name) if p) for r in recs
                         if r.first_name or r.last_name), "")
            dob = next((r.date_of_birth for r in recs if r.date_of_birth), None)
            age = next((a for a in (age_at_offense(r) for r in recs) if a[0] is not None), (None, "unknown"))
            agency = next((r.arresting_agency for r in recs if r.arresting_agency), None)
            return CaseDetail(row, name, dob, tuple(charges), tuple(others), tuple(history), late,
                              served_before(history), research, tuple(notes), age, agency, batch,
                              (life[2], life[3]) if life else (None, None))

    def _charges(self, pairs: list[tuple]) -> list[Charge]:
        """The case's charges for the screen: facts, decision, trail, and the co-charge marks."""
        marks = deciding_marks(pairs, lambda dec: self._policy(dec.policy_hash))
        out = []
        for rec, dec in pairs:
            lines = (tuple(explain_lines(rec, dec, self._policy(dec.policy_hash), load_co_charges(self.conn, rec)))
                     if dec else ())
            out.append(Charge(
                rec.record_id, display_cite(rec.statute, rec.enhancement), rec.offense_class, rec.disposition,
                rec.disposition_date, rec.offense_date, dec.category.value if dec else None,
                dec.explanation if dec else "", lines, rec.offense_description, rec.weight_grams, rec.sentence,
                tuple(dec.reasons) if dec else (), marks.get(rec.record_id, ""), rec.statute))
        return out

    def add_note(self, case_id: int, text: str) -> CaseNote:
        """A note on the case (:func:`clearterm.services.casework.add_note`; raises ReviewError)."""
        from clearterm.services import casework

        with self._lock:
            return casework.add_note(self.store, case_id, text, reviewer=self.reviewer)

    # -- actions -----------------------------------------------------------------------------------
    def act(self, case_id: int, action: str, *, expected_version: int, ground: str | None = None,
            note: str | None = None, served: str | None = None, confirm_late: bool = False) -> Recorded:
        """One review action, through :func:`clearterm.services.review.act` (raises ReviewError / ConflictError)."""
        with self._lock:
            return review.act(self.store, case_id, action, reviewer=self.reviewer,
                              expected_version=expected_version, ground=ground, note=note, served=served,
                              today=self.today, confirm_late=confirm_late)

    def deadlines(self, which: str, *, after: tuple | None = None, limit: int = PAGE) -> list[QueueRow]:
        """A page of the deadlines view (:func:`clearterm.storage.reviews.deadline_rows`)."""
        with self._lock:
            return deadline_rows(self.conn, which=which, after=after, limit=limit, as_of=self.today)

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

    # -- bulk approval (clearterm.services.bulk_review) -------------------------------------------------
    def count_marked(self, marks: Marks) -> int:
        from clearterm.storage.bulk_reviews import count_marked

        with self._lock:
            return count_marked(self.conn, as_of=self.today, **marks.selection())

    def bulk_plan(self, marks: Marks):
        """What the marks hold: the pending automatic-track cases (with codes and notes) and the rest."""
        from clearterm.services import bulk_review

        with self._lock:
            return bulk_review.plan(self.conn, as_of=self.today, filter=marks.audit_filter(), **marks.selection())

    def bulk_approve(self, cases, filter: dict, progress=None):
        """Approve ``cases`` in steps; the lock is held one step at a time, so this workstation's
        own reads and actions (other workers) go on between steps."""
        from clearterm.services import bulk_review

        return self._bulk(bulk_review.approve_steps(self.store, cases, reviewer=self.reviewer, filter=filter),
                          progress)

    def bulk_undo(self, bulk_id: int, progress=None):
        from clearterm.services import bulk_review

        return self._bulk(bulk_review.undo_steps(self.store, bulk_id, reviewer=self.reviewer), progress)

    def _bulk(self, steps, progress):
        import time

        from clearterm.services import bulk_review

        while True:
            with self._lock:
                try:
                    p = next(steps)
                except StopIteration as stop:
                    return stop.value
            if progress is not None:
                progress(p)
            time.sleep(bulk_review.PAUSE)  # out of the lock: other writers (this one's workers, other reviewers) get in

    def last_bulk(self) -> tuple[int, int] | None:
        """(bulk id, cases) when this reviewer's latest undoable action came from a bulk approval."""
        from clearterm.services import bulk_review

        with self._lock:
            return bulk_review.last_bulk(self.conn, self.reviewer)


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


@dataclass(frozen=True)
class Marks:
    """The queue's marks: case ids marked one by one (``space``), and every case of a queue
    filter (``*``, ``all_of``) but those unmarked since. Never the rows themselves."""

    ids: frozenset[int] = frozenset()
    all_of: QueueFilter | None = None
    unmarked: frozenset[int] = frozenset()
    all_count: int | None = None  # how many cases ``all_of`` showed when counted

    @property
    def empty(self) -> bool:
        return not self.ids and self.all_of is None

    def is_marked(self, case_id: int, shown: QueueFilter) -> bool:
        return case_id in self.ids or (self.all_of == shown and case_id not in self.unmarked)

    def toggled(self, case_id: int, shown: QueueFilter) -> Marks:
        if self.is_marked(case_id, shown):
            unmarked = self.unmarked | {case_id} if self.all_of == shown else self.unmarked
            return replace(self, ids=self.ids - {case_id}, unmarked=unmarked)
        if self.all_of == shown and case_id in self.unmarked:
            return replace(self, unmarked=self.unmarked - {case_id})
        return replace(self, ids=self.ids | {case_id})

    def describe(self) -> str:
        if self.empty:
            return ""
        parts = []
        if self.all_of is not None:
            n = "..." if self.all_count is None else f"{max(self.all_count - len(self.unmarked), 0):,}"
            parts.append(f"all {n} of the queue")
        if self.ids:
            parts.append(f"{len(self.ids):,} one by one")
        return "marked: " + " and ".join(parts) + " (A approves)"

    def selection(self) -> dict:
        return dict(case_ids=self.ids, match=self.all_of.kwargs() if self.all_of else None, unmarked=self.unmarked)

    def audit_filter(self) -> dict:
        """What the bulk action's audit entry records: keys and counts, never the search text."""
        f = self.all_of
        return {"source": "workstation", "marked": len(self.ids), "unmarked": len(self.unmarked),
                "all_of": None if f is None else {"track": f.track, "tranche": f.tranche, "status": f.status,
                                                  "deadline": f.deadline, "search": f.search is not None}}
