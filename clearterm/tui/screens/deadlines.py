"""The deadlines view: undecided petitions by days left, overdue first, then the ones without a
service date (:func:`clearterm.storage.reviews.deadline_rows`), a page at a time.

Opened from the palette ("Deadlines: ..."). ``enter`` opens the highlighted case (``escape``
there comes back here); ``escape`` here goes back to the queue. Rows are read in a worker.
"""

from __future__ import annotations

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Static

from clearterm.storage.reviews import QueueRow, deadline_cursor
from clearterm.tui import bindings
from clearterm.tui.backend import label_of
from clearterm.tui.footer import KeysFooter
from clearterm.tui.messages import DeadlinesLoaded, PageEdge, RowSelected
from clearterm.tui.render import deadline_text, status_text
from clearterm.tui.table import QueueTable

#: The title line's words (each fits 80 columns after "Deadlines: ").
VIEW_TEXT = {"all": "undecided petitions: overdue first, by days left, then unserved",
             "overdue": "overdue petitions, the longest overdue first",
             "soon": "petitions due within 14 days, soonest first",
             "unserved": "petitions without a service date"}


#: The columns other than Case: "Days left" holds "not served" and "OVERDUE 999d" whole.
FIXED = (("Days left", 12), ("Due", 10), ("Served", 10), ("Status", 9))
MIN_CASE = 14  # the Case column's least width (a Cook County case number)


class DeadlinesScreen(Screen):
    BINDINGS = bindings.DEADLINES

    def __init__(self, which: str = "all") -> None:
        super().__init__()
        self.which = which
        self.rows: list[QueueRow] = []
        self.pages: list[tuple | None] = []  # where each page shown so far starts (for paging back)
        self._token = 0

    def compose(self) -> ComposeResult:
        yield Static(self.app.header_text(), id="header")
        yield Static(Text(f"Deadlines: {VIEW_TEXT[self.which]}"), id="deadlines-title")
        yield QueueTable(id="deadlines")
        yield Static("", id="status-line")
        yield KeysFooter(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        self._layout(self.app.size.width)
        self.query_one(QueueTable).focus()
        self._load(None)

    def _layout(self, width: int) -> None:
        """The Case column as wide as the page's longest case label (``CASE/PERSON``, the view
        has no Person column), as long as the terminal has the room; the others fixed."""
        t = self.query_one(QueueTable)
        room = width - sum(w for _, w in FIXED) - 2 * t.PAD * (len(FIXED) + 1)
        case_w = max(len("Case"), min(max([MIN_CASE, *(len(label_of(r)) for r in self.rows)]), room))
        t.set_columns([*FIXED[:3], ("Case", case_w), *FIXED[3:]])

    def on_resize(self, event) -> None:
        self._layout(event.size.width)

    def _load(self, after: tuple | None) -> None:
        self._token += 1
        self._worker(after, self._token)

    @work(thread=True, exclusive=True, group="deadlines")
    def _worker(self, after: tuple | None, token: int) -> None:
        self.post_message(DeadlinesLoaded(self.app.backend.deadlines(self.which, after=after), after, token))

    def on_deadlines_loaded(self, msg: DeadlinesLoaded) -> None:
        if msg.token != self._token:
            return
        if not msg.rows and self.rows:
            return  # the end: keep the page shown
        if not self.pages or self.pages[-1] != msg.after:
            self.pages.append(msg.after)
        self.rows = msg.rows
        self._layout(self.app.size.width)
        self.query_one(QueueTable).set_rows([
            (Text("not served", style="dim") if r.days_left is None else deadline_text(r) if (r.days_left or 0) < 0
             else Text(f"{r.days_left}"), r.deadline or "-", r.service_date or "-", label_of(r),
             status_text(r.status)) for r in msg.rows])
        n = len(self.pages)
        shown = f"page {n}: {len(msg.rows)} petition(s)" if msg.rows else "no petitions in this view"
        self.query_one("#status-line", Static).update(Text(f"{shown}   enter open   escape back to the queue"))

    @on(PageEdge)
    def _edge(self, msg: PageEdge) -> None:
        if msg.forward and self.rows:
            self._load(deadline_cursor(self.rows[-1]))
        elif not msg.forward and len(self.pages) > 1:
            self.pages.pop()
            self._load(self.pages.pop())

    def action_open(self) -> None:
        t = self.query_one(QueueTable)
        if 0 <= t.cursor_row < len(self.rows):
            self.app.open_case(self.rows[t.cursor_row])

    @on(RowSelected)
    def _selected(self) -> None:
        self.action_open()

    def action_next(self) -> None:
        self.query_one(QueueTable).action_cursor_down()

    def action_previous(self) -> None:
        self.query_one(QueueTable).action_cursor_up()

    def action_back(self) -> None:
        self.app.pop_screen()

    def on_screen_resume(self) -> None:
        if self.rows:  # back from a case: statuses may have changed
            self._load(self.pages[-1] if self.pages else None)
