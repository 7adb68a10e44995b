"""Migration 0017: an open store (issue 18) — views for the common questions, reference checks
where the tables had none, and the reasons of a decision as a JSON array.

Views (for sqlite-utils, Datasette, the sqlite3 shell):

* ``decisions_in_force``: each record's decision in force (no join with ``decision_current`` to
  write), its reasons as a JSON array;
* ``case_queue``: every case on a track with its review status (``pending`` when never
  reviewed), reviewer, service date and life-cycle state;
* ``reviewer_daily``: review decisions per reviewer and day, by action;
* ``batch_summary``: each batch with its cases, filing, latest court date and rulings;
* ``case_lifecycle_view``: each case's state after review, with its case number and batch label.

References: SQLite cannot add a foreign key to an existing table without rebuilding it, and the
tables concerned are append-only (decisions, reviews, audit with its hash chain) and guarded by
triggers; rebuilding them would copy every row (a million decisions) inside a migration and
recreate their triggers and indexes by hand. Instead, ``AFTER INSERT`` triggers refuse a new
row whose reference does not exist, which is what a foreign key would enforce (rows already
stored are not re-checked; ``clearterm audit verify`` covers them). Checked: decisions to
records, reviews and case status to cases, audit to cases and reviews, batch cases to cases,
and the reviewer of a review to users (once the store has users: a store without users is the
single-user setup that predates them). The messages start with ``reference:``.

``public_export_key``: the random key of the tokens that replace person ids, case numbers and
record ids in ``clearterm export public`` (one row, made on first use; never exported).

``decisions.reasons_json``: a virtual generated column, the ``;``-joined ``reasons`` as a JSON
array (nothing stored; computed when read).

Released: never edited; a change is a new migration.
"""

from __future__ import annotations

NAME = "0017_open_store"

#: The start of the message of every reference-check trigger.
REFERENCE_PREFIX = "reference:"

#: (table, column, referenced table, referenced column) of each reference check.
REFERENCES = (
    ("decisions", "record_id", "records", "record_id"),
    ("reviews", "case_id", "cases", "id"),
    ("case_status", "case_id", "cases", "id"),
    ("audit", "case_id", "cases", "id"),
    ("audit", "review_id", "reviews", "id"),
    ("batch_cases", "case_id", "cases", "id"),
)

VIEWS = """
CREATE VIEW decisions_in_force AS
SELECT d.record_id, d.case_number, d.person_id, d.category, d.reasons_json AS reasons,
       d.tranche, d.statute_cite, d.rules_version, d.policy_hash, d.as_of, d.id AS decision_id,
       d.evaluation_id, d.record_version
FROM decision_current c JOIN decisions d ON d.id = c.decision_id;

CREATE VIEW case_queue AS
SELECT c.id AS case_id, c.case_number, c.person_id, c.track, c.tranche, c.charges, c.flagged,
       coalesce(s.status, 'pending') AS status, coalesce(s.version, 0) AS version, s.reviewer,
       s.updated_at, s.service_date, l.state AS lifecycle
FROM cases c LEFT JOIN case_status s ON s.case_id = c.id LEFT JOIN case_lifecycle l ON l.case_id = c.id
WHERE c.track IS NOT NULL;

CREATE VIEW reviewer_daily AS
SELECT reviewer, substr(created_at, 1, 10) AS day, count(*) AS decisions,
       sum(action = 'approve') AS approved, sum(action = 'object') AS objected,
       sum(action = 'exclude') AS excluded, sum(action = 'defer') AS deferred
FROM reviews WHERE action IN ('approve', 'object', 'exclude', 'defer')
GROUP BY reviewer, day;

CREATE VIEW batch_summary AS
SELECT b.id AS batch_id, b.label, b.track, b.tranche, b.status, b.created_at, b.signed_at,
       b.documents, b.pages,
       (SELECT count(*) FROM batch_cases bc WHERE bc.batch_id = b.id) AS cases,
       (SELECT count(*) FROM batch_cases bc WHERE bc.batch_id = b.id AND bc.status = 'approved') AS approved,
       (SELECT count(*) FROM batch_cases bc WHERE bc.batch_id = b.id AND bc.status = 'objected') AS objected,
       (SELECT min(f.filed_date) FROM batch_filings f WHERE f.batch_id = b.id AND f.kind = 'filed') AS filed_date,
       (SELECT f.court_date FROM batch_filings f WHERE f.batch_id = b.id ORDER BY f.id DESC LIMIT 1) AS court_date,
       (SELECT count(DISTINCT r.case_id) FROM rulings r WHERE r.batch_id = b.id AND r.ruling = 'granted') AS granted,
       (SELECT count(DISTINCT r.case_id) FROM rulings r WHERE r.batch_id = b.id AND r.ruling = 'denied') AS denied
FROM batches b;

CREATE VIEW case_lifecycle_view AS
SELECT l.case_id, c.case_number, c.person_id, l.state, l.batch_id, b.label AS batch_label,
       l.court_date, l.ruling_date, l.updated_at
FROM case_lifecycle l JOIN cases c ON c.id = l.case_id LEFT JOIN batches b ON b.id = l.batch_id;
"""

# The ';'-joined reasons as a JSON array: quotes and backslashes escaped, ';' made '","'.
_REASONS_JSON = (
    "CASE WHEN reasons = '' THEN '[]' ELSE json('[\"' || replace(replace(replace(reasons, '\\', '\\\\'),"
    " '\"', '\\\"'), ';', '\",\"') || '\"]') END"
)


def _reference_trigger(table: str, column: str, ref_table: str, ref_column: str) -> str:
    return f"""
CREATE TRIGGER {table}_{column}_reference AFTER INSERT ON {table}
WHEN NEW.{column} IS NOT NULL AND NOT EXISTS (SELECT 1 FROM {ref_table} WHERE {ref_column} = NEW.{column})
BEGIN SELECT RAISE(ABORT, '{REFERENCE_PREFIX} {table}.{column} names no {ref_table} row'); END;
"""


def migrate(db) -> None:
    triggers = "".join(_reference_trigger(*ref) for ref in REFERENCES)
    db.executescript(
        f"""
CREATE TABLE public_export_key (id INTEGER PRIMARY KEY CHECK (id = 1), key BLOB NOT NULL);
ALTER TABLE decisions ADD COLUMN reasons_json TEXT GENERATED ALWAYS AS ({_REASONS_JSON}) VIRTUAL;
{VIEWS}
{triggers}
CREATE TRIGGER reviews_reviewer_reference AFTER INSERT ON reviews
WHEN EXISTS (SELECT 1 FROM users) AND NOT EXISTS (SELECT 1 FROM users WHERE name = NEW.reviewer)
BEGIN SELECT RAISE(ABORT, '{REFERENCE_PREFIX} reviews.reviewer names no user'); END;
"""
    )
