"""One case: the person, one line per charge, the highlighted charge's explanation once, the
person's other cases and the review history (notes included). ``up``/``down`` highlight a charge,
``t`` shows its step trail, ``pageup``/``pagedown`` scroll; ``n``/``j`` and ``p``/``k`` step through
the queue (the current filters); after an action it moves on to the next case still needing a
decision. A case in a signed batch says it is frozen in its header, before any key is pressed.
"""

from __future__ import annotations

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from clearterm.storage.reviews import QueueRow
from clearterm.tui import bindings
from clearterm.tui.backend import CaseDetail
from clearterm.tui.footer import KeysFooter
from clearterm.tui.messages import ActionConflict, ActionRecorded, CaseLoaded, Navigate
from clearterm.tui.render import (
    case_header, charges_table, explanation_text, history_text, others_text, person_text,
)
from clearterm.tui.screens.base import ReviewScreen


class CaseScreen(ReviewScreen):
    BINDINGS = bindings.CASE

    def __init__(self, row: QueueRow) -> None:
        super().__init__()
        self.row = row  # the case asked for (shown once loaded)
        self.detail: CaseDetail | None = None
        self.notice = ""
        self.trail = False  # show the highlighted charge's full step trail
        self.selected = 0  # the highlighted charge
        self._token = 0

    def compose(self) -> ComposeResult:
        yield Static(self.app.header_text(), id="header")
        yield Static("Loading case ...", id="case-header")
        yield Static("", id="notice")
        with VerticalScroll(id="case-body", can_focus=False):
            yield Static("", id="person")
            yield Static("", id="charges")
            yield Static("", id="explanation")
            yield Static("", id="others")
            yield Static("", id="history")
        yield Static("", id="status-bar")
        yield KeysFooter(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        self.show(self.row)

    def target(self) -> QueueRow | None:
        return self.detail.row if self.detail is not None else None

    # -- loading ---------------------------------------------------------------------------------
    def show(self, row: QueueRow, *, notice: str = "") -> None:
        self.row = row
        self.notice = notice
        self._token += 1
        self._load(row.case_id, self._token)

    @work(thread=True, exclusive=True, group="case")
    def _load(self, case_id: int, token: int) -> None:
        self.post_message(CaseLoaded(self.app.backend.load_case(case_id), token))

    def on_case_loaded(self, msg: CaseLoaded) -> None:
        if msg.token != self._token:
            return
        self._apply(msg.detail)

    def _apply(self, d: CaseDetail | None) -> None:
        if d is None:
            self.query_one("#case-header", Static).update(Text(f"Case {self.row.case_number} is no longer in the store."))
            return
        if self.detail is None or self.detail.case_id != d.case_id:
            self.selected = 0
        self.row = d.row
        self.detail = d
        self.app.current = d.row
        self.app.context_changed()  # a status line about another case goes
        self._show_header()
        note = self.query_one("#notice", Static)
        note.update(Text(self.notice))  # data (a case label): no markup
        note.set_class(bool(self.notice), "shown")
        self.query_one("#person", Static).update(person_text(d))
        self._show_charges()
        self.query_one("#others", Static).update(others_text(d))
        self.query_one("#history", Static).update(history_text(d, self.app.tz))
        self.update_status()
        self.query_one("#case-body", VerticalScroll).scroll_home(animate=False)
        self.refresh_bindings()
        self.app.mark_first_shown()

    # -- keys ------------------------------------------------------------------------------------
    def action_back(self) -> None:
        self.app.pop_screen()

    def _show_charges(self) -> None:
        d = self.detail
        if d is None:
            return
        self.selected = max(0, min(self.selected, len(d.charges) - 1))
        width = max(40, self.app.size.width - 4)  # less the body's padding and its (always kept) scrollbar gutter
        self.query_one("#charges", Static).update(charges_table(d, self.selected, width))
        self.query_one("#explanation", Static).update(explanation_text(d, self.selected, trail=self.trail,
                                                                      width=width))

    def _show_header(self) -> None:
        if self.detail is not None:  # less the header's padding
            self.query_one("#case-header", Static).update(case_header(self.detail, self.app.size.width - 2))

    def on_resize(self, event) -> None:
        self._show_header()
        self._show_charges()

    def action_trail(self) -> None:
        self.trail = not self.trail
        self._show_charges()

    def action_charge_down(self) -> None:
        self.selected += 1
        self._show_charges()

    def action_charge_up(self) -> None:
        self.selected = max(0, self.selected - 1)
        self._show_charges()

    def action_scroll_down(self) -> None:
        self.query_one("#case-body", VerticalScroll).scroll_page_down(animate=False)

    def action_scroll_up(self) -> None:
        self.query_one("#case-body", VerticalScroll).scroll_page_up(animate=False)

    def note_target(self) -> QueueRow | None:
        return self.target()

    def action_next(self) -> None:
        self._step(True)

    def action_previous(self) -> None:
        self._step(False)

    def _step(self, forward: bool) -> None:
        self._token += 1  # a later answer replaces this one; the old case stays until then
        self.notice = ""
        self._step_worker(self.row.cursor, forward, self._token)

    @work(thread=True, exclusive=True, group="case")
    def _step_worker(self, cursor, forward: bool, token: int) -> None:
        """Find the neighbouring case and read it, in one worker (one trip to the store)."""
        b, f = self.app.backend, self.app.queue_filter
        row = b.next_case(f, cursor) if forward else b.prev_case(f, cursor)
        if row is None:
            self.post_message(Navigate(None, "end of the queue" if forward else "start of the queue"))
            return
        self.post_message(CaseLoaded(b.load_case(row.case_id), token))

    def on_navigate(self, msg: Navigate) -> None:
        if msg.row is None:
            self.app.set_status(f"Nothing further: {msg.why}.")
            return
        self.show(msg.row)

    # -- after an action ---------------------------------------------------------------------------
    def _prepare_next(self, row: QueueRow | None) -> CaseDetail | None:
        return self.app.backend.load_case(row.case_id) if row is not None else None  # (worker thread)

    def after_recorded(self, msg: ActionRecorded) -> None:
        if msg.payload is not None:  # the next case (or this one, when none is left), read after the commit
            self.notice = ""
            self._token += 1  # answers to earlier requests are out of date now
            self._apply(msg.payload)
        elif msg.next_row is not None:
            self.show(msg.next_row)
        else:  # nothing left to decide here: show the case as it is now
            self.show(self.row)

    def after_conflict(self, msg: ActionConflict) -> None:
        self.show(msg.row or self.row, notice=msg.text)

    def after_note(self) -> None:
        self.show(self.row)  # the history shows the note
