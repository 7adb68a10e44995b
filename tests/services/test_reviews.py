"""Review actions on cases (issue 4): the Python API, the ``decide`` command, the queue, resume, export."""

from __future__ import annotations

import csv
import json
import os
import sqlite3
import stat
from datetime import date, timedelta

import pytest
from typer.testing import CliRunner

from clearterm.services import review
from clearterm.cli.main import app
from clearterm.domain.policy import Policy
from clearterm.domain.record import CANONICAL_FIELDS
from clearterm.domain.deadlines import OBJECTION_DAYS, OBJECTION_GROUNDS, objection_deadline
from clearterm.services.evaluate import evaluate_store
from clearterm.ingest import ingest_file
from clearterm.storage import open_store
from clearterm.storage.audit import verify_chain
from clearterm.storage.reviews import (
    ConflictError,
    case_state,
    current_version,
    derived_status_rows,
    find_cases,
    iter_queue,
    last_undoable,
    mark_viewed,
    queue_page,
    rebuild_case_status,
    refresh_search_index,
    reviewer_state,
    search_index_stale,
)
from conftest import TODAY, add_users

runner = CliRunner()
AS_OF = date(2026, 11, 21)
GROUNDS = [g.key for g in OBJECTION_GROUNDS]
SECRET_NAMES = ("Quillfeather", "Zorabeth", "Marchbanks")  # must never appear in any message

AUTOMATIC = dict(statute="720 ILCS 550/4(c)", disposition="Plea Of Guilty", offense_class="A", county="Cook")
PETITION = dict(statute="720 ILCS 550/4(d)", disposition="Finding Guilty", offense_class="4", county="Cook")
INELIGIBLE = dict(statute="720 ILCS 5/16A-3(a)", disposition="Plea Of Guilty", offense_class="A", county="Cook")

ROWS = [
    # automatic, tranche 2
    dict(record_id="A1", case_number="10CR1", person_id="P1", offense_date="2010-05-01",
         last_name="Quillfeather", first_name="Ann", **AUTOMATIC),
    # automatic, tranche 1
    dict(record_id="A2", case_number="15CR5", person_id="P5", offense_date="2015-05-01",
         last_name="Zorabeth", first_name="Lee", **AUTOMATIC),
    # automatic, tranche 3
    dict(record_id="A3", case_number="98CR8", person_id="P8", offense_date="1998-05-01", **AUTOMATIC),
    # petition, tranche 1; co-defendants share the case number
    dict(record_id="B1", case_number="14CR2", person_id="P2", offense_date="2014-01-01",
         last_name="Marchbanks", first_name="Sam", **PETITION),
    dict(record_id="B2", case_number="14CR2", person_id="P3", offense_date="2014-01-01",
         last_name="Quillfeather", first_name="Bo", **PETITION),
    # petition, tranche 2
    dict(record_id="B3", case_number="05CR6", person_id="P6", offense_date="2005-01-01", **PETITION),
    # not cannabis: no track, not in the queue
    dict(record_id="D1", case_number="15CR4", person_id="P4", offense_date="2015-03-03", **INELIGIBLE),
]


def write_csv(path, rows):
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=CANONICAL_FIELDS)
        w.writeheader()
        for r in rows:
            w.writerow(r)


def generated_rows(n_auto: int, n_pet: int) -> list[dict]:
    rows = []
    for i in range(n_auto):
        rows.append(dict(record_id=f"GA{i}", case_number=f"11CR{i:04d}", person_id=f"GA{i}",
                         offense_date="2011-02-03", **AUTOMATIC))
    for i in range(n_pet):
        rows.append(dict(record_id=f"GP{i}", case_number=f"16CR{i:04d}", person_id=f"GP{i}",
                         offense_date="2016-02-03", **PETITION))
    return rows


def build_store(path, rows=ROWS, *, synchronous="NORMAL"):
    """A store at ``path`` with ``rows`` ingested and evaluated (returned open)."""
    src = path.parent / (path.stem + "-rows.csv")
    write_csv(src, rows)
    store = open_store(path, synchronous=synchronous)
    ingest_file(store, src, today=TODAY)
    evaluate_store(store, Policy(), AS_OF)
    return store


@pytest.fixture
def rstore(tmp_path):
    s = build_store(tmp_path / "review.db")
    yield s
    s.close()


def case_id(store, number, person=None):
    found = find_cases(store.conn, number, person)
    assert len(found) == 1
    return found[0].id


