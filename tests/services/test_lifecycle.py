"""The rules of filing and rulings, the rulings import (CSV and JSON Lines, resume, idempotence)
and the lifecycle states kept by batch create, rebuild, drop and sign (issue 16).

Signing is stood in for by :func:`fake_sign` (the store's own signed state and audit entry,
without PDFs); tests/services/test_lifecycle_e2e.py signs for real.
"""

from __future__ import annotations

import json
from datetime import date

import pytest

from clearterm.services import batches, lifecycle, rulings
from clearterm.storage import audit
from clearterm.storage import batches as sb
from clearterm.storage import lifecycle as sl
from clearterm.storage.audit import verify_chain
from test_batches import build_store, cid, do

SIGNED_AT = "2027-01-04T10:00:00+00:00"
D = {n: f"2027-01-{n:02d}" for n in range(1, 32)}


def fake_sign(store, batch_id: int, at: str = SIGNED_AT) -> None:
    """The batch recorded as signed (audit entry, frozen state, lifecycle), as sign_batch ends."""
    with store.write() as conn:
        seq, h = audit.head(conn)
        sign_seq, _ = audit.append(conn, at=at, actor="boss", event="batch_signed",
                                   detail={"batch": batch_id, "fake": True})
        row = dict(batch_id=batch_id, signed_at=at, signed_by="boss", signer_name="Jane Q. Prosecutor",
                   documents=1, pages=1, manifest_sha256="0" * 64, anchor_seq=seq, anchor_hash=h,
                   signed_audit_seq=sign_seq)
        sb.mark_signed(conn, row)
        sl.refresh_batch_lifecycle(conn, batch_id, at=at)


@pytest.fixture
def store(tmp_path):
    from test_batches import ADDRESS, ROWS

    # 11CR9 as test_batches has it lacks what its papers need (it would need research): give it that
    rows = [dict(r, date_of_birth="1990-06-07", **ADDRESS) if r["case_number"] == "11CR9" else r for r in ROWS]
    s = build_store(tmp_path / "l.db", rows)
    for n in ("10CR1", "15CR5", "98CR8", "11CR9"):
        do(s, n, "approve")
    yield s
    s.close()


@pytest.fixture
def filed(store):
    b = batches.create_batch(store, track="automatic", actor="rita")
    fake_sign(store, b.id)
    lifecycle.file_batch(store, b.id, court_date=D[20], actor="rita", today=date(2027, 1, 5))
    return b


def state(store, number: str) -> str | None:
    row = sl.lifecycle_row(store.conn, cid(store, number))
    return row[0] if row else None


def req(ruling: str, on: str, nxt: str | None = None, **kw) -> lifecycle.RulingRequest:
    return lifecycle.make_request(ruling, on, nxt, **kw)


# -- states kept by the batch commands -----------------------------------------------------------------
def test_batch_create_rebuild_drop_and_sign_keep_the_states(store):
    b = batches.create_batch(store, track="automatic", actor="rita")
    assert {state(store, n) for n in ("10CR1", "15CR5", "98CR8", "11CR9")} == {"batched"}
    do(store, "11CR9", "undo")  # no longer approved: rebuild takes it out
    batches.rebuild_batch(store, b.id, actor="rita")
    assert state(store, "11CR9") is None and state(store, "10CR1") == "batched"
    batches.drop_batch(store, b.id, actor="rita")
    assert sl.lifecycle_counts(store.conn) == {}
    b2 = batches.create_batch(store, track="automatic", actor="rita")
    fake_sign(store, b2.id)
    assert sl.lifecycle_counts(store.conn) == {"signed": 3}


