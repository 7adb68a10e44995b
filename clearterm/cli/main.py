"""The ``clearterm`` command line (Typer): the app, its root options and the entry point.

The commands live in one module per group (``records``, ``evaluate``, ``export``, ``synth``,
``review``, ``tui``, ``audit``, ``batch``, ``access``, ``demo``) and share
:mod:`clearterm.cli.common`; this module only assembles them.

Expected failures (bad input, a store problem) print one line naming the file
and exit with code 2; Typer's pretty exceptions never show local variables,
which could hold personal data.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from clearterm import __version__, settings
from clearterm.cli import access, assign, audit, batch, demo, evaluate, export, records, report, review, synth, tui
from clearterm.cli import letters, research
from clearterm.cli.common import (EXIT_INTERNAL, CliContext, internal_error_text, out, plain_bad_value,
                                  plain_bad_values, plain_help_types, problem, refuse_stdout, store_damage)
from clearterm.storage.store import StoreError

app = typer.Typer(
    name="clearterm",
    help="A prosecutor's workstation for CRTA cannabis record relief: ingest, evaluate, review, batch, sign.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
    add_completion=True,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)
plain_help_types()
plain_bad_values()


def _print_version(value: bool) -> None:
    """``--version`` on its own prints the version and exits (no command needed)."""
    if value:
        out.print(f"clearterm {__version__}")
        raise typer.Exit(0)


@app.callback()
def main_options(
    ctx: typer.Context,
    db: Annotated[Optional[Path], typer.Option("--db", help="The store file (else $CLEARTERM_DB, else ./clearterm.db).")] = None,
    fix_perms: Annotated[bool, typer.Option("--fix-permissions", help="Make the store file 0600 and its directory 0700 before opening it.")] = False,
    version: Annotated[bool, typer.Option("--version", help="Print the version and exit.", is_eager=True,
                                          callback=_print_version)] = False,
) -> None:
    if not isinstance(ctx.obj, CliContext):  # run by main() it is given one; by a test runner, not
        ctx.obj = CliContext()
    refuse_stdout(db, "--db", what="a SQLite file")
    ctx.obj.db = settings.db_path(db)
    ctx.obj.fix_permissions = fix_perms


# The order here is the order of ``clearterm --help``.
for command in (records.ingest, records.quarantine, records.status, evaluate.evaluate, evaluate.explain,
                evaluate.stats, synth.synth, review.decide, review.queue):
    app.command()(command)
app.command("review")(tui.review_cmd)
app.command("assign")(assign.assign)
app.command()(access.whoami)
app.command("ssh-config")(access.ssh_config)
app.command()(demo.demo)
app.command()(report.report)
export.export_app.command("public")(report.export_public)
app.add_typer(export.export_app, name="export")
app.add_typer(audit.audit_app, name="audit")
app.add_typer(batch.batch_app, name="batch")
app.add_typer(batch.keys_app, name="keys")
app.add_typer(access.users_app, name="users")
app.command()(research.research)
app.add_typer(research.petitions_app, name="petitions")
app.add_typer(letters.letters_app, name="letters")
app.add_typer(letters.notices_app, name="notices")
# issue 16: the life of a case after signing (clearterm/cli/lifecycle.py)
from clearterm.cli import lifecycle  # noqa: E402
batch.batch_app.command("file")(lifecycle.batch_file)
app.command("ruling")(lifecycle.ruling)
app.add_typer(lifecycle.rulings_app, name="rulings")
app.command("docket")(lifecycle.docket)


def _show_usage_error(exc: typer.TyperException) -> None:
    """What Typer (its Click) prints for ``exc`` (usage, the -h hint), its "Error:" lower-cased
    like every other message of clearterm ("error: ..."); a bad option value is one line in plain
    words (:func:`clearterm.cli.common.plain_bad_value`), as clearterm's own refusals."""
    import io

    plain = plain_bad_value(exc)
    if plain:
        sys.stderr.write(f"error: {plain}\n")
        return

    buf = io.StringIO()
    if hasattr(exc, "show"):
        exc.show(file=buf)
    else:
        buf.write(f"Error: {exc.format_message()}\n")
    text = buf.getvalue()
    head, sep, message = text.rpartition("Error: ")
    if sep and (not head or head.endswith("\n")):
        if message[:1].isupper() and message[1:2].islower():  # "Invalid value", "No such command"
            message = message[0].lower() + message[1:]
        text = f"{head}error: {message}"
    sys.stderr.write(text)


def main() -> None:
    """Entry point: run the app; a store error anywhere becomes one line, exit 2; any other
    unexpected error one line without its message (exit 70)."""
    from clearterm.domain.logs import quiet_libraries

    quiet_libraries()  # no library log line reaches the terminal (they can quote data or hold tracebacks)
    cli = CliContext()
    try:
        code = app(obj=cli, standalone_mode=False)  # Click's own errors are printed below, cased as ours
        sys.exit(code if isinstance(code, int) else 0)
    except typer.TyperException as exc:  # a usage error: the usage lines, then "error: ..." as every message
        _show_usage_error(exc)
        sys.exit(exc.exit_code)
    except typer.Abort:  # Ctrl-C, or end of input at a prompt
        problem("aborted")
        sys.exit(1)
    except BrokenPipeError:
        # The reader of standard output left (``clearterm queue | head``): stop quietly, as Unix
        # tools do, and send what Python would still print at exit (unflushed output, generators
        # finalised) nowhere.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.dup2(devnull, sys.stderr.fileno())
        sys.exit(1)
    except StoreError as exc:
        problem(f"error: {exc}")
        sys.exit(2)
    except Exception as exc:  # noqa: BLE001 - the last line of defence for personal data
        if settings.debug():
            raise
        damage = store_damage(exc)
        if damage:
            problem(f"error: the store {cli.db} cannot be used: {damage}; restore it from a backup")
            sys.exit(2)
        problem(internal_error_text(exc))
        sys.exit(EXIT_INTERNAL)


if __name__ == "__main__":
    main()
