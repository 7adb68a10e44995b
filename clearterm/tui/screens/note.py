"""The note dialog (``N``): a note on a case without a decision. Enter records, escape cancels."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static

from clearterm.services.review import MAX_NOTE
from clearterm.tui import bindings


class NoteDialog(ModalScreen[str | None]):
    """The note's text (required; at most :data:`~clearterm.services.review.MAX_NOTE` characters)."""

    BINDINGS = bindings.DIALOG

    def __init__(self, label: str) -> None:
        super().__init__()
        self.label = label

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Label(Text(f"Note on case {self.label} (no decision; audited)"), id="dialog-title")  # data: no markup
            yield Label("Note:")
            yield Input(placeholder="what the next reviewer should know", id="note-text", compact=True,
                        max_length=MAX_NOTE, select_on_focus=False)  # tabbing back keeps the text
            yield Static("", id="dialog-error")
            yield Label("enter record   escape cancel", classes="dialog-keys")

    def on_mount(self) -> None:
        self.query_one("#note-text", Input).focus()

    @on(Input.Submitted, "#note-text")
    def action_submit(self) -> None:
        text = self.query_one("#note-text", Input).value.strip()
        if not text:
            self.query_one("#dialog-error", Static).update("A note needs some text (escape cancels).")
            return
        self.dismiss(text)

    def action_cancel(self) -> None:
        self.dismiss(None)
