"""Evaluating the store: every record through the rules, decisions appended.

Records are read in record-id order, a chunk at a time, each chunk with the other records of its
cases (the case-level steps need every charge of a case), evaluated by the domain rules and
written in one immediate transaction per chunk. A store whose record ids are unrelated to its
cases is read in case-number order instead, whole case numbers a chunk (:func:`_choose_order`).
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
import json
import multiprocessing
import os
import sqlite3
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timezone

from clearterm.domain.decision import RULES_VERSION, Category
from clearterm.domain.policy import Policy
from clearterm.domain.rules import evaluate_records
from clearterm.services.bulk import gc_paused, produced_by_many
from clearterm.storage.records import COLUMNS, record_from_row
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


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


_INSERT_DECISION = (
    "INSERT INTO decisions (evaluation_id, record_id, record_version, case_number, person_id, category,"
    " reasons, steps, explanation, tranche, statute_cite, rules_version, policy_hash, as_of, dkey)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
_UPSERT_CASE = (
    "INSERT INTO cases (case_number, person_id, track, tranche, charges, flagged, evaluation_id)"
    " VALUES (?, ?, ?, ?, ?, ?, ?)"
    " ON CONFLICT(case_number, person_id) DO UPDATE SET track = excluded.track, tranche = excluded.tranche,"
    " charges = excluded.charges, flagged = excluded.flagged, evaluation_id = excluded.evaluation_id"
    " WHERE cases.track IS NOT excluded.track OR cases.tranche IS NOT excluded.tranche"
    " OR cases.charges != excluded.charges OR cases.flagged != excluded.flagged"
)

# A chunk as produced: (records evaluated, category counts, new decision rows, case rows)
Chunk = tuple[int, Counter, list[tuple], list[tuple]]

# Positions in a row as the reader reads it: the record's COLUMNS, then these.
_VERSION, _DKEY, _ROWID = len(COLUMNS), len(COLUMNS) + 1, len(COLUMNS) + 2
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


# The rules never read names or addresses: the reader selects NULL in their place, which makes
# the rows it reads and converts a third smaller. (tests/test_evaluate_store.py checks that
# decisions are the same with and without them.)
RULES_SKIP = frozenset({"last_name", "first_name", "middle_name", "offense_description", "court",
                        "address_line1", "address_line2", "city", "state", "zip"})
RULES_COLUMNS = ", ".join("NULL" if c in RULES_SKIP else f"r.{c}" for c in COLUMNS)


def _select() -> str:
    return (f"SELECT {RULES_COLUMNS}, r.version, c.dkey, r.id FROM records r"
            " LEFT JOIN decision_current c ON c.record_id = r.record_id")


def _keyset(column: str, order_by: str, high: str | None) -> tuple[str, str, tuple]:
    """Keyset-paged reads on ``column`` up to ``high`` (excluded; None: unbounded): the first
    page's SQL (``column >= ?``), the next pages' (``column > ?``), and the bound's parameters.
    Each takes (after, *bound, limit)."""
    upper = f" AND r.{column} < ?" if high is not None else ""
    next_sql = f"{_select()} WHERE r.{column} > ?{upper} ORDER BY {order_by} LIMIT ?"
    first_sql = next_sql.replace(f"r.{column} > ?", f"r.{column} >= ?", 1)
    return first_sql, next_sql, ((high,) if high is not None else ())


# How many records each of a list of case numbers has: from the case index alone.
_COUNT_BY_NUMBER = ("SELECT case_number, count(*) FROM records"
                    " WHERE case_number IN (SELECT value FROM json_each(?)) GROUP BY case_number")

# A chunk as read: (rows, how many of them are the chunk's own records; the rest are other
# records of the own records' cases, read only so the case-level steps see every charge)
Read = tuple[list[tuple], int]


def _read_by_record_id(conn: sqlite3.Connection, chunk_records: int, low: str | None, high: str | None
                       ) -> Iterator[Read]:
    """Chunks in record_id order, each with the other records of its cases.

    Record-id order is the order of the decisions' indexes (``decision_current``,
    ``decisions_record``), so the writes append to them instead of rewriting pages all over them
    (measured: half the writing time at a million records). A count per case number, from the
    case index alone, finds the case numbers that go on outside the chunk; their other records
    are read too. Cheap when a case's records have neighbouring record ids, as in extracts
    numbered charge by charge; :func:`_choose_order` checks that they do.
    """
    select = _select()
    first_sql, next_sql, bound = _keyset("record_id", "r.record_id", high)
    by_number_sql = f"{select} WHERE r.case_number IN (SELECT value FROM json_each(?))"
    sql, after = first_sql, low or ""
    while True:
        conn.execute("BEGIN")  # the chunk and its cases' other records from one snapshot
        try:
            rows = conn.execute(sql, (after, *bound, chunk_records)).fetchall()
            if not rows:
                return
            n_own = len(rows)
            in_chunk = Counter(r[1] for r in rows)
            short = [number for number, n in conn.execute(_COUNT_BY_NUMBER, (json.dumps(sorted(in_chunk)),))
                     if n != in_chunk[number]]
            if short:  # case numbers with records outside the chunk: read those records
                own = {r[_ROWID] for r in rows}
                keys = {(r[4] or "", r[1]) for r in rows}
                # a charge with no person id counts in every case under its number (rules,
                # ambiguity 17): a number with one in the chunk needs all of its records, and a
                # case in the chunk needs the number's charges with no person id
                whole = {r[1] for r in rows if not r[4]}
                rows += [r for r in conn.execute(by_number_sql, (json.dumps(short),))
                         if r[_ROWID] not in own and ((r[4] or "", r[1]) in keys or not r[4] or r[1] in whole)]
        finally:
            conn.execute("COMMIT")
        sql = next_sql
        after = rows[n_own - 1][0]
        yield rows, n_own


def _read_by_case(conn: sqlite3.Connection, chunk_records: int, low: str | None, high: str | None
                  ) -> Iterator[Read]:
    """Chunks of whole case numbers, in case order: for stores whose cases' record ids are far apart.

    No case goes on outside its chunk, so nothing more is read; but the decisions' indexes take
    their writes at random places, which costs the writing about twice as much.
    """
    select = _select()
    first_sql, next_sql, bound = _keyset("case_number", "r.case_number, r.person_id", high)
    one_case = f"{select} WHERE r.case_number = ? ORDER BY r.person_id"
    sql, after = first_sql, low or ""
    while True:
        conn.execute("BEGIN")
        try:
            rows = conn.execute(sql, (after, *bound, chunk_records)).fetchall()
            if not rows:
                return
            if len(rows) == chunk_records:
                last = rows[-1][1]
                cut = len(rows)
                while cut and rows[cut - 1][1] == last:
                    cut -= 1
                if cut:  # the last case number may go on past the limit: it starts the next chunk
                    rows = rows[:cut]
                else:  # one case number fills the whole chunk: take all of it
                    rows = conn.execute(one_case, (last,)).fetchall()
        finally:
            conn.execute("COMMIT")
        sql = next_sql
        after = rows[-1][1]
        yield rows, len(rows)


#: The two read orders: the column that orders the chunks (and splits the store between workers).
ORDERS = {"record_id": _read_by_record_id, "case_number": _read_by_case}
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
        rows = conn.execute("SELECT case_number FROM records ORDER BY record_id LIMIT ? OFFSET ?",
                            (size, offset)).fetchall()
        in_run = Counter(r[0] for r in rows)
        counts = dict(conn.execute(_COUNT_BY_NUMBER, (json.dumps(sorted(in_run)),)))
        kept += sum(n for number, n in in_run.items() if counts.get(number) == n)
        seen += len(rows)
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


def _write_chunk(conn: sqlite3.Connection, new_rows: list[tuple], case_rows: list[tuple]) -> None:
    """Append one chunk's decisions (and decision_current) and upsert its cases: one transaction."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        if new_rows:
            # ids are assigned in order from the largest (no AUTOINCREMENT), so the chunk's are >= first
            first = int(conn.execute("SELECT coalesce(max(id), 0) FROM decisions").fetchone()[0]) + 1
            conn.executemany(_INSERT_DECISION, new_rows)
            conn.execute("INSERT OR REPLACE INTO decision_current (record_id, decision_id, dkey)"
                         " SELECT record_id, id, dkey FROM decisions WHERE id >= ?", (first,))
        conn.executemany(_UPSERT_CASE, case_rows)
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


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
                _write_chunk(conn, new_rows, case_rows)
            else:
                with turn:
                    _write_chunk(conn, new_rows, case_rows)
                # Copying the write-ahead log into the store needs no write lock: done here, after
                # the turn is passed on, it overlaps the other worker's writing instead of adding
                # to it (the workers' connections do not checkpoint on commit).
                conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
            yield n, counts, len(new_rows)


