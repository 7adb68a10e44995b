"""The review workstation, headless with Pilot: launch time and keystroke latency.

    python benchmarks/bench_tui.py [--records 10000 100000 1000000] [--repeat 30] [--until painted|state]
                                   [--samples] [--gc-stats]

Stores are built once with the synthetic generator + ingest + evaluate (as of 2026-11-21)
+ the search index, and cached in benchmarks/.data/tui_N.db. Measured, per store size:

* launch -> first queue page shown (a reviewer with no place yet);
* launch -> first case shown (a reviewer resuming at a case);
* keystroke latency, median, p95 and max, for:
  - next case: ``n`` on the case screen (the next case in the queue read and shown);
  - approve: ``a`` on the case screen (the write commits, the next pending case is shown);
  - queue next: ``n`` on the queue (the cursor moves; a new page at the page's end);
  - filter switch: ``t`` on the queue, one key (the track filter cycles all -> automatic ->
    petition -> review -> all; the queue refilled from its start);
  - filter dialog: ``f``, ``down``, ``enter`` (the dialog opened, a track chosen, the queue
    refilled), the older way, reported on its own line.

A sample runs from just before the key is sent until the first frame that shows the result
(``--until painted``, the default): the app's compositor has rendered the changed screen and
the frame has been turned into terminal output (``render_segments``, which the headless driver
would otherwise skip); only the write to a terminal is left out. ``--until state`` ends a
sample as soon as the app holds the result (before it is drawn), as the first version of this
benchmark did; it is kept for comparison only. Keys are sent as the terminal driver sends them,
each after the previous result was shown. The load average is printed with every size: the
machine is shared, so compare numbers taken at similar load.

Targets (issue 4): launch under 1 s and keystrokes under 50 ms at 1,000,000 charges.

Bulk approval (issue 15, ``--bulk N``, default 10,000; 0: skip), on the same store, through the
workstation's :class:`~clearterm.tui.backend.Backend` (what its bulk worker runs):

* the plan: every pending automatic-track case marked (``*`` on that queue), read with codes and notes;
* bulk approve of the first N cases without notes (steps of ``bulk_review.CHUNK_SECONDS`` under the
  write lock, ``bulk_review.PAUSE`` between them), while another reviewer, a second process with its own
  connection, approves a review-track case and reads the next one over and over: the latency of
  each of its approve and next calls (the store's part of its keystrokes);
* the bulk undo of it all (which puts the store back as it was, so reruns find the same cases);
  the other reviewer's approvals are undone too (not timed).

Targets (issue 15): next case, approve and mark under 30 ms p95 at 1,000,000 charges; bulk approve
of 10,000 under 3 s; the other reviewer's approve and next under 50 ms meanwhile.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import shutil
import statistics
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import DATA, synthetic_csv  # noqa: E402

TODAY = date(2026, 11, 21)
GAP = 0.1  # seconds between keystrokes (--gap)
KEYS = ("next", "approve", "queue_next", "mark", "filter", "filter_dialog")
LABELS = {"next": "next case (n)", "approve": "approve (a)", "queue_next": "queue next (n)",
          "mark": "mark (space)", "filter": "filter switch (t)", "filter_dialog": "filter dialog (f down enter)"}


def build(records: int) -> Path:
    db = DATA / f"tui_{records}.db"
    if db.exists():
        return db
    tmp = DATA / f"tui_{records}.building.db"
    for suffix in ("", "-wal", "-shm"):
        Path(str(tmp) + suffix).unlink(missing_ok=True)
    csv = synthetic_csv(records)
    from clearterm.domain.policy import Policy
    from clearterm.services.evaluate import evaluate_store
    from clearterm.ingest import ingest_file
    from clearterm.storage import open_store
    from clearterm.storage.reviews import refresh_search_index

    with open_store(tmp, synchronous="NORMAL") as s:  # in process: the same code the CLI runs
        ingest_file(s, csv, today=TODAY)
        evaluate_store(s, Policy(), TODAY)
        refresh_search_index(s)
        s.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    shutil.move(tmp, db)
    return db


async def until(pilot, cond, timeout: float = 30.0) -> float:
    """Wait (polling the event loop) until ``cond()``; the time it took."""
    start = time.perf_counter()
    while not cond():
        if time.perf_counter() - start > timeout:
            raise TimeoutError("the screen did not show the result in time")
        await asyncio.sleep(0.0005)
    return time.perf_counter() - start


class Frames:
    """Watch the frames the app draws: the time of the first frame drawn while ``cond()`` holds.

    Wraps ``App._display`` (called with each compositor update). Headless, Textual skips
    turning the update into terminal output; this does it (and discards the text), so a
    sample includes what a terminal session costs short of the write itself.
    """

    def __init__(self, app) -> None:
        self.app = app
        self.cond = None
        self.hit: float | None = None
        self.frames = 0
        original = app._display

        def display(screen, renderable) -> None:
            if renderable is not None and hasattr(renderable, "render_segments"):
                renderable.render_segments(app.console)
            original(screen, renderable)
            self.frames += 1
            if self.cond is not None and self.hit is None and self.cond():
                self.hit = time.perf_counter()

        app._display = display


async def sample(pilot, frames: Frames | None, keys: tuple[str, ...], cond, painted: bool) -> float:
    """Send ``keys``; the time until the result is shown (``painted``) or held (not)."""
    app = pilot.app
    await asyncio.sleep(GAP)  # the reviewer's pause: a key does not land on the previous key's frames
    if frames is not None:
        frames.cond, frames.hit = (cond if painted else None), None
    t0 = time.perf_counter()
    send(app, *keys)
    if painted:
        await until(pilot, lambda: frames.hit is not None)
        end = frames.hit
        frames.cond = None
    else:
        await until(pilot, cond)
        end = time.perf_counter()
    return end - t0


def send(app, *keys: str) -> None:
    """Send keys as the terminal driver does, without Pilot's waits for the process to go idle
    (which would count the worker threads' work twice and add sleeps to every sample)."""
    from textual import events

    for key in keys:
        ev = events.Key(key, key if len(key) == 1 else None)
        ev.set_sender(app)
        app._driver.send_message(ev)


def pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p * (len(xs) - 1))))]


