"""Migration 0006: drop the ``cases_queue`` index.

Migration 0003's partial indexes (``cases_queue_order``, ``cases_queue_track_order``) serve
every queue, count and batch query (``tests/test_query_plans.py`` checks their query plans);
``cases_queue`` was used by none of them, yet every evaluation paid for it on each case row
it wrote (about a second per million records).
"""

from __future__ import annotations

NAME = "0006_drop_cases_queue"


def migrate(db) -> None:
    db.execute("DROP INDEX IF EXISTS cases_queue")
