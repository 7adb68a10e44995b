"""Migration 0008: batch labels never reused, and a recoverable *publishing* state for signing.

``batch_labels`` holds every batch id and label ever issued (back-filled from ``batches`` and the
``batch_created`` audit entries); a trigger adds each new batch to it, its UNIQUE label and
primary key refuse a label or id issued before (a batch dropped long ago included), and no row of
it is ever changed or deleted. :func:`clearterm.services.batches.create_batch` numbers a new batch after
the highest id issued, not after the highest id still present.

``batch_publishing`` is the row :func:`clearterm.services.batches.sign_batch` commits *before* it renames
the signed directory into place: the directory's absolute path, the staging directory, the
signing process, the SHA-256 of ``manifest.json`` and of its signature, and everything the batch
row will carry once signed. The ``batch_signed`` audit entry is committed with it. Then the
rename, then a second transaction marks the batch signed and deletes the row. A crash in
between leaves the row, the batch shows as ``publishing``, and the next ``batch sign`` or
``batch show`` reconciles it: the batch is marked signed when the directory in place matches the
recorded hashes, else the directory is removed and the batch is open again
(``batch_sign_abandoned`` in the audit log). While a batch is publishing, its cases are frozen
as if it were signed (same ``frozen:`` messages) and the batch cannot be deleted.
"""

from __future__ import annotations

from clearterm.storage.migrations.m0005_batches import FROZEN_PREFIX

#: The message when a review entry is refused on a case of a batch being published.
PUBLISHING_REVIEW_MESSAGE = f"{FROZEN_PREFIX} the case is in a court batch being signed; nothing recorded"


NAME = "0008_batch_publishing"


def migrate(db) -> None:
    db.executescript(
        f"""
CREATE TABLE batch_labels (
  id INTEGER PRIMARY KEY,
  label TEXT NOT NULL UNIQUE,
  created_at TEXT NOT NULL
);
INSERT OR IGNORE INTO batch_labels (id, label, created_at) SELECT id, label, created_at FROM batches;
INSERT OR IGNORE INTO batch_labels (id, label, created_at)
  SELECT json_extract(detail, '$.batch'), json_extract(detail, '$.label'), at FROM audit
  WHERE event = 'batch_created' AND json_extract(detail, '$.batch') IS NOT NULL
    AND json_extract(detail, '$.label') IS NOT NULL;
CREATE TRIGGER batch_labels_no_update BEFORE UPDATE ON batch_labels
BEGIN SELECT RAISE(ABORT, '{FROZEN_PREFIX} an issued batch label is never changed'); END;
CREATE TRIGGER batch_labels_no_delete BEFORE DELETE ON batch_labels
BEGIN SELECT RAISE(ABORT, '{FROZEN_PREFIX} an issued batch label is never deleted'); END;
CREATE TRIGGER batches_issue_label AFTER INSERT ON batches
BEGIN INSERT INTO batch_labels (id, label, created_at) VALUES (NEW.id, NEW.label, NEW.created_at); END;

CREATE TABLE batch_publishing (
  batch_id INTEGER PRIMARY KEY REFERENCES batches(id),
  label TEXT NOT NULL,
  batch_dir TEXT NOT NULL,
  staging_dir TEXT NOT NULL,
  pid INTEGER NOT NULL,
  manifest_sha256 TEXT NOT NULL,
  signature_sha256 TEXT NOT NULL,
  signed_at TEXT NOT NULL,
  signed_by TEXT NOT NULL,
  signer_name TEXT,
  documents INTEGER NOT NULL,
  pages INTEGER NOT NULL,
  anchor_seq INTEGER NOT NULL,
  anchor_hash TEXT NOT NULL,
  signed_audit_seq INTEGER NOT NULL CHECK (signed_audit_seq = anchor_seq + 1)
);

CREATE TRIGGER batches_publishing_no_delete BEFORE DELETE ON batches
WHEN EXISTS (SELECT 1 FROM batch_publishing p WHERE p.batch_id = OLD.id)
BEGIN SELECT RAISE(ABORT, '{FROZEN_PREFIX} batch is being signed and cannot be deleted'); END;
CREATE TRIGGER batch_cases_publishing_no_update BEFORE UPDATE ON batch_cases
WHEN EXISTS (SELECT 1 FROM batch_publishing p WHERE p.batch_id IN (OLD.batch_id, NEW.batch_id))
BEGIN SELECT RAISE(ABORT, '{FROZEN_PREFIX} the cases of a batch being signed cannot be changed'); END;
CREATE TRIGGER batch_cases_publishing_no_delete BEFORE DELETE ON batch_cases
WHEN EXISTS (SELECT 1 FROM batch_publishing p WHERE p.batch_id = OLD.batch_id)
BEGIN SELECT RAISE(ABORT, '{FROZEN_PREFIX} the cases of a batch being signed cannot be removed'); END;
CREATE TRIGGER batch_cases_publishing_no_insert BEFORE INSERT ON batch_cases
WHEN EXISTS (SELECT 1 FROM batch_publishing p WHERE p.batch_id = NEW.batch_id)
BEGIN SELECT RAISE(ABORT, '{FROZEN_PREFIX} cases cannot be added to a batch being signed'); END;
CREATE TRIGGER reviews_publishing_case BEFORE INSERT ON reviews
WHEN EXISTS (SELECT 1 FROM batch_cases bc JOIN batch_publishing p ON p.batch_id = bc.batch_id
             WHERE bc.case_id = NEW.case_id)
BEGIN SELECT RAISE(ABORT, '{PUBLISHING_REVIEW_MESSAGE}'); END;
"""
    )
