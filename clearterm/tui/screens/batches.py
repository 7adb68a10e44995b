"""Batch status: the batches of the office, open or signed (from ``clearterm.services.batches``)."""

from __future__ import annotations

from rich.table import Table
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Label, Static

from clearterm.tui import bindings


def batches_table(items: list) -> Table:
    t = Table(box=None, expand=True, header_style="bold")
    for col in ("id", "label", "track", "tranche", "status", "cases", "created", "by", "signed"):
        t.add_column(col)
    for b in items:
        t.add_row(str(b.id), b.label, b.track, "-" if b.tranche is None else str(b.tranche), b.status.upper(),
                  f"{b.cases:,}", str(b.created_at)[:16], b.created_by,
                  f"{str(b.signed_at)[:16]} {b.signed_by}" if b.signed_at else "not signed")
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
