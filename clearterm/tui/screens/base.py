"""What the queue and case screens share: the review actions and their workers.

An action names the case and the version the reviewer saw (the highlighted queue row, or the
case on screen). A thread worker records it through :class:`~clearterm.tui.backend.Backend`
(one transaction: review entry, audit entry, status) and posts the outcome back; the screen
moves on only when that message arrives, so what is shown as done is stored. While a write
is in flight further actions are refused (a second ``a`` must not act on a case the reviewer
has not seen yet).
"""

from __future__ import annotations

import sqlite3

from rich.text import Text
from textual import work
from textual.screen import Screen
from textual.widgets import Static

from clearterm.services import review
from clearterm.storage import StoreError
from clearterm.storage.reviews import ConflictError, QueueRow
from clearterm.tui.backend import label_of
from clearterm.tui.messages import ActionConflict, ActionRecorded, ActionRefused, BulkUndoOffer, NoteRecorded
from clearterm.tui.screens.bulk import BulkRunner, BulkUndoDialog
from clearterm.tui.screens.dialogs import ExcludeDialog, Objection, ObjectionDialog, ServiceDate, ServiceDialog
from clearterm.tui.screens.note import NoteDialog

DONE_TEXT = {"approve": "approval", "object": "objection", "exclude": "exclusion", "defer": "deferral",
             "serve": "service date", "undo": "undo"}


