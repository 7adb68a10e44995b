"""Read-only queries behind ``clearterm report`` (issue 18): the flagged convictions with where
each has got to, and the operations tables (reviews per reviewer and day, backlog, objections,
letters). Nothing here writes; :mod:`clearterm.services.report` aggregates what they return.

Late objections are the ``late_objections`` rows (migration 0011) of the objections in force.
"""

from __future__ import annotations

import sqlite3

from clearterm.domain.report import AGE_BANDS, NOT_RECORDED
from clearterm.storage.research import (HAS_ADDRESS_SQL, HAS_DATE_OF_BIRTH_SQL, HAS_NAME_SQL,
                                        RELIEF_WITHOUT_DISPOSITION_SQL)

#: The categories of a flagged conviction (a decision in force that may be cleared).
FLAGGED = ("automatic", "petition", "review")
_FLAGGED_SQL = "('automatic', 'petition', 'review')"

#: The decision actions of a review (serve and undo are not decisions).
DECISION_ACTIONS = ("approve", "object", "exclude", "defer")

def _age_band_sql(column: str) -> str:
    """CASE expression naming the age band of ``column`` (the bands of clearterm.domain.report)."""
    whens = " ".join(f"WHEN {column} >= {low} THEN '{name}'" for low, name in reversed(AGE_BANDS))
    return (f"CASE WHEN typeof({column}) != 'integer' OR {column} <= 0 OR {column} >= 120 THEN '{NOT_RECORDED}'"
            f" {whens} ELSE '{NOT_RECORDED}' END")


def _recorded(expr: str) -> str:
    return f"coalesce(nullif(trim({expr}), ''), '{NOT_RECORDED}')"


# One row per flagged conviction (a record whose decision in force is automatic, petition or
# review), with its case's progress. Driven by the decisions in force (record-id order: the
# decision_current table, then decisions by rowid), every other join on an index; the groups are
# normalised here so the aggregation does one dictionary operation per row.
_FLAGGED_ROWS = f"""
SELECT k.id, coalesce(nullif(d.person_id, ''), 'case:' || k.id), coalesce(d.tranche, 'none'),
       {_recorded("substr(r.disposition_date, 1, 4)")}, {_recorded("r.race")}, {_recorded("r.gender")},
       {_age_band_sql("r.age_at_offense")}, {_recorded("r.incident_city")}, {_recorded("r.court")},
       substr(e.started_at, 1, 10), substr(v.created_at, 1, 10), f.filed_date, u.ruled,
       (s.status IS 'approved') | ((f.filed_date IS NOT NULL) << 1) | ((u.granted IS 1) << 2)
         | ((n.notified IS NOT NULL) << 3),
       {HAS_NAME_SQL} | ({HAS_DATE_OF_BIRTH_SQL} << 1) | ({RELIEF_WITHOUT_DISPOSITION_SQL} << 2)
         | ({HAS_ADDRESS_SQL} << 3) | ((k.track IS NOT NULL) << 4) | ((g.status IS 'signed') << 5)
         | ((k.charges > k.flagged) << 6),
       coalesce(d.tranche, 99) * 10000 + coalesce(CAST(substr(r.disposition_date, 1, 4) AS INTEGER), 9999),
       d.case_number
FROM decision_current c
JOIN decisions d ON d.id = c.decision_id
JOIN records r ON r.record_id = c.record_id
JOIN evaluations e ON e.id = d.evaluation_id
LEFT JOIN cases k ON k.case_number = d.case_number AND k.person_id = d.person_id
LEFT JOIN case_status s ON s.case_id = k.id
LEFT JOIN reviews v ON v.id = s.decision_id
LEFT JOIN batch_cases b ON b.case_id = k.id
LEFT JOIN batches g ON g.id = b.batch_id
LEFT JOIN (SELECT batch_id, min(filed_date) AS filed_date FROM batch_filings WHERE kind = 'filed'
           GROUP BY batch_id) f ON f.batch_id = b.batch_id
LEFT JOIN (SELECT case_id, min(ruling_date) FILTER (WHERE ruling != 'continued') AS ruled,
                  max(ruling = 'granted') AS granted FROM rulings GROUP BY case_id) u ON u.case_id = k.id
LEFT JOIN (SELECT case_id, 1 AS notified FROM case_notices
           WHERE kind IN ('letter_granted', 'letter_denied') GROUP BY case_id) n ON n.case_id = k.id
WHERE d.category IN {_FLAGGED_SQL}
"""


def flagged_rows(conn: sqlite3.Connection) -> sqlite3.Cursor:
    """Each flagged conviction, in the layout of clearterm.domain.report (CASE ... ORDER): case
    id, person (a case without a person id: 'case:<id>'), tranche, year of disposition, race,
    gender, age band, incident city, court (race, gender and court as stored: the report puts them
    in its categories after counting), flagged on, decided on, filed on, first final ruling on,
    stage mask, research facts mask (clearterm.domain.report.FACT_BITS: the facts of
    clearterm.storage.research, the same SQL), the person's ordering key, the case number."""
    return conn.execute(_FLAGGED_ROWS)


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
    objected (since ``since``). Late: the objection in force has a ``late_objections`` row (it
    was recorded after the objection deadline, confirmed by the reviewer; migration 0011)."""
    return conn.execute(
        "SELECT v.ground, count(*), sum(EXISTS (SELECT 1 FROM late_objections l WHERE l.review_id = v.id))"
        " FROM case_status s JOIN reviews v ON v.id = s.decision_id"
        " WHERE s.status = 'objected' AND substr(v.created_at, 1, 10) >= ? GROUP BY 1 ORDER BY 2 DESC",
        (since or "",)).fetchall()


def letters_mailed(conn: sqlite3.Connection) -> list[tuple[str, int]]:
    """(kind, notices) of the notices recorded: letters to people and notices to agencies."""
    return conn.execute("SELECT kind, count(*) FROM case_notices GROUP BY 1 ORDER BY 1").fetchall()


def stats_flagged(conn: sqlite3.Connection) -> int:
    """Flagged convictions as ``stats`` counts them (its automatic, petition and review rows)."""
    return int(conn.execute(
        "SELECT count(*) FROM decision_current c JOIN decisions d ON d.id = c.decision_id"
        f" WHERE d.category IN {_FLAGGED_SQL}").fetchone()[0])


def undecided_case_ids(conn: sqlite3.Connection) -> list[int]:
    """The cases on a relief track, not in a signed batch, that hold a record with no decision in
    force (ingested since the last evaluation); empty at once when every record has one."""
    (records,), (decided,) = (conn.execute("SELECT count(*) FROM records").fetchone(),
                              conn.execute("SELECT count(*) FROM decision_current").fetchone())
    if records == decided:
        return []
    return [i for (i,) in conn.execute(
        "SELECT DISTINCT k.id FROM records r JOIN cases k ON k.case_number = r.case_number"
        " AND k.person_id = coalesce(r.person_id, '') WHERE k.track IS NOT NULL"
        " AND NOT EXISTS (SELECT 1 FROM decision_current c WHERE c.record_id = r.record_id)"
        " AND NOT EXISTS (SELECT 1 FROM batch_cases bc JOIN batches b ON b.id = bc.batch_id"
        " WHERE bc.case_id = k.id AND b.status = 'signed') ORDER BY k.id")]
