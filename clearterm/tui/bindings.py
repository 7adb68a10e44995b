"""Every key binding of the workstation, by screen, each with an id (the keymap's handle).

Kept in one module so the help screen (generated from these lists) and the keymap loader
(which refuses unknown ids) see exactly what the screens bind. No Alt keys (they do not
survive every SSH client) and nothing that needs a mouse.
"""

from __future__ import annotations

import dataclasses

from textual.binding import Binding

from clearterm.domain.deadlines import OBJECTION_GROUNDS

#: The keys that pick an objection ground: 1..N, one per ground of OBJECTION_GROUNDS (N <= 9).
GROUND_KEYS_RANGE = f"1-{len(OBJECTION_GROUNDS)}"

#: Everywhere (the App).
APP = [
    Binding("question_mark", "help", "Help", id="help", tooltip="Show every key (this screen)", key_display="?"),
    Binding("ctrl+p", "command_palette", "Palette", id="palette", show=False, tooltip="Commands: jump to a case, switch queue, start a batch, batch status", priority=True, key_display="^p"),
    Binding("ctrl+q", "quit", "Quit", id="quit", tooltip="Leave the workstation (every action shown as done is already stored)", priority=True, show=False),
    Binding("F", "follow_up", "Follow-up", id="follow_up", show=False, tooltip="Follow-up: what has gone quiet after signing (clearterm docket)"),
]

#: Review actions: on the queue (the highlighted case) and on the case screen.
ACTIONS = [
    Binding("a", "approve", "Approve", id="approve", tooltip="Approve: include in the motion (automatic) or no objection (petition)"),
    Binding("o", "object", "Object", id="object", tooltip=f"Object to a petition: ground {GROUND_KEYS_RANGE}, a note, the service date if unknown"),
    Binding("x", "exclude", "Exclude", id="exclude", tooltip="Exclude from relief, with a reason"),
    Binding("d", "defer", "Defer", id="defer", tooltip="Defer: decide later"),
    Binding("u", "undo", "Undo", id="undo", tooltip="Undo your latest action (a new, compensating entry)"),
]

_MOVE = Binding.Group("Next/Prev")

NAVIGATION = [
    Binding("n,j", "next", "Next", id="next", group=_MOVE, tooltip="Next case in the queue"),
    Binding("p,k", "previous", "Prev", id="previous", group=_MOVE, tooltip="Previous case in the queue"),
]

QUEUE = [
    *ACTIONS,
    *[dataclasses.replace(b, show=False) for b in NAVIGATION],  # arrows and j/k: no footer room
    Binding("enter", "open", "Open", id="open", show=False, tooltip="Open the highlighted case"),
    Binding("slash", "search", "Search", id="search", tooltip="Search by case number, person id or name", key_display="/"),
    Binding("f", "filter", "Filter", id="filter", tooltip="Filter by track, tranche, status and deadline"),
    # One key, no dialog: the next value of one filter (the footer has no room for them at 80 columns).
    Binding("t", "cycle_track", "Track", id="filter_track", show=False,
            tooltip="Next track filter: all, automatic, petition, review"),
    Binding("s", "cycle_status", "Status", id="filter_status", show=False,
            tooltip="Next status filter: all, pending, approved, objected, excluded, deferred"),
    Binding("escape", "clear_search", "Clear search", id="clear_search", tooltip="Close the search box, or clear the search", show=False),
]

CASE = [
    *ACTIONS,
    *NAVIGATION,
    Binding("t", "trail", "Steps", id="trail", show=False,
            tooltip="Show or hide each charge's step-by-step trail through the rules"),
    Binding("escape", "back", "Back", id="back", tooltip="Back to the queue, at the same place"),
]

OBJECTION = [
    *[Binding(str(i), f"ground({i})", f"Ground {i}", id=f"ground_{i}", show=False,
              tooltip=f"Ground {i}: {g.key}") for i, g in enumerate(OBJECTION_GROUNDS, 1)],
    Binding("ctrl+s", "submit", "Record", id="dialog_submit", tooltip="Record the objection", priority=True),
    Binding("escape", "cancel", "Cancel", id="dialog_cancel", tooltip="Close without recording anything"),
]

DIALOG = [
    Binding("ctrl+s", "submit", "Apply", id="dialog_submit", tooltip="Record the exclusion / apply the filter", priority=True),
    Binding("escape", "cancel", "Cancel", id="dialog_cancel", tooltip="Close without recording anything"),
]

HELP = [
    Binding("escape,q,question_mark", "close", "Close", id="help_close", tooltip="Close the help"),
]

#: Issue 16: record a court's ruling on the highlighted case (queue and case screens).
LIFECYCLE = [
    Binding("R", "app.ruling", "Ruling", id="ruling", show=False, tooltip="Record the court's ruling on a filed case"),
]
QUEUE += LIFECYCLE
CASE += LIFECYCLE

FOLLOW_UP = [
    Binding("escape,q", "close", "Close", id="follow_up_close", tooltip="Close the follow-up list"),
]

RULING = [
    *[Binding(k, f"choose('{r}')", r.capitalize(), id=f"ruling_{r}", show=False, tooltip=f"Ruling: {r}")
      for k, r in (("g", "granted"), ("d", "denied"), ("c", "continued"), ("s", "stricken"), ("w", "withdrawn"))],
    Binding("ctrl+s", "submit", "Record", id="dialog_submit", tooltip="Record the ruling", priority=True),
    Binding("escape", "cancel", "Cancel", id="dialog_cancel", tooltip="Close without recording anything"),
]

#: (title, bindings) in the order the help screen lists them.
SECTIONS: list[tuple[str, list[Binding]]] = [
    ("Everywhere", APP),
    ("Queue", QUEUE),
    ("Case", CASE),
    ("Objection dialog", OBJECTION),
    ("Exclude and filter dialogs", DIALOG),
    ("Help", HELP),
    ("Follow-up", FOLLOW_UP),
    ("Ruling dialog", RULING),
]


def binding_ids() -> set[str]:
    return {b.id for _, group in SECTIONS for b in group if b.id}
