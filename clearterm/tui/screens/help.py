"""The help screen: every binding, listed from the binding definitions themselves.

Keys are shown as they are now, after the user's keymap (so a remapped key is listed under
its new key), with the binding id a keymap file uses to change it.
"""

from __future__ import annotations

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Label, Static

from clearterm.tui import bindings


def keys_of(app, b: Binding) -> str:
    """The keys a binding answers to now, after the keymap, as the footer shows them."""
    keymap = getattr(app, "keymap_overrides", {}) or {}
    keys = keymap.get(b.id, b.key) if b.id else b.key
    shown = []
    for k in keys.split(","):
        k = k.strip()
        if k == b.key and b.key_display:
            shown.append(b.key_display)
        else:
            shown.append(app.get_key_display(Binding(k, b.action)))
    return " ".join(shown)


def help_rows(app) -> list[tuple[str, str, str, str]]:
    """(section, keys, what it does, binding id) for every binding, in help order."""
    return [(title, keys_of(app, b), b.tooltip or b.description or b.action, b.id or "")
            for title, group in bindings.SECTIONS for b in group]


def help_table(app) -> Group:
    parts = []
    for title, group in bindings.SECTIONS:
        t = Table(box=None, expand=True, show_header=False, pad_edge=False)
        t.add_column("key", no_wrap=True, width=8)
        t.add_column("does", ratio=1)
        t.add_column("id", style="dim", no_wrap=True, width=14)
        for b in group:
            t.add_row(keys_of(app, b), b.tooltip or b.description or b.action, b.id or "")
        parts += [Text(title, style="bold underline"), t, Text("")]
    return Group(*parts)


class HelpScreen(ModalScreen[None]):
    BINDINGS = bindings.HELP

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help"):
            yield Label("Keys (escape closes). Remap by id: $CLEARTERM_KEYMAP or "
                        "~/.config/clearterm/keymap.toml", id="help-title")
            yield Static(help_table(self.app), id="help-table")

    def action_close(self) -> None:
        self.dismiss(None)
