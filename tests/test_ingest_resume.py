"""kill -9 in the middle of an ingest: rerunning the same command stores every row exactly once."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time

from conftest import add_users, write_canonical_csv

ROWS = 120_000


def _rows():
    for i in range(ROWS):
        # every 1000th row has an impossible date and is quarantined
        yield {"record_id": f"K{i}", "case_number": f"C{i // 3}", "statute": "720 ILCS 550/4(c)",
               "disposition": "Plea Of Guilty", "offense_date": "2012-02-31" if i % 1000 == 7 else "2012-01-02"}


def _cmd(db, f):
    return [sys.executable, "-m", "clearterm.cli", "--db", str(db), "ingest", str(f), "--today", "2026-01-01"]


def test_kill9_then_rerun(tmp_path, login):
    f = tmp_path / "big.csv"
    write_canonical_csv(f, _rows())
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
    assert row == ("complete", ROWS, ROWS - bad, 0, 0, bad)
    # and a third run changes nothing
    again = subprocess.run(_cmd(db, f), env=env, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0 and "already ingested" in again.stdout
