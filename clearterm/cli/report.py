"""``clearterm report`` (the PDF report, its charts and a terminal summary) and ``clearterm export
public`` (a de-identified copy of the store for Datasette or sqlite-utils); issue 18.

Registered by :mod:`clearterm.cli.main`. Both are audited (``report``, ``export.public``) and
need a known user of the store (exit 4 otherwise). Exit codes: 0 done; 2 a bad option or an
unwritable output.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated, Optional

import typer

from clearterm.cli.common import actor_for, fail, refuse_stdout, say, store_for_command
from clearterm.cli.listing import print_table

#: Width of the bars in the terminal summary.
BAR = 10


def _day(option: str, value: str | None, default: date | None) -> date | None:
    if value is None:
        return default
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise fail(f"{option} {value!r} is not a date; give it as YYYY-MM-DD, e.g. 2026-11-21") from None


def _bar(n, most) -> str:
    if n is None or not most:
        return ""
    return "█" * max(1 if n else 0, round(BAR * n / most))


def _print_table(table, bars: bool = False) -> None:
    from rich.table import Table as RichTable

    from clearterm.domain.report import cell_text

    t = RichTable(*table.columns, *(["share"] if bars else []), title=table.title, title_justify="left")
    most = max((v[0] or 0 for _, v in table.rows), default=0)
    for label, vals in table.rows:
        t.add_row(str(label), *(cell_text(v) for v in vals), *([_bar(vals[0], most)] if bars else []))
    if table.totals is not None:
        t.add_row("all", *(cell_text(v) for v in table.totals), *([""] if bars else []), style="bold")
    if not table.rows:
        t.add_row("none yet", *[""] * (len(table.columns) - 1 + bars))
    print_table(t)


def _summary(report) -> None:
    from clearterm.domain.report import cell_text

    for note in report.notes:
        say(note)
    say("  ".join(f"{k}: {cell_text(v)}" for k, v in report.headline.items()))
    for key in ("backlog", "objections", "timing"):
        _print_table(report.table(key))
    for key in ("convictions_by_tranche", "convictions_by_race", "convictions_by_gender", "convictions_by_age"):
        _print_table(report.table(key), bars=True)


def report(
    ctx: typer.Context,
    out_dir: Annotated[Path, typer.Option("--out", help="Directory for report.pdf and the chart PNGs.")] = Path("report"),
    since: Annotated[Optional[str], typer.Option("--since", help="Operations from this day on (YYYY-MM-DD).")] = None,
    public: Annotated[bool, typer.Option("--public", help=(
        "No personal data; counts under 11 suppressed, with complementary suppression."))] = False,
    today: Annotated[Optional[str], typer.Option("--today", help="The report's day (default: today).")] = None,
) -> None:
    """Write a PDF report (operations, impact, equity) with its charts, and print a summary."""
    import hashlib

    from clearterm.domain.dates import utc_now_iso
    from clearterm.services.report import build_report, write_report
    from clearterm.storage import audit

    refuse_stdout(out_dir, what="a folder (report.pdf and its charts)")
    day = _day("--today", today, date.today())
    start = _day("--since", since, None)
    store = store_for_command(ctx, create=False)
    who = actor_for(store)
    with store:
        rep = build_report(store.conn, today=day, since=start, public=public)
        try:
            written = write_report(rep, out_dir)
        except OSError as exc:
            raise fail(f"cannot write the report in {out_dir}: {exc.strerror or 'not writable'}") from None
        pdf = next(p for p in written if p.suffix == ".pdf")
        with store.write() as conn:
            audit.append(conn, at=utc_now_iso(), actor=who, event="report",
                         detail={"public": public, "today": day.isoformat(),
                                 "since": start.isoformat() if start else None,
                                 "sha256": hashlib.sha256(pdf.read_bytes()).hexdigest(), "files": len(written)})
    _summary(rep)
    say(f"wrote {pdf} and {len(written) - 1} charts in {out_dir}")


def export_public(
    ctx: typer.Context,
    out_file: Annotated[Path, typer.Option("--out", help="The de-identified SQLite file to write (must not exist).")],
) -> None:
    """A de-identified copy of the store (no names, dates of birth, addresses or notes; person ids,
    case numbers and record ids replaced by random tokens), for `datasette FILE.db`."""
    from clearterm.domain.dates import utc_now_iso
    from clearterm.storage import audit
    from clearterm.storage.public import PublicExportError, export_public_copy

    refuse_stdout(out_file, what="a SQLite file")
    store = store_for_command(ctx, create=False)
    who = actor_for(store)
    with store:
        try:
            counts = export_public_copy(store.conn, out_file)
        except PublicExportError as exc:
            raise fail(str(exc)) from None
        with store.write() as conn:
            audit.append(conn, at=utc_now_iso(), actor=who, event="export.public",
                         detail={"file": out_file.name, **counts})
    say(f"wrote {out_file}: " + ", ".join(f"{n:,} {t}" for t, n in counts.items()))
    say(f"open it with: datasette {out_file}")
