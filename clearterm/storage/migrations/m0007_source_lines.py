"""Migration 0007: each source's reconciliation of physical lines, its encoding, where its data stops.

``lines_read = header_lines + lines_stored + lines_quarantined + blank_lines`` for every source
ingested since (NULL ``lines_read``: ingested before lines were counted, or still running).
``stopped_line``: a compressed file whose data stops early (truncated or damaged) in that line;
the rows before it are stored. ``encoding``: the text encoding its lines were decoded with.
"""

from __future__ import annotations

NAME = "0007_source_lines"


def migrate(db) -> None:
    db.executescript(
        """
ALTER TABLE sources ADD COLUMN lines_read INTEGER;
ALTER TABLE sources ADD COLUMN header_lines INTEGER;
ALTER TABLE sources ADD COLUMN blank_lines INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sources ADD COLUMN lines_stored INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sources ADD COLUMN lines_quarantined INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sources ADD COLUMN stopped_line INTEGER;
ALTER TABLE sources ADD COLUMN encoding TEXT;
"""
    )
