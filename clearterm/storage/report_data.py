"""Read-only queries behind ``clearterm report`` (issue 18): the flagged convictions with where
each has got to, and the operations tables (reviews per reviewer and day, backlog, objections,
letters). Nothing here writes; :mod:`clearterm.services.report` aggregates what they return.

Tables that other parts of clearterm add later (a ``late`` flag on reviews, a research table)
are optional: the queries look for them and say when they are absent.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator

#: The categories of a flagged conviction (a decision in force that may be cleared).
FLAGGED = ("automatic", "petition", "review")
_FLAGGED_SQL = "('automatic', 'petition', 'review')"

#: The decision actions of a review (serve and undo are not decisions).
DECISION_ACTIONS = ("approve", "object", "exclude", "defer")

# One row per flagged conviction (a record whose decision in force is automatic, petition or
# review), with its case's progress: review status and date, filing, first final ruling,
# a granted order, a letter mailed. Every join is on an index (cases_key, the primary keys,
# batch_cases.case_id, rulings_case_date, case_notices_once).
_FLAGGED_ROWS = f"""
SELECT k.id, d.person_id, d.tranche, substr(r.disposition_date, 1, 4), r.race, r.gender,
       r.age_at_offense, r.incident_city, substr(e.started_at, 1, 10), coalesce(s.status, 'pending'),
       substr(v.created_at, 1, 10), f.filed_date, u.ruled, u.granted, n.notified, d.category
FROM decision_current c
JOIN decisions d ON d.id = c.decision_id
JOIN records r ON r.record_id = c.record_id
JOIN evaluations e ON e.id = d.evaluation_id
LEFT JOIN cases k ON k.case_number = d.case_number AND k.person_id = d.person_id
LEFT JOIN case_status s ON s.case_id = k.id
LEFT JOIN reviews v ON v.id = s.decision_id
LEFT JOIN batch_cases b ON b.case_id = k.id
LEFT JOIN (SELECT batch_id, min(filed_date) AS filed_date FROM batch_filings WHERE kind = 'filed'
           GROUP BY batch_id) f ON f.batch_id = b.batch_id
LEFT JOIN (SELECT case_id, min(ruling_date) FILTER (WHERE ruling != 'continued') AS ruled,
                  max(ruling = 'granted') AS granted FROM rulings GROUP BY case_id) u ON u.case_id = k.id
LEFT JOIN (SELECT case_id, 1 AS notified FROM case_notices
           WHERE kind IN ('letter_granted', 'letter_denied') GROUP BY case_id) n ON n.case_id = k.id
WHERE d.category IN {_FLAGGED_SQL}
"""


def flagged_rows(conn: sqlite3.Connection) -> Iterator[tuple]:
    """Each flagged conviction: (case id, person id, tranche, year of disposition, race, gender,
    age at offense, incident city, flagged on, review status, decided on, filed on, first final
    ruling on, granted (1/0/None), letter mailed (1/None), category)."""
    yield from conn.execute(_FLAGGED_ROWS)


def has_column(conn: sqlite3.Connection, table: str, column: str) -> bool:
    """Whether ``table`` has ``column`` (for columns other work adds later)."""
    return any(r[1] == column for r in conn.execute(f"PRAGMA table_info({table})"))


def reviewer_daily(conn: sqlite3.Connection, since: str | None) -> list[tuple[str, str, int]]:
    """(reviewer, day, decisions) of the review log, day by day (since ``since`` if given)."""
    actions = ", ".join(f"'{a}'" for a in DECISION_ACTIONS)
    return conn.execute(
        f"SELECT reviewer, substr(created_at, 1, 10) AS day, count(*) FROM reviews WHERE action IN ({actions})"
        " AND substr(created_at, 1, 10) >= ? GROUP BY 1, 2 ORDER BY 2, 1", (since or "",)).fetchall()


def backlog_rows(conn: sqlite3.Connection) -> list[tuple[str, int | None, str | None, int]]:
    """(track, tranche, service date, cases) of the cases on a track not yet decided (no review,
    or pending or deferred)."""
    return conn.execute(
        "SELECT c.track, c.tranche, s.service_date, count(*) FROM cases c LEFT JOIN case_status s ON s.case_id = c.id"
        " WHERE c.track IS NOT NULL AND coalesce(s.status, 'pending') IN ('pending', 'deferred')"
        " GROUP BY 1, 2, 3").fetchall()


def objection_rows(conn: sqlite3.Connection, since: str | None) -> list[tuple[str | None, int, int]]:
    """(ground, objections in force, of them recorded late) of the cases whose review status is
    objected (since ``since``); late is 0 when the store records no ``late`` flag."""
    late = "coalesce(v.late, 0)" if has_column(conn, "reviews", "late") else "0"
    return conn.execute(
        f"SELECT v.ground, count(*), sum({late}) FROM case_status s JOIN reviews v ON v.id = s.decision_id"
        " WHERE s.status = 'objected' AND substr(v.created_at, 1, 10) >= ? GROUP BY 1 ORDER BY 2 DESC",
        (since or "",)).fetchall()


def letters_mailed(conn: sqlite3.Connection) -> list[tuple[str, int]]:
    """(kind, notices) of the notices recorded: letters to people and notices to agencies."""
    return conn.execute("SELECT kind, count(*) FROM case_notices GROUP BY 1 ORDER BY 1").fetchall()


def research_rows(conn: sqlite3.Connection) -> list[tuple[str, int]]:
    """(what is missing, flagged cases) of the flagged cases that cannot go to court as they are:
    no name, no date of birth, or no disposition date on a flagged conviction."""
    rows = conn.execute(
        "SELECT k.id, max(r.last_name IS NULL OR trim(r.last_name) = ''), max(r.date_of_birth IS NULL),"
        " max(r.disposition_date IS NULL) FROM cases k"
        " JOIN records r ON r.case_number = k.case_number AND coalesce(r.person_id, '') = k.person_id"
        " JOIN decision_current c ON c.record_id = r.record_id JOIN decisions d ON d.id = c.decision_id"
        f" WHERE k.track IS NOT NULL AND d.category IN {_FLAGGED_SQL} GROUP BY k.id")
    counts: dict[str, int] = {}
    for _case, no_name, no_dob, no_disp in rows:
        missing = [w for w, m in (("name", no_name), ("date of birth", no_dob), ("disposition date", no_disp)) if m]
        if missing:
            key = ", ".join(missing)
            counts[key] = counts.get(key, 0) + 1
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))


def stats_flagged(conn: sqlite3.Connection) -> int:
    """Flagged convictions as ``stats`` counts them (its automatic, petition and review rows)."""
    return int(conn.execute(
        "SELECT count(*) FROM decision_current c JOIN decisions d ON d.id = c.decision_id"
        f" WHERE d.category IN {_FLAGGED_SQL}").fetchone()[0])
