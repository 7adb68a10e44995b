"""The Follow-up screen (key ``F``, palette "Follow-up"): what has gone quiet after signing, one
line each, oldest first, with what to do (:func:`clearterm.services.lifecycle.docket`, the same
list as ``clearterm docket``); and the small dialog that records a court's ruling (key ``R``).

``enter`` on a case line opens the case; nothing here writes but the ruling dialog's answer,
which the app records in a worker (:meth:`clearterm.tui.backend.Backend.record_ruling`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from clearterm.tui import bindings

#: What the ruling dialog offers, with the key that picks each.
RULING_CHOICES = (("g", "granted"), ("d", "denied"), ("c", "continued"), ("s", "stricken"), ("w", "withdrawn"))


def follow_up_prompt(item) -> Text:
    """One follow-up as a line of the list (data as text: never markup)."""
    who = item.case or f"batch {item.batch}"
    return Text(f"{item.since}  {who}: {item.todo}")


class FollowUpScreen(ModalScreen[None]):
    """The docket watch as a list; enter opens the highlighted case."""

    BINDINGS = bindings.FOLLOW_UP

    def __init__(self, items: list, today: date, days: int, total: int | None = None) -> None:
        super().__init__()
        self.items = items
        self.today = today
        self.days = days
        self.total = len(items) if total is None else total

    def compose(self) -> ComposeResult:
        with Vertical(id="help"):
            shown = (f"{self.total:,}" if self.total == len(self.items)
                     else f"the oldest {len(self.items):,} of {self.total:,}")
            yield Label(f"Follow-up as of {self.today}: {shown}, oldest first (letters and filing after "
                        f"{self.days} days; all of them: clearterm docket)", id="help-title")
            if self.items:
                yield OptionList(*[Option(follow_up_prompt(f), id=str(i)) for i, f in enumerate(self.items)],
                                 id="follow-up")
            else:
                yield Static("Nothing has gone quiet.", id="follow-up-empty")
            yield Label("enter open case   escape close", classes="dialog-keys")

    @on(OptionList.OptionSelected, "#follow-up")
    def _open(self, event: OptionList.OptionSelected) -> None:
        item = self.items[int(event.option.id or 0)]
        if item.case is None:
            self.notify(f"Batch {item.batch}: {item.todo}")
            return
        self.dismiss(None)
        self.app.jump_to_case(item.case)

    def action_close(self) -> None:
        self.dismiss(None)


@dataclass(frozen=True)
class RulingAnswer:
    ruling: str
    ruling_date: str
    next_date: str | None
    judge: str | None
    order_number: str | None


class RulingDialog(ModalScreen[RulingAnswer | None]):
    """Pick the ruling (g d c s w), its date (default today), the next date for continued, and
    optionally the judge and order number. The service checks the rest when recording."""

    BINDINGS = bindings.RULING

    def __init__(self, label: str, state: str, today: date) -> None:
        super().__init__()
        self.label = label
        self.state = state
        self.today = today
        self.ruling: str | None = None

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Label(Text(f"Ruling on case {self.label} ({self.state})"), id="dialog-title")
            yield OptionList(*[Option(Text(f"[ ] {k}  {r}"), id=r) for k, r in RULING_CHOICES], id="rulings",
                             compact=True)
            yield Label("Date (YYYY-MM-DD):")
            yield Input(value=self.today.isoformat(), id="ruling-date", compact=True, select_on_focus=False)
            yield Label("Next court date (continued only):")
            yield Input(placeholder="YYYY-MM-DD", id="next-date", compact=True, select_on_focus=False)
            yield Label("Judge, order number (optional):")
            yield Input(placeholder="judge", id="judge", compact=True, select_on_focus=False)
            yield Input(placeholder="order number", id="order-number", compact=True, select_on_focus=False)
            yield Static("", id="dialog-error")
            yield Label("g d c s w choose   ctrl+s record   escape cancel", classes="dialog-keys")

    def on_mount(self) -> None:
        self.query_one("#rulings", OptionList).focus()

    def action_choose(self, ruling: str) -> None:
        self.ruling = ruling
        ol = self.query_one("#rulings", OptionList)
        for i, (k, r) in enumerate(RULING_CHOICES):
            ol.replace_option_prompt_at_index(i, Text(f"{'[x]' if r == ruling else '[ ]'} {k}  {r}"))
        ol.highlighted = [r for _, r in RULING_CHOICES].index(ruling)
        self.query_one("#dialog-error", Static).update("")

    @on(OptionList.OptionSelected, "#rulings")
    def _picked(self, event: OptionList.OptionSelected) -> None:
        self.action_choose(str(event.option.id))
        self.query_one("#ruling-date", Input).focus()

    def _value(self, wid: str) -> str | None:
        return self.query_one(f"#{wid}", Input).value.strip() or None

    def action_submit(self) -> None:
        from clearterm.services import lifecycle

        if self.ruling is None:
            self.query_one("#dialog-error", Static).update("Choose the ruling (g d c s w).")
            return
        if self.ruling == "continued" and not self._value("next-date"):
            self.query_one("#dialog-error", Static).update("A continued case needs its next court date.")
            return
        try:
            req = lifecycle.make_request(self.ruling, self._value("ruling-date"), self._value("next-date"),
                                         self._value("judge"), self._value("order-number"))
        except lifecycle.LifecycleError as exc:
            self.query_one("#dialog-error", Static).update(Text(str(exc)))
            return
        self.dismiss(RulingAnswer(req.ruling, req.ruling_date.isoformat(),
                                  req.next_court_date.isoformat() if req.next_court_date else None,
                                  req.judge, req.order_number))

    def action_cancel(self) -> None:
        self.dismiss(None)
