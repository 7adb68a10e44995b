"""Migration 0013: the lifecycle state of cases batched before the lifecycle was recorded (issue 16).

Stores made before migration 0009 hold open and signed batches whose cases have no
``case_lifecycle`` row; nothing else (filings, rulings, notices) existed then, so each such case
is ``batched`` (open batch) or ``signed``. Later changes keep the table up to date in the
transaction that causes them (:mod:`clearterm.storage.lifecycle`).

Released: never edited; a change is a new migration.
"""

from __future__ import annotations

NAME = "0013_lifecycle_backfill"


def migrate(db) -> None:
    db.executescript(
        """
INSERT OR IGNORE INTO case_lifecycle (case_id, state, batch_id, updated_at)
  SELECT bc.case_id, CASE b.status WHEN 'signed' THEN 'signed' ELSE 'batched' END, bc.batch_id,
         coalesce(b.signed_at, b.created_at)
  FROM batch_cases bc JOIN batches b ON b.id = bc.batch_id;
"""
    )