class ReviewScreen(BulkRunner, Screen):
    """A screen with a current case the review actions apply to."""

    busy = False

    def target(self) -> QueueRow | None:
        """The case an action applies to, as the reviewer saw it (status, version)."""
        raise NotImplementedError

    def seen_versions(self) -> dict[int, int]:
        t = self.target()
        return {t.case_id: t.version} if t else {}

    def update_header(self) -> None:
        """Show the app's header line (reviewer and progress)."""
        for w in self.query("#header").results(Static):
            w.update(self.app.header_text())

    def show_status(self, text: str) -> None:
        """One line in the screen's status bar (no toast): why a key did nothing, and the like."""
        self.app.set_status(text)

    def _petition(self, t: QueueRow, key: str, what: str) -> bool:
        """Whether ``t`` is a petition; if not, say why ``key`` does nothing, in the status bar.
        "This case" (not its label, up to 25 characters) keeps the whole reason within 80 columns;
        the line goes when another case is shown or highlighted (``ReviewApp.context_changed``)."""
        if t.track == "petition":
            return True
        track = f"on the {t.track} track" if t.track else "not on a relief track"
        self.show_status(f"{key}: {what} are for petitions only; this case is {track}.")
        return False

    def update_status(self) -> None:
        """Show the app's latest routine confirmation in this screen's one-line status bar."""
        for w in self.query("#status-bar").results(Static):
            w.update(Text(self.app.status_text, no_wrap=True, overflow="ellipsis"))  # data: no markup

    def on_screen_resume(self) -> None:
        self.update_status()

    # -- the actions -----------------------------------------------------------------------------
    def _ready(self) -> QueueRow | None:
        if self.busy:
            self.app.set_status("Still recording the previous action.")
            return None
        t = self.target()
        if t is None:
            self.app.set_status("No case selected.")
        return t

    def action_approve(self) -> None:
        if (t := self._ready()) is not None:
            self.start_action(t, "approve")

    def action_defer(self) -> None:
        if (t := self._ready()) is not None:
            self.start_action(t, "defer")

    def action_exclude(self) -> None:
        if (t := self._ready()) is None:
            return

        def done(reason: str | None) -> None:
            if reason:
                self.start_action(t, "exclude", note=reason)

        self.app.push_screen(ExcludeDialog(label_of(t)), done)

    def action_object(self) -> None:
        if (t := self._ready()) is None or not self._petition(t, "o", "objections"):
            return

        def done(obj: Objection | None) -> None:
            if obj is not None:
                self.start_action(t, "object", ground=obj.ground, note=obj.note, served=obj.served,
                                  confirm_late=obj.late_ok)

        self.app.push_screen(ObjectionDialog(label_of(t), served=t.service_date, today=self.app.today), done)

    def action_served(self) -> None:
        if (t := self._ready()) is None or not self._petition(t, "v", "service dates"):
            return

        def done(s: ServiceDate | None) -> None:
            if s is not None:
                self.start_action(t, "serve", served=s.served, note=s.note)

        self.app.push_screen(ServiceDialog(label_of(t), current=t.service_date, today=self.app.today), done)

    def action_undo(self) -> None:
        if self.busy:
            self.app.set_status("Still recording the previous action.")
            return
        self.busy = True
        self._undo_worker(self.seen_versions())

    def action_note(self) -> None:
        """A note on the case without a decision (audited; shown in the history)."""
        if (t := self._ready()) is None:
            return

        def done(text: str | None) -> None:
            if text:
                self.busy = True
                self._note_worker(t, text)

        self.app.push_screen(NoteDialog(label_of(t)), done)

    def start_action(self, t: QueueRow, action: str, **kw) -> None:
        self.busy = True
        self._act_worker(t, action, kw)

    # -- workers (threads: the UI never waits on the store) ----------------------------------------
    @work(thread=True, group="write")
    def _act_worker(self, t: QueueRow, action: str, kw: dict) -> None:
        app = self.app
        try:
            rec = app.backend.act(t.case_id, action, expected_version=t.version, **kw)
        except ConflictError as exc:
            self.post_message(ActionConflict(f"Conflict: {exc}", t.case_id, app.backend.row(t.case_id)))
            return
        except (review.ReviewError, StoreError, sqlite3.Error) as exc:
            self.post_message(ActionRefused(f"Not recorded: {exc}"))
            return
        if action == "serve":  # not a decision: stay on the case
            row = app.backend.row(t.case_id)
            self.post_message(ActionRecorded(rec, row, advance=False, payload=self._prepare_next(row or t)))
            return
        nxt = app.backend.next_case(app.queue_filter, t.cursor, needing_decision=True, wrap=True)
        self.post_message(ActionRecorded(rec, nxt, advance=True, payload=self._prepare_next(nxt or t)))

    @work(thread=True, group="write")
    def _note_worker(self, t: QueueRow, text: str) -> None:
        try:
            note = self.app.backend.add_note(t.case_id, text)
        except (review.ReviewError, StoreError, sqlite3.Error) as exc:
            self.post_message(ActionRefused(f"Not recorded: {exc}"))
            return
        self.post_message(NoteRecorded(label_of(t), note.id, note.audit_seq))

    @work(thread=True, group="write")
    def _undo_worker(self, seen: dict[int, int], offer_bulk: bool = True) -> None:
        app = self.app
        if offer_bulk and (bulk := app.backend.last_bulk()) is not None:
            self.post_message(BulkUndoOffer(bulk[0], bulk[1], seen))  # the whole bulk, or the last case?
            return
        try:
            rec = app.backend.undo_last(seen)
        except ConflictError as exc:
            self.post_message(ActionConflict(f"Conflict: {exc}", exc.case.id, app.backend.row(exc.case.id)))
            return
        except (review.ReviewError, StoreError, sqlite3.Error) as exc:
            self.post_message(ActionRefused(f"Not recorded: {exc}"))
            return
        row = app.backend.row(rec.case.id)
        self.post_message(ActionRecorded(rec, row, advance=False, payload=self._prepare_next(row)))

    def on_bulk_undo_offer(self, msg: BulkUndoOffer) -> None:
        self.busy = False

        def done(choice: str | None) -> None:
            if choice == "bulk":
                self.start_bulk("undo", msg.bulk_id)
            elif choice == "last":
                self.busy = True
                self._undo_worker(msg.seen, offer_bulk=False)

        self.app.push_screen(BulkUndoDialog(msg.bulk_id, msg.cases), done)

    def _prepare_next(self, row: QueueRow | None) -> object:
        """In the worker, after a commit: read what the screen shows next (see ``ActionRecorded.payload``)."""
        return None

    # -- outcomes ----------------------------------------------------------------------------------
    def on_action_recorded(self, msg: ActionRecorded) -> None:
        self.busy = False
        rec = msg.recorded
        e = rec.entry
        text = f"Recorded {DONE_TEXT[e.action]} on {rec.case.label}: now {rec.after.status} (version {e.id})."
        if e.action == "undo":
            text = f"Undid entry {e.undoes} on {rec.case.label}: now {rec.after.status} (version {e.id})."
        elif e.action == "serve":
            was = f"changed from {rec.before.service_date} to" if rec.before.service_date else "recorded:"
            text = f"Service date of {rec.case.label} {was} {e.served} (version {e.id})."
        elif e.action == "object" and review.late_by(rec.after.service_date, self.app.today):
            text = f"Recorded a LATE objection on {rec.case.label}: now objected (version {e.id})."
        if e.action != "undo" and msg.next_row is None:
            text += " No more cases to decide in this queue."
        self.after_recorded(msg)  # show the next case first; then the confirmation and the progress
        self.app.set_status(text)  # routine: the status bar, not a notification
        self.app.count_recorded(rec)

    def on_note_recorded(self, msg: NoteRecorded) -> None:
        self.busy = False
        self.app.set_status(f"Recorded note {msg.note_id} on {msg.label} (audit entry {msg.audit_seq}); "
                            "status unchanged.")
        self.after_note()

    def after_note(self) -> None:
        """After a note: the case screen shows it in the history; the queue has nothing to change."""

    def on_action_refused(self, msg: ActionRefused) -> None:
        self.busy = False
        self.app.last_notice = msg.text
        self.notify(msg.text, severity="error", timeout=8)

    def on_action_conflict(self, msg: ActionConflict) -> None:
        self.busy = False
        self.app.last_notice = msg.text
        self.notify(msg.text, title="Another reviewer acted first", severity="error", timeout=15)
        self.after_conflict(msg)
        self.app.schedule_recount()  # the other reviewer's action moved the progress

    def after_recorded(self, msg: ActionRecorded) -> None:
        raise NotImplementedError

    def after_conflict(self, msg: ActionConflict) -> None:
        raise NotImplementedError
