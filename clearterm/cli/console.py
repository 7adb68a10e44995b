"""The CLI's console: every line a ``clearterm`` command prints goes through :class:`SafeConsole`.

Values from the data (case numbers, person ids, file names, notes, quarantine reasons...) can
hold terminal controls: a case number ``\\x1b]0;PWNED\\x07\\x1b[2J`` would rename the terminal
and clear the screen if printed as it is. :class:`SafeConsole` is a Rich console that

- passes every string it is given through :func:`clearterm.domain.text.safe_text` before Rich
  lays it out (``render_str``: plain strings, table cells, titles), so columns stay aligned;
- passes the text of every segment it renders through the same function (``render``: also
  ``rich.text.Text`` objects built by a command), keeping only Rich's own control segments
  (colours, cursor moves) and line feeds;
- never cuts a line of text (a string or ``Text``) at the console's width: in a pipe or a file
  each message stays one line whatever ``COLUMNS`` says;
- reads no console markup unless a call asks for it (``markup=True``), so a value holding
  ``[link=...]`` or ``[bold]`` is shown as typed, not interpreted.

Control characters are shown as Unicode control pictures (``␛``, ``␇``) or ``�``; see
:mod:`clearterm.domain.text`.
"""

from __future__ import annotations

from collections.abc import Iterable

from rich.console import Console
from rich.segment import Segment
from rich.text import Text

from clearterm.domain.text import safe_text


class SafeConsole(Console):
    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("markup", False)
        super().__init__(*args, **kwargs)

    def print(self, *objects, soft_wrap: bool | None = None, **kwargs) -> None:  # noqa: D102
        # A line of text is never cut into lines by clearterm: a terminal wraps it itself, and in a
        # pipe or a file it stays one line (Rich would wrap it at 80 columns). Tables are laid out
        # by their printer (clearterm.cli.listing.print_table).
        if soft_wrap is None and objects and all(isinstance(o, (str, Text)) for o in objects):
            soft_wrap = True
        super().print(*objects, soft_wrap=soft_wrap, **kwargs)

    def render_str(self, text: str, **kwargs):  # noqa: D102 - see the module docstring
        return super().render_str(safe_text(text, keep_newlines=True), **kwargs)

    def render(self, renderable, options=None) -> Iterable[Segment]:  # noqa: D102
        for seg in super().render(renderable, options):
            if seg.control is None and seg.text:
                clean = safe_text(seg.text, keep_newlines=True)
                if clean is not seg.text:
                    seg = Segment(clean, seg.style)
            yield seg
