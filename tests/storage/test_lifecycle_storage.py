"""case_lifecycle: the state derived from batches, filings, rulings and notices (issue 16)."""

from __future__ import annotations

import pytest

from clearterm.storage.lifecycle import (
    CaseFacts, derive_state, lifecycle_counts, lifecycle_row, refresh_lifecycle, set_lifecycle,
)

AT = "2026-11-21T10:00:00+00:00"


def facts(**kw) -> CaseFacts:
    base = dict(case_id=1, batch_id=7, batch_status="open", filed=False, batch_court_date=None, ruling=None,
                ruling_date=None, next_court_date=None, letter=False, agency=False)
    return CaseFacts(**{**base, **kw})


@pytest.mark.parametrize("kw, expected", [
    (dict(batch_id=None), None),
    (dict(), ("batched", None, None)),
    (dict(batch_status="signed"), ("signed", None, None)),
    (dict(batch_status="signed", filed=True, batch_court_date="2027-01-05"), ("filed", "2027-01-05", None)),
    (dict(filed=True, batch_court_date="2027-01-05", ruling="continued", ruling_date="2027-01-05",
          next_court_date="2027-02-01"), ("continued", "2027-02-01", "2027-01-05")),
    (dict(filed=True, batch_court_date="2027-01-05", ruling="continued", ruling_date="2027-01-05"),
     ("continued", None, "2027-01-05")),
    (dict(filed=True, batch_court_date="2027-03-01", ruling="continued", ruling_date="2027-01-05"),
     ("continued", "2027-03-01", "2027-01-05")),
    (dict(filed=True, batch_court_date="2027-03-01", ruling="continued", ruling_date="2027-01-05",
          next_court_date="2027-02-01"), ("continued", "2027-03-01", "2027-01-05")),
    (dict(filed=True, batch_court_date="2027-01-05", ruling="continued", ruling_date="2027-01-05",
          next_court_date="2027-02-01"), ("continued", "2027-02-01", "2027-01-05")),
    (dict(filed=True, ruling="granted", ruling_date="2027-01-05"), ("granted", None, "2027-01-05")),
    (dict(filed=True, ruling="granted", ruling_date="2027-01-05", letter=True), ("notified", None, "2027-01-05")),
    (dict(filed=True, ruling="granted", ruling_date="2027-01-05", letter=True, agency=True),
     ("agencies_told", None, "2027-01-05")),
    (dict(filed=True, ruling="denied", ruling_date="2027-01-05", letter=True), ("notified", None, "2027-01-05")),
    (dict(filed=True, ruling="stricken", ruling_date="2027-01-05"), ("stricken", None, "2027-01-05")),
])
def test_derive_state(kw, expected):
    assert derive_state(facts(**kw)) == expected


def _seed(conn):
    """Two cases in one open batch (foreign keys off: only the lifecycle tables matter here)."""
    conn.execute("PRAGMA foreign_keys=OFF")
    conn.execute("INSERT INTO batches (id, label, track, status, created_at, created_by)"
                 " VALUES (7, 'B-7', 'automatic', 'open', ?, 'boss')", (AT,))
    for pos, cid in ((1, 1), (2, 2)):
        conn.execute("INSERT INTO cases (id, case_number, person_id, track, tranche, charges, flagged, evaluation_id)"
                     " VALUES (?, ?, 'P', 'automatic', 1, 1, 1, 1)", (cid, f"C{cid}"))
        conn.execute("INSERT INTO batch_cases VALUES (7, ?, ?, ?, 'P', 'approved', 1)", (pos, cid, f"C{cid}"))


