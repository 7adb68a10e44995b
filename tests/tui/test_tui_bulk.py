"""Bulk approval in the workstation (issue 15): mark, mark all (across pages), the confirmation
dialog with and without notes, a sample case, cases left alone, bulk undo. Driven with Pilot;
the store is checked, not only the screen."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from clearterm.tui.backend import PAGE
from test_tui import AUTOMATIC, PETITION, build_tui_store, chain_ok, make_app, press, run, screen_name, settle, store_rows

# Pilot runs of several seconds each: the everyday run (pytest -m "not slow") leaves them out.
pytestmark = pytest.mark.slow

N_AUTO = PAGE + 12  # more than a page: mark all must reach beyond the rows loaded
ROWS = (
    [dict(record_id=f"A{i}", case_number=f"11CR{i:04d}", person_id=f"P{i}", offense_date="2011-02-03",
          last_name="Quillfeather", first_name="Ann", **AUTOMATIC) for i in range(N_AUTO)]
    + [dict(record_id=f"N{i}", case_number=f"12CR{i:04d}", person_id=f"N{i}", arrest_date="2012-02-03",
            **AUTOMATIC) for i in range(2)]  # a note: DATE_FROM_ARREST
    + [dict(record_id=f"B{i}", case_number=f"14CR{i:04d}", person_id=f"B{i}", offense_date="2014-01-01",
            **PETITION) for i in range(3)]
)


@pytest.fixture(scope="module")
def bulk_base(tmp_path_factory) -> Path:
    return build_tui_store(tmp_path_factory.mktemp("tuibulk") / "base.db", ROWS, served={})


@pytest.fixture
def bdb(bulk_base, tmp_path) -> Path:
    target = tmp_path / "store.db"
    shutil.copy(bulk_base, target)
    return target


def approved(db) -> list[str]:
    return [r[0] for r in store_rows(db, "SELECT c.case_number FROM case_status s JOIN cases c ON c.id = s.case_id"
                                         " WHERE s.status = 'approved' ORDER BY c.case_number")]


def line(app, y: int) -> str:
    table = app.queue_screen.query_one("#queue")
    return "".join(seg.text for seg in table.render_line(y))


async def to_automatic(pilot) -> None:
    await press(pilot, "t")  # the track filter: automatic
    assert pilot.app.queue_filter.track == "automatic"


def test_space_marks_and_unmarks_the_highlighted_case(bdb):
    app = make_app(bdb)

    async def scenario(pilot):
        q = app.queue_screen
        first = q.rows[0]
        await press(pilot, "space")
        marked = (set(q.marks.ids), line(app, 1)[0], line(app, 2)[0], str(q.query_one("#queue-info").render()))
        await press(pilot, "down", "space")
        two = set(q.marks.ids)
        await press(pilot, "up", "space")
        return first.case_id, marked, two, set(q.marks.ids), line(app, 1)[0]

    cid, (ids, l1, l2, info), two, after, l1_after = run(app, scenario)
    assert ids == {cid} and l1 == "*" and l2 == " " and "marked: 1 one by one" in info
    assert len(two) == 2 and after == two - {cid} and l1_after == " "
    assert approved(bdb) == []  # marking records nothing


def test_mark_all_then_approve_across_pages_leaves_out_notes(bdb):
    app = make_app(bdb)
    app.bulk_seed = 7

    async def scenario(pilot):
        await to_automatic(pilot)
        q = app.queue_screen
        assert len(q.rows) == PAGE  # one page loaded
        await press(pilot, "asterisk")
        info = str(q.query_one("#queue-info").render())
        assert all(line(app, y)[0] == "*" for y in range(1, 10))
        await press(pilot, "A")
        assert screen_name(app) == "BulkDialog"
        summary = str(app.screen.query_one("#bulk-summary").render())
        sample = str(app.screen.query_one("#bulk-sample").render())
        await press(pilot, "enter")
        await settle(pilot, 8)
        return info, summary, sample, app.last_notice, q.marks.empty

    info, summary, sample, notice, cleared = run(app, scenario)
    assert f"marked: all {N_AUTO + 2} of the queue" in info
    assert f"{N_AUTO} case(s), {N_AUTO} charge(s) will be approved" in summary
    assert "[x] leave out cases with notes (2 with notes: left out)" in summary
    assert sample.count("tranche 2") == 5
    assert notice == f"Bulk approval 1: {N_AUTO} case(s) approved, 0 skipped."
    assert cleared
    got = approved(bdb)
    assert len(got) == N_AUTO and not any(c.startswith("12CR") for c in got)
    rows = store_rows(bdb, "SELECT r.bulk_id, a.detail FROM reviews r JOIN audit a ON a.review_id = r.id"
                           " WHERE r.reviewer = 'alice'")
    assert len(rows) == N_AUTO and all(b == 1 and json.loads(d)["bulk"] == 1 for b, d in rows)
    (detail,) = store_rows(bdb, "SELECT detail FROM audit WHERE event = 'review.bulk_approve'")[0]
    assert json.loads(detail) == {"bulk": 1, "count": N_AUTO, "filter": {
        "source": "workstation", "marked": 0, "unmarked": 0, "with_notes": False,
        "all_of": {"track": "automatic", "tranche": None, "status": None, "deadline": None, "search": False}}}
    assert chain_ok(bdb)


def test_bulk_approve_with_notes_and_cases_left_alone(bdb):
    app = make_app(bdb)

    async def scenario(pilot):
        q = app.queue_screen
        for target in ("12CR0000", "14CR0001", "11CR0003"):  # marks stay while the search changes
            await press(pilot, "slash", *target, "enter")
            assert [r.case_number for r in q.rows] == [target]
            await press(pilot, "space")
        await press(pilot, "escape")  # clear the search
        assert len(q.marks.ids) == 3
        await press(pilot, "A")
        without = str(app.screen.query_one("#bulk-summary").render())
        await press(pilot, "n")
        with_notes = str(app.screen.query_one("#bulk-summary").render())
        await press(pilot, "enter")
        await settle(pilot, 8)
        return without, with_notes

    without, with_notes = run(app, scenario)
    assert "1 case(s), 1 charge(s) will be approved" in without
    assert "Left alone: 1: 14CR0001/B1 (petition track)" in without
    assert "2 case(s), 2 charge(s) will be approved" in with_notes and "DATE_FROM_ARREST 1" in with_notes
    assert "[ ] leave out cases with notes (1 with notes: included)" in with_notes
    assert approved(bdb) == ["11CR0003", "12CR0000"]  # the petition was left alone
    (detail,) = store_rows(bdb, "SELECT detail FROM audit WHERE event = 'review.bulk_approve'")[0]
    assert json.loads(detail)["filter"]["with_notes"] is True and json.loads(detail)["filter"]["marked"] == 3


def test_escape_cancels_and_a_sample_case_opens_and_comes_back(bdb):
    app = make_app(bdb)

    async def scenario(pilot):
        await to_automatic(pilot)
        await press(pilot, "asterisk", "A", "2")
        preview = screen_name(app)
        await settle(pilot)
        d = app.screen.detail
        body = (d.label, [c.statute for c in d.charges], app.screen.case.label)
        await press(pilot, "escape")
        back = screen_name(app)
        await press(pilot, "escape")
        return preview, body, back, screen_name(app)

    preview, body, back, end = run(app, scenario)
    assert preview == "CasePreview" and body[0] == body[2] and "550/4(c)" in body[1][0]
    assert back == "BulkDialog" and end == "QueueScreen"
    assert approved(bdb) == [] and store_rows(bdb, "SELECT count(*) FROM bulk_actions") == [(0,)]


def test_routine_confirmations_go_to_the_status_bar_not_notifications(bdb):
    """Nothing marked, marks cleared, a mark-all dropped by a filter change, a bulk approval with
    nothing skipped: each says so in the status bar; no notification is raised."""
    app = make_app(bdb)

    def bar() -> str:
        return str(app.screen.query_one("#status-bar").render())

    async def scenario(pilot):
        seen = []
        await press(pilot, "A")
        seen.append(bar())
        await to_automatic(pilot)
        await press(pilot, "asterisk", "asterisk")  # mark all, then clear the marks
        seen.append(bar())
        await press(pilot, "asterisk", "s")  # mark all, then another filter: the mark-all goes
        seen.append(bar())
        await press(pilot, "s", "s", "s", "s", "s")  # back to every status (automatic track)
        await press(pilot, "asterisk", "A", "enter")
        await settle(pilot, 8)
        seen.append(bar())
        return screen_name(app), seen, list(app._notifications)

    name, (nothing, cleared, dropped, done), notes = run(app, scenario)
    assert name == "QueueScreen"
    assert nothing == "No case is marked: space marks one case, * every case of this queue."
    assert cleared == "Marks cleared."
    assert dropped == "Filter changed: the mark-all is cleared; cases marked one by one stay marked."
    assert all(len(x) <= 78 for x in (nothing, cleared, dropped, done))  # whole at 80 columns
    assert done == f"Bulk approval 1: {N_AUTO} case(s) approved, 0 skipped."
    assert notes == []


def test_u_after_a_bulk_approval_undoes_it_all_or_the_last_case(bdb):
    app = make_app(bdb)

    async def scenario(pilot):
        await to_automatic(pilot)
        await press(pilot, "asterisk", "A", "enter")
        await settle(pilot, 8)
        assert len(approved(bdb)) == N_AUTO
        await press(pilot, "u")
        assert screen_name(app) == "BulkUndoDialog"
        await press(pilot, "l")  # only the last case
        await settle(pilot)
        one = len(approved(bdb))
        await press(pilot, "u", "b")  # the whole bulk approval
        await settle(pilot, 8)
        return one, app.last_notice

    one, notice = run(app, scenario)
    assert one == N_AUTO - 1
    assert notice == f"Bulk undo 2: {N_AUTO - 1} case(s) undone, 1 skipped: 11CR0061/P61 (acted on since the " \
                     "bulk approval: now pending by alice)."
    assert approved(bdb) == []
    assert store_rows(bdb, "SELECT count(*) FROM reviews WHERE action = 'undo' AND bulk_id = 2") == [(N_AUTO - 1,)]
    assert store_rows(bdb, "SELECT kind, undoes FROM bulk_actions ORDER BY id") == [("approve", None), ("undo", 1)]
    assert chain_ok(bdb)


def test_bulk_codes_all_named_when_there_is_room_and_notes_never_hidden():
    from clearterm.domain.decision import NOTE_CODES
    from clearterm.tui.screens.bulk import codes_text

    note = sorted(NOTE_CODES)[0]
    by_code = [(f"REASON_CODE_{i:02d}", 100 - i) for i in range(12)] + [(note, 1)]
    every = str(codes_text(by_code))
    assert all(f"{code} {n}" in every for code, n in by_code) and "more" not in every
    short = str(codes_text(by_code, fits=lambda t: len(t) <= 120))  # little room: the rarest reasons go
    assert len(short) <= 120 and f"{note} 1" in short and "REASON_CODE_00 100" in short
    hidden = int(short.split("+")[1].split()[0])
    assert short.endswith(f"+{hidden} more code(s)") and hidden == sum(f"{c} {n}" not in short for c, n in by_code)
    none = str(codes_text([(note, 3)], fits=lambda t: False))  # no room at all: the note stays
    assert none == f"By reason code and note: {note} 3"
