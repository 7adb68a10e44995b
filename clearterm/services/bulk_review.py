"""Bulk approval: many pending automatic-track cases approved at once, and undone at once.

:func:`plan` reads what is marked (explicit case ids, and/or every case a queue filter shows)
and splits it: the pending automatic-track cases, each with its version as read and its reason
codes (notes such as ``CLASS_INFERRED`` and ``DATE_FROM_ARREST`` included), and the rest, which
bulk approval leaves alone and names. :meth:`BulkPlan.chosen` leaves out the cases with notes
unless asked not to.

:func:`approve_steps` then records, as a generator (one step = one short write transaction):

1. a ``bulk_actions`` row and its audit entry ``review.bulk_approve`` (the filter it came from,
   never free text, and the count);
2. chunks of cases, each case exactly as ``a`` records it (:func:`clearterm.storage.reviews.append_review`:
   review entry, audit entry, status), every entry naming the bulk action (``reviews.bulk_id``,
   audit ``detail.bulk``). A case whose version moved since it was read, or that is no longer
   pending on the automatic track, or is in a signed batch, is skipped and listed. A chunk holds
   the write lock for about :data:`CHUNK_SECONDS`; between steps the caller may pause, so the
   other reviewers' writes get in (their busy timeout waits for the lock);
3. a closing audit entry ``review.bulk_approve_done`` with the numbers approved and skipped.

A crash between steps leaves every committed chunk whole, and the rest undone; running it again
skips the cases already approved. :func:`undo_steps` compensates a whole bulk approval the same
way (one ``undo`` entry per case still at the bulk's entry, a ``bulk_actions`` row of kind
``undo`` and its audit entries). :func:`run` drives either generator to the end.
"""

from __future__ import annotations

from datetime import date

import random
import sqlite3
import time
from collections import Counter
from collections.abc import Callable, Generator
from dataclasses import dataclass, field

from clearterm.domain.cases import case_label
from clearterm.domain.dates import utc_now_iso
from clearterm.domain.decision import NOTE_CODES
from clearterm.services.review import ReviewError, _decide, _Request, check_reviewer
from clearterm.storage import audit
from clearterm.storage.bulk_reviews import (
    MarkedCase,
    append_reviews,
    bulk_entries,
    case_codes,
    cases_and_states,
    count_marked,
    frozen_cases,
    get_bulk_action,
    insert_bulk_action,
    marked_cases,
    no_sync_wait,
    undone_by,
)
from clearterm.storage.reviews import case_state, get_case
from clearterm.storage.store import Store

#: How long one step holds the write lock, and the pause after it. Another reviewer's write that
#: finds the lock taken is retried by SQLite's busy handler after 1, 2, 5 and 10 ms: with steps this
#: short and pauses this long, one of those retries lands in a pause (benchmarks/bench_tui.py).
CHUNK_SECONDS = 0.010
PAUSE = 0.010
NAMED = 20  # cases left alone that a plan names (the rest are counted)
SAMPLE = 5


@dataclass(frozen=True)
class BulkCase:
    case_id: int
    case_number: str
    person_id: str
    tranche: int | None
    charges: int
    version: int  # as read: the version the approval names
    codes: frozenset[str]

    @property
    def label(self) -> str:
        return case_label(self.case_number, self.person_id)

    @property
    def notes(self) -> tuple[str, ...]:
        return tuple(sorted(self.codes & NOTE_CODES))


@dataclass(frozen=True)
class Summary:
    cases: int
    charges: int
    by_tranche: tuple[tuple[int | None, int], ...]  # (tranche, cases), tranche 1 first, none last
    by_code: tuple[tuple[str, int], ...]  # (code, cases having it), most first
    notes_left_out: int  # cases with notes not included


@dataclass(frozen=True)
class BulkPlan:
    """What is marked, as read: the cases bulk approval may approve, and those it leaves alone."""

    cases: tuple[BulkCase, ...]  # pending automatic-track cases, queue order
    left_alone: tuple[tuple[str, str], ...]  # (label, why), at most NAMED
    left_alone_count: int
    filter: dict  # what the audit entry records: keys and codes, never free text

    def chosen(self, with_notes: bool = False, limit: int | None = None) -> tuple[BulkCase, ...]:
        got = self.cases if with_notes else tuple(c for c in self.cases if not c.notes)
        return got if limit is None else got[:limit]

    def summary(self, with_notes: bool = False, limit: int | None = None) -> Summary:
        chosen = self.chosen(with_notes, limit)
        tranches = Counter(c.tranche for c in chosen)
        codes = Counter(code for c in chosen for code in c.codes)
        return Summary(len(chosen), sum(c.charges for c in chosen),
                       tuple(sorted(tranches.items(), key=lambda kv: 99 if kv[0] is None else kv[0])),
                       tuple(sorted(codes.items(), key=lambda kv: (-kv[1], kv[0]))),
                       0 if with_notes else sum(1 for c in self.cases if c.notes))

    def sample(self, with_notes: bool = False, *, k: int = SAMPLE, rng: random.Random | None = None,
               limit: int | None = None) -> tuple[BulkCase, ...]:
        """``k`` cases drawn at random from those chosen, in queue order."""
        chosen = self.chosen(with_notes, limit)
        if len(chosen) <= k:
            return chosen
        picked = set((rng or random.SystemRandom()).sample(range(len(chosen)), k))
        return tuple(c for i, c in enumerate(chosen) if i in picked)


