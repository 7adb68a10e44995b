"""Migration 0012: notes on cases without a decision, and cases given to reviewers (issue 15).

* ``case_notes``: a reviewer's note on a case (``N`` in the workstation). A side table, not a
  review action: ``reviews.action`` has a CHECK constraint, and a note changes no status nor the
  case's version, so it never conflicts with another reviewer's decision. Append-only; each note
  has an audit entry (``case.note``: the note's id and the SHA-256 of its text, never the text).
* ``assignments``: who holds a case (``clearterm assign``). Append-only history: the holder of a
  case is its latest row (``reviewer`` is nullable so that a later release can be a row too; no
  command writes one yet). Each ``assign`` run is one audit entry
  (``case.assign``) with its filters, count and the id range of the rows it added.

Released: never edited; a change is a new migration.
"""

from __future__ import annotations

NAME = "0012_notes_assignments"


def _append_only(table: str) -> str:
    return f"""
CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table}
BEGIN SELECT RAISE(ABORT, '{table} are append-only'); END;
CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table}
BEGIN SELECT RAISE(ABORT, '{table} are append-only'); END;
"""


def migrate(db) -> None:
    db.executescript(
        f"""
CREATE TABLE case_notes (
  id INTEGER PRIMARY KEY,
  case_id INTEGER NOT NULL,
  case_number TEXT NOT NULL,
  person_id TEXT NOT NULL,
  note TEXT NOT NULL CHECK (length(trim(note)) > 0),
  reviewer TEXT NOT NULL,
  created_at TEXT NOT NULL,
  audit_seq INTEGER NOT NULL
);
CREATE INDEX case_notes_case ON case_notes (case_id, id);
{_append_only("case_notes")}

CREATE TABLE assignments (
  id INTEGER PRIMARY KEY,
  case_id INTEGER NOT NULL,
  reviewer TEXT,
  assigned_by TEXT NOT NULL,
  assigned_at TEXT NOT NULL,
  audit_seq INTEGER NOT NULL
);
CREATE INDEX assignments_case ON assignments (case_id, id);
CREATE INDEX assignments_reviewer ON assignments (reviewer, case_id);
{_append_only("assignments")}
"""
    )
