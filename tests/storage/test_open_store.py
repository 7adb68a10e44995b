"""An open store (issue 18, migration 0017): the views answer the common questions as the code
does, reasons read as a JSON array, reference checks refuse dangling rows, and ``export public``
writes a de-identified copy in which no personal column or value survives."""

from __future__ import annotations

import json
import sqlite3
import stat

import pytest
from typer.testing import CliRunner

from clearterm.cli.main import app
from clearterm.domain.policy import Policy
from clearterm.ingest import ingest_file
from clearterm.services import access, review
from clearterm.services.evaluate import evaluate_store
from clearterm.storage import open_store, reports
from clearterm.storage.migrations.m0017_open_store import REFERENCE_PREFIX
from clearterm.storage.public import export_public_copy
from clearterm.storage.reviews import current_version
from conftest import TODAY, write_canonical_csv

NAMES = ("Quillfeather", "Siobhán", "O'Shaughnessy")
DOB = "1979-04-02"
ADDRESS = dict(address_line1="1200 W Harrison St", address_line2="Apt 3", city="Milwaukee", state="WI",
               zip="53202")


def _rows():
    rows = []
    for i in range(40):
        rows.append(dict(record_id=f"R{i:03d}", case_number=f"10CR{i:04d}", person_id=f"PERSON{i % 25:03d}",
                         statute="720 ILCS 550/4(c)" if i % 3 else "720 ILCS 550/5(d)",
                         disposition="Plea Of Guilty", disposition_date=f"{2005 + i % 10}-06-0{1 + i % 8}",
                         offense_date=f"{2005 + i % 10}-01-15", offense_class="A" if i % 3 else "3",
                         county="Cook", last_name=NAMES[2], first_name=NAMES[1], middle_name=NAMES[0],
                         date_of_birth=DOB, age_at_offense=str(20 + i % 30), race="Black" if i % 2 else "White",
                         gender="Male", incident_city="Chicago", **ADDRESS))
    return rows


@pytest.fixture
def opened(tmp_path):
    tmp_path.chmod(0o700)
    store = open_store(tmp_path / "s.db", synchronous="NORMAL")
    write_canonical_csv(tmp_path / "in.csv", _rows())
    ingest_file(store, tmp_path / "in.csv", today=TODAY)
    evaluate_store(store, Policy(), TODAY)
    access.add_user(store, "alice", ["admin", "reviewer"], actor="alice", full_name="Alice Reviewer")
    cases = [r[0] for r in store.conn.execute("SELECT id FROM cases WHERE track IS NOT NULL ORDER BY id LIMIT 6")]
    for cid in cases[:4]:
        review.act(store, cid, "approve", reviewer="alice", expected_version=current_version(store.conn, cid),
                   today=TODAY, note="called " + NAMES[0])
    yield store
    store.close()


def test_decisions_in_force_view_matches_the_code_and_reasons_are_json(opened):
    conn = opened.conn
    assert conn.execute("SELECT count(*) FROM decisions_in_force").fetchone()[0] == reports.decisions_in_force(conn)
    by_cat = dict(conn.execute("SELECT category, count(*) FROM decisions_in_force GROUP BY 1"))
    assert by_cat == dict(reports.category_counts(conn))
    for joined, as_json in conn.execute("SELECT d.reasons, v.reasons FROM decisions_in_force v"
                                        " JOIN decisions d ON d.id = v.decision_id"):
        assert json.loads(as_json) == (joined.split(";") if joined else [])
    # a JSON function can read it (what Datasette's facets and sqlite-utils do)
    n = conn.execute("SELECT count(*) FROM decisions_in_force, json_each(decisions_in_force.reasons)").fetchone()[0]
    assert n > 0


