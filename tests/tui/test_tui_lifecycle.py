"""The workstation's side of issue 16: the Follow-up screen (``F``, palette) and the ruling dialog
(``R``), driven headless with Pilot on a store with a filed batch; the store is checked after."""

from __future__ import annotations

from datetime import date

import pytest

from clearterm.services import access, batches, lifecycle, review
from clearterm.storage import open_store
from clearterm.storage.reviews import current_version, find_cases
from test_lifecycle import fake_sign
from test_tui import base_db, chain_ok, db, make_app, open_case, press, run, screen_name, settle, store_rows  # noqa: F401 (fixtures)


@pytest.fixture
def filed_db(db):
    """The test_tui store; 10CR1/P1 and 15CR5/P5 approved, batched, signed 2026-11-01, filed
    2026-11-02 for 2026-11-10 (the workstation's today is 2026-11-21: the date has passed)."""
    from clearterm.ingest import ingest_file
    from test_tui import ROWS, TODAY, write_csv

    with open_store(db, create=False) as s:
        access.add_user(s, "alice", ["admin", "reviewer"], actor="alice")
        access.add_user(s, "boss", ["signer"], actor="alice")  # fake_sign's signer: batches.signed_by names a user
        # the test_tui rows lack what papers need (issue 16: research); a supplementary file gives it
        supply = [dict(r, date_of_birth=r.get("date_of_birth") or "1975-01-02", disposition_date="2012-08-14",
                       address_line1="1 N. State St.", city="Chicago", state="IL", zip="60602")
                  for r in ROWS if r["case_number"] in ("10CR1", "15CR5")]
        write_csv(db.with_name("supply.csv"), supply)
        ingest_file(s, db.with_name("supply.csv"), today=TODAY)
        for label in (("10CR1", "P1"), ("15CR5", "P5")):
            (case,) = find_cases(s.conn, *label)
            review.act(s, case.id, "approve", reviewer="alice", expected_version=current_version(s.conn, case.id),
                       today=date(2026, 10, 30))
        b = batches.create_batch(s, track="automatic", actor="alice")
        fake_sign(s, b.id, at="2026-11-01T10:00:00+00:00")
        lifecycle.file_batch(s, b.id, court_date="2026-11-10", actor="alice", today=date(2026, 11, 2))
    return db


def test_follow_up_screen_lists_the_docket_and_opens_a_case(filed_db):
    app = make_app(filed_db)

    async def scenario(pilot):
        await press(pilot, "F")
        shown = screen_name(app), [(f.kind, f.case) for f in app.screen.items]
        await press(pilot, "enter")  # the first line: the oldest (a served petition)
        opened = screen_name(app), app.screen.detail.label
        await press(pilot, "escape")
        await press(pilot, "ctrl+p")
        await pilot.press(*"Follow-up")
        await pilot.pause(0.3)
        await press(pilot, "enter")
        again = screen_name(app)
        await press(pilot, "escape")
        return shown, opened, again, screen_name(app)

    shown, opened, again, back = run(app, scenario)
    assert shown == ("FollowUpScreen", [("petition_due", "06CR7/P6"), ("petition_due", "05CR6/P6"),
                                         ("court_date_passed", "10CR1/P1"), ("court_date_passed", "15CR5/P5")])
    assert opened == ("CaseScreen", "06CR7/P6")
    assert again == "FollowUpScreen" and back == "QueueScreen"


def test_ruling_dialog_records_a_ruling(filed_db):
    app = make_app(filed_db)

    async def scenario(pilot):
        await open_case(pilot, "10CR1/P1")
        await press(pilot, "R")
        dialog = screen_name(app), app.screen.state
        await press(pilot, "ctrl+s")  # nothing chosen: refused in the dialog
        refused = screen_name(app)
        await press(pilot, "c")  # continued without a next date: refused in the dialog
        await press(pilot, "ctrl+s")
        no_next = str(app.screen.query_one("#dialog-error").render())
        await press(pilot, "g")
        app.screen.query_one("#judge").focus()
        await pilot.press(*"Judge Dredd")  # letters typed into a field are text, not the g d c s w keys
        chosen = app.screen.ruling
        await press(pilot, "ctrl+s")
        await settle(pilot)
        return dialog, refused, no_next, chosen, screen_name(app), app.last_notice

    dialog, refused, no_next, chosen, after, notice = run(app, scenario)
    assert chosen == "granted"
    assert dialog == ("RulingDialog", "filed, court date 2026-11-10")
    assert refused == "RulingDialog" and after == "CaseScreen"
    assert no_next == "A continued case needs its next court date."
    assert notice == "Recorded granted on 2026-11-21 for case 10CR1/P1: now granted."
    rows = store_rows(filed_db, "SELECT r.ruling, r.ruling_date, r.judge, r.actor, l.state FROM rulings r"
                                " JOIN case_lifecycle l ON l.case_id = r.case_id")
    assert rows == [("granted", "2026-11-21", "Judge Dredd", "alice", "granted")]
    assert chain_ok(filed_db)


def test_ruling_on_a_case_not_filed_is_a_notice(db):
    with open_store(db, create=False) as s:
        access.add_user(s, "alice", ["admin", "reviewer"], actor="alice")
    app = make_app(db)

    async def scenario(pilot):
        await open_case(pilot, "98CR8/P8")
        await press(pilot, "R", "d", "ctrl+s")
        await settle(pilot)
        return app.last_notice

    notice = run(app, scenario)
    assert notice.startswith("Ruling not recorded: case 98CR8/P8: case_number is a case in no batch")
    assert store_rows(db, "SELECT count(*) FROM rulings") == [(0,)]


def test_case_header_shows_the_court_date_then_the_ruling_date(filed_db):
    """Issue 16: a filed case shows where it stands in court (its court date) and, once ruled, the
    date of the ruling, on the case screen's first line."""
    from clearterm.tui.render import case_header

    app = make_app(filed_db)

    async def scenario(pilot):
        await open_case(pilot, "10CR1/P1")
        filed = case_header(app.screen.detail).plain
        await press(pilot, "R")
        await press(pilot, "g")
        await press(pilot, "ctrl+s")
        await settle(pilot)  # the case screen draws the case again by itself
        return filed, case_header(app.screen.detail).plain

    filed, ruled = run(app, scenario)
    assert "now FILED court 2026-11-10" in filed, filed
    assert "now GRANTED ruled 2026-11-21" in ruled, ruled
