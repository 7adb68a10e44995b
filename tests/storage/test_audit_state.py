"""Issue 13 item 14: ``audit verify`` recomputes users, roles, case status and the decisions in
force from the log and the append-only tables, and names every difference (ids only)."""

from __future__ import annotations

import json
import sqlite3

import pytest
from typer.testing import CliRunner

from clearterm.services import access, review
from clearterm.cli.main import app
from clearterm.storage import open_store
from clearterm.storage.audit import full_name_digest, verify_state
from clearterm.storage.reviews import current_version
from test_reviews import ROWS, SECRET_NAMES, TODAY, case_id, write_csv

runner = CliRunner()
FULL_NAMES = {"alice": "Alicia Quillfeather-Verity", "bob": "Robert Zorabeth", "carol": None}


def cli(db, *args):
    r = runner.invoke(app, ["--db", str(db), *args])
    return r.exit_code, (r.stdout or "") + (r.stderr or "")


def raw(path, *sql):
    """An attacker's connection: plain sqlite3, triggers dropped as needed."""
    conn = sqlite3.connect(path)
    for s in sql:
        conn.execute(s)
    conn.commit()
    conn.close()


@pytest.fixture
def db(tmp_path, login):
    """A store made through the commands: users (audited), ingest, an audited evaluate, reviews."""
    path = tmp_path / "state.db"
    src = tmp_path / "rows.csv"
    write_csv(src, ROWS)
    assert cli(path, "users", "add", login, "--role", "admin")[0] == 0
    for name, full in FULL_NAMES.items():
        extra = ["--full-name", full] if full else []
        assert cli(path, "users", "add", name, "--role", "reviewer", *extra)[0] == 0
    assert cli(path, "users", "grant", "bob", "--role", "admin")[0] == 0
    assert cli(path, "users", "revoke", "bob", "--role", "admin")[0] == 0
    assert cli(path, "users", "disable", "carol")[0] == 0
    assert cli(path, "ingest", str(src))[0] == 0
    code, text = cli(path, "evaluate", "--as-of", "2026-11-21")
    assert code == 0, text
    with open_store(path) as s:
        for number, action, kw in (("10CR1", "approve", {}), ("98CR8", "defer", {}),
                                   ("05CR6", "object", dict(ground="criteria_not_met", note="facts", served="2026-10-01"))):
            cid = case_id(s, number)
            review.act(s, cid, action, reviewer="alice", expected_version=current_version(s.conn, cid),
                       today=TODAY, **kw)
    return path


def differences(path):
    with open_store(path) as s:
        return verify_state(s.conn).differences


def check_reported(path, *expected):
    """verify fails (exit 1) with one line per expected difference, and no personal data."""
    code, text = cli(path, "audit", "verify")
    assert code == 1, text
    lines = [line for line in text.splitlines() if line.startswith("differs from the audit log: ")]
    for e in expected:
        assert any(e in line for line in lines), (e, text)
    for secret in [*SECRET_NAMES, *(f for f in FULL_NAMES.values() if f)]:
        assert secret not in text
    return lines


def test_item14_untouched_store_verifies_with_every_user_change_replayed(db):
    assert differences(db) == []
    code, text = cli(db, "audit", "verify")
    assert code == 0 and "users, roles, case status and decisions in force match the log" in text, text
    with open_store(db) as s:
        details = [json.loads(d) for (d,) in s.conn.execute(
            "SELECT detail FROM audit WHERE event = 'user.add' ORDER BY seq")]
        evaluate = json.loads(s.scalar("SELECT detail FROM audit WHERE event = 'evaluate'"))
        dump = " ".join(d for (d,) in s.conn.execute("SELECT detail FROM audit"))
    # the full name is in the log as a hash bound to the user, never as text
    alice = next(d for d in details if d["user"] == "alice")
    assert alice["full_name_sha256"] == full_name_digest("alice", FULL_NAMES["alice"])
    assert all(f not in dump for f in FULL_NAMES.values() if f)
    assert evaluate["decisions_through"] > 0


def test_item14_inserted_signer_grant_is_reported(db):
    raw(db, "INSERT INTO user_roles (user, role, granted_at, granted_by) "
            "VALUES ('alice', 'signer', '2026-01-01T00:00:00+00:00', 'tester')")
    lines = check_reported(db, "user_roles: user alice holds signer, which no audit entry granted")
    assert len(lines) == 1


def test_item14_deleted_role_and_edited_grant_are_reported(db):
    raw(db, "DELETE FROM user_roles WHERE user = 'bob' AND role = 'reviewer'",
        "UPDATE user_roles SET granted_by = 'bob' WHERE user = 'alice'")
    check_reported(db, "user_roles: user bob lacks reviewer, which the audit log granted",
                   "user_roles: user alice's reviewer grant (when, by whom) differs from the audit log")