async def launch(db: Path, reviewer: str, *, want_case: bool, freeze_heap: bool = True) -> tuple[float, object]:
    from clearterm.tui.app import ReviewApp

    t0 = time.perf_counter()
    app = ReviewApp(db, reviewer, today=TODAY, freeze_heap=freeze_heap)  # as run_review makes it
    ctx = app.run_test(size=(120, 40))
    pilot = await ctx.__aenter__()
    if want_case:
        await until(pilot, lambda: getattr(app.screen, "detail", None) is not None)
    else:
        await until(pilot, lambda: app.queue_screen.loaded)
    return time.perf_counter() - t0, (app, ctx, pilot)


class GcPauses:
    """Python's garbage collector pauses during the keystroke samples (``--gc-stats``)."""

    def __init__(self) -> None:
        self.pauses: list[tuple[int, float]] = []
        self._t = 0.0

    def __call__(self, phase: str, info: dict) -> None:
        if phase == "start":
            self._t = time.perf_counter()
        else:
            self.pauses.append((info["generation"], time.perf_counter() - self._t))


async def measure(db: Path, repeat: int, painted: bool, gc_pauses: GcPauses | None, *, gap: float,
                  freeze_heap: bool) -> dict[str, list[float]]:
    from clearterm.tui.screens.case import CaseScreen

    global GAP
    GAP = gap
    out: dict[str, list[float]] = {"launch_queue": [], "launch_case": [], **{k: [] for k in KEYS}}
    reviewer = f"bench{int(time.time() * 1000) % 10_000_000}"
    # launch, no place yet: the queue's first page
    for i in range(3):
        t, (app, ctx, pilot) = await launch(db, f"{reviewer}q{i}", want_case=False)
        out["launch_queue"].append(t)
        await ctx.__aexit__(None, None, None)
    # open a case (this reviewer's place), then launch again: resumes at it
    t, (app, ctx, pilot) = await launch(db, reviewer, want_case=False)
    send(app, "enter")
    await until(pilot, lambda: isinstance(app.screen, CaseScreen) and app.screen.detail is not None)
    await ctx.__aexit__(None, None, None)
    for _ in range(3):
        t, (app, ctx, pilot) = await launch(db, reviewer, want_case=True)
        out["launch_case"].append(t)
        await ctx.__aexit__(None, None, None)

    # The keystroke session. A workstation is one app per process: clear away the apps above
    # (a fresh process would not carry their garbage), then launch as run_review does.
    gc.collect()
    t, (app, ctx, pilot) = await launch(db, reviewer, want_case=True, freeze_heap=freeze_heap)
    from clearterm.tui.backend import QueueFilter

    frames = Frames(app)
    await pilot.pause(0.2)  # let the launch settle (the first frame, the footer)
    if gc_pauses is not None:
        gc.callbacks.append(gc_pauses)
    app.queue_filter = QueueFilter(status="pending")  # reruns on a cached store: step through pending cases
    screen = app.screen
    for _ in range(repeat):  # next case
        before = screen.detail
        out["next"].append(await sample(pilot, frames, ("n",), lambda: screen.detail is not before, painted))
    for _ in range(repeat):  # approve: committed, and the next pending case shown
        before = screen.detail
        out["approve"].append(await sample(pilot, frames, ("a",),
                                           lambda: screen.detail is not before and not screen.busy, painted))
    send(app, "escape")
    queue = app.queue_screen
    await until(pilot, lambda: app.screen is queue and queue.loaded)
    await pilot.pause(0.1)
    table = queue.query_one("#queue")
    for _ in range(repeat):  # queue: cursor down (a new page at the end of one)
        before_row, before_rows = table.cursor_row, queue.rows
        out["queue_next"].append(await sample(
            pilot, frames, ("n",), lambda: table.cursor_row != before_row or queue.rows is not before_rows, painted))
    for _ in range(repeat):  # mark / unmark the highlighted case (bulk approval): the mark drawn
        before = table.marked
        out["mark"].append(await sample(pilot, frames, ("space",), lambda: table.marked is not before, painted))
    app.queue_filter = QueueFilter()
    has_key = any(b.id == "filter_track" for b in queue._bindings.key_to_bindings.get("t", []))
    for _ in range(repeat if has_key else 0):  # one key: the next track
        before = queue.rows
        out["filter"].append(await sample(pilot, frames, ("t",), lambda: queue.rows is not before, painted))
    app.queue_filter = QueueFilter()
    for i in range(repeat):  # the dialog: alternate automatic / petition track
        await asyncio.sleep(GAP)
        before = queue.rows
        if painted:
            frames.cond, frames.hit = None, None
        t0 = time.perf_counter()
        send(app, "f")
        await until(pilot, lambda: type(app.screen).__name__ == "FilterDialog")
        if painted:
            frames.cond = lambda: queue.rows is not before and app.screen is queue
        send(app, "down", "enter")
        if painted:
            await until(pilot, lambda: frames.hit is not None)
            end = frames.hit
            frames.cond = None
        else:
            await until(pilot, lambda: queue.rows is not before and app.screen is queue)
            end = time.perf_counter()
        out["filter_dialog"].append(end - t0)
        if i % 2 == 0:  # automatic -> petition on the next round: start from "any"
            app.queue_filter = app.queue_filter.with_(track=None)
    if gc_pauses is not None:
        gc.callbacks.remove(gc_pauses)
    await ctx.__aexit__(None, None, None)
    return out


