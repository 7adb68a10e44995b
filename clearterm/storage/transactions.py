"""Read transactions: several reads that must see one state of the store.

(Write transactions are :meth:`clearterm.storage.store.Store.write`.)
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator


@contextlib.contextmanager
def read_snapshot(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """Every read inside sees the same snapshot (a deferred transaction, ended however the block ends)."""
    conn.execute("BEGIN")
    try:
        yield conn
    finally:
        conn.execute("COMMIT")
