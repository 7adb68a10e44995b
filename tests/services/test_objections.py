"""Objections that stand up in court (issue 15): supporting facts for every ground, late
objections (recorded as late, listed apart by ``batch create``, refused by ``batch sign`` unless
allowed), service dates that change only with a reason, and the deadlines view."""

from __future__ import annotations

import json
import sqlite3
from datetime import date, timedelta

import pytest
from typer.testing import CliRunner

from clearterm.cli.main import app
from clearterm.documents import make_demo_keys
from clearterm.domain.deadlines import OBJECTION_DAYS, OBJECTION_GROUNDS
from clearterm.services import batches, review
from clearterm.storage.audit import verify_chain
from clearterm.storage.reviews import (
    case_entries, case_state, current_version, deadline_cursor, deadline_rows, late_objection_ids, served_before,
)
from test_batches import PETITION, ROWS, SECRETS, TODAY, build_store, cid, do, legacy_objection

runner = CliRunner()
SERVED_LATE = (TODAY - timedelta(days=OBJECTION_DAYS + 3)).isoformat()  # deadline 3 days before TODAY
SERVED_OK = (TODAY - timedelta(days=10)).isoformat()


@pytest.fixture
def ostore(tmp_path):
    s = build_store(tmp_path / "o.db")
    yield s
    s.close()


def counts(s) -> tuple[int, int, int]:
    return (s.scalar("SELECT count(*) FROM reviews"), s.scalar("SELECT count(*) FROM audit"),
            s.scalar("SELECT count(*) FROM late_objections"))


# -- supporting facts -----------------------------------------------------------------------------------
@pytest.mark.parametrize("ground", [g.key for g in OBJECTION_GROUNDS])
def test_every_ground_needs_its_supporting_facts(ostore, ground):
    before = counts(ostore)
    for note in (None, "", "   "):
        with pytest.raises(review.ReviewError, match=f"'{ground}' needs a note"):
            do(ostore, "05CR6", "object", ground=ground, note=note, served=SERVED_OK)
    assert counts(ostore) == before
    rec = do(ostore, "05CR6", "object", ground=ground, note="The Sheriff asked that the record be kept.",
             served=SERVED_OK)
    assert rec.after.status == "objected" and rec.entry.note.startswith("The Sheriff")


def test_batch_create_lists_objections_without_facts_apart(ostore):
    do(ostore, "14CR2", "object", person="P3", ground="law_enforcement", note="facts", served=SERVED_OK)
    legacy_objection(ostore, "05CR6", ground="criteria_not_met", served=SERVED_OK)  # an older entry
    info = batches.create_batch(ostore, track="petition", actor="rita")
    assert info.cases == 1 and info.skipped == ("05CR6/P6",) and info.late == ()
    detail = json.loads(ostore.scalar("SELECT detail FROM audit WHERE event = 'batch_created'"))
    assert detail["skipped_no_facts"] == 1 and detail["late_objections"] == 0


# -- late objections ------------------------------------------------------------------------------------
def test_objection_on_the_deadline_is_on_time_and_a_day_later_is_late(ostore):
    served = date(2026, 9, 1)
    deadline = served + timedelta(days=OBJECTION_DAYS)
    c = cid(ostore, "05CR6")
    kw = dict(ground="law_enforcement", note="facts", reviewer="rita", served=served)
    rec = review.object_case(ostore, c, expected_version=0, today=deadline, **kw)
    assert late_objection_ids(ostore.conn, c) == {}
    review.undo(ostore, c, reviewer="rita", expected_version=rec.entry.id)
    v = current_version(ostore.conn, c)
    before = counts(ostore)
    with pytest.raises(review.LateObjection) as ei:
        review.object_case(ostore, c, expected_version=v, today=deadline + timedelta(days=1), **kw)
    assert counts(ostore) == before  # refused: nothing written
    msg = str(ei.value)
    assert f"was {deadline.isoformat()}" in msg and "1 day(s) ago" in msg and "late" in msg
    assert ei.value.days_late == 1 and ei.value.deadline == deadline


