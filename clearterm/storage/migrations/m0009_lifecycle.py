"""Migration 0009: the life of a case after signing (issue 16).

* ``sources.kind``: what a source file held, ``records`` (ingest), ``rulings`` or ``petitions``;
  the quarantine and the line reconciliation of every kind live in the same tables.
* ``batch_filings``: a signed batch filed with the court, then each later court date (a
  continuance of the whole call). Append-only.
* ``rulings``: the court's ruling on a case, by hand or from a rulings file (``source_id`` and
  ``source_line``). Append-only; one ruling per case and date (a second, different ruling for
  the same date is quarantined, the same one again is a no-op).
* ``case_notices``: letters mailed to the person (``letter_granted``, ``letter_denied``) and the
  agencies told of a granted order (``agency``, with its name). Append-only.
* ``case_lifecycle``: each case's state after its review decision, derived from the tables
  above and the batch tables (rebuildable; updated in the transaction that changes it). The
  queue's state column and filter, ``batch show`` and the docket watch read it.

Released: never edited; a change is a new migration.
"""

from __future__ import annotations

NAME = "0009_lifecycle"

#: The states of a case after its review decision, in the order a case moves through them.
LIFECYCLE_STATES = (
    "batched", "signed", "filed", "continued", "granted", "denied", "stricken", "withdrawn",
    "notified", "agencies_told",
)
#: What a court can rule on a case.
RULINGS = ("granted", "denied", "continued", "stricken", "withdrawn")


def _append_only(table: str) -> str:
    return f"""
CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table}
BEGIN SELECT RAISE(ABORT, '{table} are append-only'); END;
CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table}
BEGIN SELECT RAISE(ABORT, '{table} are append-only'); END;
"""


def migrate(db) -> None:
    states = ", ".join(f"'{s}'" for s in LIFECYCLE_STATES)
    rulings = ", ".join(f"'{r}'" for r in RULINGS)
    db.executescript(
        f"""
ALTER TABLE sources ADD COLUMN kind TEXT NOT NULL DEFAULT 'records'
  CHECK (kind IN ('records', 'rulings', 'petitions'));

CREATE TABLE batch_filings (
  id INTEGER PRIMARY KEY,
  batch_id INTEGER NOT NULL REFERENCES batches(id),
  kind TEXT NOT NULL CHECK (kind IN ('filed', 'court_date')),
  filed_date TEXT NOT NULL,
  court_date TEXT NOT NULL,
  courtroom TEXT,
  call TEXT,
  actor TEXT NOT NULL,
  created_at TEXT NOT NULL
);
CREATE INDEX batch_filings_batch ON batch_filings(batch_id, id);
CREATE UNIQUE INDEX batch_filings_one_filing ON batch_filings(batch_id) WHERE kind = 'filed';

CREATE TABLE rulings (
  id INTEGER PRIMARY KEY,
  case_id INTEGER NOT NULL REFERENCES cases(id),
  batch_id INTEGER REFERENCES batches(id),
  ruling TEXT NOT NULL CHECK (ruling IN ({rulings})),
  ruling_date TEXT NOT NULL,
  judge TEXT,
  next_court_date TEXT,
  order_number TEXT,
  source_id INTEGER REFERENCES sources(id),
  source_line INTEGER,
  actor TEXT NOT NULL,
  created_at TEXT NOT NULL,
  CHECK (ruling = 'continued' OR next_court_date IS NULL)
);
CREATE UNIQUE INDEX rulings_case_date ON rulings(case_id, ruling_date);
CREATE INDEX rulings_batch ON rulings(batch_id, case_id);

CREATE TABLE case_notices (
  id INTEGER PRIMARY KEY,
  case_id INTEGER NOT NULL REFERENCES cases(id),
  batch_id INTEGER REFERENCES batches(id),
  kind TEXT NOT NULL CHECK (kind IN ('letter_granted', 'letter_denied', 'agency')),
  agency TEXT,
  sent_date TEXT NOT NULL,
  actor TEXT NOT NULL,
  created_at TEXT NOT NULL,
  CHECK ((kind = 'agency') = (agency IS NOT NULL))
);
CREATE UNIQUE INDEX case_notices_once ON case_notices(case_id, kind, coalesce(agency, ''));
CREATE INDEX case_notices_batch ON case_notices(batch_id, kind);

CREATE TABLE case_lifecycle (
  case_id INTEGER PRIMARY KEY REFERENCES cases(id),
  state TEXT NOT NULL CHECK (state IN ({states})),
  batch_id INTEGER REFERENCES batches(id),
  court_date TEXT,
  ruling_date TEXT,
  updated_at TEXT NOT NULL
);
CREATE INDEX case_lifecycle_state ON case_lifecycle(state, case_id);
CREATE INDEX case_lifecycle_court_date ON case_lifecycle(court_date) WHERE court_date IS NOT NULL;
{_append_only("batch_filings")}
{_append_only("rulings")}
{_append_only("case_notices")}
"""
    )
