"""``clearterm letters`` / ``letters mailed`` and ``clearterm notices`` / ``notices sent``.

Added to the root app as the ``letters`` and ``notices`` groups by :mod:`clearterm.cli.main`;
the work is in :mod:`clearterm.services.letters`. Each takes ``--today DATE`` (default: the system
date): a mailing or a notice dated after it is refused.

Exit codes: 0 done; 2 refused (bad option, no such batch, nothing ruled, a letter that cannot be
addressed, no phone or e-mail in the office block): nothing written; 4 not a known user.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated, Optional

import typer

from clearterm.cli.choices import LetterKind
from clearterm.cli.common import actor_for, fail, problem, refuse_stdout, say, store_for_command

USER = typer.Option("--user", help="Who acts (default: the login user).")
TODAY = typer.Option("--today", help="The calendar's today, YYYY-MM-DD (default: the system date).")
BATCH = typer.Option("--batch", help="The batch: its id or label.")

letters_app = typer.Typer(help="Letters to the person after the court's ruling (granted or denied).",
                          invoke_without_command=True, no_args_is_help=False)
notices_app = typer.Typer(help="Notices to agencies of the orders granted in a batch.",
                          invoke_without_command=True, no_args_is_help=False)


def _day(text: str | None, option: str) -> date:
    if text is None:
        return date.today()
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise fail(f"{option} must be a date YYYY-MM-DD") from None


def _need(ctx: typer.Context, **options) -> None:
    missing = [name for name, value in options.items() if value is None]
    if missing:
        problem(ctx.get_help())
        raise fail("missing option(s): " + ", ".join(missing))


@letters_app.callback()
def letters(
    ctx: typer.Context,
    batch: Annotated[Optional[str], BATCH] = None,
    kind: Annotated[Optional[LetterKind], typer.Option("--kind", help="granted or denied.")] = None,
    out_dir: Annotated[Optional[Path], typer.Option("--out", help="Folder for the PDF and the mail list (0700).")] = None,
    leave_out: Annotated[bool, typer.Option("--leave-out-unmailable",
                                            help="Leave out (and name) cases with no name or address on file.")] = False,
    today: Annotated[Optional[str], TODAY] = None,
    user: Annotated[Optional[str], USER] = None,
) -> None:
    """Write the letters of a batch's granted (or denied) cases: one PDF, one mailing per person in
    ZIP order, and the mail list CSV in the same order (subcommand 'mailed' records the mailing)."""
    if ctx.invoked_subcommand is not None:
        return
    _need(ctx, **{"--batch": batch, "--kind": kind, "--out": out_dir})
    refuse_stdout(out_dir, what="a folder (the letters PDF and the mail list)")
    from clearterm.services import letters as sl

    day = _day(today, "--today")
    store = store_for_command(ctx, create=False)
    who = actor_for(store, explicit=user)
    with store:
        try:
            made = sl.make_letters(store, batch, kind=kind, out_dir=out_dir, actor=who, today=day,
                                   leave_out_unmailable=leave_out)
        except sl.LetterError as exc:
            raise fail(str(exc)) from None
    say(f"wrote {len(made.mailings):,} {made.kind} letter(s) of batch {made.batch_label} ({made.pages:,} pages, "
        f"ZIP order) to {made.pdf}, and the mail list {made.mail_list}")
    if made.not_standardised:
        problem(f"warning: {made.not_standardised} address(es) could not be put in USPS form: check the rows "
                "marked usps_standardised=no in the mail list")
    if made.left_out:
        problem(f"warning: {len(made.left_out)} case(s) left out: " + "; ".join(made.left_out[:12])
                + (" ..." if len(made.left_out) > 12 else ""))
    say(f"when they are mailed: clearterm letters mailed --batch {batch} --kind {made.kind} --date YYYY-MM-DD")


@letters_app.command("mailed")
def mailed(
    ctx: typer.Context,
    batch: Annotated[str, BATCH],
    sent: Annotated[str, typer.Option("--date", help="The day the letters were mailed, YYYY-MM-DD.")],
    kind: Annotated[Optional[LetterKind], typer.Option("--kind", help="granted or denied (default: both).")] = None,
    today: Annotated[Optional[str], TODAY] = None,
    user: Annotated[Optional[str], USER] = None,
) -> None:
    """Record that the letters of a batch's ruled cases were mailed: the cases become 'notified'."""
    from clearterm.services import letters as sl

    day, when = _day(today, "--today"), _day(sent, "--date")
    store = store_for_command(ctx, create=False)
    who = actor_for(store, explicit=user)
    with store:
        try:
            label, cases = sl.record_mailed(store, batch, sent=when, actor=who, today=day, kind=kind)
        except sl.LetterError as exc:
            raise fail(str(exc)) from None
    if cases:
        say(f"recorded {len(cases):,} letter(s) of batch {label} mailed on {when.isoformat()}: those cases are notified")
    else:
        say(f"nothing to record: every letter of batch {label} was already recorded as mailed")


@notices_app.callback()
def notices(
    ctx: typer.Context,
    batch: Annotated[Optional[str], BATCH] = None,
    out_dir: Annotated[Optional[Path], typer.Option("--out", help="Folder for the notices (0700).")] = None,
    today: Annotated[Optional[str], TODAY] = None,
    user: Annotated[Optional[str], USER] = None,
) -> None:
    """Write, for a batch's granted cases, one list per agency to tell (Illinois State Police, the
    Clerk, each arresting agency), PDF and CSV (subcommand 'sent' records them as sent)."""
    if ctx.invoked_subcommand is not None:
        return
    _need(ctx, **{"--batch": batch, "--out": out_dir})
    refuse_stdout(out_dir, what="a folder (one notice per agency)")
    from clearterm.services import letters as sl

    day = _day(today, "--today")
    store = store_for_command(ctx, create=False)
    who = actor_for(store, explicit=user)
    with store:
        try:
            made = sl.make_notices(store, batch, out_dir=out_dir, actor=who, today=day)
        except sl.LetterError as exc:
            raise fail(str(exc)) from None
    for agency, n in made.agencies:
        say(f"{agency}: {n:,} order(s)")
    say(f"wrote {len(made.files):,} file(s) for batch {made.batch_label} to {out_dir}; when they are sent: "
        f"clearterm notices sent --batch {batch} --date YYYY-MM-DD")


@notices_app.command("sent")
def sent_cmd(
    ctx: typer.Context,
    batch: Annotated[str, BATCH],
    sent: Annotated[str, typer.Option("--date", help="The day the notices were sent, YYYY-MM-DD.")],
    agency: Annotated[Optional[str], typer.Option("--agency", help="Only this agency (default: every one).")] = None,
    today: Annotated[Optional[str], TODAY] = None,
    user: Annotated[Optional[str], USER] = None,
) -> None:
    """Record that the agencies were sent the notices of a batch's granted cases (audited)."""
    from clearterm.services import letters as sl

    day, when = _day(today, "--today"), _day(sent, "--date")
    store = store_for_command(ctx, create=False)
    who = actor_for(store, explicit=user)
    with store:
        try:
            label, added, named = sl.record_notices_sent(store, batch, sent=when, actor=who, today=day, agency=agency)
        except sl.LetterError as exc:
            raise fail(str(exc)) from None
    if added:
        say(f"recorded {added:,} notice(s) of batch {label} sent on {when.isoformat()} to: {', '.join(named)}")
    else:
        say(f"nothing to record: those notices of batch {label} were already recorded as sent")