def _why(c: MarkedCase) -> str:
    if c.track != "automatic":
        return f"{c.track or 'no'} track: only automatic-track cases are bulk approved"
    return f"already {c.status}: only pending cases are bulk approved"


def plan(conn: sqlite3.Connection, *, case_ids=(), match: dict | None = None, unmarked=(), as_of,
         filter: dict, reason: str | None = None) -> BulkPlan:
    """Read what is marked (see :func:`clearterm.storage.bulk_reviews.marked_cases`).
    ``reason``: keep only the cases one of whose charges has that reason code or note."""
    kw = dict(case_ids=case_ids, match=match, unmarked=unmarked, as_of=as_of)
    rows = marked_cases(conn, **kw, eligible=True)
    codes = case_codes(conn, [r.case_id for r in rows])
    cases = tuple(BulkCase(r.case_id, r.case_number, r.person_id, r.tranche, r.charges, r.version, codes[r.case_id])
                  for r in rows)
    if reason is not None:
        cases = tuple(c for c in cases if reason in c.codes)
    others = marked_cases(conn, **kw, eligible=False, limit=NAMED)
    n_others = len(others) if len(others) < NAMED else count_marked(conn, **kw, eligible=False)
    return BulkPlan(cases, tuple((case_label(o.case_number, o.person_id), _why(o)) for o in others), n_others,
                    dict(filter))


# -- running ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Progress:
    done: int
    total: int
    recorded: int
    skipped: int


@dataclass
class BulkResult:
    bulk_id: int
    kind: str  # approve | undo
    total: int
    recorded: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (label, why)
    audit_seq: int = 0  # the bulk action's own audit entry
    done_seq: int = 0  # its closing entry
    seconds: float = 0.0


def _why_not(case, state, version: int, action: str, reviewer: str, check: Callable | None):
    """(the entry to append, None), or (None, why the case is skipped)."""
    if case is None:
        return None, "no longer in the store"
    if state.version != version:
        who = f" by {state.reviewer}" if state.latest else ""
        return None, f"changed since version {version}: now {state.status}{who} (version {state.version})"
    why = check(case, state) if check else None
    if why:
        return None, why
    try:
        # the day matters only to objections (late or not); bulk actions approve and undo
        return _decide(case, state, _Request(action, None, None, None), reviewer, date.today()), None
    except ReviewError as exc:
        return None, str(exc)


def _chunk(conn, items: list[tuple[int, str, int]], action: str, reviewer: str, bulk_id: int,
           check: Callable | None, result: BulkResult) -> None:
    """One step: read the chunk's cases and states in two queries, decide each, append the lot."""
    ids = [cid for cid, _, _ in items]
    found = cases_and_states(conn, ids)
    frozen = frozen_cases(conn, ids)
    todo = []
    for cid, label, version in items:
        case, state = found.get(cid, (None, None))
        new, why = _why_not(case, state, version, action, reviewer, check)
        if new is not None and cid in frozen:
            new, why = None, "in a signed court batch (frozen)"
        if new is None:
            result.skipped.append((label, why))
        else:
            todo.append((case, state, new))
    result.recorded += append_reviews(conn, todo, reviewer=reviewer, bulk_id=bulk_id, at=utc_now_iso())


def _steps(store: Store, result: BulkResult, items: list[tuple[int, str, int]], action: str, reviewer: str,
           event: str, check: Callable | None, chunk_seconds: float) -> Generator[Progress, None, BulkResult]:
    """The chunks and the closing entry (the bulk row and its first entry are written by the caller)."""
    started = time.perf_counter()
    i = 0
    yield Progress(0, len(items), 0, 0)
    # cases in the next step: from a guess of 0.1 ms a case, then grown or shrunk so that a step
    # holds the write lock about chunk_seconds
    size = max(10, min(2000, int(chunk_seconds / 1e-4)))
    while i < len(items):
        t0 = time.perf_counter()
        with no_sync_wait(store.conn), store.write() as conn:
            _chunk(conn, items[i:i + size], action, reviewer, result.bulk_id, check, result)
        i += len(items[i:i + size])
        took = time.perf_counter() - t0
        size = max(10, min(2000, int(size * min(2.0, chunk_seconds / max(took, 1e-4)))))
        yield Progress(i, len(items), result.recorded, len(result.skipped))
    with store.write() as conn:
        result.done_seq, _ = audit.append(conn, at=utc_now_iso(), actor=reviewer, event=f"{event}_done", detail={
            "bulk": result.bulk_id, "recorded": result.recorded, "skipped": len(result.skipped)})
    result.seconds = time.perf_counter() - started
    return result


