"""The command palette (ctrl+p): jump to a case, switch the queue, the deadlines view, record a
service date, start a batch, batch status.

"Jump to case" takes the case number typed into the palette (``CASE_NUMBER`` or
``CASE_NUMBER/PERSON_ID``); it is resolved in a worker, not here, so typing never waits on
the store.
"""

from __future__ import annotations

from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider

from clearterm.storage.reviews import STATUSES, TRACKS
from clearterm.tui.backend import QueueFilter


def queue_commands() -> list[tuple[str, str, QueueFilter | dict]]:
    """(title, help, filter change) for every "switch queue" command."""
    cmds: list[tuple[str, str, QueueFilter | dict]] = [
        ("Queue: everything (clear filters)", "All tracks, tranches, statuses and deadlines", QueueFilter()),
        ("Queue: any track", "Show every track", {"track": None}),
    ]
    cmds += [(f"Queue: {t} track", f"Only cases on the {t} track", {"track": t}) for t in TRACKS]
    cmds += [(f"Queue: status {s}", f"Only {s} cases", {"status": s}) for s in STATUSES]
    cmds += [("Queue: any status", "Every status", {"status": None}),
             ("Queue: overdue petitions", "Petitions past their objection deadline, not decided",
              {"track": "petition", "deadline": "overdue"}),
             ("Queue: petitions due soon", "Objection due within 14 days, not decided",
              {"track": "petition", "deadline": "soon"}),
             ("Queue: any deadline", "Drop the deadline filter", {"deadline": None})]
    cmds += [(f"Queue: tranche {n}", f"Only tranche {n}", {"tranche": n}) for n in (1, 2, 3)]
    cmds += [("Queue: any tranche", "Every tranche", {"tranche": None})]
    from clearterm.storage.lifecycle import LIFECYCLE_STATES

    cmds += [(f"Queue: state {s.replace('_', ' ')}", f"Only cases {s.replace('_', ' ')} (after the decision)",
              {"life": s}) for s in LIFECYCLE_STATES]
    cmds += [("Queue: any state", "Drop the state filter", {"life": None})]
    return cmds


def static_commands(app) -> list[tuple[str, str, object]]:
    out = [(title, text, partial(app.switch_queue, change)) for title, text, change in queue_commands()]
    out += [("Queue: mine", "Only the cases assigned to you (m toggles)",
             partial(app.switch_queue, {"holder": app.reviewer})),
            ("Queue: everyone's", "Every holder (drop the mine filter)", partial(app.switch_queue, {"holder": None}))]
    out += [(f"Start batch: {t} track", f"Open a batch of the {t} track's approved cases", partial(app.start_batch, t))
            for t in ("automatic", "petition")]
    out += [("Deadlines: petitions by days left", "Undecided petitions: overdue first, then by days left, "
             "then those without a service date", partial(app.show_deadlines, "all")),
            ("Deadlines: overdue petitions", "Past the objection deadline, the longest overdue first",
             partial(app.show_deadlines, "overdue")),
            ("Deadlines: due within 14 days", "Objection due soon, soonest first", partial(app.show_deadlines, "soon")),
            ("Deadlines: no service date", "Petitions whose service date is not recorded",
             partial(app.show_deadlines, "unserved")),
            ("Record service date", "The date the petition on screen was served (v)", app.record_service)]
    out += [("Batch status", "List the batches and whether they are signed", app.show_batches),
            ("Help: keys", "Every key binding", app.action_help)]
    out += [("Follow-up", "What has gone quiet after signing: court dates passed, letters not sent, ...",
             app.action_follow_up),
            ("Record a ruling", "The court's ruling on the highlighted case (key R)", app.action_ruling)]
    return out


class ReviewCommands(Provider):
    async def discover(self) -> Hits:
        for title, text, cb in static_commands(self.app):
            yield DiscoveryHit(title, cb, help=text)

    async def search(self, query: str) -> Hits:
        q = query.strip()
        matcher = self.matcher(q)
        if q and any(ch.isdigit() for ch in q):
            yield Hit(1.0, matcher.highlight(f"Jump to case {q}"), partial(self.app.jump_to_case, q),
                      text=f"Jump to case {q}", help="Open the case with this number (CASE or CASE/PERSON_ID)")
        for title, text, cb in static_commands(self.app):
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), cb, help=text)