def test_item14_edits_to_users_are_reported(db):
    raw(db, "UPDATE users SET disabled = 0 WHERE name = 'carol'",
        "UPDATE users SET full_name = 'Mallory Impostor' WHERE name = 'alice'",
        "UPDATE users SET full_name = 'Someone' WHERE name = 'carol'",
        "UPDATE users SET created_by = 'nobody' WHERE name = 'bob'",
        "INSERT INTO users (name, full_name, disabled, created_at, created_by, changed_at, changed_by) VALUES"
        " ('mallory', 'Mallory Q', 0, '2026-01-01', 'tester', '2026-01-01', 'tester')",
        "INSERT INTO user_roles VALUES ('mallory', 'signer', '2026-01-01', 'tester')")
    lines = check_reported(
        db, "users: user carol is enabled in the store, disabled per the audit log",
        "users: the full name of user alice is not the one the audit log recorded",
        "users: the full name of user carol is not the one the audit log recorded",
        "users: user bob's creation (when, by whom) differs from the audit log",
        "users: user mallory is in the store but no audit entry added them",
        "user_roles: user mallory holds signer, which no audit entry granted")
    assert not any("Mallory" in line or "Impostor" in line for line in lines)


def test_item14_edits_to_case_status_are_reported(db):
    with open_store(db) as s:
        deferred, never = case_id(s, "98CR8"), case_id(s, "15CR5")
    raw(db, f"UPDATE case_status SET status = 'approved' WHERE case_id = {deferred}",
        "INSERT INTO case_status (case_id, status, version, reviewer, updated_at)"
        f" VALUES ({never}, 'approved', 1, 'alice', '2026-01-01')")
    check_reported(db, f"case_status: case {deferred}: status differ from the review log (store approved, "
                       "log deferred)",
                   f"case_status: case {never} has a status (approved) but no review entry")
    raw(db, f"DELETE FROM case_status WHERE case_id = {deferred}")
    check_reported(db, f"case_status: case {deferred} has review entries but no status row (should be deferred)")


def test_item14_decision_in_force_repointed_is_reported(db):
    with open_store(db) as s:
        a1 = s.scalar("SELECT decision_id FROM decision_current WHERE record_id = 'A1'")
        d1 = s.scalar("SELECT decision_id FROM decision_current WHERE record_id = 'D1'")
    # make the ineligible record's decision in force the eligible one of another record
    raw(db, f"UPDATE decision_current SET decision_id = {a1} WHERE record_id = 'D1'")
    check_reported(db, f"decision_current: record D1 points at decision {a1}, the latest decision is {d1}",
                   f"decision_current: record D1: its entry does not match decision {a1}")
    raw(db, "DELETE FROM decision_current WHERE record_id = 'D1'")
    check_reported(db, "decision_current: record D1 has decisions but none in force")


def test_item14_forged_decision_appended_is_reported(db):
    """decisions are append-only, so a forged decision is appended, and made the one in force:
    both match each other, but no audited evaluation wrote it."""
    raw(db, "INSERT INTO decisions (evaluation_id, record_id, record_version, case_number, person_id, category,"
            " reasons, steps, explanation, tranche, statute_cite, rules_version, policy_hash, as_of, dkey)"
            " SELECT evaluation_id, record_id, record_version, case_number, person_id, 'automatic', '', steps,"
            " explanation, 1, statute_cite, rules_version, policy_hash, as_of, 'forged'"
            " FROM decisions WHERE record_id = 'D1'",
        "INSERT OR REPLACE INTO decision_current (record_id, decision_id, dkey)"
        " SELECT record_id, max(id), 'forged' FROM decisions WHERE record_id = 'D1'")
    check_reported(db, "decisions: 1 decision(s) of evaluation 1 from id")


def test_item14_lines_are_one_per_difference_and_bounded(db):
    with open_store(db) as s:
        n = s.scalar("SELECT count(*) FROM decision_current")
        res = verify_state(s.conn, limit=3)
        assert res.ok
    raw(db, "DELETE FROM decision_current")
    with open_store(db) as s:
        res = verify_state(s.conn, limit=3)
    assert len(res.differences) == 4 and res.differences[-1] == f"... and {n - 3:,} more differences"


def test_item14_decisions_of_an_interrupted_evaluation_are_a_note_not_a_difference(db):
    """What a killed evaluate leaves: an evaluation still 'running' with some decisions and no audit
    entry yet. Not tampering: a note until evaluate is run again."""
    raw(db, "INSERT INTO evaluations (rules_version, policy_hash, as_of, status, started_at)"
            " SELECT rules_version, policy_hash, as_of, 'running', started_at FROM evaluations WHERE id = 1",
        "INSERT INTO decisions (evaluation_id, record_id, record_version, case_number, person_id, category,"
        " reasons, steps, explanation, tranche, statute_cite, rules_version, policy_hash, as_of, dkey)"
        " SELECT 2, record_id, record_version, case_number, person_id, category, reasons, steps,"
        " explanation, tranche, statute_cite, rules_version, policy_hash, '2026-11-22', 'next'"
        " FROM decisions WHERE record_id = 'A1'",
        "INSERT OR REPLACE INTO decision_current (record_id, decision_id, dkey)"
        " SELECT record_id, max(id), 'next' FROM decisions WHERE record_id = 'A1'")
    code, text = cli(db, "audit", "verify")
    assert code == 0, text
    assert "note: evaluation 2 is running or was interrupted: its 1 decisions are not audited yet" in text
    # once a later evaluation has started, that evaluation's unaudited decisions are no longer explained
    raw(db, "INSERT INTO evaluations (rules_version, policy_hash, as_of, status, started_at)"
            " SELECT rules_version, policy_hash, as_of, 'running', started_at FROM evaluations WHERE id = 1")
    check_reported(db, "decisions: 1 decision(s) of evaluation 2 from id")
