"""Court batches in the store: batch rows, their cases, labels, publishing state and freezing.

The SQL of :mod:`clearterm.services.batches`; the service opens the transactions (``Store.write``)
and calls these inside them. Rows come back as tuples in the order the docstrings give.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence

from clearterm.storage.audit import REVIEW_FIELDS
from clearterm.storage.records import SELECT_COLUMNS

#: A batch as read: id, label, track, tranche, status ('open' | 'publishing' | 'signed'), cases,
#: created_at, created_by, signed_at, signed_by, documents, pages, manifest_sha256, anchor_seq,
#: anchor_hash, signed_audit_seq.
_INFO_SELECT = (
    "SELECT b.id, b.label, b.track, b.tranche,"
    " CASE WHEN EXISTS (SELECT 1 FROM batch_publishing p WHERE p.batch_id = b.id) THEN 'publishing'"
    " ELSE b.status END,"
    " (SELECT count(*) FROM batch_cases bc WHERE bc.batch_id = b.id),"
    " b.created_at, b.created_by, b.signed_at, b.signed_by, b.documents, b.pages, b.manifest_sha256,"
    " b.anchor_seq, b.anchor_hash, b.signed_audit_seq FROM batches b")

#: The columns of a ``batch_publishing`` row, in order.
PUBLISHING_COLUMNS = ("batch_id", "label", "batch_dir", "staging_dir", "pid", "manifest_sha256",
                      "signature_sha256", "signed_at", "signed_by", "signer_name", "documents", "pages",
                      "anchor_seq", "anchor_hash", "signed_audit_seq")


def batch_rows(conn: sqlite3.Connection) -> list[tuple]:
    """Every batch, newest first."""
    return conn.execute(f"{_INFO_SELECT} ORDER BY b.id DESC").fetchall()


def batch_row(conn: sqlite3.Connection, batch_id: int) -> tuple | None:
    return conn.execute(f"{_INFO_SELECT} WHERE b.id = ?", (batch_id,)).fetchone()


def batch_row_by_label(conn: sqlite3.Connection, label: str) -> tuple | None:
    return conn.execute(f"{_INFO_SELECT} WHERE b.label = ?", (label,)).fetchone()


def batch_case_rows(conn: sqlite3.Connection, batch_id: int) -> list[tuple]:
    """(position, case_id, case_number, person_id, status, version) in batch order."""
    return conn.execute(
        "SELECT position, case_id, case_number, person_id, status, version FROM batch_cases"
        " WHERE batch_id = ? ORDER BY position", (batch_id,)).fetchall()


def changed_case_rows(conn: sqlite3.Connection, batch_id: int, track: str) -> list[tuple]:
    """Like :func:`batch_case_rows`, for the cases whose review version moved on since the batch
    was made, or that left ``track``."""
    return conn.execute(
        "SELECT bc.position, bc.case_id, bc.case_number, bc.person_id, bc.status, bc.version"
        " FROM batch_cases bc JOIN cases c ON c.id = bc.case_id WHERE bc.batch_id = ?"
        " AND (bc.version != (SELECT coalesce(max(r.id), 0) FROM reviews r WHERE r.case_id = bc.case_id)"
        "      OR c.track IS NOT ?)"
        " ORDER BY bc.position", (batch_id, track)).fetchall()


def signed_batch_label_of_case(conn: sqlite3.Connection, case_id: int) -> str | None:
    """The label of the signed batch the case is in, if any."""
    row = conn.execute("SELECT b.label FROM batch_cases bc JOIN batches b ON b.id = bc.batch_id"
                       " WHERE bc.case_id = ? AND b.status = 'signed'", (case_id,)).fetchone()
    return row[0] if row else None


def waiting_case_rows(conn: sqlite3.Connection, track: str, statuses: Sequence[str], tranche: int | None,
                      no_tranche_sort: int) -> list[tuple]:
    """Cases of ``track`` with one of ``statuses``, decided on that track, in no batch, in queue
    order: (case_id, case_number, person_id, status, version, ground, note)."""
    marks = ", ".join("?" for _ in statuses)
    sql = (
        "SELECT c.id, c.case_number, c.person_id, s.status, s.version, d.ground, d.note"
        " FROM cases c JOIN case_status s ON s.case_id = c.id JOIN reviews d ON d.id = s.decision_id"
        f" WHERE c.track = ? AND s.status IN ({marks}) AND d.track = c.track"
        " AND NOT EXISTS (SELECT 1 FROM batch_cases bc WHERE bc.case_id = c.id)"
        + (" AND c.tranche = ?" if tranche is not None else "")
        + f" ORDER BY coalesce(c.tranche, {int(no_tranche_sort)}), c.id")
    params: list = [track, *statuses]
    if tranche is not None:
        params.append(tranche)
    return conn.execute(sql, params).fetchall()


def decided_case_rows_of(conn: sqlite3.Connection, batch_id: int, track: str, statuses: Sequence[str]
                         ) -> list[tuple]:
    """Like :func:`waiting_case_rows`, for the cases already in batch ``batch_id``."""
    marks = ", ".join("?" for _ in statuses)
    return conn.execute(
        "SELECT c.id, c.case_number, c.person_id, s.status, s.version, d.ground, d.note"
        " FROM batch_cases bc JOIN cases c ON c.id = bc.case_id JOIN case_status s ON s.case_id = c.id"
        " JOIN reviews d ON d.id = s.decision_id"
        f" WHERE bc.batch_id = ? AND c.track = ? AND s.status IN ({marks}) AND d.track = c.track",
        (batch_id, track, *statuses)).fetchall()


def next_batch_id(conn: sqlite3.Connection) -> int:
    """After every id ever issued (batch_labels keeps dropped ones): a label is never reused."""
    return int(conn.execute("SELECT max(coalesce((SELECT max(id) FROM batch_labels), 0),"
                            " coalesce((SELECT max(id) FROM batches), 0)) + 1").fetchone()[0])


def insert_batch(conn: sqlite3.Connection, batch_id: int, label: str, track: str, tranche: int | None,
                 at: str, actor: str, cases: list[tuple]) -> None:
    """An open batch and its cases ((case_id, case_number, person_id, status, version) in order)."""
    conn.execute("INSERT INTO batches (id, label, track, tranche, status, created_at, created_by)"
                 " VALUES (?, ?, ?, ?, 'open', ?, ?)", (batch_id, label, track, tranche, at, actor))
    conn.executemany(
        "INSERT INTO batch_cases (batch_id, position, case_id, case_number, person_id, status, version)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        [(batch_id, i + 1, *c) for i, c in enumerate(cases)])


def remove_batch_case(conn: sqlite3.Connection, batch_id: int, position: int) -> None:
    conn.execute("DELETE FROM batch_cases WHERE batch_id = ? AND position = ?", (batch_id, position))


def refresh_batch_case(conn: sqlite3.Connection, batch_id: int, position: int, status: str, version: int) -> None:
    conn.execute("UPDATE batch_cases SET status = ?, version = ? WHERE batch_id = ? AND position = ?",
                 (status, version, batch_id, position))


def delete_batch(conn: sqlite3.Connection, batch_id: int) -> None:
    """An open batch and its cases (the label stays taken: batch_labels)."""
    conn.execute("DELETE FROM batch_cases WHERE batch_id = ?", (batch_id,))
    conn.execute("DELETE FROM batches WHERE id = ?", (batch_id,))


def review_rows_of_batch(conn: sqlite3.Connection, batch_id: int) -> Iterator[tuple]:
    """Every review of the batch's cases (REVIEW_FIELDS in order), by case then id."""
    return conn.execute(
        f"SELECT {', '.join('r.' + c for c in REVIEW_FIELDS)} FROM batch_cases bc"
        " JOIN reviews r ON r.case_id = bc.case_id"
        " WHERE bc.batch_id = ? ORDER BY r.case_id, r.id", (batch_id,))


