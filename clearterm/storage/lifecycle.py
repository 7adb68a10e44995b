"""The life of a case after its review decision: ``case_lifecycle`` and its sources.

``case_lifecycle`` (migration 0009) holds one row per case that is in a batch: its state
(:data:`LIFECYCLE_STATES`), its batch, its current court date and the date of its last ruling.
It is derived from the batch tables, ``batch_filings``, ``rulings`` and ``case_notices`` and
rebuilt by :func:`refresh_lifecycle`; every writer that changes one of those tables calls it for
the cases it touched, inside its own write transaction (the caller's ``Store.write``), so the
state never disagrees with the tables it is read from.

:func:`set_lifecycle` writes one state directly (for a writer that knows the state it has just
caused); :func:`refresh_lifecycle` is the one to prefer: it reads the state from the tables.

How a state is derived (:func:`derive_state`), for a case in a batch:

* no ruling: ``batched`` (batch open or being signed), ``signed`` (batch signed), ``filed``
  (the batch has a filing; court date: the batch's latest court date);
* the latest ruling (by ruling date, then entry) ``continued``: ``continued``, court date its
  next court date, or the batch's latest court date when that is after the ruling; none if
  neither;
* ``granted``/``denied``/``stricken``/``withdrawn``: that state, then ``notified`` once a letter
  to the person was recorded (``letter_granted`` or ``letter_denied``), ``agencies_told`` once an
  agency notice was recorded (granted only).

A case that is in no batch (its open batch was dropped, or the case was taken out) has no row.
Everything here runs inside the caller's write transaction.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass

from clearterm.storage.migrations.m0009_lifecycle import LIFECYCLE_STATES, RULINGS

__all__ = [
    "LIFECYCLE_STATES", "RULINGS", "CaseFacts", "derive_state", "set_lifecycle", "refresh_lifecycle",
    "refresh_batch_lifecycle", "lifecycle_row", "lifecycle_counts",
]

#: Case ids per refresh query (json_each keeps the statement one parameter long).
_CHUNK = 5000


@dataclass(frozen=True)
class CaseFacts:
    """What the state of one case is derived from."""

    case_id: int
    batch_id: int | None
    batch_status: str | None  # 'open' | 'signed'
    filed: bool
    batch_court_date: str | None  # the batch's latest court date (filing or continuance)
    ruling: str | None  # the latest ruling
    ruling_date: str | None
    next_court_date: str | None
    letter: bool  # a letter to the person was recorded
    agency: bool  # an agency was told


def derive_state(f: CaseFacts) -> tuple[str, str | None, str | None] | None:
    """(state, court_date, ruling_date) of a case, or None when it is in no batch."""
    if f.batch_id is None:
        return None
    if f.ruling is None:
        if f.filed:
            return "filed", f.batch_court_date, None
        return ("signed" if f.batch_status == "signed" else "batched"), None, None
    if f.ruling == "continued":
        court = f.next_court_date
        if court is None and f.batch_court_date and f.batch_court_date > (f.ruling_date or ""):
            court = f.batch_court_date
        return "continued", court, f.ruling_date
    if f.agency and f.ruling == "granted":
        return "agencies_told", None, f.ruling_date
    if f.letter:
        return "notified", None, f.ruling_date
    return f.ruling, None, f.ruling_date


_FACTS_SQL = """
SELECT i.value, bc.batch_id, b.status,
  EXISTS (SELECT 1 FROM batch_filings f WHERE f.batch_id = bc.batch_id AND f.kind = 'filed'),
  (SELECT f.court_date FROM batch_filings f WHERE f.batch_id = bc.batch_id ORDER BY f.id DESC LIMIT 1),
  r.ruling, r.ruling_date, r.next_court_date,
  EXISTS (SELECT 1 FROM case_notices n WHERE n.case_id = i.value AND n.kind IN ('letter_granted', 'letter_denied')),
  EXISTS (SELECT 1 FROM case_notices n WHERE n.case_id = i.value AND n.kind = 'agency')
FROM json_each(?) i
LEFT JOIN batch_cases bc ON bc.case_id = i.value
LEFT JOIN batches b ON b.id = bc.batch_id
LEFT JOIN rulings r ON r.id = (SELECT r2.id FROM rulings r2 WHERE r2.case_id = i.value
                               ORDER BY r2.ruling_date DESC, r2.id DESC LIMIT 1)
"""

_UPSERT_SQL = """
INSERT INTO case_lifecycle (case_id, state, batch_id, court_date, ruling_date, updated_at)
VALUES (?, ?, ?, ?, ?, ?)
ON CONFLICT (case_id) DO UPDATE SET state = excluded.state, batch_id = excluded.batch_id,
  court_date = excluded.court_date, ruling_date = excluded.ruling_date, updated_at = excluded.updated_at