def test_reasons_json_escapes_quotes_and_backslashes():
    db = sqlite3.connect(":memory:")
    from clearterm.storage.migrations.m0017_open_store import _REASONS_JSON

    db.execute(f"CREATE TABLE t (reasons TEXT, j TEXT GENERATED ALWAYS AS ({_REASONS_JSON}) VIRTUAL)")
    for text in ('A;B"x;C\\d', "", "ONE"):
        db.execute("INSERT INTO t (reasons) VALUES (?)", (text,))
    got = [json.loads(r[0]) for r in db.execute("SELECT j FROM t ORDER BY rowid")]
    assert got == [["A", 'B"x', "C\\d"], [], ["ONE"]]


def test_case_queue_reviewer_daily_batch_summary_lifecycle_views(opened):
    conn = opened.conn
    on_track = conn.execute("SELECT count(*) FROM cases WHERE track IS NOT NULL").fetchone()[0]
    assert conn.execute("SELECT count(*) FROM case_queue").fetchone()[0] == on_track
    statuses = dict(conn.execute("SELECT status, count(*) FROM case_queue GROUP BY 1"))
    assert statuses["approved"] == 4 and statuses["pending"] == on_track - 4
    daily = conn.execute("SELECT reviewer, decisions, approved, objected FROM reviewer_daily").fetchall()
    assert daily == [("alice", 4, 4, 0)]
    conn.execute("INSERT INTO batches (id, label, track, status, created_at, created_by)"
                 " VALUES (7, 'B-7', 'automatic', 'open', '2026-11-21', 'alice')")
    cid, num, pid = conn.execute("SELECT case_id, case_number, person_id FROM case_queue"
                                 " WHERE status = 'approved' LIMIT 1").fetchone()
    conn.execute("INSERT INTO batch_cases VALUES (7, 0, ?, ?, ?, 'approved', 1)", (cid, num, pid))
    conn.execute("INSERT INTO batch_filings (batch_id, kind, filed_date, court_date, actor, created_at)"
                 " VALUES (7, 'filed', '2026-11-22', '2026-12-05', 'alice', 'x')")
    conn.execute("INSERT INTO rulings (case_id, batch_id, ruling, ruling_date, actor, created_at)"
                 " VALUES (?, 7, 'granted', '2026-12-05', 'alice', 'x')", (cid,))
    conn.execute("INSERT INTO case_lifecycle (case_id, state, batch_id, court_date, ruling_date, updated_at)"
                 " VALUES (?, 'granted', 7, '2026-12-05', '2026-12-05', 'x')", (cid,))
    assert conn.execute("SELECT label, cases, approved, filed_date, court_date, granted, denied FROM batch_summary"
                        ).fetchall() == [("B-7", 1, 1, "2026-11-22", "2026-12-05", 1, 0)]
    assert conn.execute("SELECT case_number, state, batch_label FROM case_lifecycle_view").fetchall() == [
        (num, "granted", "B-7")]
    assert conn.execute("SELECT lifecycle FROM case_queue WHERE case_id = ?", (cid,)).fetchone()[0] == "granted"


@pytest.mark.parametrize("sql", [
    "INSERT INTO reviews (case_id, case_number, person_id, action, status, expected_version, reviewer, created_at)"
    " VALUES (999999, 'X', 'Y', 'approve', 'approved', 0, 'alice', 'x')",
    "INSERT INTO case_status (case_id, status, version, reviewer, updated_at) VALUES (999999, 'approved', 1, 'a', 'x')",
    "INSERT INTO batch_cases VALUES (1, 0, 999999, 'X', 'Y', 'approved', 1)",
    "INSERT INTO decisions (evaluation_id, record_id, record_version, case_number, person_id, category, reasons,"
    " steps, explanation, rules_version, policy_hash, as_of, dkey) SELECT evaluation_id, 'NO-SUCH-RECORD', 1,"
    " case_number, person_id, category, reasons, steps, explanation, rules_version, policy_hash, as_of, dkey"
    " FROM decisions LIMIT 1",
])
def test_reference_checks_refuse_dangling_rows(opened, sql):
    conn = opened.conn
    conn.execute("INSERT OR IGNORE INTO batches (id, label, track, status, created_at, created_by)"
                 " VALUES (1, 'B-1', 'automatic', 'open', 'x', 'alice')")
    with pytest.raises(sqlite3.IntegrityError, match=REFERENCE_PREFIX):
        conn.execute(sql)


