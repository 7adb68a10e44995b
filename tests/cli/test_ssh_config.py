"""``clearterm ssh-config`` warns when the service account cannot run the installation it prints.

The sudoers rule and ForceCommand name this installation's ``clearterm``; sudo runs it as the
service account, so a venv under ``/root`` (mode 0700) or a private home cannot work.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from clearterm.cli import access as cli_access
from clearterm.cli.main import app
from clearterm.cli.access import unreachable_for

runner = CliRunner()
OTHER = "nobody"  # an account that owns nothing here


@pytest.fixture
def tree():
    """top (0700, this user's) / opt / bin / clearterm (0755); top lies in /tmp, which all may search."""
    try:
        import pwd

        pwd.getpwnam(OTHER)
    except KeyError:
        pytest.skip(f"no '{OTHER}' account")
    top = Path(tempfile.mkdtemp(prefix="clearterm-reach-"))
    script = top / "opt" / "bin" / "clearterm"
    script.parent.mkdir(parents=True)
    script.write_text("#!/bin/sh\n")
    script.chmod(0o755)
    yield top, script
    shutil.rmtree(top)


def test_a_private_directory_above_the_installation_is_named(tree):
    top, script = tree
    top.chmod(0o700)
    assert unreachable_for(OTHER, [script]) == f"{top} (mode 0700) keeps it from {script}"


def test_an_installation_all_may_read_and_run_passes(tree):
    top, script = tree
    top.chmod(0o755)
    assert unreachable_for(OTHER, [script, script.parent]) is None


def test_a_script_only_its_owner_may_read_is_named(tree):
    top, script = tree
    top.chmod(0o755)
    script.chmod(0o700)
    assert unreachable_for(OTHER, [script]) == f"{script} (mode 0700) is not readable and executable by it"


def test_a_symlink_into_a_private_directory_is_followed(tree):
    top, script = tree
    top.chmod(0o755)
    private = top / "private"
    private.mkdir(mode=0o700)
    real = private / "python3"
    real.write_text("")
    real.chmod(0o755)
    link = top / "opt" / "bin" / "python"
    link.symlink_to(real)
    assert unreachable_for(OTHER, [link]) == f"{private} (mode 0700) keeps it from {real}"


def test_no_such_account_or_root_is_not_judged(tree):
    top, script = tree
    top.chmod(0o700)
    assert unreachable_for("no-such-account-ct", [script]) is None
    assert unreachable_for("root", [script]) is None


def test_ssh_config_warns_on_stderr_and_still_prints_the_config(tree, monkeypatch):
    top, script = tree
    top.chmod(0o700)
    monkeypatch.setattr(cli_access, "installation_paths", lambda clearterm: [script])
    r = runner.invoke(app, ["ssh-config", "--service-user", OTHER, "--group", "g", "--db", "/srv/ct/office.db"])
    assert r.exit_code == 0
    assert r.stderr.startswith(f"warning: the service account '{OTHER}' cannot run this installation: {top} "
                               "(mode 0700)"), r.stderr
    assert "Match Group g" in r.stdout and "warning" not in r.stdout
    top.chmod(0o755)
    r = runner.invoke(app, ["ssh-config", "--service-user", OTHER, "--group", "g", "--db", "/srv/ct/office.db"])
    assert r.exit_code == 0 and r.stderr == ""


def test_the_installation_paths_include_the_interpreter_and_the_package():
    paths = cli_access.installation_paths(Path("/opt/clearterm/bin/clearterm"))
    assert Path(os.path.realpath(sys.executable)) in paths
    assert any((p / "cli" / "access.py").exists() for p in paths)