def do(store, number, action, person=None, who="alice", **kw):
    cid = case_id(store, number, person)
    return review.act(store, cid, action, reviewer=who, expected_version=current_version(store.conn, cid),
                      today=TODAY, **kw)


def counts(store):
    return (store.scalar("SELECT count(*) FROM reviews"), store.scalar("SELECT count(*) FROM audit"))


# -- the Python API --------------------------------------------------------------------------------------
def test_fixture_tracks(rstore):
    tracks = {(c, p): (t, tr) for c, p, t, tr in rstore.conn.execute(
        "SELECT case_number, person_id, track, tranche FROM cases")}
    assert tracks == {("10CR1", "P1"): ("automatic", 2), ("15CR5", "P5"): ("automatic", 1),
                      ("98CR8", "P8"): ("automatic", 3), ("14CR2", "P2"): ("petition", 1),
                      ("14CR2", "P3"): ("petition", 1), ("05CR6", "P6"): ("petition", 2),
                      ("15CR4", "P4"): (None, None)}


def test_approve_automatic_writes_review_audit_status_and_resume(rstore):
    cid = case_id(rstore, "10CR1")
    assert case_state(rstore.conn, cid).status == "pending"
    rec = review.approve(rstore, cid, reviewer="alice", expected_version=0)
    assert rec.entry.action == "approve" and rec.entry.status == "approved" and rec.entry.reviewer == "alice"
    assert rec.entry.track == "automatic" and rec.entry.expected_version == 0
    assert rec.after.status == "approved" and rec.after.version == rec.entry.id
    assert counts(rstore) == (1, 1)
    a = rstore.conn.execute("SELECT seq, event, case_id, review_id, actor FROM audit").fetchone()
    assert a == (1, "review.approve", cid, rec.entry.id, "alice")
    s = rstore.conn.execute("SELECT status, version, decision_id, reviewer FROM case_status WHERE case_id = ?",
                            (cid,)).fetchone()
    assert s == ("approved", rec.entry.id, rec.entry.id, "alice")
    rs = reviewer_state(rstore.conn, "alice")
    assert rs.last_case_id == cid and rs.last_review_id == rec.entry.id and rs.resume_case_id == cid
    assert verify_chain(rstore.conn).ok


@pytest.mark.parametrize("ground", GROUNDS)
def test_object_with_each_ground(rstore, ground):
    note = "officer affidavit on file"
    rec = do(rstore, "05CR6", "object", ground=ground, note=note, served="2026-10-01")
    assert rec.entry.ground == ground and rec.entry.note == note and rec.after.status == "objected"
    assert rec.after.service_date == "2026-10-01"
    assert review.deadline_of(rec.after) == objection_deadline(date(2026, 10, 1)) == date(2026, 11, 30)
    assert json.loads(rstore.scalar("SELECT detail FROM audit WHERE seq = 1"))["ground"] == ground


def test_object_checks(rstore):
    pet = case_id(rstore, "05CR6")
    with pytest.raises(review.ReviewError, match="needs a note"):
        review.object_case(rstore, pet, ground="other", reviewer="alice", expected_version=0, served="2026-10-01")
    for ground in GROUNDS:  # every ground needs its supporting facts (a blank note is none)
        for note in (None, "", "  \n "):
            with pytest.raises(review.ReviewError, match=f"ground '{ground}' needs a note"):
                review.object_case(rstore, pet, ground=ground, reviewer="alice", expected_version=0,
                                   served="2026-10-01", note=note, today=TODAY)
    facts = dict(note="facts", today=TODAY)
    with pytest.raises(review.ReviewError, match="unknown objection ground"):
        review.object_case(rstore, pet, ground="because", reviewer="alice", expected_version=0, served="2026-10-01",
                           **facts)
    with pytest.raises(review.ReviewError, match="no service date"):
        review.object_case(rstore, pet, ground="law_enforcement", reviewer="alice", expected_version=0, **facts)
    with pytest.raises(review.ReviewError, match="after today"):
        review.object_case(rstore, pet, ground="law_enforcement", reviewer="alice", expected_version=0,
                           served=TODAY + timedelta(days=1), **facts)
    with pytest.raises(review.ReviewError, match="before the CRTA"):
        review.object_case(rstore, pet, ground="law_enforcement", reviewer="alice", expected_version=0,
                           served="2019-12-31", **facts)
    with pytest.raises(review.ReviewError, match="not a recognised date"):
        review.object_case(rstore, pet, ground="law_enforcement", reviewer="alice", expected_version=0,
                           served="soon", **facts)
    auto = case_id(rstore, "10CR1")
    with pytest.raises(review.ReviewError, match="automatic track: objections apply to petitions only"):
        review.object_case(rstore, auto, ground="law_enforcement", reviewer="alice", expected_version=0,
                           served="2026-10-01", **facts)
    with pytest.raises(review.ReviewError, match="service dates apply to petitions only"):
        review.approve(rstore, auto, reviewer="alice", expected_version=0, served="2026-10-01")
    with pytest.raises(review.ReviewError, match="ground goes only with an objection"):
        review.act(rstore, auto, "approve", reviewer="alice", expected_version=0, ground="other")
    assert counts(rstore) == (0, 0)
    # a service date recorded first is enough for a later objection
    rec = review.record_service(rstore, pet, served="2026-10-01", reviewer="alice", expected_version=0)
    assert rec.entry.action == "serve" and rec.after.status == "pending" and rec.after.service_date == "2026-10-01"
    rec = review.object_case(rstore, pet, ground="age_and_time", reviewer="alice", expected_version=rec.entry.id,
                             note="facts", today=TODAY)
    assert rec.after.status == "objected" and rec.after.service_date == "2026-10-01"


