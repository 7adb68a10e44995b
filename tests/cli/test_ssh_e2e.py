"""Reviewing over real SSH, deployed as docs/deployment.md says: sudo, a service account, sshd.

The test builds the documented deployment with throw-away Unix accounts (unique names):

- a service account that owns the store (file 0600, directory 0700), built with the CLI run
  through ``sudo -u <service account>`` exactly as the deployment steps do;
- a reviewers' group with two members: a reviewer who is a user of the store, and a login that
  is in the group but not a user of the store;
- the ``clearterm ssh-config`` output, used verbatim: its ``Match Group`` block is the include
  of a private sshd's config, its sudoers line a file in /etc/sudoers.d (checked with
  ``visudo -cf``, mode 0440, removed at teardown);
- sshd on a loopback port, the real ssh client inside an 80x24 tmux window, keystrokes.

The installation the service account runs must be readable and executable by it (a venv under
``/root`` or a 0700 home is not). The test installs the code under test into a throw-away venv
(a world-readable temporary directory, nothing copied into system paths) whose interpreter the
service account can run: this interpreter's own base, else the system ``python3`` of the same
version; the venv's ``clearterm`` script is the one ``ssh-config`` prints.

Root is required (accounts, sudoers, sshd). Locally the test skips when not root or when sshd,
ssh, ssh-keygen, tmux, sudo or visudo is missing; with ``CLEARTERM_SSH_E2E=required`` (set by
.ci/run, which installs them) it fails instead. Teardown removes the sudoers file, the
accounts and group, and ends sshd, tmux and every process of the throw-away accounts, also
after a failure.
"""

from __future__ import annotations

import csv
import json
import os
import pwd
import secrets
import shlex
import shutil
import signal
import site
import socket
import subprocess
import sys
import sysconfig
import tempfile
import threading
import time
from pathlib import Path

import pytest

import clearterm
from clearterm.domain.record import CANONICAL_FIELDS

ME = pwd.getpwuid(os.geteuid()).pw_name
TIMEOUT = 20  # seconds for any one wait
AS_OF = "2026-11-21"
SECRET = ("Quillfeather", "Zorabeth", "1961-04-02", "4417 W Wabansia")  # not on the queue (only on a case)
SUDOERS_D = Path("/etc/sudoers.d")


def _unavailable(msg: str) -> None:
    if os.environ.get("CLEARTERM_SSH_E2E") == "required":
        pytest.fail(msg)
    pytest.skip(msg)


def _tool(name: str, extra: tuple[str, ...] = ()) -> str:
    found = shutil.which(name) or next((p for p in extra if os.access(p, os.X_OK)), None)
    if found is None:
        _unavailable(f"{name} is not installed (apt-get install sudo openssh-server openssh-client tmux)")
    return found


