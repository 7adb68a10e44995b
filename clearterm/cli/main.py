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
from rich.table import Table
from rich.text import Text

from clearterm import __version__
from clearterm.cli.console import SafeConsole
from clearterm.storage.store import StoreError, fix_permissions, open_store, resolve_db_path

app = typer.Typer(
    name="clearterm",
    help="A prosecutor's workstation for CRTA cannabis record relief: ingest, evaluate, review, batch, sign.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
    add_completion=False,
    rich_markup_mode=None,
)

# Every command prints through these: control characters in data are shown, never sent to the
# terminal, and console markup is off unless asked for (clearterm/cli/console.py).
out = SafeConsole(highlight=False)
err = SafeConsole(stderr=True, highlight=False)


class State:
    db: Path = Path("clearterm.db")
    fix_permissions: bool = False


state = State()


def fail(message: str, code: int = 2) -> typer.Exit:
    err.print(f"error: {message}", markup=False, highlight=False, soft_wrap=True)
    return typer.Exit(code)


def store_for_command(*, create: bool = True, synchronous: str = "FULL"):
    """Open the store named by --db / CLEARTERM_DB, turning problems into one clear line."""
    try:
        if state.fix_permissions:
            fix_permissions(state.db)
        store = open_store(state.db, create=create, synchronous=synchronous)
    except StoreError as exc:
        raise fail(str(exc)) from None
    for warning in store.warnings:
        err.print(f"warning: {warning}", markup=False, highlight=False, soft_wrap=True)
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


