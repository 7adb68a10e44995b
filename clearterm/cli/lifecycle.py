"""The life of a case after signing: ``batch file``, ``ruling``, ``rulings import`` and ``docket``.

Registered by :mod:`clearterm.cli.main` (``batch file`` on the ``batch`` group). The work is in
:mod:`clearterm.services.lifecycle` and :mod:`clearterm.services.rulings`. Every command takes
``--today DATE`` (default: the system date), the day every date is checked against.

Exit codes: 0 done; 2 a request that cannot be recorded or a file that cannot be read (one line
naming the file, line and field); 3 a rulings file whose reconciliation does not balance (a
bug); 4 access denied (``batch file``, ``ruling`` and ``rulings import`` need the reviewer role,
``docket`` a known user of the store). No message holds a name, a date of birth or an address.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated, Optional

import typer

from clearterm.cli.common import actor_for, fail, problem, progress_bar, say, store_for_command
from clearterm.cli.listing import FormatOption, Listing, OutputFormat, emit

TODAY_OPTION = typer.Option("--today", metavar="DATE", help="The day dates are checked against (default: today).")
USER_OPTION = typer.Option("--user", help="Who acts (default: the login user).")

rulings_app = typer.Typer(help="Rulings files from the Clerk or the courtroom.", no_args_is_help=True)


def parse_today(today: str | None) -> date:
    """``--today`` as a date (the system date when not given); exit 2 if unreadable."""
    from clearterm.domain.dates import DateError, parse_date

    try:
        return parse_date(today) if today else date.today()
    except DateError as exc:
        raise fail(f"--today {exc}") from None


def _refused(exc: Exception) -> typer.Exit:
    from clearterm.services import access, lifecycle

    return fail(str(exc), access.EXIT_DENIED if isinstance(exc, lifecycle.LifecycleDenied) else 2)


# -- batch file ---------------------------------------------------------------------------------
def batch_file(
    ctx: typer.Context,
    batch_ref: Annotated[str, typer.Argument(metavar="ID", help="Batch id or label.")],
    court_date: Annotated[str, typer.Option("--court-date", metavar="DATE", help="The court call it is set for.")],
    courtroom: Annotated[Optional[str], typer.Option("--courtroom", help="The courtroom.")] = None,
    call: Annotated[Optional[str], typer.Option("--call", help="The call (e.g. 9:30 a.m.).")] = None,
    today: Annotated[Optional[str], TODAY_OPTION] = None,
    user: Annotated[Optional[str], USER_OPTION] = None,
) -> None:
    """Record that a signed batch was filed (today) and set for a court date; again: a later date."""
    from clearterm.services import lifecycle

    day = parse_today(today)
    store = store_for_command(ctx, create=False)
    who = actor_for(store, "reviewer", explicit=user)
    with store:
        try:
            r = lifecycle.file_batch(store, batch_ref, court_date=court_date, courtroom=courtroom, call=call,
                                     actor=who, today=day)
        except lifecycle.LifecycleError as exc:
            raise _refused(exc) from None
    if r.kind == "filed":
        say(f"batch {r.batch_id} ({r.label}) filed {r.filed_date}, set for {r.court_date}: {r.cases:,} case(s) "
            f"filed; audit entry {r.audit_seq}")
    else:
        say(f"batch {r.batch_id} ({r.label}) moved from {r.previous_court_date} to {r.court_date}; "
            f"audit entry {r.audit_seq}")


# -- ruling -------------------------------------------------------------------------------------
def ruling(
    ctx: typer.Context,
    case: Annotated[str, typer.Argument(metavar="CASE", help="The case number, or CASE_NUMBER/PERSON_ID.",
                                        show_default=False)],
    person: Annotated[Optional[str], typer.Option("--person", metavar="PERSON_ID",
                                                  help="The person (co-defendants).")] = None,
    granted: Annotated[bool, typer.Option("--granted", help="Granted: vacated and expunged.")] = False,
    denied: Annotated[bool, typer.Option("--denied", help="Denied.")] = False,
    continued: Annotated[bool, typer.Option("--continued", help="Continued (give --next-date).")] = False,
    stricken: Annotated[bool, typer.Option("--stricken", help="Stricken from the call.")] = False,
    withdrawn: Annotated[bool, typer.Option("--withdrawn", help="Withdrawn by the office.")] = False,
    on: Annotated[Optional[str], typer.Option("--date", metavar="DATE", help="The ruling's date.")] = None,
    next_date: Annotated[Optional[str], typer.Option("--next-date", metavar="DATE",
                                                     help="Continued: the next court date.")] = None,
    judge: Annotated[Optional[str], typer.Option("--judge", metavar="NAME", help="The judge.")] = None,
    order_number: Annotated[Optional[str], typer.Option("--order-number", metavar="N",
                                                        help="The order's number.")] = None,
    today: Annotated[Optional[str], TODAY_OPTION] = None,
    user: Annotated[Optional[str], USER_OPTION] = None,
) -> None:
    """Record the court's ruling on a filed case (audited; the same ruling again is a no-op)."""
    from clearterm.services import lifecycle, review

    chosen = [n for n, on_ in (("granted", granted), ("denied", denied), ("continued", continued),
                               ("stricken", stricken), ("withdrawn", withdrawn)) if on_]
    if len(chosen) != 1:
        raise fail("give exactly one of --granted, --denied, --continued, --stricken, --withdrawn")
    if on is None:
        raise fail("give the ruling's date: --date DATE")
    day = parse_today(today)
    try:
        req = lifecycle.make_request(chosen[0], on, next_date, judge, order_number)
    except lifecycle.LifecycleError as exc:
        raise fail(str(exc).replace("ruling_date", "--date").replace("next_court_date", "--next-date")) from None
    store = store_for_command(ctx, create=False)
    who = actor_for(store, "reviewer", explicit=user)
    with store:
        try:
            ref = review.resolve_case(store.conn, case, person)
            r = lifecycle.record_ruling(store, ref.id, req, actor=who, today=day)
        except review.ReviewError as exc:
            raise fail(str(exc)) from None
        except lifecycle.LifecycleError as exc:
            raise _refused(exc) from None
    if not r.recorded:
        say(f"case {r.label}: {r.ruling} on {r.ruling_date} was already recorded; nothing changed")
        return
    tail = f", next court date {r.court_date}" if r.state == "continued" and r.court_date else ""
    say(f"recorded {r.ruling} on {r.ruling_date} for case {r.label}: now {r.state}{tail}; audit entry {r.audit_seq}")


