"""The queue: cases that need a decision, a page at a time (keyset paging, never the whole queue).

The table holds one page (:data:`~clearterm.tui.backend.PAGE` rows). Moving the cursor past
either end fetches the neighbouring page with :func:`~clearterm.storage.reviews.queue_window`;
a filter, a search or coming back from a case refills it around the reviewer's place
(``app.current``), so the position in the queue is kept. The line under the table says which
filters are in force and where the page is in the whole filtered queue (``51-100 of 2,266``,
counted in a worker); the Person column takes the width the others leave, and a Holder column
(who the case is assigned to) shows from 100 columns (below that, the info line names the
highlighted case's holder).
"""

from __future__ import annotations

from dataclasses import replace

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.widgets import Input, Static

from clearterm.storage.reviews import STATUSES, TRACKS, QueueRow
from clearterm.tui import bindings
from clearterm.tui.backend import Marks, QueueFilter, label_of
from clearterm.tui.footer import KeysFooter
from clearterm.tui.table import QueueTable
from clearterm.tui.messages import (
    ActionConflict, ActionRecorded, BulkPlanned, MarksCounted, Navigate, PageEdge, QueueLoaded, QueuePosition,
    RowHighlighted, RowSelected,
)
from clearterm.tui.render import deadline_text, status_text
from clearterm.tui.screens.base import ReviewScreen


TRACK_CYCLE: tuple[str | None, ...] = (None, *TRACKS)
#: (label, width) of the queue's columns; Case (None) is as wide as the page's case numbers
#: (:func:`case_width`), Person (0) takes what the others leave.
COLUMNS = (("Case", None), ("Person", 0), ("Track", 9), ("Tr", 2), ("Ch", 3), ("Status", 9), ("Deadline", 19))
HOLDER_COLUMN = ("Holder", 10)
HOLDER_FROM = 100  # terminal columns from which the Holder column is shown
MIN_PERSON = 9
#: The Case column's least width: a Cook County case number (``2013MC43991859``) whole, so the
#: column keeps its width from page to page; wider when a page holds a longer case number.
MIN_CASE = 14


def case_width(rows: list[QueueRow], width: int, holder: bool) -> int:
    """The Case column's width: every case number on the page whole (at least :data:`MIN_CASE`),
    as long as the Person column keeps :data:`MIN_PERSON` cells at this terminal ``width``."""
    fixed = sum(w or 0 for _, w in COLUMNS) + (HOLDER_COLUMN[1] if holder else 0)
    pads = 2 * QueueTable.PAD * (len(COLUMNS) + holder)
    room = width - fixed - pads - MIN_PERSON
    return max(len("Case"), min(max([MIN_CASE, *(len(r.case_number) for r in rows)]), room))


def case_cell(row: QueueRow, width: int) -> str:
    """The case as the Case column shows it: ``CASE/PERSON`` when that fits whole, else the case
    number (the Person column names the person)."""
    label = label_of(row)
    return label if len(label) <= width else row.case_number
