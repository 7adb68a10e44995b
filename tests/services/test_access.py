"""Users, roles and identity (clearterm.services.access), and the role checks of each command."""

from __future__ import annotations

import csv
import json
import os
import shutil
import sqlite3
import subprocess

import pytest
from typer.testing import CliRunner

from clearterm.services import access
from clearterm.cli.main import app
from clearterm.domain.record import CANONICAL_FIELDS
from clearterm.storage import audit, open_store
from clearterm.storage.audit import verify_chain
from conftest import SETUP_ADMIN, add_users

runner = CliRunner()


def cli(db, *args):
    r = runner.invoke(app, ["--db", str(db), *args])
    return r.exit_code, " ".join(((r.stdout or "") + (r.stderr or "")).split())


def events(db):
    with open_store(db) as s:
        return [(a, e, json.loads(d)) for a, e, d in s.conn.execute("SELECT actor, event, detail FROM audit ORDER BY seq")]


@pytest.fixture
def db(tmp_path):
    return tmp_path / "s.db"


# -- the library ---------------------------------------------------------------------------------------
def test_bootstrap_then_admin_only(db):
    with open_store(db) as s:
        with pytest.raises(access.UserError, match="first user must be an administrator"):
            access.add_user(s, "ann", ["reviewer"], actor="ann")
        access.add_user(s, "ann", ["admin"], actor="svc")  # the bootstrap
        with pytest.raises(access.AccessDenied, match="'bob' is not a clearterm user"):
            access.add_user(s, "carl", ["reviewer"], actor="bob")
        access.add_user(s, "bob", ["reviewer", "signer", "reviewer"], actor="ann", full_name="  Bob   Byrne ")
        with pytest.raises(access.AccessDenied, match="'bob' needs the admin role"):
            access.add_user(s, "carl", ["reviewer"], actor="bob")
        with pytest.raises(access.UserError, match="already exists"):
            access.add_user(s, "bob", ["reviewer"], actor="ann")
        with pytest.raises(access.UserError, match="unknown role 'judge'"):
            access.add_user(s, "carl", ["judge"], actor="ann")
        with pytest.raises(access.UserError, match="not a valid user name"):
            access.add_user(s, "carl smith", ["reviewer"], actor="ann")
        assert access.user_roles(s.conn, "bob") == {"reviewer", "signer"}
        assert access.display_name(s.conn, "bob") == "Bob Byrne"
        assert access.display_name(s.conn, "ann") == "ann"
        assert access.display_name(s.conn, "ghost") == "ghost"
        assert verify_chain(s.conn).ok
    assert events(db) == [
        ("svc", "user.add", {"user": "ann", "roles": ["admin"], "full_name_set": False, "bootstrap": True}),
        ("ann", "user.add", {"user": "bob", "roles": ["reviewer", "signer"], "full_name_set": True,
                             "full_name_sha256": audit.full_name_digest("bob", "Bob Byrne")}),
    ]
    with open_store(db) as s:
        assert audit.verify_state(s.conn).differences == []


def test_require_role_messages(db):
    add_users(db, {"rev": ["reviewer"], "off": ["reviewer", "signer"]})
    with open_store(db) as s:
        access.require_role(s.conn, "rev", "reviewer")
        access.require_user(s.conn, "rev")
        with pytest.raises(access.AccessDenied) as e:
            access.require_role(s.conn, "rev", "signer")
        assert str(e.value) == ("access denied: 'rev' needs the signer role for this; ask a clearterm admin to run: "
                                "clearterm users grant rev --role signer")
        with pytest.raises(access.AccessDenied, match="'nobody' is not a clearterm user of this store"):
            access.require_role(s.conn, "nobody", "reviewer")
        access.set_disabled(s, "off", True, actor=SETUP_ADMIN)
        assert access.user_roles(s.conn, "off") == frozenset()
        with pytest.raises(access.AccessDenied, match="user 'off' is disabled"):
            access.require_role(s.conn, "off", "signer")
        with pytest.raises(ValueError):
            access.require_role(s.conn, "rev", "superuser")
        # a message stays one printable line whatever the name holds
        with pytest.raises(access.AccessDenied) as e:
            access.require_role(s.conn, "x\n\x1b[31mred", "reviewer")
        assert "\n" not in str(e.value) and "\x1b" not in str(e.value)


