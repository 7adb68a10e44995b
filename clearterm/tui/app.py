"""The review workstation: the Textual app that ties the screens to one store.

``today`` is taken once, here (or given, for tests and snapshots): rendering never reads the
clock, so deadlines and days left are the same on every redraw and in every snapshot.
All store access runs in thread workers through :class:`~clearterm.tui.backend.Backend`;
the handlers on the UI thread only show what the workers post back.
"""

from __future__ import annotations

import gc
import sqlite3
from datetime import date, tzinfo
from pathlib import Path
from time import perf_counter

from rich.text import Text
from textual import events, work
from textual.app import App
from textual.screen import Screen

from clearterm.services import review
from clearterm.storage import Store, StoreError
from clearterm.storage.reviews import QueueCounts, QueueRow
from clearterm.tui import bindings
from clearterm.tui.backend import Backend, QueueFilter
from clearterm.tui.commands import ReviewCommands
from clearterm.tui.messages import BatchesLoaded, CountsLoaded, FilterReady, Navigate, Notice, Started
from clearterm.tui.screens.case import CaseScreen
from clearterm.tui.screens.help import HelpScreen
from clearterm.tui.screens.queue import QueueScreen
from clearterm.tui.safe import ControlFilter


DECIDED = ("approved", "objected", "excluded")  # deferred is not a decision
RECOUNT_AFTER = 2.0  # seconds without an action before the progress is recounted from the store


