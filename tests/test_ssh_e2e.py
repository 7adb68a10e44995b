"""Reviewing over real SSH: sshd on a loopback port, the real ssh client inside tmux, keystrokes.

sshd runs with a generated config: generated host and user keys, the hardening options that
``clearterm ssh-config`` prints, and ``ForceCommand`` running ``clearterm --db STORE review``
(the deployment runs it through ``sudo -u <service account>``; here the test's own user is
both the SSH login and the store's owner, so no sudo is involved). Two ports, two stores:
on the main port the login is a reviewer; on the second it is not a user of the store.

Locally the test skips when sshd, ssh, ssh-keygen or tmux is missing; with
``CLEARTERM_SSH_E2E=required`` (set by .ci/run) it fails instead.
"""

from __future__ import annotations

import csv
import os
import pwd
import shlex
import shutil
import socket
import subprocess
import time
from datetime import date
from pathlib import Path

import pytest

import clearterm
from clearterm.cli_access import SSHD_OPTIONS, installed_clearterm, review_command
from clearterm.domain.policy import Policy
from clearterm.domain.record import CANONICAL_FIELDS
from clearterm.evaluate import evaluate_store
from clearterm.ingest import ingest_file
from clearterm.storage import open_store
from clearterm.storage.audit import verify_chain
from clearterm.storage.reviews import refresh_search_index
from conftest import add_users

AS_OF = date(2026, 11, 21)
ME = pwd.getpwuid(os.geteuid()).pw_name
TIMEOUT = 20  # seconds for any one wait
SECRET = ("Quillfeather", "Zorabeth", "1961-04-02", "4417 W Wabansia")  # not on the queue (only on a case)


def _tool(name: str, extra: tuple[str, ...] = ()) -> str:
    found = shutil.which(name) or next((p for p in extra if os.access(p, os.X_OK)), None)
    if found is None:
        msg = f"{name} is not installed (apt-get install openssh-server tmux)"
        if os.environ.get("CLEARTERM_SSH_E2E") == "required":
            pytest.fail(msg)
        pytest.skip(msg)
    return found


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait(predicate, what: str, timeout: float = TIMEOUT, on_fail=lambda: ""):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    pytest.fail(f"timed out waiting for {what}\n{on_fail()}")


def _write_records(path: Path) -> None:
    """Two automatic-track cases and one petition, carrying names, a date of birth and an address."""
    base = {"statute": "720 ILCS 550/4(a)", "disposition": "Plea Of Guilty", "offense_class": "C",
            "offense_date": "2012-01-02", "disposition_date": "2012-03-02", "county": "Cook",
            "last_name": SECRET[0], "first_name": SECRET[1], "date_of_birth": SECRET[2],
            "address_line1": SECRET[3], "city": "Chicago", "state": "IL", "zip": "60639"}
    rows = [
        {**base, "record_id": "E1", "case_number": "12CR0001", "person_id": "P1"},
        {**base, "record_id": "E2", "case_number": "12CR0002", "person_id": "P2"},
        {**base, "record_id": "E3", "case_number": "12CR0003", "person_id": "P3", "statute": "720 ILCS 550/5(d)",
         "offense_class": "4"},
    ]
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=CANONICAL_FIELDS)
        w.writeheader()
        w.writerows(rows)


def _build_store(db: Path, src: Path, users: dict) -> None:
    add_users(db, users)
    with open_store(db) as s:
        ingest_file(s, src, today=AS_OF)
        evaluate_store(s, Policy(), AS_OF)
        refresh_search_index(s)


@pytest.fixture(scope="module")
def sshd(tmp_path_factory):
    sshd_bin = _tool("sshd", ("/usr/sbin/sshd", "/usr/local/sbin/sshd"))
    _tool("ssh")
    _tool("ssh-keygen")
    _tool("tmux")
    d = tmp_path_factory.mktemp("ssh")  # 0700
    src = d / "records.csv"
    _write_records(src)
    store, stranger_store = d / "store" / "office.db", d / "other" / "office.db"
    _build_store(store, src, {"setup-admin": ["admin"], ME: ["reviewer"]})
    _build_store(stranger_store, src, {"setup-admin": ["admin"], "someone-else": ["reviewer"]})

    for name in ("host_key", "user_key"):
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "clearterm-e2e", "-f", str(d / name)],
                       check=True)
    authorized = d / "authorized_keys"
    authorized.write_text((d / "user_key.pub").read_text())
    os.chmod(authorized, 0o600)
    if os.geteuid() == 0:
        os.makedirs("/run/sshd", mode=0o755, exist_ok=True)  # sshd's privilege-separation directory

    # The remote runs the same clearterm code this test imports.
    code_root = Path(clearterm.__file__).resolve().parents[1]
    exe = installed_clearterm()

    def force(db: Path) -> str:
        return f"env PYTHONPATH={shlex.quote(str(code_root))} {review_command(exe, db)}"

    port, stranger_port = _free_port(), _free_port()
    hardening = "\n".join(f"    {k} {v}" for k, v in SSHD_OPTIONS)
    cfg = d / "sshd_config"
    cfg.write_text(f"""\
Port {port}
Port {stranger_port}
ListenAddress 127.0.0.1
HostKey {d / 'host_key'}
PidFile none
AuthorizedKeysFile {authorized}
StrictModes no
UsePAM no
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
AllowUsers {ME}
LogLevel VERBOSE
Match LocalPort {port}
    ForceCommand {force(store)}
{hardening}
Match LocalPort {stranger_port}
    ForceCommand {force(stranger_store)}
{hardening}
""")
    log = open(d / "sshd.log", "w")
    proc = subprocess.Popen([sshd_bin, "-D", "-e", "-f", str(cfg)], stdout=log, stderr=subprocess.STDOUT)

    def listening() -> bool:
        if proc.poll() is not None:
            pytest.fail(f"sshd exited: {(d / 'sshd.log').read_text()}")
        with socket.socket() as s:
            return s.connect_ex(("127.0.0.1", port)) == 0

    _wait(listening, "sshd to listen", on_fail=lambda: (d / "sshd.log").read_text())
    ssh = ["ssh", "-F", "/dev/null", "-i", str(d / "user_key"), "-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes",
           "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR"]
    try:
        yield {"dir": d, "store": store, "port": port, "stranger_port": stranger_port, "ssh": ssh,
               "log": d / "sshd.log"}
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


