"""Dialogs: object to a petition, record a service date, exclude a case, choose the queue's
filters, and a yes/no confirmation (a late objection, discarding typed text).

Each returns its answer with ``dismiss`` (None when cancelled); the screen that opened it
records the action. The dialogs check what they can before closing (a ground is chosen, the
objection has its facts, an exclusion has a reason, the service date reads as a date), with the
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
from clearterm.domain.deadlines import OBJECTION_DAYS, OBJECTION_GROUNDS, objection_deadline
from clearterm.storage.reviews import STATUSES, TRACKS
from clearterm.tui import bindings
from clearterm.tui.backend import QueueFilter


@dataclass(frozen=True)
class Objection:
    ground: str
    note: str
    served: str | None
    late_ok: bool = False  # past the deadline, and the reviewer confirmed it as late


@dataclass(frozen=True)
class ServiceDate:
    served: str
    note: str | None  # the reason, when it replaces a recorded date


class ConfirmDialog(ModalScreen[bool]):
    """A yes/no question answered by an explicit ``y`` (``n`` or escape: no; enter does nothing,
    so a key meant for the dialog below never confirms)."""

    BINDINGS = bindings.CONFIRM

    def __init__(self, title: str, text: str, yes: str) -> None:
        super().__init__()
        self.title_text, self.text, self.yes = title, text, yes

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="confirm"):
            yield Label(Text(self.title_text), id="dialog-title")
            yield Static(Text(self.text), id="confirm-text")
            yield Label(f"y {self.yes}   n/escape no, go back", classes="dialog-keys")

    def action_yes(self) -> None:
        self.dismiss(True)

    def action_no(self) -> None:
        self.dismiss(False)


class GuardedDialog(ModalScreen):
    """A dialog with typed fields: escape (and ctrl+q, see ``ReviewApp.action_quit``) ask
    before discarding what was typed."""

    FIELDS: tuple[str, ...] = ()

    def typed(self) -> bool:
        return any(w.value.strip() for f in self.FIELDS for w in self.query(f"#{f}").results(Input))

    def ask_discard(self, then) -> None:
        def answer(yes: bool | None) -> None:
            if yes:
                then()

        self.app.push_screen(ConfirmDialog("Discard what you typed?", "Nothing has been recorded yet.",
                                           "discard it"), answer)

    def action_cancel(self) -> None:
        if self.typed():
            self.ask_discard(lambda: self.dismiss(None))
        else:
            self.dismiss(None)


def _deadline_words(served: date, today: date) -> tuple[str, bool]:
    """The deadline of a petition served on ``served``, in words; and whether it has passed."""
    late = review.late_by(served, today)
    due = objection_deadline(served)
    if late is not None:
        return (f"LATE: the objection deadline was {due.isoformat()} (served {served.isoformat()} + "
                f"{OBJECTION_DAYS} days), {late[2]} day(s) ago. An objection now is late: it is recorded "
                "as late and needs a second confirmation.", True)
    left = (due - today).days
    return f"Served {served.isoformat()}; objection due {due.isoformat()}, {left} day(s) left.", False


class ObjectionDialog(GuardedDialog):
    """Object to a petition: a ground (keys 1..N, one per ground of OBJECTION_GROUNDS), the
    supporting facts (required for every ground: the court reads them), the service date if
    none is recorded yet. Tab goes ground, note, service date. Past the deadline the dialog says
    so and recording needs a second confirmation."""

    BINDINGS = bindings.OBJECTION
    FIELDS = ("note", "served")

    def __init__(self, label: str, *, served: str | None, today: date) -> None:
        super().__init__()
        self.label = label
        self.recorded_served = date.fromisoformat(served) if served else None
        self.today = today
        self.ground: str | None = None
        self.error_for: str | None = None  # the field the error shown is about

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="objection"):
            yield Label(Text(f"Object to the petition in case {self.label}"), id="dialog-title")  # data: no markup
            yield Static("", id="deadline-line")
            grounds = OptionList(*[Option(Text(f"[ ] {i}  {g.text}"), id=g.key)
                                   for i, g in enumerate(OBJECTION_GROUNDS, 1)], id="grounds", compact=True)
            grounds.border_title = f"Ground (press {bindings.GROUND_KEYS_RANGE})"
            yield grounds
            yield Label("Chosen: none", id="chosen")
            # select_on_focus=False: tabbing back into a field and typing adds to its text, never replaces it
            note = Input(placeholder="the facts that support the ground", id="note", select_on_focus=False)
            note.border_title = "Supporting facts (required)"
            yield note
            if self.recorded_served is None:
                served = Input(placeholder="YYYY-MM-DD", id="served", select_on_focus=False)
                served.border_title = "Service date (none recorded yet; required)"
                yield served
            yield Static("", id="dialog-error")
            yield Label("tab next field   enter next/record   ctrl+s record   escape cancel", classes="dialog-keys")

    def on_mount(self) -> None:
        grounds = self.query_one("#grounds", OptionList)
        grounds.highlighted = None  # nothing chosen: enter on the list does nothing
        grounds.focus()
        self._show_deadline()

    # -- the deadline ----------------------------------------------------------------------------
    def served_date(self) -> date | None:
        """The recorded service date, else the one typed (if it reads as a date)."""
        if self.recorded_served is not None:
            return self.recorded_served
        try:
            text = review.parse_served(self.query_one("#served", Input).value.strip(), today=self.today)
        except review.ReviewError:
            return None
        return date.fromisoformat(text) if text else None

    def is_late(self) -> bool:
        served = self.served_date()
        return served is not None and review.late_by(served, self.today) is not None

    def _show_deadline(self) -> None:
        served = self.served_date()
        line = self.query_one("#deadline-line", Static)
        if served is None:
            line.update(Text("No service date recorded: enter it below; the objection is due 60 days after it."))
            line.set_class(False, "late")
            return
        words, late = _deadline_words(served, self.today)
        line.update(Text(words))
        line.set_class(late, "late")

    # -- choosing and typing ---------------------------------------------------------------------
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
        self.query_one("#chosen", Label).update(Text(f"Chosen: {n} {key}"))
        self._clear_error("ground")

    @on(OptionList.OptionSelected, "#grounds")
    def _picked(self, event: OptionList.OptionSelected) -> None:
        self._choose(str(event.option.id))
        self.query_one("#note", Input).focus()

    @on(Input.Changed, "#note")
    def _note_changed(self, event: Input.Changed) -> None:
        if event.value.strip():
            self._clear_error("note")

    @on(Input.Changed, "#served")
    def _served_changed(self) -> None:
        self._show_deadline()
        if self.served_date() is not None:
            self._clear_error("served")

    @on(Input.Submitted, "#note")
    def _note_done(self) -> None:
        served = self.query("#served")
        if self.ground and self._note() and served and not served.first(Input).value.strip():
            served.first(Input).focus()
            return
        self.action_submit()

    @on(Input.Submitted, "#served")
    def _served_done(self) -> None:
        self.action_submit()

    def _note(self) -> str:
        return self.query_one("#note", Input).value.strip()

    def _error(self, text: str, field: str | None = None) -> None:
        self.error_for = field if text else None
        self.query_one("#dialog-error", Static).update(Text(text))

    def _clear_error(self, field: str) -> None:
        if self.error_for == field:
            self._error("")

    # -- recording -------------------------------------------------------------------------------
    def action_submit(self) -> None:
        if self.ground is None:
            self._error(f"Choose a ground first: press {bindings.GROUND_KEYS_RANGE}.", "ground")
            self.query_one("#grounds", OptionList).focus()
            return
        note = self._note()
        if not note:
            self._error(f'The ground "{self.ground}" needs its supporting facts: the court reads them.', "note")
            self.query_one("#note", Input).focus()
            return
        served = None
        if self.recorded_served is None:
            box = self.query_one("#served", Input)
            if not box.value.strip():
                self._error("Enter the date the petition was served (none is recorded yet).", "served")
                box.focus()
                return
            try:
                served = review.parse_served(box.value.strip(), today=self.today)
            except review.ReviewError as exc:
                self._error(str(exc).capitalize() + ".", "served")
                box.focus()
                return
        if not self.is_late():
            self.dismiss(Objection(self.ground, note, served))
            return
        words, _ = _deadline_words(self.served_date(), self.today)  # type: ignore[arg-type]
        ground, chosen_served = self.ground, served

        def answer(yes: bool | None) -> None:
            if yes:
                self.dismiss(Objection(ground, note, chosen_served, late_ok=True))

        self.app.push_screen(ConfirmDialog(f"Record a LATE objection in case {self.label}?", words,
                                           "record it as a LATE objection"), answer)


class ServiceDialog(GuardedDialog):
    """Record the date a petition was served; changing a recorded date needs a reason."""

    BINDINGS = bindings.DIALOG
    FIELDS = ("served", "reason")

    def __init__(self, label: str, *, current: str | None, today: date) -> None:
        super().__init__()
        self.label, self.current, self.today = label, current, today

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Label(Text(f"Service date of the petition in case {self.label}"), id="dialog-title")
            yield Label(f"Recorded now: {self.current}" if self.current else "None recorded yet.")
            served = Input(placeholder="YYYY-MM-DD", id="served", select_on_focus=False)
            served.border_title = "Date served (YYYY-MM-DD)"
            yield served
            if self.current:
                reason = Input(placeholder="why the recorded date is wrong", id="reason", select_on_focus=False)
                reason.border_title = "Reason for the change (required)"
                yield reason
            yield Static("", id="dialog-error")
            yield Label("enter next/record   ctrl+s record   escape cancel", classes="dialog-keys")

    def on_mount(self) -> None:
        self.query_one("#served", Input).focus()

    @on(Input.Changed)
    def _changed(self) -> None:
        self.query_one("#dialog-error", Static).update("")

    @on(Input.Submitted, "#served")
    def _served_done(self) -> None:
        if self.current and not self.query_one("#reason", Input).value.strip():
            self.query_one("#reason", Input).focus()
            return
        self.action_submit()

    @on(Input.Submitted, "#reason")
    def _reason_done(self) -> None:
        self.action_submit()

    def action_submit(self) -> None:
        err = self.query_one("#dialog-error", Static)
        box = self.query_one("#served", Input)
        try:
            served = review.parse_served(box.value.strip(), today=self.today)
        except review.ReviewError as exc:
            err.update(Text(str(exc).capitalize() + "."))
            box.focus()
            return
        if served is None:
            err.update("Enter the date the petition was served.")
            box.focus()
            return
        if served == self.current:
            err.update(f"{served} is the date already recorded.")
            return
        reason = None
        if self.current:
            reason = self.query_one("#reason", Input).value.strip() or None
            if reason is None:
                err.update(f"Changing the recorded date {self.current} needs a reason.")
                self.query_one("#reason", Input).focus()
                return
        self.dismiss(ServiceDate(served, reason))


class ExcludeDialog(GuardedDialog):
    """The reason for leaving a case out of relief (required)."""

    BINDINGS = bindings.DIALOG
    FIELDS = ("reason",)

    def __init__(self, label: str) -> None:
        super().__init__()
        self.label = label

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Label(Text(f"Exclude case {self.label} from relief"), id="dialog-title")
            yield Label("Reason (required):")
            yield Input(placeholder="why this case is left out", id="reason", compact=True,
                        select_on_focus=False)
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