# -- filing --------------------------------------------------------------------------------------------
def test_filing_rules_and_continuances(store):
    b = batches.create_batch(store, track="automatic", actor="rita")
    with pytest.raises(lifecycle.LifecycleError, match="is not signed"):
        lifecycle.file_batch(store, b.id, court_date=D[20], actor="rita", today=date(2027, 1, 5))
    fake_sign(store, b.id)
    with pytest.raises(lifecycle.LifecycleError, match="signed on 2027-01-04, after --today"):
        lifecycle.file_batch(store, b.id, court_date=D[20], actor="rita", today=date(2027, 1, 3))
    with pytest.raises(lifecycle.LifecycleError, match="before the filing date"):
        lifecycle.file_batch(store, b.id, court_date=D[4], actor="rita", today=date(2027, 1, 5))
    with pytest.raises(lifecycle.LifecycleDenied):
        lifecycle.file_batch(store, b.id, court_date=D[20], actor="nobody", today=date(2027, 1, 5))
    with pytest.raises(lifecycle.RulingProblem, match="court date is not a recognised date"):
        lifecycle.file_batch(store, b.id, court_date="soon", actor="rita", today=date(2027, 1, 5))
    r = lifecycle.file_batch(store, b.id, court_date=D[20], courtroom="101", call="9:30", actor="rita",
                             today=date(2027, 1, 5))
    assert (r.kind, r.filed_date, r.court_date) == ("filed", D[5], D[20])
    assert state(store, "10CR1") == "filed" and sl.lifecycle_row(store.conn, cid(store, "10CR1"))[2] == D[20]
    with pytest.raises(lifecycle.LifecycleError, match="must be after it"):
        lifecycle.file_batch(store, b.id, court_date=D[20], actor="rita", today=date(2027, 1, 6))
    r2 = lifecycle.file_batch(store, b.label, court_date=D[27], actor="rita", today=date(2027, 1, 21))
    assert (r2.kind, r2.previous_court_date) == ("court_date", D[20])
    assert sl.lifecycle_row(store.conn, cid(store, "10CR1"))[2] == D[27]
    events = [json.loads(d) for e, d in store.conn.execute(
        "SELECT event, detail FROM audit WHERE event LIKE 'batch_%' AND event IN ('batch_filed',"
        " 'batch_court_date') ORDER BY seq")]
    assert [e["court_date"] for e in events] == [D[20], D[27]] and events[0]["courtroom"] == "101"
    assert verify_chain(store.conn).ok


# -- rulings by hand -----------------------------------------------------------------------------------
def test_ruling_rules(store, filed):
    today = date(2027, 1, 25)
    c = cid(store, "10CR1")
    rec = lambda r, who="rita", day=today: lifecycle.record_ruling(store, c, r, actor=who, today=day)  # noqa: E731
    with pytest.raises(lifecycle.RulingProblem, match="after today"):
        rec(req("granted", D[26]))
    with pytest.raises(lifecycle.RulingProblem, match="before the filing date"):
        rec(req("granted", D[4]))
    with pytest.raises(lifecycle.RulingProblem, match="required for a continued"):
        rec(req("continued", D[20]))
    with pytest.raises(lifecycle.RulingProblem, match="not after the ruling date"):
        rec(req("continued", D[20], D[20]))
    with pytest.raises(lifecycle.RulingProblem, match="only for continued"):
        rec(req("denied", D[20], D[27]))
    with pytest.raises(lifecycle.RulingProblem, match="not one of"):
        req("vacated", D[20])
    with pytest.raises(lifecycle.LifecycleDenied):
        rec(req("granted", D[20]), who="nobody")
    r = rec(req("continued", D[20], D[24]))
    assert (r.recorded, r.state, r.court_date) == (True, "continued", D[24])
    assert rec(req("continued", D[20], D[24])).recorded is False  # the same again: nothing written
    with pytest.raises(lifecycle.RulingProblem, match="second, different"):
        rec(req("granted", D[20]))
    r = rec(req("granted", D[24], judge="Hon. A. Judge", order_number="ORD-7"))
    assert (r.state, state(store, "10CR1")) == ("granted", "granted")
    with pytest.raises(lifecycle.RulingProblem, match="after the final ruling granted"):
        rec(req("continued", D[25], D[31]))
    with pytest.raises(lifecycle.RulingProblem, match="after the final ruling granted"):
        rec(req("denied", D[22]))  # a second final ruling, even dated earlier
    entries = store.conn.execute("SELECT case_id, detail FROM audit WHERE event = 'ruling_recorded'").fetchall()
    assert [(e[0], json.loads(e[1])["ruling"]) for e in entries] == [(c, "continued"), (c, "granted")]
    assert "Judge" not in " ".join(e[1] for e in entries)  # free text stays in the ruling row
    assert verify_chain(store.conn).ok