def _run(cmd: list[str], *, check: bool = True, **kw) -> subprocess.CompletedProcess:
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=kw.pop("timeout", 60), **kw)
    if check and r.returncode != 0:
        raise AssertionError(f"{shlex.join(cmd)} exited {r.returncode}\n{r.stdout}\n{r.stderr}")
    return r


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _listening(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


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


# -- the throw-away deployment -------------------------------------------------------------------------
def _processes_of(uids: set[int]) -> list[int]:
    """Pids of live processes whose real uid is one of ``uids`` (only the test's accounts)."""
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/status") as fh:
                for line in fh:
                    if line.startswith("Uid:"):
                        if int(line.split()[1]) in uids:
                            pids.append(int(entry))
                        break
        except OSError:
            continue
    return pids


def _end_processes(uids: set[int]) -> None:
    """Wait briefly for the accounts' processes to end with their sessions, then end those left."""
    if not uids:
        return
    end = time.monotonic() + 5
    while _processes_of(uids) and time.monotonic() < end:
        time.sleep(0.1)
    for sig in (signal.SIGTERM, signal.SIGKILL):
        for pid in _processes_of(uids):
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                pass
        time.sleep(0.3)


def _service_interpreter(as_service) -> str:
    """An interpreter of this Python version that the service account can execute."""
    version = f"{sys.version_info[0]}.{sys.version_info[1]}"
    candidates = [getattr(sys, "_base_executable", sys.executable), sys.executable,
                  f"/usr/bin/python{version}", f"/usr/local/bin/python{version}"]
    for c in dict.fromkeys(os.path.realpath(c) for c in candidates):
        if not os.path.isfile(c):
            continue
        r = as_service([c, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"], check=False)
        if r.returncode == 0 and r.stdout.strip() == version:
            return c
    _unavailable(f"no Python {version} interpreter the service account can execute (this one is "
                 f"{os.path.realpath(sys.executable)}); install python{version} for all users")
    raise AssertionError("unreachable")


def _install(venv: Path, interpreter: str, as_service) -> Path:
    """A venv of ``interpreter`` running the code under test; returns its ``clearterm`` script.

    The venv's .pth names the code root and this environment's site-packages (the installed
    dependencies); when the service account cannot read them in place, they are copied into
    the venv instead.
    """
    _run([interpreter, "-m", "venv", "--without-pip", str(venv)])
    purelib = Path(_run([str(venv / "bin" / "python"), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"]
                        ).stdout.strip())
    code_root = Path(clearterm.__file__).resolve().parents[1]
    deps = [Path(p) for p in dict.fromkeys([*site.getsitepackages(), sysconfig.get_path("purelib"),
                                            sysconfig.get_path("platlib")]) if Path(p).is_dir()]
    pth = purelib / "clearterm-e2e.pth"
    pth.write_text("".join(f"{p}\n" for p in [code_root, *deps]))
    script = venv / "bin" / "clearterm"
    script.write_text(f"#!{venv / 'bin' / 'python'}\nimport sys\nfrom clearterm.cli.main import main\nsys.exit(main())\n")
    script.chmod(0o755)
    probe = [str(venv / "bin" / "python"), "-c", "import clearterm.cli, clearterm.tui; print(clearterm.__file__)"]
    r = as_service(probe, check=False)
    if r.returncode != 0 or not r.stdout.strip().startswith(str(code_root)):
        # Not readable by the service account where it lies (e.g. under /root): copy it in.
        shutil.copytree(code_root / "clearterm", purelib / "clearterm",
                        ignore=shutil.ignore_patterns("__pycache__"))
        for d in deps:
            shutil.copytree(d, purelib, symlinks=True, dirs_exist_ok=True,
                            ignore=shutil.ignore_patterns("__editable__*", "*clearterm*", "__pycache__"))
        pth.write_text("")
        r = as_service(probe, check=False)
        assert r.returncode == 0, f"the service account cannot run the installation: {r.stderr}"
    return script


@pytest.fixture(scope="module")
def deployment():
    if os.geteuid() != 0:
        _unavailable("the SSH deployment test needs root (Unix accounts, sudoers, sshd)")
    sshd_bin = _tool("sshd", ("/usr/sbin/sshd", "/usr/local/sbin/sshd"))
    for name in ("ssh", "ssh-keygen", "tmux", "sudo"):
        _tool(name)
    visudo = _tool("visudo", ("/usr/sbin/visudo",))
    for name in ("useradd", "userdel", "groupadd", "groupdel"):
        _tool(name, (f"/usr/sbin/{name}",))
    if not SUDOERS_D.is_dir():
        _unavailable(f"{SUDOERS_D} does not exist (sudo is not installed as Debian installs it)")

    tag = secrets.token_hex(3)
    svc, group = f"ct-svc-{tag}", f"ct-rev-{tag}"
    reviewer, stranger = f"ct-a-{tag}", f"ct-b-{tag}"
    top = Path(tempfile.mkdtemp(prefix="clearterm-e2e-"))
    top.chmod(0o755)  # the accounts must reach the installation and their homes below
    sudoers = SUDOERS_D / f"clearterm-e2e-{tag}"  # no '.' in the name: sudo skips such files
    made_users: list[str] = []
    made_group = False
    uids: set[int] = set()
    sshd = None
    log = None
    try:
        # 1. The service account and the reviewers' group (docs/deployment.md, step 1).
        srv = top / "srv"
        _run(["useradd", "--system", "--user-group", "--home-dir", str(srv), "--no-create-home",
              "--shell", "/usr/sbin/nologin", svc])
        made_users.append(svc)
        _run(["groupadd", "--system", group])
        made_group = True
        homes = top / "home"
        homes.mkdir(mode=0o755)
        for login in (reviewer, stranger):
            # '*' as the password: no password login, yet not "locked" (sshd without PAM refuses '!').
            _run(["useradd", "--create-home", "--home-dir", str(homes / login), "--shell", "/bin/sh",
                  "--password", "*", "--groups", group, login])
            made_users.append(login)
            (homes / login).chmod(0o700)  # as Debian 12's adduser makes homes
        uids = {pwd.getpwnam(u).pw_uid for u in made_users}
        srv.mkdir(mode=0o700)
        shutil.chown(srv, svc, svc)

        def as_service(cmd: list[str], check: bool = True, **kw) -> subprocess.CompletedProcess:
            return _run(["sudo", "-n", "-u", svc, *cmd], check=check, cwd=top, **kw)

        # The installation: the venv's clearterm script is what ssh-config prints.
        install = top / "opt"
        install.mkdir(mode=0o755)
        clearterm_bin = _install(install / "clearterm", _service_interpreter(as_service), as_service)

        # 2. The store, owned by the service account, built with the CLI through sudo as documented.
        data = srv / "data"
        as_service(["install", "-d", "-m", "0700", str(data)])
        db = data / "office.db"
        extract = srv / "extract.csv"
        _write_records(extract)
        shutil.chown(extract, svc, svc)
        extract.chmod(0o600)
        ct = [str(clearterm_bin), "--db", str(db)]
        as_service([*ct, "users", "add", ME, "--role", "admin"])  # under sudo the admin acts as themselves
        as_service([*ct, "users", "add", reviewer, "--role", "reviewer", "--full-name", "Test Reviewer"])
        as_service([*ct, "ingest", str(extract)])
        as_service([*ct, "evaluate", "--as-of", AS_OF])

        # 3. sshd and sudo, from ssh-config's output verbatim.
        r = as_service([str(clearterm_bin), "ssh-config", "--group", group, "--service-user", svc, "--db", str(db)])
        assert r.stderr == "", r.stderr  # no warning: the service account can run this installation
        printed = r.stdout
        blocks = printed.split("\n\n")
        assert len(blocks) == 2 and blocks[0].startswith("# --- /etc/ssh/sshd_config"), printed
        sshd_block = blocks[0].split("\n", 1)[1]
        sudoers_text = blocks[1]
        assert sudoers_text.startswith("# --- /etc/sudoers.d/clearterm"), printed

        staged = top / "sudoers.staged"
        staged.write_text(sudoers_text if sudoers_text.endswith("\n") else sudoers_text + "\n")
        staged.chmod(0o440)
        _run([visudo, "-c", "-q", "-f", str(staged)])
        fd = os.open(sudoers, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o440)
        with os.fdopen(fd, "w") as fh:
            fh.write(staged.read_text())
        _run([visudo, "-c", "-q"])  # the whole sudoers, with our file, still parses

        client = top / "client"  # root's: keys, sshd config and log, tmux socket
        client.mkdir(mode=0o700)
        for name in ("host_key", "user_key", "stranger_key"):
            _run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "clearterm-e2e", "-f", str(client / name)])
        keys = top / "keys"
        keys.mkdir(mode=0o755)
        for login, key in ((reviewer, "user_key"), (stranger, "stranger_key")):
            (keys / login).write_text((client / f"{key}.pub").read_text())
            (keys / login).chmod(0o644)
        include = client / "sshd_clearterm.conf"
        include.write_text(sshd_block + "\n")
        port = _free_port()
        cfg = client / "sshd_config"
        cfg.write_text(f"""\
Port {port}
ListenAddress 127.0.0.1
HostKey {client / 'host_key'}
PidFile none
AuthorizedKeysFile {keys}/%u
StrictModes no
UsePAM no
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
AllowGroups {group}
LogLevel VERBOSE
Include {include}
""")
        os.makedirs("/run/sshd", mode=0o755, exist_ok=True)  # sshd's privilege-separation directory
        _run([sshd_bin, "-t", "-f", str(cfg)])
        log = open(client / "sshd.log", "w")
        sshd = subprocess.Popen([sshd_bin, "-D", "-e", "-f", str(cfg)], stdout=log, stderr=subprocess.STDOUT)

        def up() -> bool:
            if sshd.poll() is not None:
                pytest.fail(f"sshd exited: {(client / 'sshd.log').read_text()}")
            return _listening(port)

        _wait(up, "sshd to listen", on_fail=lambda: (client / "sshd.log").read_text())
        ssh = ["ssh", "-F", "/dev/null", "-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes",
               "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR",
               "-p", str(port)]

        def store_query(sql: str, *params: str) -> list:
            """Rows of ``sql`` on the store, read as the service account (read-only)."""
            code = ("import json, sqlite3, sys\n"
                    f"c = sqlite3.connect('file:{db}?mode=ro', uri=True)\n"
                    "print(json.dumps(c.execute(sys.argv[1], sys.argv[2:]).fetchall()))")
            return json.loads(as_service([str(install / "clearterm" / "bin" / "python"), "-c", code, sql, *params]
                                         ).stdout)

        yield {"top": top, "client": client, "db": db, "svc": svc, "group": group, "reviewer": reviewer,
               "stranger": stranger, "clearterm": clearterm_bin, "sshd_block": sshd_block,
               "sudoers_text": sudoers_text, "sudoers": sudoers, "port": port, "log": client / "sshd.log",
               "homes": homes, "as_service": as_service, "query": store_query,
               "ssh": [*ssh, "-i", str(client / "user_key"), f"{reviewer}@127.0.0.1"],
               "ssh_stranger": [*ssh, "-i", str(client / "stranger_key"), f"{stranger}@127.0.0.1"]}
    finally:
        # The sudoers rule first: it is the one thing that grants anything.
        sudoers.unlink(missing_ok=True)
        if sshd is not None:
            sshd.terminate()
            try:
                sshd.wait(timeout=5)
            except subprocess.TimeoutExpired:
                sshd.kill()
                sshd.wait()
        if log is not None:
            log.close()
        _end_processes(uids)
        for user in reversed(made_users):
            _run(["userdel", user], check=False)
        if made_group:
            _run(["groupdel", group], check=False)
        shutil.rmtree(top, ignore_errors=True)


# -- tmux ------------------------------------------------------------------------------------------------
class Tmux:
    """A private tmux server (own socket) holding one 80x24 window."""

    def __init__(self, d: Path):
        self.sock = str(d / f"tmux-{secrets.token_hex(3)}.sock")

    def __call__(self, *args: str, check: bool = True) -> str:
        r = subprocess.run(["tmux", "-S", self.sock, *args], capture_output=True, text=True, timeout=TIMEOUT)
        if check and r.returncode != 0:
            raise AssertionError(f"tmux {' '.join(args)}: {r.stderr}")
        return r.stdout

    def screen(self) -> str:
        return self("capture-pane", "-p", "-t", "e2e", check=False)

    def kill(self) -> None:
        self("kill-server", check=False)


def _open_workstation(dep, tmux: Tmux, term: str, *remote: str) -> str:
    """Start ``ssh -t`` in an 80x24 tmux window with TERM=term; return the screen once the workstation
    shows the first case (the queue, or that case's screen when it resumes where the reviewer left off)."""
    ssh = [*dep["ssh"][:-1], "-t", dep["ssh"][-1], *remote]
    # After ssh exits, print its status and keep the pane for capture.
    shell = f"TERM={term} {shlex.join(ssh)}; echo \"[ssh exit $?]\"; sleep 60"
    tmux("new-session", "-d", "-s", "e2e", "-x", "80", "-y", "24", shell)
    screen = _wait(lambda: (s := tmux.screen()) and "12CR0001" in s and s,
                   "the review queue to show over SSH",
                   on_fail=lambda: tmux.screen() + "\n--- sshd log ---\n" + dep["log"].read_text())
    assert "[ssh exit" not in screen
    lines = screen.splitlines()
    assert len(lines) <= 24 and all(len(x) <= 80 for x in lines)
    assert "reviewer " + dep["reviewer"] in screen
    return screen


def _quit(tmux: Tmux) -> None:
    tmux("send-keys", "-t", "e2e", "C-q")
    _wait(lambda: "[ssh exit 0]" in tmux.screen(), "ssh to end with status 0 after ctrl+q", on_fail=tmux.screen)


# -- the checks --------------------------------------------------------------------------------------------
def test_deployment_is_the_documented_one(deployment):
    dep = deployment
    st, dst = os.stat(dep["db"]), os.stat(dep["db"].parent)
    svc_uid = pwd.getpwnam(dep["svc"]).pw_uid
    assert (st.st_uid, st.st_mode & 0o777) == (svc_uid, 0o600)
    assert (dst.st_uid, dst.st_mode & 0o777) == (svc_uid, 0o700)
    # ssh-config's block and rule, as installed, name the service account and this store.
    command = f"{dep['clearterm']} --db {dep['db']} review"
    assert f"Match Group {dep['group']}\n" in dep["sshd_block"]
    assert f"    ForceCommand sudo -n -u {dep['svc']} {command}\n" in dep["sshd_block"]
    assert f"%{dep['group']} ALL=({dep['svc']}) NOPASSWD: {command}" in dep["sudoers_text"]
    assert oct(os.stat(dep["sudoers"]).st_mode & 0o777) == oct(0o440)
    # The rule grants that one command and nothing else: not a shell, not other arguments.
    for other in (["/bin/sh", "-c", "id"], [str(dep["clearterm"]), "--db", str(dep["db"]), "queue"]):
        r = _run(["sudo", "-n", "-u", dep["reviewer"], "sudo", "-n", "-u", dep["svc"], *other], check=False)
        assert r.returncode != 0 and r.stdout == "", r
    # The audit log records who set the store up (the admin's own login under sudo).
    assert dep["query"]("SELECT DISTINCT actor FROM audit ORDER BY actor") == [[ME]]


def test_ssh_t_opens_the_workstation_and_the_audit_names_the_ssh_login(deployment):
    dep = deployment
    tmux = Tmux(dep["client"])
    try:
        screen = _open_workstation(dep, tmux, "xterm-256color")
        assert "12CR0002" in screen and "12CR0003" in screen and "0 of 3 decided" in screen  # the queue
        for secret in SECRET:
            assert secret not in screen  # the queue shows case numbers and person ids only
        (case_id,) = dep["query"]("SELECT id FROM cases WHERE case_number = '12CR0001'")[0]
        tmux("send-keys", "-t", "e2e", "a")
        rows = _wait(lambda: dep["query"]("SELECT action, reviewer, case_id FROM reviews"),
                     "the approval to be stored", on_fail=tmux.screen)
        _quit(tmux)
    finally:
        tmux.kill()

    who = dep["reviewer"]
    assert rows == [["approve", who, case_id]]
    assert dep["query"]("SELECT actor, event, case_id FROM audit WHERE event LIKE 'review.%'") == [
        [who, "review.approve", case_id]]
    status = dep["query"]("SELECT status FROM case_status WHERE case_id = CAST(? AS INTEGER)", str(case_id))
    assert status == [["approved"]]
    code = ("import sqlite3, sys\nfrom clearterm.storage.audit import verify_chain\n"
            f"r = verify_chain(sqlite3.connect('file:{dep['db']}?mode=ro', uri=True))\nsys.exit(0 if r.ok else 1)")
    dep["as_service"]([str(dep["clearterm"].parent / "python"), "-c", code])
    assert f"Accepted publickey for {who}" in dep["log"].read_text()


def test_a_remote_command_runs_the_workstation_and_nothing_else(deployment):
    """``ssh -t host CMD`` (here with a 16-colour TERM) gets the workstation; CMD never runs."""
    dep = deployment
    marker = dep["homes"] / dep["reviewer"] / "ran"
    tmux = Tmux(dep["client"])
    try:
        _open_workstation(dep, tmux, "xterm", f"touch {marker}; sh -i")
        _quit(tmux)
    finally:
        tmux.kill()
    assert not marker.exists()


def test_ssh_without_a_terminal_prints_one_line(deployment):
    dep = deployment
    marker = dep["homes"] / dep["reviewer"] / "ran"
    for remote in ([], [f"touch {marker}"], ["-T"]):
        cmd = [*dep["ssh"][:-1], *remote, dep["ssh"][-1]] if remote == ["-T"] else [*dep["ssh"], *remote]
        r = _run(cmd, check=False, stdin=subprocess.DEVNULL, timeout=TIMEOUT)
        assert r.returncode != 0, r
        assert r.stdout == "", r
        lines = r.stderr.strip().splitlines()
        assert len(lines) == 1 and "needs a terminal" in lines[0] and "ssh -t" in lines[0], r.stderr
        assert not marker.exists()


def _target() -> tuple[socket.socket, list]:
    """A local listener standing for a service the reviewer would reach through a forward."""
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen()
    srv.settimeout(0.2)
    hits: list = []

    def accept() -> None:
        while True:
            try:
                conn, _ = srv.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            hits.append(1)
            conn.close()

    threading.Thread(target=accept, daemon=True).start()
    return srv, hits


def test_port_forwarding_is_refused(deployment):
    dep = deployment
    ssh = [("LogLevel=INFO" if a == "LogLevel=ERROR" else a) for a in dep["ssh"][:-1]]  # to see the refusals
    login = dep["ssh"][-1]
    target, hits = _target()
    tport = target.getsockname()[1]
    procs = []
    try:
        # -L and -D: ssh listens locally; a connection through it must not reach the target.
        for flag, spec in (("-L", lambda p: f"{p}:127.0.0.1:{tport}"), ("-D", lambda p: str(p))):
            local = _free_port()
            p = subprocess.Popen([*ssh, "-N", flag, spec(local), login],
                                 stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            procs.append(p)
            _wait(lambda: _listening(local) or p.poll() is not None, f"ssh {flag} to listen")
            with socket.create_connection(("127.0.0.1", local), timeout=TIMEOUT) as c:
                c.settimeout(TIMEOUT)
                if flag == "-D":  # SOCKS5: no auth, then CONNECT 127.0.0.1:tport
                    c.sendall(b"\x05\x01\x00")
                    assert c.recv(2) == b"\x05\x00"
                    c.sendall(b"\x05\x01\x00\x01" + socket.inet_aton("127.0.0.1") + tport.to_bytes(2, "big"))
                    reply = c.recv(10)
                    assert reply == b"" or reply[1] != 0, reply  # a SOCKS failure or closed
                else:
                    assert c.recv(1) == b""  # closed at once: the channel was refused
            p.kill()  # ssh -N does not end on SIGTERM while it holds a forward
            _, stderr = p.communicate(timeout=TIMEOUT)
            assert "administratively prohibited" in stderr, (flag, stderr)
        # -W (stdio forwarding) and -R: refused outright.
        r = _run([*ssh, "-W", f"127.0.0.1:{tport}", login], check=False,
                 stdin=subprocess.DEVNULL, timeout=TIMEOUT)
        assert r.returncode != 0 and r.stdout == "", r
        assert "administratively prohibited" in r.stderr or "forwarding failed" in r.stderr, r.stderr
        rport = _free_port()
        r = _run([*ssh, "-N", "-o", "ExitOnForwardFailure=yes", "-R", f"{rport}:127.0.0.1:{tport}", login],
                 check=False, stdin=subprocess.DEVNULL, timeout=TIMEOUT)
        assert r.returncode != 0 and "remote port forwarding failed" in r.stderr, r
        assert not _listening(rport)
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.communicate()
        target.close()
    assert hits == []  # nothing reached the target
    refused = dep["log"].read_text().count(f"refused local port forward: originator 127.0.0.1")
    assert refused >= 3, dep["log"].read_text()  # -L (and its readiness probe), -D, -W


def test_group_member_who_is_not_a_store_user_gets_one_clear_line(deployment):
    dep = deployment
    who = dep["stranger"]
    r = _run([*dep["ssh_stranger"][:-1], "-tt", dep["ssh_stranger"][-1]], check=False,
             stdin=subprocess.DEVNULL, timeout=TIMEOUT)
    text = (r.stdout + r.stderr).replace("\r", "")
    lines = [x for x in text.splitlines() if x.strip()]
    assert r.returncode == 4, text
    assert lines == [f"error: access denied: '{who}' is not a clearterm user of this store; ask a clearterm "
                     f"admin to run: clearterm users add {who} --role reviewer"], text
    assert "internal error" not in text
    assert "12CR" not in text  # no queue, no case data
    for secret in SECRET:
        assert secret not in text
    assert dep["query"]("SELECT count(*) FROM audit WHERE actor = ?", who) == [[0]]


# Slow (subprocesses, kill trials, a real terminal or many workstation sessions): CI runs it, the
# everyday run (pytest -m "not slow") leaves it out.
pytestmark = pytest.mark.slow