def test_exclude_requires_reason_and_defer(rstore):
    cid = case_id(rstore, "15CR5")
    for reason in ("", "   ", None):
        with pytest.raises(review.ReviewError, match="needs a reason"):
            review.act(rstore, cid, "exclude", reviewer="alice", expected_version=0, note=reason)
    rec = review.exclude(rstore, cid, reason="duplicate of a sealed case", reviewer="alice", expected_version=0)
    assert rec.after.status == "excluded" and rec.entry.note == "duplicate of a sealed case"
    rec = review.defer(rstore, cid, reviewer="bob", expected_version=rec.entry.id, note="ask the clerk")
    assert rec.after.status == "deferred" and rec.after.reviewer == "bob"
    with pytest.raises(review.ReviewError, match="already deferred"):
        review.defer(rstore, cid, reviewer="bob", expected_version=rec.entry.id, note="ask the clerk")


def test_undo_compensates_and_restores(rstore):
    cid = case_id(rstore, "14CR2", "P2")
    r1 = review.defer(rstore, cid, reviewer="alice", expected_version=0)
    r2 = review.object_case(rstore, cid, ground="violent_association", reviewer="alice",
                            expected_version=r1.entry.id, served="2026-10-05", note="facts", today=TODAY)
    assert r2.after.status == "objected" and r2.after.service_date == "2026-10-05"
    # another reviewer may not undo alice's action
    with pytest.raises(review.ReviewError, match="only its author may undo it"):
        review.undo(rstore, cid, reviewer="bob", expected_version=r2.entry.id)
    u1 = review.undo(rstore, cid, reviewer="alice", expected_version=r2.entry.id)
    assert u1.entry.action == "undo" and u1.entry.undoes == r2.entry.id and u1.entry.status == "deferred"
    assert u1.after.status == "deferred" and u1.after.service_date is None  # the undone entry recorded it
    u2 = review.undo(rstore, cid, reviewer="alice", expected_version=u1.entry.id)
    assert u2.entry.undoes == r1.entry.id and u2.after.status == "pending" and u2.after.decision is None
    with pytest.raises(review.ReviewError, match="no review action to undo"):
        review.undo(rstore, cid, reviewer="alice", expected_version=u2.entry.id)
    # nothing was deleted: four entries, four audit entries
    assert counts(rstore) == (4, 4)
    assert [a for (a,) in rstore.conn.execute("SELECT action FROM reviews ORDER BY id")] == [
        "defer", "object", "undo", "undo"]
    assert rstore.scalar("SELECT status FROM case_status WHERE case_id = ?", (cid,)) == "pending"
    assert verify_chain(rstore.conn).ok


def test_undo_of_own_action_after_colleague_is_refused(rstore):
    cid = case_id(rstore, "10CR1")
    r1 = review.approve(rstore, cid, reviewer="alice", expected_version=0)
    r2 = review.defer(rstore, cid, reviewer="bob", expected_version=r1.entry.id)
    assert last_undoable(rstore.conn, "alice") is None
    assert last_undoable(rstore.conn, "bob").id == r2.entry.id
    with pytest.raises(review.ReviewError, match="bob's, not alice's"):
        review.undo(rstore, cid, reviewer="alice", expected_version=r2.entry.id)


