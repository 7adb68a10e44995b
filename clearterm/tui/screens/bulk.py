"""Bulk approval's dialogs: the confirmation (``A`` on the queue), a sample case to check, and
the choice ``u`` offers after a bulk approval.

:class:`BulkDialog` shows what the marks hold (a ``bulk_review.BulkPlan``, read by a worker):
the cases and charges that would be approved, by tranche and by reason code and note, the
marked cases it leaves alone (not pending, not on the automatic track) by name, and five cases
drawn at random, each opened with ``1``..``5`` (:class:`CasePreview`, read-only; escape comes
back). ``n`` toggles "leave out cases with notes" (on at first). ``enter`` dismisses with the
choice (``True``: notes included); the queue screen records it. Escape records nothing.
"""

from __future__ import annotations

import random

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Label, Static

from clearterm.domain.decision import NOTE_CODES
from clearterm.tui import bindings
from clearterm.tui.messages import BulkDone, BulkFailed, BulkProgress, CaseLoaded

SHOWN_LEFT = 3  # cases left alone listed by name (the rest counted)
CODES = "By reason code and note: "


def _tranche(t: int | None) -> str:
    return "none" if t is None else str(t)


def codes_text(by_code, *, fits=None) -> Text:
    """Every reason code and note with its count of cases, most first. ``fits(text)``: whether
    the line(s) fit the room the dialog has; while they do not, the least frequent reason codes
    are counted instead of named (``+N more codes``). Note codes are never left out: they are what
    "leave out cases with notes" is about."""
    items = [(code, f"{code} {n:,}") for code, n in by_code]
    hidden = 0

    def text() -> Text:
        more = f"  +{hidden} more code(s)" if hidden else ""
        return Text(CODES + ("  ".join(shown for _, shown in items) or "-") + more)

    t = text()
    while fits is not None and not fits(t):
        droppable = [i for i, (code, _) in enumerate(items) if code not in NOTE_CODES]
        if not droppable:
            break
        del items[droppable[-1]]
        hidden += 1
        t = text()
    return t


def summary_text(plan, with_notes: bool, *, fits=None) -> Text:
    """What the marks hold; ``fits``: see :func:`codes_text`."""
    s = plan.summary(with_notes)
    t = Text()
    t.append(f"{s.cases:,} case(s), {s.charges:,} charge(s) will be approved", style="bold")
    t.append(" (pending, automatic track)\n")
    t.append("Tranche " + (" · ".join(f"{_tranche(k)}: {n:,}" for k, n in s.by_tranche) or "-") + "\n")
    head = t.copy()
    tail = Text()
    box = "[ ]" if with_notes else "[x]"
    noted = sum(1 for c in plan.cases if c.notes)
    state = "none has notes" if not noted else f"{noted:,} with notes: {'included' if with_notes else 'left out'}"
    tail.append(f"\n{box} leave out cases with notes ({state})   n: toggle\n")
    if plan.left_alone_count:
        named = ", ".join(f"{label} ({why.split(':')[0]})" for label, why in plan.left_alone[:SHOWN_LEFT])
        more = plan.left_alone_count - min(len(plan.left_alone), SHOWN_LEFT)
        tail.append(f"Left alone: {plan.left_alone_count:,}: {named}" + (f" and {more:,} more" if more else "") + "\n")
    codes = codes_text(s.by_code, fits=None if fits is None else (lambda c: fits(Text.assemble(head, c, tail))))
    return Text.assemble(head, codes, tail)


def sample_text(sample) -> Text:
    t = Text("Drawn at random (1-5 opens one to check):\n")
    for i, c in enumerate(sample, 1):
        notes = f"  notes {', '.join(c.notes)}" if c.notes else ""
        t.append(f" {i}  {c.label}  tranche {_tranche(c.tranche)}  {c.charges} charge(s){notes}\n")
    if not sample:
        t.append(" (none)\n")
    return t


DIALOG_MAX = 100  # #dialog.wide's max-width (app.tcss)