def record_rows_of_batch(conn: sqlite3.Connection, batch_id: int) -> Iterator[tuple]:
    """(case_id, *record COLUMNS, category, reasons, statute_cite) for every record of the batch's
    cases with its decision in force, in batch order."""
    return conn.execute(
        f"SELECT bc.case_id, {SELECT_COLUMNS}, d.category, d.reasons, d.statute_cite"
        " FROM batch_cases bc JOIN records r ON r.case_number = bc.case_number"
        "  AND coalesce(r.person_id, '') = bc.person_id"
        " LEFT JOIN decision_current dc ON dc.record_id = r.record_id"
        " LEFT JOIN decisions d ON d.id = dc.decision_id"
        " WHERE bc.batch_id = ? ORDER BY bc.position, r.id", (batch_id,))


def signed_state_by_label(conn: sqlite3.Connection, label: str) -> tuple[str, str | None] | None:
    """(status, manifest_sha256) of the batch labelled ``label``."""
    row = conn.execute("SELECT status, manifest_sha256 FROM batches WHERE label = ?", (label,)).fetchone()
    return None if row is None else (row[0], row[1])


# -- publishing -------------------------------------------------------------------------------------
def has_publishing(conn: sqlite3.Connection, batch_id: int | None = None) -> bool:
    """Whether a batch (``batch_id``'s, or any) is recorded as publishing."""
    where, params = (" WHERE batch_id = ?", (batch_id,)) if batch_id is not None else ("", ())
    return conn.execute(f"SELECT 1 FROM batch_publishing{where} LIMIT 1", params).fetchone() is not None


