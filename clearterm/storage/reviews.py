"""Review entries, the per-case review state, the review queue and its search index.

The ``reviews`` table is the truth: an append-only log of actions on cases.
A case's state is derived from it by :func:`replay`: the status is that of the
latest decision entry (approve, object, exclude, defer) not undone by a later
``undo`` entry; the service date is the latest one recorded by an entry not
undone. The case's *version* is the id of its latest review entry (0 if none):
an action names the version it was decided on, and is refused if the case has
moved on since (optimistic concurrency; see :func:`append_review`).

``case_status`` caches the derived state for the queue (maintained in the same
transaction as each action; :func:`rebuild_case_status` recomputes it from the
log). ``cases_fts`` is a contentless FTS5 index over case number, person id and
name, refreshed by :func:`refresh_search_index`.

Nothing here logs or puts into a message a name, date of birth or address.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date

from clearterm.domain.cases import case_label
from clearterm.domain.dates import utc_now_iso
from clearterm.domain.deadlines import OBJECTION_DAYS, objection_deadline
from clearterm.storage import audit

#: Review statuses, and the status each decision action leads to.
STATUSES: tuple[str, ...] = ("pending", "approved", "objected", "excluded", "deferred")
DECISION_STATUS: dict[str, str] = {
    "approve": "approved", "object": "objected", "exclude": "excluded", "defer": "deferred",
}
ACTIONS: tuple[str, ...] = ("approve", "object", "exclude", "defer", "serve", "undo")
TRACKS: tuple[str, ...] = ("automatic", "petition", "review")
NO_TRANCHE_SORT = 99  # cases without a tranche page after tranche 3

_COLS = ("id", "case_id", "case_number", "person_id", "track", "action", "ground", "note", "served", "undoes",
         "status", "expected_version", "reviewer", "created_at")
assert _COLS == audit.REVIEW_FIELDS


#: The one clock (``clearterm.domain.dates``), under the name this module's callers use.


# -- reading review entries --------------------------------------------------------------------------
@dataclass(frozen=True)
class ReviewEntry:
    id: int
    case_id: int
    case_number: str
    person_id: str
    track: str | None
    action: str
    ground: str | None
    note: str | None
    served: str | None
    undoes: int | None
    status: str
    expected_version: int
    reviewer: str
    created_at: str

    def __repr__(self) -> str:  # the note is free text: keep it out of tracebacks
        return f"ReviewEntry(id={self.id}, case_id={self.case_id}, action={self.action!r}, status={self.status!r})"


_SELECT = f"SELECT {', '.join(_COLS)} FROM reviews"


def case_entries(conn: sqlite3.Connection, case_id: int) -> list[ReviewEntry]:
    """Every review entry of the case, oldest first."""
    return [ReviewEntry(*r) for r in conn.execute(f"{_SELECT} WHERE case_id = ? ORDER BY id", (case_id,))]


def get_entry(conn: sqlite3.Connection, review_id: int) -> ReviewEntry | None:
    row = conn.execute(f"{_SELECT} WHERE id = ?", (review_id,)).fetchone()
    return None if row is None else ReviewEntry(*row)


# -- derived state -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class CaseState:
    """A case's review state, derived from its entries."""

    case_id: int
    status: str = "pending"
    version: int = 0
    decision: ReviewEntry | None = None  # the entry that set the status (None when pending)
    latest: ReviewEntry | None = None  # the latest entry of any kind (who acted last, and when)
    effective: tuple[ReviewEntry, ...] = ()  # entries in force (not undone), oldest first
    service_date: str | None = None

    @property
    def reviewer(self) -> str | None:
        return self.latest.reviewer if self.latest else None

    @property
    def updated_at(self) -> str | None:
        return self.latest.created_at if self.latest else None

    @property
    def top(self) -> ReviewEntry | None:
        """The latest entry in force: what an undo would compensate."""
        return self.effective[-1] if self.effective else None