class BulkDialog(ModalScreen[bool | None]):
    """Confirm a bulk approval: dismissed with ``with_notes`` (bool), or None (cancelled)."""

    BINDINGS = bindings.BULK

    def __init__(self, plan, *, seed: int | None = None) -> None:
        super().__init__()
        self.plan = plan
        self.with_notes = False
        self.seed = seed if seed is not None else random.SystemRandom().randrange(2**32)
        self.sample = ()

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="wide"):
            yield Label("Approve the marked cases", id="dialog-title")
            yield Static("", id="bulk-summary")
            yield Static("", id="bulk-sample")
            yield Static("", id="dialog-error")
            yield Label("enter approve   n notes   1-5 check a case   escape cancel", classes="dialog-keys")

    def on_mount(self) -> None:
        self._show()

    def _show(self) -> None:
        self.sample = self.plan.sample(self.with_notes, rng=random.Random(self.seed))
        sample = sample_text(self.sample)
        width, height = self.app.size
        inner = min(width, DIALOG_MAX) - 4  # less the dialog's border and padding
        # the rows the summary may take: the screen less the border, title, sample, error and keys lines
        room = height - 2 - 1 - self._rows(sample, inner) - 1 - 1

        def fits(text: Text) -> bool:
            return self._rows(text, inner) <= room

        summary = summary_text(self.plan, self.with_notes, fits=fits)
        self.query_one("#bulk-summary", Static).update(summary)  # data: Text
        self.query_one("#bulk-sample", Static).update(sample)

    def _rows(self, text: Text, width: int) -> int:
        """The lines ``text`` takes at ``width`` (as the dialog's Static wraps it)."""
        return len(text.wrap(self.app.console, max(1, width)))

    def on_resize(self, event) -> None:
        self._show()

    def action_toggle_notes(self) -> None:
        self.with_notes = not self.with_notes
        self._show()

    def action_sample(self, n: int) -> None:
        if 1 <= n <= len(self.sample):
            self.app.push_screen(CasePreview(self.sample[n - 1]))

    def action_submit(self) -> None:
        if not self.plan.chosen(self.with_notes):
            self.query_one("#dialog-error", Static).update(
                Text("Nothing to approve" + ("" if self.with_notes else " (n takes in the cases with notes)") + "."))
            return
        self.dismiss(self.with_notes)

    def action_cancel(self) -> None:
        self.dismiss(None)


class CasePreview(ModalScreen[None]):
    """One case of the sample, read-only: the person (name, birth or age, agency), its charges,
    decisions and explanations."""

    BINDINGS = bindings.PREVIEW

    def __init__(self, case) -> None:
        super().__init__()
        self.case = case
        self.detail = None

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="wide preview"):
            yield Label(Text(f"Case {self.case.label} (to check; nothing is recorded here)"), id="dialog-title")
            with VerticalScroll(id="preview-body"):
                yield Static("Loading ...", id="preview-charges")
            yield Label("escape back to the bulk approval", classes="dialog-keys")

    def on_mount(self) -> None:
        self._load(self.case.case_id)

    @work(thread=True, exclusive=True, group="preview")
    def _load(self, case_id: int) -> None:
        self.post_message(CaseLoaded(self.app.backend.load_case(case_id, mark=False), 0))

    def on_case_loaded(self, msg: CaseLoaded) -> None:
        from clearterm.tui.render import case_header, charges_table, explanation_text, person_text

        self.detail = msg.detail
        body = self.query_one("#preview-charges", Static)
        if msg.detail is None:
            body.update(Text("The case is no longer in the store."))
            return
        from rich.console import Group

        width = max(40, self.size.width - 8)
        body.update(Group(case_header(msg.detail, width), person_text(msg.detail), charges_table(msg.detail, 0, width),
                          explanation_text(msg.detail, 0, width=width)))

    def action_close(self) -> None:
        self.dismiss(None)