WHERE case_lifecycle.state IS NOT excluded.state OR case_lifecycle.batch_id IS NOT excluded.batch_id
  OR case_lifecycle.court_date IS NOT excluded.court_date
  OR case_lifecycle.ruling_date IS NOT excluded.ruling_date
"""


def _facts(conn: sqlite3.Connection, ids: list[int]) -> list[CaseFacts]:
    rows = conn.execute(_FACTS_SQL, (json.dumps(ids),)).fetchall()
    return [CaseFacts(int(r[0]), r[1], r[2], bool(r[3]), r[4], r[5], r[6], r[7], bool(r[8]), bool(r[9]))
            for r in rows]


def _require_transaction(conn: sqlite3.Connection) -> None:
    if not conn.in_transaction:
        raise RuntimeError("case_lifecycle is written inside a write transaction only")


def refresh_lifecycle(conn: sqlite3.Connection, case_ids: Iterable[int], *, at: str) -> int:
    """Re-derive the state of ``case_ids`` from the tables; returns how many rows changed.

    Run inside the write transaction that changed the batch, filing, ruling or notice rows.
    ``at`` is the change's timestamp (``updated_at`` moves only for a row whose state changed).
    """
    _require_transaction(conn)
    ids = sorted({int(c) for c in case_ids})
    changed = 0
    for start in range(0, len(ids), _CHUNK):
        upserts, gone = [], []
        for facts in _facts(conn, ids[start:start + _CHUNK]):
            derived = derive_state(facts)
            if derived is None:
                gone.append((facts.case_id,))
            else:
                state, court, ruled = derived
                upserts.append((facts.case_id, state, facts.batch_id, court, ruled, at))
        before = conn.total_changes
        conn.executemany(_UPSERT_SQL, upserts)
        conn.executemany("DELETE FROM case_lifecycle WHERE case_id = ?", gone)
        changed += conn.total_changes - before
    return changed


def refresh_batch_lifecycle(conn: sqlite3.Connection, batch_id: int, *, at: str,
                            also: Iterable[int] = ()) -> int:
    """:func:`refresh_lifecycle` for every case of the batch (plus ``also``: cases just taken out)."""
    ids = [r[0] for r in conn.execute("SELECT case_id FROM batch_cases WHERE batch_id = ?", (batch_id,))]
    ids += [r[0] for r in conn.execute("SELECT case_id FROM case_lifecycle WHERE batch_id = ?", (batch_id,))]
    return refresh_lifecycle(conn, [*ids, *also], at=at)


def set_lifecycle(conn: sqlite3.Connection, case_id: int, state: str, *, at: str,
                  batch_id: int | None = None, court_date: str | None = None,
                  ruling_date: str | None = None) -> None:
    """Write the state of one case directly (inside the caller's write transaction).

    ``batch_id``, ``court_date`` and ``ruling_date`` keep their stored values when not given.
    Prefer :func:`refresh_lifecycle` after writing the row that causes the change (a letter
    recorded in ``case_notices`` makes the case ``notified`` there too).
    """
    _require_transaction(conn)
    if state not in LIFECYCLE_STATES:
        raise ValueError(f"unknown lifecycle state {state!r}")
    conn.execute(
        "INSERT INTO case_lifecycle (case_id, state, batch_id, court_date, ruling_date, updated_at)"
        " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (case_id) DO UPDATE SET state = excluded.state,"
        " batch_id = coalesce(excluded.batch_id, case_lifecycle.batch_id),"
        " court_date = coalesce(excluded.court_date, case_lifecycle.court_date),"
        " ruling_date = coalesce(excluded.ruling_date, case_lifecycle.ruling_date),"
        " updated_at = excluded.updated_at",
        (case_id, state, batch_id, court_date, ruling_date, at))


def lifecycle_row(conn: sqlite3.Connection, case_id: int) -> tuple | None:
    """(state, batch_id, court_date, ruling_date, updated_at) of a case, or None."""
    return conn.execute("SELECT state, batch_id, court_date, ruling_date, updated_at FROM case_lifecycle"
                        " WHERE case_id = ?", (case_id,)).fetchone()


def lifecycle_counts(conn: sqlite3.Connection, batch_id: int | None = None) -> dict[str, int]:
    """Cases by state (a batch's, or all), in :data:`LIFECYCLE_STATES` order, states with none left out."""
    where, params = (" WHERE batch_id = ?", (batch_id,)) if batch_id is not None else ("", ())
    counts = dict(conn.execute(f"SELECT state, count(*) FROM case_lifecycle{where} GROUP BY state", params)
                  .fetchall())
    return {s: int(counts[s]) for s in LIFECYCLE_STATES if s in counts}