def test_store_without_users_says_how_to_start(db):
    with open_store(db) as s, pytest.raises(access.AccessDenied, match="no users yet.*users add NAME --role admin"):
        access.require_role(s.conn, "ann", "reviewer")


def test_roles_change_disable_enable_and_never_delete(db):
    add_users(db, {"ann": ["admin"], "bob": ["reviewer"]})
    with open_store(db) as s:
        access.change_roles(s, "bob", grant=["signer"], actor="ann")
        access.change_roles(s, "bob", revoke=["reviewer"], actor="ann")
        assert access.user_roles(s.conn, "bob") == {"signer"}
        with pytest.raises(access.UserError, match="already has roles: signer"):
            access.change_roles(s, "bob", grant=["signer"], actor="ann")
        with pytest.raises(access.AccessDenied):
            access.change_roles(s, "ann", grant=["signer"], actor="bob")
        with pytest.raises(access.UserError, match="cannot disable yourself"):
            access.set_disabled(s, "ann", True, actor="ann")
        access.set_disabled(s, "bob", True, actor="ann")
        with pytest.raises(access.UserError, match="already disabled"):
            access.set_disabled(s, "bob", True, actor="ann")
        access.set_disabled(s, "bob", False, actor="ann")
        # the last enabled admin cannot lose the role or be disabled
        access.set_disabled(s, SETUP_ADMIN, True, actor="ann")
        with pytest.raises(access.UserError, match="last enabled admin"):
            access.change_roles(s, "ann", revoke=["admin"], actor="ann")
        with pytest.raises(sqlite3.DatabaseError, match="never deleted"):
            s.conn.execute("DELETE FROM users WHERE name = 'bob'")
        with pytest.raises(sqlite3.DatabaseError, match="never changes"):
            s.conn.execute("UPDATE users SET name = 'robert' WHERE name = 'bob'")
        assert verify_chain(s.conn).ok
    tail = [(a, e, d) for a, e, d in events(db) if d.get("user") in ("bob", SETUP_ADMIN) and e != "user.add"]
    assert tail == [
        ("ann", "user.roles", {"user": "bob", "before": ["reviewer"], "after": ["reviewer", "signer"]}),
        ("ann", "user.roles", {"user": "bob", "before": ["reviewer", "signer"], "after": ["signer"]}),
        ("ann", "user.disable", {"user": "bob"}),
        ("ann", "user.enable", {"user": "bob"}),
        ("ann", "user.disable", {"user": SETUP_ADMIN}),
    ]


def test_a_failed_change_writes_nothing(db):
    add_users(db, {"ann": ["admin"]})
    before = len(events(db))
    with open_store(db) as s:
        with pytest.raises(access.AccessDenied):
            access.add_user(s, "eve", ["admin"], actor="eve")
        assert access.get_user(s.conn, "eve") is None
    assert len(events(db)) == before


# -- identity ------------------------------------------------------------------------------------------
def test_login_user_and_acting_user_outside_sudo(login, monkeypatch):
    assert access.login_user() == login
    assert access.acting_user(None) == login
    assert access.acting_user(" alice ") == "alice"  # outside sudo, the file's owner may act for anyone
    with pytest.raises(access.UserError):
        access.acting_user("two words")
    # SUDO_* naming the same uid we run as is not "under sudo" (sudo -u self)
    monkeypatch.setenv("SUDO_USER", "mallory")
    monkeypatch.setenv("SUDO_UID", str(os.geteuid()))
    assert not access.under_sudo() and access.login_user() == login


def test_under_sudo_the_ssh_login_is_the_identity(login, monkeypatch):
    monkeypatch.setenv("SUDO_USER", "alice")
    monkeypatch.setenv("SUDO_UID", str(os.geteuid() + 1))  # sudo -u <service account> from alice's session
    monkeypatch.setenv("USER", "clearterm")  # what sudo sets: the target user
    assert access.under_sudo()
    assert access.login_user() == "alice"
    assert access.acting_user(None) == "alice"
    assert access.acting_user("alice") == "alice"
    with pytest.raises(access.AccessDenied, match="logged in as 'alice' and may not act as 'bob'"):
        access.acting_user("bob")


# -- the command line: each command that needs a role refuses without it --------------------------------
def _csv(path):
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=CANONICAL_FIELDS)
        w.writeheader()
        w.writerow({"record_id": "A1", "case_number": "10CR1", "statute": "720 ILCS 550/4(a)",
                    "disposition": "Plea Of Guilty", "person_id": "P1", "offense_date": "2012-01-02",
                    "disposition_date": "2012-03-02", "offense_class": "C"})
    return path


