"""``clearterm research`` (cases that need research, and petitions that match no case or more than
one person) and ``clearterm petitions import|list`` (the Clerk's list of served petitions).

Registered on the root app by :mod:`clearterm.cli.main`. Exit codes: 0 done; 2 bad input (one
line naming the file, and for rows the line and field, in the quarantine) or a bad option; 3 a
reconciliation that does not balance (a bug); 4 access denied. Messages never hold a
petitioner's name or date of birth; the research export is written 0600 with formulas
neutralised.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated, Optional

import typer
from clearterm.cli.common import actor_for, fail, is_stdout, open_output, problem, say, store_for_command
from clearterm.cli.listing import FormatOption, Listing, OutputFormat, emit, prose_to_stderr

petitions_app = typer.Typer(help="The Clerk's list of petitions served on the office.", no_args_is_help=True)

RESEARCH_COLUMNS = ("kind", "case_number", "person_id", "track", "missing", "served_date", "deadline",
                    "days_left", "candidates")


def _today(text: str | None) -> date:
    from clearterm.domain.dates import DateError, parse_date

    try:
        return parse_date(text) if text else date.today()
    except DateError as exc:
        raise fail(f"--today {exc}") from None


def _rows(conn, today: date):
    """The research list as export rows: cases first (by case id), then open petitions (oldest service first)."""
    from clearterm.services.research import open_petitions, research_cases

    for c in research_cases(conn):
        yield ("case", c.case_number, c.person_id, c.track or "", ";".join(c.missing), "", "", "", "")
    for p in open_petitions(conn):
        what = "petition_unmatched" if p.match == "unmatched" else "petition_ambiguous"
        yield (what, p.case_number, p.person_id, "", "", p.served_date, p.deadline.isoformat(),
               p.days_left(today), p.candidates)


def research(
    ctx: typer.Context,
    export: Annotated[Optional[Path], typer.Option("--export", help=(
        "Write the whole list to this CSV file (0600; - for standard output)."))] = None,
    today: Annotated[Optional[str], typer.Option(help="The day deadlines are counted from (default: today).")] = None,
    limit: Annotated[int, typer.Option(help="Lines shown on the terminal (the export has all).")] = 50,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Cases that cannot be filed because data is missing, and petitions that match no case or more than one person."""
    from clearterm.domain.research import MISSING_ITEMS
    from clearterm.domain.text import csv_row

    ctx.with_resource(prose_to_stderr(fmt))  # csv, json: the summary lines on stderr, the listing on stdout
    bound = _today(today)
    store = store_for_command(ctx, create=False)
    actor_for(store)  # a known user only (exit 4)
    with store:
        rows = list(_rows(store.conn, bound))
        if export is not None:
            import csv

            with open_output(export) as fh:
                w = csv.writer(fh)
                w.writerow(RESEARCH_COLUMNS)
                for row in rows:
                    w.writerow(csv_row(row))
            if is_stdout(export):  # standard output is the export alone: no listing after it
                problem(f"wrote {len(rows):,} research line(s) to standard output")
                return
            say(f"wrote {len(rows):,} research line(s) to {export}")
    cases = [r for r in rows if r[0] == "case"]
    petitions = [r for r in rows if r[0] != "case"]
    by = {k: sum(1 for r in cases if k in r[4].split(";")) for k in MISSING_ITEMS}
    case_rows = [(r[1], r[2], r[3], r[4].replace(";", ", ")) for r in cases[:limit]]
    petition_rows = [(r[1], r[2], r[0].split("_")[1], r[5], r[6], r[7]) for r in petitions[:limit]]
    cases_listing = Listing("cases", "Cases that need research", ("case", "person", "track", "missing"), case_rows)
    petitions_listing = Listing("petitions", "Petitions to research", ("case", "person", "match", "served",
                                                                       "deadline", "days left"), petition_rows)
    say(f"{len(cases):,} case(s) need research ("
        + ", ".join(f"{k} {n:,}" for k, n in by.items() if n) + ")" if cases else "Cases that need research: none")
    if fmt is not OutputFormat.table:
        emit([cases_listing, petitions_listing], fmt)
    elif cases:
        emit([cases_listing])
    if len(cases) > limit:
        say(f"... and {len(cases) - limit:,} more (--limit, or --export FILE for all)")
    say(f"{len(petitions):,} petition(s) match no stored case or more than one person: the office must still "
        "answer within 60 days of service" if petitions else "Petitions to research: none")
    if petitions and fmt is OutputFormat.table:
        emit([petitions_listing])


@petitions_app.command("import")
def petitions_import(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(metavar="FILE", help="The Clerk's list (CSV or JSON Lines): see schemas/petition.schema.json.",
                                         show_default=False)],
    today: Annotated[Optional[str], typer.Option(help="Dates after this day are errors (default: today).")] = None,
    user: Annotated[Optional[str], typer.Option("--user", help="Act as this clearterm user (default: the login).")
                    ] = None,
) -> None:
    """Import served petitions: each matched case gets its service date (audited) and deadline; the rest go to research."""
    from clearterm.ingest import InputError
    from clearterm.services.research import ResearchDenied, import_petitions

    bound = _today(today)
    store = store_for_command(ctx)
    who = actor_for(store, "reviewer", user)
    with store:
        try:
            res = import_petitions(store, file, actor=who, today=bound)
        except InputError as exc:
            raise fail(str(exc)) from None
        except ResearchDenied as exc:
            raise fail(str(exc), 4) from None
    say(res.summary())
    if not res.balanced:
        raise fail(f"{res.file_name}: reconciliation does not balance", 3)
    if res.quarantined:
        say(f"{res.quarantined:,} row(s) quarantined: see 'clearterm quarantine'")


@petitions_app.command("list")
def petitions_list(
    ctx: typer.Context,
    today: Annotated[Optional[str], typer.Option(help="The day deadlines are counted from (default: today).")] = None,
    limit: Annotated[int, typer.Option(help="Lines shown.")] = 100,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Every imported petition: its case, service date, deadline, match and what importing did."""
    from clearterm.domain.cases import case_label
    from clearterm.domain.deadlines import objection_deadline
    from clearterm.storage.research import petition_rows

    bound = _today(today)
    store = store_for_command(ctx, create=False)
    actor_for(store)
    with store:
        rows = petition_rows(store.conn)
    listed = []
    for (_id, number, person, served, _filed, _hearing, match, _cands, _case, outcome, flag, _msg) in rows[:limit]:
        deadline = objection_deadline(date.fromisoformat(served))
        done = f"{outcome}: {flag}" if flag else (outcome or "research")
        listed.append((case_label(number, person), served, deadline.isoformat(), (deadline - bound).days, match, done))
    emit([Listing("petitions", f"Petitions ({len(rows):,})", ("case", "served", "deadline", "days", "match",
                                                              "on import"), listed,
                  empty="no petition imported yet; import the list with: clearterm petitions import FILE",
                  keys=("case", "served", "deadline", "days_left", "match", "on_import"))], fmt)