def test_a_review_by_someone_who_is_not_a_user_is_refused(opened):
    cid = opened.conn.execute("SELECT id FROM cases WHERE track IS NOT NULL ORDER BY id DESC LIMIT 1").fetchone()[0]
    with pytest.raises(sqlite3.IntegrityError, match="reviews.reviewer names no user"):
        opened.conn.execute(
            "INSERT INTO reviews (case_id, case_number, person_id, action, status, expected_version, reviewer,"
            " created_at) VALUES (?, 'X', 'Y', 'approve', 'approved', 0, 'mallory', 'x')", (cid,))


def _every_value(db: sqlite3.Connection) -> list[tuple[str, str, object]]:
    out = []
    for (table,) in db.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'view')"):
        cols = [r[1] for r in db.execute(f"PRAGMA table_info({table})")]
        for row in db.execute(f"SELECT * FROM {table}"):
            out += [(table, c, v) for c, v in zip(cols, row)]
    return out


def test_export_public_leaves_no_personal_column_or_value(opened, tmp_path):
    conn = opened.conn
    target = tmp_path / "public.db"
    counts = export_public_copy(conn, target)
    assert counts["records"] == 40 and counts["decisions"] == 40
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".public-")] == []
    pub = sqlite3.connect(target)
    columns = {r[1] for (t,) in pub.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
               for r in pub.execute(f"PRAGMA table_info({t})")}
    assert not columns & {"last_name", "first_name", "middle_name", "date_of_birth", "address_line1",
                          "address_line2", "city", "zip", "person_id", "case_number", "record_id", "note",
                          "full_name", "detail", "raw", "row_json"}
    secrets = set(NAMES) | {DOB, "Milwaukee", "53202", "1200 W Harrison St", "Alice Reviewer", "alice"}
    secrets |= {r[0] for r in conn.execute("SELECT person_id FROM records")}
    secrets |= {r[0] for r in conn.execute("SELECT case_number FROM records")}
    secrets |= {r[0] for r in conn.execute("SELECT record_id FROM records")}
    for table, col, value in _every_value(pub):
        text = str(value)
        assert not any(s in text for s in secrets), (table, col)
    # the views work; a person has one token throughout, and the same in a second export
    assert pub.execute("SELECT count(*) FROM case_queue WHERE status = 'approved'").fetchone()[0] == 4
    persons = pub.execute("SELECT count(DISTINCT person) FROM records").fetchone()[0]
    assert persons == conn.execute("SELECT count(DISTINCT person_id) FROM records").fetchone()[0]
    again = tmp_path / "again.db"
    export_public_copy(conn, again)
    first = pub.execute("SELECT person, case_token FROM records ORDER BY rowid").fetchall()
    assert sqlite3.connect(again).execute("SELECT person, case_token FROM records ORDER BY rowid").fetchall() == first


def test_export_public_command_audits(opened, tmp_path, monkeypatch):
    monkeypatch.setenv("LOGNAME", "alice")
    monkeypatch.setenv("USER", "alice")
    monkeypatch.delenv("SUDO_USER", raising=False)
    target = tmp_path / "pub.db"
    res = CliRunner().invoke(app, ["--db", str(opened.path), "export", "public", "--out", str(target)])
    assert res.exit_code == 0, res.output
    assert f"datasette {target}" in res.output
    assert opened.conn.execute("SELECT count(*) FROM audit WHERE event = 'export.public'").fetchone()[0] == 1
    bad = CliRunner().invoke(app, ["--db", str(opened.path), "export", "public", "--out",
                                   str(tmp_path / "missing" / "x.db")])
    assert bad.exit_code == 2 and "cannot write" in bad.output


