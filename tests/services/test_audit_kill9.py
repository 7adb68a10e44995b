"""Issue 13, tests and measures: kill -9 during a burst of ``decide`` commands.

Several reviewers at once, each running ``clearterm decide`` commands one after another as
separate processes, on their own cases and some of a colleague's (so they collide); some of
the processes are killed with SIGKILL while they run. Then: the store passes ``PRAGMA
integrity_check``, ``clearterm audit verify`` (chain, reviews, case status, users) is OK, no
stray file is left beside the store, and running every command again completes with exactly
one approval per case: nothing half-written, nothing recorded twice.
"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import threading
import time

import pytest

from conftest import add_users
from test_reviews import build_store, generated_rows

REVIEWERS = ("rev0", "rev1", "rev2")
OWN = 12  # cases per reviewer
SHARED = 4  # cases of the next reviewer each one also decides (collisions)


def _plan() -> dict[str, list[str]]:
    cases = [f"11CR{i:04d}" for i in range(OWN * len(REVIEWERS))]
    own = {r: cases[k * OWN:(k + 1) * OWN] for k, r in enumerate(REVIEWERS)}
    return {r: own[r] + own[REVIEWERS[(k + 1) % len(REVIEWERS)]][:SHARED] for k, r in enumerate(REVIEWERS)}


def _cmd(db, case, reviewer) -> list[str]:
    return [sys.executable, "-m", "clearterm.cli", "--db", str(db), "decide", case, "--approve",
            "--reviewer", reviewer, "--note", "kill -9 trial"]


def _run_all(db, plan, env, *, killer: bool) -> tuple[list[tuple[str, str, int]], int]:
    """Each reviewer's commands in sequence, the reviewers at once; with ``killer``, SIGKILL some of
    them while they run. Returns [(reviewer, case, exit code)] and the number killed."""
    results: list[tuple[str, str, int]] = []
    running: dict[int, tuple[subprocess.Popen, float]] = {}
    lock = threading.Lock()
    done = threading.Event()
    killed = [0]

    def reviewer_loop(reviewer: str) -> None:
        for case in plan[reviewer]:
            p = subprocess.Popen(_cmd(db, case, reviewer), env=env, stdout=subprocess.DEVNULL,
                                 stderr=subprocess.PIPE)
            with lock:
                running[p.pid] = (p, time.monotonic())
            _, err = p.communicate(timeout=120)
            with lock:
                running.pop(p.pid, None)
            assert b"Traceback" not in err, err.decode(errors="replace")
            results.append((reviewer, case, p.returncode))

    def kill_loop() -> None:
        rng = random.Random(13)
        while not done.is_set():
            time.sleep(rng.uniform(0.15, 0.45))
            with lock:
                # started a while ago: past the imports, most likely inside the decide itself
                ripe = [p for p, t0 in running.values() if 0.2 < time.monotonic() - t0 < 0.9 and p.poll() is None]
                if ripe and killed[0] < len(plan) * 4:
                    victim = rng.choice(ripe)
                    os.kill(victim.pid, signal.SIGKILL)
                    killed[0] += 1

    threads = [threading.Thread(target=reviewer_loop, args=(r,)) for r in plan]
    k = threading.Thread(target=kill_loop) if killer else None
    for t in threads:
        t.start()
    if k:
        k.start()
    for t in threads:
        t.join()
    done.set()
    if k:
        k.join()
    return results, killed[0]


def _check_store(db) -> None:
    with sqlite3.connect(db) as c:
        assert c.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert c.execute("PRAGMA foreign_key_check").fetchall() == []
    out = subprocess.run([sys.executable, "-m", "clearterm.cli", "--db", str(db), "audit", "verify"],
                         capture_output=True, text=True, timeout=120, env=dict(os.environ))
    assert out.returncode == 0, out.stdout + out.stderr
    assert "match the log" in out.stdout
    left = sorted(p.name for p in db.parent.iterdir())
    assert set(left) <= {db.name, db.name + "-wal", db.name + "-shm", db.stem + "-rows.csv"}, left


@pytest.mark.slow
def test_kill9_decide_burst_then_verify_and_rerun(tmp_path, login):
    db = tmp_path / "burst.db"
    build_store(db, generated_rows(OWN * len(REVIEWERS), 0)).close()
    add_users(db, {r: ["reviewer"] for r in REVIEWERS})
    plan = _plan()
    env = dict(os.environ, CI="1")

    results, killed = _run_all(db, plan, env, killer=True)
    assert killed >= 3, f"only {killed} decide processes were killed"
    codes = {code for _, _, code in results}
    # 0 recorded, 2 already approved (by the colleague), 3 a collision, -9 killed
    assert codes <= {0, 2, 3, -signal.SIGKILL}, results
    assert sum(1 for *_, c in results if c == -signal.SIGKILL) == killed
    _check_store(db)

    results, _ = _run_all(db, plan, env, killer=False)
    assert {code for _, _, code in results} <= {0, 2, 3}, results
    _check_store(db)
    cases = sorted({c for cs in plan.values() for c in cs})
    with sqlite3.connect(db) as c:
        per_case = dict(c.execute(
            "SELECT case_number, count(*) FROM reviews WHERE action = 'approve' GROUP BY case_number"))
        status = dict(c.execute("SELECT c.case_number, s.status FROM cases c JOIN case_status s ON s.case_id = c.id"))
        assert c.execute("SELECT count(*) FROM reviews").fetchone()[0] == len(cases)
        assert c.execute("SELECT count(*) FROM audit WHERE review_id IS NOT NULL").fetchone()[0] == len(cases)
    assert per_case == {case: 1 for case in cases}, "a case was approved twice, or not at all"
    assert all(status[case] == "approved" for case in cases)


@pytest.mark.slow
def test_kill9_during_a_bulk_approval_then_verify_and_rerun(tmp_path, login):
    """Issue 15: SIGKILL while ``decide --approve --all-matching`` is between its steps or inside
    one: every committed step stays whole, ``audit verify`` is OK, and running it again approves
    the rest, each case exactly once."""
    n = 3000
    db = tmp_path / "bulk.db"
    build_store(db, generated_rows(n, 0)).close()
    add_users(db, {login: ["reviewer"]})
    env = dict(os.environ, CI="1")
    cmd = [sys.executable, "-m", "clearterm.cli", "--db", str(db), "decide", "--approve", "--all-matching", "--yes"]
    p = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    seen = 0
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30) as c:
        deadline = time.monotonic() + 60
        while p.poll() is None and time.monotonic() < deadline:
            seen = c.execute("SELECT count(*) FROM reviews").fetchone()[0]
            if seen >= 200:
                break
            time.sleep(0.005)
    p.kill()
    assert p.wait(timeout=60) == -signal.SIGKILL, "the bulk approval finished before it could be killed"
    assert 0 < seen < n
    _check_store(db)
    with sqlite3.connect(db) as c:
        first = c.execute("SELECT count(*) FROM reviews").fetchone()[0]
        assert c.execute("SELECT count(*) FROM audit WHERE event = 'review.bulk_approve_done'").fetchone()[0] == 0
    assert seen <= first < n
    again = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr
    _check_store(db)
    with sqlite3.connect(db) as c:
        per_case = c.execute("SELECT count(DISTINCT case_id), count(*) FROM reviews WHERE action = 'approve'").fetchone()
        assert per_case == (n, n)
        assert c.execute("SELECT count(DISTINCT bulk_id) FROM reviews").fetchone()[0] == 2
