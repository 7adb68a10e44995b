"""The review workstation, headless with Pilot: launch time and keystroke latency.

    python benchmarks/bench_tui.py [--records 10000 100000 1000000] [--repeat 30]

Stores are built once with the synthetic generator + ingest + evaluate (as of 2026-11-21)
+ the search index, and cached in benchmarks/.data/tui_N.db. Measured, per store size:

* launch -> first queue page shown (a reviewer with no place yet);
* launch -> first case shown (a reviewer resuming at a case);
* keystroke latency, median and p95: next case (``n`` on the case screen), approve (``a``:
  the write commits and the next pending case is shown), filter switch (``f``, a track,
  ``enter``: the queue refilled).

Targets (issue 4): launch under 1 s and keystrokes under 50 ms at 1,000,000 charges. Each
sample runs from just before the key is sent to the moment the screen shows the result.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import statistics
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import DATA, synthetic_csv  # noqa: E402

TODAY = date(2026, 11, 21)


def build(records: int) -> Path:
    db = DATA / f"tui_{records}.db"
    if db.exists():
        return db
    tmp = DATA / f"tui_{records}.building.db"
    for suffix in ("", "-wal", "-shm"):
        Path(str(tmp) + suffix).unlink(missing_ok=True)
    csv = synthetic_csv(records)
    from clearterm.domain.policy import Policy
    from clearterm.evaluate import evaluate_store
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


async def launch(db: Path, reviewer: str, *, want_case: bool) -> tuple[float, object]:
    from clearterm.tui.app import ReviewApp

    t0 = time.perf_counter()
    app = ReviewApp(db, reviewer, today=TODAY)
    ctx = app.run_test(size=(120, 40))
    pilot = await ctx.__aenter__()
    if want_case:
        await until(pilot, lambda: getattr(app.screen, "detail", None) is not None)
    else:
        await until(pilot, lambda: app.queue_screen.loaded)
    return time.perf_counter() - t0, (app, ctx, pilot)


async def measure(db: Path, repeat: int) -> dict[str, list[float]]:
    from clearterm.tui.screens.case import CaseScreen

    out: dict[str, list[float]] = {"launch_queue": [], "launch_case": [], "next": [], "approve": [], "filter": []}
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

    t, (app, ctx, pilot) = await launch(db, reviewer, want_case=True)
    from clearterm.tui.backend import QueueFilter

    app.queue_filter = QueueFilter(status="pending")  # reruns on a cached store: step through pending cases
    screen = app.screen
    for _ in range(repeat):  # next case
        before = screen.detail
        t0 = time.perf_counter()
        send(app, "n")
        await until(pilot, lambda: screen.detail is not before)
        out["next"].append(time.perf_counter() - t0)
    for _ in range(repeat):  # approve: committed, and the next pending case shown
        before = screen.detail
        t0 = time.perf_counter()
        send(app, "a")
        await until(pilot, lambda: screen.detail is not before and not screen.busy)
        out["approve"].append(time.perf_counter() - t0)
    send(app, "escape")
    queue = app.queue_screen
    await until(pilot, lambda: app.screen is queue)
    for i in range(repeat):  # filter switch: alternate automatic / petition track
        before = queue.rows
        t0 = time.perf_counter()
        send(app, "f")
        await until(pilot, lambda: type(app.screen).__name__ == "FilterDialog")
        send(app, "down", "enter")
        await until(pilot, lambda: queue.rows is not before and app.screen is queue)
        out["filter"].append(time.perf_counter() - t0)
        if i % 2 == 0:  # automatic -> petition on the next round: start from "any"
            app.queue_filter = app.queue_filter.with_(track=None)
    await ctx.__aexit__(None, None, None)
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--records", type=int, nargs="+", default=[10_000, 100_000])
    ap.add_argument("--repeat", type=int, default=30)
    args = ap.parse_args()
    results = []
    for n in args.records:
        t = time.perf_counter()
        db = build(n)
        built = time.perf_counter() - t
        from clearterm.storage import open_store

        with open_store(db, create=False) as s:
            cases = s.scalar("SELECT count(*) FROM cases WHERE track IS NOT NULL")
        r = asyncio.run(measure(db, args.repeat))
        results.append((n, cases, built, r))
    print(f"\n{'charges':>10} {'queued':>8} {'launch->queue':>14} {'launch->case':>13}"
          f" {'next med/p95':>14} {'approve med/p95':>16} {'filter med/p95':>15}   (ms; launch: median of 3)")
    for n, cases, built, r in results:
        def mp(k):
            return f"{statistics.median(r[k]) * 1000:.1f}/{pct(r[k], 0.95) * 1000:.1f}"
        print(f"{n:>10,} {cases:>8,} {statistics.median(r['launch_queue']) * 1000:>14.0f}"
              f" {statistics.median(r['launch_case']) * 1000:>13.0f} {mp('next'):>14} {mp('approve'):>16}"
              f" {mp('filter'):>15}")
    print(f"\ncommand: python benchmarks/bench_tui.py --records {' '.join(str(n) for n in args.records)}"
          f" --repeat {args.repeat}")


if __name__ == "__main__":
    main()
