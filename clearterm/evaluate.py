"""Evaluating the store: every record through the rules, decisions appended.

Records are streamed in case order (case number, person) from a read-only
connection, evaluated a case at a time by the domain rules, and written in
chunked immediate transactions. A decision is appended only when it differs
from the record's decision in force (compared by a key over its content, the
record version, the rules version, the policy and the as-of date), so rerunning
with the same inputs adds no decision; a new rules version, policy or as-of date
adds new decisions and keeps the old ones.

On large stores both cores are used: a forked producer process reads records,
runs the rules and computes keys, while this process writes.
"""

from __future__ import annotations

import hashlib
import sqlite3
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timezone

from clearterm.domain.decision import RULES_VERSION
from clearterm.domain.policy import Policy
from clearterm.domain.rules import evaluate_records
from clearterm.bulk import Staging, gc_paused, produced_by_many
from clearterm.storage.records import COLUMNS, record_from_row
from clearterm.storage.store import Store

TRACK_ORDER = {"review": 3, "petition": 2, "automatic": 1}
CHUNK_RECORDS = 20_000
PARALLEL_MIN_RECORDS = 50_000
# Reading and the rules cost more than writing: two producer processes keep the writer busy.
PRODUCERS = 2
COMMIT_RECORDS = 100_000
STAGED_CHUNK_RECORDS = 50_000  # records per chunk when producers stage their rows (one commit each)
COMMIT_SECONDS = 1.0  # ...or sooner: reviewers' writes wait no longer than this


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
    "INSERT INTO decisions (id, evaluation_id, record_id, record_version, case_number, person_id, category,"
    " reasons, steps, explanation, tranche, statute_cite, rules_version, policy_hash, as_of, dkey)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
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


def _evaluate_rows(rows: list[tuple], policy: Policy, as_of: date, eid: int) -> Chunk:
    """Run the rules over one chunk of stored rows (whole cases); keep only changed decisions."""
    records = [record_from_row(r) for r in rows]
    decisions = evaluate_records(records, policy, as_of)
    as_of_iso = as_of.isoformat()
    prefix = f"{RULES_VERSION}|{policy.hash}|{as_of_iso}|"
    blake = hashlib.blake2b
    counts: Counter = Counter()
    new_rows: list[tuple] = []
    cases: dict[tuple[str, str], list] = {}
    for rec, dec, row in zip(records, decisions, rows):
        cat = dec.category.value
        counts[cat] += 1
        case = cases.get(rec.case_key)
        if case is None:
            case = cases[rec.case_key] = [None, None, 0, 0]
        case[2] += 1
        order = TRACK_ORDER.get(cat)
        if order is not None:
            case[3] += 1
            if case[0] is None or order > TRACK_ORDER[case[0]]:
                case[0] = cat
            if dec.tranche is not None and (case[1] is None or dec.tranche < case[1]):
                case[1] = dec.tranche
        reasons = ";".join(dec.reasons)
        steps = ",".join(dec.steps)
        version = row[-2]
        dkey = blake(f"{prefix}{version}|{cat}|{reasons}|{steps}|{dec.tranche}|{dec.explanation}|"
                     f"{dec.statute_cite}".encode(), digest_size=12).hexdigest()
        if dkey == row[-1]:
            continue
        new_rows.append((eid, rec.record_id, version, rec.case_number, rec.person_id or "", cat, reasons, steps,
                         dec.explanation, dec.tranche, dec.statute_cite, dec.rules_version, dec.policy_hash,
                         as_of_iso, dkey))
    case_rows = [(k[1], k[0], v[0], v[1], v[2], v[3], eid) for k, v in cases.items()]
    return len(records), counts, new_rows, case_rows


# The rules never read names or addresses: the producer selects NULL in their place, which makes
# the rows it reads, pickles and converts a third smaller. (tests/test_evaluate_store.py checks that
# decisions are the same with and without them.)
RULES_SKIP = frozenset({"last_name", "first_name", "middle_name", "offense_description", "court",
                        "address_line1", "address_line2", "city", "state", "zip"})
RULES_COLUMNS = ", ".join("NULL" if c in RULES_SKIP else f"r.{c}" for c in COLUMNS)


