"""``clearterm assign`` (issue 15): admins give undecided cases nobody holds to a reviewer; audited,
append-only, refused (exit 4) for anyone but an admin and for a target without the reviewer role."""

from __future__ import annotations

import shutil

import pytest
from typer.testing import CliRunner

from clearterm.cli.main import app
from clearterm.storage import open_store
from clearterm.storage.audit import verify_chain
from conftest import LOGIN, add_users
from test_tui import build_tui_store

runner = CliRunner()


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    return build_tui_store(tmp_path_factory.mktemp("assign") / "base.db")


@pytest.fixture
def db(base, tmp_path, login):
    target = tmp_path / "store.db"
    shutil.copy(base, target)
    add_users(target, {LOGIN: ("admin",), "alice": ("reviewer",), "bob": ("reviewer",), "sam": ("signer",)})
    return target


def rows(db, sql, params=()):
    with open_store(db, create=False) as s:
        return s.conn.execute(sql, params).fetchall()


def held(db):
    """{case label: holder} from the latest assignment of each case."""
    return dict(rows(db, "SELECT c.case_number || '/' || c.person_id, a.reviewer FROM assignments a"
                         " JOIN cases c ON c.id = a.case_id WHERE a.id = (SELECT max(id) FROM assignments b"
                         " WHERE b.case_id = a.case_id)"))


def test_assign_gives_undecided_cases_by_track_and_limit(db):
    res = runner.invoke(app, ["--db", str(db), "assign", "--reviewer", "alice", "--track", "petition",
                              "--limit", "2"])
    assert res.exit_code == 0, res.output
    assert "gave 2 case(s) to alice" in res.output
    petitions = [r[0] for r in rows(db, "SELECT case_number || '/' || person_id FROM cases"
                                        " WHERE track = 'petition' ORDER BY coalesce(tranche, 99), id")]
    assert held(db) == {p: "alice" for p in petitions[:2]}
    # a second run gives only cases nobody holds
    res = runner.invoke(app, ["--db", str(db), "assign", "--reviewer", "bob", "--track", "petition"])
    assert res.exit_code == 0, res.output
    assert held(db) == {**{p: "alice" for p in petitions[:2]}, **{p: "bob" for p in petitions[2:]}}
    audit = rows(db, "SELECT actor, event, detail FROM audit WHERE event = 'case.assign' ORDER BY seq")
    assert [(a, e) for a, e, _ in audit] == [(LOGIN, "case.assign")] * 2
    assert '"cases":2' in audit[0][2] and '"reviewer":"alice"' in audit[0][2]
    with open_store(db, create=False) as s:
        assert verify_chain(s.conn).ok


def test_assign_is_admin_only_and_needs_a_reviewer(db, monkeypatch):
    res = runner.invoke(app, ["--db", str(db), "assign", "--reviewer", "sam"])
    assert res.exit_code == 4 and "needs the reviewer role" in res.output
    monkeypatch.setenv("LOGNAME", "alice")
    monkeypatch.setenv("USER", "alice")
    res = runner.invoke(app, ["--db", str(db), "assign", "--reviewer", "bob"])
    assert res.exit_code == 4 and "needs the admin role" in res.output
    assert rows(db, "SELECT count(*) FROM assignments") == [(0,)]
    assert rows(db, "SELECT count(*) FROM audit WHERE event = 'case.assign'") == [(0,)]


def test_assign_bad_track_and_nothing_left(db):
    res = runner.invoke(app, ["--db", str(db), "assign", "--reviewer", "alice", "--track", "nope"])
    assert res.exit_code == 2 and "--track must be one of automatic, petition, review" in res.output
    assert runner.invoke(app, ["--db", str(db), "assign", "--reviewer", "alice"]).exit_code == 0
    res = runner.invoke(app, ["--db", str(db), "assign", "--reviewer", "bob"])
    assert res.exit_code == 0 and "nothing given to bob" in res.output
    assert rows(db, "SELECT count(*) FROM audit WHERE event = 'case.assign'") == [(1,)]


def test_assignments_and_notes_are_append_only(db):
    import sqlite3

    from clearterm.services import casework

    runner.invoke(app, ["--db", str(db), "assign", "--reviewer", "alice", "--limit", "1"])
    with open_store(db, create=False) as s:
        casework.add_note(s, 1, "a note", reviewer="alice")
        for sql in ("UPDATE assignments SET reviewer = 'bob'", "DELETE FROM assignments",
                    "UPDATE case_notes SET note = 'other'", "DELETE FROM case_notes"):
            with pytest.raises(sqlite3.IntegrityError, match="append-only"):
                s.conn.execute(sql)


