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
    assert res.exit_code == 2 and "unknown track" in res.output
    assert runner.invoke(app, ["--db", str(db), "assign", "--reviewer", "alice"]).exit_code == 0
    res = runner.invoke(app, ["--db", str(db), "assign", "--reviewer", "bob"])
    assert res.exit_code == 0 and "nothing given to bob" in res.output
    assert rows(db, "SELECT count(*) FROM audit WHERE event = 'case.assign'") == [(1,)]


def test_assignments_and_notes_are_append_only(db):
    import sqlite3

    runner.invoke(app, ["--db", str(db), "assign", "--reviewer", "alice", "--limit", "1"])
    with open_store(db, create=False) as s:
        for sql in ("UPDATE assignments SET reviewer = 'bob'", "DELETE FROM assignments"):
            with pytest.raises(sqlite3.IntegrityError, match="append-only"):
                s.conn.execute(sql)