def _produce(path, policy: Policy, as_of: date, eid: int, chunk_records: int,
             low: str | None = None, high: str | None = None, stage: tuple[Staging, str] | None = None
             ) -> Iterator[Chunk]:
    """Read records in case order, a chunk of whole case numbers at a time, and evaluate them.

    Covers case numbers in ``[low, high)`` (None: unbounded). Each chunk is its own short read
    (keyset paging on case_number), never one long read transaction: a reader held open for the
    whole run keeps SQLite from checkpointing, and the write-ahead log then grows to twice the
    store's size while the writes slow down.

    With ``stage`` (a scratch file and the alias the writer attached it under), each chunk's new
    decisions and case rows are written there and the chunk carries a :class:`Staged` instead.
    """
    emit = _stager(*stage) if stage is not None else None
    reader = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=15)
    reader.execute("PRAGMA cache_size=-65536")
    select = (f"SELECT {RULES_COLUMNS}, r.version, c.dkey FROM records r"
              " LEFT JOIN decision_current c ON c.record_id = r.record_id")
    upper = " AND r.case_number < ?" if high is not None else ""
    bound = (high,) if high is not None else ()
    next_sql = f"{select} WHERE r.case_number > ?{upper} ORDER BY r.case_number, r.person_id LIMIT ?"
    first_sql = next_sql.replace("r.case_number > ?", "r.case_number >= ?", 1)
    one_case = f"{select} WHERE r.case_number = ? ORDER BY r.person_id"
    try:
        sql, after = first_sql, low or ""
        while True:
            rows = reader.execute(sql, (after, *bound, chunk_records)).fetchall()
            sql = next_sql
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
                    rows = reader.execute(one_case, (last,)).fetchall()
            after = rows[-1][1]
            chunk = _evaluate_rows(rows, policy, as_of, eid)
            yield emit(chunk) if emit is not None else chunk
    finally:
        reader.close()


STAGE_SCHEMA = (
    "CREATE TABLE d (evaluation_id, record_id, record_version, case_number, person_id, category, reasons, steps,"
    " explanation, tranche, statute_cite, rules_version, policy_hash, as_of, dkey);"
    "CREATE TABLE c (case_number, person_id, track, tranche, charges, flagged, evaluation_id);"
)


@dataclass(frozen=True)
class Staged:
    """Where a staged chunk's rows wait: rowid ranges of the scratch tables (0, -1: none)."""

    alias: str
    d_lo: int
    d_hi: int
    c_lo: int
    c_hi: int


def _stager(stage: Staging, alias: str):
    """A chunk emitter (producer side) that writes the chunk's rows to the scratch file."""
    conn = stage.connect()

    def put(table: str, rows: list[tuple], width: int) -> tuple[int, int]:
        if not rows:
            return 0, -1
        conn.executemany(f"INSERT INTO {table} VALUES ({', '.join('?' * width)})", rows)
        hi = conn.execute(f"SELECT max(rowid) FROM {table}").fetchone()[0]
        return hi - len(rows) + 1, hi

    def emit(chunk: Chunk) -> Chunk:
        n, counts, new_rows, case_rows = chunk
        conn.execute("BEGIN")
        d = put("d", new_rows, 15)
        c = put("c", case_rows, 7)
        conn.execute("COMMIT")
        return n, counts, Staged(alias, *d, *c), []

    return emit