class BulkUndoDialog(ModalScreen[str | None]):
    """``u`` after a bulk approval: ``"bulk"`` (all of it), ``"last"`` (the last case), or None."""

    BINDINGS = bindings.BULK_UNDO

    def __init__(self, bulk_id: int, cases: int) -> None:
        super().__init__()
        self.bulk_id = bulk_id
        self.cases = cases

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Label("Undo", id="dialog-title")
            yield Static(Text(f"Your latest action was bulk approval {self.bulk_id} ({self.cases:,} case(s)).\n"
                              "b  undo the whole bulk approval (one undo entry per case)\n"
                              "l  undo only its last case"))
            yield Label("b whole bulk   l last case   escape cancel", classes="dialog-keys")

    def action_whole(self) -> None:
        self.dismiss("bulk")

    def action_last(self) -> None:
        self.dismiss("last")

    def action_cancel(self) -> None:
        self.dismiss(None)


class BulkRunner:
    """Running a bulk action from a screen (mixed into the review screens): a thread worker
    steps through it (each step one short transaction; the workstation stays usable), posts
    :class:`BulkProgress` after each step and :class:`BulkDone` (or :class:`BulkFailed`) at the
    end. Progress shows on the queue's info line; the outcome on the status line (a notification
    when cases were skipped, or on an error)."""

    def start_bulk(self, kind: str, arg, filter: dict | None = None) -> None:
        app = self.app
        if app.bulk_running:
            app.set_status("A bulk action is still running.", about_case=False)
            return
        app.bulk_running = True
        app.bulk_status = f"bulk {'approval' if kind == 'approve' else 'undo'}: starting"
        app.queue_screen.show_info()
        self._bulk_worker(kind, arg, filter)

    @work(thread=True, group="bulk")
    def _bulk_worker(self, kind: str, arg, filter: dict | None) -> None:
        import sqlite3

        from clearterm.services.review import ReviewError
        from clearterm.storage import StoreError

        b = self.app.backend

        def progress(p) -> None:
            self.post_message(BulkProgress(kind, p.done, p.total))

        try:
            res = b.bulk_approve(arg, filter, progress) if kind == "approve" else b.bulk_undo(arg, progress)
        except ReviewError as exc:
            self.post_message(BulkFailed(f"Not recorded: {exc}"))
            return
        except (StoreError, sqlite3.Error) as exc:
            self.post_message(BulkFailed(f"The bulk action stopped ({exc}); the cases recorded so far stay "
                                         "recorded, each with its audit entry."))
            return
        self.post_message(BulkDone(res))

    def on_bulk_progress(self, msg: BulkProgress) -> None:
        what = "approval" if msg.kind == "approve" else "undo"
        self.app.bulk_status = f"bulk {what}: {msg.done:,} of {msg.total:,}"
        self.app.queue_screen.show_info()

    def on_bulk_failed(self, msg: BulkFailed) -> None:
        self._bulk_ended(msg.text)
        self.notify(msg.text, severity="error", timeout=10)

    def on_bulk_done(self, msg: BulkDone) -> None:
        r = msg.result
        verb = "approved" if r.kind == "approve" else "undone"
        text = (f"Bulk {'approval' if r.kind == 'approve' else 'undo'} {r.bulk_id}: {r.recorded:,} case(s) {verb}"
                f", {len(r.skipped):,} skipped")
        if r.skipped:
            shown = "; ".join(f"{label} ({why})" for label, why in r.skipped[:5])
            more = len(r.skipped) - 5
            text += f": {shown}" + (f" and {more:,} more" if more > 0 else "")
        self._bulk_ended(text + ".")
        if r.kind == "approve":
            self.app.queue_screen.bulk_approved()
        if r.skipped:  # cases changed meanwhile: a notification, to be read
            self.notify(text + ".", severity="warning", timeout=12)
        else:  # routine: the status line
            self.app.set_status(text + ".", about_case=False)
        self.app.queue_screen.reload()
        self.app.refresh_counts()

    def _bulk_ended(self, text: str) -> None:
        self.app.bulk_running = False
        self.app.bulk_status = ""
        self.app.last_notice = text
        self.app.queue_screen.show_info()