def test_a_ruling_on_a_case_not_filed_is_refused(store):
    b = batches.create_batch(store, track="automatic", actor="rita")
    fake_sign(store, b.id)
    with pytest.raises(lifecycle.RulingProblem, match="not filed"):
        lifecycle.record_ruling(store, cid(store, "10CR1"), req("granted", D[5]), actor="rita",
                                today=date(2027, 1, 6))
    with pytest.raises(lifecycle.RulingProblem, match="in no batch"):
        lifecycle.record_ruling(store, cid(store, "14CR2", "P2"), req("granted", D[5]),
                                actor="rita", today=date(2027, 1, 6))
    assert store.scalar("SELECT count(*) FROM rulings") == 0


# -- rulings files -------------------------------------------------------------------------------------
def test_jsonl_import_with_bad_rows(store, filed, tmp_path):
    path = tmp_path / "r.jsonl"
    rows = [
        {"case_number": "10CR1", "ruling": "granted", "ruling_date": D[20], "order_number": 17},
        {"case_number": "15CR5", "person_id": "P5", "ruling": "Denied", "ruling_date": "1/20/2027"},
        {"case_number": "98CR8", "ruling": "continued", "ruling_date": D[20], "next_court_date": D[27],
         "batch": filed.label},
        {"case_number": "11CR9", "ruling": "granted", "ruling_date": D[20], "batch": "B-1999-0001"},
        {"case_number": "11CR9", "ruling": "granted", "ruling_date": D[20], "color": "red"},
        {"case_number": "11CR9", "ruling": ["granted"], "ruling_date": D[20]},
        {"case_number": "14CR2", "ruling": "granted", "ruling_date": D[20]},
    ]
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\nnot json\n\n", encoding="utf-8")
    res = rulings.import_rulings(store, path, actor="rita", today=date(2027, 1, 25))
    assert (res.rows_read, res.applied, res.unchanged, res.quarantined) == (8, 3, 0, 5)
    assert res.lines == 9 and res.balanced and res.blank_lines == 1
    q = {line: field for line, field in store.conn.execute(
        "SELECT line, field FROM quarantine WHERE source_id = ?", (res.source_id,))}
    assert q == {4: "batch", 5: None, 6: "ruling", 7: "person_id", 8: None}
    assert [state(store, n) for n in ("10CR1", "15CR5", "98CR8", "11CR9")] == [
        "granted", "denied", "continued", "filed"]
    assert store.conn.execute("SELECT order_number FROM rulings WHERE source_line = 1").fetchone() == ("17",)
    again = rulings.import_rulings(store, path, actor="rita", today=date(2027, 1, 25))
    assert again.already and store.scalar("SELECT count(*) FROM rulings") == 3
    kind = store.conn.execute("SELECT kind, lines_read, lines_stored, lines_quarantined FROM sources"
                              " WHERE id = ?", (res.source_id,)).fetchone()
    assert kind == ("rulings", 9, 3, 5)


