"""Migration 0001: sources, records (with their history) and the quarantine.

Released: never edited; a change is a new migration. Its column list is a literal for that
reason (``tests/test_migrations.py`` checks it never changes).
"""

from __future__ import annotations

#: The canonical record's columns as released in 0001, frozen here: the record's columns today
#: come from :mod:`clearterm.domain.record`, and a later change to them is a new migration.
RECORDS_COLUMNS_0001: tuple[tuple[str, str], ...] = (
    ("record_id", "TEXT NOT NULL"),
    ("case_number", "TEXT NOT NULL"),
    ("statute", "TEXT NOT NULL"),
    ("disposition", "TEXT NOT NULL"),
    ("person_id", "TEXT"),
    ("last_name", "TEXT"),
    ("first_name", "TEXT"),
    ("middle_name", "TEXT"),
    ("date_of_birth", "TEXT"),
    ("age_at_offense", "INTEGER"),
    ("offense_date", "TEXT"),
    ("arrest_date", "TEXT"),
    ("disposition_date", "TEXT"),
    ("offense_class", "TEXT"),
    ("offense_description", "TEXT"),
    ("weight_grams", "REAL"),
    ("enhancement", "TEXT"),
    ("sentence", "TEXT"),
    ("county", "TEXT"),
    ("court", "TEXT"),
    ("arresting_agency", "TEXT"),
    ("address_line1", "TEXT"),
    ("address_line2", "TEXT"),
    ("city", "TEXT"),
    ("state", "TEXT"),
    ("zip", "TEXT"),
)

NAME = "0001_sources_records_quarantine"


def migrate(db) -> None:
    cols = ",\n  ".join(f"{name} {typ}" for name, typ in RECORDS_COLUMNS_0001)
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
