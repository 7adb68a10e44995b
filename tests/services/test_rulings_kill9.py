"""kill -9 in the middle of ``clearterm rulings import``: the store passes PRAGMA integrity_check
and audit verify, and rerunning the same command applies every ruling exactly once, every physical
line accounted for, the lifecycle states right, and a third run changes nothing."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import date, timedelta

import pytest

from clearterm.services import access, lifecycle
from clearterm.storage import batches as sb
from clearterm.storage.audit import verify_chain
from conftest import LOGIN
from test_batches import AUTOMATIC, build_store
from test_lifecycle import fake_sign

CASES = 2_000
PER_CASE = 60  # continuances, one a day
BAD_EVERY = 1000  # after every 1000th row, one naming an unknown case
BLANK_EVERY = 997
FILED = date(2027, 1, 5)


def _store(tmp_path):
    rows = [dict(record_id=f"K{i}", case_number=f"K{i}", person_id=f"P{i}", offense_date="2010-04-30",
                 last_name="Lee", first_name="Ann", **AUTOMATIC) for i in range(CASES)]
    s = build_store(tmp_path / "s.db", rows)
    access.add_user(s, LOGIN, ["reviewer"], actor="boss")
    cases = s.conn.execute("SELECT id, case_number, person_id FROM cases ORDER BY id").fetchall()
    with s.write() as conn:  # one batch of every case (their review is not what this test is about)
        sb.insert_batch(conn, 1, "B-2027-0001", "automatic", None, "2027-01-04T09:00:00+00:00", "boss",
                        [(c, n, p, "approved", 0) for c, n, p in cases])
    fake_sign(s, 1)
    lifecycle.file_batch(s, 1, court_date=FILED, actor="boss", today=FILED)
    s.close()
    return tmp_path / "s.db"


def _write(path) -> tuple[int, int, int, int]:
    """The rulings file; (rows, bad rows, blank lines, physical lines)."""
    lines = ["case_number,ruling,ruling_date,next_court_date"]
    rows = bad = blanks = 0
    for k in range(PER_CASE):
        day = FILED + timedelta(days=k)
        for i in range(CASES):
            rows += 1
            lines.append(f"K{i},continued,{day},{day + timedelta(days=1)}")
            if rows % BAD_EVERY == 0:  # an extra row naming an unknown case
                rows, bad = rows + 1, bad + 1
                lines.append(f"X{i},continued,{day},{day + timedelta(days=1)}")
            if i % BLANK_EVERY == 0:
                lines.append("")
                blanks += 1
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return rows, bad, blanks, len(lines)


def _cmd(db, f):
    return [sys.executable, "-m", "clearterm.cli", "--db", str(db), "rulings", "import", str(f), "--today",
            "2030-01-01"]


def test_kill9_then_rerun(tmp_path, login):
    db = _store(tmp_path)
    f = tmp_path / "rulings.csv"
    rows, bad, blanks, total_lines = _write(f)
    env = dict(os.environ, CI="1")
    proc = subprocess.Popen(_cmd(db, f), env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.time() + 120
    while time.time() < deadline and proc.poll() is None:
        time.sleep(0.05)
        try:
            with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1) as c:
                done = c.execute("SELECT coalesce(max(lines_done), 0) FROM sources WHERE kind = 'rulings'"
                                 ).fetchone()[0]
        except sqlite3.Error:
            continue
        if done > 0:
            break
    assert proc.poll() is None, "the import finished before it could be killed; make the file bigger"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    with sqlite3.connect(db) as c:
        assert c.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        status, = c.execute("SELECT status FROM sources WHERE kind = 'rulings'").fetchone()
        partial = c.execute("SELECT count(*) FROM rulings").fetchone()[0]
    assert status == "running" and 0 < partial < rows - bad
    out = subprocess.run(_cmd(db, f), env=env, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert "resumed" in out.stdout
    with sqlite3.connect(db) as c:
        assert c.execute("SELECT count(*), count(DISTINCT source_line) FROM rulings").fetchone() == (
            rows - bad, rows - bad)
        assert c.execute("SELECT count(*) FROM quarantine q JOIN sources s ON s.id = q.source_id"
                         " WHERE s.kind = 'rulings'").fetchone() == (bad,)
        src = c.execute("SELECT status, rows_read, inserted, quarantined, lines_read, header_lines, lines_stored,"
                        " lines_quarantined, blank_lines FROM sources WHERE kind = 'rulings'").fetchone()
        states = c.execute("SELECT state, court_date, count(*) FROM case_lifecycle GROUP BY 1, 2").fetchall()
        assert c.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    assert src == ("complete", rows, rows - bad, bad, total_lines, 1, rows - bad, bad, blanks)
    last = (FILED + timedelta(days=PER_CASE)).isoformat()
    assert states == [("continued", last, CASES)]
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith("s.db.")] == []
    from clearterm.storage import open_store

    with open_store(db) as s:
        assert verify_chain(s.conn).ok
    again = subprocess.run(_cmd(db, f), env=env, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0 and "already imported" in again.stdout


pytestmark = pytest.mark.slow