def test_review_track_none_is_refused(rstore):
    cid = case_id(rstore, "15CR4")
    with pytest.raises(review.ReviewError, match="not on a relief track"):
        review.approve(rstore, cid, reviewer="alice", expected_version=0)
    with pytest.raises(review.CaseNotFound):
        review.approve(rstore, 10_000, reviewer="alice", expected_version=0)
    assert counts(rstore) == (0, 0)


def test_conflict_carries_state_and_writes_nothing(rstore):
    cid = case_id(rstore, "10CR1")
    r1 = review.approve(rstore, cid, reviewer="alice", expected_version=0)
    before = counts(rstore)
    with pytest.raises(ConflictError) as ei:
        review.defer(rstore, cid, reviewer="bob", expected_version=0)
    st = ei.value.state
    assert (st.status, st.reviewer, st.version) == ("approved", "alice", r1.entry.id)
    assert st.updated_at == r1.entry.created_at
    assert counts(rstore) == before
    assert reviewer_state(rstore.conn, "bob").last_case_id is None


def test_reviewer_names_are_checked(rstore, monkeypatch):
    cid = case_id(rstore, "10CR1")
    for bad in ("", "  ", "a\x00b", "x" * 65):
        with pytest.raises(review.ReviewError):
            review.approve(rstore, cid, reviewer=bad, expected_version=0)
    monkeypatch.setenv("USER", "carol")
    monkeypatch.setenv("LOGNAME", "carol")
    assert review.default_reviewer() == "carol"
    assert review.default_reviewer(" dave ") == "dave"


def test_resolve_case(rstore):
    assert review.resolve_case(rstore.conn, "10CR1").person_id == "P1"
    assert review.resolve_case(rstore.conn, "14CR2/P3").person_id == "P3"
    with pytest.raises(review.AmbiguousCase) as ei:
        review.resolve_case(rstore.conn, "14CR2")
    assert ei.value.person_ids == ["P2", "P3"]
    with pytest.raises(review.CaseNotFound):
        review.resolve_case(rstore.conn, "99CR9")
    with pytest.raises(review.CaseNotFound):
        review.resolve_case(rstore.conn, "14CR2/P9")


def test_resume_prefers_the_later_of_viewed_and_acted(rstore):
    a, b = case_id(rstore, "10CR1"), case_id(rstore, "98CR8")
    review.approve(rstore, a, reviewer="alice", expected_version=0)
    with rstore.write() as conn:
        mark_viewed(conn, "alice", b, at="2999-01-01T00:00:00+00:00")
    st = reviewer_state(rstore.conn, "alice")
    assert st.last_case_id == a and st.viewed_case_id == b and st.resume_case_id == b
    assert reviewer_state(rstore.conn, "nobody").resume_case_id is None


# -- derived state ---------------------------------------------------------------------------------------
def test_rebuild_case_status_matches_maintained_table(tmp_path):
    store = build_store(tmp_path / "many.db", generated_rows(15, 15))
    with store:
        ids = [i for (i,) in store.conn.execute("SELECT id FROM cases WHERE track IS NOT NULL ORDER BY id")]
        plan = ["approve", "defer", "undo", "exclude", "serve", "object", "undo", "approve"]
        for n, cid in enumerate(ids):
            track = store.scalar("SELECT track FROM cases WHERE id = ?", (cid,))
            for step in plan[: 1 + n % len(plan)]:
                kw = {}
                if step in ("object", "serve") and track != "petition":
                    continue
                if step == "object":
                    kw = dict(ground=GROUNDS[n % 5], note="facts", served=f"2026-10-{1 + n % 28:02d}")
                elif step == "serve":
                    kw = dict(served=f"2026-10-{1 + n % 28:02d}")
                elif step == "exclude":
                    kw = dict(note="reason")
                try:
                    review.act(store, cid, step, reviewer=f"r{n % 3}", expected_version=current_version(store.conn, cid),
                               today=TODAY, **kw)
                except review.ReviewError:
                    pass  # e.g. approving an approved case
        review.undo(store, ids[0], reviewer="r0", expected_version=current_version(store.conn, ids[0]))
        maintained = list(store.conn.execute("SELECT * FROM case_status ORDER BY case_id"))
        assert len(maintained) == len(ids)
        assert maintained == derived_status_rows(store.conn)
        assert {s for (s,) in store.conn.execute("SELECT status FROM case_status")} >= {
            "approved", "deferred", "excluded", "objected", "pending"}
        with store.write() as conn:
            conn.execute("UPDATE case_status SET status = 'approved', version = 0")  # corrupt the cache
            assert rebuild_case_status(conn) == len(ids)
        assert list(store.conn.execute("SELECT * FROM case_status ORDER BY case_id")) == maintained
        assert verify_chain(store.conn).ok


