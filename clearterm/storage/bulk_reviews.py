"""Bulk approval's reads and writes: the marked cases (in SQL, with the queue's filters), their
reason codes, and the ``bulk_actions`` rows (migration 0010).

The filter is applied here, in SQL, with the same meaning as
:func:`clearterm.storage.reviews.queue_window` (``tests/services/test_bulk_review.py`` checks
that both select the same cases), so marking every case of a queue of 100,000 never loads the
queue into the workstation. Nothing here puts a name, a date of birth or an address into a
message or into ``bulk_actions.filter``.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date

from clearterm.storage.reviews import _FILTERS, NO_TRANCHE_SORT, _queue_where

#: What bulk approval may approve: a pending case on the automatic track.
ELIGIBLE = "c.track = 'automatic' AND coalesce(s.status, 'pending') = 'pending'"
_TS = f"coalesce(c.tranche, {NO_TRANCHE_SORT})"
_COLS = ("c.id, c.case_number, c.person_id, c.track, c.tranche, c.charges, coalesce(s.status, 'pending'),"
         " coalesce(s.version, 0)")
CHUNK = 500  # case ids per query (json_each)


@dataclass(frozen=True)
class MarkedCase:
    """A marked case as read: what bulk approval checks and shows."""

    case_id: int
    case_number: str
    person_id: str
    track: str | None
    tranche: int | None
    charges: int
    status: str
    version: int


def _filter_where(match: dict, as_of: date) -> tuple[list[str], dict] | None:
    """The queue filter ``match`` (``QueueFilter.kwargs()``) as SQL conditions; None: matches nothing.
    The queue's own conditions (:func:`clearterm.storage.reviews._queue_where`): a mark-all holds
    exactly the cases the queue shows under that filter, "mine" and the state after the decision
    included."""
    return _queue_where(as_of=as_of, **{k: match.get(k) for k in _FILTERS})


def _marked_where(case_ids: Iterable[int], match: dict | None, unmarked: Iterable[int],
                  as_of: date) -> tuple[str, dict]:
    ids = sorted(set(int(i) for i in case_ids))
    params: dict = {"ids": json.dumps(ids), "unmarked": json.dumps(sorted(set(int(i) for i in unmarked)))}
    parts = ["c.id IN (SELECT value FROM json_each(:ids))"] if ids else []
    if match is not None:
        got = _filter_where(match, as_of)
        if got is not None:
            where, p = got
            parts.append("(" + " AND ".join(where) + " AND c.id NOT IN (SELECT value FROM json_each(:unmarked)))")
            params.update(p)
    return ("(" + " OR ".join(parts) + ")") if parts else "0", params


def marked_cases(conn: sqlite3.Connection, *, case_ids: Iterable[int] = (), match: dict | None = None,
                 unmarked: Iterable[int] = (), as_of: date, eligible: bool = True,
                 limit: int | None = None) -> list[MarkedCase]:
    """The marked cases, in queue order: those in ``case_ids``, and every case the queue filter
    ``match`` shows (when given) but those in ``unmarked``. ``eligible``: only pending
    automatic-track cases; False: only the others (``limit`` of them)."""
    cond, params = _marked_where(case_ids, match, unmarked, as_of)
    keep = ELIGIBLE if eligible else f"NOT ({ELIGIBLE})"
    sql = (f"SELECT {_COLS} FROM cases c LEFT JOIN case_status s ON s.case_id = c.id"
           f" WHERE {cond} AND {keep} ORDER BY {_TS}, c.id")
    if limit is not None:
        sql += f" LIMIT {int(limit)}"
    return [MarkedCase(*r) for r in conn.execute(sql, params)]


def count_marked(conn: sqlite3.Connection, *, case_ids: Iterable[int] = (), match: dict | None = None,
                 unmarked: Iterable[int] = (), as_of: date, eligible: bool | None = None) -> int:
    """How many cases are marked (``eligible``: of them, the pending automatic ones, or the others)."""
    cond, params = _marked_where(case_ids, match, unmarked, as_of)
    if eligible is not None:
        cond += f" AND {ELIGIBLE}" if eligible else f" AND NOT ({ELIGIBLE})"
    return int(conn.execute(f"SELECT count(*) FROM cases c LEFT JOIN case_status s ON s.case_id = c.id"
                            f" WHERE {cond}", params).fetchone()[0])


def case_codes(conn: sqlite3.Connection, case_ids: Iterable[int]) -> dict[int, frozenset[str]]:
    """Each case's reason codes and notes: every code of its charges' decisions in force."""
    out: dict[int, set[str]] = {}
    ids = list(case_ids)
    for i in range(0, len(ids), CHUNK):
        rows = conn.execute(
            "SELECT c.id, d.reasons FROM cases c"
            " JOIN records r ON r.case_number = c.case_number AND coalesce(r.person_id, '') = c.person_id"
            " JOIN decision_current dc ON dc.record_id = r.record_id JOIN decisions d ON d.id = dc.decision_id"
            " WHERE c.id IN (SELECT value FROM json_each(?))", (json.dumps(ids[i:i + CHUNK]),))
        for cid, reasons in rows:
            codes = out.setdefault(cid, set())
            if reasons:
                codes.update(reasons.split(";"))
    return {cid: frozenset(out.get(cid, ())) for cid in ids}


# -- bulk_actions ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class BulkAction:
    id: int
    kind: str  # approve | undo
    undoes: int | None
    actor: str
    filter: dict
    requested: int
    created_at: str


def insert_bulk_action(conn: sqlite3.Connection, *, kind: str, actor: str, filter: dict, requested: int,
                       at: str, undoes: int | None = None) -> int:
    if not conn.in_transaction:
        raise RuntimeError("insert_bulk_action must run inside a write transaction")
    return int(conn.execute(
        "INSERT INTO bulk_actions (kind, undoes, actor, filter, requested, created_at) VALUES (?, ?, ?, ?, ?, ?)",
        (kind, undoes, actor, json.dumps(filter, sort_keys=True), int(requested), at)).lastrowid)


def get_bulk_action(conn: sqlite3.Connection, bulk_id: int) -> BulkAction | None:
    row = conn.execute("SELECT id, kind, undoes, actor, filter, requested, created_at FROM bulk_actions"
                       " WHERE id = ?", (bulk_id,)).fetchone()
    return None if row is None else BulkAction(row[0], row[1], row[2], row[3], json.loads(row[4]), row[5], row[6])


def undone_by(conn: sqlite3.Connection, bulk_id: int) -> int | None:
    """The bulk undo that compensated bulk action ``bulk_id`` (None: not undone)."""
    row = conn.execute("SELECT id FROM bulk_actions WHERE undoes = ? ORDER BY id LIMIT 1", (bulk_id,)).fetchone()
    return None if row is None else int(row[0])


def bulk_entries(conn: sqlite3.Connection, bulk_id: int) -> list[tuple[int, int]]:
    """(review id, case id) of every entry the bulk action made, oldest first."""
    return [(int(a), int(b)) for a, b in conn.execute(
        "SELECT id, case_id FROM reviews WHERE bulk_id = ? ORDER BY id", (bulk_id,))]


def bulk_of_review(conn: sqlite3.Connection, review_id: int) -> int | None:
    row = conn.execute("SELECT bulk_id FROM reviews WHERE id = ?", (review_id,)).fetchone()
    return None if row is None or row[0] is None else int(row[0])


def bulk_mismatches(conn: sqlite3.Connection, limit: int = 20) -> list[int]:
    """Review ids whose ``bulk_id`` differs from the bulk their audit entry names (``detail.bulk``)."""
    return [int(r[0]) for r in conn.execute(
        "SELECT r.id FROM reviews r JOIN audit a ON a.review_id = r.id"
        " WHERE r.bulk_id IS NOT json_extract(a.detail, '$.bulk') ORDER BY r.id LIMIT ?", (int(limit),))]


# -- many entries in one transaction ------------------------------------------------------------------
def cases_and_states(conn: sqlite3.Connection, case_ids: list[int]) -> dict[int, tuple]:
    """``{case id: (CaseRef, CaseState)}`` for these cases, read in two queries (the log, not the cache)."""
    from clearterm.storage.reviews import _CASE_SELECT, _SELECT, CaseRef, CaseState, ReviewEntry, replay

    ids = json.dumps([int(i) for i in case_ids])
    refs = {r[0]: CaseRef(*r) for r in conn.execute(
        f"{_CASE_SELECT} WHERE id IN (SELECT value FROM json_each(?))", (ids,))}
    entries: dict[int, list] = {}
    for row in conn.execute(f"{_SELECT} WHERE case_id IN (SELECT value FROM json_each(?)) ORDER BY case_id, id",
                            (ids,)):
        entries.setdefault(row[1], []).append(ReviewEntry(*row))
    return {cid: (ref, replay(cid, entries[cid]) if cid in entries else CaseState(cid)) for cid, ref in refs.items()}


def frozen_cases(conn: sqlite3.Connection, case_ids: list[int]) -> set[int]:
    """Those of the cases that are in a signed batch (the store refuses any review entry on them)."""
    return {int(r[0]) for r in conn.execute(
        "SELECT bc.case_id FROM batch_cases bc JOIN batches b ON b.id = bc.batch_id"
        " WHERE b.status = 'signed' AND bc.case_id IN (SELECT value FROM json_each(?))",
        (json.dumps([int(i) for i in case_ids]),))}


def append_reviews(conn: sqlite3.Connection, todo: list[tuple], *, reviewer: str, bulk_id: int,
                   at: str) -> int:
    """Append ``[(CaseRef, CaseState, NewEntry)]`` (decided and checked by the caller, at the
    version in ``state``) exactly as :func:`clearterm.storage.reviews.append_review` appends each
    one: the review entry, its audit entry (naming ``bulk_id``), the case's status; and the
    reviewer's place once. A few statements for the lot instead of nine per case. The caller holds
    the write transaction and has left out frozen cases (:func:`frozen_cases`). Returns the count."""
    from clearterm.storage import audit
    from clearterm.storage.reviews import _COLS, _UPSERT_STATUS, ReviewEntry, _status_row, replay

    if not conn.in_transaction:
        raise RuntimeError("append_reviews must run inside a write transaction")
    if not todo:
        return 0
    next_id = int(conn.execute("SELECT coalesce(max(id), 0) FROM reviews").fetchone()[0]) + 1
    seq, prev = audit.head(conn)
    rows, audits, statuses = [], [], []
    for n, (case, state, new) in enumerate(todo):
        rid = next_id + n
        entry = ReviewEntry(rid, case.id, case.case_number, case.person_id, case.track, new.action, new.ground,
                            new.note, new.served, new.undoes, new.status, state.version, reviewer, at)
        rows.append((*(getattr(entry, c) for c in _COLS), bulk_id))
        detail = {"action": new.action, "status": new.status, "version": rid, "expected_version": state.version,
                  "bulk": bulk_id}
        if new.undoes:
            detail["undoes"] = new.undoes
        seq += 1
        a = {"seq": seq, "at": at, "actor": reviewer, "event": f"review.{new.action}", "case_id": case.id,
             "review_id": rid, "review_hash": audit.review_hash(dict(zip(_COLS, rows[-1]))),
             "detail": audit.canonical(detail).decode("utf-8"), "prev_hash": prev}
        prev = audit.entry_hash(a)
        audits.append((*(a[k] for k in audit.AUDIT_FIELDS), prev))
        statuses.append(_status_row(replay(case.id, (*state.effective, entry))))
    conn.executemany(f"INSERT INTO reviews ({', '.join(_COLS)}, bulk_id) VALUES ({', '.join('?' * (len(_COLS) + 1))})",
                     rows)
    conn.executemany(f"INSERT INTO audit ({', '.join(audit.AUDIT_FIELDS)}, hash)"
                     f" VALUES ({', '.join('?' * (len(audit.AUDIT_FIELDS) + 1))})", audits)
    conn.executemany(_UPSERT_STATUS, statuses)
    last = todo[-1][0].id
    conn.execute(
        "INSERT INTO reviewer_state (reviewer, last_case_id, last_review_id, last_acted_at) VALUES (?, ?, ?, ?)"
        " ON CONFLICT(reviewer) DO UPDATE SET last_case_id = excluded.last_case_id,"
        " last_review_id = excluded.last_review_id, last_acted_at = excluded.last_acted_at",
        (reviewer, last, next_id + len(todo) - 1, at))
    return len(todo)


@contextmanager
def no_sync_wait(conn):
    """The chunks commit without waiting for the disk (``synchronous=NORMAL``: in WAL mode a power
    cut may lose the latest chunks, never consistency; a rerun skips what was kept). The closing
    entry commits with the store's own setting (``FULL``), which makes the whole WAL durable: every
    case reported as approved is on disk once the bulk action says it is done."""
    was = conn.execute("PRAGMA synchronous").fetchone()[0]
    conn.execute("PRAGMA synchronous=NORMAL")
    try:
        yield
    finally:
        conn.execute(f"PRAGMA synchronous={int(was)}")
