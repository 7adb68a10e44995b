"""``clearterm export decisions|reviews``: the decisions in force, and the current review of each
case, as CSV or JSON Lines.

Added to the root app as the ``export`` group by :mod:`clearterm.cli.main`. Files are created
0600 (they hold personal data); every CSV cell that would start a formula is neutralised
(docs/review.md). Exit codes: 0 done; 2 a bad option or an unwritable file; 4 access denied (a
known user of the store only).
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Annotated

import typer

from clearterm.cli.common import actor_for, fail, open_output, problem, say, store_for_command

export_app = typer.Typer(help="Export decisions, reviews (CSV) and a de-identified public copy (SQLite).",
                         no_args_is_help=True)

EXPORT_COLUMNS = ("record_id", "person_id", "case_number", "statute", "offense_class", "category", "reasons",
                  "explanation", "tranche", "rules_version", "as_of")

EXPORT_REVIEW_COLUMNS = ("case_number", "person_id", "track", "status", "ground", "note", "served", "deadline",
                         "reviewer", "decided_at", "version", "decided_track")


def _write(fh, fmt: str, columns: tuple[str, ...], rows) -> int:
    """``rows`` written to ``fh`` as CSV (a header, then formulas neutralised) or JSON Lines; how many."""
    import csv
    import json

    from clearterm.domain.text import csv_row

    n = 0
    try:
        if fmt == "csv":
            w = csv.writer(fh)
            w.writerow(columns)
        for row in rows:
            if fmt == "csv":
                w.writerow(csv_row(row))  # a cell that starts a formula gets a leading '  (docs/review.md)
            else:
                fh.write(json.dumps(dict(zip(columns, row)), ensure_ascii=False) + "\n")
            n += 1
    finally:
        close = getattr(rows, "close", None)
        if close is not None:  # a generator over the store: closed while the store is open
            close()
    return n


@export_app.command("decisions")
def export_decisions(
    ctx: typer.Context,
    out_file: Annotated[Path, typer.Option("--out", help="Output file (- for standard output).")],
    fmt: Annotated[str, typer.Option("--format", help="csv or jsonl.")] = "csv",
) -> None:
    """One row per record: its decision in force (reasons joined by ';', deciding reason first)."""
    from clearterm.storage.reports import decision_export_rows

    if fmt not in ("csv", "jsonl"):
        raise fail("--format must be csv or jsonl")
    store = store_for_command(ctx, create=False)
    actor_for(store)  # a known user only (exit 4); checked before the file is created
    with store, open_output(out_file) as fh:
        n = _write(fh, fmt, EXPORT_COLUMNS, decision_export_rows(store.conn))
    _wrote(out_file, f"wrote {n:,} decisions to {_where(out_file)}")


@export_app.command("reviews")
def export_reviews(
    ctx: typer.Context,
    out_file: Annotated[Path, typer.Option("--out", help="Output file (created 0600: it holds notes; - for standard output).")],
    fmt: Annotated[str, typer.Option("--format", help="csv or jsonl.")] = "csv",
    include_pending: Annotated[bool, typer.Option("--all", help="Also cases on a track never reviewed.")
                               ] = False,
) -> None:
    """The current review decision per case (the export is itself recorded in the audit log)."""
    from clearterm.domain.dates import utc_now_iso
    from clearterm.storage import audit

    if fmt not in ("csv", "jsonl"):
        raise fail("--format must be csv or jsonl")
    store = store_for_command(ctx, create=False)
    who = actor_for(store)  # a known user only (exit 4), named in the audit entry
    with store:
        rows = _review_rows(store.conn, include_pending)
        with open_output(out_file) as fh:
            hashed = _Hashing(fh)
            n = _write(hashed, fmt, EXPORT_REVIEW_COLUMNS, rows)
        digest = hashed.sha256.hexdigest()
        with store.write() as conn:
            audit.append(conn, at=utc_now_iso(), actor=who, event="export.reviews",
                         detail={"rows": n, "format": fmt, "sha256": digest, "file": _where(out_file)})
    _wrote(out_file, f"wrote {n:,} case reviews to {_where(out_file)}")


class _Hashing:
    """A text file that also hashes what is written to it (the bytes the file holds, UTF-8)."""

    def __init__(self, fh) -> None:
        self.fh = fh
        self.sha256 = hashlib.sha256()

    def write(self, text: str) -> int:
        self.sha256.update(text.encode("utf-8"))
        return self.fh.write(text)


def _where(out_file: Path) -> str:
    return "standard output" if str(out_file) == "-" else Path(out_file).name


def _wrote(out_file: Path, line: str) -> None:
    """The closing line: on stderr when the data went to standard output (``--out -``)."""
    if str(out_file) == "-":
        problem(line)
    else:
        say(line)


def _review_rows(conn, include_pending: bool):
    """The rows of ``export reviews``: each case's current review, with its objection deadline."""
    from datetime import date as _date

    from clearterm.domain.deadlines import objection_deadline
    from clearterm.storage.reports import review_export_rows

    for (number, person, track, status, ground, note, served, reviewer, decided_at, version,
         decided_track) in review_export_rows(conn, include_pending):
        deadline = (objection_deadline(_date.fromisoformat(served)).isoformat()
                    if served and track == "petition" else None)
        yield (number, person, track, status, ground, note, served, deadline, reviewer, decided_at, version,
               decided_track)
