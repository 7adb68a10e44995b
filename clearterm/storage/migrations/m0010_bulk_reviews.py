"""Migration 0010: bulk approval (issue 15).

* ``bulk_actions``: one row per bulk action, ``approve`` (many pending automatic-track cases
  approved at once) or ``undo`` (the compensation of a whole bulk approval, ``undoes`` naming
  it): who, the filter it came from (JSON of keys and codes, never free text) and how many
  cases it was asked to act on. Append-only.
* ``reviews.bulk_id``: the bulk action an entry was made by (NULL for a single action). The
  entry's audit entry names it too (``detail.bulk``), so the chain covers it.

Released: never edited; a change is a new migration.
"""

from __future__ import annotations

NAME = "0010_bulk_reviews"

SQL = """
CREATE TABLE bulk_actions (
  id INTEGER PRIMARY KEY,
  kind TEXT NOT NULL CHECK (kind IN ('approve', 'undo')),
  undoes INTEGER REFERENCES bulk_actions(id),
  actor TEXT NOT NULL,
  filter TEXT NOT NULL,
  requested INTEGER NOT NULL,
  created_at TEXT NOT NULL,
  CHECK ((kind = 'undo') = (undoes IS NOT NULL))
);
CREATE TRIGGER bulk_actions_no_update BEFORE UPDATE ON bulk_actions
BEGIN SELECT RAISE(ABORT, 'bulk actions are append-only'); END;
CREATE TRIGGER bulk_actions_no_delete BEFORE DELETE ON bulk_actions
BEGIN SELECT RAISE(ABORT, 'bulk actions are append-only'); END;

ALTER TABLE reviews ADD COLUMN bulk_id INTEGER REFERENCES bulk_actions(id);
CREATE INDEX reviews_bulk ON reviews(bulk_id, id) WHERE bulk_id IS NOT NULL;
"""


def migrate(db) -> None:
    db.executescript(SQL)