def test_ingest_and_evaluate_need_a_known_user(tmp_path, db, login, monkeypatch):
    src = _csv(tmp_path / "in.csv")
    code, text = cli(db, "ingest", str(src))
    assert code == 4 and "this store has no users yet" in text and "users add NAME --role admin" in text, text
    add_users(db, {login: []})  # records staff: known, no role
    code, text = cli(db, "ingest", str(src))
    assert code == 0, text
    code, text = cli(db, "evaluate", "--as-of", "2026-11-21")
    assert code == 0, text
    monkeypatch.setenv("LOGNAME", "stranger")
    monkeypatch.setenv("USER", "stranger")
    for args in (["ingest", str(src)], ["evaluate"]):
        code, text = cli(db, *args)
        assert code == 4 and text == ("error: access denied: 'stranger' is not a clearterm user of this store; "
                                      "ask a clearterm admin to run: clearterm users add stranger --role reviewer")
    acts = [(a, e) for a, e, _ in events(db) if e in ("ingest", "evaluate")]
    assert acts == [(login, "ingest"), (login, "evaluate")]
    ing = [d for _, e, d in events(db) if e == "ingest"][0]
    assert ing["file"] == "in.csv" and ing["inserted"] == 1 and len(ing["sha256"]) == 64


def test_a_policy_change_needs_an_admin_and_is_audited(tmp_path, db, login, monkeypatch):
    add_users(db, {login: [], "ann": ["admin"]})
    assert cli(db, "ingest", str(_csv(tmp_path / "in.csv")))[0] == 0
    assert cli(db, "evaluate", "--as-of", "2026-11-21")[0] == 0
    lake = tmp_path / "lake.toml"
    lake.write_text('office_county = "Lake"\n')
    same = tmp_path / "same.toml"
    same.write_text('office_county = "Cook"\n')
    assert cli(db, "evaluate", "--policy", str(same), "--as-of", "2026-11-21")[0] == 0  # same policy: fine
    code, text = cli(db, "evaluate", "--policy", str(lake))
    assert code == 4 and "needs the admin role" in text and "differs from the policy in force" in text, text
    monkeypatch.setenv("LOGNAME", "ann")
    monkeypatch.setenv("USER", "ann")
    code, text = cli(db, "evaluate", "--policy", str(lake), "--as-of", "2026-11-21")
    assert code == 0, text
    changes = [(a, d) for a, e, d in events(db) if e == "policy_change"]
    assert len(changes) == 1 and changes[0][0] == "ann"
    with open_store(db) as s:
        in_force = access.policy_in_force(s.conn)
    assert changes[0][1]["to"] == in_force and changes[0][1]["from"] != in_force
    # plain evaluate keeps the policy in force: records staff need no admin for it
    monkeypatch.setenv("LOGNAME", login)
    monkeypatch.setenv("USER", login)
    code, text = cli(db, "evaluate", "--as-of", "2026-11-22")
    assert code == 0 and f"policy {in_force[:12]}" in text, text
    assert len([e for _, e, _ in events(db) if e == "policy_change"]) == 1


def test_users_commands_need_admin(db, login, monkeypatch):
    code, text = cli(db, "users", "add", login, "--role", "reviewer")
    assert code == 2 and "first user must be an administrator" in text
    code, text = cli(db, "users", "add", login, "--role", "admin", "--full-name", "Tess Tester")
    assert code == 0 and text == f"added user {login} with roles: admin", text
    assert cli(db, "users", "add", "rev", "--role", "reviewer")[0] == 0
    code, text = cli(db, "users", "list")
    assert code == 0 and "Tess Tester" in text and "rev" in text
    monkeypatch.setenv("LOGNAME", "rev")
    monkeypatch.setenv("USER", "rev")
    for args in (["users", "add", "x", "--role", "reviewer"], ["users", "grant", login, "--role", "signer"],
                 ["users", "revoke", login, "--role", "admin"], ["users", "disable", login],
                 ["users", "enable", login], ["users", "list"]):
        code, text = cli(db, *args)
        assert code == 4 and text.startswith("error: access denied: 'rev' needs the admin role"), (args, text)
    code, text = cli(db, "whoami")
    assert code == 0 and text == "rev: enabled; roles: reviewer"
    monkeypatch.setenv("LOGNAME", login)
    monkeypatch.setenv("USER", login)
    assert cli(db, "users", "grant", "rev", "--role", "signer") == (0, "user rev now has roles: reviewer, signer")
    assert cli(db, "users", "disable", "rev") == (0, "user rev disabled")
    assert cli(db, "users", "enable", "rev") == (0, "user rev enabled")
    assert cli(db, "users", "grant", "rev") == (2, "error: give at least one --role")
    assert [e for _, e, _ in events(db)] == ["user.add", "user.add", "user.roles", "user.disable", "user.enable"]


