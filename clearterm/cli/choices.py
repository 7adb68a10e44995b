"""The values choice-like options take, as ``Literal`` types: Typer (its Click) checks them before
the command runs, offers them to shell completion and lists them in help (``[a|b|c]``); a bad
value is one line, ``error: --track must be one of automatic, petition, review`` (the wording is
made in :func:`clearterm.cli.main.plain_usage_error`).

Each tuple is the one the command's own layer checks against, so the two cannot drift apart
(``tests/cli/test_choices.py`` compares the ones this module cannot import cheaply).
"""

from __future__ import annotations

from typing import Literal

from clearterm.domain.deadlines import OBJECTION_GROUNDS
from clearterm.storage.lifecycle import LIFECYCLE_STATES
from clearterm.storage.notices import LETTER_KINDS
from clearterm.storage.reviews import DEADLINE_VIEWS, STATUSES, TRACKS

#: Tranches 1-3 (720 ILCS 5/5.2 timing) and 99, a case in none.
TRANCHES = (1, 2, 3, 99)
#: The tracks a batch is made of (clearterm.services.batches.TRACKS; it imports the document
#: renderer, too heavy to load for --help).
BATCH_TRACKS = ("automatic", "petition")
ROLES = ("reviewer", "signer", "admin")  # clearterm.services.access.ROLES

Track = Literal[TRACKS]  # type: ignore[valid-type]
BatchTrack = Literal[BATCH_TRACKS]  # type: ignore[valid-type]
Tranche = Literal[TRANCHES]  # type: ignore[valid-type]
Status = Literal[STATUSES]  # type: ignore[valid-type]
State = Literal[LIFECYCLE_STATES]  # type: ignore[valid-type]
DeadlineView = Literal[DEADLINE_VIEWS]  # type: ignore[valid-type]
LetterKind = Literal[tuple(LETTER_KINDS)]  # type: ignore[valid-type]
Role = Literal[ROLES]  # type: ignore[valid-type]
Ground = Literal[tuple(g.key for g in OBJECTION_GROUNDS)]  # type: ignore[valid-type]

#: How a bad value of these options is worded (else "OPTION must be one of a, b, c").
CHOICE_WORDING = {"--tranche": "--tranche must be 1, 2, 3 or 99 (none)"}
