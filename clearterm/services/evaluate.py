"""Evaluating the store: every record through the rules, decisions appended.

Records are read in record-id order, a chunk at a time, each chunk with the other records of its
cases (the case-level steps need every charge of a case), evaluated by the domain rules and
written in one immediate transaction per chunk. A store whose record ids are unrelated to its
cases is read in case-number order instead, whole case numbers a chunk (:func:`_choose_order`; the readers are in :mod:`clearterm.storage.evaluation`).
A decision is appended only when it differs from
the record's decision in force (compared by a key over its content, the record version, the
rules version, the policy and the as-of date), so rerunning with the same inputs adds no
decision; a new rules version, policy or as-of date adds new decisions and keeps the old ones.

On large stores both cores are used: two forked worker processes, each over half of the record
ids, read, evaluate and write their own chunks, taking turns at SQLite's single write lock (one
holds it while the other runs the rules). This process only follows their progress.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import sqlite3
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date

from clearterm.domain.decision import RULES_VERSION, Category
from clearterm.domain.policy import Policy
from clearterm.domain.rules import evaluate_records
from clearterm.services.bulk import gc_paused, produced_by_many
from clearterm.domain.dates import utc_now_iso
from clearterm.storage.evaluation import (
    DKEY, READERS, RULES_SKIP, VERSION,  # RULES_SKIP: re-exported (tests)
    case_numbers_run, checkpoint_passive, finish_evaluation,
    no_autocheckpoint, record_count, records_per_case_number, set_foreign_keys, split_points, start_evaluation,
    write_chunk,
)
from clearterm.storage.records import record_from_row
from clearterm.storage.store import Store, connect_bulk_writer

TRACK_ORDER = {"review": 3, "petition": 2, "automatic": 1}
_TRACK_RANK = {Category(k): v for k, v in TRACK_ORDER.items()}  # by Category: no .value per record
CHUNK_RECORDS = 50_000  # records per chunk: one read snapshot and one write transaction each
PARALLEL_MIN_RECORDS = 50_000
WORKERS = 2  # worker processes on a large store: one writes while the other runs the rules


@dataclass
class EvaluationResult:
    evaluation_id: int
    records: int = 0
    new_decisions: int = 0
    categories: Counter = field(default_factory=Counter)
    seconds: float = 0.0

    @property
    def rate(self) -> float:
        return self.records / self.seconds if self.seconds else 0.0


# A chunk as produced: (records evaluated, category counts, new decision rows, case rows)
Chunk = tuple[int, Counter, list[tuple], list[tuple]]

# Positions in a row as the reader reads it: the record's COLUMNS, then these.
_VERSION, _DKEY = VERSION, DKEY
_TEXTS_MAX = 200_000  # cached decision texts per worker (distinct decisions are far fewer)


def _evaluate_rows(rows: list[tuple], own: int, policy: Policy, as_of: date, eid: int,
                   texts: dict | None = None) -> Chunk:
    """Run the rules over whole cases; keep only changed decisions, for the chunk's own records.

    ``rows[:own]`` are the chunk's records, ``rows[own:]`` their cases' other records (read only
    so that the case-level steps see every charge). A decision row is made for an own record
    whose decision changed; a case row for a case whose first record (by record_id) is an own
    record, so each case is written once however its records fall across chunks.

    ``texts`` caches, per decision content, the stored texts and the decision key (many records
    share one), keeping the key's hash off the per-record path. It lives for one evaluation
    (the key's prefix, the policy and as-of date, is fixed within it).
    """
    records = [record_from_row(r) for r in rows]
    decisions = evaluate_records(records, policy, as_of)
    as_of_iso = as_of.isoformat()
    prefix = f"{RULES_VERSION}|{policy.hash}|{as_of_iso}|"
    blake = hashlib.blake2b
    if texts is None:
        texts = {}
    elif len(texts) > _TEXTS_MAX:
        texts.clear()
    counts: Counter = Counter()
    new_rows: list[tuple] = []
    cases: dict[tuple[str, str], list] = {}
    track_order = _TRACK_RANK
    for i, (rec, dec, row) in enumerate(zip(records, decisions, rows)):
        key = (rec.person_id or "", rec.case_number)
        case = cases.get(key)
        if case is None:
            case = cases[key] = [None, None, 0, 0, rec.record_id, i < own]
        elif rec.record_id < case[4]:
            case[4], case[5] = rec.record_id, i < own
        cat = dec.category
        case[2] += 1
        order = track_order.get(cat)
        if order is not None:
            case[3] += 1
            if case[0] is None or order > track_order[case[0]]:
                case[0] = cat
            if dec.tranche is not None and (case[1] is None or dec.tranche < case[1]):
                case[1] = dec.tranche
        if i >= own:
            continue
        version = row[_VERSION]
        content = (version, cat, dec.reasons, dec.steps, dec.tranche, dec.explanation, dec.statute_cite)
        text = texts.get(content)
        if text is None:
            cat_s, reasons, steps = cat.value, ";".join(dec.reasons), ",".join(dec.steps)
            dkey = blake(f"{prefix}{version}|{cat_s}|{reasons}|{steps}|{dec.tranche}|{dec.explanation}|"
                         f"{dec.statute_cite}".encode(), digest_size=12).hexdigest()
            text = texts[content] = (cat_s, reasons, steps, dkey)
        cat_s, reasons, steps, dkey = text
        counts[cat_s] += 1
        if dkey == row[_DKEY]:
            continue
        new_rows.append((eid, rec.record_id, version, rec.case_number, rec.person_id or "", cat_s, reasons, steps,
                         dec.explanation, dec.tranche, dec.statute_cite, dec.rules_version, dec.policy_hash,
                         as_of_iso, dkey))
    # in key order: the case index takes them in one sweep instead of at random places
    case_rows = sorted((k[1], k[0], v[0] and v[0].value, v[1], v[2], v[3], eid) for k, v in cases.items() if v[5])
    return own, counts, new_rows, case_rows


#: The two read orders: the column that orders the chunks (and splits the store between workers).
ORDERS = READERS
_SAMPLE = 5_000  # records per run looked at by _choose_order (at the start and the middle of the store)


def _choose_order(conn: sqlite3.Connection, total: int) -> str:
    """``record_id`` when most cases' records have neighbouring record ids, else ``case_number``.

    Looks at two runs of records in record-id order (the first and the middle ones): the share
    of them whose whole case lies in the run. Extracts numbered charge by charge (the synthetic
    data, CCSAO's participant:charge ids) keep nearly all; a store whose record ids are
    unrelated to its cases keeps almost none, and reading by record id would read most records
    twice (measured at 1,000,000 with shuffled ids: 26.1 s against 17.2 s in case order).
    """
    size = max(1, min(_SAMPLE, total // 10))  # a tenth of a small store: a run, not the whole of it
    kept = seen = 0
    for offset in sorted({0, max(0, total // 2 - size // 2)}):
        numbers = case_numbers_run(conn, size, offset)
        in_run = Counter(numbers)
        counts = records_per_case_number(conn, sorted(in_run))
        kept += sum(n for number, n in in_run.items() if counts.get(number) == n)
        seen += len(numbers)
    return "record_id" if kept * 2 >= seen else "case_number"


def _produce(conn: sqlite3.Connection, policy: Policy, as_of: date, eid: int, chunk_records: int,
             low: str | None = None, high: str | None = None, order: str = "record_id") -> Iterator[Chunk]:
    """Read the records in ``[low, high)`` of ``order`` a chunk at a time, and evaluate them.

    Each chunk is its own short read transaction on ``conn`` (keyset paging), never one long
    one: a reader held open for the whole run keeps SQLite from checkpointing, and the
    write-ahead log then grows to twice the store's size while the writes slow down.
    """
    texts: dict = {}
    for rows, n_own in ORDERS[order](conn, chunk_records, low, high):
        yield _evaluate_rows(rows, n_own, policy, as_of, eid, texts)


# What a worker reports per chunk written: (records evaluated, category counts, decisions added)
Progress = tuple[int, Counter, int]


def _evaluate_range(conn: sqlite3.Connection, policy: Policy, as_of: date, eid: int, chunk_records: int,
                    low: str | None = None, high: str | None = None, order: str = "record_id", turn=None,
                    wanted: Callable[[], bool] | None = None) -> Iterator[Progress]:
    """Evaluate and write the records in ``[low, high)``, a chunk at a time.

    ``turn`` (a lock shared with the other workers) is held while writing, so that the workers
    queue for SQLite's write lock without its busy-wait sleeps. ``wanted`` is asked before each
    write: a worker whose evaluation was abandoned (its parent killed) writes nothing more.
    """
    with gc_paused():
        for n, counts, new_rows, case_rows in _produce(conn, policy, as_of, eid, chunk_records, low, high,
                                                        order):
            if wanted is not None and not wanted():
                return
            if turn is None:
                write_chunk(conn, new_rows, case_rows)
            else:
                with turn:
                    write_chunk(conn, new_rows, case_rows)
                # Copying the write-ahead log into the store needs no write lock: done here, after
                # the turn is passed on, it overlaps the other worker's writing instead of adding
                # to it (the workers' connections do not checkpoint on commit).
                checkpoint_passive(conn)
            yield n, counts, len(new_rows)


def _worker(path, policy: Policy, as_of: date, eid: int, chunk_records: int, low: str | None, high: str | None,
            order: str, turn) -> Iterator[Progress]:
    """A worker process's share, on its own connection (the parent's is not usable after a fork)."""
    parent = os.getppid()
    conn = connect_bulk_writer(path)
    no_autocheckpoint(conn)  # see _evaluate_range
    try:
        yield from _evaluate_range(conn, policy, as_of, eid, chunk_records, low, high, order, turn,
                                   wanted=lambda: os.getppid() == parent)
    finally:
        conn.close()


def _split_points(conn, total: int, parts: int, order: str = "record_id") -> list[str | None]:
    """Values of ``order``'s column that cut the store into ``parts`` ranges of about equal size."""
    return split_points(conn, total, parts, order)


def _progress(store: Store, total: int, policy: Policy, as_of: date, eid: int, chunk_records: int,
              parallel: bool, order: str) -> Iterator[Progress]:
    if not parallel:
        return _evaluate_range(store.conn, policy, as_of, eid, chunk_records, order=order)
    cuts = _split_points(store.conn, total, WORKERS, order)
    turn = multiprocessing.get_context("fork").Lock()
    arg_sets = [(store.path, policy, as_of, eid, chunk_records, lo, hi, order, turn)
                for lo, hi in zip(cuts, cuts[1:])]
    return produced_by_many(_worker, arg_sets, what="evaluation", depth=4)


def evaluate_store(
    store: Store,
    policy: Policy,
    as_of: date,
    *,
    progress: Callable[[int, int], None] | None = None,
    chunk_records: int | None = None,
    parallel: bool | None = None,
    order: str | None = None,
) -> EvaluationResult:
    """Evaluate every stored record under ``policy`` as of ``as_of``.

    ``order`` (``record_id`` or ``case_number``; default: :func:`_choose_order`'s choice) is
    the order the records are read in. It changes the speed only, never a decision.
    """
    started = time.perf_counter()
    total = record_count(store.conn)
    if parallel is None:
        parallel = total >= PARALLEL_MIN_RECORDS
    if order is None:
        order = _choose_order(store.conn, total)
    elif order not in ORDERS:
        raise ValueError(f"unknown order {order!r}")
    with store.write() as conn:
        eid = start_evaluation(conn, rules_version=RULES_VERSION, policy_hash=policy.hash,
                               policy_json=policy.canonical_json(), as_of=as_of.isoformat(), at=utc_now_iso())
    result = EvaluationResult(eid)
    # The writes only insert ids created in the same transaction (decisions, this evaluation),
    # so per-row foreign-key lookups are skipped during the bulk loop (the workers' connections
    # never turn them on); the pragma cannot change inside a transaction, hence here, and it is
    # restored whatever happens.
    set_foreign_keys(store.conn, False)
    try:
        for n, counts, added in _progress(store, total, policy, as_of, eid, chunk_records or CHUNK_RECORDS,
                                          parallel, order):
            result.records += n
            result.new_decisions += added
            result.categories.update(counts)
            if progress:
                progress(result.records, total)
    finally:
        set_foreign_keys(store.conn, True)
    with store.write() as conn:
        finish_evaluation(conn, eid, at=utc_now_iso(), records=result.records, new_decisions=result.new_decisions)
    result.seconds = time.perf_counter() - started
    return result