def test_confirmed_late_objection_is_recorded_as_late_and_audited(ostore):
    c = cid(ostore, "05CR6")
    rec = do(ostore, "05CR6", "object", ground="other", note="pending investigation", served=SERVED_LATE,
             confirm_late=True)
    deadline = (date.fromisoformat(SERVED_LATE) + timedelta(days=OBJECTION_DAYS)).isoformat()
    assert late_objection_ids(ostore.conn, c) == {rec.entry.id: deadline}
    row = ostore.conn.execute("SELECT served, deadline, days_late, reviewer FROM late_objections").fetchone()
    assert row == (SERVED_LATE, deadline, 3, "rita")
    detail = json.loads(ostore.scalar("SELECT detail FROM audit WHERE review_id = ?", (rec.entry.id,)))
    assert detail["late"] is True and detail["deadline"] == deadline and detail["days_late"] == 3
    assert verify_chain(ostore.conn).ok
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        ostore.conn.execute("DELETE FROM late_objections")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        ostore.conn.execute("UPDATE late_objections SET days_late = 1")


def _late_petition_batch(s):
    do(s, "14CR2", "approve", person="P2", served=SERVED_OK)
    do(s, "14CR2", "object", person="P3", ground="law_enforcement", note="facts", served=SERVED_LATE,
       confirm_late=True)
    do(s, "05CR6", "object", ground="criteria_not_met", note="facts", served=SERVED_OK)
    return batches.create_batch(s, track="petition", actor="rita")


def test_batch_create_lists_late_objections_apart_and_sign_refuses_them(ostore, tmp_path):
    info = _late_petition_batch(ostore)
    assert info.cases == 3 and len(info.late) == 1 and info.late[0].startswith("14CR2/P3 (due ")
    assert "3 day(s) late" in info.late[0]
    assert json.loads(ostore.scalar("SELECT detail FROM audit WHERE event = 'batch_created'"))["late_objections"] == 1
    keys = tmp_path / "keys"
    _, p12, pw = make_demo_keys(keys, signer_name="Jane Q. Prosecutor")
    with pytest.raises(batches.LateObjections) as ei:
        batches.sign_batch(ostore, info.id, signer="boss", p12_path=p12, passphrase=pw, out_dir=tmp_path / "out",
                           workers=1)
    msg = str(ei.value)
    assert "14CR2/P3" in msg and "--allow-late" in msg and not any(x in msg for x in SECRETS)
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())
    assert batches.get_batch(ostore.conn, info.id).status == "open"
    res = batches.sign_batch(ostore, info.id, signer="boss", p12_path=p12, passphrase=pw,
                             out_dir=tmp_path / "out", workers=1, allow_late=True)
    assert res.batch.status == "signed"
    detail = json.loads(ostore.scalar("SELECT detail FROM audit WHERE event = 'batch_signed'"))
    assert detail["late_objections_allowed"] == 1


def test_an_undone_late_objection_leaves_no_late_case_in_a_rebuilt_batch(ostore):
    info = _late_petition_batch(ostore)
    c = cid(ostore, "14CR2", "P3")
    review.undo(ostore, c, reviewer="rita", expected_version=current_version(ostore.conn, c))
    do(ostore, "14CR2", "approve", person="P3")
    batches.rebuild_batch(ostore, info.id, actor="rita")
    assert batches.late_objections(ostore.conn, info.id) == []


# -- service dates ----------------------------------------------------------------------------------------
def test_changing_a_service_date_needs_a_reason_and_keeps_old_and_new(ostore):
    c = cid(ostore, "05CR6")
    first = (TODAY - timedelta(days=20)).isoformat()
    r1 = do(ostore, "05CR6", "serve", served=first)
    before = counts(ostore)
    with pytest.raises(review.ReviewError, match=f"has service date {first}: changing it to {SERVED_OK} needs a reason"):
        do(ostore, "05CR6", "serve", served=SERVED_OK)
    with pytest.raises(review.ReviewError, match="change it on its own first"):  # not slipped in with a decision
        do(ostore, "05CR6", "object", ground="other", note="facts", served=SERVED_OK)
    assert counts(ostore) == before
    r2 = do(ostore, "05CR6", "serve", served=SERVED_OK, note="the clerk's stamp reads ten days ago")
    assert r2.before.service_date == first and r2.after.service_date == SERVED_OK
    assert r2.entry.note == "the clerk's stamp reads ten days ago"
    detail = json.loads(ostore.scalar("SELECT detail FROM audit WHERE review_id = ?", (r2.entry.id,)))
    assert (detail["served_before"], detail["served"]) == (first, SERVED_OK)
    assert served_before(case_entries(ostore.conn, c)) == {r1.entry.id: None, r2.entry.id: first}
    # the same date again with a decision is fine
    rec = do(ostore, "05CR6", "object", ground="other", note="facts", served=SERVED_OK)
    assert rec.after.service_date == SERVED_OK and case_state(ostore.conn, c).status == "objected"


