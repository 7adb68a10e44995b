"""Every Textual message of the workstation, in one place.

Most are what the thread workers post back to the screens (the UI thread does no SQL): each
carries what the worker read or wrote; the screen or app that started the worker handles it.
The last three are posted by :class:`~clearterm.tui.table.QueueTable`. Texts in them are safe
to show and never hold a name or a date of birth.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message

from clearterm.storage.reviews import QueueCounts, QueueRow, Recorded
from clearterm.tui.backend import CaseDetail, QueueFilter


@dataclass
class QueueLoaded(Message):
    rows: list[QueueRow]
    select: int  # the row to put the cursor on
    token: int  # the request it answers (older answers are dropped)


@dataclass
class CaseLoaded(Message):
    detail: CaseDetail | None
    token: int


@dataclass
class DeadlinesLoaded(Message):
    """A page of the deadlines view (:mod:`clearterm.tui.screens.deadlines`)."""

    rows: list[QueueRow]
    after: tuple | None  # the cursor the page starts after (None: the first page)
    token: int


@dataclass
class CountsLoaded(Message):
    counts: QueueCounts


@dataclass
class ActionRecorded(Message):
    """An action committed; ``next_row`` is where the reviewer goes now (None: end of queue)."""

    recorded: Recorded
    next_row: QueueRow | None
    advance: bool
    # What the screen shows next, read by the same worker right after the commit (the case
    # screen: the next case's detail; the queue: the page around the place), so that moving
    # on needs no second round trip to the store. None: the screen reads it itself.
    payload: object = None


@dataclass
class NoteRecorded(Message):
    """A note was stored with its audit entry (the case's status and version are unchanged)."""

    label: str
    note_id: int
    audit_seq: int


@dataclass
class QueuePosition(Message):
    """Where the queue page starts in the whole (filtered) queue, and how many cases it holds."""

    first: int  # 0-based index of the page's first row
    total: int
    token: int


@dataclass
class MineReady(Message):
    """Whether the reviewer holds assigned cases (the queue then opens on "mine")."""

    holds: bool


@dataclass
class ActionRefused(Message):
    """The action was not recorded (a check failed); nothing was written."""

    text: str


@dataclass
class ActionConflict(Message):
    """Another reviewer acted on the case first; nothing was written; the case is reloaded."""

    text: str
    case_id: int
    row: QueueRow | None  # the case as it is now


@dataclass
class Navigate(Message):
    """Show this case (next/previous/jump); None: nothing there."""

    row: QueueRow | None
    why: str = ""


@dataclass
class Started(Message):
    """The app's first read: the case the reviewer left off at (None: the start of the queue)."""

    resume: QueueRow | None


@dataclass
class FilterReady(Message):
    """A queue filter (search) is ready to apply."""

    f: QueueFilter


@dataclass
class Notice(Message):
    """A notification for the app to show ("information": the status line, cleared when the
    filters change, and when another case is shown if ``about_case``)."""

    text: str
    severity: str = "information"
    about_case: bool = False


@dataclass
class BatchesLoaded(Message):
    items: list


@dataclass
class RowHighlighted(Message):
    """The queue table's cursor is on another row (or the rows were replaced)."""

    cursor_row: int


@dataclass
class RowSelected(Message):
    """``enter`` on a row of the queue table."""

    cursor_row: int


@dataclass
class PageEdge(Message):
    """The queue table's cursor was asked to move past the page's end (``forward``) or start."""

    forward: bool


# -- bulk approval (clearterm/tui/screens/bulk.py) --------------------------------------------------------
@dataclass
class MarksCounted(Message):
    """How many cases a mark-all holds (counted in SQL)."""

    count: int
    all_of: QueueFilter


@dataclass
class BulkPlanned(Message):
    """What the marks hold, read for the confirmation dialog (a ``bulk_review.BulkPlan``)."""

    plan: object


@dataclass
class BulkProgress(Message):
    """A step of a bulk action committed: ``done`` of ``total`` cases handled."""

    kind: str  # approve | undo
    done: int
    total: int


@dataclass
class BulkDone(Message):
    """A bulk action finished (a ``bulk_review.BulkResult``: recorded, skipped with reasons)."""

    result: object


@dataclass
class BulkFailed(Message):
    """A bulk action could not start or stopped; what was committed stays (its text says so)."""

    text: str


@dataclass
class BulkUndoOffer(Message):
    """``u`` when the reviewer's latest action came from a bulk approval: undo it all, or one case."""

    bulk_id: int
    cases: int
    seen: dict


@dataclass
class FollowUpsLoaded(Message):
    """The docket watch, read by a worker (issue 16): :class:`clearterm.services.lifecycle.FollowUp` items."""

    items: list
    total: int
    days: int


@dataclass
class RulingReady(Message):
    """A case's lifecycle, read by a worker before the ruling dialog opens."""

    row: QueueRow
    state: str