def test_csv_header_is_checked_before_anything_is_stored(store, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("case_number,ruling,ruling_dat\n10CR1,granted,2027-01-20\n", encoding="utf-8")
    with pytest.raises(rulings.InputError, match="unknown column"):
        rulings.open_rulings(path)
    path.write_text("case_number,ruling\n10CR1,granted\n", encoding="utf-8")
    with pytest.raises(rulings.InputError, match="missing column.*ruling_date"):
        rulings.open_rulings(path)
    assert store.scalar("SELECT count(*) FROM sources WHERE kind = 'rulings'") == 0


def test_an_interrupted_import_resumes_where_it_stopped(store, filed, tmp_path, monkeypatch):
    path = tmp_path / "r.csv"
    lines = ["case_number,person_id,ruling,ruling_date,next_court_date"]
    lines += [f"{n},,continued,{D[20 + i]},{D[28]}" for i, n in enumerate(("10CR1", "15CR5", "98CR8", "11CR9"))]
    lines += ["99CR9,,granted,2027-01-20,"]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    real = sl.refresh_lifecycle
    calls = []

    def crash_on_second(*a, **kw):
        calls.append(1)
        if len(calls) == 2:  # killed inside the second chunk's transaction (its rulings are written)
            raise KeyboardInterrupt
        return real(*a, **kw)

    monkeypatch.setattr(sl, "refresh_lifecycle", crash_on_second)
    with pytest.raises(KeyboardInterrupt):
        rulings.import_rulings(store, path, actor="rita", today=date(2027, 1, 25), chunk_rows=2)
    assert store.scalar("SELECT count(*) FROM rulings") == 2  # the second chunk rolled back whole
    assert store.conn.execute("SELECT status, lines_done FROM sources WHERE kind = 'rulings'").fetchone() == (
        "running", 3)
    monkeypatch.setattr(sl, "refresh_lifecycle", real)
    res = rulings.import_rulings(store, path, actor="rita", today=date(2027, 1, 25), chunk_rows=2)
    assert res.resumed and (res.rows_read, res.applied, res.quarantined, res.lines) == (5, 4, 1, 6)
    assert res.balanced and store.scalar("SELECT count(*) FROM rulings") == 4
    assert sl.lifecycle_counts(store.conn) == {"continued": 4}
    assert verify_chain(store.conn).ok


def test_a_file_loaded_as_records_is_not_a_rulings_file(store, tmp_path):
    from test_batches import ROWS

    src = tmp_path / "l.csv"  # build_store ingested this very file as records
    assert src.exists()
    with pytest.raises(rulings.InputError):
        rulings.import_rulings(store, src, actor="rita", today=date(2027, 1, 25))
    assert len(ROWS) == store.scalar("SELECT count(*) FROM records")


# -- the docket watch ----------------------------------------------------------------------------------
def test_docket_lines_and_days(store, filed):
    c = cid(store, "10CR1")
    lifecycle.record_ruling(store, c, req("granted", D[20]), actor="rita", today=date(2027, 1, 20))
    kinds = lambda today, days=14: [(f.kind, f.case) for f in lifecycle.docket(  # noqa: E731
        store.conn, today=today, days=days)]
    assert kinds(date(2027, 1, 20)) == []  # the court date is today: not passed yet
    assert kinds(date(2027, 1, 21)) == [("court_date_passed", "11CR9/P9"), ("court_date_passed", "15CR5/P5"),
                                        ("court_date_passed", "98CR8/P8")]
    assert ("granted_no_letter", "10CR1/P1") in kinds(date(2027, 2, 3))
    assert ("granted_no_letter", "10CR1/P1") not in kinds(date(2027, 2, 2))
    assert ("granted_no_letter", "10CR1/P1") in kinds(date(2027, 1, 21), days=1)
    with store.write() as conn:  # a letter recorded (as `clearterm letters mailed` does)
        conn.execute("INSERT INTO case_notices (case_id, batch_id, kind, sent_date, actor, created_at)"
                     " VALUES (?, ?, 'letter_granted', ?, 'rita', ?)", (c, filed.id, D[25], SIGNED_AT))
        sl.refresh_lifecycle(conn, [c], at=SIGNED_AT)
    assert ("granted_no_letter", "10CR1/P1") not in kinds(date(2027, 2, 3))
    assert state(store, "10CR1") == "notified"
    with pytest.raises(lifecycle.LifecycleError):
        lifecycle.docket(store.conn, today=date(2027, 1, 21), days=-1)


def test_docket_petitions_and_unfiled_batches(store):
    do(store, "14CR2", "serve", person="P2", served="2026-10-01")  # due 2026-11-30
    kinds = lambda today: [(f.kind, f.case or f.batch) for f in lifecycle.docket(store.conn, today=today)]  # noqa
    assert kinds(date(2026, 11, 16)) == []  # 14 days left: not yet
    assert kinds(date(2026, 11, 17)) == [("petition_due", "14CR2/P2")]
    line = lifecycle.docket(store.conn, today=date(2026, 12, 2))[0].line
    assert "objection due 2026-11-30 (passed 2 day(s) ago)" in line
    do(store, "14CR2", "approve", person="P2")
    assert kinds(date(2026, 12, 2)) == []
    b = batches.create_batch(store, track="automatic", actor="rita")
    fake_sign(store, b.id)
    assert kinds(date(2027, 1, 17)) == []
    assert kinds(date(2027, 1, 18)) == [("signed_not_filed", b.label)]


def test_docket_continued_without_a_next_date(store, filed):
    """A continued case with no next date (a state another writer left: the rules refuse it here)
    is a follow-up until the batch gets a later court date."""
    c = cid(store, "98CR8")
    with store.write() as conn:
        conn.execute("INSERT INTO rulings (case_id, batch_id, ruling, ruling_date, actor, created_at)"
                     " VALUES (?, ?, 'continued', ?, 'clerk', ?)", (c, filed.id, D[20], SIGNED_AT))
        sl.refresh_lifecycle(conn, [c], at=SIGNED_AT)
    assert sl.lifecycle_row(store.conn, c)[:3] == ("continued", filed.id, None)
    (item,) = [f for f in lifecycle.docket(store.conn, today=date(2027, 1, 21)) if f.case == "98CR8/P8"]
    assert item.kind == "continued_no_date" and f"batch file {filed.label}" in item.todo
    lifecycle.file_batch(store, filed.id, court_date=D[28], actor="rita", today=date(2027, 1, 21))
    assert sl.lifecycle_row(store.conn, c)[2] == D[28]
    assert [f for f in lifecycle.docket(store.conn, today=date(2027, 1, 21)) if f.case == "98CR8/P8"] == []
    assert lifecycle.docket_counts(store.conn, today=date(2027, 1, 29)) == {"court_date_passed": 4}


# -- rulings in date order (audit of issue 16, finding 1) ------------------------------------------------
def test_a_ruling_dated_before_a_recorded_continuance_is_refused(store, filed):
    """A final ruling dated before a continuance already recorded would leave the case continued for
    good: it is refused, naming the ruling recorded, and the case can still be ruled on."""
    c = cid(store, "10CR1")
    lifecycle.record_ruling(store, c, req("continued", D[20], "2027-02-01"), actor="rita", today=date(2027, 1, 20))
    for ruling in ("granted", "denied", "stricken"):
        with pytest.raises(lifecycle.RulingProblem,
                           match=r"before the latest ruling recorded for the case \(continued of 2027-01-20\)") as exc:
            lifecycle.record_ruling(store, c, req(ruling, D[10]), actor="rita", today=date(2027, 3, 5))
        assert exc.value.field == "ruling_date" and "10CR1/P1" in str(exc.value)
    with pytest.raises(lifecycle.RulingProblem, match="before the latest ruling"):
        lifecycle.record_ruling(store, c, req("continued", D[12], D[19]), actor="rita", today=date(2027, 3, 5))
    assert [r[1:3] for r in sl.case_rulings(store.conn, c)] == [("continued", D[20])]
    assert state(store, "10CR1") == "continued"
    r = lifecycle.record_ruling(store, c, req("granted", "2027-02-01"), actor="rita", today=date(2027, 3, 5))
    assert (r.recorded, r.state) == (True, "granted")
    assert [f.kind for f in lifecycle.docket(store.conn, today=date(2027, 3, 5)) if f.case == "10CR1/P1"] == [
        "granted_no_letter"]  # no longer "court date passed with no ruling"


def test_rulings_import_quarantines_a_ruling_dated_before_the_latest(store, filed, tmp_path):
    """The same rule in a file: against the rulings stored and the rows before it in the file."""
    c = cid(store, "10CR1")
    lifecycle.record_ruling(store, c, req("continued", D[20], "2027-02-01"), actor="rita", today=date(2027, 1, 20))
    path = tmp_path / "late.csv"
    path.write_text("case_number,ruling,ruling_date,next_court_date\n"
                    "10CR1,granted,2027-01-10,\n"            # 2: before the stored continuance
                    "15CR5,continued,2027-01-20,2027-02-01\n"  # 3
                    "15CR5,DENIED,1/12/2027,\n"               # 4: before line 3's continuance
                    "15CR5,denied,2/1/2027,\n", encoding="utf-8")  # 5: in order
    res = rulings.import_rulings(store, path, actor="rita", today=date(2027, 3, 5))
    assert (res.applied, res.quarantined) == (2, 2) and res.balanced
    q = store.conn.execute("SELECT file_name, line, field, message FROM quarantine WHERE source_id = ? ORDER BY line",
                           (res.source_id,)).fetchall()
    assert [(f, line, field) for f, line, field, _ in q] == [("late.csv", 2, "ruling_date"), ("late.csv", 4, "ruling_date")]
    assert "(continued of 2027-01-20)" in q[0][3] and "(continued of 2027-01-20)" in q[1][3]
    assert (state(store, "10CR1"), state(store, "15CR5")) == ("continued", "denied")


def test_a_final_ruling_is_never_hidden_behind_an_earlier_dated_continuance(store, filed):
    """A store that already holds a final ruling dated before a continuance (written before the
    rule, or by another tool): the state is the final ruling, letters and notices take it, and
    the docket does not ask for a ruling that was made."""
    from clearterm.storage import notices as sn

    c = cid(store, "10CR1")
    with store.write() as conn:
        conn.execute("INSERT INTO rulings (case_id, batch_id, ruling, ruling_date, next_court_date, actor, created_at)"
                     " VALUES (?, ?, 'continued', ?, '2027-03-01', 'clerk', ?)", (c, filed.id, "2027-02-01", SIGNED_AT))
        conn.execute("INSERT INTO rulings (case_id, batch_id, ruling, ruling_date, actor, created_at)"
                     " VALUES (?, ?, 'granted', ?, 'clerk', ?)", (c, filed.id, D[20], SIGNED_AT))
        sl.refresh_lifecycle(conn, [c], at=SIGNED_AT)
    assert sl.lifecycle_row(store.conn, c)[:4] == ("granted", filed.id, None, D[20])
    assert sn.ruled_cases(store.conn, filed.id)[c].ruling == "granted"
    assert not [f for f in lifecycle.docket(store.conn, today=date(2027, 3, 10)) if f.case == "10CR1/P1"
                and f.kind == "court_date_passed"]


def test_rulings_import_names_the_field_holding_control_characters(store, filed, tmp_path):
    path = tmp_path / "esc.csv"
    path.write_text("case_number,ruling,ruling_date,judge\n"
                    "10CR1,granted,2027-01-20,=HYPERLINK(\"x\") \x1b[31mred\n"
                    "15CR5,granted,2027-01-20,Hon. A. Judge\n", encoding="utf-8")
    res = rulings.import_rulings(store, path, actor="rita", today=date(2027, 1, 25))
    assert (res.applied, res.quarantined) == (1, 1)
    (field, message), = store.conn.execute("SELECT field, message FROM quarantine WHERE source_id = ?",
                                           (res.source_id,)).fetchall()
    assert field == "judge" and message.startswith("judge contains control characters")
