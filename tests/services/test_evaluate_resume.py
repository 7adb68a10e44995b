"""kill -9 in the middle of an evaluation: the workers stop, the store stays consistent, and
rerunning the same command completes it with exactly one decision per record."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time

import pytest

from clearterm.ingest import ingest_file
from clearterm.storage import open_store
from conftest import TODAY, add_users, write_canonical_csv

ROWS = 200_000  # four chunks per worker: the kill lands with work left


def _rows():
    for i in range(ROWS):  # cases of three charges: a battery, then two cannabis possessions
        yield {"record_id": f"K{i:07d}", "case_number": f"C{i // 3}", "person_id": f"P{i // 3}",
               "statute": "720 ILCS 550/4(c)" if i % 3 else "720 ILCS 5/12-3(a)(1)",
               "disposition": "Plea Of Guilty", "offense_date": "2012-01-02", "offense_class": "B",
               "weight_grams": "12", "county": "Cook"}


def _decisions(db) -> int:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5) as c:
        return c.execute("SELECT count(*) FROM decisions").fetchone()[0]


def test_kill9_mid_evaluation_then_rerun(tmp_path, login):
    f = tmp_path / "big.csv"
    write_canonical_csv(f, _rows())
    db = tmp_path / "s.db"
    add_users(db, {login: []})
    with open_store(db) as store:
        ingest_file(store, f, today=TODAY)
    cmd = [sys.executable, "-m", "clearterm.cli", "--db", str(db), "evaluate", "--as-of", TODAY.isoformat()]
    env = dict(os.environ, CI="1")
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.time() + 120
    while time.time() < deadline and proc.poll() is None:
        time.sleep(0.02)
        try:
            if _decisions(db) > 0:
                break
        except sqlite3.Error:
            continue
    assert proc.poll() is None, "evaluate finished before it could be killed; make the store bigger"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    # the orphaned workers write at most the chunk they are in, then stop
    time.sleep(3)
    partial = _decisions(db)
    time.sleep(2)
    assert _decisions(db) == partial, "workers went on writing after the evaluation was killed"
    assert 0 < partial < ROWS
    with sqlite3.connect(db) as c:
        assert c.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert c.execute("PRAGMA foreign_key_check").fetchall() == []
        assert c.execute("SELECT count(*), count(DISTINCT record_id) FROM decisions").fetchone() == (partial, partial)
        assert c.execute("SELECT count(*) FROM decision_current").fetchone()[0] == partial
        assert c.execute("SELECT status FROM evaluations").fetchall() == [("running",)]

    out = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert f"{ROWS - partial:,} new decisions" in out.stdout  # the killed run's decisions are kept, not redone
    with sqlite3.connect(db) as c:
        assert c.execute("SELECT count(*), count(DISTINCT record_id) FROM decisions").fetchone() == (ROWS, ROWS)
        assert c.execute("SELECT count(*) FROM decision_current").fetchone()[0] == ROWS
        assert c.execute("SELECT count(*), sum(charges), sum(flagged) FROM cases").fetchone() == (
            ROWS // 3 + (ROWS % 3 > 0), ROWS, ROWS - (ROWS + 2) // 3)
        assert c.execute("SELECT status FROM evaluations ORDER BY id").fetchall() == [("running",), ("complete",)]
        assert c.execute("PRAGMA foreign_key_check").fetchall() == []


# Slow (subprocesses, kill trials, a real terminal or many workstation sessions): CI runs it, the
# everyday run (pytest -m "not slow") leaves it out.
pytestmark = pytest.mark.slow
