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
    Binding("o", "object", "Object", id="object", tooltip=f"Object to a petition: ground {GROUND_KEYS_RANGE}, the supporting facts, the service date if unknown"),
    Binding("x", "exclude", "Exclude", id="exclude", tooltip="Exclude from relief, with a reason"),
    Binding("d", "defer", "Defer", id="defer", tooltip="Defer: decide later"),
    Binding("u", "undo", "Undo", id="undo", tooltip="Undo your latest action (a new, compensating entry)"),
    Binding("v", "served", "Served", id="served", show=False,
            tooltip="Record the date the petition was served (changing a recorded one needs a reason)"),
    Binding("N", "note", "Note", id="note", show=False,
            tooltip="Add a note to the case without a decision (audited, shown in the history)"),
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
    Binding("m", "toggle_mine", "Mine", id="filter_mine", show=False,
            tooltip="Only the cases assigned to you, or the whole queue again"),
    Binding("escape", "clear_search", "Clear", id="clear_search", show=False,
            tooltip="Close the search box; else clear the search; else clear every filter"),
    # Bulk approval (clearterm/tui/screens/bulk.py): marks are case ids, never loaded rows.
    Binding("space", "mark", "Mark", id="mark", show=False,
            tooltip="Mark or unmark the highlighted case for bulk approval (a * before it)"),
    Binding("asterisk", "mark_all", "Mark all", id="mark_all", show=False, key_display="*",
            tooltip="Mark every case the current filter shows, on every page; again: clear the marks"),
    Binding("A", "approve_marked", "Approve marked", id="approve_marked", key_display="A", show=False,
            tooltip="Approve the marked cases (pending, automatic track): a confirmation first"),
]

CASE = [
    *ACTIONS,
    *NAVIGATION,
    Binding("t", "trail", "Steps", id="trail", show=False,
            tooltip="Show or hide the highlighted charge's step-by-step trail through the rules"),
    Binding("down", "charge_down", "Next charge", id="charge_down", show=False,
            tooltip="Highlight the next charge (its explanation shows below the table)"),
    Binding("up", "charge_up", "Previous charge", id="charge_up", show=False, tooltip="Highlight the previous charge"),
    Binding("pagedown", "scroll_down", "Scroll down", id="scroll_down", show=False,
            tooltip="Scroll the case down (other cases, history)"),
    Binding("pageup", "scroll_up", "Scroll up", id="scroll_up", show=False, tooltip="Scroll the case up"),
    Binding("escape", "back", "Back", id="back", tooltip="Back to the queue, at the same place"),
]

DEADLINES = [
    *[dataclasses.replace(b, show=False) for b in NAVIGATION],
    Binding("enter", "open", "Open", id="deadlines_open", tooltip="Open the highlighted petition"),
    Binding("escape", "back", "Back", id="deadlines_back", tooltip="Back to the queue"),
]

OBJECTION = [
    *[Binding(str(i), f"ground({i})", f"Ground {i}", id=f"ground_{i}", show=False,
              tooltip=f"Ground {i}: {g.key}") for i, g in enumerate(OBJECTION_GROUNDS, 1)],
    Binding("ctrl+s", "submit", "Record", id="dialog_submit", tooltip="Record the objection", priority=True),
    Binding("escape", "cancel", "Cancel", id="dialog_cancel",
            tooltip="Close without recording anything (asks first if you typed something)"),
]

#: A yes/no question (a late objection, discarding typed text): only an explicit y confirms.
CONFIRM = [
    Binding("y", "yes", "Yes", id="confirm_yes", tooltip="Yes: do what the question says"),
    Binding("n,escape", "no", "No", id="confirm_no", tooltip="No: go back, nothing done"),
]

DIALOG = [
    Binding("ctrl+s", "submit", "Apply", id="dialog_submit", tooltip="Record the exclusion / apply the filter", priority=True),
    Binding("escape", "cancel", "Cancel", id="dialog_cancel", tooltip="Close without recording anything"),
]

BULK = [
    Binding("enter", "submit", "Approve", id="bulk_submit", priority=True,
            tooltip="Approve the cases counted above (each gets its own review and audit entry)"),
    Binding("n", "toggle_notes", "Notes", id="bulk_notes",
            tooltip="Leave out, or take in, the cases whose charges carry a note (left out at first)"),
    *[Binding(str(i), f"sample({i})", f"Case {i}", id=f"bulk_sample_{i}", show=False,
              tooltip=f"Open case {i} of the random sample to check it (escape comes back)") for i in range(1, 6)],
    Binding("escape", "cancel", "Cancel", id="dialog_cancel", tooltip="Close without recording anything"),
]

BULK_UNDO = [
    Binding("b", "whole", "Whole bulk", id="undo_bulk", tooltip="Undo the whole bulk approval (one undo entry per case)"),
    Binding("l", "last", "Last case", id="undo_last_case", tooltip="Undo only the last case of it"),
    Binding("escape", "cancel", "Cancel", id="dialog_cancel", tooltip="Close without recording anything"),
]

PREVIEW = [
    Binding("escape,q", "close", "Back", id="preview_close", tooltip="Back to the bulk approval dialog"),
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
    ("Deadlines view (palette: Deadlines)", DEADLINES),
    ("Objection dialog", OBJECTION),
    ("Exclude, service date and filter dialogs", DIALOG),
    ("Confirmation (late objection, discard typed text)", CONFIRM),
    ("Bulk approval dialog", BULK),
    ("Undo after a bulk approval", BULK_UNDO),
    ("A sample case (bulk approval)", PREVIEW),
    ("Help", HELP),
    ("Follow-up", FOLLOW_UP),
    ("Ruling dialog", RULING),
]


def binding_ids() -> set[str]:
    return {b.id for _, group in SECTIONS for b in group if b.id}
