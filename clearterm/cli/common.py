"""What every ``clearterm`` command shares: the consoles, the invocation's context, one-line
failures, opening the store and output files, the acting user, the progress bar and the text
of an internal error.

Expected failures (bad input, a store problem) print one line naming the file and exit with
code 2; nothing here prints a name, a date of birth or an address.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import typer

from clearterm import settings
from clearterm.cli.console import SafeConsole
from clearterm.storage.store import StoreError, fix_permissions, open_store

# Every command prints through these: control characters in data are shown, never sent to the
# terminal, and console markup is off unless asked for (clearterm/cli/console.py).
out = SafeConsole(highlight=False)
err = SafeConsole(stderr=True, highlight=False)

#: Exit code of an unexpected internal error (EX_SOFTWARE).
EXIT_INTERNAL = 70
#: Where the signing key's passphrase may be given (read through clearterm.settings).
PASSPHRASE_ENV = "CLEARTERM_KEY_PASSPHRASE"


@dataclass
class CliContext:
    """One invocation's settings, from the root options; put in ``typer.Context.obj`` by the
    root callback (:mod:`clearterm.cli.main`). A command takes ``ctx: typer.Context`` and reads
    it through :func:`context` (or passes ``ctx`` on to :func:`store_for_command`)."""

    db: Path = Path(settings.DEFAULT_DB)
    fix_permissions: bool = False


def context(ctx: typer.Context) -> CliContext:
    """The invocation's :class:`CliContext`, which the root callback put in ``ctx.obj``."""
    return ctx.ensure_object(CliContext)  # found up the chain, or a default one (no root app)


def say(text: str) -> None:
    """One line (or more) of plain text on stdout: no markup, no highlighting."""
    out.print(text, markup=False, highlight=False, soft_wrap=True)


def problem(text: str) -> None:
    """One line (or more) of plain text on stderr: no markup, no highlighting."""
    err.print(text, markup=False, highlight=False, soft_wrap=True)


def fail(message: str, code: int = 2) -> typer.Exit:
    """Print ``error: message`` on stderr; return the exit to raise (``raise fail(...)``)."""
    problem(f"error: {message}")
    return typer.Exit(code)


def store_for_command(ctx: typer.Context, *, create: bool = True, synchronous: str = "FULL"):
    """Open the store named by --db / CLEARTERM_DB, turning problems into one clear line."""
    cli = context(ctx)
    try:
        if cli.fix_permissions:
            fix_permissions(cli.db)
        store = open_store(cli.db, create=create, synchronous=synchronous)
    except StoreError as exc:
        raise fail(str(exc)) from None
    for warning in store.warnings:
        problem(f"warning: {warning}")
    return store


def actor_for(store, role: str | None = None, explicit: str | None = None) -> str:
    """The acting user (``explicit``, e.g. ``--reviewer``, else the login user), who must be a
    known, enabled user of the store (holding ``role`` if given).

    On refusal the store is closed and the command exits with one line (code 4; a malformed
    ``explicit`` name: code 2).
    """
    from clearterm.services import access

    try:
        who = access.acting_user(explicit)
        if role is None:
            access.require_user(store.conn, who)
        else:
            access.require_role(store.conn, who, role)
    except access.AccessDenied as exc:
        store.close()
        raise fail(str(exc), access.EXIT_DENIED) from None
    except access.UserError as exc:
        store.close()
        raise fail(str(exc)) from None
    return who


def login_user(explicit: str | None = None) -> str:
    """The acting user's name (``explicit`` else the login user), not checked against a store
    (exit 4 if it may not be used, 2 if malformed)."""
    from clearterm.services import access

    try:
        return access.acting_user(explicit)
    except access.AccessDenied as exc:
        raise fail(str(exc), access.EXIT_DENIED) from None
    except access.UserError as exc:
        raise fail(str(exc)) from None


def is_stdout(path: Path | str | None) -> bool:
    """True when an output option was given as ``-``: standard output."""
    return path is not None and str(path) == "-"


def refuse_stdout(path: Path | str | None, option: str = "--out", what: str = "a folder") -> None:
    """Refuse ``-`` (standard output) for an option whose output is ``what`` (a folder, a SQLite
    file, a signed pair of files): one error line, exit 2. Call it before anything is opened,
    written or audited."""
    if is_stdout(path):
        raise fail(f"{option} - (standard output) cannot be used here: the output is {what}; give a path")


