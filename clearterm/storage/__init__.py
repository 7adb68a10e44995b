"""Storage layer: the SQLite store, through sqlite-utils.

Nothing in this package may import Textual (see tests/test_layers.py).
"""

from clearterm.storage.store import Store, StoreError, open_store

__all__ = ["Store", "StoreError", "open_store"]