# -- the queue -------------------------------------------------------------------------------------------
def test_queue_keyset_paging_and_filters(tmp_path):
    rows = ROWS + generated_rows(23, 17)
    store = build_store(tmp_path / "queue.db", rows)
    with store:
        flagged = {i for (i,) in store.conn.execute("SELECT id FROM cases WHERE track IS NOT NULL")}
        for limit in (1, 3, 7, 100):
            seen, after = [], None
            while True:
                page = queue_page(store.conn, after=after, limit=limit, as_of=AS_OF)
                seen += page
                if len(page) < limit:
                    break
                after = page[-1].cursor
            assert [r.case_id for r in seen] == sorted((r.case_id for r in seen),
                                                       key=lambda i: (_tsort(store, i), i))
            assert len(seen) == len(set(r.case_id for r in seen)) == len(flagged)
            assert {r.case_id for r in seen} == flagged
        # after_id looks the keyset position up
        first = queue_page(store.conn, limit=5, as_of=AS_OF)
        nxt = queue_page(store.conn, after_id=first[-1].case_id, limit=5, as_of=AS_OF)
        assert nxt == queue_page(store.conn, after=first[-1].cursor, limit=5, as_of=AS_OF)
        # tranche 1 first, tranche 3 last
        tranches = [r.tranche for r in iter_queue(store.conn, page_size=4, as_of=AS_OF)]
        assert tranches == sorted(tranches, key=lambda t: 99 if t is None else t) and tranches[0] == 1
        # filters, each with paging
        pet = list(iter_queue(store.conn, page_size=4, track="petition", as_of=AS_OF))
        assert len(pet) == 3 + 17 and {r.track for r in pet} == {"petition"}
        t2 = list(iter_queue(store.conn, page_size=4, tranche=2, as_of=AS_OF))
        assert {r.case_number for r in t2} >= {"10CR1", "05CR6"} and {r.tranche for r in t2} == {2}
        # statuses
        auto_id, pet_id = case_id(store, "10CR1"), case_id(store, "05CR6")
        review.approve(store, auto_id, reviewer="alice", expected_version=0)
        review.record_service(store, pet_id, served="2026-09-01", reviewer="alice", expected_version=0)
        assert [r.case_id for r in iter_queue(store.conn, status="approved", as_of=AS_OF)] == [auto_id]
        pending = list(iter_queue(store.conn, page_size=6, status="pending", as_of=AS_OF))
        assert len(pending) == len(flagged) - 1 and pet_id in {r.case_id for r in pending}
        row = next(r for r in pending if r.case_id == pet_id)
        assert row.service_date == "2026-09-01" and row.deadline == "2026-10-31"
        assert row.days_left == (date(2026, 10, 31) - AS_OF).days < 0
        # overdue: deadline passed, no decision yet; not before the deadline; not once decided
        assert [r.case_id for r in queue_page(store.conn, overdue_only=True, as_of=AS_OF)] == [pet_id]
        assert queue_page(store.conn, overdue_only=True, as_of=date(2026, 10, 31)) == []
        review.approve(store, pet_id, reviewer="alice", expected_version=current_version(store.conn, pet_id))
        assert queue_page(store.conn, overdue_only=True, as_of=AS_OF) == []
        # ineligible cases are never queued
        assert case_id(store, "15CR4") not in {r.case_id for r in iter_queue(store.conn, as_of=AS_OF)}