def open_output(path: Path):
    """``path`` opened for writing text, readable by its owner only (0600: exports hold personal
    data), or one clear line (exit 2) if it cannot be. An existing file is made 0600 before it is
    rewritten. ``-`` is standard output (left open when the ``with`` block ends)."""
    if is_stdout(path):
        return _StdoutHandle()
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.fchmod(fd, 0o600)
        return open(fd, "w", newline="", encoding="utf-8")
    except OSError as exc:
        raise fail(f"cannot write {path}: {exc.strerror or 'not writable'}") from None


class _StdoutHandle:
    """Standard output as :func:`open_output` returns it: written through, never closed."""

    def __enter__(self):
        return sys.stdout

    def __exit__(self, *exc) -> None:
        sys.stdout.flush()

    def write(self, text: str) -> int:
        return sys.stdout.write(text)

    def close(self) -> None:
        sys.stdout.flush()


def read_passphrase(path: Path | None) -> str:
    """The signing key's passphrase: from the file (first line), else the environment, else asked
    (without echo) on a terminal."""
    if path is not None:
        try:
            return path.read_text(encoding="utf-8").splitlines()[0] if path.stat().st_size else ""
        except OSError as exc:
            raise fail(f"cannot read passphrase file {path}: {exc.strerror}") from None
    env = settings.key_passphrase()
    if env is not None:
        return env
    if not sys.stdin.isatty():
        raise fail(f"no passphrase: give --passphrase-file FILE or set {PASSPHRASE_ENV}")
    return typer.prompt("Passphrase of the signing key", hide_input=True)


def show_progress() -> bool:
    """Progress bars only on a terminal, and never under CI."""
    return err.is_terminal and settings.show_progress_allowed()


@contextmanager
def progress_bar(label: str, total: int | None = None, *,
                 eta: bool = True) -> Iterator[Callable[..., None] | None]:
    """A transient progress bar on stderr named ``label``, yielding ``update(done, total=None)``
    to pass to the work as its progress callback; yields None (no callback) when no bar is drawn."""
    if not show_progress():
        yield None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    columns = [TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn()]
    if eta:
        columns.append(TimeRemainingColumn())
    with Progress(*columns, console=err, transient=True) as bar:
        task = bar.add_task(label, total=total)

        def update(done: int, total: int | None = None) -> None:
            bar.update(task, completed=done, total=total)

        yield update


def internal_error_text(exc: BaseException) -> str:
    """An unexpected exception as its type and the frames it went through: no message, no locals.

    A message can quote the data being processed (a KeyError on a name, a ValueError quoting a
    row), so it is withheld; set CLEARTERM_DEBUG=1 to see the full traceback (test data only).
    """
    from clearterm.errors import error_frames

    where = " < ".join(f"{name}:{line} {func}" for name, line, func in reversed(error_frames(exc, 4)))
    return (f"error: internal error ({type(exc).__name__} at {where or 'unknown'}); details withheld as they may "
            "hold personal data; each write is one transaction, so the store is consistent "
            "(CLEARTERM_DEBUG=1 shows the traceback: test data only)")


#: SQLite's own fixed result texts (sqlite3_errstr): they never quote data, so they may be shown.
_SQLITE_DAMAGE = ("database disk image is malformed", "file is not a database", "disk I/O error",
                  "database or disk is full", "attempt to write a readonly database", "unable to open database file")


def store_damage(exc: BaseException) -> str | None:
    """SQLite's own text when ``exc`` says the store file is damaged or unusable, else None."""
    import sqlite3

    if isinstance(exc, sqlite3.DatabaseError) and str(exc) in _SQLITE_DAMAGE:
        return str(exc)
    return None


#: How help names a value, by Typer's type label (it would print ``<list[Path]>``, ``<int range>``).
_PLAIN_TYPES = {"str": "TEXT", "int": "N", "int range": "N", "float": "NUMBER", "float range": "NUMBER",
                "path": "PATH", "file": "FILE", "directory": "DIR", "bool": "", "datetime": "DATE"}


#: Options whose text value is a date (any option with "date" in its name is one too).
_DATE_OPTIONS = {"today", "since", "until", "as_of", "served", "date"}


def _plain_label(label: str) -> str:
    inner = label[1:-1] if label.startswith("<") and label.endswith(">") else label
    if inner.startswith("list[") and inner.endswith("]"):
        inner = inner[5:-1]
    if inner.lower() in _PLAIN_TYPES:
        return _PLAIN_TYPES[inner.lower()]
    if "|" in inner:  # a choice: its values, as the user types them
        return "[" + inner + "]"
    return inner.upper()


