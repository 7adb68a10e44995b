"""Bulk approval (issue 15): the plan, the chunked run, skips, audit naming, bulk undo."""

from __future__ import annotations

import json
import random

import pytest

from clearterm.services import bulk_review, review
from clearterm.storage.audit import verify_chain, verify_state
from clearterm.storage.bulk_reviews import bulk_mismatches, count_marked, marked_cases
from clearterm.storage.reviews import case_state, current_version, iter_queue
from test_reviews import AS_OF, AUTOMATIC, build_store, case_id, generated_rows

NOTED = [  # automatic-track cases with a note: the arrest date stands in for the offense date
    dict(record_id=f"N{i}", case_number=f"12CR{i:04d}", person_id=f"N{i}", arrest_date="2012-02-03", **AUTOMATIC)
    for i in range(3)
]
CLI_FILTER = {"source": "test"}


@pytest.fixture
def bstore(tmp_path):
    s = build_store(tmp_path / "bulk.db", generated_rows(12, 4) + NOTED)
    yield s
    s.close()


def _plan(store, **kw):
    kw.setdefault("match", {"track": "automatic"})
    return bulk_review.plan(store.conn, as_of=AS_OF, filter=CLI_FILTER, **kw)


def test_plan_splits_notes_and_counts(bstore):
    p = _plan(bstore)
    assert len(p.cases) == 15
    noted = [c for c in p.cases if c.notes]
    assert {c.case_number for c in noted} == {"12CR0000", "12CR0001", "12CR0002"}
    assert all(c.notes == ("DATE_FROM_ARREST",) for c in noted)
    s = p.summary(with_notes=False)
    assert (s.cases, s.charges, s.notes_left_out) == (12, 12, 3)
    assert sum(n for _, n in s.by_tranche) == 12
    s2 = p.summary(with_notes=True)
    assert s2.cases == 15 and dict(s2.by_code)["DATE_FROM_ARREST"] == 3
    assert len(p.sample(rng=random.Random(1))) == 5
    assert set(p.sample(rng=random.Random(1))) <= set(p.chosen())


def test_plan_names_what_it_leaves_alone(bstore):
    pet = case_id(bstore, "16CR0001")
    done = case_id(bstore, "11CR0003")
    review.approve(bstore, done, reviewer="bob", expected_version=0)
    p = _plan(bstore, match=None, case_ids=[pet, done, case_id(bstore, "11CR0004")])
    assert [c.case_number for c in p.cases] == ["11CR0004"]
    why = dict(p.left_alone)
    assert p.left_alone_count == 2
    assert "automatic-track" in why["16CR0001/GP1"] and "already approved" in why["11CR0003/GA3"]


@pytest.mark.parametrize("match", [
    {"track": "automatic"}, {"track": None}, {"status": "pending"}, {"track": "petition", "status": "pending"},
    {"tranche": 2}, {"search": "11CR0001"},
])
def test_marked_selection_is_the_queue_filter(bstore, match):
    from clearterm.storage.reviews import refresh_search_index

    refresh_search_index(bstore)
    full = {k: None for k in ("track", "tranche", "status", "deadline", "search")} | match
    queue = [r.case_id for r in iter_queue(bstore.conn, as_of=AS_OF, **{k: v for k, v in full.items()
                                                                          if k != "deadline"})]
    both = marked_cases(bstore.conn, match=full, as_of=AS_OF) + marked_cases(
        bstore.conn, match=full, as_of=AS_OF, eligible=False)
    assert sorted(c.case_id for c in both) == sorted(queue)
    assert count_marked(bstore.conn, match=full, as_of=AS_OF) == len(queue)