def open_output(path: Path):
    """``path`` opened for writing text, readable by its owner only (0600: exports hold personal
    data), or one clear line (exit 2) if it cannot be. An existing file is made 0600 before it is
    rewritten."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.fchmod(fd, 0o600)
        return open(fd, "w", newline="", encoding="utf-8")
    except OSError as exc:
        raise fail(f"cannot write {path}: {exc.strerror or 'not writable'}") from None


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
    encoding: Annotated[Optional[str], typer.Option(help="The files' text encoding, e.g. cp1252 (default: UTF-8; a file in another encoding is refused).")] = None,
) -> None:
    """Load extracts: every row is stored or quarantined with a reason; prints a reconciliation of rows and lines."""
    from clearterm.domain.dates import DateError, parse_date
    from clearterm.ingest import InputError, ingest_file
    from clearterm.ingest.adapters import choose_adapter
    from clearterm.ingest.readers import open_source

    try:
        bound = parse_date(today) if today else date.today()
    except DateError as exc:
        raise fail(f"--today {exc}") from None
    # Check every file before touching the store, so one bad file leaves it untouched.
    # Each file is read (and hashed) once here; ingest reuses the opened source.
    try:
        sources = [open_source(f, encoding) for f in files]
        for src in sources:
            choose_adapter(src, fmt)
    except InputError as exc:
        raise fail(str(exc)) from None
    store = store_for_command(synchronous="NORMAL")
    who = actor_for(store)  # records staff: any known user (roles not needed)
    total_q = 0
    try:
        for src in sources:
            try:
                result = _ingest_one(store, src, fmt, bound, ingest_file)
            except InputError as exc:
                if getattr(exc, "result", None) is not None:  # a truncated .gz: its first rows are stored
                    _audit_ingest(store, who, src, exc.result)
                raise fail(str(exc)) from None
            _audit_ingest(store, who, src, result)
            out.print(result.summary(), markup=False, soft_wrap=True)
            if not result.balanced:  # a bug, never expected: say so loudly
                raise fail(f"{src.path.name}: reconciliation does not balance", 3)
            total_q += result.quarantined
    finally:
        store.close()
    if total_q:
        out.print(f"{total_q:,} row(s) quarantined: see 'clearterm quarantine'", markup=False)


def _audit_ingest(store, who: str, src, result) -> None:
    """One audit entry per file loaded: which file (name and hash) and the reconciliation counts."""
    from clearterm.services.access import record_event

    detail = {"file": src.path.name, "format": result.format, "source_id": result.source_id,
              "sha256": result.sha256, "rows_read": result.rows_read, "inserted": result.inserted,
              "updated": result.updated, "unchanged": result.unchanged, "quarantined": result.quarantined,
              "lines": result.lines, "lines_quarantined": result.lines_quarantined, "encoding": result.encoding,
              "stopped_line": result.stopped_line}
    record_event(store, actor=who, event="ingest", detail=detail)


def _ingest_one(store, src, fmt: str, bound: date, ingest_file):
    if not show_progress():
        return ingest_file(store, src, fmt, today=bound)
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TimeRemainingColumn(), console=err, transient=True) as bar:
        task = bar.add_task(f"ingest {src.path.name}", total=src.approx_lines or None)
        return ingest_file(store, src, fmt, today=bound, progress=lambda n: bar.update(task, completed=n))


@app.command()
def quarantine(
    limit: Annotated[int, typer.Option(help="How many entries to show.")] = 50,
    source: Annotated[Optional[int], typer.Option(help="Only this source id.")] = None,
) -> None:
    """List quarantined rows: file, line, field and the reason."""
    store = store_for_command(create=False)
    actor_for(store)  # personal data may show through a reason: a known user only (exit 4)
    with store:
        sql = "SELECT file_name, line, field, message FROM quarantine"
        params: tuple = ()
        if source is not None:
            sql += " WHERE source_id = ?"
            params = (source,)
        sql += " ORDER BY id LIMIT ?"
        table = Table("file", "line", "field", "reason", title="Quarantine")
        for file_name, line, field, message in store.conn.execute(sql, (*params, limit)):
            table.add_row(file_name, str(line), field or "", masked_reason(field, message))
        out.print(table)


def masked_reason(field: str | None, message: str) -> str:
    """A quarantine reason as shown: the offending value replaced by its shape.

    Validation now stores only shapes (or date-like values of date fields), but stores made by
    earlier versions quoted the bad value of any non-personal field, which in a shifted column
    can be a name or an address. The shape still tells records staff what went wrong.
    """
    if not field or not message.startswith(field + " ") or message.startswith(field + " ("):
        return message  # a field alone, or a value by its shape already (this version)
    rest = message[len(field) + 1:]
    cut = rest.rfind(" is ")
    if cut < 0:
        cut = rest.find(" repeats line ")  # 'record_id VALUE repeats line 2 of this file'
    if rest.startswith("is ") or cut < 0:
        return message
    from clearterm.ingest.validate import value_shape

    return f"{field} {value_shape(rest[:cut])}{rest[cut:]}"


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
        lt = Table("id", "lines", "header", "stored", "quarantined", "blank", "note", title="Lines of each source")
        for sid, lines, *parts, stopped in store.conn.execute(
            "SELECT id, lines_read, header_lines, lines_stored, lines_quarantined, blank_lines, stopped_line"
            " FROM sources ORDER BY id"
        ):
            if lines is None:
                lt.add_row(str(sid), "-", "", "", "", "", "not counted (running, or ingested before lines were)")
                continue
            note = f"data stops in line {stopped:,}" if stopped else ""
            lt.add_row(str(sid), f"{lines:,}", *[f"{v or 0:,}" for v in parts], note)
        out.print(lt)


# -- evaluation ---------------------------------------------------------------------------------
def _as_of(value: str | None) -> date:
    from clearterm.domain.dates import DateError, parse_date

    if not value:
        return date.today()
    try:
        d = parse_date(value)
    except DateError as exc:
        raise fail(f"--as-of {exc}; give the date as YYYY-MM-DD, e.g. 2026-11-21") from None
    assert d is not None
    return d


def _policy(path: Path | None):
    from clearterm.domain.policy import PolicyError, load_policy

    try:
        return load_policy(path)
    except (PolicyError, OSError) as exc:
        raise fail(str(exc)) from None


@app.command()
def evaluate(
    as_of: Annotated[Optional[str], typer.Option("--as-of", help="The as-of date recorded with every decision (default: today).")] = None,
    policy_file: Annotated[Optional[Path], typer.Option("--policy", help=(
        "Policy settings (TOML). Default: the policy in force (the last evaluation's), else the spec's "
        "defaults. A policy other than the one in force needs the admin role and is audited."))] = None,
) -> None:
    """Evaluate every record against the CRTA rules; decisions are appended, never overwritten."""
    from clearterm.services.evaluate import evaluate_store

    from clearterm.services.access import AccessDenied, EXIT_DENIED, policy_in_force, record_event, record_policy_change
    from clearterm.domain.policy import Policy

    requested = _policy(policy_file) if policy_file is not None else None
    day = _as_of(as_of)
    store = store_for_command(create=False, synchronous="NORMAL")
    who = actor_for(store)  # records staff: any known user; a change of policy needs an admin
    with store:
        in_force_hash = policy_in_force(store.conn)
        in_force = _stored_policy(store.conn, in_force_hash) if in_force_hash else Policy()
        policy = requested or in_force
        if policy.hash != in_force.hash:
            try:
                record_policy_change(store, actor=who, old_hash=in_force.hash, new_hash=policy.hash)
            except AccessDenied as exc:
                raise fail(f"{exc} (--policy differs from the policy in force {in_force.hash[:12]})",
                           EXIT_DENIED) from None
        if show_progress():
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

            with Progress(TextColumn("evaluate"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                          console=err, transient=True) as bar:
                task = bar.add_task("evaluate", total=None)
                res = evaluate_store(store, policy, day,
                                     progress=lambda done, total: bar.update(task, completed=done, total=total))
        else:
            res = evaluate_store(store, policy, day)
        record_event(store, actor=who, event="evaluate",
                     detail={"as_of": day.isoformat(), "policy": policy.hash, "rules_version": _rules_version(),
                             "records": res.records, "new_decisions": res.new_decisions,
                             # the last decision this evaluation leaves: ``audit verify`` flags any later one
                             "decisions_through": store.scalar("SELECT coalesce(max(id), 0) FROM decisions")})
    cats = ", ".join(f"{k} {v:,}" for k, v in sorted(res.categories.items()))
    out.print(f"evaluated {res.records:,} records as of {day.isoformat()} (rules v{_rules_version()}, policy "
              f"{policy.hash[:12]}): {res.new_decisions:,} new decisions; {cats}", markup=False, soft_wrap=True)


def _stored_policy(conn, policy_hash: str):
    """The policy in force, recorded under ``policy_hash`` (refused if the stored copy is missing
    or no longer matches its hash)."""
    from clearterm.storage.decisions import recorded_policy

    policy = recorded_policy(conn, policy_hash)
    if policy is None:
        raise fail(f"the policy in force ({policy_hash[:12]}) is missing or altered in the store; "
                   "an admin must evaluate with --policy FILE")
    return policy


def _rules_version() -> str:
    from clearterm.domain.decision import RULES_VERSION

    return RULES_VERSION


export_app = typer.Typer(help="Export decisions and reviews.", no_args_is_help=True)
app.add_typer(export_app, name="export")

EXPORT_COLUMNS = ("record_id", "person_id", "case_number", "statute", "offense_class", "category", "reasons",
                  "explanation", "tranche", "rules_version", "as_of")


@export_app.command("decisions")
def export_decisions(
    out_file: Annotated[Path, typer.Option("--out", help="Output file.")],
    fmt: Annotated[str, typer.Option("--format", help="csv or jsonl.")] = "csv",
) -> None:
    """One row per record: its decision in force (reasons joined by ';', deciding reason first)."""
    import csv
    import json

    from clearterm.domain.text import csv_row

    if fmt not in ("csv", "jsonl"):
        raise fail("--format must be csv or jsonl")
    store = store_for_command(create=False)
    actor_for(store)  # a known user only (exit 4); checked before the file is created
    n = 0
    with store, open_output(out_file) as fh:
        cur = store.conn.execute(
            "SELECT r.record_id, r.person_id, r.case_number, r.statute, r.offense_class, d.category, d.reasons,"
            " d.explanation, d.tranche, d.rules_version, d.as_of FROM records r"
            " JOIN decision_current c ON c.record_id = r.record_id JOIN decisions d ON d.id = c.decision_id"
            " ORDER BY r.id")
        if fmt == "csv":
            w = csv.writer(fh)
            w.writerow(EXPORT_COLUMNS)
            for row in cur:
                w.writerow(csv_row(row))  # a cell that starts a formula gets a leading '  (docs/review.md)
                n += 1
        else:
            for row in cur:
                fh.write(json.dumps(dict(zip(EXPORT_COLUMNS, row)), ensure_ascii=False) + "\n")
                n += 1
    out.print(f"wrote {n:,} decisions to {out_file}", markup=False)


@app.command()
def explain(record_id: Annotated[str, typer.Argument(help="The record's record_id.")]) -> None:
    """The decision trail of one record, step by step, with statute citations."""
    from clearterm.domain.rules import display_cite, explain_lines
    from clearterm.storage.decisions import current_decision, decision_history
    from clearterm.storage.decisions import recorded_policy
    from clearterm.storage.records import load_co_charges, load_record

    store = store_for_command(create=False)
    actor_for(store)  # a known user only (exit 4)
    with store:
        rec = load_record(store.conn, record_id)
        if rec is None:
            raise fail(f"no record with record_id {record_id}")
        dec = current_decision(store.conn, record_id)
        if dec is None:
            raise fail(f"record {record_id} has not been evaluated; run 'clearterm evaluate'")
        out.print(Text.assemble((record_id, "bold"), f"  case {rec.case_number}  "
                                f"{display_cite(rec.statute, rec.enhancement)}"))
        out.print(Text.assemble((f"{dec.category}", "bold"), f": {dec.explanation}"), soft_wrap=True)
        out.print(f"rules v{dec.rules_version}, policy {dec.policy_hash[:12]}, as of {dec.as_of.isoformat()},"
                  f" tranche {dec.tranche if dec.tranche is not None else 'none'}")
        out.print("")
        # the trail is told under the policy the decision was made under (if the store lost it,
        # the trail says whose dates it shows)
        co_charges = load_co_charges(store.conn, rec)
        for line in explain_lines(rec, dec, recorded_policy(store.conn, dec.policy_hash), co_charges):
            out.print(line, markup=False, soft_wrap=True)
        history = decision_history(store.conn, record_id)
        if len(history) > 1:
            out.print("\nEarlier decisions:")
            for h in history[:-1]:
                out.print(f"  {h.as_of.isoformat()} rules v{h.rules_version} policy {h.policy_hash[:12]}: "
                          f"{h.category} ({';'.join(h.reasons)})", markup=False)


@app.command()
def stats() -> None:
    """Counts of decisions in force by category, deciding reason and tranche."""
    store = store_for_command(create=False)
    with store:
        base = (" FROM decision_current c JOIN decisions d ON d.id = c.decision_id")
        total = int(store.scalar("SELECT count(*)" + base) or 0)
        if not total:
            raise fail("no decisions yet; run 'clearterm evaluate'")
        t = Table("category", "records", "share", title=f"Decisions in force ({total:,} records)")
        for cat, n in store.conn.execute(f"SELECT d.category, count(*) {base} GROUP BY 1 ORDER BY 2 DESC"):
            t.add_row(cat, f"{n:,}", f"{100 * n / total:.1f}%")
        out.print(t)
        r = Table("deciding reason", "category", "records", title="By deciding reason")
        for reason, cat, n in store.conn.execute(
            "SELECT CASE WHEN instr(d.reasons, ';') THEN substr(d.reasons, 1, instr(d.reasons, ';') - 1)"
            f" ELSE d.reasons END, d.category, count(*) {base} GROUP BY 1, 2 ORDER BY 3 DESC"):
            r.add_row(reason, cat, f"{n:,}")
        out.print(r)
        tr = Table("tranche", "automatic", "petition", "review", "all", title="By tranche")
        for row in store.conn.execute(
            "SELECT coalesce(d.tranche, 'none'), sum(d.category = 'automatic'), sum(d.category = 'petition'),"
            f" sum(d.category = 'review'), count(*) {base} GROUP BY 1 ORDER BY 1"):
            tr.add_row(*[f"{v:,}" if isinstance(v, int) else str(v) for v in row])
        out.print(tr)


# -- synthetic data -----------------------------------------------------------------------------
@app.command()
def synth(
    records: Annotated[int, typer.Option("--records", min=1, help="How many charge rows to write.")],
    out_file: Annotated[Path, typer.Option("--out", help="Output CSV (.gz to compress).")],
    seed: Annotated[int, typer.Option(help="Random seed: the same seed gives the same file.")] = 1,
    dirty: Annotated[float, typer.Option(min=0, max=100, help="Percentage of rows with one deliberate defect.")] = 0.0,
) -> None:
    """Write realistic synthetic canonical CSV (names and addresses are invented)."""
    from clearterm.devtools.synth import generate

    if show_progress():
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

        with Progress(TextColumn("synth"), BarColumn(), MofNCompleteColumn(), console=err, transient=True) as bar:
            task = bar.add_task("synth", total=records)
            res = generate(out_file, records, seed, dirty, progress=lambda n: bar.update(task, completed=n))
    else:
        res = generate(out_file, records, seed, dirty)
    out.print(f"wrote {res.rows:,} rows ({res.dirty_rows:,} deliberately malformed) for {res.persons:,} persons "
              f"in {res.cases:,} cases to {out_file}", markup=False)


# -- extensions ---------------------------------------------------------------------------------
# Each module registers its own commands; one missing (not yet written) is skipped.
EXTENSIONS = (
    "clearterm.cli.review",  # decide, queue, audit verify, export reviews
    "clearterm.cli.tui",  # review (the Textual workstation)
    "clearterm.cli.batch",  # batch create/list/show/sign/verify, keys demo
    "clearterm.cli.access",  # users, ssh-config
    "clearterm.cli.demo",  # demo
)


def _register_extensions() -> None:
    """Commands that live in their own modules register themselves here."""
    import importlib

    for name in EXTENSIONS:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            continue
        module.register(app, state=state, store_for_command=store_for_command, fail=fail, out=out, err=err)


_register_extensions()


#: Exit code of an unexpected internal error (EX_SOFTWARE).
EXIT_INTERNAL = 70


def internal_error_text(exc: BaseException) -> str:
    """An unexpected exception as its type and the frames it went through: no message, no locals.

    A message can quote the data being processed (a KeyError on a name, a ValueError quoting a
    row), so it is withheld; set CLEARTERM_DEBUG=1 to see the full traceback (test data only).
    """
    import traceback

    frames = traceback.extract_tb(exc.__traceback__)[-4:]
    where = " < ".join(f"{Path(f.filename).name}:{f.lineno} {f.name}" for f in reversed(frames))
    return (f"error: internal error ({type(exc).__name__} at {where or 'unknown'}); details withheld as they may "
            "hold personal data; each write is one transaction, so the store is consistent "
            "(CLEARTERM_DEBUG=1 shows the traceback: test data only)")


def main() -> None:
    """Entry point: run the app; a store error anywhere becomes one line, exit 2; any other
    unexpected error one line without its message (exit 70)."""
    try:
        app()
    except StoreError as exc:
        err.print(f"error: {exc}", markup=False, soft_wrap=True)
        sys.exit(2)
    except Exception as exc:  # noqa: BLE001 - the last line of defence for personal data
        if os.environ.get("CLEARTERM_DEBUG"):
            raise
        damage = _store_damage(exc)
        if damage:
            err.print(f"error: the store {state.db} cannot be used: {damage}; restore it from a backup",
                      markup=False, highlight=False, soft_wrap=True)
            sys.exit(2)
        err.print(internal_error_text(exc), markup=False, highlight=False, soft_wrap=True)
        sys.exit(EXIT_INTERNAL)


#: SQLite's own fixed result texts (sqlite3_errstr): they never quote data, so they may be shown.
_SQLITE_DAMAGE = ("database disk image is malformed", "file is not a database", "disk I/O error",
                  "database or disk is full", "attempt to write a readonly database", "unable to open database file")


def _store_damage(exc: BaseException) -> str | None:
    import sqlite3

    if isinstance(exc, sqlite3.DatabaseError) and str(exc) in _SQLITE_DAMAGE:
        return str(exc)
    return None


if __name__ == "__main__":
    main()
