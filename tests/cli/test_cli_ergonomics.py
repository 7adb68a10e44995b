"""The CLI as Typer and Unix users expect: -h, --version alone, completion, help without Python types."""

from __future__ import annotations

import re

import pytest
import typer.main
from typer.testing import CliRunner

from clearterm.cli.main import app

runner = CliRunner()


def _all_command_paths() -> list[list[str]]:
    root = typer.main.get_command(app)
    paths: list[list[str]] = [[]]

    def walk(cmd, prefix: list[str]) -> None:
        if hasattr(cmd, "commands"):
            for name, sub in cmd.commands.items():
                paths.append(prefix + [name])
                walk(sub, prefix + [name])

    walk(root, [])
    return paths


PATHS = _all_command_paths()


def test_every_command_is_walked():
    assert len(PATHS) > 30
    assert ["batch", "sign"] in PATHS


@pytest.mark.parametrize("path", PATHS, ids=lambda p: " ".join(p) or "clearterm")
def test_help_shows_no_python_types_and_h_means_help(path):
    long = runner.invoke(app, [*path, "--help"])
    short = runner.invoke(app, [*path, "-h"])
    assert long.exit_code == 0, long.output
    assert short.output == long.output
    for bad in ("<str>", "<int", "<float", "<path>", "list[", "Path]", "<bool>", "<datetime>"):
        assert bad not in long.output, (path, bad)
    assert not re.search(r"<(str|int|float|path|file|directory|bool|datetime|list|tuple)\b", long.output)


def test_version_alone():
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.output.startswith("clearterm ")


def test_completion_is_offered():
    result = runner.invoke(app, ["--help"])
    assert "--install-completion" in result.output
    assert "--show-completion" in result.output


def test_dates_and_numbers_read_as_such():
    ingest = runner.invoke(app, ["ingest", "--help"]).output
    assert "--today DATE" in ingest
    assert "FILE" in ingest
    queue = runner.invoke(app, ["queue", "--help"]).output
    assert "--limit N" in queue


def _command(path):
    cmd = typer.main.get_command(app)
    for name in path:
        cmd = cmd.commands[name]
    return cmd


@pytest.mark.parametrize("path", PATHS, ids=lambda p: " ".join(p) or "clearterm")
def test_usage_names_arguments_in_plain_upper_case_each_with_help(path):
    """Issue 18 (8): ``FILE...``, ``RECORD_ID``, ``NAME FULL_NAME``, never Typer's ``{record_id}``."""
    out = runner.invoke(app, [*path, "--help"]).output
    usage = out.splitlines()[0]
    assert usage.startswith("Usage:") and "{" not in usage and "}" not in usage, usage
    for word in re.findall(r"\[?([A-Za-z_]+)\]?(?:\.\.\.)?$", usage.split("[OPTIONS]")[-1].strip()):
        assert word == word.upper(), usage
    cmd = _command(path)
    for param in getattr(cmd, "params", []):
        if param.param_type_name == "argument":
            assert param.help, (path, param.name)  # every argument says what it is


def test_choice_options_are_offered_to_completion():
    queue = _command(["queue"])
    ctx = queue.make_context("queue", [], resilient_parsing=True)
    by_name = {p.name: p for p in queue.params}
    assert [c.value for c in by_name["track"].shell_complete(ctx, "p")] == ["petition"]
    assert [c.value for c in by_name["state"].shell_complete(ctx, "agen")] == ["agencies_told"]


def test_group_help_names_every_subcommand():
    for group in (["batch"], ["export"]):
        helpline = _command(group).help
        for name in _command(group).commands:
            assert name in helpline, (group, name)
