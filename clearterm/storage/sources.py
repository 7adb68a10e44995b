"""Ingest's writes: source files, records (insert, update with history), quarantine, staged chunks.

The SQL of :mod:`clearterm.ingest.pipeline`. The statements are built once, at import; the
pipeline's writer opens the transactions and calls these inside them, a chunk at a time.
"""

from __future__ import annotations

import json
import sqlite3

from clearterm.storage.records import COLUMNS

_N = len(COLUMNS)
_COLS_SQL = ", ".join(COLUMNS)
INSERT_RECORD = (
    f"INSERT INTO records ({_COLS_SQL}, version, source_id, source_line) "
    f"VALUES ({', '.join('?' * _N)}, 1, ?, ?)"
)
_INSERT_NEW = INSERT_RECORD + " ON CONFLICT(record_id) DO NOTHING"
UPDATE_RECORD = (
    "UPDATE records SET " + ", ".join(f"{c} = ?" for c in COLUMNS)
    + ", version = version + 1, source_id = ?, source_line = ? WHERE record_id = ?"
)
#: A stored record as :func:`stored_records` reads it: COLUMNS, then version, source_id, source_line.
_SELECT_IN = f"SELECT {_COLS_SQL}, version, source_id, source_line FROM records WHERE record_id IN "
# Staged chunks (large files): copied by SQLite itself; then the staged rows that met a stored
# record other than their own insert (known records, repeats within the file), in file order.
_COPY_STAGED = (
    f"INSERT INTO records ({_COLS_SQL}, version, source_id, source_line) "
    f"SELECT {_COLS_SQL}, 1, ?, line FROM {{stage}}.rows WHERE rowid BETWEEN ? AND ? ORDER BY rowid "
    "ON CONFLICT(record_id) DO NOTHING"
)
_STAGED_MET = (
    f"SELECT s.line, s.nlines, {', '.join('s.' + c for c in COLUMNS)} FROM {{stage}}.rows s"
    " JOIN records r ON r.record_id = s.record_id"
    " WHERE s.rowid BETWEEN ? AND ? AND NOT (r.source_id = ? AND r.source_line = s.line) ORDER BY s.rowid"
)
#: The staging file's one table: (line, nlines, *COLUMNS), rows in file order.
STAGE_SCHEMA = f"CREATE TABLE rows (line INTEGER NOT NULL, nlines INTEGER NOT NULL, {', '.join(COLUMNS)});"
_STAGE_INSERT = f"INSERT INTO rows VALUES ({', '.join('?' * (_N + 2))})"
_RID = COLUMNS.index("record_id")


# -- records ------------------------------------------------------------------------------------------
def insert_new_records(conn: sqlite3.Connection, rows: list[tuple]) -> int:
    """Insert ``rows`` ((*COLUMNS, source_id, source_line)) whose record_id is not stored yet;
    how many were inserted (the others are left for the caller to compare)."""
    changes = conn.total_changes
    conn.executemany(_INSERT_NEW, rows)
    return conn.total_changes - changes


def insert_record(conn: sqlite3.Connection, row: tuple) -> None:
    """One new record: (*COLUMNS, source_id, source_line)."""
    conn.execute(INSERT_RECORD, row)


def update_record(conn: sqlite3.Connection, row: tuple) -> None:
    """A stored record's new values, version + 1: (*COLUMNS, source_id, source_line, record_id)."""
    conn.execute(UPDATE_RECORD, row)


def stored_records(conn: sqlite3.Connection, ids: list[str]) -> dict[str, tuple]:
    """The stored records among ``ids``, by record_id: (*COLUMNS, version, source_id, source_line)."""
    found: dict[str, tuple] = {}
    for i in range(0, len(ids), 500):
        part = ids[i:i + 500]
        for row in conn.execute(_SELECT_IN + "(" + ",".join("?" * len(part)) + ")", part):
            found[row[_RID]] = row
    return found


def insert_history(conn: sqlite3.Connection, old: tuple, *, replaced_by: int, at: str, why: str) -> None:
    """Keep a stored record's version (as :func:`stored_records` read it) before it is replaced."""
    conn.execute(
        "INSERT INTO record_history (record_id, version, row_json, source_id, source_line,"
        " replaced_by_source_id, replaced_at, why) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (old[_RID], old[_N], json.dumps(dict(zip(COLUMNS, old[:_N])), ensure_ascii=False),
         old[_N + 1], old[_N + 2], replaced_by, at, why),
    )


