"""The workstation's one place where text is made safe to draw: a line filter on every line.

Textual turns every widget (the queue table, the case screen, dialogs, notifications, the
command palette, the search box) into lines of segments and passes each line through the app's
line filters before it is written to the terminal. :class:`ControlFilter` is one of them
(``ReviewApp.get_line_filters``): the text of every segment goes through
:func:`clearterm.domain.text.safe_text`, so a record holding ``\\x1b]0;PWNED\\x07\\x1b[2J`` is
drawn as ``␛]0;PWNED␇␛[2J`` and never renames or clears the reviewer's terminal. Textual's own
control segments (cursor moves) are left alone.

A control character takes no cell when Textual lays a line out and its picture takes one, so
a line holding some is cut back to its width (the last cells of that line give way, the
layout stays intact).
"""

from __future__ import annotations

from rich.segment import Segment
from textual.filter import LineFilter

from clearterm.domain.text import is_safe_text, safe_text


class ControlFilter(LineFilter):
    """Show control characters in drawn text as visible pictures (see the module docstring)."""

    def apply(self, segments: list[Segment], background) -> list[Segment]:  # noqa: D102
        if all(seg.control or is_safe_text(seg.text) for seg in segments):
            return segments
        width = Segment.get_line_length(segments)
        clean = [seg if seg.control or is_safe_text(seg.text) else Segment(safe_text(seg.text), seg.style)
                 for seg in segments]
        return Segment.adjust_line_length(clean, width, pad=False)
