"""The hash-chained audit log: append-only, chained, and tampering (with the triggers dropped) is caught."""

from __future__ import annotations

import hashlib
import json
import sqlite3

import pytest
from typer.testing import CliRunner

from clearterm.services import review
from clearterm.cli.main import app
from clearterm.storage import audit, open_store
from clearterm.storage.audit import GENESIS, verify_chain
from clearterm.storage.reviews import current_version
from test_reviews import TODAY, build_store, case_id

runner = CliRunner()


@pytest.fixture
def db(tmp_path):
    """A store with six review entries (1..6) and their audit entries (seq 1..6)."""
    path = tmp_path / "audit.db"
    store = build_store(path)
    with store:
        steps = [("10CR1", None, "approve", {}), ("98CR8", None, "defer", {}),
                 ("05CR6", None, "object", dict(ground="criteria_not_met", note="facts", served="2026-10-01")),
                 ("15CR5", None, "exclude", dict(note="reason")), ("10CR1", None, "undo", {}),
                 ("14CR2", "P2", "approve", {})]
        for number, person, action, kw in steps:
            cid = case_id(store, number, person)
            review.act(store, cid, action, reviewer="alice", expected_version=current_version(store.conn, cid),
                       today=TODAY, **kw)
    return path


def raw(path, *sql):
    """An attacker's connection: no clearterm, triggers dropped as needed."""
    conn = sqlite3.connect(path)
    for s in sql:
        conn.execute(s)
    conn.commit()
    conn.close()


def verify(path, **kw):
    with open_store(path) as s:
        return verify_chain(s.conn, **kw)


def cli_verify(path, *extra):
    r = runner.invoke(app, ["--db", str(path), "audit", "verify", *extra])
    return r.exit_code, " ".join(((r.stdout or "") + (r.stderr or "")).split())


def test_chain_shape_and_hashes(db):
    with open_store(db) as s:
        rows = list(s.conn.execute(f"SELECT {', '.join(audit.AUDIT_FIELDS)}, hash FROM audit ORDER BY seq"))
        assert [r[0] for r in rows] == [1, 2, 3, 4, 5, 6]
        assert rows[0][8] == GENESIS == "0" * 64
        for prev, cur in zip(rows, rows[1:]):
            assert cur[8] == prev[9]
        for r in rows:  # hash = sha256 over sorted-key compact JSON of the fields (prev_hash included)
            fields = dict(zip(audit.AUDIT_FIELDS, r[:-1]))
            text = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
            assert hashlib.sha256(text.encode()).hexdigest() == r[9]
        # each review entry's content hash is in its audit entry
        for rid, rh in s.conn.execute("SELECT review_id, review_hash FROM audit"):
            row = dict(zip(audit.REVIEW_FIELDS, s.conn.execute(
                f"SELECT {', '.join(audit.REVIEW_FIELDS)} FROM reviews WHERE id = ?", (rid,)).fetchone()))
            assert audit.review_hash(row) == rh
        res = verify_chain(s.conn)
        assert res.ok and res.checked == 6 and res.first_bad_seq is None and res.head_hash == rows[-1][9]
        # no free text in the audit log (the exclusion's reason is covered by the hash only)
        assert not s.conn.execute("SELECT 1 FROM audit WHERE detail LIKE '%reason%'").fetchone()
    code, text = cli_verify(db)
    assert code == 0 and text.startswith(
        "OK: 6 audit entries verified; users, roles, case status and decisions in force match the log; "
        f"head {res.head_hash}")


def test_append_only_and_chain_triggers(db):
    with open_store(db) as s:
        for sql in ("UPDATE audit SET actor = 'mallory'", "DELETE FROM audit WHERE seq = 6",
                    "UPDATE reviews SET note = 'x'", "DELETE FROM reviews WHERE id = 6"):
            with pytest.raises(sqlite3.DatabaseError, match="append-only"):
                s.conn.execute(sql)
        # an insert that does not extend the chain is refused
        with pytest.raises(sqlite3.DatabaseError, match="does not extend the chain"):
            s.conn.execute("INSERT INTO audit (seq, at, actor, event, detail, prev_hash, hash)"
                           " VALUES (9, 'x', 'x', 'x', '{}', ?, 'h')", (GENESIS,))
        with pytest.raises(sqlite3.DatabaseError, match="does not extend the chain"):
            s.conn.execute("INSERT INTO audit (seq, at, actor, event, detail, prev_hash, hash)"
                           " VALUES (7, 'x', 'x', 'x', '{}', ?, 'h')", (GENESIS,))
        with pytest.raises(RuntimeError):
            audit.append(s.conn, at="x", actor="x", event="x")  # outside a transaction
        assert verify_chain(s.conn).ok


