"""Migration 0003: the append-only review log, the audit hash chain, case status and search.

Released: never edited; a change is a new migration.
"""

from __future__ import annotations

NAME = "0003_reviews_audit"

SQL = """
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


def migrate(db) -> None:
    db.executescript(SQL)