def test_queue_plans_agree(tmp_path, monkeypatch):
    """Rare statuses walk case_status; common ones walk the cases index: same pages either way."""
    from clearterm.storage import reviews

    store = build_store(tmp_path / "plans.db", ROWS + generated_rows(20, 20))
    with store:
        ids = [i for (i,) in store.conn.execute("SELECT id FROM cases WHERE track IS NOT NULL ORDER BY id")]
        for n, cid in enumerate(ids):
            track = store.scalar("SELECT track FROM cases WHERE id = ?", (cid,))
            action = ["approve", "defer", "exclude", None][n % 4]
            if action:
                review.act(store, cid, action, reviewer="alice", expected_version=0,
                           note="r" if action == "exclude" else None)
            if track == "petition" and n % 3 == 0:
                review.record_service(store, cid, served=f"2026-{1 + n % 11:02d}-10", reviewer="alice",
                                      expected_version=current_version(store.conn, cid))
        filters = [dict(status=st) for st in ("approved", "deferred", "excluded", "objected")]
        filters += [dict(overdue_only=True), dict(status="approved", tranche=1), dict(status="deferred",
                                                                                     track="petition")]
        for f in filters:
            for size in (1, 2, 5):
                monkeypatch.setattr(reviews, "_FEW", 10**9)
                few = [r.case_id for r in iter_queue(store.conn, page_size=size, as_of=AS_OF, **f)]
                monkeypatch.setattr(reviews, "_FEW", -1)
                scan = [r.case_id for r in iter_queue(store.conn, page_size=size, as_of=AS_OF, **f)]
                assert few == scan, f
                if f.get("status") in ("approved", "deferred", "excluded"):
                    assert few
        assert [r.case_id for r in iter_queue(store.conn, overdue_only=True, as_of=AS_OF)]


def _tsort(store, cid):
    t = store.scalar("SELECT tranche FROM cases WHERE id = ?", (cid,))
    return 99 if t is None else t


def test_search_index(rstore):
    assert search_index_stale(rstore.conn)
    assert refresh_search_index(rstore) == 7
    assert not search_index_stale(rstore.conn)
    names = {r.case_number + "/" + r.person_id for r in queue_page(rstore.conn, search="quillf", as_of=AS_OF)}
    assert names == {"10CR1/P1", "14CR2/P3"}
    assert [r.person_id for r in queue_page(rstore.conn, search="14CR2", as_of=AS_OF)] == ["P2", "P3"]
    assert [r.person_id for r in queue_page(rstore.conn, search="14cr2 marchb", as_of=AS_OF)] == ["P2"]
    assert [r.person_id for r in queue_page(rstore.conn, search="P5", as_of=AS_OF)] == ["P5"]
    assert queue_page(rstore.conn, search="nobody-here", as_of=AS_OF) == []
    assert queue_page(rstore.conn, search='"*)(', as_of=AS_OF) == []  # hostile input is not FTS syntax
    assert [r.person_id for r in queue_page(rstore.conn, search="quillfeather", track="petition",
                                            as_of=AS_OF)] == ["P3"]
    # contentless: the index does not hold a copy of the names
    assert rstore.conn.execute("SELECT name FROM cases_fts WHERE rowid = 1").fetchone() in ((None,), None)
    # a new evaluation makes it stale; a refresh picks up changes
    evaluate_store(rstore, Policy(), AS_OF + timedelta(days=1))
    assert search_index_stale(rstore.conn)
    refresh_search_index(rstore)
    assert len(queue_page(rstore.conn, search="quillfeather", as_of=AS_OF)) == 2


# -- the command line ------------------------------------------------------------------------------------
def cli(db, *args):
    r = runner.invoke(app, ["--db", str(db), *args])
    text = (r.stdout or "") + (r.stderr or "")
    for name in SECRET_NAMES:
        assert name.lower() not in text.lower(), f"personal data in output of {args}"
    return r.exit_code, " ".join(text.split())


@pytest.fixture
def cstore(tmp_path, login):
    db = tmp_path / "cli.db"
    build_store(db).close()
    add_users(db, {login: ["reviewer"], "alice": ["reviewer"], "bob": ["reviewer"]})
    return db


def review_audit_entries(s) -> int:
    """Audit entries written by review actions (the fixture's user set-up writes some too)."""
    return s.scalar("SELECT count(*) FROM audit WHERE event LIKE 'review.%'")


