"""Bulk approval in a real terminal (issue 15): ``clearterm review`` in an 80x24 tmux window,
the queue filtered to the automatic track, every case marked with ``*``, ``A``, ``enter``; then
the store is checked (the automatic cases without notes approved, each with its review and audit
entry naming the bulk action; petitions and the cases with notes untouched; the chain intact).

Skipped when tmux is missing (CI installs it). Slow: a real terminal and a real process.
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from clearterm.storage import open_store
from clearterm.storage.audit import verify_chain
from conftest import add_users
from test_tui_bulk import N_AUTO, ROWS
from test_tui import build_tui_store

pytestmark = pytest.mark.slow
TIMEOUT = 60


class Tmux:
    def __init__(self, d: Path):
        self.sock = str(d / f"tmux-{secrets.token_hex(3)}.sock")

    def __call__(self, *args: str, check: bool = True) -> str:
        r = subprocess.run(["tmux", "-S", self.sock, *args], capture_output=True, text=True, timeout=TIMEOUT)
        if check and r.returncode != 0:
            raise AssertionError(f"tmux {' '.join(args)}: {r.stderr}")
        return r.stdout

    def screen(self) -> str:
        return self("capture-pane", "-p", "-t", "bulk", check=False)

    def keys(self, *keys: str) -> None:
        self("send-keys", "-t", "bulk", *keys)

    def kill(self) -> None:
        self("kill-server", check=False)


def wait_for(tmux: Tmux, text: str, what: str) -> str:
    end = time.monotonic() + TIMEOUT
    while time.monotonic() < end:
        screen = tmux.screen()
        if text in screen:
            return screen
        if "[exit " in screen:
            break
        time.sleep(0.1)
    raise AssertionError(f"{what}: {text!r} not on the screen:\n{tmux.screen()}")


def test_bulk_approve_a_filtered_queue_in_a_real_terminal(tmp_path):
    if shutil.which("tmux") is None:
        pytest.skip("tmux is not installed")
    d = tmp_path / "t"
    d.mkdir(mode=0o700)
    db = build_tui_store(d / "store.db", ROWS, served={})
    add_users(db, {"tester": ["reviewer"]})
    clearterm = Path(sys.executable).with_name("clearterm")
    env = (f"LOGNAME=tester USER=tester TERM=xterm-256color PYTHONPATH={os.environ.get('PYTHONPATH', '')} "
           f"XDG_CONFIG_HOME={d} HOME={d}")  # no keymap of the machine's user
    shell = f"env {env} {clearterm} --db {db} review; echo \"[exit $?]\"; sleep 60"
    tmux = Tmux(d)
    try:
        tmux("new-session", "-d", "-s", "bulk", "-x", "80", "-y", "24", shell)
        wait_for(tmux, "reviewer tester", "the workstation to open")
        tmux.keys("t")
        wait_for(tmux, "Queue: automatic track", "the automatic-track filter")
        tmux.keys("*")
        screen = wait_for(tmux, f"marked: all {N_AUTO + 2} of the queue", "every case to be marked")
        assert all(line.startswith("*") for line in screen.splitlines()[2:12])  # marked rows show the mark
        tmux.keys("A")
        screen = wait_for(tmux, "will be approved", "the bulk approval dialog")
        assert f"{N_AUTO} case(s), {N_AUTO} charge(s) will be approved" in screen
        lines = screen.splitlines()
        assert len(lines) <= 24 and all(len(x) <= 80 for x in lines)
        tmux.keys("Enter")
        screen = wait_for(tmux, f"{N_AUTO} of {N_AUTO + 5} decided", "the bulk approval to finish")
        assert "APPROVED" in screen and "marked:" not in screen  # the marks are cleared
        tmux.keys("C-q")
        wait_for(tmux, "[exit 0]", "the workstation to quit")
    finally:
        tmux.kill()
    with open_store(db, create=False) as s:
        by = dict(s.conn.execute("SELECT c.track || ':' || coalesce(st.status, 'pending'), count(*) FROM cases c"
                                 " LEFT JOIN case_status st ON st.case_id = c.id WHERE c.track IS NOT NULL"
                                 " GROUP BY 1").fetchall())
        assert by == {"automatic:approved": N_AUTO, "automatic:pending": 2, "petition:pending": 3}
        assert s.scalar("SELECT count(*) FROM reviews WHERE bulk_id = 1 AND reviewer = 'tester'") == N_AUTO
        assert s.scalar("SELECT count(*) FROM audit WHERE event = 'review.bulk_approve'") == 1
        assert verify_chain(s.conn).ok