def _split_points(conn, total: int, parts: int) -> list[str | None]:
    """Case numbers that cut the store into ``parts`` ranges of about equal size (from the index)."""
    points: list[str | None] = [None]
    for k in range(1, parts):
        row = conn.execute("SELECT case_number FROM records ORDER BY case_number LIMIT 1 OFFSET ?",
                           (total * k // parts,)).fetchone()
        if row is not None and row[0] not in points:
            points.append(row[0])
    return points + [None]


def _chunks(store: Store, total: int, policy, as_of, eid, chunk_records, stages: list[Staging]) -> Iterator[Chunk]:
    if not stages:
        return _produce(store.path, policy, as_of, eid, chunk_records)
    cuts = _split_points(store.conn, total, len(stages))
    arg_sets = [(store.path, policy, as_of, eid, chunk_records, lo, hi, (st, f"eval{i}"))
                for i, (st, lo, hi) in enumerate(zip(stages, cuts, cuts[1:]))]
    return produced_by_many(_produce, arg_sets, what="evaluation", depth=3)


def evaluate_store(
    store: Store,
    policy: Policy,
    as_of: date,
    *,
    progress: Callable[[int, int], None] | None = None,
    chunk_records: int | None = None,
    parallel: bool | None = None,
) -> EvaluationResult:
    """Evaluate every stored record under ``policy`` as of ``as_of``."""
    started = time.perf_counter()
    total = int(store.scalar("SELECT count(*) FROM records"))
    if parallel is None:
        parallel = total >= PARALLEL_MIN_RECORDS
    with store.write() as conn:
        conn.execute("INSERT OR IGNORE INTO policies (hash, json, first_used_at) VALUES (?, ?, ?)",
                     (policy.hash, policy.canonical_json(), _now()))
        eid = conn.execute(
            "INSERT INTO evaluations (rules_version, policy_hash, as_of, status, started_at)"
            " VALUES (?, ?, ?, 'running', ?)", (RULES_VERSION, policy.hash, as_of.isoformat(), _now())).lastrowid
    result = EvaluationResult(eid)
    # The writer only inserts ids it has just created in the same transaction (decisions, this
    # evaluation), so per-row foreign-key lookups are skipped during the bulk loop; the pragma
    # cannot change inside a transaction, hence here, and it is restored whatever happens.
    store.conn.execute("PRAGMA foreign_keys=OFF")
    stages: list[Staging] = []
    try:
        if parallel:
            stages = [Staging(store.path, f"eval{i}", STAGE_SCHEMA) for i in range(PRODUCERS)]
            for i, st in enumerate(stages):
                st.attach(store.conn, f"eval{i}")
        if chunk_records is None:
            chunk_records = STAGED_CHUNK_RECORDS if stages else CHUNK_RECORDS
        _write_chunks(store, _chunks(store, total, policy, as_of, eid, chunk_records, stages), result, total,
                      progress)
    finally:
        for i, st in enumerate(stages):
            st.detach(store.conn, f"eval{i}")
            st.remove()
        store.conn.execute("PRAGMA foreign_keys=ON")
    with store.write() as conn:
        conn.execute("UPDATE evaluations SET status = 'complete', finished_at = ?, records = ?, new_decisions = ?"
                     " WHERE id = ?", (_now(), result.records, result.new_decisions, eid))
    result.seconds = time.perf_counter() - started
    return result


_COPY_DECISIONS = (
    "INSERT INTO decisions (id, evaluation_id, record_id, record_version, case_number, person_id, category,"
    " reasons, steps, explanation, tranche, statute_cite, rules_version, policy_hash, as_of, dkey)"
    " SELECT ? + rowid - ?, evaluation_id, record_id, record_version, case_number, person_id, category,"
    " reasons, steps, explanation, tranche, statute_cite, rules_version, policy_hash, as_of, dkey"
    " FROM {a}.d WHERE rowid BETWEEN ? AND ? ORDER BY rowid"
)
_COPY_CASES = _UPSERT_CASE.replace(
    " VALUES (?, ?, ?, ?, ?, ?, ?)",
    " SELECT case_number, person_id, track, tranche, charges, flagged, evaluation_id FROM {a}.c"
    " WHERE rowid BETWEEN ? AND ?")


def _copy_staged(conn: sqlite3.Connection, st: Staged) -> int:
    """Append one staged chunk (decisions, decision_current, cases) by INSERT ... SELECT."""
    added = 0
    if st.d_hi >= st.d_lo:
        first = int(conn.execute("SELECT coalesce(max(id), 0) FROM decisions").fetchone()[0]) + 1
        added = conn.execute(_COPY_DECISIONS.format(a=st.alias), (first, st.d_lo, st.d_lo, st.d_hi)).rowcount
        if added != st.d_hi - st.d_lo + 1:  # never silently lose a decision in the handoff
            raise RuntimeError(f"staged decisions {st.d_lo}-{st.d_hi}: {added} readable")
        conn.execute("INSERT OR REPLACE INTO decision_current (record_id, decision_id, dkey)"
                     " SELECT record_id, id, dkey FROM decisions WHERE id >= ?", (first,))
    if st.c_hi >= st.c_lo:
        conn.execute(_COPY_CASES.format(a=st.alias), (st.c_lo, st.c_hi))
    return added


def _write_chunks(store: Store, chunks: Iterator[Chunk], result: EvaluationResult, total: int,
                  progress: Callable[[int, int], None] | None) -> None:
    """Append the chunks' decisions, committing every :data:`COMMIT_RECORDS` records or :data:`COMMIT_SECONDS`.

    Records arrive in case order, so the record-keyed indexes take their inserts at random places:
    each commit rewrites most of their pages into the write-ahead log. Fewer, larger commits write
    far less (measured: a third less writer time than a commit per 20,000 records).
    """
    tx = None
    pending = 0
    try:
        with gc_paused():
            for n, counts, new_rows, case_rows in chunks:
                if tx is None:
                    tx = store.write()
                    conn = tx.__enter__()
                    since = time.monotonic()
                if isinstance(new_rows, Staged):
                    added = _copy_staged(conn, new_rows)
                    # each staged chunk commits on its own, so that the next one reads the scratch
                    # file afresh (a transaction sees the attached file as it was when it began)
                    tx, done = None, tx
                    done.__exit__(None, None, None)
                    pending = 0
                    result.records += n
                    result.new_decisions += added
                    result.categories.update(counts)
                    if progress:
                        progress(result.records, total)
                    continue
                if new_rows:
                    first = int(conn.execute("SELECT coalesce(max(id), 0) FROM decisions").fetchone()[0]) + 1
                    conn.executemany(_INSERT_DECISION, [(first + i, *r) for i, r in enumerate(new_rows)])
                    conn.execute("INSERT OR REPLACE INTO decision_current (record_id, decision_id, dkey)"
                                 " SELECT record_id, id, dkey FROM decisions WHERE id >= ?", (first,))
                conn.executemany(_UPSERT_CASE, case_rows)
                pending += n
                if pending >= COMMIT_RECORDS or time.monotonic() - since >= COMMIT_SECONDS:
                    tx, done = None, tx
                    done.__exit__(None, None, None)
                    pending = 0
                result.records += n
                result.new_decisions += len(new_rows)
                result.categories.update(counts)
                if progress:
                    progress(result.records, total)
            if tx is not None:
                tx, done = None, tx
                done.__exit__(None, None, None)
    except BaseException:
        if tx is not None:
            tx.__exit__(*sys.exc_info())
        raise