# -- rulings import -----------------------------------------------------------------------------
@rulings_app.command("import")
def rulings_import(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(metavar="FILE", help="CSV or JSON Lines (optionally .gz).")],
    encoding: Annotated[Optional[str], typer.Option(help="The file's text encoding (default: UTF-8).")] = None,
    today: Annotated[Optional[str], TODAY_OPTION] = None,
    user: Annotated[Optional[str], USER_OPTION] = None,
) -> None:
    """Apply a list of rulings: every row applied or quarantined; prints the reconciliation."""
    from clearterm.ingest.readers import InputError
    from clearterm.services import lifecycle, rulings

    day = parse_today(today)
    try:
        src = rulings.open_rulings(file, encoding)
    except InputError as exc:
        raise fail(str(exc)) from None
    store = store_for_command(ctx, create=False)
    who = actor_for(store, "reviewer", explicit=user)
    with store:
        try:
            with progress_bar(f"rulings {src.path.name}", src.approx_lines or None) as update:
                res = rulings.import_rulings(store, src, actor=who, today=day, progress=update)
        except InputError as exc:
            raise fail(str(exc)) from None
        except lifecycle.LifecycleError as exc:
            raise _refused(exc) from None
    say(res.summary())
    if not res.balanced:
        raise fail(f"{src.path.name}: reconciliation does not balance", 3)
    if res.quarantined:
        say(f"{res.quarantined:,} row(s) quarantined: see 'clearterm quarantine --source {res.source_id}'")


# -- docket -------------------------------------------------------------------------------------
def docket(
    ctx: typer.Context,
    days: Annotated[int, typer.Option("--days", min=0, help="Follow up a granted case without a letter, or "
                                      "a signed batch not filed, after N days.")] = 14,
    limit: Annotated[int, typer.Option("--limit", min=1, help="Lines to show.")] = 500,
    today: Annotated[Optional[str], TODAY_OPTION] = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """What has gone quiet: one line each, oldest first, with what to do."""
    from clearterm.services import lifecycle

    day = parse_today(today)
    store = store_for_command(ctx, create=False)
    actor_for(store)  # case numbers and person ids: a known user only (exit 4)
    with store:
        try:
            items = lifecycle.docket(store.conn, today=day, days=days, limit=limit)
            counts = lifecycle.docket_counts(store.conn, today=day, days=days)
        except lifecycle.LifecycleError as exc:
            raise fail(str(exc)) from None
    total = sum(counts.values())
    if fmt is not OutputFormat.table:  # for tools: the lines as rows; the summary on stderr
        emit([Listing("docket", "Follow-up", ("since", "days", "kind", "case", "batch", "to_do"),
                      [(f.since, f.days, f.kind, f.case, f.batch, f.todo) for f in items])], fmt)
        problem(f"{total:,} follow-up(s) as of {day}" if total else f"Follow-up: none as of {day}")
        return
    if not total:
        say(f"Follow-up: none as of {day}")
        return
    for f in items:
        say(f.line)
    if total > len(items):
        say(f"... and {total - len(items):,} more (--limit)")
    say(f"{total:,} follow-up(s) as of {day}"
        + (": " + ", ".join(f"{lifecycle.KIND_TITLES[k]} {n:,}" for k, n in counts.items()) if counts else ""))
