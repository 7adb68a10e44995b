"""Helpers for bulk loops: a forked producer process, and pausing the cyclic GC.

Ingest and evaluation both split their work in two: a producer (parse and
validate, or read and run the rules) and a writer (SQLite). The producer runs in
a forked process so both cores are used; the writer stays in this process,
which owns the store's connection.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import queue
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from clearterm.storage.staging import Staging  # noqa: F401  (re-exported: its home moved to storage)

T = TypeVar("T")


@contextmanager
def gc_paused():
    """Pause the cyclic garbage collector during a bulk loop.

    The loops allocate millions of short-lived containers and no reference
    cycles; generation scans over the live chunk otherwise cost more than half
    the parse time.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _child(q, parent_pid: int, factory: Callable[..., Iterator], args: tuple) -> None:
    gc.disable()

    def put(msg) -> None:
        while True:
            try:
                q.put(msg, timeout=1.0)
                return
            except queue.Full:
                if os.getppid() != parent_pid:  # the writer was killed: stop quietly
                    os._exit(0)

    try:
        for item in factory(*args):
            put(("item", item))
        put(("done", None))
    except Exception as exc:  # noqa: BLE001 - reported to the parent, which raises
        put(("error", f"{type(exc).__name__}: {exc}"))
    finally:
        q.close()
        q.join_thread()


def produced(factory: Callable[..., Iterator[T]], args: tuple, *, parallel: bool, what: str,
             depth: int = 4) -> Iterator[T]:
    """Yield what ``factory(*args)`` yields; with ``parallel``, from a forked producer process.

    The child must not use any connection the parent holds (it opens its own).
    If the parent dies (kill -9), the child notices and exits.
    """
    if not parallel:
        yield from factory(*args)
        return
    yield from produced_by_many(factory, [args], what=what, depth=depth)


def produced_by_many(factory: Callable[..., Iterator[T]], arg_sets: list[tuple], *, what: str,
                     depth: int = 4) -> Iterator[T]:
    """Yield what ``factory(*args)`` yields for every ``args`` in ``arg_sets``, one forked process each.

    Items arrive in whatever order the producers finish them (each producer's own items stay in
    order). Used when the producers' work (parsing, the rules) outweighs the writer's.
    """
    ctx = multiprocessing.get_context("fork")
    q = ctx.Queue(maxsize=depth * len(arg_sets))
    procs = [ctx.Process(target=_child, daemon=True, args=(q, os.getpid(), factory, args)) for args in arg_sets]
    for proc in procs:
        proc.start()
    running = len(procs)
    try:
        while running:
            try:
                kind, payload = q.get(timeout=5.0)
            except queue.Empty:
                if not any(proc.is_alive() for proc in procs):
                    raise RuntimeError(f"the {what} process stopped unexpectedly") from None
                continue
            if kind == "done":
                running -= 1
            elif kind == "error":
                raise RuntimeError(f"{what} failed: {payload}")
            else:
                yield payload
    finally:
        for proc in procs:
            if proc.is_alive():
                proc.terminate()
            proc.join(timeout=5)
