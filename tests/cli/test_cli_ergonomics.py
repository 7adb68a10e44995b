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
