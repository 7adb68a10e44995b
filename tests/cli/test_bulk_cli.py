"""``clearterm decide --approve --all-matching`` (issue 15): dry run, --yes in a pipe, the
prompt on a terminal, exit 3 listing skipped cases, and the filters."""

from __future__ import annotations

import json

import pytest

from clearterm.cli import review as cli_review
from clearterm.services import bulk_review, review
from clearterm.storage import open_store
from clearterm.storage.audit import verify_chain
from conftest import add_users
from test_bulk_review import NOTED
from test_reviews import build_store, cli, generated_rows


@pytest.fixture
def bdb(tmp_path, login):
    db = tmp_path / "bulkcli.db"
    build_store(db, generated_rows(6, 3) + NOTED).close()
    add_users(db, {login: ["reviewer"], "bob": ["reviewer"], "clerk": []})
    return db


def _approved(db) -> int:
    with open_store(db, create=False) as s:
        return s.scalar("SELECT count(*) FROM case_status WHERE status = 'approved'")


def test_dry_run_prints_count_and_breakdown_and_records_nothing(bdb):
    code, text = cli(bdb, "decide", "--approve", "--all-matching", "--dry-run")
    assert code == 0
    assert "6 case(s), 6 charge(s) to approve (automatic track, pending)" in text
    assert "tranche 2: 6" in text
    assert "left out: 3 case(s) with notes (--with-notes includes them)" in text
    assert "dry run: nothing recorded" in text
    code, text = cli(bdb, "decide", "--approve", "--all-matching", "--dry-run", "--with-notes")
    assert "9 case(s), 9 charge(s)" in text and "DATE_FROM_ARREST: 3" in text
    code, text = cli(bdb, "decide", "--approve", "--all-matching", "--dry-run", "--reason", "DATE_FROM_ARREST",
                     "--with-notes", "--limit", "2")
    assert "2 case(s), 2 charge(s) to approve (automatic track, pending, reason DATE_FROM_ARREST, at most 2)" in text
    assert _approved(bdb) == 0
    with open_store(bdb, create=False) as s:
        assert s.scalar("SELECT count(*) FROM bulk_actions") == 0


def test_a_pipe_needs_yes(bdb):
    code, text = cli(bdb, "decide", "--approve", "--all-matching")
    assert code == 2 and "give --yes when standard input is not a terminal" in text
    assert _approved(bdb) == 0
    code, text = cli(bdb, "decide", "--approve", "--all-matching", "--yes")
    assert code == 0, text
    assert "recorded bulk approval 1 by tester: 6 case(s) approved, 0 skipped" in text
    assert _approved(bdb) == 6
    with open_store(bdb, create=False) as s:
        assert verify_chain(s.conn).ok
        (detail,) = s.conn.execute("SELECT detail FROM audit WHERE event = 'review.bulk_approve'").fetchone()
        assert json.loads(detail) == {"bulk": 1, "count": 6, "filter": {
            "source": "cli", "track": "automatic", "tranche": None, "reason": None, "with_notes": False,
            "limit": None}}
        assert s.scalar("SELECT count(*) FROM reviews WHERE bulk_id = 1") == 6


def test_a_terminal_is_asked(bdb, monkeypatch):
    from typer.testing import CliRunner

    from clearterm.cli.main import app

    monkeypatch.setattr(cli_review, "_stdin_is_terminal", lambda: True)
    r = CliRunner().invoke(app, ["--db", str(bdb), "decide", "--approve", "--all-matching", "--limit", "2"],
                           input="n\n")
    assert r.exit_code == 1 and "Approve these 2 case(s)?" in r.stdout and "nothing recorded" in r.stdout
    assert _approved(bdb) == 0
    r = CliRunner().invoke(app, ["--db", str(bdb), "decide", "--approve", "--all-matching", "--limit", "2"],
                           input="y\n")
    assert r.exit_code == 0 and _approved(bdb) == 2


def test_exit_3_lists_cases_that_changed_meanwhile(bdb, monkeypatch):
    original = bulk_review.plan

    def plan_then_someone_acts(conn, **kw):
        p = original(conn, **kw)
        with open_store(bdb, create=False) as other:  # another reviewer, between the plan and the run
            review.defer(other, p.cases[1].case_id, reviewer="bob", expected_version=0)
        return p

    monkeypatch.setattr(bulk_review, "plan", plan_then_someone_acts)
    code, text = cli(bdb, "decide", "--approve", "--all-matching", "--yes")
    assert code == 3
    assert "5 case(s) approved, 1 skipped" in text
    assert "skipped case 11CR0001/GA1: changed since version 0: now deferred by bob" in text
    assert _approved(bdb) == 5


def test_bad_bulk_requests_are_refused(bdb):
    for args, msg in [
        (("--all-matching",), "--all-matching goes with --approve only"),
        (("--approve", "--all-matching", "11CR0001"), "give no CASE nor --person"),
        (("--approve", "--all-matching", "--track", "petition"), "only automatic-track cases can be bulk approved"),
        (("--approve", "--all-matching", "--reason", "NOPE"), "unknown reason code 'NOPE'"),
        (("--approve", "--all-matching", "--note", "x"), "takes no --note"),
        (("--approve", "11CR0001", "--yes"), "go with --approve --all-matching"),
        (("--approve",), "give the CASE to decide"),
    ]:
        code, text = cli(bdb, "decide", *args)
        assert code == 2 and msg in text, (args, text)
    assert _approved(bdb) == 0


def test_bulk_needs_the_reviewer_role(bdb):
    code, text = cli(bdb, "decide", "--approve", "--all-matching", "--yes", "--reviewer", "clerk")
    assert code == 4
    assert _approved(bdb) == 0