class Tmux:
    """A private tmux server (own socket) holding one 80x24 window."""

    def __init__(self, d: Path):
        self.sock = str(d / "tmux.sock")

    def __call__(self, *args: str, check: bool = True) -> str:
        r = subprocess.run(["tmux", "-S", self.sock, *args], capture_output=True, text=True, timeout=TIMEOUT)
        if check and r.returncode != 0:
            raise AssertionError(f"tmux {' '.join(args)}: {r.stderr}")
        return r.stdout

    def screen(self) -> str:
        return self("capture-pane", "-p", "-t", "e2e", check=False)

    def kill(self) -> None:
        self("kill-server", check=False)


def _open_workstation(sshd, tmux: Tmux, term: str) -> str:
    """Start ``ssh -tt`` in an 80x24 tmux window with TERM=term; return the screen once the workstation
    shows the first case (the queue, or that case's screen when it resumes where the reviewer left off)."""
    ssh = [*sshd["ssh"], "-tt", "-p", str(sshd["port"]), f"{ME}@127.0.0.1"]
    # After ssh exits, print its status and keep the pane for capture.
    shell = f"TERM={term} {shlex.join(ssh)}; echo \"[ssh exit $?]\"; sleep 60"
    tmux("new-session", "-d", "-s", "e2e", "-x", "80", "-y", "24", shell)
    screen = _wait(lambda: (s := tmux.screen()) and "12CR0001" in s and s,
                   "the review queue to show over SSH",
                   on_fail=lambda: tmux.screen() + "\n--- sshd log ---\n" + sshd["log"].read_text())
    assert "[ssh exit" not in screen
    lines = screen.splitlines()
    assert len(lines) <= 24 and all(len(x) <= 80 for x in lines)
    assert "reviewer " + ME in screen
    return screen


def _quit(tmux: Tmux) -> None:
    tmux("send-keys", "-t", "e2e", "C-q")
    _wait(lambda: "[ssh exit 0]" in tmux.screen(), "ssh to end with status 0 after ctrl+q", on_fail=tmux.screen)


def test_review_over_ssh_approve_with_keystrokes(sshd):
    tmux = Tmux(sshd["dir"])
    try:
        screen = _open_workstation(sshd, tmux, "xterm-256color")
        assert "12CR0002" in screen and "12CR0003" in screen and "0 of 3 decided" in screen  # the queue
        for secret in SECRET:
            assert secret not in screen  # the queue shows case numbers and person ids only
        with open_store(sshd["store"]) as s:
            case_id = s.scalar("SELECT id FROM cases WHERE case_number = '12CR0001'")
        tmux("send-keys", "-t", "e2e", "a")

        def approved():
            with open_store(sshd["store"]) as s:
                return s.conn.execute("SELECT action, reviewer, case_id FROM reviews").fetchall()

        rows = _wait(approved, "the approval to be stored", on_fail=tmux.screen)
        _quit(tmux)
    finally:
        tmux.kill()

    assert rows == [("approve", ME, case_id)]
    with open_store(sshd["store"]) as s:
        audit = s.conn.execute("SELECT actor, event, case_id FROM audit WHERE event LIKE 'review.%'").fetchall()
        assert audit == [(ME, "review.approve", case_id)]
        assert s.scalar("SELECT status FROM case_status WHERE case_id = ?", (case_id,)) == "approved"
        assert verify_chain(s.conn).ok
    assert f"Accepted publickey for {ME}" in sshd["log"].read_text()


def test_review_over_ssh_with_a_16_colour_xterm(sshd):
    tmux = Tmux(sshd["dir"])
    try:
        _open_workstation(sshd, tmux, "xterm")
        _quit(tmux)
    finally:
        tmux.kill()


def test_ssh_without_tty_prints_one_line_and_fails(sshd):
    r = subprocess.run([*sshd["ssh"], "-T", "-p", str(sshd["port"]), f"{ME}@127.0.0.1", "anything"],
                       stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=TIMEOUT)
    assert r.returncode != 0
    assert r.stdout == ""
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "needs a terminal" in lines[0] and "ssh -t" in lines[0], r.stderr
    with open_store(sshd["store"]) as s:
        assert s.scalar("SELECT count(*) FROM reviews WHERE reviewer != ?", (ME,)) == 0


def test_ssh_login_that_is_not_a_user_is_refused(sshd):
    r = subprocess.run([*sshd["ssh"], "-tt", "-p", str(sshd["stranger_port"]), f"{ME}@127.0.0.1"],
                       stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=TIMEOUT)
    text = (r.stdout + r.stderr).replace("\r", "")
    assert r.returncode == 4, text
    assert f"access denied: '{ME}' is not a clearterm user of this store" in text
    assert "12CR" not in text  # no queue, no case data
    for secret in SECRET:
        assert secret not in text