def _worker(path, policy: Policy, as_of: date, eid: int, chunk_records: int, low: str | None, high: str | None,
            order: str, turn) -> Iterator[Progress]:
    """A worker process's share, on its own connection (the parent's is not usable after a fork)."""
    parent = os.getppid()
    conn = connect_bulk_writer(path)
    conn.execute("PRAGMA wal_autocheckpoint=0")  # see _evaluate_range
    try:
        yield from _evaluate_range(conn, policy, as_of, eid, chunk_records, low, high, order, turn,
                                   wanted=lambda: os.getppid() == parent)
    finally:
        conn.close()


def _split_points(conn, total: int, parts: int, order: str = "record_id") -> list[str | None]:
    """Values of ``order``'s column that cut the store into ``parts`` ranges of about equal size."""
    if order not in ORDERS:
        raise ValueError(f"unknown order {order!r}")
    points: list[str | None] = [None]
    for k in range(1, parts):
        row = conn.execute(f"SELECT {order} FROM records ORDER BY {order} LIMIT 1 OFFSET ?",
                           (total * k // parts,)).fetchone()
        if row is not None and row[0] not in points:
            points.append(row[0])
    return points + [None]


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
    total = int(store.scalar("SELECT count(*) FROM records"))
    if parallel is None:
        parallel = total >= PARALLEL_MIN_RECORDS
    if order is None:
        order = _choose_order(store.conn, total)
    elif order not in ORDERS:
        raise ValueError(f"unknown order {order!r}")
    with store.write() as conn:
        conn.execute("INSERT OR IGNORE INTO policies (hash, json, first_used_at) VALUES (?, ?, ?)",
                     (policy.hash, policy.canonical_json(), _now()))
        eid = conn.execute(
            "INSERT INTO evaluations (rules_version, policy_hash, as_of, status, started_at)"
            " VALUES (?, ?, ?, 'running', ?)", (RULES_VERSION, policy.hash, as_of.isoformat(), _now())).lastrowid
    result = EvaluationResult(eid)
    # The writes only insert ids created in the same transaction (decisions, this evaluation),
    # so per-row foreign-key lookups are skipped during the bulk loop (the workers' connections
    # never turn them on); the pragma cannot change inside a transaction, hence here, and it is
    # restored whatever happens.
    store.conn.execute("PRAGMA foreign_keys=OFF")
    try:
        for n, counts, added in _progress(store, total, policy, as_of, eid, chunk_records or CHUNK_RECORDS,
                                          parallel, order):
            result.records += n
            result.new_decisions += added
            result.categories.update(counts)
            if progress:
                progress(result.records, total)
    finally:
        store.conn.execute("PRAGMA foreign_keys=ON")
    with store.write() as conn:
        conn.execute("UPDATE evaluations SET status = 'complete', finished_at = ?, records = ?, new_decisions = ?"
                     " WHERE id = ?", (_now(), result.records, result.new_decisions, eid))
    result.seconds = time.perf_counter() - started
    return result