def test_bulk_approve_records_one_entry_per_case_naming_the_bulk(bstore):
    p = _plan(bstore)
    chosen = p.chosen()
    res = bulk_review.run(bulk_review.approve_steps(bstore, chosen, reviewer="alice", filter=p.filter,
                                                    chunk_seconds=0.0005))
    assert res.recorded == 12 and res.skipped == []
    rows = bstore.conn.execute("SELECT r.case_id, r.action, r.bulk_id, a.detail, a.event FROM reviews r"
                               " JOIN audit a ON a.review_id = r.id").fetchall()
    assert len(rows) == 12
    assert all(r[1] == "approve" and r[2] == res.bulk_id and json.loads(r[3])["bulk"] == res.bulk_id
               and r[4] == "review.approve" for r in rows)
    head = bstore.conn.execute("SELECT event, detail FROM audit WHERE seq = ?", (res.audit_seq,)).fetchone()
    assert head[0] == "review.bulk_approve"
    assert json.loads(head[1]) == {"bulk": res.bulk_id, "count": 12, "filter": CLI_FILTER}
    done = bstore.conn.execute("SELECT event, detail FROM audit WHERE seq = ?", (res.done_seq,)).fetchone()
    assert done[0] == "review.bulk_approve_done" and json.loads(done[1])["recorded"] == 12
    for c in chosen:
        assert case_state(bstore.conn, c.case_id).status == "approved"
    for c in p.cases:
        if c.notes:
            assert case_state(bstore.conn, c.case_id).status == "pending"  # left out: notes
    assert verify_chain(bstore.conn).ok
    assert verify_state(bstore.conn).ok
    assert bulk_mismatches(bstore.conn) == []


def test_bulk_skips_cases_whose_version_moved(bstore):
    p = _plan(bstore)
    chosen = p.chosen()
    moved, gone = chosen[2], chosen[5]
    review.defer(bstore, moved.case_id, reviewer="bob", expected_version=0)
    review.approve(bstore, gone.case_id, reviewer="bob", expected_version=0)
    res = bulk_review.run(bulk_review.approve_steps(bstore, chosen, reviewer="alice", filter=p.filter))
    assert res.recorded == 10
    skipped = dict(res.skipped)
    assert set(skipped) == {moved.label, gone.label}
    assert "changed since version 0: now deferred by bob" in skipped[moved.label]
    assert case_state(bstore.conn, moved.case_id).status == "deferred"
    assert case_state(bstore.conn, moved.case_id).latest.reviewer == "bob"


def test_bulk_undo_compensates_each_case_and_skips_those_acted_on(bstore):
    p = _plan(bstore)
    res = bulk_review.run(bulk_review.approve_steps(bstore, p.chosen(), reviewer="alice", filter=p.filter))
    assert bulk_review.last_bulk(bstore.conn, "alice") == (res.bulk_id, 12)
    touched = p.chosen()[0]
    review.exclude(bstore, touched.case_id, reason="duplicate", reviewer="bob",
                   expected_version=current_version(bstore.conn, touched.case_id))
    with pytest.raises(review.ReviewError, match="only its author"):
        bulk_review.run(bulk_review.undo_steps(bstore, res.bulk_id, reviewer="bob"))
    u = bulk_review.run(bulk_review.undo_steps(bstore, res.bulk_id, reviewer="alice"))
    assert u.recorded == 11 and [lbl for lbl, _ in u.skipped] == [touched.label]
    assert case_state(bstore.conn, touched.case_id).status == "excluded"
    for c in p.chosen()[1:]:
        assert case_state(bstore.conn, c.case_id).status == "pending"
    undos = bstore.conn.execute("SELECT count(*) FROM reviews WHERE action = 'undo' AND bulk_id = ?",
                                (u.bulk_id,)).fetchone()[0]
    assert undos == 11
    ev = bstore.conn.execute("SELECT detail FROM audit WHERE event = 'review.bulk_undo'").fetchone()
    assert json.loads(ev[0]) == {"bulk": u.bulk_id, "undoes": res.bulk_id, "count": 12}
    with pytest.raises(review.ReviewError, match="already undone"):
        bulk_review.run(bulk_review.undo_steps(bstore, res.bulk_id, reviewer="alice"))
    assert bulk_review.last_bulk(bstore.conn, "alice") is None
    assert verify_chain(bstore.conn).ok and verify_state(bstore.conn).ok