# -- migration 0018: declared foreign keys, and guards so no reference dangles ------------------------
from clearterm.services import batches as batch_service, casework  # noqa: E402
from clearterm.storage.migrations import MIGRATIONS  # noqa: E402
from clearterm.storage.migrations.m0018_foreign_keys import FOREIGN_KEYS  # noqa: E402
from clearterm.storage.store import Store  # noqa: E402

#: The links issue 18 asks for, as (table, column, parent table, parent column).
DECLARED = {
    ("decisions", "record_id", "records", "record_id"),
    ("reviews", "case_id", "cases", "id"),
    ("case_status", "case_id", "cases", "id"),
    ("audit", "case_id", "cases", "id"),
    ("audit", "review_id", "reviews", "id"),
    ("batch_cases", "case_id", "cases", "id"),
    ("case_notes", "case_id", "cases", "id"),
    ("assignments", "case_id", "cases", "id"),
}


def _foreign_keys(conn, table):
    return {(table, r[3], r[2], r[4]) for r in conn.execute(f"PRAGMA foreign_key_list({table})")}


def test_foreign_keys_are_declared_and_sqlite_utils_sees_them(opened):
    assert {(t, c, p, k) for t, _d, c, p, k in FOREIGN_KEYS} == DECLARED
    for table, column, parent, key in DECLARED:
        assert (table, column, parent, key) in _foreign_keys(opened.conn, table)
    # what sqlite-utils and Datasette read, from a connection of their own
    from sqlite_utils import Database
    db = Database(str(opened.path))
    assert ("decisions", "record_id", "records", "record_id") in {
        (fk.table, fk.column, fk.other_table, fk.other_column) for fk in db["decisions"].foreign_keys}
    audit_fks = {(fk.column, fk.other_table) for fk in db["audit"].foreign_keys}
    assert audit_fks == {("case_id", "cases"), ("review_id", "reviews")}
    assert not opened.conn.execute("PRAGMA foreign_key_check").fetchall()


def _batched(store):
    """A case in an open batch, with a note and an assignment: (case id, a decided record id)."""
    batch = batch_service.create_batch(store, track="automatic", actor="alice")
    cid = store.conn.execute("SELECT case_id FROM batch_cases WHERE batch_id = ? LIMIT 1", (batch.id,)).fetchone()[0]
    casework.add_note(store, cid, "called back", reviewer="alice")
    casework.assign(store, reviewer="alice", actor="alice", limit=1)
    number, person = store.conn.execute("SELECT case_number, person_id FROM cases WHERE id = ?", (cid,)).fetchone()
    rid = store.conn.execute("SELECT record_id FROM decisions WHERE case_number = ? AND person_id = ? LIMIT 1",
                             (number, person)).fetchone()[0]
    return cid, rid


@pytest.mark.parametrize("sql", [
    "UPDATE case_status SET case_id = 999999 WHERE case_id = :cid",
    "UPDATE batch_cases SET case_id = 999999 WHERE case_id = :cid",
    "DELETE FROM cases WHERE id = :cid",
    "UPDATE cases SET id = 999999 WHERE id = :cid",
    "DELETE FROM records WHERE record_id = :rid",
    "UPDATE records SET record_id = 'NEW-ID' WHERE record_id = :rid",
    "INSERT INTO case_notes (case_id, case_number, person_id, note, reviewer, created_at, audit_seq)"
    " VALUES (999999, 'X', 'Y', 'n', 'alice', 'x', 1)",
    "INSERT INTO assignments (case_id, reviewer, assigned_by, assigned_at, audit_seq)"
    " VALUES (999999, 'alice', 'alice', 'x', 1)",
])
@pytest.mark.parametrize("foreign_keys", ["ON", "OFF"])
def test_dangling_updates_and_deletes_are_refused(opened, sql, foreign_keys):
    """With foreign keys on (clearterm) and off (the sqlite3 shell, Datasette): the guards hold."""
    cid, rid = _batched(opened)
    conn = sqlite3.connect(opened.path, isolation_level=None)
    conn.execute(f"PRAGMA foreign_keys={foreign_keys}")
    counts = {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("cases", "records")}
    with pytest.raises(sqlite3.IntegrityError, match=REFERENCE_PREFIX):
        conn.execute(sql, {"cid": cid, "rid": rid})
    assert conn.execute("SELECT count(*) FROM case_status WHERE case_id = ?", (cid,)).fetchone()[0] == 1
    assert {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in counts} == counts
    conn.close()


