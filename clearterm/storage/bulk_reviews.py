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
from dataclasses import dataclass
from datetime import date

from clearterm.domain.deadlines import OBJECTION_DAYS
from clearterm.storage.reviews import DEADLINE_FILTERS, DUE_SOON_DAYS, NO_TRANCHE_SORT, STATUSES, TRACKS, fts_query

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
    """The queue filter ``match`` (``QueueFilter.kwargs()``) as SQL conditions; None: matches nothing."""
    track, tranche, status = match.get("track"), match.get("tranche"), match.get("status")
    deadline, search = match.get("deadline"), match.get("search")
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
    due = f"date(s.service_date, '+{OBJECTION_DAYS} days')"
    if deadline == "overdue":
        where.append(f"c.track = 'petition' AND s.service_date IS NOT NULL AND {due} < :as_of"
                     " AND s.status IN ('pending', 'deferred')")
    elif deadline == "soon":
        where.append(f"c.track = 'petition' AND s.service_date IS NOT NULL AND {due} >= :as_of"
                     f" AND {due} <= date(:as_of, '+{DUE_SOON_DAYS} days') AND s.status IN ('pending', 'deferred')")
    if search is not None:
        q = fts_query(search)
        if q is None:
            return None
        where.append("c.id IN (SELECT rowid FROM cases_fts WHERE cases_fts MATCH :q)")
        params["q"] = q
    return where, params


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
