"""``clearterm review``: open the review workstation (the Textual TUI) on the store.

Registered on the root app by :mod:`clearterm.cli.main`.
Exit codes: 0 the reviewer quit; 2 it cannot start (no terminal, no store, a bad
reviewer name or keymap); 4 access denied (not a known, enabled user with the reviewer role). Messages never hold record data.
"""

from __future__ import annotations

import sys
from typing import Annotated, Optional

import typer

from clearterm.cli.common import actor_for, fail, store_for_command

NO_TTY = "clearterm review needs a terminal; connect with ssh -t"


def has_terminal() -> bool:
    return sys.stdin.isatty() and sys.stdout.isatty()


def review_cmd(
    ctx: typer.Context,
    reviewer: Annotated[Optional[str], typer.Option("--reviewer", help="Who reviews (default: the login "
                                                     "user); recorded on every action.")] = None,
) -> None:
    """Open the review workstation: step through the queue and decide (keys: ? for help)."""
    from clearterm.tui import run_review
    from clearterm.tui.keymap import KeymapError

    if not has_terminal():
        raise fail(NO_TTY)
    store = store_for_command(ctx, create=False)
    # A login that is not a known reviewer sees one refusal, never the queue.
    who = actor_for(store, "reviewer", explicit=reviewer)
    with store:
        try:
            run_review(store, who)
        except KeymapError as exc:
            raise fail(str(exc)) from None