def _approvable(case, state) -> str | None:
    if case.track != "automatic":
        return f"now on the {case.track or 'no'} track: only automatic-track cases are bulk approved"
    if state.status != "pending":
        return f"now {state.status}: only pending cases are bulk approved"
    return None


def approve_steps(store: Store, cases: tuple[BulkCase, ...] | list[BulkCase], *, reviewer: str, filter: dict,
                  chunk_seconds: float = CHUNK_SECONDS) -> Generator[Progress, None, BulkResult]:
    """Approve ``cases`` (from :meth:`BulkPlan.chosen`), step by step (see the module docstring)."""
    reviewer = check_reviewer(reviewer)
    if not cases:
        raise ReviewError("no pending automatic-track case to approve")
    at = utc_now_iso()
    with store.write() as conn:
        bid = insert_bulk_action(conn, kind="approve", actor=reviewer, filter=filter, requested=len(cases), at=at)
        seq, _ = audit.append(conn, at=at, actor=reviewer, event="review.bulk_approve",
                              detail={"bulk": bid, "count": len(cases), "filter": filter})
    result = BulkResult(bid, "approve", len(cases), audit_seq=seq)
    items = [(c.case_id, c.label, c.version) for c in cases]
    return (yield from _steps(store, result, items, "approve", reviewer, "review.bulk_approve", _approvable,
                              chunk_seconds))


def undo_steps(store: Store, bulk_id: int, *, reviewer: str,
               chunk_seconds: float = CHUNK_SECONDS) -> Generator[Progress, None, BulkResult]:
    """Undo a whole bulk approval: one ``undo`` entry per case whose latest entry in force is
    still the bulk's (others are skipped and listed). Only its author may."""
    reviewer = check_reviewer(reviewer)
    at = utc_now_iso()
    with store.write() as conn:
        b = get_bulk_action(conn, bulk_id)
        if b is None or b.kind != "approve":
            raise ReviewError(f"no bulk approval {bulk_id} in the store")
        if b.actor != reviewer:
            raise ReviewError(f"bulk approval {bulk_id} is {b.actor}'s, not {reviewer}'s: only its author may undo it")
        if (u := undone_by(conn, bulk_id)) is not None:
            raise ReviewError(f"bulk approval {bulk_id} was already undone (bulk action {u})")
        entries = bulk_entries(conn, bulk_id)
        items = []
        for rid, cid in entries:
            st = case_state(conn, cid)
            case = get_case(conn, cid)
            items.append((cid, case.label if case else str(cid), st.version, rid))
        uid = insert_bulk_action(conn, kind="undo", actor=reviewer, filter={"undoes": bulk_id},
                                 requested=len(items), at=at, undoes=bulk_id)
        seq, _ = audit.append(conn, at=at, actor=reviewer, event="review.bulk_undo",
                              detail={"bulk": uid, "undoes": bulk_id, "count": len(items)})
    tops = {cid: rid for cid, _, _, rid in items}

    def still_ours(case, state) -> str | None:
        top = state.top
        if top is None or top.id != tops[case.id]:
            return f"acted on since the bulk approval: now {state.status} by {state.reviewer}"
        return None

    result = BulkResult(uid, "undo", len(items), audit_seq=seq)
    return (yield from _steps(store, result, [(c, lbl, v) for c, lbl, v, _ in items], "undo", reviewer,
                              "review.bulk_undo", still_ours, chunk_seconds))


def run(steps: Generator[Progress, None, BulkResult], *, pause: float = PAUSE,
        progress: Callable[[Progress], None] | None = None) -> BulkResult:
    """Drive a bulk generator to its end, pausing ``pause`` seconds between steps."""
    while True:
        try:
            p = next(steps)
        except StopIteration as stop:
            return stop.value
        if progress is not None:
            progress(p)
        if pause and p.done:
            time.sleep(pause)


def last_bulk(conn: sqlite3.Connection, reviewer: str) -> tuple[int, int] | None:
    """(bulk id, cases) when the reviewer's latest undoable action was made by a bulk approval not undone yet."""
    from clearterm.storage.bulk_reviews import bulk_of_review
    from clearterm.storage.reviews import last_undoable

    e = last_undoable(conn, reviewer)
    if e is None or e.action != "approve":
        return None
    bid = bulk_of_review(conn, e.id)
    if bid is None or undone_by(conn, bid) is not None:
        return None
    return bid, len(bulk_entries(conn, bid))