def test_declared_keys_hold_without_the_guards(opened):
    """The declared keys are real: with the parent guard gone, SQLite's own check still refuses."""
    cid, rid = _batched(opened)
    conn = opened.conn
    with opened.write():
        conn.execute("DROP TRIGGER cases_referenced_no_delete")
        conn.execute("DROP TRIGGER records_decided_no_delete")
        with pytest.raises(sqlite3.IntegrityError, match="FOREIGN KEY constraint failed"):
            conn.execute("DELETE FROM cases WHERE id = ?", (cid,))
        with pytest.raises(sqlite3.IntegrityError, match="FOREIGN KEY constraint failed"):
            conn.execute("DELETE FROM records WHERE record_id = ?", (rid,))
        # a case nothing names can still go (the guard is about references, not about cases)
        spare = conn.execute("INSERT INTO cases (case_number, person_id, charges, flagged, evaluation_id)"
                             " VALUES ('SPARE', 'P', 0, 0, 1)").lastrowid
        conn.execute("DELETE FROM cases WHERE id = ?", (spare,))


@pytest.mark.parametrize("sql", [
    "INSERT INTO batches (label, track, status, created_at, created_by) VALUES ('B-M', 'automatic', 'open', 'x', 'mallory')",
    "UPDATE batches SET created_by = 'mallory'",
    "INSERT INTO case_notes (case_id, case_number, person_id, note, reviewer, created_at, audit_seq)"
    " VALUES (:cid, 'X', 'Y', 'n', 'mallory', 'x', 1)",
    "INSERT INTO assignments (case_id, reviewer, assigned_by, assigned_at, audit_seq) VALUES (:cid, 'mallory', 'alice', 'x', 1)",
    "INSERT INTO assignments (case_id, reviewer, assigned_by, assigned_at, audit_seq) VALUES (:cid, NULL, 'mallory', 'x', 1)",
    "INSERT INTO case_notices (case_id, kind, sent_date, actor, created_at) VALUES (:cid, 'letter_granted', 'x', 'mallory', 'x')",
    "INSERT INTO batch_filings (batch_id, kind, filed_date, court_date, actor, created_at)"
    " SELECT id, 'filed', 'x', 'y', 'mallory', 'x' FROM batches",
    "INSERT INTO bulk_actions (kind, actor, filter, requested, created_at) VALUES ('approve', 'mallory', '{}', 1, 'x')",
])
def test_actors_must_be_users_once_the_store_has_users(opened, sql):
    cid, _rid = _batched(opened)
    with pytest.raises(sqlite3.IntegrityError, match=REFERENCE_PREFIX + r" \w+\.\w+ names no user"):
        opened.conn.execute(sql, {"cid": cid})
    # an unassignment (no reviewer) by a user is fine
    opened.conn.execute("INSERT INTO assignments (case_id, reviewer, assigned_by, assigned_at, audit_seq)"
                        " VALUES (?, NULL, 'alice', 'x', 1)", (cid,))


def test_a_store_without_users_checks_no_actor(tmp_path):
    tmp_path.chmod(0o700)
    store = open_store(tmp_path / "s.db")
    store.conn.execute("INSERT INTO batches (label, track, status, created_at, created_by)"
                       " VALUES ('B-1', 'automatic', 'open', 'x', 'anyone')")
    assert store.conn.execute("SELECT created_by FROM batches").fetchall() == [("anyone",)]