def insert_quarantine(conn: sqlite3.Connection, rows: list[tuple]) -> None:
    """Quarantined rows: (source_id, file_name, line, field, message, raw)."""
    conn.executemany(
        "INSERT INTO quarantine (source_id, file_name, line, field, message, raw)"
        " VALUES (?, ?, ?, ?, ?, ?)", rows)


# -- staged chunks ---------------------------------------------------------------------------------------
def stage_rows(conn: sqlite3.Connection, rows: list[tuple]) -> int:
    """Append ``rows`` ((line, nlines, *COLUMNS)) to a staging file in one transaction; the rowid
    of the last one (they are consecutive)."""
    conn.execute("BEGIN")
    conn.executemany(_STAGE_INSERT, rows)
    conn.execute("COMMIT")
    return conn.execute("SELECT max(rowid) FROM rows").fetchone()[0]


def staged_count(conn: sqlite3.Connection, alias: str, lo: int, hi: int) -> int:
    """How many of the attached staging file's rows ``lo``..``hi`` this connection sees."""
    return conn.execute(f"SELECT count(*) FROM {alias}.rows WHERE rowid BETWEEN ? AND ?", (lo, hi)).fetchone()[0]


def copy_staged(conn: sqlite3.Connection, alias: str, source_id: int, lo: int, hi: int) -> int:
    """Insert the staged rows ``lo``..``hi`` whose record is not stored yet; how many were."""
    return conn.execute(_COPY_STAGED.format(stage=alias), (source_id, lo, hi)).rowcount


def staged_met(conn: sqlite3.Connection, alias: str, source_id: int, lo: int, hi: int) -> list[tuple]:
    """The staged rows ``lo``..``hi`` that met a stored record other than their own insert:
    (line, nlines, *COLUMNS), in file order."""
    return conn.execute(_STAGED_MET.format(stage=alias), (lo, hi, source_id)).fetchall()


# -- sources ---------------------------------------------------------------------------------------------
#: A source as :func:`source_by_sha256` reads it.
SOURCE_FIELDS = ("id", "status", "rows_read", "inserted", "updated", "unchanged", "quarantined", "lines_done",
                 "header_lines", "blank_lines", "lines_stored", "lines_quarantined", "lines_read",
                 "stopped_line", "encoding")


def source_by_sha256(conn: sqlite3.Connection, sha256: str) -> tuple | None:
    """The source with this content (SOURCE_FIELDS in order), if it was ever ingested."""
    return conn.execute(f"SELECT {', '.join(SOURCE_FIELDS)} FROM sources WHERE sha256 = ?", (sha256,)).fetchone()


def insert_source(conn: sqlite3.Connection, *, file_name: str, sha256: str, size_bytes: int, fmt: str,
                  started_at: str, header_lines: int, encoding: str) -> int:
    """A new running source; its id."""
    return conn.execute(
        "INSERT INTO sources (file_name, sha256, size_bytes, format, status, started_at,"
        " header_lines, encoding) VALUES (?, ?, ?, ?, 'running', ?, ?, ?)",
        (file_name, sha256, size_bytes, fmt, started_at, header_lines, encoding)).lastrowid


def update_source(conn: sqlite3.Connection, source_id: int, *, lines_done: int, rows_read: int, inserted: int,
                  updated: int, unchanged: int, quarantined: int, status: str, finished_at: str | None,
                  blank_lines: int, lines_stored: int, lines_quarantined: int, lines_read: int | None,
                  stopped_line: int | None) -> None:
    """A source's counters as of this transaction (a killed run resumes from the last commit)."""
    conn.execute(
        "UPDATE sources SET lines_done = ?, rows_read = ?, inserted = ?, updated = ?,"
        " unchanged = ?, quarantined = ?, status = ?, finished_at = ?, blank_lines = ?,"
        " lines_stored = ?, lines_quarantined = ?, lines_read = ?, stopped_line = ? WHERE id = ?",
        (lines_done, rows_read, inserted, updated, unchanged, quarantined, status, finished_at, blank_lines,
         lines_stored, lines_quarantined, lines_read, stopped_line, source_id),
    )
