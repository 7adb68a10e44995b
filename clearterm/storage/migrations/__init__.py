"""Schema migrations: one module per migration, applied in the order of :data:`ORDER`.

A migration, once released, is never edited: a later change is a new module, added at the end
of :data:`ORDER`. Each module has ``NAME`` (recorded in the store's ``_sqlite_migrations`` table,
sqlite-utils' migration set ``clearterm``) and ``migrate(db)``.
"""

from __future__ import annotations

from sqlite_utils.migrations import Migrations

from clearterm.storage.migrations import (
    m0001_sources_records_quarantine,
    m0002_decisions_cases,
    m0003_reviews_audit,
    m0004_users,
    m0005_batches,
    m0006_drop_cases_queue,
    m0007_source_lines,
    m0008_batch_publishing,
    m0009_lifecycle,
    m0010_bulk_reviews,
    m0011_late_objections,
    m0012_notes_assignments,
    m0013_lifecycle_backfill,
    m0014_research_petitions,
    m0015_language,
    m0016_report_fields,
    m0017_open_store,
    m0018_foreign_keys,
)

__all__ = ["MIGRATIONS", "ORDER"]

ORDER = (
    m0001_sources_records_quarantine,
    m0002_decisions_cases,
    m0003_reviews_audit,
    m0004_users,
    m0005_batches,
    m0006_drop_cases_queue,
    m0007_source_lines,
    m0008_batch_publishing,
    m0009_lifecycle,
    m0010_bulk_reviews,
    m0011_late_objections,
    m0012_notes_assignments,
    m0013_lifecycle_backfill,
    m0014_research_petitions,
    m0015_language,
    m0016_report_fields,
    m0017_open_store,
    m0018_foreign_keys,
)

MIGRATIONS = Migrations("clearterm")
for _module in ORDER:
    MIGRATIONS(name=_module.NAME)(_module.migrate)