def plain_help_types() -> None:
    """Help shows values as users read them (``PATH``, ``N``, ``TEXT``, ``[a|b]``), never Python
    types; an argument shows only its name (``CASE``, ``ID``). Typer (pinned) has no setting for
    it, so its labelling methods are replaced here; ``tests/cli/test_cli_ergonomics.py`` checks
    every command's help."""
    import typer.core

    base = typer.core._TyperParameter
    if getattr(base.display_type, "_clearterm_plain", False):
        return
    original = base.display_type

    def display_type(self, ctx):  # noqa: ANN001 - Typer's signature
        if isinstance(self, typer.core.TyperArgument):
            return ""
        label = _plain_label(original(self, ctx))
        name = self.name or ""
        if label == "TEXT" and ("date" in name or name in _DATE_OPTIONS):
            return "DATE"
        return label

    display_type._clearterm_plain = True  # type: ignore[attr-defined]
    base.display_type = display_type

    # An argument reads as Unix usage lines write it: RECORD_ID, FILE..., [CASE] (Typer: {record_id}).
    arg = typer.core.TyperArgument

    def usage_name(self) -> str:  # noqa: ANN001
        name = self.display_name_raw.upper()
        name = name if self.required else f"[{name}]"
        return name + ("..." if self.nargs != 1 else "")

    def help_name(self) -> str:  # noqa: ANN001
        return self.display_name_raw.upper() + ("..." if self.metavar is None and self.nargs != 1 else "")

    arg._usage_display_name = usage_name
    arg._rich_display_name = help_name


#: Typer's (pydantic's) wording of a bad number, by error type: what clearterm says instead.
_BOUNDS = {"greater_than_equal": ("ge", "at least"), "less_than_equal": ("le", "at most"),
           "greater_than": ("gt", "more than"), "less_than": ("lt", "less than")}
_NOT_WHOLE = {"int_parsing", "int_type", "int_from_float", "int_parsing_size"}
_NOT_NUMBER = {"float_parsing", "float_type", "finite_number"}


def plain_bad_value(exc: BaseException) -> str | None:
    """A bad option value in plain words ("--format must be one of table, csv, json", "--limit
    must be at least 1"), for the wording Typer passes on from pydantic ("Value error, 'xml' is
    not one of ...", "Input should be greater than or equal to 1"); None for any other error."""
    import re

    from clearterm.cli.choices import CHOICE_WORDING

    param = getattr(exc, "param", None)
    if not isinstance(exc, typer.BadParameter) or param is None:  # Typer's own Click
        return None
    if getattr(param, "param_type_name", "") == "option" and param.opts:
        name = max(param.opts, key=len)
    else:
        name = (param.metavar or param.name or "value").upper()
    errors = []
    cause = exc.__cause__
    if cause is not None and hasattr(cause, "errors"):
        try:
            errors = cause.errors()
        except Exception:  # noqa: BLE001 - not pydantic's: fall back to the message
            errors = []
    kind, ctx = (errors[0].get("type"), errors[0].get("ctx") or {}) if errors else (None, {})
    if kind in _BOUNDS:
        key, words = _BOUNDS[kind]
        return f"{name} must be {words} {ctx.get(key)}"
    if kind in _NOT_WHOLE:
        return f"{name} must be a whole number"
    if kind in _NOT_NUMBER:
        return f"{name} must be a number"
    m = re.search(r"is not one of (.+?)\.?$", exc.message or "")
    if m:
        values = re.findall(r"'([^']*)'", m.group(1))
        return CHOICE_WORDING.get(name) or f"{name} must be one of {', '.join(values)}"
    return None


def plain_bad_values() -> None:
    """A bad option value reads ``--limit must be at least 1`` wherever Typer reports it (its
    error box, a test runner), not pydantic's "Invalid value for '--limit': Input should be ..."
    (:func:`plain_bad_value`), in one line without the usage lines. Typer (pinned) has no setting
    for it, so its BadParameter's formatting and showing methods are wrapped here, as
    :func:`plain_help_types` does for help."""
    base = typer.BadParameter
    if getattr(base.format_message, "_clearterm_plain", False):
        return
    original = base.format_message

    def format_message(self) -> str:
        return plain_bad_value(self) or original(self)

    original_show = base.show

    def show(self, file=None) -> None:  # noqa: ANN001 - Click's signature
        plain = plain_bad_value(self)
        if plain is None:
            original_show(self, file)
            return
        (file or sys.stderr).write(f"error: {plain}\n")  # one line, as clearterm's own refusals

    format_message._clearterm_plain = True  # type: ignore[attr-defined]
    base.format_message = format_message
    base.show = show
