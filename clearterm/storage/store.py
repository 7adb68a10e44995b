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

BUSY_TIMEOUT_MS = 15_000


class StoreError(Exception):
    """A problem opening or using the store, with a message fit for the user."""


def _create_private_file(path: Path) -> None:
    """Create an empty file readable by its owner only (0600), its directory 0700 if new."""
    parent = path.parent
    if not parent.exists():
        parent.mkdir(parents=True, mode=0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.close(fd)
    os.chmod(path, 0o600)  # in case the umask widened nothing but an ACL did


# What the permission checks enforce (mode bits only: root can read anything regardless).
#
# - The store file and its WAL companions: no access at all for group or other. SQLite creates
#   the -wal and -shm files with the store's own mode, so a private store stays private.
# - The directory: not writable by group or other. Whoever can write the directory can replace
#   the store, or plant a -wal file that SQLite would replay into it (a sticky /tmp included).
# - A directory that group or other can list or enter only reveals file names, not contents:
#   that is a warning, not a refusal. ``--fix-permissions`` repairs all three (0600 / 0700).
COMPANIONS = ("", "-wal", "-shm")


def _mode(p: Path) -> int | None:
    try:
        return stat.S_IMODE(p.stat().st_mode)
    except FileNotFoundError:
        return None


def insecure_permissions(path: Path) -> list[str]:
    """Reasons to refuse the store: group/other access to its files, or others able to write its directory."""
    problems = []
    for suffix in COMPANIONS:
        q = Path(str(path) + suffix)
        mode = _mode(q)
        if mode is not None and mode & 0o077:
            label = "store file" if not suffix else f"store {suffix[1:].upper()} file"
            problems.append(f"{label} {q} has mode {mode:04o} (other users can read it)")
    parent = path.absolute().parent
    mode = _mode(parent)
    if mode is not None and mode & 0o022:
        problems.append(f"store directory {parent} has mode {mode:04o} (other users can replace the store)")
    return problems


def permission_warnings(path: Path) -> list[str]:
    """Weaker exposure that does not stop clearterm: others can list the store's directory."""
    parent = path.absolute().parent
    mode = _mode(parent)
    if mode is not None and not mode & 0o022 and mode & 0o055:
        return [f"store directory {parent} has mode {mode:04o}: other users can see its file names; "
                "--fix-permissions makes it 0700"]
    return []


class Store:
    """An open clearterm store."""

    def __init__(self, path: Path, conn: sqlite3.Connection):
        self.path = path
        self.conn = conn
        self.db = sqlite_utils.Database(conn)
        #: Permission findings that do not stop clearterm (shown by the CLI on stderr).
        self.warnings: list[str] = []

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

    A new file is created with mode 0600 (its directory 0700 when clearterm creates it).
    Unless ``check_permissions`` is false, a store that other users can read, or whose
    directory they can write, is refused (see :func:`insecure_permissions`); lesser
    exposure is listed in ``Store.warnings`` for the caller to show.
    """
    p = Path(path)
    if check_permissions:
        problems = insecure_permissions(p)
        if problems and (p.exists() or any("directory" in x for x in problems)):
            raise StoreError(
                "; ".join(problems) + "; run with --fix-permissions to make the store 0600 and its directory 0700"
            )
    if not p.exists():
        if not create:
            raise StoreError(f"no store at {p}; run 'clearterm ingest' first or pass --db")
        _create_private_file(p)
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
    if check_permissions:
        store.warnings = permission_warnings(p)
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


def connect_bulk_writer(path: str | os.PathLike) -> sqlite3.Connection:
    """A second connection to an open (migrated) store, for a bulk worker process.

    The store's own settings (WAL, busy timeout, page cache), but ``synchronous=NORMAL`` (a crash
    may lose the last commits, never consistency; the bulk run is repeatable) and foreign keys
    off: a bulk writer only inserts rows whose references it has just created.
    """
    conn = sqlite3.connect(os.fspath(path), timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
    conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA foreign_keys=OFF")
    conn.execute("PRAGMA cache_size=-131072")
    conn.execute("PRAGMA temp_store=MEMORY")
    return conn


def fix_permissions(path: Path) -> None:
    """Make the store file (and its WAL companions) 0600 and its directory 0700.

    Refuses the root directory and directories the caller does not own (a shared
    directory such as /tmp is fixed by moving the store, not by chmod).
    """
    for suffix in COMPANIONS:
        q = Path(str(path) + suffix)
        if q.exists():
            os.chmod(q, 0o600)
    parent = path.absolute().parent
    if not parent.exists():
        return
    st = parent.stat()
    if parent == Path(parent.anchor) or st.st_mode & stat.S_ISVTX or st.st_uid != os.geteuid():
        if stat.S_IMODE(st.st_mode) & 0o077:
            raise StoreError(f"will not change the mode of the shared directory {parent}: move the store "
                             "into a directory of its own (created 0700)")
        return
    os.chmod(parent, 0o700)
