"""The workstation's objection flows (issue 15): the late objection's second confirmation, the
service date (``v``) and its change with a reason, the objection dialog's focus order, errors
and discard confirmation, the deadlines view. Driven headless with Pilot on the store of
tests/tui/test_tui.py (today 2026-11-21; 05CR6 served 2026-10-01, due 2026-11-30; 06CR7 served
2026-09-01, due 2026-10-31: overdue)."""

from __future__ import annotations

import pytest

from test_tui import (  # noqa: F401 (base_db, db: the fixtures)
    base_db, chain_ok, db, make_app, open_case, press, reviews, run, screen_name, settle, store_rows,
)

pytestmark = pytest.mark.slow


def text_of(app, selector: str) -> str:
    from test_tui import plain

    return plain(app.screen.query_one(selector), width=400).rstrip("\n")


def test_late_objection_says_so_and_needs_a_second_confirmation(db):
    app = make_app(db)

    async def scenario(pilot):
        await open_case(pilot, "06CR7/P6")
        await press(pilot, "o", "1")
        deadline = text_of(app, "#deadline-line")
        await pilot.press(*"the Sheriff's letter of 2026-11-01")
        await press(pilot, "enter")
        first = screen_name(app), text_of(app, "#confirm-text")
        await press(pilot, "enter")  # enter never confirms
        still = screen_name(app)
        await press(pilot, "n")  # no: back in the dialog, what was typed kept
        back = screen_name(app), app.screen.query_one("#note").value, len(reviews(db))
        await press(pilot, "ctrl+s")
        await press(pilot, "y")
        done = screen_name(app), app.last_notice
        await open_case(pilot, "06CR7/P6")
        return deadline, first, still, back, *done, " ".join(text_of(app, "#history").split())

    deadline, first, still, back, after, notice, history = run(app, scenario)
    assert "alice: LATE objection on ground criteria_not_met (deadline 2026-10-31 missed)" in history
    assert deadline.startswith("LATE: the objection deadline was 2026-10-31 (served 2026-09-01 + 60 days), 21 day(s)")
    assert first[0] == "ConfirmDialog" and "21 day(s) ago" in first[1] and still == "ConfirmDialog"
    assert back == ("ObjectionDialog", "the Sheriff's letter of 2026-11-01", 0)
    assert after == "CaseScreen" and notice.startswith("Recorded a LATE objection on 06CR7/P6")
    (rid,) = [r for (r,) in store_rows(db, "SELECT id FROM reviews WHERE action = 'object'")]
    assert store_rows(db, "SELECT review_id, deadline, days_late, reviewer FROM late_objections") == [
        (rid, "2026-10-31", 21, "alice")]
    assert chain_ok(db)


def test_objection_in_time_needs_no_confirmation(db):
    app = make_app(db)

    async def scenario(pilot):
        await open_case(pilot, "05CR6/P6")
        await press(pilot, "o", "2")
        line = text_of(app, "#deadline-line")
        await pilot.press(*"facts")
        await press(pilot, "enter")
        return line, screen_name(app)

    line, name = run(app, scenario)
    assert line == "Served 2026-10-01; objection due 2026-11-30, 9 day(s) left." and name == "CaseScreen"
    assert store_rows(db, "SELECT count(*) FROM late_objections") == [(0,)]
    assert reviews(db)[0][2:5] == ("object", "violent_association", "facts")


def test_typed_service_date_past_the_deadline_makes_it_late(db):
    app = make_app(db)

    async def scenario(pilot):
        await open_case(pilot, "14CR2/P3")  # no service date recorded
        await press(pilot, "o", "4")
        before = text_of(app, "#deadline-line")
        await pilot.press(*"facts")
        await press(pilot, "tab")
        await pilot.press(*"2026-08-01")
        await settle(pilot)
        return before, text_of(app, "#deadline-line")

    before, after = run(app, scenario)
    assert before.startswith("No service date recorded")
    assert after.startswith("LATE: the objection deadline was 2026-09-30")


