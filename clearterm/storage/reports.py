"""Read-only queries behind the ``clearterm`` reports: status, quarantine, stats and exports.

The command line prints and writes what these return; it holds no SQL of its own. Every
function reads through the connection it is given and writes nothing.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator

#: The decisions in force: one per record (``decision_current`` points at the latest decision).
_IN_FORCE = " FROM decision_current c JOIN decisions d ON d.id = c.decision_id"


def quarantine_rows(conn: sqlite3.Connection, *, source_id: int | None = None,
                    limit: int = 50) -> list[tuple[str, int, str | None, str]]:
    """(file name, line, field, message) of quarantined rows, oldest first."""
    sql = "SELECT file_name, line, field, message FROM quarantine"
    params: tuple = ()
    if source_id is not None:
        sql += " WHERE source_id = ?"
        params = (source_id,)
    sql += " ORDER BY id LIMIT ?"
    return conn.execute(sql, (*params, limit)).fetchall()


def source_status(conn: sqlite3.Connection) -> list[tuple]:
    """Each source's reconciliation of rows: (id, file name, format, status, rows read, inserted,
    updated, unchanged, quarantined)."""
    return conn.execute(
        "SELECT id, file_name, format, status, rows_read, inserted, updated, unchanged, quarantined"
        " FROM sources ORDER BY id").fetchall()


def source_lines(conn: sqlite3.Connection) -> list[tuple]:
    """Each source's reconciliation of physical lines: (id, lines read, header, stored,
    quarantined, blank, the line the data stops in); lines read is None for a source not counted."""
    return conn.execute(
        "SELECT id, lines_read, header_lines, lines_stored, lines_quarantined, blank_lines, stopped_line"
        " FROM sources ORDER BY id").fetchall()


def last_decision_id(conn: sqlite3.Connection) -> int:
    """The id of the newest decision (0 if none)."""
    return int(conn.execute("SELECT coalesce(max(id), 0) FROM decisions").fetchone()[0])


def decision_export_rows(conn: sqlite3.Connection) -> sqlite3.Cursor:
    """Each record with its decision in force, in record order: record_id, person_id,
    case_number, statute, offense_class, category, reasons, explanation, tranche, rules_version,
    as_of."""
    return conn.execute(
        "SELECT r.record_id, r.person_id, r.case_number, r.statute, r.offense_class, d.category, d.reasons,"
        " d.explanation, d.tranche, d.rules_version, d.as_of FROM records r"
        " JOIN decision_current c ON c.record_id = r.record_id JOIN decisions d ON d.id = c.decision_id"
        " ORDER BY r.id")


def decisions_in_force(conn: sqlite3.Connection) -> int:
    """How many records have a decision in force."""
    return int(conn.execute("SELECT count(*)" + _IN_FORCE).fetchone()[0] or 0)


def category_counts(conn: sqlite3.Connection) -> list[tuple[str, int]]:
    """(category, records) of the decisions in force, largest first."""
    return conn.execute(f"SELECT d.category, count(*) {_IN_FORCE} GROUP BY 1 ORDER BY 2 DESC").fetchall()


def deciding_reason_counts(conn: sqlite3.Connection) -> list[tuple[str, str, int]]:
    """(deciding reason, category, records) of the decisions in force, largest first (the
    deciding reason is the first of the ';'-joined reasons)."""
    return conn.execute(
        "SELECT CASE WHEN instr(d.reasons, ';') THEN substr(d.reasons, 1, instr(d.reasons, ';') - 1)"
        f" ELSE d.reasons END, d.category, count(*) {_IN_FORCE} GROUP BY 1, 2 ORDER BY 3 DESC").fetchall()


def tranche_counts(conn: sqlite3.Connection) -> list[tuple]:
    """(tranche or 'none', automatic, petition, review, all) of the decisions in force."""
    return conn.execute(
        "SELECT coalesce(d.tranche, 'none'), sum(d.category = 'automatic'), sum(d.category = 'petition'),"
        f" sum(d.category = 'review'), count(*) {_IN_FORCE} GROUP BY 1 ORDER BY 1").fetchall()


def review_export_rows(conn: sqlite3.Connection, include_pending: bool) -> Iterator[tuple]:
    """The current review of each case: (case number, person id, track, status, ground, note,
    service date, reviewer, decided at, version, decided track), in case order. Only reviewed
    cases, unless ``include_pending`` (then also cases on a track never reviewed)."""
    join = "LEFT JOIN" if include_pending else "JOIN"
    sql = (
        "SELECT c.case_number, c.person_id, c.track, coalesce(s.status, 'pending'), d.ground, d.note,"
        " s.service_date, d.reviewer, d.created_at, coalesce(s.version, 0), d.track"
        f" FROM cases c {join} case_status s ON s.case_id = c.id LEFT JOIN reviews d ON d.id = s.decision_id"
        + (" WHERE c.track IS NOT NULL OR s.case_id IS NOT NULL" if include_pending else "")
        + " ORDER BY c.id")
    yield from conn.execute(sql)