def test_refresh_follows_the_tables(store):
    conn = store.conn
    _seed(conn)
    with store.write():
        assert refresh_lifecycle(conn, [1, 2, 3], at=AT) == 2
    assert lifecycle_row(conn, 1)[:2] == ("batched", 7)
    assert lifecycle_row(conn, 3) is None
    with store.write():
        assert refresh_lifecycle(conn, [1, 2], at="later") == 0  # nothing changed: updated_at stays
    assert lifecycle_row(conn, 1)[4] == AT
    with store.write():
        conn.execute("INSERT INTO batch_filings (batch_id, kind, filed_date, court_date, actor, created_at)"
                     " VALUES (7, 'filed', '2026-12-01', '2027-01-05', 'boss', ?)", (AT,))
        conn.execute("INSERT INTO rulings (case_id, batch_id, ruling, ruling_date, actor, created_at)"
                     " VALUES (1, 7, 'granted', '2027-01-05', 'boss', ?)", (AT,))
        refresh_lifecycle(conn, [1, 2], at=AT)
    assert lifecycle_row(conn, 1)[:4] == ("granted", 7, None, "2027-01-05")
    assert lifecycle_row(conn, 2)[:4] == ("filed", 7, "2027-01-05", None)
    assert lifecycle_counts(conn) == {"filed": 1, "granted": 1}
    with store.write():
        conn.execute("INSERT INTO case_notices (case_id, batch_id, kind, sent_date, actor, created_at)"
                     " VALUES (1, 7, 'letter_granted', '2027-01-20', 'boss', ?)", (AT,))
        refresh_lifecycle(conn, [1], at=AT)
    assert lifecycle_row(conn, 1)[0] == "notified"


def test_a_case_out_of_its_batch_loses_its_state(store):
    conn = store.conn
    _seed(conn)
    with store.write():
        refresh_lifecycle(conn, [1, 2], at=AT)
        conn.execute("DELETE FROM batch_cases WHERE case_id = 2")
        refresh_lifecycle(conn, [2], at=AT)
    assert lifecycle_row(conn, 2) is None
    assert lifecycle_counts(conn, 7) == {"batched": 1}


def test_set_lifecycle_keeps_what_it_is_not_given(store):
    conn = store.conn
    _seed(conn)
    with store.write():
        refresh_lifecycle(conn, [1], at=AT)
        set_lifecycle(conn, 1, "notified", at="later")
    assert lifecycle_row(conn, 1) == ("notified", 7, None, None, "later")
    with pytest.raises(ValueError):
        with store.write():
            set_lifecycle(conn, 1, "lost", at=AT)
    with pytest.raises(RuntimeError):
        set_lifecycle(conn, 1, "notified", at=AT)


def test_docket_query_reads_indexes(store):
    """Every part of the docket watch and its counts reads an index (batches and the Clerk's
    petitions are few: scanned; each petition then reads indexes only)."""
    from clearterm.storage.lifecycle import docket_plan

    plan = docket_plan(store.conn)
    scans = [p for p in plan if p.startswith("SCAN") and p not in ("SCAN b", "SCAN p")
             and not p.startswith("SCAN (subquery")]
    assert scans == [], plan
    assert any("petitions_once" in p for p in plan)  # the later petition of the same petitioner
    assert sum("case_lifecycle_state" in p for p in plan) == 6  # three parts, twice (rows and counts)


def test_migration_0013_gives_batched_cases_their_state():
    """Cases batched before the lifecycle was recorded: batched (open batch) or signed."""
    import sqlite3

    from sqlite_utils import Database

    from clearterm.storage.migrations import MIGRATIONS

    db = Database(sqlite3.connect(":memory:"))
    MIGRATIONS.apply(db, stop_before="0013_lifecycle_backfill")
    conn = db.conn
    conn.executemany("INSERT INTO batches (id, label, track, status, created_at, created_by)"
                     " VALUES (?, ?, 'automatic', 'open', '2026-01-01', 'boss')", [(1, "B-1"), (2, "B-2")])
    conn.executemany("INSERT INTO batch_cases VALUES (?, 1, ?, ?, 'P', 'approved', 1)",
                     [(1, 10, "C10"), (2, 20, "C20")])
    conn.execute("UPDATE batches SET status = 'signed', signed_at = '2026-01-02', signed_by = 'boss',"
                 " manifest_sha256 = 'x', anchor_seq = 1, anchor_hash = 'h', signed_audit_seq = 2 WHERE id = 2")
    MIGRATIONS.apply(db)
    assert conn.execute("SELECT case_id, state, batch_id, updated_at FROM case_lifecycle ORDER BY case_id"
                        ).fetchall() == [(10, "batched", 1, "2026-01-01"), (20, "signed", 2, "2026-01-02")]