def test_cli_every_action(cstore):
    code, text = cli(cstore, "decide", "10CR1", "--approve", "--reviewer", "alice")
    assert code == 0, text
    assert text.startswith("recorded approval on case 10CR1/P1 (automatic) by alice: status approved, version 1")
    code, text = cli(cstore, "decide", "15CR5", "--exclude", "sealed already", "--reviewer", "alice")
    assert code == 0 and "status excluded" in text, text
    code, text = cli(cstore, "decide", "98CR8", "--defer", "--note", "check dates", "--reviewer", "bob")
    assert code == 0 and "deferral" in text and "status deferred" in text and "by bob" in text, text
    code, text = cli(cstore, "decide", "05CR6", "--served", "2026-11-01", "--reviewer", "alice")
    assert code == 0 and "service date 2026-11-01" in text and "objection due 2026-12-31" in text, text
    code, text = cli(cstore, "decide", "05CR6", "--object", "law_enforcement", "--note", "facts", "--reviewer", "alice")
    assert code == 0 and "objection (law_enforcement)" in text and "status objected" in text, text
    code, text = cli(cstore, "decide", "05CR6", "--undo", "--reviewer", "alice")
    assert code == 0 and "undo of entry 5" in text and "status pending" in text, text
    code, text = cli(cstore, "decide", "14CR2/P2", "--approve", "--reviewer", "alice")
    assert code == 0 and "no objection" not in text and "status approved" in text, text
    with open_store(cstore) as s:
        assert [r for r in s.conn.execute("SELECT action, reviewer FROM reviews ORDER BY id")] == [
            ("approve", "alice"), ("exclude", "alice"), ("defer", "bob"), ("serve", "alice"), ("object", "alice"),
            ("undo", "alice"), ("approve", "alice")]
        assert s.scalar("SELECT note FROM reviews WHERE action = 'exclude'") == "sealed already"
        assert verify_chain(s.conn).ok and review_audit_entries(s) == 7


@pytest.mark.parametrize("ground", GROUNDS)
def test_cli_object_each_ground(cstore, ground):
    args = ["decide", "14CR2/P3", "--object", ground, "--served", "2026-01-05", "--reviewer", "alice"]
    code, text = cli(cstore, *args)  # every ground needs its supporting facts
    assert code == 2 and "needs a note" in text, text
    args += ["--note", "retained for a pending investigation"]
    code, text = cli(cstore, *args)  # due 2026-03-06: late, and refused in a pipe without --late-ok
    assert code == 2 and "was 2026-03-06" in text and "late" in text and "--late-ok" in text, text
    with open_store(cstore) as s:
        assert s.scalar("SELECT count(*) FROM reviews") == 0
    code, text = cli(cstore, *args, "--late-ok")
    assert code == 0, text
    assert f"objection ({ground})" in text and "objection due 2026-03-06" in text
    assert "recorded as a LATE objection" in text


def test_cli_errors_and_exit_codes(cstore):
    cases = [
        (["decide", "14CR2", "--approve"], 2, "give CASE_NUMBER/PERSON_ID, one of 14CR2/P2, 14CR2/P3"),
        (["decide", "99CR9", "--approve"], 2, "no case 99CR9"),
        (["decide", "10CR1"], 2, "give one of"),
        (["decide", "10CR1", "--approve", "--defer"], 2, "got --approve, --defer"),
        (["decide", "10CR1", "--object", "law_enforcement", "--note", "x", "--served", "2026-10-01"], 2,
         "objections apply to petitions only"),
        (["decide", "10CR1", "--exclude", "  "], 2, "needs a reason"),
        (["decide", "10CR1", "--exclude", "x", "--note", "y"], 2, "--note is not used"),
        (["decide", "05CR6", "--object", "nope", "--served", "2026-10-01"], 2, "--object must be one of criteria_not_met"),
        (["decide", "05CR6", "--object", "law_enforcement", "--note", "x"], 2, "no service date"),
        (["decide", "05CR6", "--object", "law_enforcement"], 2, "needs a note"),
        (["decide", "05CR6", "--served", "2099-01-01"], 2, "after today"),
        (["decide", "10CR1", "--undo"], 2, "no review action to undo"),
        (["decide", "15CR4", "--approve"], 2, "not on a relief track"),
        (["decide", "10CR1", "--approve", "--reviewer", ""], 2, "name is empty"),
    ]
    for args, code, needle in cases:
        got, text = cli(cstore, *args)
        assert got == code and needle in text, (args, got, text)
        assert text.startswith("error:"), text
    with open_store(cstore) as s:
        assert s.scalar("SELECT count(*) FROM reviews") == 0 and review_audit_entries(s) == 0


