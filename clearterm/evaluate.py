"""Evaluating the store: every record through the rules, decisions appended.

Records are streamed in case order (case number, person) from a read-only
connection, evaluated a case at a time by the domain rules, and written in
chunked immediate transactions: a decision is appended only when it differs
from the record's decision in force, so rerunning with the same inputs adds no
decision; a new rules version, policy or as-of date adds new decisions and keeps
the old ones.
"""

from __future__ import annotations

import hashlib
import sqlite3
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timezone

from clearterm.domain.decision import RULES_VERSION, Decision
from clearterm.domain.policy import Policy
from clearterm.domain.rules import evaluate_records
from clearterm.storage.records import SELECT_COLUMNS, record_from_row
from clearterm.storage.store import Store

TRACK_ORDER = {"review": 3, "petition": 2, "automatic": 1}
CHUNK_RECORDS = 20_000


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


def decision_key(d: Decision, record_version: int) -> str:
    text = "|".join((d.rules_version, d.policy_hash, d.as_of.isoformat(), str(record_version), str(d.category),
                     ";".join(d.reasons), ",".join(d.steps), str(d.tranche), d.explanation, d.statute_cite or ""))
    return hashlib.blake2b(text.encode(), digest_size=12).hexdigest()


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


def evaluate_store(
    store: Store,
    policy: Policy,
    as_of: date,
    *,
    progress: Callable[[int, int], None] | None = None,
    chunk_records: int = CHUNK_RECORDS,
) -> EvaluationResult:
    """Evaluate every stored record under ``policy`` as of ``as_of``."""
    started = time.perf_counter()
    total = int(store.scalar("SELECT count(*) FROM records"))
    with store.write() as conn:
        conn.execute("INSERT OR IGNORE INTO policies (hash, json, first_used_at) VALUES (?, ?, ?)",
                     (policy.hash, policy.canonical_json(), _now()))
        eid = conn.execute(
            "INSERT INTO evaluations (rules_version, policy_hash, as_of, status, started_at)"
            " VALUES (?, ?, ?, 'running', ?)", (RULES_VERSION, policy.hash, as_of.isoformat(), _now())).lastrowid
    result = EvaluationResult(eid)
    reader = sqlite3.connect(f"file:{store.path}?mode=ro", uri=True, timeout=15)
    try:
        cursor = reader.execute(
            f"SELECT {SELECT_COLUMNS}, r.version, c.dkey FROM records r"
            " LEFT JOIN decision_current c ON c.record_id = r.record_id"
            " ORDER BY r.case_number, r.person_id"
        )
        chunk: list[tuple] = []
        last_key = None
        for row in cursor:
            key = (row[1], row[4] or "")  # case_number, person_id
            if len(chunk) >= chunk_records and key != last_key:
                _write_chunk(store, chunk, policy, as_of, result)
                chunk = []
                if progress:
                    progress(result.records, total)
            chunk.append(row)
            last_key = key
        if chunk:
            _write_chunk(store, chunk, policy, as_of, result)
    finally:
        reader.close()
    with store.write() as conn:
        conn.execute("UPDATE evaluations SET status = 'complete', finished_at = ?, records = ?, new_decisions = ?"
                     " WHERE id = ?", (_now(), result.records, result.new_decisions, eid))
    if progress:
        progress(result.records, total)
    result.seconds = time.perf_counter() - started
    return result


def _write_chunk(store: Store, rows: list[tuple], policy: Policy, as_of: date, result: EvaluationResult) -> None:
    records = [record_from_row(r) for r in rows]
    decisions = evaluate_records(records, policy, as_of)
    n = len(records)
    eid = result.evaluation_id
    new_rows: list[tuple] = []
    cases: dict[tuple[str, str], list] = {}
    for rec, dec, row in zip(records, decisions, rows):
        version, current_key = row[-2], row[-1]
        result.categories[str(dec.category)] += 1
        case = cases.setdefault(rec.case_key, [None, None, 0, 0])
        case[2] += 1
        cat = str(dec.category)
        if cat in TRACK_ORDER:
            case[3] += 1
            if case[0] is None or TRACK_ORDER[cat] > TRACK_ORDER[case[0]]:
                case[0] = cat
            if dec.tranche is not None and (case[1] is None or dec.tranche < case[1]):
                case[1] = dec.tranche
        dkey = decision_key(dec, version)
        if dkey == current_key:
            continue
        new_rows.append((eid, rec.record_id, version, rec.case_number, rec.person_id or "", cat,
                         ";".join(dec.reasons), ",".join(dec.steps), dec.explanation, dec.tranche,
                         dec.statute_cite, dec.rules_version, dec.policy_hash, dec.as_of.isoformat(), dkey))
    result.records += n
    with store.write() as conn:
        if new_rows:
            first = int(conn.execute("SELECT coalesce(max(id), 0) FROM decisions").fetchone()[0]) + 1
            conn.executemany(_INSERT_DECISION, [(first + i, *r) for i, r in enumerate(new_rows)])
            conn.executemany(
                "INSERT OR REPLACE INTO decision_current (record_id, decision_id, dkey) VALUES (?, ?, ?)",
                [(r[1], first + i, r[-1]) for i, r in enumerate(new_rows)])
            result.new_decisions += len(new_rows)
        conn.executemany(_UPSERT_CASE, [(k[1], k[0], v[0], v[1], v[2], v[3], eid) for k, v in cases.items()])