def test_decide_needs_the_reviewer_role(tmp_path, db, login, monkeypatch):
    add_users(db, {login: ["reviewer"], "sig": ["signer"]})
    assert cli(db, "ingest", str(_csv(tmp_path / "in.csv")))[0] == 0
    assert cli(db, "evaluate", "--as-of", "2026-11-21")[0] == 0
    code, text = cli(db, "decide", "10CR1", "--approve", "--reviewer", "sig")
    assert code == 4 and "'sig' needs the reviewer role" in text, text
    code, text = cli(db, "decide", "10CR1", "--approve", "--reviewer", "ghost")
    assert code == 4 and "'ghost' is not a clearterm user" in text, text
    code, text = cli(db, "decide", "10CR1", "--approve", "--reviewer", "bad name")
    assert code == 2 and "not a valid user name" in text
    # under sudo, --reviewer may only name the SSH login
    monkeypatch.setenv("SUDO_USER", login)
    monkeypatch.setenv("SUDO_UID", str(os.geteuid() + 1))
    monkeypatch.setenv("USER", "svc")
    monkeypatch.setenv("LOGNAME", "svc")
    code, text = cli(db, "decide", "10CR1", "--approve", "--reviewer", "sig")
    assert code == 4 and f"logged in as '{login}' and may not act as 'sig'" in text
    with open_store(db) as s:
        assert s.scalar("SELECT count(*) FROM reviews") == 0
    code, text = cli(db, "decide", "10CR1", "--approve")
    assert code == 0 and f"by {login}" in text, text
    with open_store(db) as s:
        assert s.conn.execute("SELECT reviewer FROM reviews").fetchall() == [(login,)]
        assert s.scalar("SELECT actor FROM audit WHERE event = 'review.approve'") == login


# -- ssh-config ----------------------------------------------------------------------------------------
def test_ssh_config_prints_the_block_and_the_sudoers_line(tmp_path):
    store = tmp_path / "office.db"
    r = runner.invoke(app, ["ssh-config", "--group", "sao", "--service-user", "ctsvc", "--db", str(store)])
    assert r.exit_code == 0
    lines = [x.strip() for x in r.stdout.splitlines()]
    from clearterm.cli.access import installed_clearterm

    exe = installed_clearterm()
    assert exe.is_absolute() and os.access(exe, os.X_OK)
    assert "Match Group sao" in lines
    assert f"ForceCommand sudo -n -u ctsvc {exe} --db {store} review" in lines
    for opt in ("AllowTcpForwarding no", "AllowAgentForwarding no", "X11Forwarding no", "PermitTTY yes",
                "PermitTunnel no", "AllowStreamLocalForwarding no", "GatewayPorts no"):
        assert opt in lines, opt
    assert f"%sao ALL=(ctsvc) NOPASSWD: {exe} --db {store} review" in lines
    code = runner.invoke(app, ["ssh-config", "--db", str(tmp_path / "with space.db")]).exit_code
    assert code == 2
    assert runner.invoke(app, ["ssh-config", "--group", "x;rm"]).exit_code == 2


def test_ssh_config_block_is_accepted_by_sshd(tmp_path):
    sshd = shutil.which("sshd") or ("/usr/sbin/sshd" if os.path.exists("/usr/sbin/sshd") else None)
    if sshd is None:
        pytest.skip("sshd not installed")
    if os.geteuid() == 0:
        os.makedirs("/run/sshd", mode=0o755, exist_ok=True)  # sshd's privilege separation directory
    text = runner.invoke(app, ["ssh-config", "--db", str(tmp_path / "s.db")]).stdout
    block = text.split("# --- /etc/sudoers.d")[0]
    key = tmp_path / "hostkey"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True)
    cfg = tmp_path / "sshd_config"
    cfg.write_text(f"HostKey {key}\nPidFile none\nPort 2\n{block}\n")
    r = subprocess.run([sshd, "-t", "-f", str(cfg)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