class ReviewApp(App[None]):
    """Review cases on one store as one reviewer."""

    CSS_PATH = "app.tcss"
    TITLE = "clearterm review"
    BINDINGS = bindings.APP
    COMMANDS = App.COMMANDS | {ReviewCommands}
    ENABLE_COMMAND_PALETTE = True
    bulk_running = False  # a bulk approval or undo is running (clearterm/tui/screens/bulk.py)
    bulk_status = ""  # its progress, for the queue's status line
    bulk_seed: int | None = None  # the bulk dialog's random sample (tests fix it; None: random)

    def __init__(self, db: str | Path | Store, reviewer: str, *, today: date | None = None,
                 keymap: dict[str, str] | None = None, freeze_heap: bool = False, tz: tzinfo | None = None,
                 ansi_color: bool | None = None) -> None:
        super().__init__(ansi_color=ansi_color)
        self.tz = tz  # times are shown in this zone (None: the machine's local time)
        self.freeze_heap = freeze_heap  # gc.freeze() once the first screen is up (run_review: one app per process)
        self.reviewer = review.check_reviewer(reviewer)
        self.today = today or date.today()
        self.backend = Backend.open(db, self.reviewer, self.today)
        self.queue_filter = QueueFilter()
        self.current: QueueRow | None = None  # the reviewer's place in the queue
        self.counts: QueueCounts | None = None
        self.keymap_overrides = dict(keymap or {})
        self.last_notice = ""  # the latest action outcome (tests read it; notifications may be off)
        self.status_text = ""  # the latest routine confirmation: the screens' one-line status bar
        self._status_case: int | None = None  # the case it is about (None: no case in particular)
        self._status_filter = self.queue_filter  # the filters in force when it was set
        self.cleared_filters = ""  # the filters a search cleared (named on the queue's info line)
        self.started_at = perf_counter()
        self.first_shown_at: float | None = None
        self._recount_timer = None
        self._last_key = 0.0

    def get_default_screen(self) -> Screen:
        return QueueScreen()

    def on_mount(self) -> None:
        if self.ansi_color:  # a 16-colour terminal: the terminal's own colours (Textual's ANSI theme)
            self.theme = "ansi-dark"
        if self.keymap_overrides:
            self.set_keymap(self.keymap_overrides)
        self._startup()

    def on_unmount(self) -> None:
        self.backend.close()

    # -- the header --------------------------------------------------------------------------------
    def header_text(self) -> Text:
        """Reviewer, progress and today: fits 80 columns at a million charges."""
        t = Text(no_wrap=True, overflow="ellipsis")
        t.append(f"reviewer {self.reviewer}  ")
        if self.counts is None:
            t.append("counting ...", style="dim")
        else:
            c = self.counts
            t.append(f"{c.decided:,} of {c.total:,} decided", style="bold")
            if c.deferred:
                t.append(f" ({c.deferred:,} deferred)")
        t.append(f"  {self.today.isoformat()}", style="dim")
        return t

    def set_status(self, text: str, *, about_case: bool = True) -> None:
        """A routine confirmation: the one-line status bar of the screen shown (no notification).
        It stays until the queue's filters change or, ``about_case``, until another case is shown
        or highlighted (:meth:`context_changed`): an old line never names the wrong case or filter."""
        self.status_text = text
        self.last_notice = text
        self._status_case = self.current.case_id if about_case and self.current is not None else None
        self._status_filter = self.queue_filter
        self._show_status()

    def clear_status(self) -> None:
        self.status_text = ""
        self._show_status()

    def _show_status(self) -> None:
        screen = self.screen
        if hasattr(screen, "update_status"):
            screen.update_status()

    def context_changed(self) -> None:
        """The case shown or highlighted (``current``), or the queue's filters, may have changed:
        clear a status line that was about another case or other filters."""
        if not self.status_text:
            return
        other_case = self._status_case is not None and (self.current is None
                                                        or self.current.case_id != self._status_case)
        if other_case or self.queue_filter != self._status_filter:
            self.clear_status()

    def _update_headers(self) -> None:
        for s in self.screen_stack:
            if hasattr(s, "update_header"):
                s.update_header()

    def refresh_counts(self) -> None:
        self._counts_worker()

    def count_recorded(self, rec) -> None:
        """An action of this workstation committed: move the progress by it now (no count over
        the whole queue on the keystroke's path), and recount from the store once the reviewer
        pauses (other workstations' actions, and a check on this arithmetic)."""
        c = self.counts
        if c is not None and rec.case.track is not None:
            b, a = rec.before.status, rec.after.status
            self.counts = QueueCounts(c.total, c.decided + (a in DECIDED) - (b in DECIDED),
                                      c.deferred + (a == "deferred") - (b == "deferred"))
            self._update_headers()
        self.schedule_recount()

    def schedule_recount(self) -> None:
        """Recount the progress from the store :data:`RECOUNT_AFTER` seconds after the last call."""
        if self._recount_timer is not None:
            self._recount_timer.stop()
        self._recount_timer = self.set_timer(RECOUNT_AFTER, self.refresh_counts)

    @work(thread=True, exclusive=True, group="counts")
    def _counts_worker(self) -> None:
        self.post_message(CountsLoaded(self.backend.counts()))

    def on_counts_loaded(self, msg: CountsLoaded) -> None:
        self.counts = msg.counts
        self._update_headers()

    def mark_first_shown(self) -> None:
        if self.first_shown_at is None:
            self.first_shown_at = perf_counter()
            if self.freeze_heap:
                self.call_after_refresh(self._tune_gc)

    # -- the garbage collector: out of the keystrokes' way (run_review: one app per process) -----------
    def _tune_gc(self) -> None:
        """Once the first screen is up: ``gc.freeze()`` moves everything alive then (Textual,
        Rich, the rules, the widgets) out of the collector's reach, so a full collection walks
        only what was made since. And when the reviewer pauses (a second without a key) a full
        collection runs then, so the automatic ones that land on keystrokes find little to do.
        Python's thresholds are left as they are: deferring full collections (a higher third
        threshold) made the one that came in a burst of keys take ~200 ms. Measured with
        ``benchmarks/bench_tui.py --gc-stats``: full collections of 50-250 ms landed on
        keystrokes before."""
        gc.freeze()
        self.set_interval(1.0, self._collect_when_idle, name="idle-gc")

    def _collect_when_idle(self) -> None:
        if perf_counter() - self._last_key >= 1.0 and gc.get_count()[2] > 0:
            gc.collect()

    async def on_event(self, event) -> None:
        if isinstance(event, events.Key):
            self._last_key = perf_counter()
        await super().on_event(event)

    # -- start: resume where the reviewer left off ------------------------------------------------
    @work(thread=True, group="startup")
    def _startup(self) -> None:
        if self.backend.holds_cases():  # assigned cases: the queue opens on "mine"
            self.queue_filter = self.queue_filter.with_(holder=self.reviewer)
        self.post_message(Started(self.backend.resume_row()))
        self.post_message(CountsLoaded(self.backend.counts()))

    def on_started(self, msg: Started) -> None:
        queue = self.queue_screen
        if msg.resume is not None:
            self.current = msg.resume
            queue.reload()
            self.open_case(msg.resume)
        else:
            queue.reload(start=True)

    @property
    def queue_screen(self) -> QueueScreen:
        s = self.screen_stack[0]
        assert isinstance(s, QueueScreen)
        return s

    # -- navigation ----------------------------------------------------------------------------------
    def open_case(self, row: QueueRow) -> None:
        self.current = row
        if isinstance(self.screen, CaseScreen):
            self.screen.show(row)
        else:
            self.push_screen(CaseScreen(row))

    def back_to_queue(self) -> None:
        while len(self.screen_stack) > 1:
            self.pop_screen()

    def set_filter(self, f: QueueFilter) -> None:
        """Show the queue with these filters, from its start."""
        self.queue_filter = f
        self.context_changed()  # a status line about the old filters goes
        self.back_to_queue()
        self.queue_screen.reload(start=True)

    def switch_queue(self, change: QueueFilter | dict) -> None:
        f = change if isinstance(change, QueueFilter) else self.queue_filter.with_(**change)
        self.set_filter(f.with_(search=self.queue_filter.search) if isinstance(change, dict) else f)

    def search(self, text: str | None) -> None:
        """Search the whole queue: filters in force are cleared (and named on the info line)."""
        f = self.queue_filter
        if text and f.filtered:
            self.cleared_filters = f.with_(search=None).describe()
            f = QueueFilter()
        elif not text:
            self.cleared_filters = ""
        self._search_worker(f.with_(search=text))

    @work(thread=True, exclusive=True, group="search")
    def _search_worker(self, f: QueueFilter) -> None:
        rebuilt = False
        if f.search:
            try:
                rebuilt = self.backend.ensure_search_index()
            except (StoreError, sqlite3.Error) as exc:
                self.post_message(Notice(f"Search is unavailable: {exc}", "error"))
                return
        self.post_message(FilterReady(f))
        if rebuilt:  # after the filter change, which clears the status line
            self.post_message(Notice("The search index was rebuilt for the latest evaluation."))

    def on_filter_ready(self, msg: FilterReady) -> None:
        self.set_filter(msg.f)

    def on_notice(self, msg: Notice) -> None:
        if msg.severity == "information":
            self.set_status(msg.text, about_case=msg.about_case)
            return
        self.last_notice = msg.text
        self.notify(msg.text, severity=msg.severity)  # type: ignore[arg-type]

    def jump_to_case(self, text: str) -> None:
        self._jump_worker(text)

    @work(thread=True, exclusive=True, group="jump")
    def _jump_worker(self, text: str) -> None:
        try:
            row = self.backend.resolve(text)
        except review.ReviewError as exc:
            self.post_message(Notice(str(exc), "error"))
            return
        if row.track is None:
            self.post_message(Notice(f"Case {row.case_number} is not on a relief track: nothing to review.",
                                     "warning"))
            return
        self.post_message(Navigate(row, "jump"))

    def on_navigate(self, msg: Navigate) -> None:
        if msg.row is not None:
            self.open_case(msg.row)

    # -- batches -------------------------------------------------------------------------------------
    def start_batch(self, track: str) -> None:
        self._batch_worker(track)

    @work(thread=True, group="batch")
    def _batch_worker(self, track: str) -> None:
        try:
            info = self.backend.create_batch(track)
        except Exception as exc:  # BatchError carries a safe message; anything else is named only
            from_batches = type(exc).__module__.startswith("clearterm")
            self.post_message(Notice(f"Batch not started: {exc}" if from_batches else
                                     f"Batch not started ({type(exc).__name__}).", "error"))
            return
        text = f"Batch {info.label} opened: {info.cases:,} case(s) on the {info.track} track."
        if info.skipped:
            text += (f" Left out, no supporting facts recorded: {len(info.skipped)} objected case(s) ("
                     + ", ".join(info.skipped[:5]) + (", ..." if len(info.skipped) > 5 else "") + ").")
        if info.late:
            text += (f" {len(info.late)} LATE objection(s) in it: signing needs 'batch sign --allow-late' ("
                     + "; ".join(info.late[:3]) + ("; ..." if len(info.late) > 3 else "") + ").")
        if info.unknown_form:
            text += (f" {len(info.unknown_form):,} left out: no court department for their case number's form "
                     "(departments.toml).")
        self.post_message(Notice(text, "warning" if info.skipped or info.late or info.unknown_form
                                 else "information"))

    def show_batches(self) -> None:
        self._batches_worker()

    @work(thread=True, group="batch")
    def _batches_worker(self) -> None:
        self.post_message(BatchesLoaded(self.backend.list_batches()))

    def on_batches_loaded(self, msg: BatchesLoaded) -> None:
        from clearterm.tui.screens.batches import BatchesScreen

        self.push_screen(BatchesScreen(msg.items))

    # -- deadlines and service dates ------------------------------------------------------------------
    def show_deadlines(self, which: str = "all") -> None:
        """The deadlines view (:mod:`clearterm.tui.screens.deadlines`) over the queue."""
        from clearterm.tui.screens.deadlines import DeadlinesScreen

        self.back_to_queue()
        self.push_screen(DeadlinesScreen(which))

    def record_service(self) -> None:
        """The palette's "Record service date": ``v`` on the case shown or highlighted."""
        action = getattr(self.screen, "action_served", None)
        if action is None:
            self.notify("Open or highlight a petition first (queue or case screen).", severity="warning")
            return
        action()

    async def action_quit(self) -> None:
        """ctrl+q: in a dialog with typed text, ask before discarding it (and quitting)."""
        guard = getattr(self.screen, "typed", None)
        if guard is not None and guard():
            self.screen.ask_discard(self.exit)  # type: ignore[attr-defined]
            return
        self.exit()

    # -- the life of a case after signing (issue 16) -------------------------------------------------
    def action_follow_up(self) -> None:
        self._follow_up_worker()

    @work(thread=True, exclusive=True, group="follow-up")
    def _follow_up_worker(self) -> None:
        from clearterm.services.lifecycle import DEFAULT_FOLLOW_UP_DAYS
        from clearterm.tui.messages import FollowUpsLoaded

        items, total = self.backend.follow_ups()
        self.post_message(FollowUpsLoaded(items, total, DEFAULT_FOLLOW_UP_DAYS))

    def on_follow_ups_loaded(self, msg) -> None:
        from clearterm.tui.screens.followup import FollowUpScreen

        self.push_screen(FollowUpScreen(msg.items, self.today, msg.days, msg.total))

    def action_ruling(self) -> None:
        """``R``: the ruling dialog for the case on screen (the highlighted queue row, or the case)."""
        target = getattr(self.screen, "target", None)
        row = target() if callable(target) else None
        if row is None:
            self.notify("No case highlighted: open the case first.", severity="warning")
            return
        self._ruling_state_worker(row)

    @work(thread=True, exclusive=True, group="ruling")
    def _ruling_state_worker(self, row: QueueRow) -> None:
        from clearterm.tui.messages import RulingReady

        self.post_message(RulingReady(row, self.backend.case_life(row.case_id).summary))

    def on_ruling_ready(self, msg) -> None:
        from clearterm.tui.screens.followup import RulingDialog

        row = msg.row

        def done(answer) -> None:
            if answer is not None:
                self._ruling_worker(row, answer)

        from clearterm.tui.backend import label_of

        self.push_screen(RulingDialog(label_of(row), msg.state, self.today), done)

    @work(thread=True, group="ruling")
    def _ruling_worker(self, row: QueueRow, answer) -> None:
        from clearterm.services.lifecycle import LifecycleError

        try:
            r = self.backend.record_ruling(row.case_id, answer)
        except LifecycleError as exc:
            self.post_message(Notice(f"Ruling not recorded: {exc}", "error"))
            return
        if not r.recorded:
            self.post_message(Notice(f"Case {r.label}: {r.ruling} on {r.ruling_date} was already recorded.",
                                     about_case=True))
            return
        self.post_message(Notice(f"Recorded {r.ruling} on {r.ruling_date} for case {r.label}: now {r.state}.",
                                 about_case=True))
        self.call_from_thread(self._reload_case, row.case_id)

    def _reload_case(self, case_id: int) -> None:
        """Draw the case again if it is on screen (its state and dates changed)."""
        screen = self.screen
        if isinstance(screen, CaseScreen) and screen.detail is not None and screen.detail.case_id == case_id:
            screen.show(screen.detail.row, notice=screen.notice)

    # -- keys ----------------------------------------------------------------------------------------
    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    # -- what is drawn: control characters in data shown, never sent (clearterm/tui/safe.py) ---------
    _control_filter = ControlFilter()

    def get_line_filters(self):
        return [*super().get_line_filters(), self._control_filter]

    def notify(self, message: str, *, title: str = "", severity="information", timeout: float | None = None,
               markup: bool = True) -> None:
        """Notifications show their text as it is: no console markup, which data could carry."""
        super().notify(message, title=title, severity=severity, timeout=timeout, markup=False)

    # -- nothing in the workstation writes files (no screenshots, no theme search) -----------------------
    #: The only one of Textual's system commands the palette offers; the others save files
    #: (Screenshot: an SVG of the screen, names and dates of birth included) or do not belong to a
    #: review tool (Theme, Keys panel, Maximize). Anything a later Textual adds stays out.
    SYSTEM_COMMANDS = ("Quit",)

    def get_system_commands(self, screen: Screen):
        for cmd in super().get_system_commands(screen):
            if cmd.title in self.SYSTEM_COMMANDS:
                yield cmd

    def _no_files(self) -> None:
        self.notify("clearterm review saves no files: screenshots are disabled.", severity="warning")

    def action_screenshot(self, filename: str | None = None, path: str | None = None) -> None:
        self._no_files()

    def save_screenshot(self, filename: str | None = None, path: str | None = None,
                        time_format: str | None = None) -> str:
        self._no_files()  # also what TEXTUAL_SCREENSHOT=<seconds> would call
        return ""

    def deliver_screenshot(self, filename: str | None = None, path: str | None = None,
                           time_format: str | None = None) -> str | None:
        self._no_files()
        return None

    def deliver_text(self, *args, **kwargs) -> str | None:
        self._no_files()
        return None

    def deliver_binary(self, *args, **kwargs) -> str | None:
        self._no_files()
        return None

    # -- errors: never print record data -----------------------------------------------------------
    _crash: BaseException | None = None

    def _handle_exception(self, error: Exception) -> None:
        self._crash = error
        super()._handle_exception(error)

    def _fatal_error(self) -> None:
        """Textual's default shows a traceback with local variables (``show_locals=True``), which
        may hold names and dates of birth. Show the exception type and where it happened only."""
        self.bell()
        self._exit_renderables.append(Text(safe_error_text(self._crash)))
        self._close_messages_no_wait()


def safe_error_text(exc: BaseException | None) -> str:
    """An exception as its type and the frames it went through; no message, no locals
    (a message may quote data, e.g. a KeyError on a name)."""
    from clearterm.errors import error_frames

    where = "\n".join(f"  {name}:{line} in {func}" for name, line, func in error_frames(exc, 6))
    name = type(exc).__name__ if exc else "error"
    return (f"clearterm review stopped on an internal error ({name}); every action shown as done is "
            f"stored.\n{where}\nNo record data is shown here; report this with the lines above.")