# -- the deadlines view ---------------------------------------------------------------------------------
def test_deadline_rows_overdue_first_then_days_left_then_unserved(tmp_path):
    rows = ROWS + [dict(record_id=f"G{i}", case_number=f"16CR{i}", person_id=f"G{i}", offense_date="2016-01-01",
                        last_name="X", **PETITION) for i in range(6)]
    s = build_store(tmp_path / "d.db", rows)
    served = {"16CR0": 70, "16CR1": 61, "16CR2": 50, "16CR3": 20, "14CR2/P3": 55}  # days before TODAY
    for label, days in served.items():
        number, _, person = label.partition("/")
        do(s, number, "serve", person=person or None, served=(TODAY - timedelta(days=days)).isoformat())
    do(s, "16CR4", "object", ground="other", note="facts", served=(TODAY - timedelta(days=65)).isoformat(),
       confirm_late=True)  # decided: not in the view
    labels = lambda rs: [f"{r.case_number}/{r.person_id}" for r in rs]  # noqa: E731
    every = deadline_rows(s.conn, which="all", as_of=TODAY)
    unserved = [f"{n}/{p}" for n, p in s.conn.execute(  # in queue order: tranche, then case id
        "SELECT case_number, person_id FROM cases WHERE case_number IN ('14CR2', '05CR6', '16CR5')"
        " AND person_id != 'P3' ORDER BY coalesce(tranche, 99), id")]
    assert labels(every) == ["16CR0/G0", "16CR1/G1", "14CR2/P3", "16CR2/G2", "16CR3/G3", *unserved]
    assert [r.days_left for r in every[:5]] == [-10, -1, 5, 10, 40]
    assert labels(deadline_rows(s.conn, which="overdue", as_of=TODAY)) == ["16CR0/G0", "16CR1/G1"]
    assert labels(deadline_rows(s.conn, which="soon", as_of=TODAY)) == ["14CR2/P3", "16CR2/G2"]
    assert labels(deadline_rows(s.conn, which="unserved", as_of=TODAY)) == unserved
    # keyset paging over both parts gives the same list
    paged, after = [], None
    while True:
        page = deadline_rows(s.conn, which="all", after=after, limit=3, as_of=TODAY)
        paged += page
        if len(page) < 3:
            break
        after = deadline_cursor(page[-1])
    assert labels(paged) == labels(every)
    with pytest.raises(ValueError):
        deadline_rows(s.conn, which="late")
    s.close()


# -- the command line -----------------------------------------------------------------------------------
@pytest.fixture
def cdb(tmp_path):
    s = build_store(tmp_path / "c.db")
    s.close()
    return str(tmp_path / "c.db")


def cli(db, *args, user="rita"):
    r = runner.invoke(app, ["--db", db, *args])
    text = " ".join(((r.stdout or "") + (r.stderr or "")).split())
    assert not any(x in text for x in SECRETS), text
    return r.exit_code, text


def test_cli_late_objection_needs_late_ok_in_a_pipe(cdb):
    late = "2026-01-05"  # due 2026-03-06: late whenever the test runs
    args = ["decide", "05CR6", "--object", "law_enforcement", "--served", late, "--reviewer", "rita"]
    code, text = cli(cdb, *args)
    assert code == 2 and "needs a note" in text
    code, text = cli(cdb, *args, "--note", "facts")
    assert code == 2 and "2026-03-06" in text and "--late-ok" in text, text
    code, text = cli(cdb, *args, "--note", "facts", "--late-ok")
    assert code == 0 and "recorded as a LATE objection" in text and "--allow-late" in text, text
    from clearterm.storage import open_store

    with open_store(cdb) as s:
        assert s.scalar("SELECT count(*) FROM late_objections") == 1 and s.scalar("SELECT count(*) FROM reviews") == 1


def test_cli_late_objection_asks_on_a_terminal(cdb, monkeypatch):
    from clearterm.cli import review as cli_review

    monkeypatch.setattr(cli_review, "_stdin_is_terminal", lambda: True)
    args = ["decide", "05CR6", "--object", "other", "--note", "facts", "--served", "2026-01-05", "--reviewer", "rita"]
    r = runner.invoke(app, ["--db", cdb, *args], input="n\n")
    assert r.exit_code == 2 and "LATE" in r.output, r.output
    r = runner.invoke(app, ["--db", cdb, *args], input="y\n")
    assert r.exit_code == 0 and "recorded objection (other)" in r.output, r.output


