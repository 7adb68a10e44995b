"""The bulk evaluation paths give the same decisions as the plain one.

Large stores are evaluated by several producer processes, each over a range of record ids,
reading a chunk of records at a time together with their cases' other records, while this
process writes with foreign-key checks paused and commits every so many records. None of that
may change a decision, however a case's records fall across chunks and producers.
"""

from __future__ import annotations

import csv
import dataclasses
import random

import pytest

import clearterm.services.evaluate as evaluate_mod
from clearterm.domain.policy import Policy
from clearterm.domain.rules import evaluate_records
from clearterm.services.evaluate import RULES_SKIP, _choose_order, _split_points, evaluate_store
from clearterm.ingest import ingest_file
from clearterm.storage import open_store
from clearterm.storage.records import load_case_records
from clearterm.devtools.synth import generate
from conftest import TODAY

RECORDS = 3000


@pytest.fixture(scope="module")
def synthetic_csv(tmp_path_factory):
    path = tmp_path_factory.mktemp("synth") / "synth.csv"
    generate(path, RECORDS, seed=7, dirty_pct=0.0)
    return path


@pytest.fixture(scope="module")
def scattered_csv(tmp_path_factory, synthetic_csv):
    """The same records with their record ids shuffled: a case's charges lie far apart in
    record-id order, so most cases span chunks, and many span the producers' ranges."""
    path = tmp_path_factory.mktemp("scattered") / "scattered.csv"
    with open(synthetic_csv, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    ids = [r["record_id"] for r in rows]
    random.Random(11).shuffle(ids)
    for r, rid in zip(rows, ids):
        r["record_id"] = rid
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    return path


@pytest.fixture(scope="module")
def unknown_persons_csv(tmp_path_factory, scattered_csv):
    """The scattered records with every third record's person id blank: such a charge counts for
    C1/C2 in every case under its case number, so those cases need all of the number's records."""
    path = tmp_path_factory.mktemp("unknown") / "unknown.csv"
    with open(scattered_csv, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    for i, r in enumerate(rows):
        if i % 3 == 0:
            r["person_id"] = ""
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    return path


def _store(tmp_path, name, csv_path):
    d = tmp_path / name
    d.mkdir(mode=0o700)
    store = open_store(d / "store.db")
    ingest_file(store, csv_path, today=TODAY)
    return store


def _outcome(store) -> tuple[list, list]:
    decisions = store.conn.execute(
        "SELECT d.record_id, d.category, d.reasons, d.steps, d.explanation, d.tranche, d.dkey"
        " FROM decision_current c JOIN decisions d ON d.id = c.decision_id ORDER BY d.record_id").fetchall()
    cases = store.conn.execute(
        "SELECT case_number, person_id, track, tranche, charges, flagged FROM cases"
        " ORDER BY case_number, person_id").fetchall()
    return decisions, cases


@pytest.mark.parametrize("order", ["record_id", "case_number"])
@pytest.mark.parametrize("data", ["synthetic_csv", "scattered_csv", "unknown_persons_csv"])
@pytest.mark.parametrize("chunk_records", [1, 7, 500])
def test_parallel_chunked_evaluation_equals_plain(tmp_path, request, data, chunk_records, order):
    csv_path = request.getfixturevalue(data)
    plain = _store(tmp_path, "plain", csv_path)
    bulk = _store(tmp_path, f"bulk{chunk_records}", csv_path)
    a = evaluate_store(plain, Policy(), TODAY, parallel=False, chunk_records=10**9)
    b = evaluate_store(bulk, Policy(), TODAY, parallel=True, chunk_records=chunk_records, order=order)
    assert a.records == b.records == RECORDS
    assert a.categories == b.categories
    # a case spanning chunks is written once, with every charge counted
    assert bulk.scalar("SELECT sum(charges) FROM cases") == RECORDS
    assert a.new_decisions == b.new_decisions == RECORDS
    assert _outcome(plain) == _outcome(bulk)
    # one decision per record, no record evaluated twice across producers or chunks
    assert bulk.scalar("SELECT count(*) FROM decisions") == RECORDS
    assert bulk.scalar("SELECT count(DISTINCT record_id) FROM decisions") == RECORDS
    # foreign keys were paused for the bulk writes only: they hold, and they are back on
    assert bulk.conn.execute("PRAGMA foreign_key_check").fetchall() == []
    assert bulk.scalar("PRAGMA foreign_keys") == 1
    # rerun: nothing new
    again = evaluate_store(bulk, Policy(), TODAY, parallel=True, chunk_records=chunk_records, order=order)
    assert again.new_decisions == 0 and again.records == RECORDS
    plain.close()
    bulk.close()


@pytest.mark.parametrize("order", ["record_id", "case_number"])
def test_split_points_cover_every_record_once(tmp_path, synthetic_csv, order):
    store = _store(tmp_path, "split", synthetic_csv)
    total = store.scalar("SELECT count(*) FROM records")
    cuts = _split_points(store.conn, total, 3, order)
    assert cuts[0] is None and cuts[-1] is None and len(cuts) == 4
    inner = cuts[1:-1]
    assert inner == sorted(inner) and len(set(inner)) == len(inner)
    counts = []
    for lo, hi in zip(cuts, cuts[1:]):
        sql = "SELECT count(*) FROM records WHERE 1"
        args = []
        if lo is not None:
            sql += f" AND {order} >= ?"
            args.append(lo)
        if hi is not None:
            sql += f" AND {order} < ?"
            args.append(hi)
        counts.append(store.scalar(sql, args))
    assert sum(counts) == total
    assert min(counts) > total // 6  # roughly even thirds
    store.close()


def test_the_read_order_follows_how_cases_lie_in_record_id_order(tmp_path, synthetic_csv, scattered_csv):
    """Charge-by-charge ids (a case's records side by side) read by record id; ids unrelated to
    the cases read by case number, which needs no second read of other chunks' records."""
    near = _store(tmp_path, "near", synthetic_csv)
    far = _store(tmp_path, "far", scattered_csv)
    assert _choose_order(near.conn, RECORDS) == "record_id"
    assert _choose_order(far.conn, RECORDS) == "case_number"
    assert evaluate_store(far, Policy(), TODAY).records == RECORDS
    with pytest.raises(ValueError, match="unknown order"):
        evaluate_store(near, Policy(), TODAY, order="person_id")
    near.close()
    far.close()


def test_a_failing_producer_stops_the_evaluation(tmp_path, synthetic_csv, monkeypatch):
    store = _store(tmp_path, "fail", synthetic_csv)

    def broken(rows, own, policy, as_of, eid, texts=None):
        raise ValueError("rules exploded")

    monkeypatch.setattr(evaluate_mod, "_evaluate_rows", broken)
    with pytest.raises(RuntimeError, match="evaluation failed: ValueError: rules exploded"):
        evaluate_store(store, Policy(), TODAY, parallel=True, chunk_records=100)
    assert store.scalar("PRAGMA foreign_keys") == 1
    assert not store.conn.in_transaction
    store.close()


def test_the_rules_never_read_the_columns_the_bulk_reader_skips(tmp_path, synthetic_csv):
    """The bulk reader selects NULL for names, addresses and a few other columns: same decisions."""
    store = _store(tmp_path, "skip", synthetic_csv)
    keys = store.conn.execute("SELECT DISTINCT case_number, coalesce(person_id, '') FROM records").fetchall()
    records = [r for cn, pid in keys for r in load_case_records(store.conn, cn, pid)]
    assert any(r.last_name for r in records) and any(r.address_line1 for r in records)
    blanked = [dataclasses.replace(r, **{f: None for f in RULES_SKIP}) for r in records]
    assert evaluate_records(records, Policy(), TODAY) == evaluate_records(blanked, Policy(), TODAY)
    store.close()


# Slow (subprocesses, kill trials, a real terminal or many workstation sessions): CI runs it, the
# everyday run (pytest -m "not slow") leaves it out.
pytestmark = pytest.mark.slow
