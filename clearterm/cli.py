"""The ``clearterm`` command line (Typer).

Expected failures (bad input, a store problem) print one line naming the file
and exit with code 2; Typer's pretty exceptions never show local variables,
which could hold personal data.
"""

from __future__ import annotations

import os
import sys
from datetime import date
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.table import Table

from clearterm import __version__
from clearterm.storage.store import StoreError, fix_permissions, open_store, resolve_db_path

app = typer.Typer(
    name="clearterm",
    help="A prosecutor's workstation for CRTA cannabis record relief: ingest, evaluate, review, batch, sign.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
    add_completion=False,
    rich_markup_mode=None,
)

out = Console(highlight=False)
err = Console(stderr=True, highlight=False)


class State:
    db: Path = Path("clearterm.db")
    fix_permissions: bool = False


state = State()


def fail(message: str, code: int = 2) -> typer.Exit:
    err.print(f"error: {message}", markup=False, highlight=False)
    return typer.Exit(code)


def store_for_command(*, create: bool = True, synchronous: str = "FULL"):
    """Open the store named by --db / CLEARTERM_DB, turning problems into one clear line."""
    if state.fix_permissions and state.db.exists():
        fix_permissions(state.db)
    try:
        return open_store(state.db, create=create, synchronous=synchronous)
    except StoreError as exc:
        raise fail(str(exc)) from None


def show_progress() -> bool:
    return err.is_terminal and not os.environ.get("CI")


@app.callback()
def main_options(
    db: Annotated[Optional[Path], typer.Option("--db", help="The store file (else $CLEARTERM_DB, else ./clearterm.db).")] = None,
    fix_perms: Annotated[bool, typer.Option("--fix-permissions", help="Make the store file 0600 and its directory 0700 before opening it.")] = False,
    version: Annotated[bool, typer.Option("--version", help="Print the version and exit.")] = False,
) -> None:
    if version:
        out.print(f"clearterm {__version__}")
        raise typer.Exit(0)
    state.db = resolve_db_path(db)
    state.fix_permissions = fix_perms


# -- ingest -----------------------------------------------------------------------------------
@app.command()
def ingest(
    files: Annotated[list[Path], typer.Argument(help="CSV or JSON Lines files (optionally .gz).", show_default=False)],
    fmt: Annotated[str, typer.Option("--format", help="auto, canonical or ccsao (Dispositions, Sentencing, Diversion exports).")] = "auto",
    today: Annotated[Optional[str], typer.Option(help="Treat dates after this day as errors (default: today).")] = None,
) -> None:
    """Load extracts: every row is stored or quarantined with a reason; prints a reconciliation."""
    from clearterm.domain.dates import DateError, parse_date
    from clearterm.ingest import InputError, ingest_file
    from clearterm.ingest.readers import open_source

    try:
        bound = parse_date(today) if today else date.today()
    except DateError as exc:
        raise fail(f"--today {exc}") from None
    # Check every file before touching the store, so one bad file leaves it untouched.
    try:
        for f in files:
            from clearterm.ingest.adapters import choose_adapter

            choose_adapter(open_source(f), fmt)
    except InputError as exc:
        raise fail(str(exc)) from None
    store = store_for_command(synchronous="NORMAL")
    total_q = 0
    try:
        for f in files:
            try:
                result = _ingest_one(store, f, fmt, bound, ingest_file)
            except InputError as exc:
                raise fail(str(exc)) from None
            out.print(result.summary(), markup=False, soft_wrap=True)
            if not result.balanced:  # a bug, never expected: say so loudly
                raise fail(f"{f.name}: reconciliation does not balance", 3)
            total_q += result.quarantined
    finally:
        store.close()
    if total_q:
        out.print(f"{total_q:,} row(s) quarantined: see 'clearterm quarantine'", markup=False)


def _ingest_one(store, f: Path, fmt: str, bound: date, ingest_file):
    if not show_progress():
        return ingest_file(store, f, fmt, today=bound)
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    from clearterm.ingest.readers import open_source

    total = open_source(f).approx_lines or None
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TimeRemainingColumn(), console=err, transient=True) as bar:
        task = bar.add_task(f"ingest {f.name}", total=total)
        return ingest_file(store, f, fmt, today=bound, progress=lambda n: bar.update(task, completed=n))


@app.command()
def quarantine(
    limit: Annotated[int, typer.Option(help="How many entries to show.")] = 50,
    source: Annotated[Optional[int], typer.Option(help="Only this source id.")] = None,
) -> None:
    """List quarantined rows: file, line, field and the reason."""
    store = store_for_command(create=False)
    with store:
        sql = "SELECT file_name, line, field, message FROM quarantine"
        params: tuple = ()
        if source is not None:
            sql += " WHERE source_id = ?"
            params = (source,)
        sql += " ORDER BY id LIMIT ?"
        table = Table("file", "line", "field", "reason", title="Quarantine")
        for file_name, line, field, message in store.conn.execute(sql, (*params, limit)):
            table.add_row(file_name, str(line), field or "", message)
        out.print(table)


@app.command()
def status() -> None:
    """Counts of what the store holds, and each source's reconciliation."""
    store = store_for_command(create=False)
    with store:
        counts = store.counts()
        t = Table("table", "rows", title=f"Store {state.db}")
        for name, n in counts.items():
            t.add_row(name, f"{n:,}")
        out.print(t)
        s = Table("id", "file", "format", "status", "read", "inserted", "updated", "unchanged", "quarantined",
                  title="Sources")
        for row in store.conn.execute(
            "SELECT id, file_name, format, status, rows_read, inserted, updated, unchanged, quarantined"
            " FROM sources ORDER BY id"
        ):
            s.add_row(*[f"{v:,}" if isinstance(v, int) else str(v) for v in row])
        out.print(s)


# -- synthetic data -----------------------------------------------------------------------------
@app.command()
def synth(
    records: Annotated[int, typer.Option("--records", min=1, help="How many charge rows to write.")],
    out_file: Annotated[Path, typer.Option("--out", help="Output CSV (.gz to compress).")],
    seed: Annotated[int, typer.Option(help="Random seed: the same seed gives the same file.")] = 1,
    dirty: Annotated[float, typer.Option(min=0, max=100, help="Percentage of rows with one deliberate defect.")] = 0.0,
) -> None:
    """Write realistic synthetic canonical CSV (names and addresses are invented)."""
    from clearterm.synth import generate

    if show_progress():
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

        with Progress(TextColumn("synth"), BarColumn(), MofNCompleteColumn(), console=err, transient=True) as bar:
            task = bar.add_task("synth", total=records)
            res = generate(out_file, records, seed, dirty, progress=lambda n: bar.update(task, completed=n))
    else:
        res = generate(out_file, records, seed, dirty)
    out.print(f"wrote {res.rows:,} rows ({res.dirty_rows:,} deliberately malformed) for {res.persons:,} persons "
              f"in {res.cases:,} cases to {out_file}", markup=False)


def main() -> None:
    """Entry point: run the app; a store error anywhere becomes one line, exit 2."""
    try:
        app()
    except StoreError as exc:
        err.print(f"error: {exc}", markup=False)
        sys.exit(2)


if __name__ == "__main__":
    main()
