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
    (("queue", "--limit", "0"), "error: invalid value for '--limit'"),
    (("stats", "--format", "xml"), "error: invalid value for '--format'"),
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


def test_a_refused_option_of_clearterm_itself_reads_alike(tmp_path):
    r = _run("queue", "--track", "bogus", db=tmp_path / "none.db")
    assert r.returncode == 2 and r.stderr.startswith("error: ")


def test_cli_sources_print_no_capitalised_prefix():
    pattern = re.compile(r"""(?:say|problem|fail|print|echo)\(\s*f?["'](?:Error|Warning|Note|ERROR|WARNING):""")
    found = [f"{p.name}:{i}" for p in sorted(CLI.glob("*.py"))
             for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1) if pattern.search(line)]
    assert found == []
