"""Migration 0018: declared foreign keys for the store's links, and guards so none can dangle (issue 18).

Migration 0017 only checked new rows (``AFTER INSERT`` triggers): ``PRAGMA foreign_key_list``
stayed empty, so sqlite-utils and Datasette saw no link, and an update of a reference or a
delete of a case or record still left rows naming nothing.

**Declared foreign keys** (:data:`FOREIGN_KEYS`). A ``REFERENCES`` clause changes nothing in
how SQLite stores a table: not its rows, not its pages, not its indexes. So instead of rebuilding
the tables (copying a million decisions and the audit hash chain, dropping the originals and
recreating every index and trigger by hand, which needs ``PRAGMA foreign_keys=OFF``, impossible
inside the transaction the store runs its migrations in, and with foreign keys on, dropping
``decisions`` or ``reviews`` would fail on the rows that already refer to them), the clause is
added to each table's stored ``CREATE TABLE`` text in ``sqlite_master``. That is the procedure
SQLite documents for schema changes that leave the stored content as it is (lang_altertable.html,
"Making Other Kinds Of Table Schema Changes"): ``writable_schema``, edit the text, raise the
schema version, reload. It costs the same on any store size, and no row moves: the audit chain,
rowids and root pages stay byte for byte. Every edit is checked before it is written (the column
definition must be found exactly once, and the new text must compile), and after (the columns
as ``PRAGMA table_xinfo`` lists them, every index, trigger and view unchanged, and the new
links listed by ``PRAGMA foreign_key_list``); anything else aborts the migration, which rolls
back whole.

SQLite checks declared keys on connections with ``PRAGMA foreign_keys=ON`` (clearterm's; not
the ``sqlite3`` shell's or Datasette's by default), when rows are written; rows already stored
are not re-checked (``PRAGMA foreign_key_check`` lists any that were left dangling before).

**Triggers**, which hold whatever the connection's pragma (:data:`TRIGGERS`): a parent that
rows name can be neither deleted nor renumbered (cases, records; reviews and users already
refuse both), a mutable child's reference cannot be updated to nothing (case status, batch
cases: the other children are append-only), the new rows of case notes and assignments must
name a case (0017 checks the other children's), and the actors of batches, assignments, notes,
notices, filings, late objections and bulk actions must be users once the store has users (a
store without users is the single-user setup that predates them; a user added later cannot make
old rows wrong, so actors are not foreign keys). Not checked here: ``audit.actor`` (the audit log
records whoever acted, including the first administrator's bootstrap by a login that is not a
user yet and the finishing of an interrupted signing by whoever ran ``batch show``), and
``rulings.actor`` (the rulings import requires the reviewer role; tests and other writers
record court clerks). Messages start with ``reference:``.

Released: never edited; a change is a new migration.
"""

from __future__ import annotations

import sqlite3

NAME = "0018_foreign_keys"

#: The start of the message of every reference trigger (as in migration 0017).
REFERENCE_PREFIX = "reference:"

#: (table, the column's definition as migrations 0002-0012 wrote it, column, parent table, parent key).
FOREIGN_KEYS = (
    ("decisions", "record_id TEXT NOT NULL", "record_id", "records", "record_id"),
    ("reviews", "case_id INTEGER NOT NULL", "case_id", "cases", "id"),
    ("case_status", "case_id INTEGER PRIMARY KEY", "case_id", "cases", "id"),
    ("audit", "case_id INTEGER", "case_id", "cases", "id"),
    ("audit", "review_id INTEGER UNIQUE", "review_id", "reviews", "id"),
    ("batch_cases", "case_id INTEGER NOT NULL UNIQUE", "case_id", "cases", "id"),
    ("case_notes", "case_id INTEGER NOT NULL", "case_id", "cases", "id"),
    ("assignments", "case_id INTEGER NOT NULL", "case_id", "cases", "id"),
)

#: Every (table, column) that names a case, declared before (rulings, notices, life cycle,
#: petitions) or here: a case any of them names cannot be deleted or renumbered.
CASE_CHILDREN = (
    ("reviews", "case_id"), ("case_status", "case_id"), ("audit", "case_id"), ("batch_cases", "case_id"),
    ("case_notes", "case_id"), ("assignments", "case_id"),
    ("rulings", "case_id"), ("case_notices", "case_id"), ("case_lifecycle", "case_id"), ("petitions", "case_id"),
)

#: (table, column, nullable) of each actor checked against users once the store has users.
ACTORS = (
    ("batches", "created_by", False),
    ("batches", "signed_by", True),
    ("batch_publishing", "signed_by", False),
    ("assignments", "reviewer", True),
    ("assignments", "assigned_by", False),
    ("case_notes", "reviewer", False),
    ("case_notices", "actor", False),
    ("batch_filings", "actor", False),
    ("late_objections", "reviewer", False),
    ("bulk_actions", "actor", False),
)

#: Tables whose rows can change (the others' ``*_no_update`` triggers refuse every update).
_MUTABLE = {"batches", "batch_publishing", "case_status", "batch_cases"}


def _case_referenced(old: str) -> str:
    return " OR ".join(f"EXISTS (SELECT 1 FROM {t} WHERE {c} = {old})" for t, c in CASE_CHILDREN)