def replay(case_id: int, entries: Iterable[ReviewEntry]) -> CaseState:
    """Derive a case's state from its entries (in id order)."""
    effective: dict[int, ReviewEntry] = {}
    latest = None
    for e in entries:
        latest = e
        if e.action == "undo":
            effective.pop(e.undoes, None)
        else:
            effective[e.id] = e
    if latest is None:
        return CaseState(case_id)
    inforce = tuple(effective.values())  # dicts keep insertion (id) order
    decision = next((e for e in reversed(inforce) if e.action in DECISION_STATUS), None)
    served = next((e.served for e in reversed(inforce) if e.served), None)
    status = DECISION_STATUS[decision.action] if decision else "pending"
    return CaseState(case_id, status, latest.id, decision, latest, inforce, served)


def case_state(conn: sqlite3.Connection, case_id: int) -> CaseState:
    """A case's state, from the log (the truth, not the cache)."""
    return replay(case_id, case_entries(conn, case_id))


def current_version(conn: sqlite3.Connection, case_id: int) -> int:
    return int(conn.execute("SELECT coalesce(max(id), 0) FROM reviews WHERE case_id = ?", (case_id,)).fetchone()[0])


def _status_row(state: CaseState) -> tuple:
    assert state.latest is not None
    return (state.case_id, state.status, state.version, state.decision.id if state.decision else None,
            state.latest.reviewer, state.latest.created_at, state.service_date)


_UPSERT_STATUS = ("INSERT OR REPLACE INTO case_status (case_id, status, version, decision_id, reviewer, updated_at,"
                  " service_date) VALUES (?, ?, ?, ?, ?, ?, ?)")


# -- cases -------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class CaseRef:
    id: int
    case_number: str
    person_id: str
    track: str | None
    tranche: int | None
    charges: int

    @property
    def label(self) -> str:
        return case_label(self.case_number, self.person_id)


_CASE_SELECT = "SELECT id, case_number, person_id, track, tranche, charges FROM cases"


def get_case(conn: sqlite3.Connection, case_id: int) -> CaseRef | None:
    row = conn.execute(f"{_CASE_SELECT} WHERE id = ?", (case_id,)).fetchone()
    return None if row is None else CaseRef(*row)


def find_cases(conn: sqlite3.Connection, case_number: str, person_id: str | None = None) -> list[CaseRef]:
    """Cases with this case number (and person id, when given), by person id."""
    if person_id is None:
        rows = conn.execute(f"{_CASE_SELECT} WHERE case_number = ? ORDER BY person_id", (case_number,))
    else:
        rows = conn.execute(f"{_CASE_SELECT} WHERE case_number = ? AND person_id = ?", (case_number, person_id))
    return [CaseRef(*r) for r in rows]


# -- writing -----------------------------------------------------------------------------------------
class ConflictError(Exception):
    """The case changed since the version the action was decided on. Nothing was written."""

    def __init__(self, case: CaseRef, expected_version: int, state: CaseState):
        self.case = case
        self.expected_version = expected_version
        self.state = state
        who = f" by {state.reviewer} at {state.updated_at}" if state.latest else ""
        super().__init__(
            f"case {case.label} changed since version {expected_version}: now {state.status}{who}"
            f" (version {state.version}); nothing recorded")


@dataclass(frozen=True)
class NewEntry:
    """What an action appends (validated by the caller, :mod:`clearterm.services.review`)."""

    action: str
    status: str
    ground: str | None = None
    note: str | None = None
    served: str | None = None
    undoes: int | None = None
    #: an objection after its deadline, confirmed as late: (served, deadline, days late)
    late: tuple[str, str, int] | None = None
    #: a service date entry: the date it replaces (None when none was recorded)
    served_before: str | None = None


@dataclass(frozen=True)
class Recorded:
    entry: ReviewEntry
    audit_seq: int
    audit_hash: str
    before: CaseState
    after: CaseState
    case: CaseRef


