"""Opening the store: file permissions, pragmas, migrations and write transactions.

Every write goes through :meth:`Store.write`, which starts a ``BEGIN IMMEDIATE``
transaction (so two writers never deadlock half-way) and commits or rolls back
as a whole. The connection runs in autocommit mode otherwise, so a reader never
holds a transaction open by accident.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import stat
from collections.abc import Iterator
from pathlib import Path

import sqlite_utils

from clearterm.storage.migrations import MIGRATIONS

DEFAULT_DB = "clearterm.db"
BUSY_TIMEOUT_MS = 15_000


class StoreError(Exception):
    """A problem opening or using the store, with a message fit for the user."""


def resolve_db_path(cli_value: str | os.PathLike | None) -> Path:
    """``--db``, else ``$CLEARTERM_DB``, else ``./clearterm.db``."""
    if cli_value:
        return Path(cli_value)
    env = os.environ.get("CLEARTERM_DB")
    if env:
        return Path(env)
    return Path(DEFAULT_DB)


def _create_private_file(path: Path) -> None:
    """Create an empty file readable by its owner only (0600), its directory 0700 if new."""
    parent = path.parent
    if not parent.exists():
        parent.mkdir(parents=True, mode=0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.close(fd)
    os.chmod(path, 0o600)  # in case the umask widened nothing but an ACL did


def insecure_permissions(path: Path) -> list[str]:
    """What is wrong with the store's permissions: group/other access to the file or directory."""
    problems = []
    for p, label in ((path, "store file"), (path.parent, "store directory")):
        try:
            mode = stat.S_IMODE(p.stat().st_mode)
        except FileNotFoundError:
            continue
        if mode & 0o077:
            problems.append(f"{label} {p} has mode {mode:04o} (others can access it)")
    return problems


class Store:
    """An open clearterm store."""

    def __init__(self, path: Path, conn: sqlite3.Connection):
        self.path = path
        self.conn = conn
        self.db = sqlite_utils.Database(conn)

    # -- transactions -------------------------------------------------------------------
    @contextlib.contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """An immediate write transaction; commits on success, rolls back on any error."""
        if self.conn.in_transaction:
            raise StoreError("nested write transaction")
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self.conn
        except BaseException:
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            raise
        else:
            self.conn.execute("COMMIT")

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- queries ----------------------------------------------------------------------------
    def scalar(self, sql: str, params: tuple = ()) -> object:
        row = self.conn.execute(sql, params).fetchone()
        return None if row is None else row[0]

    def counts(self) -> dict[str, int]:
        """Row counts of the main tables, for ``clearterm status``."""
        out = {}
        for table in self.db.table_names():
            if table.startswith(("_", "sqlite_")) or "_fts" in table:
                continue
            out[table] = int(self.scalar(f"SELECT count(*) FROM [{table}]"))
        return out


def open_store(
    path: str | os.PathLike,
    *,
    create: bool = True,
    synchronous: str = "FULL",
    check_permissions: bool = True,
) -> Store:
    """Open (and if needed create and migrate) the store at ``path``.

    A new file is created with mode 0600. An existing file that other users can
    read is refused unless ``check_permissions`` is false.
    """
    p = Path(path)
    if not p.exists():
        if not create:
            raise StoreError(f"no store at {p}; run 'clearterm ingest' first or pass --db")
        _create_private_file(p)
    elif check_permissions:
        problems = [x for x in insecure_permissions(p) if x.startswith("store file")]
        if problems:
            raise StoreError(
                "; ".join(problems) + ". Run with --fix-permissions to make it private (0600)."
            )
    try:
        conn = sqlite3.connect(str(p), timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None,
                               check_same_thread=False)
        conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute(f"PRAGMA synchronous={synchronous}")
        conn.execute("PRAGMA foreign_keys=ON")
        conn.execute("PRAGMA cache_size=-131072")  # 128 MiB page cache: index inserts at 1M rows
        conn.execute("PRAGMA temp_store=MEMORY")
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"{p} is not a clearterm store ({exc})") from None
    store = Store(p, conn)
    try:
        if MIGRATIONS.pending(store.db):
            # Under an immediate lock, so two processes opening a new store at once
            # cannot both apply the same migration; sqlite-utils nests as savepoints.
            with store.write():
                MIGRATIONS.apply(store.db)
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise StoreError(f"{p} could not be migrated ({exc})") from None
    return store


def fix_permissions(path: Path) -> None:
    """Make the store file (and its WAL companions) 0600 and its directory 0700."""
    for suffix in ("", "-wal", "-shm"):
        q = Path(str(path) + suffix)
        if q.exists():
            os.chmod(q, 0o600)
    if path.parent.exists() and path.parent != Path("/"):
        os.chmod(path.parent, 0o700)
