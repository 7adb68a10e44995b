"""The migrations: an explicit ordered list, 0001's columns frozen, old stores upgrade cleanly."""

from __future__ import annotations

import gzip
import shutil
import sqlite3

from sqlite_utils import Database

from clearterm.storage.migrations import MIGRATIONS, ORDER
from clearterm.storage.migrations import m0001_sources_records_quarantine as m0001
from clearterm.storage.records import RECORD_COLUMNS
from clearterm.storage.store import open_store
from conftest import REPO

#: The names recorded in ``_sqlite_migrations`` by every store so far; never reordered or renamed.
RELEASED = (
    "0001_sources_records_quarantine", "0002_decisions_cases", "0003_reviews_audit", "0004_users",
    "0005_batches", "0006_drop_cases_queue", "0007_source_lines", "0008_batch_publishing",
    "0009_lifecycle", "0010_bulk_reviews",
    "0011_late_objections",
    "0012_notes_assignments",
    "0013_lifecycle_backfill",
    "0014_research_petitions",
    "0015_language",
    "0016_report_fields",
    "0017_open_store",
    "0018_foreign_keys",
)

#: The records table's canonical columns as migration 0001 created them (a copy, on purpose).
COLUMNS_0001 = (
    ("record_id", "TEXT NOT NULL"), ("case_number", "TEXT NOT NULL"), ("statute", "TEXT NOT NULL"),
    ("disposition", "TEXT NOT NULL"), ("person_id", "TEXT"), ("last_name", "TEXT"),
    ("first_name", "TEXT"), ("middle_name", "TEXT"), ("date_of_birth", "TEXT"),
    ("age_at_offense", "INTEGER"), ("offense_date", "TEXT"), ("arrest_date", "TEXT"),
    ("disposition_date", "TEXT"), ("offense_class", "TEXT"), ("offense_description", "TEXT"),
    ("weight_grams", "REAL"), ("enhancement", "TEXT"), ("sentence", "TEXT"), ("county", "TEXT"),
    ("court", "TEXT"), ("arresting_agency", "TEXT"), ("address_line1", "TEXT"),
    ("address_line2", "TEXT"), ("city", "TEXT"), ("state", "TEXT"), ("zip", "TEXT"),
)
#: Canonical columns added after 0001, by migration, in order (0015: language; 0016: the equity
#: report's race, gender, incident_city).
COLUMNS_ADDED = ("language", "race", "gender", "incident_city")
_BOOKKEEPING = (("version", "INTEGER NOT NULL"), ("source_id", "INTEGER NOT NULL"),
                ("source_line", "INTEGER NOT NULL"))


def _records_columns(conn: sqlite3.Connection) -> list[tuple[str, str]]:
    out = []
    for _cid, name, typ, notnull, _default, pk in conn.execute("PRAGMA table_info(records)"):
        if not pk:
            out.append((name, typ + (" NOT NULL" if notnull else "")))
    return out


def _schema(conn: sqlite3.Connection) -> set[tuple[str, str, str]]:
    return {(t, n, " ".join((s or "").split())) for t, n, s in
            conn.execute("SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'")}


def test_migrations_are_an_explicit_list_in_release_order():
    assert tuple(m.NAME for m in ORDER) == RELEASED
    assert tuple(m.name for m in MIGRATIONS._migrations) == RELEASED
    for module, name in zip(ORDER, RELEASED):
        assert module.__name__.rsplit(".", 1)[1] == "m" + name


def test_migration_0001_column_list_is_frozen():
    assert m0001.RECORDS_COLUMNS_0001 == COLUMNS_0001
    db = Database(sqlite3.connect(":memory:"))
    MIGRATIONS.apply(db, stop_before=RELEASED[1])
    assert _records_columns(db.conn) == list(COLUMNS_0001) + list(_BOOKKEEPING)


def test_fresh_store_has_the_domain_record_columns(tmp_path):
    """A change to ChargeRecord needs a new migration: the store's columns must follow it."""
    store = open_store(tmp_path / "s.db")
    # columns added by later migrations (ALTER TABLE ... ADD COLUMN) come after the bookkeeping ones
    added = [(n, t) for n, t in RECORD_COLUMNS.items() if n in COLUMNS_ADDED]
    assert _records_columns(store.conn) == list(COLUMNS_0001) + list(_BOOKKEEPING) + added
    assert list(RECORD_COLUMNS.items()) == list(COLUMNS_0001) + added
    assert [n for n, _ in added] == list(COLUMNS_ADDED)


def test_store_made_by_older_code_upgrades_cleanly(tmp_path):
    """tests/data/store_0006_rules11.db.gz: an empty store made by clearterm before issue 14
    (migrations 0001-0006). Opening it applies 0007 and 0008 and gives a fresh store's schema."""
    old = tmp_path / "old.db"
    with gzip.open(REPO / "tests" / "data" / "store_0006_rules11.db.gz") as src, open(old, "wb") as dst:
        shutil.copyfileobj(src, dst)
    old.chmod(0o600)
    tmp_path.chmod(0o700)
    before = [r[0] for r in sqlite3.connect(old).execute("SELECT name FROM _sqlite_migrations ORDER BY rowid")]
    assert tuple(before) == RELEASED[:6]
    upgraded = open_store(old)
    names = [r[0] for r in upgraded.conn.execute(
        "SELECT name FROM _sqlite_migrations WHERE migration_set = 'clearterm' ORDER BY rowid")]
    assert tuple(names) == RELEASED
    fresh = open_store(tmp_path / "fresh.db")
    assert _schema(upgraded.conn) == _schema(fresh.conn)
    assert not MIGRATIONS.pending(upgraded.db)


def test_migration_0009_lifecycle_tables_are_append_only(tmp_path):
    from clearterm.storage.store import open_store
    conn = open_store(tmp_path / "s.db").conn
    for table in ("batch_filings", "rulings", "case_notices"):
        triggers = {r[0] for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ?", (table,))}
        assert {f"{table}_no_update", f"{table}_no_delete"} <= triggers
    kinds = [r for r in conn.execute("PRAGMA table_info(sources)") if r[1] == "kind"]
    assert kinds and kinds[0][4] == "'records'"


def test_migration_0015_adds_language_and_keeps_rows(tmp_path):
    """An older store's records keep their values and get language NULL; new rows store it."""
    db = Database(sqlite3.connect(str(tmp_path / "s.db")))
    MIGRATIONS.apply(db, stop_before="0015_language")
    cols = [c for c, _ in COLUMNS_0001]
    db.conn.execute("INSERT INTO sources (file_name, sha256, size_bytes, format, status, started_at)"
                    " VALUES ('a.csv', 'x', 1, 'csv', 'complete', '2026-01-01')")
    db.conn.execute(f"INSERT INTO records ({', '.join(cols)}, source_id, source_line) VALUES"
                    f" ({', '.join('?' * len(cols))}, 1, 2)", ["r1", "C1", "720 ILCS 550/4(a)", ""] + [None] * (len(cols) - 4))
    MIGRATIONS.apply(db)
    assert db.conn.execute("SELECT record_id, language FROM records").fetchall() == [("r1", None)]
    db.conn.execute("UPDATE records SET language = 'es'")
    assert db.conn.execute("SELECT language FROM records").fetchone() == ("es",)