def test_objection_dialog_focus_order_enter_without_ground_and_errors_clear(db):
    app = make_app(db)

    async def scenario(pilot):
        await open_case(pilot, "14CR2/P3")
        await press(pilot, "o")
        order = [app.focused.id]
        await press(pilot, "enter")  # no ground chosen: nothing happens
        nothing = (screen_name(app), app.screen.ground, text_of(app, "#dialog-error"), len(reviews(db)))
        for _ in range(2):
            await press(pilot, "tab")
            order.append(app.focused.id)
        await press(pilot, "ctrl+s")  # no ground: the error says so
        no_ground = text_of(app, "#dialog-error")
        await press(pilot, "2")  # the ground fixes it: the error clears
        cleared_ground = text_of(app, "#dialog-error")
        await press(pilot, "enter")  # no facts
        no_facts = text_of(app, "#dialog-error")
        await pilot.press("x")
        await settle(pilot)
        return order, nothing, no_ground, cleared_ground, no_facts, text_of(app, "#dialog-error")

    order, nothing, no_ground, cleared_ground, no_facts, cleared_facts = run(app, scenario)
    assert order == ["grounds", "note", "served"]
    assert nothing == ("ObjectionDialog", None, "", 0)
    assert no_ground.startswith("Choose a ground first") and cleared_ground == ""
    assert "needs its supporting facts" in no_facts and cleared_facts == ""


def test_tabbing_back_into_a_filled_field_keeps_its_text(db):
    """Inputs do not select their text on focus: the audit's flow (facts, ctrl+s with no ground,
    the error sends focus to the grounds, tab back, type) adds to the facts, never replaces them.
    The same for the service date field and the note dialog."""
    app = make_app(db)

    async def scenario(pilot):
        await open_case(pilot, "14CR2/P3")  # no service date recorded: the dialog asks for one
        await press(pilot, "o", "tab")
        await pilot.press(*"FACTS x")
        await press(pilot, "ctrl+s")  # no ground: the error, focus to the grounds
        refused = text_of(app, "#dialog-error"), app.focused.id
        await press(pilot, "tab")  # grounds -> facts
        back_in = app.focused.id
        await pilot.press(*" and more")
        await press(pilot, "tab")  # facts -> service date
        await pilot.press(*"2026-11")
        await press(pilot, "tab", "tab", "tab")  # round again: grounds, facts, service date
        await pilot.press(*"-02")
        facts = app.screen.query_one("#note").value, app.screen.query_one("#served").value
        await press(pilot, "escape", "y")  # discard: nothing recorded
        await press(pilot, "N")
        await pilot.press(*"first half")
        await press(pilot, "shift+tab", "tab")  # away and back
        await pilot.press(*", second half")
        note = app.screen.query_one("#note-text").value
        await press(pilot, "escape")
        return refused, back_in, facts, note

    refused, back_in, facts, note = run(app, scenario)
    assert refused[0].startswith("Choose a ground first") and refused[1] == "grounds" and back_in == "note"
    assert facts == ("FACTS x and more", "2026-11-02")
    assert note == "first half, second half"
    assert reviews(db) == []


def test_objection_dialog_asks_before_discarding_typed_text(db):
    app = make_app(db)

    async def scenario(pilot):
        await open_case(pilot, "05CR6/P6")
        await press(pilot, "o", "escape")  # nothing typed: closes at once
        untyped = screen_name(app)
        await press(pilot, "o", "1")
        await pilot.press(*"half a sentence")
        await press(pilot, "escape")
        asked = screen_name(app)
        await press(pilot, "n")
        kept = screen_name(app), app.screen.query_one("#note").value
        await press(pilot, "ctrl+q")  # quitting asks too
        asked_quit = screen_name(app)
        await press(pilot, "escape")  # no
        await press(pilot, "escape", "y")  # discard
        discarded = screen_name(app)
        await press(pilot, "o", "1")
        await pilot.press(*"more")
        await press(pilot, "ctrl+q", "y")
        return untyped, asked, kept, asked_quit, discarded, app._exit_renderables is not None and not app.is_running

    untyped, asked, kept, asked_quit, discarded, quit_ = run(app, scenario)
    assert untyped == "CaseScreen" and asked == "ConfirmDialog" and kept == ("ObjectionDialog", "half a sentence")
    assert asked_quit == "ConfirmDialog" and discarded == "CaseScreen" and quit_
    assert reviews(db) == []


def test_service_date_recorded_then_changed_with_a_reason(db):
    app = make_app(db)

    async def scenario(pilot):
        await open_case(pilot, "14CR2/P3")
        await press(pilot, "v")
        first_dialog = screen_name(app)
        await pilot.press(*"2026-11-02")
        await press(pilot, "enter")
        first = app.last_notice, app.screen.detail.label
        await press(pilot, "v")
        await pilot.press(*"2026-11-03")
        await press(pilot, "enter")  # to the reason
        await press(pilot, "enter")  # no reason: refused
        no_reason = text_of(app, "#dialog-error"), screen_name(app)
        await pilot.press(*"the clerk's stamp says the 3rd")
        await press(pilot, "enter")
        history = text_of(app, "#history")
        return first_dialog, first, no_reason, app.last_notice, history

    first_dialog, first, no_reason, notice, history = run(app, scenario)
    assert first_dialog == "ServiceDialog"
    assert first == ("Service date of 14CR2/P3 recorded: 2026-11-02 (version 3).", "14CR2/P3")  # stays on the case
    assert no_reason == ("Changing the recorded date 2026-11-02 needs a reason.", "ServiceDialog")
    assert notice.startswith("Service date of 14CR2/P3 changed from 2026-11-02 to 2026-11-03")
    assert "changed service date from 2026-11-02 to 2026-11-03" in " ".join(history.split())
    assert [r[2:6] for r in reviews(db)] == [("serve", None, None, "2026-11-02"),
                                             ("serve", None, "the clerk's stamp says the 3rd", "2026-11-03")]
    assert chain_ok(db)


