"""Dialogs: object to a petition, exclude a case, choose the queue's filters.

Each returns its answer with ``dismiss`` (None when cancelled); the screen that opened it
records the action. The dialogs check what they can before closing (a ground is chosen,
"other" has a note, an exclusion has a reason, the service date reads as a date), with the
same rules :mod:`clearterm.services.review` applies again when recording.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from clearterm.services import review
from clearterm.domain.deadlines import OBJECTION_GROUNDS, ground as objection_ground
from clearterm.storage.reviews import STATUSES, TRACKS
from clearterm.tui import bindings
from clearterm.tui.backend import QueueFilter


@dataclass(frozen=True)
class Objection:
    ground: str
    note: str | None
    served: str | None


class ObjectionDialog(ModalScreen[Objection | None]):
    """Pick a ground with 1..N (one key per ground of OBJECTION_GROUNDS); a note (required for a
    ground that needs text, "other"); the service date if not known yet."""

    BINDINGS = bindings.OBJECTION

    def __init__(self, label: str, *, needs_service: bool, today: date) -> None:
        super().__init__()
        self.label = label
        self.needs_service = needs_service
        self.today = today
        self.ground: str | None = None

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Label(Text(f"Object to the petition in case {self.label}"), id="dialog-title")  # data: no markup
            yield Label(f"Ground (press {bindings.GROUND_KEYS_RANGE}):")
            yield OptionList(*[Option(Text(f"[ ] {i}  {g.text}"), id=g.key)
                               for i, g in enumerate(OBJECTION_GROUNDS, 1)], id="grounds", compact=True)
            yield Label("Chosen: none", id="chosen")
            yield Label('Note (required for "other", optional otherwise):')
            yield Input(placeholder="supporting facts", id="note", compact=True)
            if self.needs_service:
                yield Label("Service date (YYYY-MM-DD; none recorded yet, required):")
                yield Input(placeholder="YYYY-MM-DD", id="served", compact=True)
            yield Static("", id="dialog-error")
            yield Label("enter/ctrl+s record   escape cancel", classes="dialog-keys")

    def on_mount(self) -> None:
        self.query_one("#grounds", OptionList).focus()

    def action_ground(self, n: int) -> None:
        self._choose(OBJECTION_GROUNDS[n - 1].key)
        self.query_one("#grounds", OptionList).highlighted = n - 1
        self.query_one("#note", Input).focus()

    def _choose(self, key: str) -> None:
        self.ground = key
        n = [g.key for g in OBJECTION_GROUNDS].index(key) + 1
        ol = self.query_one("#grounds", OptionList)
        for i, g in enumerate(OBJECTION_GROUNDS):
            ol.replace_option_prompt_at_index(i, Text(f"{'[x]' if g.key == key else '[ ]'} {i + 1}  {g.text}"))
        self.query_one("#chosen", Label).update(Text(f"Chosen: {n} {key} ({objection_ground(key).text})"))
        self._error("")

    @on(OptionList.OptionSelected, "#grounds")
    def _picked(self, event: OptionList.OptionSelected) -> None:
        self._choose(str(event.option.id))
        self.query_one("#note", Input).focus()

    @on(Input.Submitted, "#note")
    def _note_done(self) -> None:
        served = self.query("#served")
        note_ok = not self._needs_text() or self.query_one("#note", Input).value.strip()
        if self.ground and note_ok and served and not served.first(Input).value.strip():
            served.first(Input).focus()
            return
        self.action_submit()

    @on(Input.Submitted, "#served")
    def _served_done(self) -> None:
        self.action_submit()

    def _needs_text(self) -> bool:
        return self.ground is not None and objection_ground(self.ground).needs_text

    def _error(self, text: str) -> None:
        self.query_one("#dialog-error", Static).update(Text(text))

    def action_submit(self) -> None:
        if self.ground is None:
            self._error(f"Choose a ground first: press {bindings.GROUND_KEYS_RANGE}.")
            self.query_one("#grounds", OptionList).focus()
            return
        note = self.query_one("#note", Input).value.strip() or None
        if self._needs_text() and not note:
            self._error(f'The ground "{self.ground}" needs a note stating it.')
            self.query_one("#note", Input).focus()
            return
        served = None
        if self.needs_service:
            text = self.query_one("#served", Input).value.strip()
            if not text:
                self._error("Enter the date the petition was served (none is recorded yet).")
                self.query_one("#served", Input).focus()
                return
            try:
                served = review.parse_served(text, today=self.today)
            except review.ReviewError as exc:
                self._error(str(exc).capitalize() + ".")
                self.query_one("#served", Input).focus()
                return
        self.dismiss(Objection(self.ground, note, served))

    def action_cancel(self) -> None:
        self.dismiss(None)


class ExcludeDialog(ModalScreen[str | None]):
    """The reason for leaving a case out of relief (required)."""

    BINDINGS = bindings.DIALOG

    def __init__(self, label: str) -> None:
        super().__init__()
        self.label = label

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Label(Text(f"Exclude case {self.label} from relief"), id="dialog-title")
            yield Label("Reason (required):")
            yield Input(placeholder="why this case is left out", id="reason", compact=True)
            yield Static("", id="dialog-error")
            yield Label("enter record   escape cancel", classes="dialog-keys")

    def on_mount(self) -> None:
        self.query_one("#reason", Input).focus()

    @on(Input.Submitted, "#reason")
    def action_submit(self) -> None:
        reason = self.query_one("#reason", Input).value.strip()
        if not reason:
            self.query_one("#dialog-error", Static).update("An exclusion needs a reason.")
            return
        self.dismiss(reason)

    def action_cancel(self) -> None:
        self.dismiss(None)


_TRACK_OPTS = [("any track", None)] + [(t, t) for t in TRACKS]
_TRANCHE_OPTS = [("any tranche", None), ("tranche 1", 1), ("tranche 2", 2), ("tranche 3", 3), ("no tranche", 99)]
_STATUS_OPTS = [("any status", None)] + [(s, s) for s in STATUSES]
_DEADLINE_OPTS = [("any deadline", None), ("overdue", "overdue"), ("due soon", "soon")]
FILTER_FIELDS = (("track", _TRACK_OPTS), ("tranche", _TRANCHE_OPTS), ("status", _STATUS_OPTS),
                 ("deadline", _DEADLINE_OPTS))


class FilterDialog(ModalScreen[QueueFilter | None]):
    """Choose track, tranche, status and deadline: the highlighted option of each list counts.
    Tab moves between lists, up/down chooses, enter applies."""

    BINDINGS = bindings.DIALOG

    def __init__(self, current: QueueFilter) -> None:
        super().__init__()
        self.current = current

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="wide"):
            yield Label("Filter the queue (tab: next list, up/down: choose, enter: apply)", id="dialog-title")
            with Horizontal(id="filter-lists"):
                for name, opts in FILTER_FIELDS:
                    yield OptionList(*[Option(Text(f"  {text}")) for text, _ in opts], id=f"f-{name}",
                                     classes="filter-list")
            yield Label("enter apply   escape cancel", classes="dialog-keys")

    def on_mount(self) -> None:
        for name, opts in FILTER_FIELDS:
            value = getattr(self.current, name)
            idx = next((i for i, (_, v) in enumerate(opts) if v == value), 0)
            self.query_one(f"#f-{name}", OptionList).highlighted = idx
        self.query_one("#f-track", OptionList).focus()

    @on(OptionList.OptionHighlighted)
    def _mark(self, event: OptionList.OptionHighlighted) -> None:
        """Mark the chosen option with ">" too: the highlight alone is only a colour."""
        ol = event.option_list
        name = (ol.id or "").removeprefix("f-")
        opts = dict(FILTER_FIELDS).get(name)
        if opts is None:
            return
        for i, (text, _) in enumerate(opts):
            ol.replace_option_prompt_at_index(i, Text(f"{'>' if i == event.option_index else ' '} {text}"))

    def chosen(self) -> QueueFilter:
        values = {}
        for name, opts in FILTER_FIELDS:
            idx = self.query_one(f"#f-{name}", OptionList).highlighted or 0
            values[name] = opts[idx][1]
        return self.current.with_(**values)

    @on(OptionList.OptionSelected)
    def action_submit(self) -> None:
        self.dismiss(self.chosen())

    def action_cancel(self) -> None:
        self.dismiss(None)
