"""kill -9 in the middle of an ingest: the store passes PRAGMA integrity_check and audit verify, and
rerunning the same command stores every row exactly once, every physical line accounted for, no
stray files."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time

import pytest

from conftest import add_users, write_canonical_csv

ROWS = 120_000


MULTI_EVERY = 1009  # every 1009th row has a quoted description over two lines
BLANK_EVERY = 997  # a blank line after every 997th row


def _rows():
    for i in range(ROWS):
        # every 1000th row has an impossible date and is quarantined
        yield {"record_id": f"K{i}", "case_number": f"C{i // 3}", "statute": "720 ILCS 550/4(c)",
               "disposition": "Plea Of Guilty", "offense_date": "2012-02-31" if i % 1000 == 7 else "2012-01-02",
               "offense_description": '"POSS\nCANNABIS"' if _multi(i) else "POSS"}


def _multi(i: int) -> bool:
    return i % MULTI_EVERY == 5 and i % 1000 != 7


def _write(f) -> int:
    """The test file, with blank lines; returns its number of physical lines."""
    write_canonical_csv(f, _rows())
    lines = f.read_text(encoding="utf-8").split("\n")[:-1]
    out, rows = [lines[0]], 0
    for ln in lines[1:]:
        out.append(ln)
        if '"POSS' in ln:
            continue  # the first line of a two-line record
        rows += 1
        if rows % BLANK_EVERY == 0:
            out.append("")
    f.write_text("\n".join(out) + "\n", encoding="utf-8")
    return len(out)


def _cmd(db, f):
    return [sys.executable, "-m", "clearterm.cli", "--db", str(db), "ingest", str(f), "--today", "2026-01-01"]


def test_kill9_then_rerun(tmp_path, login):
    f = tmp_path / "big.csv"
    total_lines = _write(f)
    db = tmp_path / "s.db"
    add_users(db, {login: []})  # records staff: a known user, no role needed
    env = dict(os.environ, CI="1")
    proc = subprocess.Popen(_cmd(db, f), env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    # wait until at least one chunk is committed, then kill -9 mid-run
    deadline = time.time() + 60
    done = 0
    while time.time() < deadline and proc.poll() is None:
        time.sleep(0.05)
        if not db.exists():
            continue
        try:
            with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1) as c:
                done = c.execute("SELECT coalesce(max(lines_done), 0) FROM sources").fetchone()[0]
        except sqlite3.Error:
            continue
        if done > 0:
            break
    assert proc.poll() is None, "ingest finished before it could be killed; make the file bigger"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    with sqlite3.connect(db) as c:
        assert c.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        status, lines_done = c.execute("SELECT status, lines_done FROM sources").fetchone()
        partial = c.execute("SELECT count(*) FROM records").fetchone()[0]
    assert status == "running" and 0 < lines_done < ROWS + 1
    assert 0 < partial < ROWS
    out = subprocess.run(_cmd(db, f), env=env, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert "resumed" in out.stdout
    bad = ROWS // 1000 + (1 if ROWS % 1000 > 7 else 0)
    with sqlite3.connect(db) as c:
        assert c.execute("SELECT count(*), count(DISTINCT record_id) FROM records").fetchone() == (ROWS - bad, ROWS - bad)
        assert c.execute("SELECT count(*), count(DISTINCT line) FROM quarantine").fetchone() == (bad, bad)
        row = c.execute("SELECT status, rows_read, inserted, updated, unchanged, quarantined FROM sources").fetchone()
        lines = c.execute("SELECT lines_read, header_lines, lines_stored, lines_quarantined, blank_lines"
                          " FROM sources").fetchone()
        assert c.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    assert row == ("complete", ROWS, ROWS - bad, 0, 0, bad)
    multi = sum(1 for i in range(ROWS) if _multi(i))
    assert lines == (total_lines, 1, ROWS - bad + multi, bad, ROWS // BLANK_EVERY)
    assert f"lines {total_lines:,} = header 1 + stored {ROWS - bad + multi:,}" in out.stdout
    # no scratch file of the killed run is left beside the store
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith("s.db.")] == []
    # the audit chain holds: the killed run wrote no audit entry, the rerun one
    from clearterm.storage import open_store
    from clearterm.storage.audit import verify_chain

    with open_store(db) as s:
        assert verify_chain(s.conn).ok
        assert s.scalar("SELECT count(*) FROM audit WHERE event = 'ingest'") == 1
    # and a third run changes nothing
    again = subprocess.run(_cmd(db, f), env=env, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0 and "already ingested" in again.stdout


# Slow (subprocesses, kill trials, a real terminal or many workstation sessions): CI runs it, the
# everyday run (pytest -m "not slow") leaves it out.
pytestmark = pytest.mark.slow
