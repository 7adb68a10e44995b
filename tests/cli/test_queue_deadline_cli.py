"""``clearterm queue --deadline VIEW``: a title per view, and keyset paging with --after (issue 15, 7)."""

from __future__ import annotations

import json
import re

from typer.testing import CliRunner

from clearterm.cli.main import app
from clearterm.services import access
from clearterm.storage import open_store
from test_batches import build_store

runner = CliRunner()


def _db(tmp_path, login) -> str:
    s = build_store(tmp_path / "c.db")  # three petitions: 05CR6, 14CR2/P2, 14CR2/P3
    access.add_user(s, login, ["reviewer"], actor="boss")
    s.close()
    db = str(tmp_path / "c.db")
    assert runner.invoke(app, ["--db", db, "decide", "05CR6", "--served", "2026-01-05", "--reviewer", "rita"]
                         ).exit_code == 0
    return db


def test_each_view_has_its_own_title(tmp_path, login):
    db = _db(tmp_path, login)
    titles = {}
    for view in ("overdue", "soon", "unserved", "all"):
        res = runner.invoke(app, ["--db", db, "queue", "--deadline", view])
        assert res.exit_code == 0, res.output
        titles[view] = res.output.splitlines()[0]
    assert len(set(titles.values())) == 4
    assert "past their objection deadline" in titles["overdue"] and "then by days left" not in titles["overdue"]
    assert titles["soon"] == "Deadlines (soon): undecided petitions due within 14 days, soonest first: none"


def test_after_pages_through_the_view(tmp_path, login):
    db = _db(tmp_path, login)
    seen, after = [], None
    for _ in range(5):
        args = ["--db", db, "queue", "--deadline", "all", "--limit", "1", "--format", "json"]
        res = runner.invoke(app, args + (["--after", after] if after else []))
        assert res.exit_code == 0, res.output
        page = json.loads(res.stdout)
        seen += [(r["case"], r["person"]) for r in page]
        m = re.search(r"more: --deadline all --after (\S+)", res.stderr)
        if not m:
            break
        after = m.group(1)
    assert [c for c, _ in seen] == ["05CR6", "14CR2", "14CR2"] and len(set(seen)) == 3  # overdue first, no repeat
    res = runner.invoke(app, ["--db", db, "queue", "--deadline", "all", "--after", "12"])
    assert res.exit_code == 2 and "is not a position of the deadlines view" in res.output
    res = runner.invoke(app, ["--db", db, "queue", "--after", "0:2026-01-05:1"])
    assert res.exit_code == 2 and "--after must be a case id" in res.output
