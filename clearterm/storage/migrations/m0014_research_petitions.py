"""Migration 0014: served petitions (issue 16, "Served petitions" and "Cases that need research").

* ``petitions``: one row per petition row of a Clerk's list (``clearterm petitions import``; the
  file is a ``sources`` row of kind ``petitions``, its bad rows are in ``quarantine``). What the
  row says (case number, petitioner's name, date of birth, person id, the filed, served and
  hearing dates) and how it was matched when it was imported: ``matched`` (``case_id`` set),
  ``unmatched`` (no stored case) or ``ambiguous`` (more than one person). A petition is
  imported once: the same petition (case number, person id, name, filed and served dates) in
  a later file is counted unchanged. Append-only.
* ``petition_service``: what importing did with a matched petition, one row each: the service
  date recorded on the case (``recorded``; the audited review entry is in ``reviews``), already
  there (``unchanged``), or not (``refused`` with the reason), and ``flag`` when the rules call
  the case ``automatic``, ``ineligible`` or ``review``. Written after the service entry, so a
  run killed between the two finds the date recorded and writes ``unchanged``. Append-only.

Cases that need research are derived from ``records`` when asked (no table: never stale).

Released: never edited; a change is a new migration.
"""

from __future__ import annotations

NAME = "0014_research_petitions"

MATCHES = ("matched", "unmatched", "ambiguous")
OUTCOMES = ("recorded", "unchanged", "refused", "flagged")
FLAGS = ("automatic", "ineligible", "review")


def migrate(db) -> None:
    matches = ", ".join(f"'{m}'" for m in MATCHES)
    outcomes = ", ".join(f"'{o}'" for o in OUTCOMES)
    flags = ", ".join(f"'{f}'" for f in FLAGS)
    db.executescript(
        f"""
CREATE TABLE petitions (
  id INTEGER PRIMARY KEY,
  source_id INTEGER NOT NULL REFERENCES sources(id),
  source_line INTEGER NOT NULL,
  case_number TEXT NOT NULL,
  person_id TEXT NOT NULL DEFAULT '',
  petitioner_last_name TEXT NOT NULL,
  petitioner_first_name TEXT NOT NULL,
  date_of_birth TEXT,
  filed_date TEXT NOT NULL,
  served_date TEXT NOT NULL,
  hearing_date TEXT,
  match TEXT NOT NULL CHECK (match IN ({matches})),
  case_id INTEGER REFERENCES cases(id),
  candidates INTEGER NOT NULL,
  created_at TEXT NOT NULL,
  CHECK ((match = 'matched') = (case_id IS NOT NULL))
);
CREATE UNIQUE INDEX petitions_source_line ON petitions(source_id, source_line);
CREATE UNIQUE INDEX petitions_once ON petitions(case_number, person_id, lower(petitioner_last_name),
  lower(petitioner_first_name), filed_date, served_date);
CREATE INDEX petitions_case ON petitions(case_id) WHERE case_id IS NOT NULL;
CREATE INDEX petitions_open ON petitions(match, served_date) WHERE match != 'matched';

CREATE TABLE petition_service (
  petition_id INTEGER PRIMARY KEY REFERENCES petitions(id),
  outcome TEXT NOT NULL CHECK (outcome IN ({outcomes})),
  flag TEXT CHECK (flag IN ({flags})),
  message TEXT,
  review_id INTEGER REFERENCES reviews(id),
  created_at TEXT NOT NULL
);

CREATE TRIGGER petitions_no_update BEFORE UPDATE ON petitions
BEGIN SELECT RAISE(ABORT, 'petitions are append-only'); END;
CREATE TRIGGER petitions_no_delete BEFORE DELETE ON petitions
BEGIN SELECT RAISE(ABORT, 'petitions are append-only'); END;
CREATE TRIGGER petition_service_no_update BEFORE UPDATE ON petition_service
BEGIN SELECT RAISE(ABORT, 'petition_service is append-only'); END;
CREATE TRIGGER petition_service_no_delete BEFORE DELETE ON petition_service
BEGIN SELECT RAISE(ABORT, 'petition_service is append-only'); END;
"""
    )
