"""Migration 0005: court batches, the cases in them, and the freeze of signed batches.

A batch is built from decided cases (``open``) and becomes ``signed`` once its
documents are signed and written. From then on the store refuses, by trigger,
whatever would make the store disagree with the signed papers: changing or
deleting the batch or its case rows, adding cases to it, and new review entries
on its cases. The triggers are the last line of defence; :mod:`clearterm.services.batches`
checks the same things first so the user gets a precise message.

The messages of the review trigger start with :data:`FROZEN_PREFIX` so a caller
can tell this refusal from other integrity errors.
"""

from __future__ import annotations


#: Start of the message of every freeze trigger (``sqlite3.IntegrityError``).
FROZEN_PREFIX = "frozen:"
#: The message when a review entry is refused on a case of a signed batch.
FROZEN_REVIEW_MESSAGE = f"{FROZEN_PREFIX} the case is in a signed court batch; nothing recorded"


NAME = "0005_batches"


def migrate(db) -> None:
    db.executescript(
        f"""
CREATE TABLE batches (
  id INTEGER PRIMARY KEY,
  label TEXT NOT NULL UNIQUE,
  track TEXT NOT NULL CHECK (track IN ('automatic', 'petition')),
  tranche INTEGER,
  status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'signed')),
  created_at TEXT NOT NULL,
  created_by TEXT NOT NULL,
  signed_at TEXT,
  signed_by TEXT,
  signer_name TEXT,
  documents INTEGER,
  pages INTEGER,
  manifest_sha256 TEXT,
  -- the audit anchor printed in the manifest: the chain head just before the signing entry
  anchor_seq INTEGER,
  anchor_hash TEXT,
  -- the batch_signed audit entry (always anchor_seq + 1)
  signed_audit_seq INTEGER,
  CHECK (status = 'open' OR (signed_at IS NOT NULL AND signed_by IS NOT NULL
         AND manifest_sha256 IS NOT NULL AND anchor_seq IS NOT NULL AND anchor_hash IS NOT NULL
         AND signed_audit_seq = anchor_seq + 1))
);

-- One row per case in a batch; a case is in at most one batch. ``version`` is the case's
-- review version (case_status.version) when it was put in the batch: signing refuses if the
-- case has changed since.
CREATE TABLE batch_cases (
  batch_id INTEGER NOT NULL REFERENCES batches(id),
  position INTEGER NOT NULL,
  case_id INTEGER NOT NULL UNIQUE,
  case_number TEXT NOT NULL,
  person_id TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('approved', 'objected')),
  version INTEGER NOT NULL,
  PRIMARY KEY (batch_id, position)
) WITHOUT ROWID;

-- Freeze: a signed batch never changes, nor do its case rows.
CREATE TRIGGER batches_signed_no_update BEFORE UPDATE ON batches WHEN OLD.status = 'signed'
BEGIN SELECT RAISE(ABORT, '{FROZEN_PREFIX} batch is signed and cannot be changed'); END;
CREATE TRIGGER batches_signed_no_delete BEFORE DELETE ON batches WHEN OLD.status = 'signed'
BEGIN SELECT RAISE(ABORT, '{FROZEN_PREFIX} batch is signed and cannot be deleted'); END;
CREATE TRIGGER batch_cases_signed_no_update BEFORE UPDATE ON batch_cases
WHEN (SELECT status FROM batches WHERE id = OLD.batch_id) = 'signed'
  OR (SELECT status FROM batches WHERE id = NEW.batch_id) = 'signed'
BEGIN SELECT RAISE(ABORT, '{FROZEN_PREFIX} the cases of a signed batch cannot be changed'); END;
CREATE TRIGGER batch_cases_signed_no_delete BEFORE DELETE ON batch_cases
WHEN (SELECT status FROM batches WHERE id = OLD.batch_id) = 'signed'
BEGIN SELECT RAISE(ABORT, '{FROZEN_PREFIX} the cases of a signed batch cannot be removed'); END;
CREATE TRIGGER batch_cases_signed_no_insert BEFORE INSERT ON batch_cases
WHEN (SELECT status FROM batches WHERE id = NEW.batch_id) = 'signed'
BEGIN SELECT RAISE(ABORT, '{FROZEN_PREFIX} cases cannot be added to a signed batch'); END;

-- Freeze: no review action on a case of a signed batch (approve, object, undo, service...).
CREATE TRIGGER reviews_frozen_case BEFORE INSERT ON reviews
WHEN EXISTS (SELECT 1 FROM batch_cases bc JOIN batches b ON b.id = bc.batch_id
             WHERE bc.case_id = NEW.case_id AND b.status = 'signed')
BEGIN SELECT RAISE(ABORT, '{FROZEN_REVIEW_MESSAGE}'); END;
"""
    )
