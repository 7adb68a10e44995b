"""``clearterm assign``: give undecided cases to a reviewer (admin only; issue 15).

Registered on the root app by :mod:`clearterm.cli.main`. Exit codes: 0 done (one line: how many
cases, to whom, the audit entry); 2 a bad request; 4 access denied (the caller is not an admin,
or the reviewer is not a known, enabled user with the reviewer role).
"""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from clearterm.cli.common import actor_for, fail, say, store_for_command


def assign(
    ctx: typer.Context,
    reviewer: Annotated[str, typer.Option("--reviewer", metavar="NAME", help="The reviewer who gets the cases.")],
    track: Annotated[Optional[str], typer.Option("--track", metavar="T",
                                                 help="automatic, petition or review.")] = None,
    tranche: Annotated[Optional[int], typer.Option("--tranche", metavar="N", help="1, 2 or 3 (99: none).")] = None,
    limit: Annotated[Optional[int], typer.Option("--limit", metavar="N", min=1,
                                                 help="At most N cases.")] = None,
) -> None:
    """Give a reviewer the undecided cases nobody holds (queue order; admin only; audited)."""
    from clearterm.services import access, casework
    from clearterm.services.review import ReviewError

    store = store_for_command(ctx, create=False)
    who = actor_for(store, "admin")
    with store:
        try:
            done = casework.assign(store, reviewer=reviewer, actor=who, track=track, tranche=tranche, limit=limit)
        except access.AccessDenied as exc:
            raise fail(str(exc), access.EXIT_DENIED) from None
        except ReviewError as exc:
            raise fail(str(exc)) from None
    if done.cases == 0:
        say(f"no undecided case without a reviewer matches; nothing given to {done.reviewer}")
        return
    say(f"gave {done.cases:,} case(s) to {done.reviewer} (assignments {done.first_id}-{done.last_id}, "
        f"audit entry {done.audit_seq})")
