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


@MIGRATIONS(name="0003_reviews_audit")
def m0003(db) -> None:
    db.executescript(
        """
-- Review actions on a case (person + case number). Append-only: a correction is a new
-- entry ('undo' names the entry it compensates), never an edit.
CREATE TABLE reviews (
  id INTEGER PRIMARY KEY,
  case_id INTEGER NOT NULL,
  case_number TEXT NOT NULL,
  person_id TEXT NOT NULL,
  track TEXT,
  action TEXT NOT NULL CHECK (action IN ('approve', 'object', 'exclude', 'defer', 'serve', 'undo')),
  ground TEXT,
  note TEXT,
  served TEXT,
  undoes INTEGER REFERENCES reviews(id),
  status TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'objected', 'excluded', 'deferred')),
  expected_version INTEGER NOT NULL,
  reviewer TEXT NOT NULL,
  created_at TEXT NOT NULL
);
CREATE INDEX reviews_case ON reviews(case_id, id);
CREATE INDEX reviews_reviewer ON reviews(reviewer, id);
CREATE TRIGGER reviews_no_update BEFORE UPDATE ON reviews
BEGIN SELECT RAISE(ABORT, 'reviews are append-only'); END;
CREATE TRIGGER reviews_no_delete BEFORE DELETE ON reviews
BEGIN SELECT RAISE(ABORT, 'reviews are append-only'); END;

-- The audit log: a hash chain. Each entry's hash covers its fields and the previous
-- entry's hash; a review entry's content hash is recorded in the entry that wrote it.
CREATE TABLE audit (
  seq INTEGER PRIMARY KEY CHECK (seq > 0),
  at TEXT NOT NULL,
  actor TEXT NOT NULL,
  event TEXT NOT NULL,
  case_id INTEGER,
  review_id INTEGER UNIQUE,
  review_hash TEXT,
  detail TEXT NOT NULL,
  prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL
);
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
-- An entry must extend the chain: the next seq, linked to the head's hash.
CREATE TRIGGER audit_chain BEFORE INSERT ON audit
WHEN NEW.seq IS NOT (SELECT coalesce(max(seq), 0) + 1 FROM audit)
  OR NEW.prev_hash IS NOT coalesce((SELECT hash FROM audit ORDER BY seq DESC LIMIT 1),
                                   '0000000000000000000000000000000000000000000000000000000000000000')
BEGIN SELECT RAISE(ABORT, 'audit entry does not extend the chain'); END;

-- Review state per case, derived from the review log (rebuildable; updated with each action).
CREATE TABLE case_status (
  case_id INTEGER PRIMARY KEY,
  status TEXT NOT NULL,
  version INTEGER NOT NULL,
  decision_id INTEGER,
  reviewer TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  service_date TEXT
);
CREATE INDEX case_status_status ON case_status(status, case_id);
CREATE INDEX case_status_served ON case_status(service_date) WHERE service_date IS NOT NULL;

-- Where each reviewer left off (mutable).
CREATE TABLE reviewer_state (
  reviewer TEXT PRIMARY KEY,
  last_case_id INTEGER,
  last_review_id INTEGER,
  last_acted_at TEXT,
  viewed_case_id INTEGER,
  viewed_at TEXT
);

-- The review queue pages in (newest tranche first, id) order: tranche 1 first, none last.
CREATE INDEX cases_queue_order ON cases(coalesce(tranche, 99), id) WHERE track IS NOT NULL;
CREATE INDEX cases_queue_track_order ON cases(track, coalesce(tranche, 99), id) WHERE track IS NOT NULL;

-- Search over case number, person id and name; contentless (names are not copied here).
CREATE VIRTUAL TABLE cases_fts USING fts5(case_number, person_id, name, content='');
CREATE TABLE search_index_state (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  evaluation_id INTEGER,
  cases INTEGER NOT NULL,
  refreshed_at TEXT NOT NULL
);
"""
    )


# Later migrations live in their own modules (one per feature) and register on MIGRATIONS when
# imported, in this order. A module not written yet is skipped.
def _load_feature_migrations() -> None:
    import importlib

    for name in ("clearterm.storage.migration_0004_users", "clearterm.storage.migration_0005_batches",
                 "clearterm.storage.migration_0006_cases_index",
                 "clearterm.storage.migration_0007_source_lines",
                 "clearterm.storage.migration_0008_batch_publishing"):
        try:
            importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise


_load_feature_migrations()
