"""Migration 0002: policies, evaluations, the append-only decisions, and the cases of the queue.

Released: never edited; a change is a new migration.
"""

from __future__ import annotations

NAME = "0002_decisions_cases"


def migrate(db) -> None:
    db.executescript(
        """
CREATE TABLE policies (
  hash TEXT PRIMARY KEY,
  json TEXT NOT NULL,
  first_used_at TEXT NOT NULL
);

CREATE TABLE evaluations (
  id INTEGER PRIMARY KEY,
  rules_version TEXT NOT NULL,
  policy_hash TEXT NOT NULL REFERENCES policies(hash),
  as_of TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('running', 'complete')),
  started_at TEXT NOT NULL,
  finished_at TEXT,
  records INTEGER NOT NULL DEFAULT 0,
  new_decisions INTEGER NOT NULL DEFAULT 0
);

-- Append-only: a decision is never changed; a new evaluation whose outcome differs adds a row.
CREATE TABLE decisions (
  id INTEGER PRIMARY KEY,
  evaluation_id INTEGER NOT NULL REFERENCES evaluations(id),
  record_id TEXT NOT NULL,
  record_version INTEGER NOT NULL,
  case_number TEXT NOT NULL,
  person_id TEXT NOT NULL,
  category TEXT NOT NULL,
  reasons TEXT NOT NULL,
  steps TEXT NOT NULL,
  explanation TEXT NOT NULL,
  tranche INTEGER,
  statute_cite TEXT,
  rules_version TEXT NOT NULL,
  policy_hash TEXT NOT NULL,
  as_of TEXT NOT NULL,
  dkey TEXT NOT NULL
);
CREATE INDEX decisions_record ON decisions(record_id, id);
CREATE TRIGGER decisions_no_update BEFORE UPDATE ON decisions
BEGIN SELECT RAISE(ABORT, 'decisions are append-only'); END;
CREATE TRIGGER decisions_no_delete BEFORE DELETE ON decisions
BEGIN SELECT RAISE(ABORT, 'decisions are append-only'); END;

-- The decision in force for each record (derived; rewritten by each evaluation).
CREATE TABLE decision_current (
  record_id TEXT PRIMARY KEY,
  decision_id INTEGER NOT NULL REFERENCES decisions(id),
  dkey TEXT NOT NULL
) WITHOUT ROWID;

-- One row per case (person + case number): what the review queue pages through.
CREATE TABLE cases (
  id INTEGER PRIMARY KEY,
  case_number TEXT NOT NULL,
  person_id TEXT NOT NULL DEFAULT '',
  track TEXT CHECK (track IN ('automatic', 'petition', 'review')),
  tranche INTEGER,
  charges INTEGER NOT NULL,
  flagged INTEGER NOT NULL,
  evaluation_id INTEGER NOT NULL REFERENCES evaluations(id)
);
CREATE UNIQUE INDEX cases_key ON cases(case_number, person_id);
CREATE INDEX cases_queue ON cases(track, tranche, id);
CREATE INDEX cases_person ON cases(person_id);
"""
    )
