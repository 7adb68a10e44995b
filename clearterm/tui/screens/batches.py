"""Batch status: the batches of the office, open or signed (from ``clearterm.services.batches``)."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Label, Static

from clearterm.tui import bindings


def batches_table(items: list) -> Table:
    """One line per batch, fitting 80 columns: label, track and tranche, state, cases, made and
    signed (date and by whom). Long values are cut with an ellipsis, never wrapped."""
    t = Table(box=None, expand=True, header_style="bold", padding=(0, 1, 0, 0))
    for col, kw in (("label", dict(min_width=11)), ("track", dict(min_width=9)), ("state", dict(min_width=6)),
                    ("cases", dict(justify="right")), ("made", dict(ratio=1)), ("signed", dict(ratio=1))):
        t.add_column(col, no_wrap=True, overflow="ellipsis", **kw)
    for b in items:
        track = b.track if b.tranche is None else f"{b.track} t{b.tranche}"
        cells = (b.label, track, b.status.upper(), f"{b.cases:,}", f"{str(b.created_at)[:10]} {b.created_by}",
                 f"{str(b.signed_at)[:10]} {b.signed_by}" if b.signed_at else "not signed")
        t.add_row(*(Text(c) for c in cells))  # as text, never console markup
    return t


class BatchesScreen(ModalScreen[None]):
    BINDINGS = bindings.HELP

    def __init__(self, items: list) -> None:
        super().__init__()
        self.items = items

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help"):
            yield Label(f"Batches ({len(self.items)})", id="help-title")
            yield Static(batches_table(self.items) if self.items else "No batches yet.", id="batches")

    def action_close(self) -> None:
        self.dismiss(None)