def test_audit_verify_catches_an_edited_note_or_a_forged_assignment(db):
    """Notes and assignments are checked against their audit entries; editing one with the
    append-only triggers dropped, or adding a row by hand, is a line of ``audit verify``."""
    from clearterm.services import casework
    from clearterm.storage.audit import verify_state

    runner.invoke(app, ["--db", str(db), "assign", "--reviewer", "alice", "--limit", "2"])
    with open_store(db, create=False) as s:
        (case_id,) = s.conn.execute("SELECT id FROM cases WHERE track IS NOT NULL LIMIT 1").fetchone()
        casework.add_note(s, case_id, "first look: file incomplete", reviewer="alice")
        assert verify_state(s.conn).ok
        res = runner.invoke(app, ["--db", str(db), "audit", "verify"])
        assert res.exit_code == 0, res.output
        with s.write() as conn:
            conn.execute("DROP TRIGGER case_notes_no_update")
            conn.execute("UPDATE case_notes SET note = 'nothing to see'")
            conn.execute("INSERT INTO assignments (case_id, reviewer, assigned_by, assigned_at, audit_seq)"
                         " SELECT case_id, 'alice', assigned_by, assigned_at, audit_seq FROM assignments LIMIT 1")
        diffs = verify_state(s.conn).differences
    assert any(d.startswith("case note 1: does not match audit entry") for d in diffs)
    assert any("assignment 3: does not match audit entry" in d for d in diffs)
    assert any("assigned 2 case(s), the store holds 3" in d for d in diffs)
    assert not any("incomplete" in d or "nothing to see" in d for d in diffs)  # never the text
    res = runner.invoke(app, ["--db", str(db), "audit", "verify"])
    assert res.exit_code == 1


def test_reassign_and_release_move_only_undecided_cases_and_audit_verifies(db):
    """``--from`` takes the undecided (pending or deferred) cases a reviewer holds; a decided one
    keeps its holder, who decided it; ``--from NAME --release`` leaves the rest held by nobody;
    ``assign`` then gives them again; every run is one audit entry and ``audit verify`` stays clean."""
    from clearterm.services import review

    assert runner.invoke(app, ["--db", str(db), "assign", "--reviewer", "alice", "--limit", "4"]).exit_code == 0
    ids = [r[0] for r in rows(db, "SELECT case_id FROM assignments ORDER BY id")]
    label = {cid: lab for cid, lab in rows(db, "SELECT id, case_number || '/' || person_id FROM cases")}
    with open_store(db, create=False) as s:
        version = {i: s.conn.execute("SELECT coalesce((SELECT version FROM case_status WHERE case_id = ?), 0)",
                                     (i,)).fetchone()[0] for i in ids}
        review.defer(s, ids[0], reviewer="alice", expected_version=version[ids[0]], note="waiting on the Clerk")
        review.approve(s, ids[3], reviewer="alice", expected_version=version[ids[3]])
    res = runner.invoke(app, ["--db", str(db), "assign", "--reviewer", "bob", "--from", "alice", "--limit", "1"])
    assert res.exit_code == 0 and "gave 1 case(s) to bob (from alice)" in res.output, res.output
    assert held(db)[label[ids[0]]] == "bob"  # deferred is undecided: it moves (queue order: the first)
    res = runner.invoke(app, ["--db", str(db), "assign", "--from", "alice", "--release"])
    assert res.exit_code == 0 and "released 2 case(s) held by alice" in res.output, res.output
    now = held(db)
    assert [now[label[i]] for i in ids] == ["bob", None, None, "alice"]  # the approved one stays alice's
    # released cases are given again like any case nobody holds
    res = runner.invoke(app, ["--db", str(db), "assign", "--reviewer", "bob", "--limit", "2"])
    assert res.exit_code == 0, res.output
    now = held(db)
    assert [now[label[i]] for i in ids] == ["bob", "bob", "bob", "alice"]
    events = rows(db, "SELECT detail FROM audit WHERE event = 'case.assign' ORDER BY seq")
    assert len(events) == 4 and '"from":"alice"' in events[1][0] and '"reviewer":null' in events[2][0]
    assert runner.invoke(app, ["--db", str(db), "audit", "verify"]).exit_code == 0


def test_assign_refuses_unclear_requests(db):
    for args, msg in ((["assign"], "give --reviewer NAME, or --release"),
                      (["assign", "--release"], "--release needs --from"),
                      (["assign", "--reviewer", "bob", "--release", "--from", "alice"], "give --reviewer NAME, or"),
                      (["assign", "--reviewer", "bob", "--from", "bob"], "theirs already")):
        res = runner.invoke(app, ["--db", str(db), *args])
        assert res.exit_code == 2 and msg in res.output, (args, res.output)
    assert rows(db, "SELECT count(*) FROM audit WHERE event = 'case.assign'") == [(0,)]
    res = runner.invoke(app, ["--db", str(db), "assign", "--from", "alice", "--release"])
    assert res.exit_code == 0 and "no undecided case held by alice matches; nothing released" in res.output


def test_queue_mine_and_holder_list_the_cases_a_reviewer_holds(db, monkeypatch):
    import json

    assert runner.invoke(app, ["--db", str(db), "assign", "--reviewer", "alice", "--limit", "2"]).exit_code == 0
    assert runner.invoke(app, ["--db", str(db), "assign", "--reviewer", "bob", "--limit", "1"]).exit_code == 0
    res = runner.invoke(app, ["--db", str(db), "queue", "--holder", "alice", "--format", "json"])
    assert res.exit_code == 0, res.output
    got = json.loads(res.stdout)
    assert len(got) == 2 and {g["holder"] for g in got} == {"alice"}
    monkeypatch.setenv("LOGNAME", "bob")
    monkeypatch.setenv("USER", "bob")
    res = runner.invoke(app, ["--db", str(db), "queue", "--mine", "--format", "csv"])
    assert res.exit_code == 0, res.output
    lines = [ln for ln in res.stdout.splitlines() if ln.strip()]
    assert lines[0].split(",")[-1] == "holder" and len(lines) == 2 and lines[1].endswith(",bob")
    res = runner.invoke(app, ["--db", str(db), "queue", "--mine", "--holder", "alice"])
    assert res.exit_code == 2 and "not both" in res.output