def test_v_off_the_petition_track_says_why_in_the_status_line(db):
    app = make_app(db)

    async def scenario(pilot):
        await open_case(pilot, "10CR1/P1")
        await press(pilot, "v")
        said = screen_name(app), text_of(app, "#status-bar")
        await press(pilot, "n")  # another case: the line about 10CR1 goes
        moved = app.screen.detail.label, text_of(app, "#status-bar")
        await press(pilot, "escape", "t", "escape")  # a filter, then escape clears it: said on the queue
        cleared = text_of(app, "#status-bar")
        await press(pilot, "t")  # another filter: that line goes
        return said, moved, cleared, text_of(app, "#status-bar")

    (name, line), moved, cleared, filtered = run(app, scenario)
    assert name == "CaseScreen" and line == "v: service dates are for petitions only; this case is on the automatic track."
    assert len(line) <= 78  # the whole reason at 80 columns
    assert moved[0] != "10CR1/P1" and moved[1] == ""
    assert cleared == "Filters cleared: the whole queue." and filtered == ""


def test_deadlines_view_overdue_first_then_days_left_then_unserved(db):
    app = make_app(db)

    async def scenario(pilot):
        app.show_deadlines("all")
        await settle(pilot)
        shown = [f"{r.case_number}/{r.person_id}" for r in app.screen.rows]
        await press(pilot, "enter")
        opened = screen_name(app), app.screen.detail.label
        await press(pilot, "escape")
        back = screen_name(app)
        await press(pilot, "escape")
        return shown, opened, back, screen_name(app)

    shown, opened, back, queue = run(app, scenario)
    assert shown[:2] == ["06CR7/P6", "05CR6/P6"] and sorted(shown[2:]) == ["14CR2/P2", "14CR2/P3"]
    assert opened == ("CaseScreen", "06CR7/P6") and back == "DeadlinesScreen" and queue == "QueueScreen"


def test_start_batch_names_late_objections_and_those_without_facts(db):
    from clearterm.services import access
    from clearterm.storage import open_store
    from clearterm.storage.reviews import NewEntry, append_review, case_state, find_cases

    with open_store(db, create=False) as s:
        access.add_user(s, "alice", ["admin", "reviewer"], actor="alice")
        (old,) = find_cases(s.conn, "14CR2", "P2")  # an objection without facts, from an older store
        with s.write() as conn:
            st = case_state(conn, old.id)
            append_review(conn, old, st, NewEntry("object", "objected", ground="other", served="2026-11-01"),
                          reviewer="alice", expected_version=st.version)
        # 06CR7 lacks a date of birth, a disposition date and an address (issue 16: research);
        # a supplementary file supplies them so that it can go into a batch
        from clearterm.ingest import ingest_file
        from test_tui import ROWS, TODAY, write_csv

        supply = [dict(r, date_of_birth="1970-01-02", disposition_date="2006-08-14", address_line1="1 N. State St.",
                       city="Chicago", state="IL", zip="60602") for r in ROWS if r["case_number"] == "06CR7"]
        write_csv(db.with_name("supply.csv"), supply)
        ingest_file(s, db.with_name("supply.csv"), today=TODAY)
    app = make_app(db)

    async def scenario(pilot):
        await open_case(pilot, "06CR7/P6")  # overdue: a late objection, confirmed
        await press(pilot, "o", "3")
        await pilot.press(*"facts")
        await press(pilot, "enter", "y")
        app.start_batch("petition")
        await settle(pilot)
        return app.last_notice

    notice = run(app, scenario)
    assert notice.startswith("Batch ") and "opened: 1 case(s) on the petition track" in notice
    assert "no supporting facts recorded: 1 objected case(s) (14CR2/P2)" in notice
    assert "1 LATE objection(s) in it: signing needs 'batch sign --allow-late' (06CR7/P6 (due 2026-10-31" in notice