def _triggers() -> str:
    p = REFERENCE_PREFIX
    out = [f"""
CREATE TRIGGER cases_referenced_no_delete BEFORE DELETE ON cases
WHEN {_case_referenced('OLD.id')}
BEGIN SELECT RAISE(ABORT, '{p} the case is named by other rows (reviews, status, audit, batches...) and cannot be deleted'); END;
CREATE TRIGGER cases_referenced_no_renumber BEFORE UPDATE OF id ON cases
WHEN OLD.id IS NOT NEW.id AND ({_case_referenced('OLD.id')})
BEGIN SELECT RAISE(ABORT, '{p} the case is named by other rows and its id cannot change'); END;
CREATE TRIGGER records_decided_no_delete BEFORE DELETE ON records
WHEN EXISTS (SELECT 1 FROM decisions WHERE record_id = OLD.record_id)
BEGIN SELECT RAISE(ABORT, '{p} the record has decisions and cannot be deleted'); END;
CREATE TRIGGER records_decided_no_rekey BEFORE UPDATE OF record_id ON records
WHEN OLD.record_id IS NOT NEW.record_id AND EXISTS (SELECT 1 FROM decisions WHERE record_id = OLD.record_id)
BEGIN SELECT RAISE(ABORT, '{p} the record has decisions and its record_id cannot change'); END;
"""]
    for table in ("case_status", "batch_cases"):
        out.append(f"""
CREATE TRIGGER {table}_case_id_reference_update BEFORE UPDATE OF case_id ON {table}
WHEN NOT EXISTS (SELECT 1 FROM cases WHERE id = NEW.case_id)
BEGIN SELECT RAISE(ABORT, '{p} {table}.case_id names no cases row'); END;
""")
    for table in ("case_notes", "assignments"):  # 0017 checks the others' inserts
        out.append(f"""
CREATE TRIGGER {table}_case_id_reference AFTER INSERT ON {table}
WHEN NOT EXISTS (SELECT 1 FROM cases WHERE id = NEW.case_id)
BEGIN SELECT RAISE(ABORT, '{p} {table}.case_id names no cases row'); END;
""")
    for table, column, nullable in ACTORS:
        when = (f"{'NEW.' + column + ' IS NOT NULL AND ' if nullable else ''}EXISTS (SELECT 1 FROM users)"
                f" AND NOT EXISTS (SELECT 1 FROM users WHERE name = NEW.{column})")
        message = f"{p} {table}.{column} names no user"
        out.append(f"""
CREATE TRIGGER {table}_{column}_user AFTER INSERT ON {table} WHEN {when}
BEGIN SELECT RAISE(ABORT, '{message}'); END;
""")
        if table in _MUTABLE:
            out.append(f"""
CREATE TRIGGER {table}_{column}_user_update AFTER UPDATE OF {column} ON {table}
WHEN NEW.{column} IS NOT OLD.{column} AND {when}
BEGIN SELECT RAISE(ABORT, '{message}'); END;
""")
    return "".join(out)


TRIGGERS = _triggers()


class SchemaMismatch(sqlite3.DatabaseError):
    """The store's tables are not the ones migrations 0001-0017 made: nothing was changed."""


def _with_reference(sql: str, table: str, definition: str, parent: str, key: str) -> str:
    old = f"\n  {definition},"
    if sql.count(old) != 1:
        raise SchemaMismatch(f"table {table}: the column definition '{definition}' was not found exactly once")
    return sql.replace(old, f"\n  {definition} REFERENCES {parent}({key}),", 1)


def _snapshot(conn: sqlite3.Connection, tables: set[str]) -> dict:
    """Everything about the schema that declaring foreign keys must leave as it is."""
    master = conn.execute("SELECT type, name, tbl_name, rootpage, CASE WHEN type = 'table' AND name IN "
                          f"({', '.join('?' * len(tables))}) THEN NULL ELSE sql END FROM sqlite_master"
                          " ORDER BY type, name", sorted(tables)).fetchall()
    columns = {t: conn.execute(f"PRAGMA table_xinfo({t})").fetchall() for t in sorted(tables)}
    indexes = {t: conn.execute(f"PRAGMA index_list({t})").fetchall() for t in sorted(tables)}
    return {"master": master, "columns": columns, "indexes": indexes}


def _declare_foreign_keys(conn: sqlite3.Connection) -> None:
    tables = {t for t, *_ in FOREIGN_KEYS}
    sql = dict(conn.execute(f"SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name IN "
                            f"({', '.join('?' * len(tables))})", sorted(tables)).fetchall())
    missing = tables - sql.keys()
    if missing:
        raise SchemaMismatch(f"no table {', '.join(sorted(missing))}")
    for table, definition, column, parent, key in FOREIGN_KEYS:
        if any(r[3] == column for r in conn.execute(f"PRAGMA foreign_key_list({table})")):
            raise SchemaMismatch(f"{table}.{column} already has a foreign key")
        sql[table] = _with_reference(sql[table], table, definition, parent, key)
    probe = sqlite3.connect(":memory:")  # the new text must compile before it is written
    try:
        for table in sorted(tables):
            probe.execute(sql[table])
    finally:
        probe.close()

    before = _snapshot(conn, tables)
    version = conn.execute("PRAGMA schema_version").fetchone()[0]
    conn.execute("PRAGMA writable_schema=ON")
    try:
        for table in sorted(tables):
            conn.execute("UPDATE sqlite_master SET sql = ? WHERE type = 'table' AND name = ?", (sql[table], table))
        conn.execute(f"PRAGMA schema_version={int(version) + 1}")
    finally:
        conn.execute("PRAGMA writable_schema=RESET")  # off, and this connection re-reads the schema
    after = _snapshot(conn, tables)
    if after != before:
        raise SchemaMismatch("declaring the foreign keys changed more than the table definitions")
    for table, _definition, column, parent, key in FOREIGN_KEYS:
        if not any((r[2], r[3], r[4]) == (parent, column, key) for r in conn.execute(f"PRAGMA foreign_key_list({table})")):
            raise SchemaMismatch(f"{table}.{column}: the foreign key is not listed after the change")


def migrate(db) -> None:
    _declare_foreign_keys(db.conn)
    db.executescript(TRIGGERS)
