"""``clearterm assign``: give undecided cases to a reviewer (admin only; issue 15).

``--from NAME`` takes the undecided cases that reviewer holds instead (a reassignment), and
``--from NAME --release`` leaves them held by nobody. Registered on the root app by
:mod:`clearterm.cli.main`. Exit codes: 0 done (one line: how many
cases, to whom, the audit entry); 2 a bad request; 4 access denied (the caller is not an admin,
or the reviewer is not a known, enabled user with the reviewer role).
"""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from clearterm.cli.choices import Track, Tranche
from clearterm.cli.common import actor_for, fail, say, store_for_command


def assign(
    ctx: typer.Context,
    reviewer: Annotated[Optional[str], typer.Option("--reviewer", metavar="NAME",
                                                    help="The reviewer who gets the cases.")] = None,
    from_: Annotated[Optional[str], typer.Option("--from", metavar="NAME", help=(
        "Take the undecided cases this reviewer holds now (a reassignment, or with --release "
        "a release) instead of the cases nobody holds."))] = None,
    release: Annotated[bool, typer.Option("--release", help=(
        "Nobody holds the cases after (with --from; instead of --reviewer)."))] = False,
    track: Annotated[Optional[Track], typer.Option("--track", help="automatic, petition or review.")] = None,
    tranche: Annotated[Optional[Tranche], typer.Option("--tranche", help="1, 2 or 3 (99: none).")] = None,
    limit: Annotated[Optional[int], typer.Option("--limit", metavar="N", min=1,
                                                 help="At most N cases.")] = None,
) -> None:
    """Give a reviewer the undecided cases nobody holds, or another reviewer's (--from), or
    release them (--from NAME --release); queue order; admin only; audited."""
    from clearterm.services import access, casework
    from clearterm.services.review import ReviewError

    if release == (reviewer is not None):
        raise fail("give --reviewer NAME, or --release with --from NAME")
    if release and from_ is None:
        raise fail("--release needs --from NAME: whose cases to release")
    store = store_for_command(ctx, create=False)
    who = actor_for(store, "admin")
    with store:
        try:
            done = casework.assign(store, reviewer=reviewer, actor=who, track=track, tranche=tranche, limit=limit,
                                   from_reviewer=from_)
        except access.AccessDenied as exc:
            raise fail(str(exc), access.EXIT_DENIED) from None
        except ReviewError as exc:
            raise fail(str(exc)) from None
    whose = "without a reviewer" if from_ is None else f"held by {from_}"
    if done.cases == 0:
        target = "nothing released" if release else f"nothing given to {done.reviewer}"
        say(f"no undecided case {whose} matches; {target}")
        return
    what = "released" if release else f"gave {done.cases:,} case(s) to {done.reviewer}"
    if release:
        what = f"released {done.cases:,} case(s) {whose}"
    elif from_ is not None:
        what += f" (from {from_})"
    say(f"{what} (assignments {done.first_id}-{done.last_id}, audit entry {done.audit_seq})")
