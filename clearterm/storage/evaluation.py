"""The evaluation's reads and writes: keyset-paged record chunks, decisions, cases, evaluations.

The SQL of :mod:`clearterm.services.evaluate`, which runs the rules; the statements are built
once per run (or once at import) and the hot loops are the service's, unchanged.
"""

from __future__ import annotations

import json
import sqlite3
from collections import Counter
from collections.abc import Iterator

from clearterm.storage.records import COLUMNS

INSERT_DECISION = (
    "INSERT INTO decisions (evaluation_id, record_id, record_version, case_number, person_id, category,"
    " reasons, steps, explanation, tranche, statute_cite, rules_version, policy_hash, as_of, dkey)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
UPSERT_CASE = (
    "INSERT INTO cases (case_number, person_id, track, tranche, charges, flagged, evaluation_id)"
    " VALUES (?, ?, ?, ?, ?, ?, ?)"
    " ON CONFLICT(case_number, person_id) DO UPDATE SET track = excluded.track, tranche = excluded.tranche,"
    " charges = excluded.charges, flagged = excluded.flagged, evaluation_id = excluded.evaluation_id"
    " WHERE cases.track IS NOT excluded.track OR cases.tranche IS NOT excluded.tranche"
    " OR cases.charges != excluded.charges OR cases.flagged != excluded.flagged"
)

# Positions in a row as the readers read it: the record's COLUMNS, then these.
VERSION, DKEY, ROWID = len(COLUMNS), len(COLUMNS) + 1, len(COLUMNS) + 2

# The rules never read names or addresses: the reader selects NULL in their place, which makes
# the rows it reads and converts a third smaller. (tests/test_evaluate_store.py checks that
# decisions are the same with and without them.)
RULES_SKIP = frozenset({"last_name", "first_name", "middle_name", "offense_description", "court",
                        "address_line1", "address_line2", "city", "state", "zip", "language",
                        "race", "gender", "incident_city"})  # the letters' and the equity report's fields: the rules never read them
RULES_COLUMNS = ", ".join("NULL" if c in RULES_SKIP else f"r.{c}" for c in COLUMNS)


def _select() -> str:
    return (f"SELECT {RULES_COLUMNS}, r.version, c.dkey, r.id FROM records r"
            " LEFT JOIN decision_current c ON c.record_id = r.record_id")


def _keyset(column: str, order_by: str, high: str | None) -> tuple[str, str, tuple]:
    """Keyset-paged reads on ``column`` up to ``high`` (excluded; None: unbounded): the first
    page's SQL (``column >= ?``), the next pages' (``column > ?``), and the bound's parameters.
    Each takes (after, *bound, limit)."""
    upper = f" AND r.{column} < ?" if high is not None else ""
    next_sql = f"{_select()} WHERE r.{column} > ?{upper} ORDER BY {order_by} LIMIT ?"
    first_sql = next_sql.replace(f"r.{column} > ?", f"r.{column} >= ?", 1)
    return first_sql, next_sql, ((high,) if high is not None else ())


# How many records each of a list of case numbers has: from the case index alone.
_COUNT_BY_NUMBER = ("SELECT case_number, count(*) FROM records"
                    " WHERE case_number IN (SELECT value FROM json_each(?)) GROUP BY case_number")

# A chunk as read: (rows, how many of them are the chunk's own records; the rest are other
# records of the own records' cases, read only so the case-level steps see every charge)
Read = tuple[list[tuple], int]


def read_by_record_id(conn: sqlite3.Connection, chunk_records: int, low: str | None, high: str | None
                      ) -> Iterator[Read]:
    """Chunks in record_id order, each with the other records of its cases.

    Record-id order is the order of the decisions' indexes (``decision_current``,
    ``decisions_record``), so the writes append to them instead of rewriting pages all over them
    (measured: half the writing time at a million records). A count per case number, from the
    case index alone, finds the case numbers that go on outside the chunk; their other records
    are read too. Cheap when a case's records have neighbouring record ids, as in extracts
    numbered charge by charge; the service's ``_choose_order`` checks that they do.
    """
    select = _select()
    first_sql, next_sql, bound = _keyset("record_id", "r.record_id", high)
    by_number_sql = f"{select} WHERE r.case_number IN (SELECT value FROM json_each(?))"
    sql, after = first_sql, low or ""
    while True:
        conn.execute("BEGIN")  # the chunk and its cases' other records from one snapshot
        try:
            rows = conn.execute(sql, (after, *bound, chunk_records)).fetchall()
            if not rows:
                return
            n_own = len(rows)
            in_chunk = Counter(r[1] for r in rows)
            short = [number for number, n in conn.execute(_COUNT_BY_NUMBER, (json.dumps(sorted(in_chunk)),))
                     if n != in_chunk[number]]
            if short:  # case numbers with records outside the chunk: read those records
                own = {r[ROWID] for r in rows}
                keys = {(r[4] or "", r[1]) for r in rows}
                # a charge with no person id counts in every case under its number (rules,
                # ambiguity 17): a number with one in the chunk needs all of its records, and a
                # case in the chunk needs the number's charges with no person id
                whole = {r[1] for r in rows if not r[4]}
                rows += [r for r in conn.execute(by_number_sql, (json.dumps(short),))
                         if r[ROWID] not in own and ((r[4] or "", r[1]) in keys or not r[4] or r[1] in whole)]
        finally:
            conn.execute("COMMIT")
        sql = next_sql
        after = rows[n_own - 1][0]
        yield rows, n_own


def read_by_case(conn: sqlite3.Connection, chunk_records: int, low: str | None, high: str | None
                 ) -> Iterator[Read]:
    """Chunks of whole case numbers, in case order: for stores whose cases' record ids are far apart.

    No case goes on outside its chunk, so nothing more is read; but the decisions' indexes take
    their writes at random places, which costs the writing about twice as much.
    """
    select = _select()
    first_sql, next_sql, bound = _keyset("case_number", "r.case_number, r.person_id", high)
    one_case = f"{select} WHERE r.case_number = ? ORDER BY r.person_id"
    sql, after = first_sql, low or ""
    while True:
        conn.execute("BEGIN")
        try:
            rows = conn.execute(sql, (after, *bound, chunk_records)).fetchall()
            if not rows:
                return
            if len(rows) == chunk_records:
                last = rows[-1][1]
                cut = len(rows)
                while cut and rows[cut - 1][1] == last:
                    cut -= 1
                if cut:  # the last case number may go on past the limit: it starts the next chunk
                    rows = rows[:cut]
                else:  # one case number fills the whole chunk: take all of it
                    rows = conn.execute(one_case, (last,)).fetchall()
        finally:
            conn.execute("COMMIT")
        sql = next_sql
        after = rows[-1][1]
        yield rows, len(rows)


#: The two read orders: the column that orders the chunks (and splits the store between workers).
READERS = {"record_id": read_by_record_id, "case_number": read_by_case}


def case_numbers_run(conn: sqlite3.Connection, size: int, offset: int) -> list[str]:
    """The case numbers of ``size`` records in record-id order from ``offset`` (one per record)."""
    return [r[0] for r in conn.execute("SELECT case_number FROM records ORDER BY record_id LIMIT ? OFFSET ?",
                                       (size, offset))]


def records_per_case_number(conn: sqlite3.Connection, numbers: list[str]) -> dict[str, int]:
    """How many records each of ``numbers`` has (from the case index alone)."""
    return dict(conn.execute(_COUNT_BY_NUMBER, (json.dumps(numbers),)))


def write_chunk(conn: sqlite3.Connection, new_rows: list[tuple], case_rows: list[tuple]) -> None:
    """Append one chunk's decisions (and decision_current) and upsert its cases: one transaction."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        if new_rows:
            # ids are assigned in order from the largest (no AUTOINCREMENT), so the chunk's are >= first
            first = int(conn.execute("SELECT coalesce(max(id), 0) FROM decisions").fetchone()[0]) + 1
            conn.executemany(INSERT_DECISION, new_rows)
            conn.execute("INSERT OR REPLACE INTO decision_current (record_id, decision_id, dkey)"
                         " SELECT record_id, id, dkey FROM decisions WHERE id >= ?", (first,))
        conn.executemany(UPSERT_CASE, case_rows)
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def checkpoint_passive(conn: sqlite3.Connection) -> None:
    """Copy the write-ahead log into the store without waiting for readers or the write lock."""
    conn.execute("PRAGMA wal_checkpoint(PASSIVE)")


def no_autocheckpoint(conn: sqlite3.Connection) -> None:
    """Commits on ``conn`` no longer checkpoint (the caller does, see :func:`checkpoint_passive`)."""
    conn.execute("PRAGMA wal_autocheckpoint=0")


def set_foreign_keys(conn: sqlite3.Connection, on: bool) -> None:
    """Turn per-row foreign-key checks on or off (outside a transaction only)."""
    conn.execute(f"PRAGMA foreign_keys={'ON' if on else 'OFF'}")


def split_points(conn: sqlite3.Connection, total: int, parts: int, order: str = "record_id") -> list[str | None]:
    """Values of ``order``'s column that cut the store into ``parts`` ranges of about equal size."""
    if order not in READERS:
        raise ValueError(f"unknown order {order!r}")
    points: list[str | None] = [None]
    for k in range(1, parts):
        row = conn.execute(f"SELECT {order} FROM records ORDER BY {order} LIMIT 1 OFFSET ?",
                           (total * k // parts,)).fetchone()
        if row is not None and row[0] not in points:
            points.append(row[0])
    return points + [None]


def record_count(conn: sqlite3.Connection) -> int:
    """How many records the store holds."""
    return int(conn.execute("SELECT count(*) FROM records").fetchone()[0])


def start_evaluation(conn: sqlite3.Connection, *, rules_version: str, policy_hash: str, policy_json: str,
                     as_of: str, at: str) -> int:
    """Record the policy (once) and a running evaluation; its id. Inside the caller's transaction."""
    conn.execute("INSERT OR IGNORE INTO policies (hash, json, first_used_at) VALUES (?, ?, ?)",
                 (policy_hash, policy_json, at))
    return conn.execute(
        "INSERT INTO evaluations (rules_version, policy_hash, as_of, status, started_at)"
        " VALUES (?, ?, ?, 'running', ?)", (rules_version, policy_hash, as_of, at)).lastrowid


def finish_evaluation(conn: sqlite3.Connection, eid: int, *, at: str, records: int, new_decisions: int) -> None:
    """Mark evaluation ``eid`` complete. Inside the caller's transaction."""
    conn.execute("UPDATE evaluations SET status = 'complete', finished_at = ?, records = ?, new_decisions = ?"
                 " WHERE id = ?", (at, records, new_decisions, eid))
