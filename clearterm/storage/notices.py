"""Letters mailed and agencies told after a ruling (``case_notices``, migration 0009).

Rows are appended, never changed (the table's triggers refuse it); a notice already recorded for
a case (same kind, same agency) is left as it is, so recording twice is harmless. Every writer
here runs inside the caller's write transaction and then re-derives the touched cases'
``case_lifecycle`` rows (:func:`refresh_states`).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass

#: The letter recorded for each ruling a letter follows.
LETTER_KINDS = {"granted": "letter_granted", "denied": "letter_denied"}


@dataclass(frozen=True)
class RuledCase:
    """A case of a batch and its ruling (its final one, else its latest by ruling date, then entry)."""

    case_id: int
    ruling: str
    ruling_date: str
    order_number: str | None
    judge: str | None


def ruled_cases(conn: sqlite3.Connection, batch_id: int) -> dict[int, RuledCase]:
    """Each case of ``batch_id`` that has a ruling, with the ruling that counts: its final ruling
    when it has one, else its latest (as ``case_lifecycle`` derives the state)."""
    rows = conn.execute(
        "SELECT r.case_id, r.ruling, r.ruling_date, r.order_number, r.judge FROM rulings r"
        " JOIN batch_cases bc ON bc.case_id = r.case_id AND bc.batch_id = ?"
        " WHERE r.id = (SELECT r2.id FROM rulings r2 WHERE r2.case_id = r.case_id"
        "               ORDER BY r2.ruling IN ('granted', 'denied', 'stricken', 'withdrawn') DESC,"
        "               r2.ruling_date DESC, r2.id DESC LIMIT 1)"
        " ORDER BY bc.position", (batch_id,)).fetchall()
    return {r[0]: RuledCase(*r) for r in rows}


def notices_of_batch(conn: sqlite3.Connection, batch_id: int) -> set[tuple[int, str, str]]:
    """(case_id, kind, agency or '') of every notice recorded for the cases of ``batch_id``."""
    return {(c, k, a or "") for c, k, a in conn.execute(
        "SELECT n.case_id, n.kind, n.agency FROM case_notices n"
        " JOIN batch_cases bc ON bc.case_id = n.case_id AND bc.batch_id = ?", (batch_id,))}


def insert_notices(conn: sqlite3.Connection, rows: Iterable[tuple[int, int, str, str | None, str]], *,
                   actor: str, at: str) -> int:
    """Append (case_id, batch_id, kind, agency, sent_date) notices not recorded yet; how many."""
    before = conn.total_changes
    conn.executemany(
        "INSERT INTO case_notices (case_id, batch_id, kind, agency, sent_date, actor, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
        [(c, b, k, a, d, actor, at) for c, b, k, a, d in rows])
    return conn.total_changes - before


def letters_made(conn: sqlite3.Connection, batch_label: str) -> list[dict]:
    """The details of the audited ``letters.made`` entries (``clearterm letters``) of the batch
    labelled ``batch_label``, oldest first: kind, counts and, since issue 18, the case ids."""
    out = []
    for (detail,) in conn.execute("SELECT detail FROM audit WHERE event = 'letters.made' ORDER BY seq"):
        d = json.loads(detail)
        if isinstance(d, dict) and d.get("batch") == batch_label:
            out.append(d)
    return out


def refresh_states(conn: sqlite3.Connection, case_ids: Iterable[int], *, at: str) -> None:
    """Re-derive ``case_lifecycle`` for ``case_ids`` after their notices changed, by the
    lifecycle's own derivation (:func:`clearterm.storage.lifecycle.refresh_lifecycle`): a granted
    or denied case with a letter recorded is ``notified``; a granted case is ``agencies_told`` only
    once every agency it needs (the State Police, the Clerk, each arresting agency) is told."""
    from clearterm.storage.lifecycle import refresh_lifecycle

    refresh_lifecycle(conn, sorted({int(c) for c in case_ids}), at=at)


def lifecycle_state(conn: sqlite3.Connection, case_id: int) -> str | None:
    row = conn.execute("SELECT state FROM case_lifecycle WHERE case_id = ?", (case_id,)).fetchone()
    return None if row is None else row[0]


def notices_made_at(conn: sqlite3.Connection, batch_label: str) -> str | None:
    """When the agency notices of the batch labelled ``batch_label`` were last made (the ``at`` of
    its latest ``notices.made`` audit entry), or None when they never were."""
    row = conn.execute("SELECT at FROM audit WHERE event = 'notices.made' AND json_extract(detail, '$.batch') = ?"
                       " ORDER BY seq DESC LIMIT 1", (batch_label,)).fetchone()
    return None if row is None else row[0]


def ruled_since(conn: sqlite3.Connection, case_ids: Iterable[int], at: str) -> list[int]:
    """Of ``case_ids``, those with a ruling recorded after ``at`` (an audit timestamp)."""
    ids = sorted({int(c) for c in case_ids})
    return [c for (c,) in conn.execute(
        "SELECT DISTINCT case_id FROM rulings WHERE case_id IN (SELECT value FROM json_each(?)) AND created_at > ?"
        " ORDER BY case_id", (json.dumps(ids), at))]
