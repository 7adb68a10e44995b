"""Records commands: ``ingest`` (load extracts), ``quarantine`` (what was set aside, and why) and
``status`` (what the store holds, and each source's reconciliation).

Registered on the root app by :mod:`clearterm.cli.main`. Exit codes: 0 done; 2 bad input or a
store problem (one line naming the file, line and field); 3 a reconciliation that does not
balance (a bug); 4 access denied (a known user of the store only).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated, Optional

import typer

from clearterm.cli.common import actor_for, context, fail, progress_bar, say, store_for_command
from clearterm.cli.listing import FormatOption, Listing, OutputFormat, emit


def ingest(
    ctx: typer.Context,
    files: Annotated[list[Path], typer.Argument(metavar="FILE", help="CSV or JSON Lines files (optionally .gz).", show_default=False)],
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
    store = store_for_command(ctx, synchronous="NORMAL")
    who = actor_for(store)  # records staff: any known user (roles not needed)
    total_q = 0
    try:
        for src in sources:
            try:
                with progress_bar(f"ingest {src.path.name}", src.approx_lines or None) as update:
                    result = ingest_file(store, src, fmt, today=bound, progress=update)
            except InputError as exc:
                if getattr(exc, "result", None) is not None:  # a truncated .gz: its first rows are stored
                    _audit_ingest(store, who, src, exc.result)
                raise fail(str(exc)) from None
            _audit_ingest(store, who, src, result)
            say(result.summary())
            if not result.balanced:  # a bug, never expected: say so loudly
                raise fail(f"{src.path.name}: reconciliation does not balance", 3)
            total_q += result.quarantined
    finally:
        store.close()
    if total_q:
        say(f"{total_q:,} row(s) quarantined: see 'clearterm quarantine'")


def _audit_ingest(store, who: str, src, result) -> None:
    """One audit entry per file loaded: which file (name and hash) and the reconciliation counts."""
    from clearterm.services.access import record_event

    detail = {"file": src.path.name, "format": result.format, "source_id": result.source_id,
              "sha256": result.sha256, "rows_read": result.rows_read, "inserted": result.inserted,
              "updated": result.updated, "unchanged": result.unchanged, "quarantined": result.quarantined,
              "lines": result.lines, "lines_quarantined": result.lines_quarantined, "encoding": result.encoding,
              "stopped_line": result.stopped_line}
    record_event(store, actor=who, event="ingest", detail=detail)


def quarantine(
    ctx: typer.Context,
    limit: Annotated[int, typer.Option(help="How many entries to show.")] = 50,
    source: Annotated[Optional[int], typer.Option(help="Only this source id.")] = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """List quarantined rows: file, line, field and the reason."""
    from clearterm.storage.reports import quarantine_rows

    store = store_for_command(ctx, create=False)
    actor_for(store)  # personal data may show through a reason: a known user only (exit 4)
    with store:
        rows = [[file_name, line, field or "", masked_reason(field, message)]
                for file_name, line, field, message in quarantine_rows(store.conn, source_id=source, limit=limit)]
    emit([Listing("quarantine", "Quarantine", ("file", "line", "field", "reason"), rows,
                  empty="no row is quarantined")], fmt)


#: Fields of petitions and rulings whose dates the quarantine names as they are: dates of the
#: court's and the Clerk's calendar, not of the person (a date of birth stays masked).
COURT_DATE_FIELDS = frozenset({"filed_date", "served_date", "hearing_date", "ruling_date", "next_court_date"})


def masked_reason(field: str | None, message: str) -> str:
    """A quarantine reason as shown: the offending value replaced by its shape.

    Validation now stores only shapes (or date-like values of date fields), but stores made by
    earlier versions quoted the bad value of any non-personal field, which in a shifted column
    can be a name or an address. The shape still tells records staff what went wrong.
    """
    if not field or not message.startswith(field + " ") or message.startswith(field + " ("):
        return message  # a field alone, or a value by its shape already (this version)
    if field in COURT_DATE_FIELDS:
        return message  # the dates of service and of court: the office's own, never personal
    rest = message[len(field) + 1:]
    cut = rest.rfind(" is ")
    if cut < 0:
        cut = rest.find(" repeats line ")  # 'record_id VALUE repeats line 2 of this file'
    if rest.startswith("is ") or cut < 0:
        return message
    from clearterm.ingest.validate import value_shape

    return f"{field} {value_shape(rest[:cut])}{rest[cut:]}"


def status(ctx: typer.Context, fmt: FormatOption = OutputFormat.table) -> None:
    """Counts of what the store holds, and each source's reconciliation."""
    from clearterm.storage.reports import source_lines, source_status

    store = store_for_command(ctx, create=False)
    with store:
        tables = [[name, n] for name, n in store.counts().items()]
        sources = [list(row) for row in source_status(store.conn)]
        lines = []
        for sid, n_lines, *parts, stopped in source_lines(store.conn):
            if n_lines is None:
                lines.append([sid, None, None, None, None, None,
                              "not counted (running, or ingested before lines were)"])
                continue
            lines.append([sid, n_lines, *[v or 0 for v in parts], f"data stops in line {stopped:,}" if stopped else ""])
    emit([Listing("tables", f"Store {context(ctx).db}", ("table", "rows"), tables),
          Listing("sources", "Sources", ("id", "file", "format", "status", "read", "inserted", "updated",
                                         "unchanged", "quarantined"), sources, empty="no file ingested yet"),
          Listing("lines", "Lines of each source", ("id", "lines", "header", "stored", "quarantined", "blank",
                                                    "note"), lines, empty="no file ingested yet")], fmt)