"""Migration 0015: the person's language for letters (issue 17).

``records.language``: an ISO 639-1 code (``en``, ``es``...) or NULL when unknown; letters go
in that language when clearterm has templates for it, else in English and Spanish together.

Released: never edited; a change is a new migration.
"""

from __future__ import annotations

NAME = "0015_language"


def migrate(db) -> None:
    db.executescript("ALTER TABLE records ADD COLUMN language TEXT;")
