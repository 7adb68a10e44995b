"""Schema migrations (sqlite-utils' built-in migration sets).

A migration, once released, is never edited: later changes are new migrations.
"""

from __future__ import annotations

from sqlite_utils.migrations import Migrations

MIGRATIONS = Migrations("clearterm")

# Column types of the canonical record in the ``records`` table.
RECORD_COLUMNS: dict[str, str] = {
    "record_id": "TEXT NOT NULL",
    "case_number": "TEXT NOT NULL",
    "statute": "TEXT NOT NULL",
    "disposition": "TEXT NOT NULL",
    "person_id": "TEXT",
    "last_name": "TEXT",
    "first_name": "TEXT",
    "middle_name": "TEXT",
    "date_of_birth": "TEXT",
    "age_at_offense": "INTEGER",
    "offense_date": "TEXT",
    "arrest_date": "TEXT",
    "disposition_date": "TEXT",
    "offense_class": "TEXT",
    "offense_description": "TEXT",
    "weight_grams": "REAL",
    "enhancement": "TEXT",
    "sentence": "TEXT",
    "county": "TEXT",
    "court": "TEXT",
    "arresting_agency": "TEXT",
    "address_line1": "TEXT",
    "address_line2": "TEXT",
    "city": "TEXT",
    "state": "TEXT",
    "zip": "TEXT",
}


@MIGRATIONS(name="0001_sources_records_quarantine")
def m0001(db) -> None:
    cols = ",\n  ".join(f"{name} {typ}" for name, typ in RECORD_COLUMNS.items())
    db.executescript(
        f"""
CREATE TABLE sources (
  id INTEGER PRIMARY KEY,
  file_name TEXT NOT NULL,
  sha256 TEXT NOT NULL UNIQUE,
  size_bytes INTEGER NOT NULL,
  format TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('running', 'complete')),
  started_at TEXT NOT NULL,
  finished_at TEXT,
  lines_done INTEGER NOT NULL DEFAULT 0,
  rows_read INTEGER NOT NULL DEFAULT 0,
  inserted INTEGER NOT NULL DEFAULT 0,
  updated INTEGER NOT NULL DEFAULT 0,
  unchanged INTEGER NOT NULL DEFAULT 0,
  quarantined INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE records (
  id INTEGER PRIMARY KEY,
  {cols},
  version INTEGER NOT NULL DEFAULT 1,
  source_id INTEGER NOT NULL REFERENCES sources(id),
  source_line INTEGER NOT NULL
);
CREATE UNIQUE INDEX records_record_id ON records(record_id);
CREATE INDEX records_case ON records(case_number, person_id);

-- Earlier versions of a record, and source rows that were not chosen as the record
-- (for example a CCSAO sentencing row that is not the current sentence).
CREATE TABLE record_history (
  id INTEGER PRIMARY KEY,
  record_id TEXT NOT NULL,
  version INTEGER NOT NULL,
  row_json TEXT NOT NULL,
  source_id INTEGER NOT NULL REFERENCES sources(id),
  source_line INTEGER NOT NULL,
  replaced_by_source_id INTEGER REFERENCES sources(id),
  replaced_at TEXT NOT NULL,
  why TEXT NOT NULL
);
CREATE INDEX record_history_record ON record_history(record_id);

CREATE TABLE quarantine (
  id INTEGER PRIMARY KEY,
  source_id INTEGER NOT NULL REFERENCES sources(id),
  file_name TEXT NOT NULL,
  line INTEGER NOT NULL,
  field TEXT,
  message TEXT NOT NULL,
  raw TEXT
);
CREATE UNIQUE INDEX quarantine_source_line ON quarantine(source_id, line);

-- History and quarantine are append-only.
CREATE TRIGGER record_history_no_update BEFORE UPDATE ON record_history
BEGIN SELECT RAISE(ABORT, 'record_history is append-only'); END;
CREATE TRIGGER record_history_no_delete BEFORE DELETE ON record_history
BEGIN SELECT RAISE(ABORT, 'record_history is append-only'); END;
CREATE TRIGGER quarantine_no_update BEFORE UPDATE ON quarantine
BEGIN SELECT RAISE(ABORT, 'quarantine is append-only'); END;
CREATE TRIGGER quarantine_no_delete BEFORE DELETE ON quarantine
BEGIN SELECT RAISE(ABORT, 'quarantine is append-only'); END;
"""
    )


@MIGRATIONS(name="0002_decisions_cases")
def m0002(db) -> None:
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