def test_cli_conflict_exit_3(cstore):
    assert cli(cstore, "decide", "10CR1", "--approve", "--reviewer", "alice")[0] == 0
    code, text = cli(cstore, "decide", "10CR1", "--defer", "--reviewer", "bob", "--expect-version", "0")
    assert code == 3, text
    assert "conflict" in text and "now approved by alice at" in text and "(version 1)" in text
    assert "nothing recorded" in text
    code, text = cli(cstore, "decide", "10CR1", "--defer", "--reviewer", "bob", "--expect-version", "1")
    assert code == 0, text
    with open_store(cstore) as s:
        assert s.scalar("SELECT count(*) FROM reviews") == 2


def test_cli_reviewer_defaults_to_login(cstore, monkeypatch):
    add_users(cstore, {"erin": ["reviewer"]})
    monkeypatch.setenv("USER", "erin")
    monkeypatch.setenv("LOGNAME", "erin")
    code, text = cli(cstore, "decide", "10CR1", "--approve")
    assert code == 0 and "by erin" in text, text


def test_cli_export_reviews(cstore, tmp_path):
    assert cli(cstore, "decide", "10CR1", "--approve", "--reviewer", "alice")[0] == 0
    assert cli(cstore, "decide", "05CR6", "--object", "other", "--note", "facts", "--served", "2026-10-01",
               "--reviewer", "bob", "--late-ok")[0] == 0
    assert cli(cstore, "decide", "98CR8", "--defer", "--reviewer", "bob")[0] == 0
    assert cli(cstore, "decide", "98CR8", "--undo", "--reviewer", "bob")[0] == 0
    out = tmp_path / "reviews.csv"
    code, text = cli(cstore, "export", "reviews", "--out", str(out))
    assert code == 0 and "wrote 3 case reviews" in text, text
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o600
    rows = {(r["case_number"], r["person_id"]): r for r in csv.DictReader(open(out, encoding="utf-8"))}
    assert list(next(iter(rows.values()))) == ["case_number", "person_id", "track", "status", "ground", "note",
                                              "served", "deadline", "reviewer", "decided_at", "version",
                                              "decided_track"]
    a = rows[("10CR1", "P1")]
    assert (a["track"], a["status"], a["reviewer"], a["version"], a["ground"]) == (
        "automatic", "approved", "alice", "1", "")
    o = rows[("05CR6", "P6")]
    assert (o["status"], o["ground"], o["note"], o["served"], o["deadline"], o["reviewer"]) == (
        "objected", "other", "facts", "2026-10-01", "2026-11-30", "bob")
    u = rows[("98CR8", "P8")]
    assert (u["status"], u["reviewer"], u["version"]) == ("pending", "", "4")
    jl = tmp_path / "reviews.jsonl"
    code, text = cli(cstore, "export", "reviews", "--out", str(jl), "--format", "jsonl", "--all")
    assert code == 0 and "wrote 6 case reviews" in text, text  # every case on a track
    recs = [json.loads(line) for line in open(jl, encoding="utf-8")]
    assert {(r["case_number"], r["status"]) for r in recs} >= {("14CR2", "pending"), ("05CR6", "objected")}
    assert cli(cstore, "export", "reviews", "--out", str(jl), "--format", "xml")[0] == 2
    with open_store(cstore) as s:  # exports are audited
        assert [e for (e,) in s.conn.execute("SELECT event FROM audit WHERE event LIKE 'export.%'")] == [
            "export.reviews", "export.reviews"]
        assert verify_chain(s.conn).ok


def test_cli_queue(cstore):
    code, text = cli(cstore, "queue", "--track", "petition")
    assert code == 0 and "14CR2" in text and "05CR6" in text and "10CR1" not in text, text
    code, text = cli(cstore, "queue", "--search", "quillfeather")
    assert code == 0 and "10CR1" in text and "14CR2" in text and "05CR6" not in text, text
    code, text = cli(cstore, "queue", "--limit", "2")
    assert code == 0 and "more: --after" in text, text
    assert cli(cstore, "queue", "--status", "done")[0] == 2


def test_objection_days_constant():
    assert OBJECTION_DAYS == 60


def test_append_only_reviews(rstore):
    review.approve(rstore, case_id(rstore, "10CR1"), reviewer="alice", expected_version=0)
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        rstore.conn.execute("UPDATE reviews SET status = 'excluded'")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        rstore.conn.execute("DELETE FROM reviews")
    assert rstore.scalar("SELECT status FROM reviews") == "approved"
