"""The queue's table: one page of rows, drawn line by line (Textual's Line API).

Textual's ``DataTable`` renders every visible cell through Rich's full layout machinery; on the
queue that was some 50 ms per refill at 120 columns, most of a filter switch. The queue needs
far less: fixed columns, one line per row, a row cursor. This widget keeps the page as rows of
cells (plain strings or Rich ``Text``, whose styles are kept: status and deadline colours),
builds each line as one strip of segments when it is first drawn, and redraws only the two lines
a cursor move changes.

Keys (when focused): ``up``/``down`` move the cursor (past either end: :class:`~clearterm.tui.messages.PageEdge`,
so the screen fetches the neighbouring page), ``pageup``/``pagedown`` by a screenful,
``home``/``end`` to the first or last row of the page, ``enter`` selects (:class:`~clearterm.tui.messages.RowSelected`).
A click moves the cursor; a double click selects. Looks like the ``DataTable`` it replaces:
the same theme variables for the header and the cursor.
"""

from __future__ import annotations


from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.geometry import Region
from textual.strip import Strip
from textual.widget import Widget

from clearterm.domain.text import safe_text
from clearterm.tui.messages import PageEdge, RowHighlighted, RowSelected

Cell = str | Text
#: Drawn before a marked row's first cell (bulk approval): a character, not only a colour.
MARK = "*"
MARK_STYLE = Style(bold=True)