def publishing_rows(conn: sqlite3.Connection, batch_id: int | None = None) -> list[dict]:
    """The publishing records (``batch_id``'s, or all), as dicts keyed by PUBLISHING_COLUMNS."""
    where, params = (" WHERE batch_id = ?", (batch_id,)) if batch_id is not None else ("", ())
    cols = ", ".join(PUBLISHING_COLUMNS)
    return [dict(zip(PUBLISHING_COLUMNS, values))
            for values in conn.execute(f"SELECT {cols} FROM batch_publishing{where}", params).fetchall()]


def insert_publishing(conn: sqlite3.Connection, row: dict) -> None:
    conn.execute(f"INSERT INTO batch_publishing ({', '.join(PUBLISHING_COLUMNS)})"
                 f" VALUES ({', '.join(':' + c for c in PUBLISHING_COLUMNS)})", row)


def delete_publishing(conn: sqlite3.Connection, batch_id: int, manifest_sha256: str) -> bool:
    """Remove the publishing record; False if it was already gone."""
    return conn.execute("DELETE FROM batch_publishing WHERE batch_id = ? AND manifest_sha256 = ?",
                        (batch_id, manifest_sha256)).rowcount == 1


def mark_signed(conn: sqlite3.Connection, row: dict) -> None:
    """Record the (open) batch of publishing record ``row`` as signed: frozen from then on."""
    conn.execute(
        "UPDATE batches SET status = 'signed', signed_at = ?, signed_by = ?, signer_name = ?,"
        " documents = ?, pages = ?, manifest_sha256 = ?, anchor_seq = ?, anchor_hash = ?,"
        " signed_audit_seq = ? WHERE id = ? AND status = 'open'",
        (row["signed_at"], row["signed_by"], row["signer_name"], row["documents"], row["pages"],
         row["manifest_sha256"], row["anchor_seq"], row["anchor_hash"], row["signed_audit_seq"], row["batch_id"]))


# -- demo -------------------------------------------------------------------------------------------
def pending_case_ids(conn: sqlite3.Connection, track: str, limit: int, no_tranche_sort: int) -> list[int]:
    """Up to ``limit`` pending cases of ``track`` in no batch, in queue order."""
    return [r[0] for r in conn.execute(
        "SELECT c.id FROM cases c LEFT JOIN case_status s ON s.case_id = c.id WHERE c.track = ?"
        " AND coalesce(s.status, 'pending') = 'pending'"
        " AND NOT EXISTS (SELECT 1 FROM batch_cases bc WHERE bc.case_id = c.id)"
        f" ORDER BY coalesce(c.tranche, {int(no_tranche_sort)}), c.id LIMIT ?", (track, limit))]


def late_case_rows_of_batch(conn: sqlite3.Connection, batch_id: int) -> list[tuple]:
    """The batch's objected cases whose objection in force was recorded late (migration 0011):
    (case_id, case_number, person_id, deadline, days_late) in batch order."""
    return conn.execute(
        "SELECT bc.case_id, bc.case_number, bc.person_id, l.deadline, l.days_late FROM batch_cases bc"
        " JOIN case_status s ON s.case_id = bc.case_id JOIN late_objections l ON l.review_id = s.decision_id"
        " WHERE bc.batch_id = ? AND s.status = 'objected' ORDER BY bc.position", (batch_id,)).fetchall()