def _store_at_0017(path):
    """A store whose migrations stop at 0017, as clearterm before migration 0018 left it."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA foreign_keys=ON")
    from sqlite_utils import Database
    MIGRATIONS.apply(Database(conn), stop_before="0018_foreign_keys")
    return Store(path, conn)


def test_a_store_migrated_from_0017_keeps_every_row_and_verifies(tmp_path, monkeypatch):
    tmp_path.chmod(0o700)
    path = tmp_path / "old.db"
    path.touch(mode=0o600)
    store = _store_at_0017(path)
    write_canonical_csv(tmp_path / "in.csv", _rows())
    ingest_file(store, tmp_path / "in.csv", today=TODAY)
    evaluate_store(store, Policy(), TODAY)
    access.add_user(store, "alice", ["admin", "reviewer"], actor="alice")
    for cid in [r[0] for r in store.conn.execute("SELECT id FROM cases WHERE track = 'automatic' LIMIT 5")]:
        review.act(store, cid, "approve", reviewer="alice", expected_version=current_version(store.conn, cid),
                   today=TODAY)
    _batched(store)
    assert ("decisions", "record_id", "records", "record_id") not in _foreign_keys(store.conn, "decisions")
    tables = [r[0] for r in store.conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    counts = {t: store.conn.execute(f"SELECT count(*) FROM [{t}]").fetchone()[0] for t in tables}
    changed = {t for t, *_ in FOREIGN_KEYS}
    master = store.conn.execute("SELECT type, name, tbl_name, rootpage, sql FROM sqlite_master").fetchall()
    chain = store.conn.execute("SELECT seq, hash FROM audit ORDER BY seq").fetchall()
    store.close()

    migrated = open_store(path)
    conn = migrated.conn
    assert conn.execute("SELECT name FROM _sqlite_migrations ORDER BY id DESC LIMIT 1").fetchone() == (
        "0018_foreign_keys",)
    after = {t: conn.execute(f"SELECT count(*) FROM [{t}]").fetchone()[0] for t in tables}
    after["_sqlite_migrations"] -= 1
    assert after == counts
    assert conn.execute("SELECT seq, hash FROM audit ORDER BY seq").fetchall() == chain
    # nothing but the nine tables' text changed; the rest of the schema (rootpages too) is as it was
    now = {(t, n): (tb, rp, sql) for t, n, tb, rp, sql in conn.execute(
        "SELECT type, name, tbl_name, rootpage, sql FROM sqlite_master")}
    for typ, name, tbl, rootpage, sql in master:
        got = now.pop((typ, name))
        assert got[:2] == (tbl, rootpage)
        assert (got[2] == sql) == (typ != "table" or name not in changed), name
    assert {n for t, n in now if t != "trigger"} == set()  # only triggers are new
    for table, column, parent, key in DECLARED:
        assert (table, column, parent, key) in _foreign_keys(conn, table)
    assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    assert not conn.execute("PRAGMA foreign_key_check").fetchall()
    migrated.close()

    monkeypatch.setenv("LOGNAME", "alice")
    monkeypatch.setenv("USER", "alice")
    monkeypatch.delenv("SUDO_USER", raising=False)
    res = CliRunner().invoke(app, ["--db", str(path), "audit", "verify"])
    assert res.exit_code == 0, res.output
    assert "OK" in res.output


def test_migration_0018_refuses_a_table_it_does_not_know(tmp_path):
    """A schema not made by migrations 0001-0017 is left alone: the migration fails, nothing changes."""
    path = tmp_path / "odd.db"
    store = _store_at_0017(path)
    with store.write():
        store.conn.execute("ALTER TABLE assignments RENAME COLUMN case_id TO the_case")
    store.close()
    with pytest.raises(Exception, match="could not be migrated.*assignments"):
        open_store(path, check_permissions=False)
    conn = sqlite3.connect(path)
    assert conn.execute("SELECT count(*) FROM _sqlite_migrations WHERE name = '0018_foreign_keys'").fetchone() == (0,)
    assert [r[3] for r in conn.execute("PRAGMA foreign_key_list(decisions)")] == ["evaluation_id"]
