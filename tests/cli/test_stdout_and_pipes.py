"""Issue 18: ``--out -`` is standard output where the output is one stream, and refused (one line,
exit 2, nothing written, nothing audited) where it is a folder or a SQLite file; in a pipe no
message is wrapped at the console's width."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from clearterm.cli.main import app
from clearterm.storage import open_store
from clearterm.storage.audit import head

from conftest import LOGIN, add_users

runner = CliRunner()


def _run(*args: str, cwd: Path, columns: int = 80) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "CLEARTERM_DEBUG"}
    env["COLUMNS"] = str(columns)
    env["PYTHONPATH"] = str(Path(__file__).resolve().parents[2])
    return subprocess.run([sys.executable, "-m", "clearterm.cli", *args], env=env, cwd=cwd,
                          capture_output=True, text=True, timeout=120)


def test_synth_out_dash_writes_the_csv_to_standard_output(tmp_path):
    r = _run("synth", "--records", "7", "--seed", "3", "--out", "-", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    rows = list(csv.reader(io.StringIO(r.stdout)))
    assert rows[0][:2] == ["record_id", "case_number"] and len(rows) == 8
    assert r.stderr.startswith("wrote 7 rows") and "standard output" in r.stderr  # the summary is not data
    assert list(tmp_path.iterdir()) == []  # no file named "-", no "-.part"
    # the same rows as a file written with the same seed
    r2 = _run("synth", "--records", "7", "--seed", "3", "--out", "same.csv", cwd=tmp_path)
    assert r2.returncode == 0 and (tmp_path / "same.csv").read_text(encoding="utf-8") == r.stdout


@pytest.fixture
def db(tmp_path, login, monkeypatch):
    path = tmp_path / "store.db"
    add_users(path, {LOGIN: ["admin", "reviewer", "signer"]})
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    return path


@pytest.mark.parametrize("args, what", [
    (("report", "--out", "-"), "a folder"),
    (("export", "public", "--out", "-"), "a SQLite file"),
    (("keys", "demo", "--out", "-"), "a folder"),
    (("audit", "anchor", "--key", "k.p12", "--out", "-"), "a statement and its signature"),
    (("batch", "sign", "1", "--key", "k.p12", "--out", "-"), "a folder"),
    (("letters", "--batch", "1", "--kind", "granted", "--out", "-"), "a folder"),
    (("notices", "--batch", "1", "--out", "-"), "a folder"),
    (("demo", "--dir", "-", "--no-review"), "a folder"),
])
def test_dash_is_refused_where_the_output_is_a_folder_or_a_database(db, args, what):
    with open_store(db) as s:
        before = head(s.conn)
    res = runner.invoke(app, ["--db", str(db), *args])
    assert res.exit_code == 2, res.output
    lines = res.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: --") and "(standard output) cannot be used" in lines[0]
    assert what in lines[0]
    assert list(Path.cwd().iterdir()) == []  # no folder or file named "-"
    with open_store(db) as s:
        assert head(s.conn) == before  # nothing audited


def test_db_dash_is_refused(tmp_path):
    r = _run("--db", "-", "queue", cwd=tmp_path)
    assert r.returncode == 2 and r.stderr.startswith("error: --db - (standard output) cannot be used")
    assert list(tmp_path.iterdir()) == []


def test_a_message_is_one_line_in_a_pipe_whatever_the_width(tmp_path):
    deep = tmp_path / ("a-rather-long-folder-name-" * 4) / "synthetic-records-for-the-test.csv"
    r = _run("synth", "--records", "3", "--out", str(deep), cwd=tmp_path, columns=40)
    assert r.returncode == 0, r.stderr
    assert r.stdout.count("\n") == 1 and r.stdout.rstrip("\n").endswith(str(deep))


def test_the_console_never_wraps_a_line_of_text():
    from rich.text import Text

    from clearterm.cli.console import SafeConsole

    buf = io.StringIO()
    con = SafeConsole(file=buf, width=30, highlight=False)
    line = "warning: recorded as a LATE objection: the deadline 2026-01-01 passed 3 day(s) ago"
    con.print(line)
    con.print(Text(line))
    assert buf.getvalue() == f"{line}\n{line}\n"


def test_a_report_table_is_whole_in_a_pipe(monkeypatch):
    from rich.table import Table

    from clearterm.cli import listing
    from clearterm.cli.console import SafeConsole

    buf = io.StringIO()
    monkeypatch.setattr(listing, "out", SafeConsole(file=buf, width=40, highlight=False))
    title = "Convictions by race and ethnicity of the person, all tranches together"
    t = Table("age band at offense", "convictions", title=title)
    t.add_row("White [Hispanic or Latino] and a label long enough to pass forty columns", "12")
    listing.print_table(t)
    text = buf.getvalue()
    assert title in text and "White [Hispanic or Latino] and a label long enough to pass forty columns" in text
    assert "age band at offense" in text


# -- demo: the real extracts beside the checkout (issue 18, item 7) ---------------------------
def test_demo_looks_for_the_real_extracts_beside_the_checkout(tmp_path, monkeypatch):
    import clearterm
    from clearterm.cli import demo

    checkout = Path(clearterm.__file__).resolve().parents[1]
    assert demo.REALDATA_DIRS[1] == checkout.parent / "shared" / "realdata"
    monkeypatch.chdir(tmp_path)  # ../shared/realdata does not exist from here
    beside = checkout.parent / "shared" / "realdata"
    if not list(beside.glob(demo.REALDATA_GLOB)):
        pytest.skip(f"no real extracts at {beside}")
    assert demo.real_extracts() == sorted(beside.glob(demo.REALDATA_GLOB))


def test_a_demo_without_real_extracts_says_so(tmp_path, login, monkeypatch):
    from clearterm.cli import demo

    monkeypatch.setattr(demo, "REALDATA_DIRS", (tmp_path / "none", tmp_path / "empty"))
    (tmp_path / "empty").mkdir()
    res = runner.invoke(app, ["demo", "--dir", str(tmp_path / "demo"), "--records", "40", "--no-review"])
    assert res.exit_code == 0, res.output
    notes = [ln for ln in res.output.splitlines() if ln.startswith("note: no real extracts")]
    assert len(notes) == 1 and "synthetic records only" in notes[0]
    assert "0 from the real extracts" in res.output