class QueueTable(Widget, can_focus=True):
    COMPONENT_CLASSES = {"queue-table--header", "queue-table--cursor"}

    DEFAULT_CSS = """
    QueueTable {
        background: $surface;
        color: $foreground;
        height: auto;
        max-height: 100%;
        &:focus {
            background-tint: $foreground 5%;
            & > .queue-table--cursor {
                background: $block-cursor-background;
                color: $block-cursor-foreground;
                text-style: $block-cursor-text-style;
            }
            & > .queue-table--header {
                background-tint: $foreground 5%;
            }
        }
        & > .queue-table--header {
            text-style: bold;
            background: $panel;
            color: $foreground;
        }
        &:ansi > .queue-table--header {
            background: ansi_bright_blue;
            color: ansi_default;
        }
        & > .queue-table--cursor {
            background: $block-cursor-blurred-background;
            color: $block-cursor-blurred-foreground;
            text-style: $block-cursor-blurred-text-style;
        }
    }
    """

    BINDINGS = [
        Binding("enter", "select_cursor", "Select", show=False),
        Binding("up", "cursor_up", "Up", show=False),
        Binding("down", "cursor_down", "Down", show=False),
        Binding("pageup", "page_up", "Page up", show=False),
        Binding("pagedown", "page_down", "Page down", show=False),
        Binding("home", "first", "First", show=False),
        Binding("end", "last", "Last", show=False),
    ]

    PAD = 1  # blank cells either side of every column

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.columns: list[tuple[str, int]] = []  # (label, width)
        self._rows: list[tuple[Cell, ...]] = []
        self.cursor_row = 0
        self.top = 0  # the page row shown on the first line under the header
        self._lines: dict[tuple, Strip] = {}
        self.marked: frozenset[int] = frozenset()  # page rows drawn with the mark (MARK before the first column)
        self._styles: tuple[Style, Style, Style] | None = None

    # -- content ---------------------------------------------------------------------------------
    def add_column(self, label: str, width: int) -> None:
        self.columns.append((label, width))
        self._lines.clear()
        self.refresh()

    def set_columns(self, columns: list[tuple[str, int]]) -> None:
        """Replace the columns (label, width), e.g. when the terminal is resized."""
        if columns != self.columns:
            self.columns = list(columns)
            self._lines.clear()
            self.refresh()

    @property
    def row_count(self) -> int:
        return len(self._rows)

    def set_rows(self, rows: list[tuple[Cell, ...]], cursor: int = 0) -> None:
        """Replace the page; put the cursor on row ``cursor`` (and in view)."""
        self._rows = list(rows)
        self._lines.clear()
        self.cursor_row = max(0, min(cursor, len(self._rows) - 1))
        self.top = 0
        self._scroll_to_cursor()
        self.refresh()
        self.post_message(RowHighlighted(self.cursor_row))

    def set_marked(self, rows) -> None:
        """Draw these page rows with :data:`MARK` in the blank before their first cell."""
        rows = frozenset(rows)
        if rows != self.marked:
            self.marked = rows
            self.refresh()

    def move_cursor(self, row: int) -> None:
        if not self._rows:
            return
        row = max(0, min(row, len(self._rows) - 1))
        if row == self.cursor_row:
            return
        old, self.cursor_row = self.cursor_row, row
        if self._scroll_to_cursor():
            self.refresh()
        else:
            self._refresh_row(old)
            self._refresh_row(row)
        self.post_message(RowHighlighted(row))

    # -- scrolling within the page -----------------------------------------------------------------
    @property
    def visible(self) -> int:
        return max(1, self.size.height - 1)

    def _scroll_to_cursor(self) -> bool:
        """Move ``top`` so the cursor row is in view; whether it moved."""
        if self.size.height <= 1:  # not laid out yet: on_resize does it
            return False
        top = self.top
        if self.cursor_row < top:
            top = self.cursor_row
        elif self.cursor_row >= top + self.visible:
            top = self.cursor_row - self.visible + 1
        top = max(0, min(top, max(0, len(self._rows) - self.visible)))
        moved, self.top = top != self.top, top
        return moved

    def _refresh_row(self, row: int) -> None:
        y = row - self.top + 1
        if 1 <= y < self.size.height:
            self.refresh(Region(0, y, self.size.width, 1))

    def on_resize(self, event: events.Resize) -> None:
        self._lines.clear()
        self._scroll_to_cursor()
        self.refresh()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._styles = None
        self._lines.clear()

    # -- drawing ---------------------------------------------------------------------------------
    def _get_styles(self) -> tuple[Style, Style, Style]:
        if self._styles is None:
            self._styles = (self.rich_style, self.get_component_rich_style("queue-table--header"),
                            self.get_component_rich_style("queue-table--cursor"))
        return self._styles

    def _strip(self, cells, style: Style, width: int, plain: bool = False, marked: bool = False) -> Strip:
        """One line; ``plain`` (the cursor row): the cells' own colours are left out, so the whole
        row reads in the cursor's two colours (yellow or green on the cursor's white, in 16 colours,
        would not read); their words still say what the colours did. ``marked``: a mark before it."""
        console = self.app.console
        pad = Segment(" " * self.PAD)
        segments: list[Segment] = []
        for i, (cell, (_, w)) in enumerate(zip(cells, self.columns)):
            # a cell from the data is made safe before it is cut to its column, so the column keeps
            # its width (the app's line filter, clearterm/tui/safe.py, catches anything else)
            text = cell.copy() if isinstance(cell, Text) else Text(safe_text(str(cell)))
            text.no_wrap = True
            text.truncate(w, overflow="ellipsis")
            segments.append(Segment(MARK, MARK_STYLE) if marked and i == 0 else pad)
            # Text.render leaves the text's own style out (Rich adds it when printing): apply it
            # here, to the text only, not to the padding (as DataTable draws it).
            own = console.get_style(text.style) if text.style else None
            rendered = Segment.apply_style(text.render(console), own) if own else text.render(console)
            segments.extend(Segment.remove_color(rendered) if plain else rendered)
            if text.cell_len < w:
                segments.append(Segment(" " * (w - text.cell_len)))
            segments.append(pad)
        return Strip(segments).apply_style(style).crop_extend(0, width, style)

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        base, header, cursor = self._get_styles()
        if y == 0:
            key = ("header", width)
            if key not in self._lines:
                self._lines[key] = self._strip([label for label, _ in self.columns], base + header, width)
            return self._lines[key]
        row = self.top + y - 1
        if row >= len(self._rows):
            return Strip.blank(width, base)
        on = row == self.cursor_row
        marked = row in self.marked
        key = (row, on, width, marked)
        strip = self._lines.get(key)
        if strip is None:
            strip = self._lines[key] = self._strip(self._rows[row], base + cursor if on else base, width,
                                                   plain=on, marked=marked)
        return strip

    # -- keys and mouse ----------------------------------------------------------------------------
    def action_cursor_down(self) -> None:
        if self._rows and self.cursor_row >= len(self._rows) - 1:
            self.post_message(PageEdge(True))
        else:
            self.move_cursor(self.cursor_row + 1)

    def action_cursor_up(self) -> None:
        if self._rows and self.cursor_row <= 0:
            self.post_message(PageEdge(False))
        else:
            self.move_cursor(self.cursor_row - 1)

    def action_page_down(self) -> None:
        self.move_cursor(self.cursor_row + self.visible)

    def action_page_up(self) -> None:
        self.move_cursor(self.cursor_row - self.visible)

    def action_first(self) -> None:
        self.move_cursor(0)

    def action_last(self) -> None:
        self.move_cursor(len(self._rows) - 1)

    def action_select_cursor(self) -> None:
        if self._rows:
            self.post_message(RowSelected(self.cursor_row))

    def on_click(self, event: events.Click) -> None:
        row = self.top + event.y - 1
        if event.y >= 1 and 0 <= row < len(self._rows):
            self.move_cursor(row)
            if event.chain >= 2:
                self.post_message(RowSelected(row))
