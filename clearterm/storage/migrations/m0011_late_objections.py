"""Migration 0011: objections recorded after their deadline (issue 15).

``late_objections``: one row per objection entry made after the objection deadline (service
+ 60 days) that the reviewer confirmed as late; written in the transaction of the review entry
(whose audit entry says ``late`` too). A side table rather than a column of ``reviews``: the
review log and its row hash (``audit.REVIEW_FIELDS``) stay as they are. Append-only.

Released: never edited; a change is a new migration.
"""

from __future__ import annotations

NAME = "0011_late_objections"

SQL = """
CREATE TABLE late_objections (
  review_id INTEGER PRIMARY KEY REFERENCES reviews(id),
  case_id INTEGER NOT NULL,
  served TEXT NOT NULL,
  deadline TEXT NOT NULL,
  days_late INTEGER NOT NULL CHECK (days_late > 0),
  reviewer TEXT NOT NULL,
  created_at TEXT NOT NULL
);
CREATE INDEX late_objections_case ON late_objections(case_id, review_id);
CREATE TRIGGER late_objections_no_update BEFORE UPDATE ON late_objections
BEGIN SELECT RAISE(ABORT, 'late_objections are append-only'); END;
CREATE TRIGGER late_objections_no_delete BEFORE DELETE ON late_objections
BEGIN SELECT RAISE(ABORT, 'late_objections are append-only'); END;
"""


def migrate(db) -> None:
    db.executescript(SQL)
