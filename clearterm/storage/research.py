"""The SQL of cases that need research and of served petitions (issue 16).

Research facts are derived from ``records`` each time they are asked for (one pass grouped by
case), so they are never stale: an ingest that supplies a missing field takes the case out of
research with no refresh. Petitions are stored by :mod:`clearterm.services.research` inside its
transactions (migration ``0014_research_petitions``). Rows come back as tuples in the order the
docstrings give; nothing here writes outside a transaction its caller opened.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator

_NONEMPTY = "(r.{0} IS NOT NULL AND trim(r.{0}) != '')"
_ADDRESS = " AND ".join(_NONEMPTY.format(c) for c in ("address_line1", "city", "state", "zip"))

# The facts of one record ``r`` (its decision in force ``d``, if any), as 0/1: a case has a fact
# when any of its records has it (``max`` over the case). ``clearterm report`` reads the same
# expressions in its own pass (clearterm.storage.report_data), so both count the same cases.
#: The record names the person (last and first name).
HAS_NAME_SQL = f"({_NONEMPTY.format('last_name')} AND {_NONEMPTY.format('first_name')})"
#: The record has a date of birth.
HAS_DATE_OF_BIRTH_SQL = "(r.date_of_birth IS NOT NULL)"
#: The record is a charge for relief (decided automatic or petition, or not decided yet) with no
#: disposition date.
RELIEF_WITHOUT_DISPOSITION_SQL = "(coalesce(d.category IN ('automatic', 'petition'), 1) AND r.disposition_date IS NULL)"
#: The record has a full mailing address (street, city, state, ZIP).
HAS_ADDRESS_SQL = f"({_ADDRESS})"

#: Per case: (case_id, case_number, person_id, track, has name, has date of birth, a relief charge
#: without a disposition date, has a mailing address). Relief charges are those whose decision in
#: force is automatic or petition (all charges when none is decided yet).
_FACTS = (
    "SELECT c.id, c.case_number, c.person_id, c.track,"
    f" max{HAS_NAME_SQL}, max{HAS_DATE_OF_BIRTH_SQL}, max{RELIEF_WITHOUT_DISPOSITION_SQL},"
    f" max{HAS_ADDRESS_SQL}"
    " FROM cases c JOIN records r ON r.case_number = c.case_number AND coalesce(r.person_id, '') = c.person_id"
    " LEFT JOIN decision_current dc ON dc.record_id = r.record_id"
    " LEFT JOIN decisions d ON d.id = dc.decision_id"
)
#: Cases that could go to court: on a relief track and not in a signed batch already.
_OPEN = (" WHERE c.track IS NOT NULL AND NOT EXISTS (SELECT 1 FROM batch_cases bc JOIN batches b"
         " ON b.id = bc.batch_id WHERE bc.case_id = c.id AND b.status = 'signed')")


def case_facts_rows(conn: sqlite3.Connection) -> Iterator[tuple]:
    """The research facts of every case on a relief track not in a signed batch, by case id."""
    return conn.execute(f"{_FACTS}{_OPEN} GROUP BY c.id ORDER BY c.id")


def case_facts_row(conn: sqlite3.Connection, case_id: int) -> tuple | None:
    """The research facts of one case (any track)."""
    row = conn.execute(f"{_FACTS} WHERE c.id = ? GROUP BY c.id", (case_id,)).fetchone()
    return row


def case_facts_of(conn: sqlite3.Connection, case_ids: list[int]) -> list[tuple]:
    """The research facts of the cases ``case_ids`` (any track), by case id."""
    out: list[tuple] = []
    for i in range(0, len(case_ids), 500):
        part = case_ids[i:i + 500]
        out += conn.execute(f"{_FACTS} WHERE c.id IN ({','.join('?' * len(part))}) GROUP BY c.id",
                            part).fetchall()
    return sorted(out)


# -- petitions --------------------------------------------------------------------------------------
PETITION_COLUMNS = ("source_id", "source_line", "case_number", "person_id", "petitioner_last_name",
                    "petitioner_first_name", "date_of_birth", "filed_date", "served_date", "hearing_date",
                    "match", "case_id", "candidates", "created_at")


def cases_by_number(conn: sqlite3.Connection, case_number: str) -> list[tuple]:
    """(case_id, person_id, track) of the cases under ``case_number``."""
    return conn.execute("SELECT id, person_id, track FROM cases WHERE case_number = ? ORDER BY person_id",
                        (case_number,)).fetchall()


def case_people(conn: sqlite3.Connection, case_number: str, person_id: str) -> list[tuple]:
    """(last name, first name, date of birth) on the records of one case, distinct, as stored
    (empty text for a missing name). The caller folds case in Python (NFC and casefold): SQLite's
    lower() folds ASCII letters only, so Åberg would never equal åberg."""
    return conn.execute(
        "SELECT DISTINCT coalesce(last_name, ''), coalesce(first_name, ''), date_of_birth"
        " FROM records WHERE case_number = ? AND coalesce(person_id, '') = ?", (case_number, person_id)).fetchall()


def petition_exists(conn: sqlite3.Connection, values: dict) -> bool:
    """Whether this petition (case number, person id, name, filed and served dates) is stored."""
    return conn.execute(
        "SELECT 1 FROM petitions WHERE case_number = ? AND person_id = ? AND lower(petitioner_last_name) = lower(?)"
        " AND lower(petitioner_first_name) = lower(?) AND filed_date = ? AND served_date = ?",
        (values["case_number"], values["person_id"], values["petitioner_last_name"],
         values["petitioner_first_name"], values["filed_date"], values["served_date"])).fetchone() is not None


def insert_petition(conn: sqlite3.Connection, values: dict) -> int:
    cols = ", ".join(PETITION_COLUMNS)
    return conn.execute(f"INSERT INTO petitions ({cols}) VALUES ({', '.join(':' + c for c in PETITION_COLUMNS)})",
                        values).lastrowid


def petitions_to_serve(conn: sqlite3.Connection, source_id: int) -> list[tuple]:
    """Matched petitions of source ``source_id`` with no service outcome yet:
    (petition id, case id, served date, track), in file order."""
    return conn.execute(
        "SELECT p.id, p.case_id, p.served_date, c.track FROM petitions p JOIN cases c ON c.id = p.case_id"
        " WHERE p.source_id = ? AND p.match = 'matched'"
        " AND NOT EXISTS (SELECT 1 FROM petition_service s WHERE s.petition_id = p.id) ORDER BY p.source_line",
        (source_id,)).fetchall()


def insert_service(conn: sqlite3.Connection, petition_id: int, outcome: str, flag: str | None,
                   message: str | None, review_id: int | None, at: str) -> None:
    conn.execute("INSERT INTO petition_service (petition_id, outcome, flag, message, review_id, created_at)"
                 " VALUES (?, ?, ?, ?, ?, ?)", (petition_id, outcome, flag, message, review_id, at))


def petition_rows(conn: sqlite3.Connection, *, open_only: bool = False) -> list[tuple]:
    """Stored petitions, served date then id: (id, case number, person id, served date, filed date,
    hearing date, match, candidates, case id, outcome, flag, message). ``open_only``: those that
    matched no case or more than one (they are on the research list)."""
    where = " WHERE p.match != 'matched'" if open_only else ""
    return conn.execute(
        "SELECT p.id, p.case_number, p.person_id, p.served_date, p.filed_date, p.hearing_date, p.match,"
        " p.candidates, p.case_id, s.outcome, s.flag, s.message FROM petitions p"
        f" LEFT JOIN petition_service s ON s.petition_id = p.id{where} ORDER BY p.served_date, p.id").fetchall()


def petition_counts(conn: sqlite3.Connection) -> dict[str, int]:
    """Stored petitions by match."""
    return dict(conn.execute("SELECT match, count(*) FROM petitions GROUP BY match").fetchall())


# -- the petitions source -------------------------------------------------------------------------------
def insert_petition_source(conn: sqlite3.Connection, *, file_name: str, sha256: str, size_bytes: int, fmt: str,
                           started_at: str, header_lines: int, encoding: str) -> int:
    """A new running source of kind ``petitions``; its id."""
    return conn.execute(
        "INSERT INTO sources (file_name, sha256, size_bytes, format, status, started_at, header_lines, encoding,"
        " kind) VALUES (?, ?, ?, ?, 'running', ?, ?, ?, 'petitions')",
        (file_name, sha256, size_bytes, fmt, started_at, header_lines, encoding)).lastrowid


def petition_source(conn: sqlite3.Connection, sha256: str) -> tuple | None:
    """(id, kind, status, rows_read, inserted, unchanged, quarantined, lines_read, blank_lines,
    lines_stored, lines_quarantined, header_lines) of the source with this content, if any."""
    return conn.execute("SELECT id, kind, status, rows_read, inserted, unchanged, quarantined, lines_read,"
                        " blank_lines, lines_stored, lines_quarantined, header_lines FROM sources WHERE sha256 = ?",
                        (sha256,)).fetchone()


def petition_counts_of(conn: sqlite3.Connection, source_id: int) -> dict[str, int]:
    """The petitions first imported from source ``source_id``, by match."""
    return dict(conn.execute("SELECT match, count(*) FROM petitions WHERE source_id = ? GROUP BY match",
                             (source_id,)).fetchall())


def service_counts_of(conn: sqlite3.Connection, source_id: int) -> list[tuple]:
    """(outcome, flag, petitions) of the matched petitions of source ``source_id``."""
    return conn.execute(
        "SELECT s.outcome, s.flag, count(*) FROM petitions p JOIN petition_service s ON s.petition_id = p.id"
        " WHERE p.source_id = ? GROUP BY 1, 2", (source_id,)).fetchall()


def finish_petition_source(conn: sqlite3.Connection, source_id: int, *, rows_read: int, inserted: int,
                           unchanged: int, quarantined: int, lines_read: int, blank_lines: int,
                           lines_stored: int, lines_quarantined: int, status: str, at: str | None) -> None:
    """The source's reconciliation (rows and lines) and status."""
    conn.execute(
        "UPDATE sources SET rows_read = ?, inserted = ?, updated = 0, unchanged = ?, quarantined = ?,"
        " lines_read = ?, lines_done = ?, blank_lines = ?, lines_stored = ?, lines_quarantined = ?, status = ?,"
        " finished_at = ? WHERE id = ?",
        (rows_read, inserted, unchanged, quarantined, lines_read, lines_read, blank_lines, lines_stored,
         lines_quarantined, status, at, source_id))
