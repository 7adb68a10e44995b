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