def test_altered_audit_entry_is_named(db):
    raw(db, "DROP TRIGGER audit_no_update", "UPDATE audit SET actor = 'mallory' WHERE seq = 3")
    res = verify(db)
    assert not res.ok and res.first_bad_seq == 3 and "altered" in res.message and res.checked == 6
    code, text = cli_verify(db)
    assert code == 1
    assert "audit log BROKEN at seq 3: audit entry 3: its content does not match its hash (altered)" in text


def test_altered_audit_entry_with_rehash_breaks_the_next_link(db):
    with open_store(db) as s:
        row = dict(zip(audit.AUDIT_FIELDS, s.conn.execute(
            f"SELECT {', '.join(audit.AUDIT_FIELDS)} FROM audit WHERE seq = 2").fetchone()))
    row["detail"] = json.dumps({"action": "approve"})
    new_hash = audit.entry_hash(row)
    raw(db, "DROP TRIGGER audit_no_update",
        f"UPDATE audit SET detail = '{row['detail']}', hash = '{new_hash}' WHERE seq = 2")
    res = verify(db)
    assert not res.ok and res.first_bad_seq == 3 and "prev_hash does not match the hash of entry 2" in res.message


def test_altered_review_row_is_named(db):
    raw(db, "DROP TRIGGER reviews_no_update", "UPDATE reviews SET status = 'approved', action = 'approve'"
                                              " WHERE id = 4")
    res = verify(db)
    assert not res.ok and res.first_bad_seq == 4 and res.bad_review_id == 4
    assert res.message == "audit entry 4: review entry 4 was altered"
    code, text = cli_verify(db)
    assert code == 1 and "BROKEN at seq 4" in text and "review entry 4 was altered" in text


@pytest.mark.parametrize("change", ["reviewer = 'bob'", "case_id = 1", "note = 'edited'", "created_at = 'x'"])
def test_any_review_field_change_is_caught(db, change):
    raw(db, "DROP TRIGGER reviews_no_update", f"UPDATE reviews SET {change} WHERE id = 2")
    res = verify(db)
    assert not res.ok and res.first_bad_seq == 2 and res.bad_review_id == 2


def test_deleted_review_row_is_named(db):
    raw(db, "DROP TRIGGER reviews_no_delete", "DELETE FROM reviews WHERE id = 2")
    res = verify(db)
    assert not res.ok and res.first_bad_seq == 2 and "review entry 2 is missing" in res.message
    assert cli_verify(db)[0] == 1


def test_review_row_without_audit_entry(db):
    raw(db, "INSERT INTO reviews (case_id, case_number, person_id, track, action, status, expected_version,"
            " reviewer, created_at) VALUES (1, '10CR1', 'P1', 'automatic', 'approve', 'approved', 5, 'mallory',"
            " '2026-01-01T00:00:00+00:00')")
    res = verify(db)
    assert not res.ok and res.first_bad_seq is None and res.bad_review_id == 7
    assert "review entry 7 has no audit entry" in res.message
    code, text = cli_verify(db)
    assert code == 1 and "BROKEN at review entry 7" in text


def test_deleted_audit_entry_leaves_a_gap(db):
    raw(db, "DROP TRIGGER audit_no_delete", "DELETE FROM audit WHERE seq = 4")
    res = verify(db)
    assert not res.ok and res.first_bad_seq == 4 and "audit entry 4 is missing" in res.message


def test_truncated_tail_needs_a_recorded_head(db):
    head = verify(db).head_hash
    earlier = None
    with open_store(db) as s:
        earlier = s.scalar("SELECT hash FROM audit WHERE seq = 3")
    raw(db, "DROP TRIGGER audit_no_delete", "DROP TRIGGER reviews_no_delete",
        "DELETE FROM audit WHERE seq = 6", "DELETE FROM reviews WHERE id = 6")
    assert verify(db).ok  # a chain cannot show the loss of its own tail...
    res = verify(db, expect_head=head)  # ...but a head recorded elsewhere can
    assert not res.ok and "expected head hash is not in the chain" in res.message
    assert verify(db, expect_head=earlier).ok
    code, text = cli_verify(db, "--expect-head", head)
    assert code == 1 and "expected head hash" in text


def test_empty_log_verifies(tmp_path):
    with open_store(tmp_path / "empty.db") as s:
        res = verify_chain(s.conn)
        assert res.ok and res.checked == 0 and res.head_hash == GENESIS