def _other_reviewer(db: str, reviewer: str, start, during, stop, results) -> None:
    """A second workstation's store calls, in its own process: approve the highlighted review-track
    case, read the next one, until ``stop``; then undo its approvals (not timed)."""
    from clearterm.tui.backend import Backend, QueueFilter

    b = Backend.open(db, reviewer, TODAY)
    f = QueueFilter(track="review", status="pending")
    row = b.next_case(f, None)
    approve, nxt, done = [], [], []
    start.wait()
    while not stop.is_set() and row is not None:
        counts = during.is_set()  # only the calls made while the bulk runs are counted
        t0 = time.perf_counter()
        rec = b.act(row.case_id, "approve", expected_version=row.version)
        t1 = time.perf_counter()
        row = b.next_case(f, row.cursor)
        t2 = time.perf_counter()
        if counts and during.is_set():
            approve.append(t1 - t0)
            nxt.append(t2 - t1)
        done.append(rec.case.id)
        time.sleep(0.02)  # a reviewer's pace is slower; this keeps the pressure on the lock
    for cid in reversed(done):
        b.act(cid, "undo", expected_version=b.row(cid).version)
    b.close()
    results.put((approve, nxt))


def bulk_bench(db: Path, n: int) -> dict:
    """Plan, bulk approve ``n`` cases with another reviewer writing meanwhile, bulk undo (seconds)."""
    import multiprocessing

    from clearterm.tui.backend import Backend, Marks, QueueFilter

    ctx = multiprocessing.get_context("fork")
    start, during, stop, results = ctx.Event(), ctx.Event(), ctx.Event(), ctx.Queue()
    tag = int(time.time() * 1000) % 10_000_000
    child = ctx.Process(target=_other_reviewer, args=(str(db), f"other{tag}", start, during, stop, results))
    child.start()  # forked before this process opens the store
    b = Backend.open(db, f"bulk{tag}", TODAY)
    t0 = time.perf_counter()
    plan = b.bulk_plan(Marks(all_of=QueueFilter(track="automatic", status="pending")))
    t_plan = time.perf_counter() - t0
    chosen = plan.chosen()[:n]
    start.set()
    time.sleep(0.5)  # the other reviewer is at work before the bulk starts
    during.set()
    t0 = time.perf_counter()
    res = b.bulk_approve(chosen, plan.filter)
    t_bulk = time.perf_counter() - t0
    during.clear()
    time.sleep(0.3)
    stop.set()
    approve, nxt = results.get(timeout=600)
    child.join(timeout=600)
    t0 = time.perf_counter()
    undo = b.bulk_undo(res.bulk_id)
    t_undo = time.perf_counter() - t0
    b.close()
    return {"marked": len(plan.cases), "plan": t_plan, "cases": len(chosen), "bulk": t_bulk,
            "recorded": res.recorded, "skipped": len(res.skipped), "undo": t_undo, "undone": undo.recorded,
            "other_approve": approve, "other_next": nxt}