INFO_SEP = " · "  # between the parts of the info line
COUNT_AFTER = 0.5  # seconds after the last action before the queue's place is recounted
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
        self.position: tuple[int, int] | None = None  # (index of the page's first row, cases in all)
        self._edge: tuple[int, bool, int] | None = None  # (token, forward, rows before): a page-edge load
        self._count_timer = None
        self.holder_column = False
        self.marks = Marks()  # bulk approval: case ids and a filter, never rows

    def compose(self) -> ComposeResult:
        yield Static(self.app.header_text(), id="header")
        yield Input(placeholder="search: case number, person id or name; enter to search, escape to close",
                    id="search")
        yield QueueTable(id="queue")
        yield Static("", id="queue-info")
        yield Static("", id="status-bar")
        yield KeysFooter(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        t = self.query_one(QueueTable)
        self._layout(self.app.size.width)
        t.focus()

    def on_resize(self, event) -> None:
        if self._layout(event.size.width) and self.rows:
            self._fill(self.rows, self.query_one(QueueTable).cursor_row, count="none")
        else:
            self._info()  # the info line's parts, packed again at this width

    def _layout(self, width: int) -> bool:
        """Set the columns for ``width`` and the page shown: Case fits the page's case numbers,
        Person gets the rest; Holder from :data:`HOLDER_FROM`. Whether the columns changed (the
        rows are then rebuilt)."""
        t = self.query_one(QueueTable)
        holder = width >= HOLDER_FROM
        cols = [*COLUMNS, HOLDER_COLUMN] if holder else list(COLUMNS)
        case_w = case_width(self.rows, width, holder)
        cols = [(name, case_w if w is None else w) for name, w in cols]
        rest = width - sum(w for _, w in cols) - 2 * t.PAD * len(cols)
        columns = [(name, w or max(MIN_PERSON, rest)) for name, w in cols]
        changed = holder != self.holder_column or not t.columns or t.columns[0] != columns[0]
        self.holder_column = holder
        t.set_columns(columns)
        return changed

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
            self.app.context_changed()  # a status line about another case goes
            self._info()
        self.refresh_bindings()

    # -- loading ---------------------------------------------------------------------------------
    def reload(self, around: QueueRow | None = None, *, start: bool = False) -> None:
        """Refill the table around ``around`` (default: the reviewer's place), or from the start."""
        self._token += 1
        self.position = None
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
        edge, self._edge = self._edge, None
        if edge is not None and edge[0] == msg.token and self.position is not None:
            # the neighbouring page: its place follows from this one's, no count needed
            _token, forward, before = edge
            first = before if forward else max(0, before - len(msg.rows))
            self.position = (first, self.position[1])
            self._fill(msg.rows, msg.select, count="none")
        else:
            self._fill(msg.rows, msg.select)

    def _fill(self, rows: list[QueueRow], select: int, *, count: str = "now") -> None:
        """Show ``rows``. ``count``: where the page is in the queue: "now" (counted in a worker),
        "later" (after an action: the place shown stays until a count once the reviewer pauses),
        "none" (known already)."""
        self.rows = rows
        t = self.query_one(QueueTable)
        self._layout(self.app.size.width)  # the Case column fits this page's case numbers
        holder = self.holder_column
        case_w = t.columns[0][1]
        t.set_rows([(case_cell(r, case_w), r.person_id, r.track or "-",
                     str(r.tranche) if r.tranche is not None else "-", str(r.charges), status_text(r.status, r.life),
                     deadline_text(r), *((r.holder or "-",) if holder else ())) for r in rows], cursor=select)
        if rows:
            self.app.current = rows[t.cursor_row]
            if count == "now":
                self._count_position()
            elif count == "later":
                self._schedule_count()
        else:
            self.position = (0, 0)
        if self.marks.all_of is not None and self.marks.all_of != self.app.queue_filter:
            self.marks = Marks(ids=self.marks.ids)
            self.app.set_status("Filter changed: the mark-all is cleared; cases marked one by one stay marked.",
                                about_case=False)
        self._show_marks()
        self._info()
        self.loaded = True
        self.app.mark_first_shown()
        self.refresh_bindings()

    def _count_position(self) -> None:
        if self.rows:
            self._position_worker(self.app.queue_filter, self.rows[0].cursor, self._token)

    def _schedule_count(self) -> None:
        """Count the place :data:`COUNT_AFTER` seconds after the last action (not on a keystroke's path)."""
        if self._count_timer is not None:
            self._count_timer.stop()
        self._count_timer = self.set_timer(COUNT_AFTER, self._count_position)

    @work(thread=True, exclusive=True, group="position")
    def _position_worker(self, f: QueueFilter, cursor, token: int) -> None:
        first, total = self.app.backend.position(f, cursor)
        self.post_message(QueuePosition(first, total, token))

    def on_queue_position(self, msg: QueuePosition) -> None:
        if msg.token == self._token:
            self.position = (msg.first, msg.total)
            self._info()

    def info_parts(self) -> list[str]:
        """What the info line says, in order: a bulk action's progress and the marks, the page's
        place in the whole filtered queue, the filters (or the search and the filters it cleared),
        the highlighted case's holder (when no Holder column shows it)."""
        f = self.app.queue_filter
        n = len(self.rows)
        if not n:
            pos = "no cases match"
        elif self.position is None:
            pos = f"{n} case(s) here, counting ..."
        else:
            first, total = self.position
            pos = f"{first + 1:,}-{first + n:,} of {total:,}"
        parts = [x for x in (self.app.bulk_status, self.marks.describe()) if x] + [pos]
        if f.search:
            parts.append(f'search "{f.search}" in the whole queue')
            if self.app.cleared_filters:
                parts.append(f"filters cleared: {self.app.cleared_filters}")
        else:
            parts.append(f"Queue: {f.describe()}" + (" (esc clears)" if f.filtered else ""))
        t = self.target()
        if t is not None and not self.holder_column:
            parts.append(f"held by {t.holder}" if t.holder else "not assigned")
        return parts

    def info_text(self, width: int | None = None) -> str:
        """:meth:`info_parts` joined by `` · `` into lines of at most ``width`` cells (default: the
        screen's, less the padding), a part moved whole to the next line when it does not fit: the
        line under the table grows to two (or three) lines rather than cut anything off."""
        width = (width or self.app.size.width) - 2
        lines: list[str] = []
        for part in self.info_parts():
            if lines and len(lines[-1]) + len(INFO_SEP) + len(part) <= width:
                lines[-1] += INFO_SEP + part
            else:
                lines.append(part)
        return "\n".join(lines)

    def _info(self) -> None:
        info = Text(self.info_text(), overflow="fold")  # a search: no markup; wraps rather than cuts
        self.query_one("#queue-info", Static).update(info)

    def show_info(self) -> None:
        """Redraw the status line (marks, a bulk action's progress)."""
        if self.is_mounted:
            self._info()

    @on(PageEdge)
    def _page_edge(self, msg: PageEdge) -> None:
        if not self.rows:
            return
        self._token += 1
        if msg.forward:
            self._edge = (self._token, True, self.position[0] + len(self.rows)) if self.position else None
            self._load_page(self.app.queue_filter, self.rows[-1].cursor, None, self._token)
        else:
            self._edge = (self._token, False, self.position[0]) if self.position else None
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

    def action_toggle_mine(self) -> None:
        """One key: only the cases assigned to this reviewer, or the whole queue again."""
        f = self.app.queue_filter
        self.app.set_filter(f.with_(holder=None if f.holder else self.app.reviewer))

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
        """Escape: close the search box; else clear the search; else clear every filter (one key)."""
        box = self.query_one("#search", Input)
        if box.has_class("open"):
            box.remove_class("open")
            self.query_one(QueueTable).focus()
        elif self.app.queue_filter.search:
            self.app.search(None)
        elif self.app.queue_filter.filtered:
            self.app.set_filter(QueueFilter())
            self.app.set_status("Filters cleared: the whole queue.", about_case=False)

    # -- marks and bulk approval (clearterm/tui/screens/bulk.py) --------------------------------------------
    def _show_marks(self) -> None:
        f = self.app.queue_filter
        self.query_one(QueueTable).set_marked(i for i, r in enumerate(self.rows) if self.marks.is_marked(r.case_id, f))

    def bulk_approved(self) -> None:
        """The bulk approval of the marks ended: clear them (unless they were changed meanwhile)."""
        if self.marks is getattr(self, "_bulk_marks", None):
            self.clear_marks()

    def clear_marks(self) -> None:
        self.marks = Marks()
        self._show_marks()
        self._info()

    def action_mark(self) -> None:
        if (t := self.target()) is None:
            return
        self.marks = self.marks.toggled(t.case_id, self.app.queue_filter)
        self._show_marks()
        self._info()

    def action_mark_all(self) -> None:
        f = self.app.queue_filter
        if self.marks.all_of == f:
            self.clear_marks()
            self.app.set_status("Marks cleared.", about_case=False)
            return
        self.marks = Marks(ids=self.marks.ids, all_of=f)
        self._show_marks()
        self._info()
        self._count_marks(self.marks)

    @work(thread=True, exclusive=True, group="marks")
    def _count_marks(self, marks: Marks) -> None:
        self.post_message(MarksCounted(self.app.backend.count_marked(Marks(all_of=marks.all_of)), marks.all_of))

    def on_marks_counted(self, msg: MarksCounted) -> None:
        if self.marks.all_of == msg.all_of:
            self.marks = replace(self.marks, all_count=msg.count)
            self._info()

    def action_approve_marked(self) -> None:
        if self.marks.empty:
            self.app.set_status("No case is marked: space marks one case, * every case of this queue.",
                                about_case=False)
            return
        if self.app.bulk_running:
            self.app.set_status("A bulk action is still running.", about_case=False)
            return
        self._plan_worker(self.marks)

    @work(thread=True, exclusive=True, group="marks")
    def _plan_worker(self, marks: Marks) -> None:
        self.post_message(BulkPlanned(self.app.backend.bulk_plan(marks)))

    def on_bulk_planned(self, msg: BulkPlanned) -> None:
        from clearterm.tui.screens.bulk import BulkDialog

        plan = msg.plan

        def done(with_notes: bool | None) -> None:
            if with_notes is not None:
                self._bulk_marks = self.marks
                self.start_bulk("approve", plan.chosen(with_notes), {**plan.filter, "with_notes": with_notes})

        self.app.push_screen(BulkDialog(plan, seed=self.app.bulk_seed), done)

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
            self._fill(rows, select, count="later")
        else:
            self.reload()

    def after_conflict(self, msg: ActionConflict) -> None:
        self.reload()

    def on_navigate(self, msg: Navigate) -> None:
        if msg.row is not None:
            self.app.current = msg.row
            self.reload()