def test_bulk_approve_refuses_an_empty_selection(bstore):
    with pytest.raises(review.ReviewError, match="no pending automatic-track case"):
        bulk_review.run(bulk_review.approve_steps(bstore, (), reviewer="alice", filter={}))
    assert bstore.scalar("SELECT count(*) FROM bulk_actions") == 0


def test_bulk_actions_are_append_only(bstore):
    p = _plan(bstore)
    res = bulk_review.run(bulk_review.approve_steps(bstore, p.chosen()[:2], reviewer="alice", filter=p.filter))
    import sqlite3

    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        with bstore.write() as conn:
            conn.execute("UPDATE bulk_actions SET requested = 1 WHERE id = ?", (res.bulk_id,))
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        with bstore.write() as conn:
            conn.execute("DELETE FROM bulk_actions")


def test_petition_track_uses_the_notes_free_plan_too(bstore):
    """A petition-only filter gives nothing to approve and names the petitions left alone."""
    p = _plan(bstore, match={"track": "petition"})
    assert p.cases == () and p.left_alone_count == 4
    assert all("automatic-track" in why for _, why in p.left_alone)


def test_pending_petition_case_id_is_left_alone(bstore):
    pet = case_id(bstore, "16CR0000")
    p = _plan(bstore, match=None, case_ids=[pet])
    assert p.cases == () and p.left_alone[0][0] == "16CR0000/GP0"


def test_audit_verify_catches_a_bulk_id_changed_by_hand(bstore):
    p = _plan(bstore)
    res = bulk_review.run(bulk_review.approve_steps(bstore, p.chosen()[:2], reviewer="alice", filter=p.filter))
    rid = bstore.scalar("SELECT min(id) FROM reviews WHERE bulk_id = ?", (res.bulk_id,))
    with bstore.write() as conn:
        conn.execute("DROP TRIGGER reviews_no_update")
        conn.execute("UPDATE reviews SET bulk_id = NULL WHERE id = ?", (rid,))
    result = verify_state(bstore.conn)
    assert f"review entry {rid}: its bulk action is not the one its audit entry names" in result.differences


def test_a_case_in_a_signed_batch_is_skipped_and_the_rest_recorded(bstore):
    """Frozen cases are left out before the writes (the store's trigger would refuse them)."""
    p = _plan(bstore)
    chosen = p.chosen()
    frozen = chosen[3]
    with bstore.write() as conn:  # a signed batch holding the case (as batch sign leaves it)
        conn.execute("INSERT INTO batches (id, label, track, created_at, created_by) VALUES (1, 'B1', 'automatic',"
                     " 'x', 'sam')")
        conn.execute("INSERT INTO batch_cases VALUES (1, 1, ?, ?, ?, 'approved', 0)",
                     (frozen.case_id, frozen.case_number, frozen.person_id))
        conn.execute("UPDATE batches SET status = 'signed', signed_at = 'x', signed_by = 'sam', manifest_sha256 = 'h',"
                     " anchor_seq = 1, anchor_hash = 'h', signed_audit_seq = 2")
    res = bulk_review.run(bulk_review.approve_steps(bstore, chosen, reviewer="alice", filter=p.filter))
    assert res.recorded == 11 and res.skipped == [(frozen.label, "in a signed court batch (frozen)")]
    assert case_state(bstore.conn, frozen.case_id).status == "pending"
    assert verify_chain(bstore.conn).ok


def test_steps_hold_the_lock_briefly_and_each_commits(bstore):
    """Many small steps (each its own transaction): progress after each; the same result."""
    p = _plan(bstore)
    steps = bulk_review.approve_steps(bstore, p.chosen(), reviewer="alice", filter=p.filter, chunk_seconds=1e-6)
    seen = []
    res = bulk_review.run(steps, progress=seen.append)
    assert res.recorded == 12 and len(seen) > 2 and seen[-1].done == 12
    assert [s.done for s in seen] == sorted(s.done for s in seen)
    assert verify_chain(bstore.conn).ok and verify_state(bstore.conn).ok
