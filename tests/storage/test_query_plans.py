"""The review queue, its counts and batch selection are served by indexes, never a scan of cases.

Every statement these functions run is captured (with its values) and its query plan read:
none may scan the ``cases`` table. This is what lets migration 0006 drop ``cases_queue``
(every evaluation paid for it on each case row, and no query used it).
"""

from __future__ import annotations

import re

import pytest

from clearterm.services import batches
from clearterm.domain.policy import Policy
from clearterm.services.evaluate import evaluate_store
from clearterm.ingest import ingest_file
from clearterm.storage import open_store
from clearterm.storage import reviews
from clearterm.devtools.synth import generate
from conftest import TODAY


@pytest.fixture(scope="module")
def evaluated(tmp_path_factory):
    d = tmp_path_factory.mktemp("plans")
    d.chmod(0o700)
    csv_path = d / "synth.csv"
    generate(csv_path, 600, seed=5, dirty_pct=0.0)
    store = open_store(d / "store.db")
    ingest_file(store, csv_path, today=TODAY)
    evaluate_store(store, Policy(), TODAY)
    yield store
    store.close()


def _plans(store, run) -> list[tuple[str, list[str]]]:
    """Run ``run()`` and return (statement, plan lines) for each SELECT it made that reads cases."""
    seen: list[str] = []
    store.conn.set_trace_callback(seen.append)
    try:
        run()
    finally:
        store.conn.set_trace_callback(None)
    out = []
    for sql in seen:
        if sql.lstrip().upper().startswith("SELECT") and re.search(r"\bcases\b", sql):
            plan = [row[3] for row in store.conn.execute("EXPLAIN QUERY PLAN " + sql)]
            out.append((sql, plan))
    return out


CALLS = {
    "queue": lambda c: reviews.queue_window(c, as_of=TODAY),
    "queue by track": lambda c: reviews.queue_window(c, track="petition", as_of=TODAY),
    "queue by track and tranche": lambda c: reviews.queue_window(c, track="automatic", tranche=2, as_of=TODAY),
    "queue by tranche": lambda c: reviews.queue_window(c, tranche=1, as_of=TODAY),
    "queue next page": lambda c: reviews.queue_window(c, after=(2, 10), track="review", as_of=TODAY),
    "queue previous page": lambda c: reviews.queue_window(c, before=(3, 400), as_of=TODAY),
    "queue counts": lambda c: reviews.queue_counts(c),
    "deadlines, all": lambda c: reviews.deadline_rows(c, which="all", as_of=TODAY),
    "deadlines, unserved, next page": lambda c: reviews.deadline_rows(c, which="unserved", after=(1, "02", 5),
                                                                     as_of=TODAY),
    "deadlines, overdue, next page": lambda c: reviews.deadline_rows(c, which="overdue", after=(0, "2026-01-01", 5),
                                                                    as_of=TODAY),
    "batch candidates": lambda c: batches._waiting_cases(c, "petition", None),
    "batch candidates by tranche": lambda c: batches._waiting_cases(c, "automatic", 2),
}


@pytest.mark.parametrize("name", list(CALLS))
def test_queue_and_batch_queries_never_scan_cases(evaluated, name):
    plans = _plans(evaluated, lambda: CALLS[name](evaluated.conn))
    assert plans, f"{name}: no statement on cases was captured"
    for sql, plan in plans:
        scans = [line for line in plan if re.match(r"SCAN c\b(?! USING)", line)]
        assert not scans, f"{name}: {sql!r} scans cases: {plan}"


def test_the_unused_queue_index_is_gone(evaluated):
    names = {r[0] for r in evaluated.conn.execute("SELECT name FROM sqlite_master WHERE tbl_name = 'cases'")}
    assert "cases_queue" not in names
    assert {"cases_key", "cases_person", "cases_queue_order", "cases_queue_track_order"} <= names


@pytest.mark.parametrize("which", reviews.DEADLINE_VIEWS)
def test_the_deadlines_view_pages_in_index_order(evaluated, which):
    """Served petitions walk case_status_served in deadline order, unserved ones the petition queue
    index: no sort of every petition for each page."""
    plans = _plans(evaluated, lambda: reviews.deadline_rows(evaluated.conn, which=which, as_of=TODAY))
    assert plans
    for sql, plan in plans:
        assert not any("TEMP B-TREE" in line for line in plan), (sql, plan)
        assert any("case_status_served" in line or "cases_queue_track_order" in line for line in plan), plan
