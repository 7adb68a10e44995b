"""The queue: cases that need a decision, a page at a time (keyset paging, never the whole queue).

The table holds one page (:data:`~clearterm.tui.backend.PAGE` rows). Moving the cursor past
either end fetches the neighbouring page with :func:`~clearterm.storage.reviews.queue_window`;
a filter, a search or coming back from a case refills it around the reviewer's place
(``app.current``), so the position in the queue is kept.
"""

from __future__ import annotations

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.widgets import Input, Static

from clearterm.storage.reviews import STATUSES, TRACKS, QueueRow
from clearterm.tui import bindings
from clearterm.tui.backend import QueueFilter, label_of
from clearterm.tui.footer import KeysFooter
from clearterm.tui.table import QueueTable
from clearterm.tui.messages import (
    ActionConflict, ActionRecorded, Navigate, PageEdge, QueueLoaded, RowHighlighted, RowSelected,
)
from clearterm.tui.render import deadline_text, status_text
from clearterm.tui.screens.base import ReviewScreen


TRACK_CYCLE: tuple[str | None, ...] = (None, *TRACKS)
STATUS_CYCLE: tuple[str | None, ...] = (None, *STATUSES)


def _next_of(cycle: tuple, value) -> object:
    return cycle[(cycle.index(value) + 1) % len(cycle)] if value in cycle else cycle[0]