def print_bulk(n: int, r: dict) -> None:
    print(f"  bulk approval: {r['marked']:,} pending automatic cases marked, plan read in {r['plan'] * 1000:.0f} ms")
    print(f"  bulk approve of {r['cases']:,}: {r['bulk']:.2f} s ({r['recorded']:,} recorded, {r['skipped']} skipped;"
          f" {r['cases'] / r['bulk']:,.0f} cases/s); bulk undo: {r['undo']:.2f} s ({r['undone']:,})")
    for k, label in (("other_approve", "other reviewer: approve"), ("other_next", "other reviewer: next")):
        xs = r[k]
        if xs:
            print(f"  {label:<30} {statistics.median(xs) * 1000:8.1f} {pct(xs, 0.95) * 1000:8.1f}"
                  f" {max(xs) * 1000:8.1f}   ({len(xs)} during the bulk)")


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--records", type=int, nargs="+", default=[10_000, 100_000])
    ap.add_argument("--repeat", type=int, default=30)
    ap.add_argument("--until", choices=("painted", "state"), default="painted")
    ap.add_argument("--samples", action="store_true", help="print every sample (ms) as JSON")
    ap.add_argument("--gc-stats", action="store_true", help="count the garbage collector's pauses")
    ap.add_argument("--gap", type=float, default=0.1,
                    help="seconds between keystrokes (a reviewer's pause; 0: back to back)")
    ap.add_argument("--no-freeze", action="store_true", help="do not gc.freeze() after startup (for comparison)")
    ap.add_argument("--bulk", type=int, default=10_000, help="cases to bulk approve (0: skip the bulk part)")
    ap.add_argument("--no-keys", action="store_true", help="skip the keystroke part (bulk approval only)")
    args = ap.parse_args()
    results = []
    for n in args.records:
        t = time.perf_counter()
        db = build(n)
        built = time.perf_counter() - t
        from clearterm.storage import open_store

        with open_store(db, create=False) as s:
            cases = s.scalar("SELECT count(*) FROM cases WHERE track IS NOT NULL")
        load_before = load()
        pauses = GcPauses() if args.gc_stats else None
        r = {k: [] for k in ("launch_queue", "launch_case", *KEYS)} if args.no_keys else asyncio.run(
            measure(db, args.repeat, args.until == "painted", pauses, gap=args.gap, freeze_heap=not args.no_freeze))
        r["bulk"] = bulk_bench(db, args.bulk) if args.bulk else None
        results.append((n, cases, built, r, load_before, load(), pauses))
        if args.samples:
            print(json.dumps({"charges": n, **{k: [round(x * 1000, 1) for x in v] for k, v in r.items() if k != "bulk"}}))
    print(f"\nkeystroke latency in ms, until the result is {'drawn' if args.until == 'painted' else 'held'}"
          f" ({args.repeat} samples each, {args.gap * 1000:.0f} ms apart"
          f"{'; no gc.freeze' if args.no_freeze else ''}; launch: median of 3);"
          f" load average 1/5/15 min before / after")
    for n, cases, built, r, lb, la, pauses in results:
        print(f"\n{n:,} charges, {cases:,} queued cases   load {lb} / {la}")
        if r["launch_queue"]:
            print(f"  {'launch -> queue':<30} {statistics.median(r['launch_queue']) * 1000:8.0f}")
            print(f"  {'launch -> case':<30} {statistics.median(r['launch_case']) * 1000:8.0f}")
        print(f"  {'':<30} {'median':>8} {'p95':>8} {'max':>8}")
        for k in KEYS:
            xs = r[k]
            if not xs:
                print(f"  {LABELS[k]:<30} {'n/a':>8}")
                continue
            print(f"  {LABELS[k]:<30} {statistics.median(xs) * 1000:8.1f} {pct(xs, 0.95) * 1000:8.1f}"
                  f" {max(xs) * 1000:8.1f}")
        if r["bulk"] is not None:
            print_bulk(n, r["bulk"])
        if pauses is not None:
            by = {g: [p for gg, p in pauses.pauses if gg == g] for g in (0, 1, 2)}
            print("  gc pauses during the samples: " + ", ".join(
                f"gen{g} {len(v)} (max {max(v) * 1000:.1f} ms)" if v else f"gen{g} 0" for g, v in by.items()))
    print(f"\ncommand: python benchmarks/bench_tui.py --records {' '.join(str(n) for n in args.records)}"
          f" --repeat {args.repeat}" + (" --until state" if args.until == "state" else "")
          + (f" --gap {args.gap:g}" if args.gap != 0.1 else "") + (" --no-freeze" if args.no_freeze else "")
          + (f" --bulk {args.bulk}" if args.bulk != 10_000 else "") + (" --no-keys" if args.no_keys else ""))


if __name__ == "__main__":
    main()