def test_cli_served_change_needs_a_note_and_says_old_and_new(cdb):
    d1, d2 = (date.today() - timedelta(days=20)).isoformat(), (date.today() - timedelta(days=10)).isoformat()
    assert cli(cdb, "decide", "05CR6", "--served", d1, "--reviewer", "rita")[0] == 0
    code, text = cli(cdb, "decide", "05CR6", "--served", d2, "--reviewer", "rita")
    assert code == 2 and "needs a reason (--note REASON)" in text, text
    code, text = cli(cdb, "decide", "05CR6", "--served", d2, "--note", "clerk's stamp", "--reviewer", "rita")
    assert code == 0 and f"service date changed from {d1} to {d2}" in text, text


def test_cli_queue_deadline(cdb, login):
    from clearterm.services import access
    from clearterm.storage import open_store

    with open_store(cdb) as s:
        access.add_user(s, login, ["reviewer"], actor="boss")
    assert cli(cdb, "decide", "05CR6", "--served", "2026-01-05", "--reviewer", "rita")[0] == 0
    code, text = cli(cdb, "queue", "--deadline", "overdue")
    assert code == 0 and "05CR6" in text and "14CR2" not in text and "Deadlines (overdue)" in text, text
    code, text = cli(cdb, "queue", "--deadline", "all")
    assert code == 0 and text.index("05CR6") < text.index("14CR2"), text  # overdue first, unserved last
    code, text = cli(cdb, "queue", "--deadline", "unserved")
    assert code == 0 and "14CR2" in text and "05CR6" not in text, text
    assert cli(cdb, "queue", "--deadline", "later")[0] == 2
    assert cli(cdb, "queue", "--deadline", "soon", "--track", "automatic")[0] == 2


def test_cli_batch_create_and_sign_with_late_objections(cdb, tmp_path):
    from clearterm.storage import open_store

    with open_store(cdb) as s:
        _late_petition_batch_objections_only(s)
    code, text = cli(cdb, "batch", "create", "--track", "petition", "--user", "rita")
    assert code == 0 and "1 objection(s) in the batch were recorded after their deadline" in text, text
    assert "14CR2/P3 (due" in text
    _, p12, pw = make_demo_keys(tmp_path / "keys", signer_name="Jane Q. Prosecutor")
    pwf = tmp_path / "pw"
    pwf.write_text(pw)
    sign = ["batch", "sign", "1", "--key", str(p12), "--passphrase-file", str(pwf), "--out", str(tmp_path / "out"),
            "--workers", "1", "--user", "boss"]
    code, text = cli(cdb, *sign)
    assert code == 2 and "after the deadline" in text and "--allow-late" in text, text
    code, text = cli(cdb, *sign, "--allow-late")
    assert code == 0 and "signed batch 1" in text, text


def _late_petition_batch_objections_only(s):
    do(s, "14CR2", "approve", person="P2", served=SERVED_OK)
    do(s, "14CR2", "object", person="P3", ground="law_enforcement", note="facts", served=SERVED_LATE,
       confirm_late=True)


def test_audit_verify_catches_a_late_objection_row_removed_or_forged(ostore):
    from clearterm.storage.audit import verify_state

    rec = do(ostore, "14CR2", "object", person="P3", ground="law_enforcement", note="facts", served=SERVED_LATE,
             confirm_late=True)
    on_time = do(ostore, "05CR6", "object", ground="other", note="facts", served=SERVED_OK)
    assert verify_state(ostore.conn).differences == []
    c = ostore.conn  # an attacker with the file: triggers dropped, the late mark moved to another case
    c.execute("DROP TRIGGER late_objections_no_delete")
    c.execute("DELETE FROM late_objections")
    c.execute("INSERT INTO late_objections VALUES (?, 0, '2026-01-01', '2026-03-02', 5, 'rita', 'x')",
              (on_time.entry.id,))
    c.commit()
    diffs = verify_state(ostore.conn).differences
    assert any(f"review {rec.entry.id}: its audit entry records a late objection" in d for d in diffs), diffs
    assert any(f"review {on_time.entry.id}: late_objections says late" in d for d in diffs), diffs