def append_review(
    conn: sqlite3.Connection,
    case: CaseRef,
    state: CaseState,
    new: NewEntry,
    *,
    reviewer: str,
    expected_version: int,
    at: str | None = None,
    bulk_id: int | None = None,
) -> Recorded:
    """Append a review entry, its audit entry, the case's status and the reviewer's place.

    The caller holds the write transaction (``store.write()``), has read ``state``
    inside it and checked ``expected_version`` against it, so the four writes land
    together or not at all. ``bulk_id``: the bulk action making the entry (``bulk_actions``;
    named on the entry and in its audit detail).
    """
    if not conn.in_transaction:
        raise RuntimeError("append_review must run inside a write transaction")
    if state.version != expected_version:
        raise ConflictError(case, expected_version, state)
    at = at or utc_now_iso()
    rid = conn.execute(
        "INSERT INTO reviews (case_id, case_number, person_id, track, action, ground, note, served, undoes, status,"
        " expected_version, reviewer, created_at, bulk_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (case.id, case.case_number, case.person_id, case.track, new.action, new.ground, new.note, new.served,
         new.undoes, new.status, expected_version, reviewer, at, bulk_id)).lastrowid
    entry = get_entry(conn, rid)  # hash what was stored, as stored
    assert entry is not None
    detail = {"action": new.action, "status": new.status, "version": rid, "expected_version": expected_version}
    if new.ground:
        detail["ground"] = new.ground
    if new.undoes:
        detail["undoes"] = new.undoes
    if new.action == "serve":
        detail["served"] = new.served
        detail["served_before"] = new.served_before
    if new.late is not None:
        served, deadline, days_late = new.late
        detail.update(late=True, deadline=deadline, days_late=days_late)
        conn.execute("INSERT INTO late_objections (review_id, case_id, served, deadline, days_late, reviewer,"
                     " created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                     (rid, case.id, served, deadline, days_late, reviewer, at))
    if bulk_id is not None:
        detail["bulk"] = bulk_id
    seq, h = audit.append(conn, at=at, actor=reviewer, event=f"review.{new.action}", detail=detail,
                          case_id=case.id, review_id=rid,
                          review_row_hash=audit.review_hash(dict(zip(_COLS, _astuple(entry)))))
    after = case_state(conn, case.id)
    conn.execute(_UPSERT_STATUS, _status_row(after))
    conn.execute(
        "INSERT INTO reviewer_state (reviewer, last_case_id, last_review_id, last_acted_at) VALUES (?, ?, ?, ?)"
        " ON CONFLICT(reviewer) DO UPDATE SET last_case_id = excluded.last_case_id,"
        " last_review_id = excluded.last_review_id, last_acted_at = excluded.last_acted_at",
        (reviewer, case.id, rid, at))
    return Recorded(entry, seq, h, state, after, case)


def late_objection_ids(conn: sqlite3.Connection, case_id: int) -> dict[int, str]:
    """The case's objection entries recorded as late: ``{review id: the deadline they missed}``."""
    return dict(conn.execute("SELECT review_id, deadline FROM late_objections WHERE case_id = ?", (case_id,)))


def served_before(entries: Iterable[ReviewEntry]) -> dict[int, str | None]:
    """For each service date entry of one case (entries in id order): the service date in force
    just before it (None: none was recorded). The history shows old and new with it."""
    seen: list[ReviewEntry] = []
    out: dict[int, str | None] = {}
    for e in entries:
        if e.action == "serve":
            out[e.id] = replay(e.case_id, seen).service_date if seen else None
        seen.append(e)
    return out


def _astuple(e: ReviewEntry) -> tuple:
    return tuple(getattr(e, c) for c in _COLS)


def rebuild_case_status(conn: sqlite3.Connection) -> int:
    """Recompute ``case_status`` from the review log (caller holds a write transaction). Returns rows."""
    if not conn.in_transaction:
        raise RuntimeError("rebuild_case_status must run inside a write transaction")
    conn.execute("DELETE FROM case_status")
    n = 0
    batch: list[tuple] = []
    for case_id, entries in _grouped(conn.execute(f"{_SELECT} ORDER BY case_id, id")):
        batch.append(_status_row(replay(case_id, entries)))
        n += 1
        if len(batch) >= 10_000:
            conn.executemany(_UPSERT_STATUS, batch)
            batch = []
    conn.executemany(_UPSERT_STATUS, batch)
    return n


def derived_status_rows(conn: sqlite3.Connection) -> list[tuple]:
    """What ``case_status`` should hold, from the log, in case id order (for checks)."""
    return [_status_row(replay(cid, es)) for cid, es in _grouped(conn.execute(f"{_SELECT} ORDER BY case_id, id"))]


def _grouped(rows: Iterable[tuple]) -> Iterator[tuple[int, list[ReviewEntry]]]:
    cur_id, cur = None, []
    for r in rows:
        e = ReviewEntry(*r)
        if e.case_id != cur_id and cur:
            yield cur_id, cur
            cur = []
        cur_id = e.case_id
        cur.append(e)
    if cur:
        yield cur_id, cur


# -- reviewers ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ReviewerState:
    reviewer: str
    last_case_id: int | None = None
    last_review_id: int | None = None
    last_acted_at: str | None = None
    viewed_case_id: int | None = None
    viewed_at: str | None = None

    @property
    def resume_case_id(self) -> int | None:
        """The case to reopen: the later of the last one acted on and the last one viewed."""
        if self.viewed_case_id is not None and (self.last_acted_at is None or (self.viewed_at or "") >= self.last_acted_at):
            return self.viewed_case_id
        return self.last_case_id


def reviewer_state(conn: sqlite3.Connection, reviewer: str) -> ReviewerState:
    row = conn.execute("SELECT reviewer, last_case_id, last_review_id, last_acted_at, viewed_case_id, viewed_at"
                       " FROM reviewer_state WHERE reviewer = ?", (reviewer,)).fetchone()
    return ReviewerState(reviewer) if row is None else ReviewerState(*row)


def mark_viewed(conn: sqlite3.Connection, reviewer: str, case_id: int, *, at: str | None = None) -> None:
    """Remember the case the reviewer has open (not audited: viewing changes nothing)."""
    conn.execute(
        "INSERT INTO reviewer_state (reviewer, viewed_case_id, viewed_at) VALUES (?, ?, ?)"
        " ON CONFLICT(reviewer) DO UPDATE SET viewed_case_id = excluded.viewed_case_id, viewed_at = excluded.viewed_at",
        (reviewer, case_id, at or utc_now_iso()))


def last_undoable(conn: sqlite3.Connection, reviewer: str) -> ReviewEntry | None:
    """The reviewer's latest action that an undo may still compensate (latest in force on its case)."""
    for (rid,) in conn.execute("SELECT id FROM reviews WHERE reviewer = ? AND action != 'undo' ORDER BY id DESC"
                               " LIMIT 50", (reviewer,)):
        e = get_entry(conn, rid)
        assert e is not None
        top = case_state(conn, e.case_id).top
        if top is not None and top.id == e.id:
            return e
    return None


# -- the queue ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class QueueRow:
    case_id: int
    case_number: str
    person_id: str
    track: str | None
    tranche: int | None
    charges: int
    flagged: int
    status: str
    version: int
    service_date: str | None
    deadline: str | None
    days_left: int | None
    holder: str | None = None  # the reviewer the case is assigned to (migration 0012), None: nobody
    life: str | None = None  # the case's state after its decision (case_lifecycle: batched .. agencies_told)

    @property
    def cursor(self) -> tuple[int, int]:
        """The keyset position of this row: pass as ``after`` to get the next page."""
        return (self.tranche if self.tranche is not None else NO_TRANCHE_SORT, self.case_id)


_FTS_TOKEN = re.compile(r"\w+", re.UNICODE)


def fts_query(text: str) -> str | None:
    """A safe FTS5 query from user text: every word, as a prefix, all required."""
    tokens = _FTS_TOKEN.findall(text)
    if not tokens:
        return None
    return " ".join('"' + t.replace('"', '') + '"*' for t in tokens)


def queue_page(
    conn: sqlite3.Connection,
    *,
    after_id: int = 0,
    after: tuple[int, int] | None = None,
    limit: int = 50,
    track: str | None = None,
    tranche: int | None = None,
    status: str | None = None,
    search: str | None = None,
    overdue_only: bool = False,
    as_of: date | None = None,
    life: str | None = None,
    holder: str | None = None,
) -> list[QueueRow]:
    """One page of the review queue, newest tranche first (1, 2, 3, then none), then case id.

    Keyset paging: pass the last row's ``cursor`` as ``after`` (or its ``case_id`` as
    ``after_id``, whose position is looked up) for the next page. Only cases on a track
    (automatic, petition, review) are queued. ``status`` filters by review status
    (``pending`` includes cases never reviewed); ``overdue_only`` keeps petition cases
    whose objection deadline has passed with no decision yet (pending or deferred);
    ``search`` matches words of the case number, person id or name (prefixes); ``holder``
    keeps the cases that reviewer holds now (``clearterm assign``).
    """
    as_of = as_of or date.today()
    if after is None and after_id:
        row = conn.execute(f"SELECT {_TS} FROM cases c WHERE c.id = ?", (after_id,)).fetchone()
        after = (int(row[0]) if row else NO_TRANCHE_SORT, after_id)
    return queue_window(conn, after=after, limit=limit, track=track, tranche=tranche, status=status,
                        search=search, deadline="overdue" if overdue_only else None, as_of=as_of, life=life,
                        holder=holder)


_TS = f"coalesce(c.tranche, {NO_TRANCHE_SORT})"
_FEW = 20_000
#: The reviewer who holds case ``c.id`` now (its latest assignment; NULL: nobody).
HOLDER_SQL = "(SELECT a.reviewer FROM assignments a WHERE a.case_id = c.id ORDER BY a.id DESC LIMIT 1)"
_QUEUE_COLS = ("c.id, c.case_number, c.person_id, c.track, c.tranche, c.charges, c.flagged,"
               f" coalesce(s.status, 'pending'), coalesce(s.version, 0), s.service_date, {HOLDER_SQL}"
               ", (SELECT l.state FROM case_lifecycle l WHERE l.case_id = c.id)")


def _count(conn: sqlite3.Connection, sql: str, params: tuple = ()) -> int:
    return int(conn.execute(sql, params).fetchone()[0])


def iter_queue(conn: sqlite3.Connection, *, page_size: int = 500, **filters) -> Iterator[QueueRow]:
    """Every queue row matching ``filters``, page by page."""
    after = None
    while True:
        page = queue_page(conn, after=after, limit=page_size, **filters)
        yield from page
        if len(page) < page_size:
            return
        after = page[-1].cursor


# -- search index ------------------------------------------------------------------------------------
def search_index_stale(conn: sqlite3.Connection) -> bool:
    """Whether cases changed (a new evaluation, or another case count) since the last refresh."""
    row = conn.execute("SELECT evaluation_id, cases FROM search_index_state WHERE id = 1").fetchone()
    ev = conn.execute("SELECT max(id) FROM evaluations WHERE status = 'complete'").fetchone()[0]
    n = conn.execute("SELECT count(*) FROM cases").fetchone()[0]
    return row is None or row[0] != ev or row[1] != n


def refresh_search_index(store) -> int:
    """Rebuild ``cases_fts`` from the cases and their charges' names. Returns the cases indexed.

    The index is contentless: the names are tokenised for matching, not copied.
    Call after ``evaluate`` (the queue command refreshes it when stale).
    """
    with store.write() as conn:
        conn.execute("INSERT INTO cases_fts (cases_fts) VALUES ('delete-all')")
        conn.execute(
            "INSERT INTO cases_fts (rowid, case_number, person_id, name)"
            " SELECT c.id, c.case_number, c.person_id,"
            "  (SELECT group_concat(n, ' ') FROM (SELECT DISTINCT trim(coalesce(r.last_name, '') || ' '"
            "     || coalesce(r.first_name, '') || ' ' || coalesce(r.middle_name, '')) AS n"
            "     FROM records r WHERE r.case_number = c.case_number AND coalesce(r.person_id, '') = c.person_id))"
            " FROM cases c")
        n = int(conn.execute("SELECT count(*) FROM cases").fetchone()[0])
        ev = conn.execute("SELECT max(id) FROM evaluations WHERE status = 'complete'").fetchone()[0]
        conn.execute("INSERT OR REPLACE INTO search_index_state (id, evaluation_id, cases, refreshed_at)"
                     " VALUES (1, ?, ?, ?)", (ev, n, utc_now_iso()))
    return n


# -- read helpers for the review workstation (clearterm.tui) ------------------------------------------
#: Deadline filters of the workstation's queue: past the objection deadline, or due within
#: :data:`DUE_SOON_DAYS` days (petition cases with no decision yet: pending or deferred).
DEADLINE_FILTERS: tuple[str, ...] = ("overdue", "soon")
DUE_SOON_DAYS = 14


def _queue_where(*, track: str | None, tranche: int | None, status: str | None, search: str | None,
                 deadline: str | None, holder: str | None, as_of: date,
                 life: str | None = None) -> tuple[list[str], dict] | None:
    """The queue's WHERE terms and parameters for these filters (None: a search with no words)."""
    if track is not None and track not in TRACKS:
        raise ValueError(f"unknown track {track!r}")
    if status is not None and status not in STATUSES:
        raise ValueError(f"unknown status {status!r}")
    if deadline is not None and deadline not in DEADLINE_FILTERS:
        raise ValueError(f"unknown deadline filter {deadline!r}")
    where = ["c.track IS NOT NULL" if track is None else "c.track = :track"]
    params: dict = {"track": track, "as_of": as_of.isoformat()}
    if tranche is not None:
        where.append(f"{_TS} = :tranche")
        params["tranche"] = int(tranche)
    if status is not None:
        where.append("coalesce(s.status, 'pending') = :status")
        params["status"] = status
    due = f"date(s.service_date, '+{OBJECTION_DAYS} days')"  # objection_deadline, in SQL
    if deadline == "overdue":
        where.append(f"c.track = 'petition' AND s.service_date IS NOT NULL AND {due} < :as_of"
                     " AND s.status IN ('pending', 'deferred')")
    elif deadline == "soon":
        where.append(f"c.track = 'petition' AND s.service_date IS NOT NULL AND {due} >= :as_of"
                     f" AND {due} <= date(:as_of, '+{DUE_SOON_DAYS} days') AND s.status IN ('pending', 'deferred')")
    if holder is not None:  # the cases assigned to this reviewer now (their latest assignment)
        where.append("c.id IN (SELECT a.case_id FROM assignments a WHERE a.reviewer = :holder"
                     " AND a.id = (SELECT max(b.id) FROM assignments b WHERE b.case_id = a.case_id))")
        params["holder"] = holder
    if life is not None:  # issue 16: the state after the decision (case_lifecycle)
        where.append("c.id IN (SELECT l.case_id FROM case_lifecycle l WHERE l.state = :life)")
        params["life"] = life
    if search is not None:
        q = fts_query(search)
        if q is None:
            return None
        where.append("c.id IN (SELECT rowid FROM cases_fts WHERE cases_fts MATCH :q)")
        params["q"] = q
    return where, params


def queue_position(conn: sqlite3.Connection, cursor: tuple[int, int] | None, *, as_of: date | None = None,
                   **filters) -> tuple[int, int]:
    """(rows before ``cursor``, rows in all) of the queue under ``filters`` (those of :func:`queue_window`)."""
    built = _queue_where(as_of=as_of or date.today(), **{k: filters.get(k) for k in _FILTERS})
    if built is None:
        return 0, 0
    where, params = built
    sql = f"SELECT count(*) FROM cases c LEFT JOIN case_status s ON s.case_id = c.id WHERE {' AND '.join(where)}"
    total = _count_params(conn, sql, params)
    if cursor is None:
        return 0, total
    before = _count_params(conn, sql + f" AND ({_TS} < :ats OR ({_TS} = :ats AND c.id < :aid))",
                           {**params, "ats": int(cursor[0]), "aid": int(cursor[1])})
    return before, total


_FILTERS = ("track", "tranche", "status", "search", "deadline", "holder", "life")


def _count_params(conn: sqlite3.Connection, sql: str, params: dict) -> int:
    return int(conn.execute(sql, params).fetchone()[0])


def queue_window(
    conn: sqlite3.Connection,
    *,
    after: tuple[int, int] | None = None,
    before: tuple[int, int] | None = None,
    limit: int = 50,
    track: str | None = None,
    tranche: int | None = None,
    status: str | None = None,
    search: str | None = None,
    deadline: str | None = None,
    as_of: date | None = None,
    holder: str | None = None,
    life: str | None = None,
) -> list[QueueRow]:
    """A page of the queue in either direction, always returned in queue order.

    Like :func:`queue_page` (same order, same filters, same index ranges), plus: ``before``
    (a row's ``cursor``) gives the page just before that row, which :func:`queue_page` cannot
    (the workstation pages back with it), and ``deadline`` is ``"overdue"`` or ``"soon"``
    (due within :data:`DUE_SOON_DAYS` days, not yet passed).
    """
    if after is not None and before is not None:
        raise ValueError("give after or before, not both")
    as_of = as_of or date.today()
    if limit <= 0:
        return []
    built = _queue_where(track=track, tranche=tranche, status=status, search=search, deadline=deadline,
                         holder=holder, as_of=as_of, life=life)
    if built is None:
        return []
    where, params = built
    few = False  # see queue_page: walk case_status when only few reviewed cases can pass
    if deadline is not None:
        few = _count(conn, "SELECT count(*) FROM case_status WHERE service_date IS NOT NULL") <= _FEW
    elif status is not None and status != "pending":
        few = _count(conn, "SELECT count(*) FROM case_status WHERE status = ?", (status,)) <= _FEW
    source = ("case_status s CROSS JOIN cases c ON c.id = s.case_id" if few
              else "cases c LEFT JOIN case_status s ON s.case_id = c.id")
    back = before is not None
    at = before if back else after
    desc = " DESC" if back else ""
    if at is None:
        parts = [("", {})]
    else:
        parts = [(f" AND {_TS} = :ats AND c.id {'<' if back else '>'} :aid", {"ats": int(at[0]), "aid": int(at[1])}),
                 (f" AND {_TS} {'<' if back else '>'} :ats", {"ats": int(at[0])})]
    rows: list[QueueRow] = []
    for n, (extra, p) in enumerate(parts):
        fixed = tranche is not None or (at is not None and n == 0)
        order = f"c.id{desc}" if fixed else f"{_TS}{desc}, c.id{desc}"
        sql = (f"SELECT {_QUEUE_COLS} FROM {source} WHERE {' AND '.join(where)}{extra}"
               f" ORDER BY {order} LIMIT :limit")
        rows += [_queue_row(r, as_of) for r in conn.execute(sql, {**params, **p, "limit": int(limit) - len(rows)})]
        if len(rows) >= limit:
            break
    return rows[::-1] if back else rows


def _queue_row(r: tuple, as_of: date) -> QueueRow:
    served = r[9]
    deadline = days_left = None
    if served and r[3] == "petition":
        d = objection_deadline(date.fromisoformat(served))
        deadline, days_left = d.isoformat(), (d - as_of).days
    return QueueRow(*r[:10], deadline, days_left, r[10], r[11])


def queue_row(conn: sqlite3.Connection, case_id: int, *, as_of: date | None = None) -> QueueRow | None:
    """One case as a queue row (its status, version and deadline), on a track or not."""
    row = conn.execute(f"SELECT {_QUEUE_COLS} FROM cases c LEFT JOIN case_status s ON s.case_id = c.id"
                       " WHERE c.id = ?", (case_id,)).fetchone()
    return None if row is None else _queue_row(row, as_of or date.today())


def person_cases(conn: sqlite3.Connection, person_id: str, *, exclude_case_id: int | None = None,
                 limit: int = 100, as_of: date | None = None) -> list[QueueRow]:
    """The person's cases (on a track or not), by case number; none for an unknown person id ('')."""
    if not person_id:
        return []
    rows = conn.execute(f"SELECT {_QUEUE_COLS} FROM cases c LEFT JOIN case_status s ON s.case_id = c.id"
                        " WHERE c.person_id = ? AND c.id IS NOT ? ORDER BY c.case_number, c.id LIMIT ?",
                        (person_id, exclude_case_id, int(limit))).fetchall()
    as_of = as_of or date.today()
    return [_queue_row(r, as_of) for r in rows]


@dataclass(frozen=True)
class QueueCounts:
    """Progress for the workstation's header: cases on a track, and how many are decided."""

    total: int
    decided: int  # approved, objected or excluded (deferred is not a decision)
    deferred: int


def queue_counts(conn: sqlite3.Connection) -> QueueCounts:
    total = _count(conn, "SELECT count(*) FROM cases c WHERE c.track IS NOT NULL")
    by = dict(conn.execute("SELECT s.status, count(*) FROM case_status s JOIN cases c ON c.id = s.case_id"
                           " WHERE c.track IS NOT NULL GROUP BY s.status").fetchall())
    decided = sum(int(by.get(k, 0)) for k in ("approved", "objected", "excluded"))
    return QueueCounts(total, decided, int(by.get("deferred", 0)))


def case_charges(conn: sqlite3.Connection, case_number: str, person_id: str) -> list[tuple]:
    """Every charge of a case with its decision in force: ``[(ChargeRecord, Decision | None)]``."""
    from clearterm.storage.decisions import current_decision
    from clearterm.storage.records import load_case_records

    return [(r, current_decision(conn, r.record_id)) for r in load_case_records(conn, case_number, person_id)]


# -- the deadlines view -------------------------------------------------------------------------------
#: What the deadlines view shows: undecided petitions (pending or deferred) past their deadline,
#: due within :data:`DUE_SOON_DAYS` days, without a service date, or all three.
DEADLINE_VIEWS: tuple[str, ...] = ("overdue", "soon", "unserved", "all")
UNDECIDED: tuple[str, ...] = ("pending", "deferred")


def deadline_rows(conn: sqlite3.Connection, *, which: str = "all", after: tuple | None = None, limit: int = 50,
                  as_of: date | None = None) -> list[QueueRow]:
    """Undecided petitions by days left: overdue first (the longest overdue on top), then the
    rest by deadline, then those without a service date (in queue order: tranche, case id).

    Keyset paging: pass the last row's :func:`deadline_cursor` as ``after``. Served cases walk
    ``case_status`` by service date (its partial index), unserved ones the petition queue index.
    """
    if which not in DEADLINE_VIEWS:
        raise ValueError(f"unknown deadline view {which!r}")
    as_of = as_of or date.today()
    rows: list[QueueRow] = []
    if limit <= 0:
        return rows
    # a deadline d = served + N days: served < as_of - N is overdue; served in [as_of - N, as_of - N + 14] soon
    first_open = f"date(:as_of, '-{OBJECTION_DAYS} days')"
    last_soon = f"date(:as_of, '-{OBJECTION_DAYS - DUE_SOON_DAYS} days')"
    span = {"overdue": f" AND s.service_date < {first_open}",
            "soon": f" AND s.service_date >= {first_open} AND s.service_date <= {last_soon}",
            "all": ""}
    params = {"as_of": as_of.isoformat(), "limit": int(limit)}
    if which in span and (after is None or after[0] == 0):
        keyset = ""
        if after is not None:
            keyset = " AND (s.service_date, s.case_id) > (:served, :aid)"
            params.update(served=after[1], aid=int(after[2]))
        sql = (f"SELECT {_QUEUE_COLS} FROM case_status s CROSS JOIN cases c ON c.id = s.case_id"
               # +s.status: walk case_status_served in deadline order, not the status index and a sort
               " WHERE s.service_date IS NOT NULL AND c.track = 'petition' AND +s.status IN ('pending', 'deferred')"
               f"{span[which]}{keyset} ORDER BY s.service_date, s.case_id LIMIT :limit")
        rows += [_queue_row(r, as_of) for r in conn.execute(sql, params)]
    if which in ("unserved", "all") and len(rows) < limit:
        ts, aid = (int(after[1]), int(after[2])) if after is not None and after[0] == 1 else (0, 0)
        sql = (f"SELECT {_QUEUE_COLS} FROM cases c LEFT JOIN case_status s ON s.case_id = c.id"
               " WHERE c.track = 'petition' AND s.service_date IS NULL AND coalesce(s.status, 'pending')"
               f" IN ('pending', 'deferred') AND ({_TS}, c.id) > (:ts, :aid) ORDER BY {_TS}, c.id LIMIT :n")
        rows += [_queue_row(r, as_of) for r in conn.execute(sql, {"ts": ts, "aid": aid, "n": limit - len(rows)})]
    return rows


def deadline_cursor(row: QueueRow) -> tuple[int, str, int]:
    """The keyset position of a row of :func:`deadline_rows`: served ones by (service date, id),
    unserved ones in queue order (tranche, id)."""
    if row.service_date:
        return (0, row.service_date, row.case_id)
    return (1, f"{row.cursor[0]:02d}", row.case_id)