class QueueScreen(ReviewScreen):
    BINDINGS = bindings.QUEUE

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[QueueRow] = []
        self._token = 0
        self.loaded = False  # a page has been shown (for tests and the benchmark)

    def compose(self) -> ComposeResult:
        yield Static(self.app.header_text(), id="header")
        yield Input(placeholder="search: case number, person id or name; enter to search, escape to close",
                    id="search")
        yield QueueTable(id="queue")
        yield Static("", id="queue-info")
        yield KeysFooter(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        t = self.query_one(QueueTable)
        for name, width in (("Case", 13), ("Person", 9), ("Track", 9), ("Tr", 2), ("Ch", 3), ("Status", 9),
                            ("Deadline", 19)):
            t.add_column(name, width)
        t.focus()

    # -- the current case ------------------------------------------------------------------------
    def target(self) -> QueueRow | None:
        t = self.query_one(QueueTable)
        if not self.rows or not (0 <= t.cursor_row < len(self.rows)):
            return None
        return self.rows[t.cursor_row]

    @on(RowHighlighted)
    def _highlighted(self, event: RowHighlighted) -> None:
        if 0 <= event.cursor_row < len(self.rows):
            self.app.current = self.rows[event.cursor_row]
        self.refresh_bindings()

    # -- loading ---------------------------------------------------------------------------------
    def reload(self, around: QueueRow | None = None, *, start: bool = False) -> None:
        """Refill the table around ``around`` (default: the reviewer's place), or from the start."""
        self._token += 1
        cursor = None if start else (around or self.app.current).cursor if (around or self.app.current) else None
        self._load_around(self.app.queue_filter, cursor, self._token)

    @work(thread=True, exclusive=True, group="queue")
    def _load_around(self, f: QueueFilter, cursor, token: int) -> None:
        rows, idx = self.app.backend.page_around(f, cursor)
        self.post_message(QueueLoaded(rows, idx, token))

    @work(thread=True, exclusive=True, group="queue")
    def _load_page(self, f: QueueFilter, after, before, token: int) -> None:
        rows = self.app.backend.page(f, after=after, before=before)
        if not rows:
            return  # the end of the queue: keep the page shown
        self.post_message(QueueLoaded(rows, 0 if after else len(rows) - 1, token))

    def on_queue_loaded(self, msg: QueueLoaded) -> None:
        if msg.token != self._token:
            return
        self._fill(msg.rows, msg.select)

    def _fill(self, rows: list[QueueRow], select: int) -> None:
        self.rows = rows
        t = self.query_one(QueueTable)
        t.set_rows([(label_of(r) if len(label_of(r)) <= 13 else r.case_number, r.person_id, r.track or "-",
                     str(r.tranche) if r.tranche is not None else "-", str(r.charges), status_text(r.status, r.life),
                     deadline_text(r)) for r in rows], cursor=select)
        if rows:
            self.app.current = rows[t.cursor_row]
        self._info()
        self.loaded = True
        self.app.mark_first_shown()
        self.refresh_bindings()

    def _info(self) -> None:
        f = self.app.queue_filter
        n = len(self.rows)
        pos = f"{n} case(s) on this page" if n else "no cases match"
        self.query_one("#queue-info", Static).update(Text(f"Queue: {f.describe()}  ·  {pos}"))  # a search: no markup

    @on(PageEdge)
    def _page_edge(self, msg: PageEdge) -> None:
        if not self.rows:
            return
        self._token += 1
        if msg.forward:
            self._load_page(self.app.queue_filter, self.rows[-1].cursor, None, self._token)
        else:
            self._load_page(self.app.queue_filter, None, self.rows[0].cursor, self._token)

    def on_screen_resume(self) -> None:
        self.update_header()
        if self.loaded:
            self.reload()  # back from a case: statuses may have changed; keep the place

    # -- keys ------------------------------------------------------------------------------------
    def action_next(self) -> None:
        self.query_one(QueueTable).action_cursor_down()

    def action_previous(self) -> None:
        self.query_one(QueueTable).action_cursor_up()

    def action_open(self) -> None:
        if (t := self.target()) is not None:
            self.app.open_case(t)

    @on(RowSelected)
    def _selected(self, event: RowSelected) -> None:
        self.action_open()

    def action_filter(self) -> None:
        from clearterm.tui.screens.dialogs import FilterDialog

        def done(f: QueueFilter | None) -> None:
            if f is not None:
                self.app.set_filter(f)

        self.app.push_screen(FilterDialog(self.app.queue_filter), done)

    def action_cycle_track(self) -> None:
        """One key: the next track filter (all, automatic, petition, review, all again)."""
        self.app.set_filter(self.app.queue_filter.with_(track=_next_of(TRACK_CYCLE, self.app.queue_filter.track)))

    def action_cycle_status(self) -> None:
        """One key: the next status filter (all, pending, approved, objected, excluded, deferred)."""
        self.app.set_filter(self.app.queue_filter.with_(status=_next_of(STATUS_CYCLE, self.app.queue_filter.status)))

    def action_search(self) -> None:
        box = self.query_one("#search", Input)
        box.value = self.app.queue_filter.search or ""
        box.add_class("open")
        box.focus()

    @on(Input.Submitted, "#search")
    def _search(self, event: Input.Submitted) -> None:
        text = event.value.strip() or None
        event.input.remove_class("open")
        self.query_one(QueueTable).focus()
        self.app.search(text)

    def action_clear_search(self) -> None:
        box = self.query_one("#search", Input)
        if box.has_class("open"):
            box.remove_class("open")
            self.query_one(QueueTable).focus()
        elif self.app.queue_filter.search:
            self.app.search(None)

    # -- after an action ---------------------------------------------------------------------------
    def _prepare_next(self, row: QueueRow | None):
        """(worker thread) The page around the next case, read right after the commit."""
        return self.app.backend.page_around(self.app.queue_filter, row.cursor if row is not None else None)

    def after_recorded(self, msg: ActionRecorded) -> None:
        row = msg.next_row if (msg.advance and msg.next_row is not None) else (msg.next_row or self.app.current)
        if row is not None:
            self.app.current = row
        if msg.payload is not None:
            self._token += 1  # earlier page requests are out of date now
            rows, select = msg.payload
            self._fill(rows, select)
        else:
            self.reload()

    def after_conflict(self, msg: ActionConflict) -> None:
        self.reload()

    def on_navigate(self, msg: Navigate) -> None:
        if msg.row is not None:
            self.app.current = msg.row
            self.reload()
