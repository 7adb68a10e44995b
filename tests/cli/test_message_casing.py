"""Messages are cased alike (issue 18): every problem is one line "error: ..." (lower case, as
clearterm's own), also the usage errors Typer's Click reports ("Error: Invalid value ..."
before), and the CLI's sources print no "Error:", "Warning:" or "Note:" prefix of their own."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

CLI = Path(__file__).resolve().parents[2] / "clearterm" / "cli"


def _run(*args: str, db: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "CLEARTERM_DEBUG"}
    return subprocess.run([sys.executable, "-m", "clearterm.cli", "--db", str(db), *args], env=env,
                          capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize("args, message", [
    (("no-such-command",), "error: no such command 'no-such-command'."),
    (("decide", "--bogus"), "error: no such option: --bogus"),
])
def test_usage_errors_are_cased_as_every_other_error(tmp_path, args, message):
    r = _run(*args, db=tmp_path / "none.db")
    assert r.returncode == 2
    last = r.stderr.rstrip("\n").splitlines()[-1]
    assert last.startswith(message), r.stderr
    assert "Error:" not in r.stderr and "Traceback" not in r.stderr
    assert "Usage:" in r.stderr and " -h' for help." in r.stderr  # the usage lines stay


@pytest.mark.parametrize("args, message", [
    (("queue", "--limit", "0"), "--limit must be at least 1"),
    (("queue", "--limit", "20000"), "--limit must be at most 10000"),
    (("queue", "--limit", "x"), "--limit must be a whole number"),
    (("stats", "--format", "xml"), "--format must be one of table, csv, json"),
    (("queue", "--tranche", "7"), "--tranche must be 1, 2, 3 or 99 (none)"),
    (("assign", "--reviewer", "alice", "--tranche", "7"), "--tranche must be 1, 2, 3 or 99 (none)"),
    (("decide", "--approve", "--all-matching", "--tranche", "5"), "--tranche must be 1, 2, 3 or 99 (none)"),
    (("batch", "create", "--track", "review"), "--track must be one of automatic, petition"),
    (("queue", "--status", "done"), "--status must be one of pending, approved, objected, excluded, deferred"),
    (("queue", "--state", "gone"), "--state must be one of batched, signed, filed"),
    (("queue", "--deadline", "late"), "--deadline must be one of overdue, soon, unserved, all"),
    (("letters", "mailed", "--batch", "1", "--date", "2026-01-01", "--kind", "x"),
     "--kind must be one of granted, denied"),
    (("decide", "1CR1", "--object", "mood"), "--object must be one of criteria_not_met,"),
    (("synth", "--records", "1", "--out", "x.csv", "--dirty", "200"), "--dirty must be at most 100"),
])
def test_a_bad_value_is_one_plain_line(tmp_path, args, message):
    """Issue 15 (6) and 18 (8): checked before the command runs (nothing done), in plain words:
    no "Value error", no "Input should be" (pydantic's wording, which Typer passes on)."""
    r = _run(*args, db=tmp_path / "none.db")
    assert r.returncode == 2
    assert r.stderr.startswith(f"error: {message}") and r.stderr.count("\n") == 1, r.stderr
    assert "Value error" not in r.stderr and "Input should" not in r.stderr and r.stdout == ""
    assert list(tmp_path.iterdir()) == []  # nothing ran: no store, no file


def test_a_bad_value_reads_alike_under_typers_own_runner():
    from typer.testing import CliRunner

    from clearterm.cli.main import app

    res = CliRunner().invoke(app, ["queue", "--tranche", "7"])
    assert res.exit_code == 2 and "--tranche must be 1, 2, 3 or 99 (none)" in res.output
    assert "Value error" not in res.output


def test_a_refused_option_of_clearterm_itself_reads_alike(tmp_path):
    r = _run("queue", "--track", "bogus", db=tmp_path / "none.db")
    assert r.returncode == 2 and r.stderr.startswith("error: ")


def test_cli_sources_print_no_capitalised_prefix():
    pattern = re.compile(r"""(?:say|problem|fail|print|echo)\(\s*f?["'](?:Error|Warning|Note|ERROR|WARNING):""")
    found = [f"{p.name}:{i}" for p in sorted(CLI.glob("*.py"))
             for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1) if pattern.search(line)]
    assert found == []
