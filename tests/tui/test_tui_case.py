"""The case screen, notes, assignment ("mine"), the status bar and the queue's position line
(issue 15), driven headless with Pilot on a store built by code (test_tui's rows plus a
four-charge case with a violent co-charge, no date of birth, an age, an agency)."""

from __future__ import annotations

import asyncio
import shutil
from datetime import timezone
from pathlib import Path

import pytest

from conftest import add_users
from test_tui import (
    AUTOMATIC, ROWS, TODAY, build_tui_store, chain_ok, plain, press, reviews, run, screen_name, settle, store_rows,
)

FOUR = [
    dict(record_id="F1", case_number="17CR4", person_id="P4", offense_date="2017-06-01", last_name="Vantongeren",
         first_name="Rue", age_at_offense="19", arresting_agency="CHICAGO POLICE DEPT",
         offense_description="POSS CANNABIS 10-30 GRAMS", weight_grams="15", disposition_date="2017-09-01",
         sentence="JAIL 10 DAYS", **{**AUTOMATIC, "statute": "720 ILCS 550/4(b)", "offense_class": "B"}),
    dict(record_id="F2", case_number="17CR4", person_id="P4", offense_date="2017-06-01", last_name="Vantongeren",
         first_name="Rue", age_at_offense="19", arresting_agency="CHICAGO POLICE DEPT",
         offense_description="POSS CANNABIS", disposition_date="2017-09-01",
         sentence="FINE $100", **AUTOMATIC),
    dict(record_id="F3", case_number="17CR4", person_id="P4", offense_date="2017-06-01", last_name="Vantongeren",
         first_name="Rue", age_at_offense="19", arresting_agency="CHICAGO POLICE DEPT",
         offense_description="AGGRAVATED KIDNAPPING", statute="720 ILCS 5/10-2(a)", offense_class="X",
         disposition="Nolle Prosecution", disposition_date="2017-09-01", county="Cook"),
    dict(record_id="F4", case_number="17CR4", person_id="P4", offense_date="2017-06-01", last_name="Vantongeren",
         first_name="Rue", age_at_offense="19", arresting_agency="CHICAGO POLICE DEPT",
         offense_description="POSS DRUG PARAPHERNALIA", statute="720 ILCS 600/3.5(a)", offense_class="A",
         disposition="Plea Of Guilty", disposition_date="2017-09-01", sentence="CONDITIONAL DISCHARGE",
         county="Cook"),
]


#: A four-charge petition with a further reason ("Also VIOLENT_UNDETERMINED": a co-charge that may
#: be violent) under a full-length Cook County label (25 characters), as the audit of issue 15 found.
ALSO = [dict(record_id=f"V{i}", case_number="2004MC10203040", person_id="IR10203040", offense_date="2004-12-20",
             last_name="Esterhazy", first_name="Andrea", date_of_birth="1980-06-05", arresting_agency="CHICAGO PD",
             disposition="Plea Of Guilty", disposition_date="2006-06-24", county="Cook", **charge)
        for i, charge in enumerate([
            dict(statute="720 ILCS 550/4(d)", offense_class="4", offense_description="POSSESSION OF CANNABIS",
                 sentence="Prison"),
            dict(statute="720 ILCS 600/3.5", offense_class="A", offense_description="POSSESSION OF DRUG PARAPHERNALIA",
                 sentence="Probation"),
            dict(statute="720 ILCS 600/3.5", offense_class="A", offense_description="POSSESSION OF DRUG PARAPHERNALIA",
                 sentence="Court Supervision"),
            dict(statute="720 ILCS 5/21-1(a)(1)", offense_class="A", offense_description="CRIMINAL DAMAGE TO PROPERTY",
                 sentence="Supervision"),
        ], 1)]


@pytest.fixture(scope="module")
def also_base(tmp_path_factory) -> Path:
    return build_tui_store(tmp_path_factory.mktemp("also") / "also.db", rows=ROWS + ALSO)


@pytest.fixture
def also_db(also_base, tmp_path) -> Path:
    target = tmp_path / "also.db"  # a copy: a workstation reopens on the case last viewed
    shutil.copy(also_base, target)
    return target


@pytest.fixture(scope="module")
def base_db(tmp_path_factory) -> Path:
    return build_tui_store(tmp_path_factory.mktemp("case") / "base.db", rows=ROWS + FOUR)


@pytest.fixture
def db(base_db, tmp_path) -> Path:
    target = tmp_path / "store.db"
    shutil.copy(base_db, target)
    return target


def make_app(db: Path, reviewer: str = "alice", **kw):
    from clearterm.tui.app import ReviewApp

    kw.setdefault("tz", timezone.utc)
    return ReviewApp(db, reviewer, today=TODAY, **kw)


def screen_lines(app) -> list[str]:
    """The terminal as drawn now: one string per line."""
    return [strip.text for strip in app.screen._compositor.render_strips()]


async def open_case(pilot, label: str) -> None:
    pilot.app.jump_to_case(label)
    await settle(pilot)
    assert pilot.app.screen.detail.label == label


def case_text(app) -> dict[str, str]:
    s = app.screen
    return {w: plain(s.query_one(f"#{w}")) for w in ("case-header", "person", "charges", "explanation", "history")}


# -- the case screen -------------------------------------------------------------------------------------
def test_four_charge_case_fits_80x24_with_its_first_explanation(db):
    app = make_app(db)

    async def scenario(pilot):
        await open_case(pilot, "17CR4/P4")
        s = app.screen
        body = s.query_one("#case-body").region
        regions = {w: s.query_one(f"#{w}").region for w in ("case-header", "person", "charges", "explanation")}
        return screen_lines(app), body, regions, case_text(app)

    lines, body, regions, text = run(app, scenario, size=(80, 24))
    assert len(lines) == 24 and all(len(line) <= 80 for line in lines)
    screen = "\n".join(lines)
    # nothing needed is off-screen: header, person, all four charges and the whole first explanation
    for name in ("person", "charges", "explanation"):
        assert body.y <= regions[name].y and regions[name].bottom <= body.bottom, name
    for n, statute in enumerate(("720 ILCS 550/4(b)", "720 ILCS 550/4(c)", "720 ILCS 5/10-2(a)",
                                 "720 ILCS 600/3.5(a)"), 1):
        assert any(line.lstrip().startswith(f"{n} {statute}") for line in lines), statute
    assert "Result: petition (VIOLENT_ASSOCIATION)" in screen and "Codes: VIOLENT_ASSOCIATION" in screen
    # the explanation once (it was printed twice), and only the highlighted charge's
    assert screen.count("Another charge in the same case") == 1 and "F2 " not in screen
    # the co-charge that decided the case step, in words, on its own line of the table
    assert any(line.lstrip().startswith("3 720 ILCS 5/10-2(a)") and "VIOLENT" in line for line in lines)
    # age at offense with no date of birth (never "born unknown" beside it), and the agency
    assert "age 19 at offense" in text["person"] and "born" not in text["person"]
    assert "agency CHICAGO POLICE DEPT" in text["person"]


def test_four_charge_case_with_a_further_reason_fits_80x24_codes_included(also_db):
    """The audit's case: a petition with four charges, its first explanation carrying an "Also"
    reason, under a 25-character label. The header, the person, every charge, both sentences and
    the Codes line are on the 80x24 screen without scrolling."""
    app = make_app(also_db)

    async def scenario(pilot):
        await open_case(pilot, "2004MC10203040/IR10203040")
        s = app.screen
        body = s.query_one("#case-body").region
        return screen_lines(app), body, s.query_one("#explanation").region, case_text(app)

    lines, body, explanation, text = run(app, scenario, size=(80, 24))
    assert len(lines) == 24 and all(len(line) <= 80 for line in lines)
    screen = "\n".join(lines)
    assert explanation.bottom <= body.bottom  # the whole explanation in view
    assert "Case 2004MC10203040/IR10203040  petition track" in lines[1]
    assert "not assigned" in screen and "not\n" not in screen  # the holder whole, not cut in two
    assert sum(line.lstrip()[:2] in ("1 ", "2 ", "3 ", "4 ") and "720 ILCS" in line for line in lines) == 4
    assert "Result: petition (MOTION_ELIGIBLE)" in screen and "Also VIOLENT_UNDETERMINED" in screen
    assert "person must check it" in screen
    assert "Codes: MOTION_ELIGIBLE, VIOLENT_UNDETERMINED" in screen
    assert "Person Andrea Esterhazy  born 1980-06-05, 24 at offense  agency CHICAGO PD" in text["person"]


@pytest.mark.parametrize("size", [(80, 24), (160, 50)])
def test_case_numbers_whole_in_the_queue_and_labels_whole_in_the_deadlines_view(also_db, size):
    """A 14-character Cook County case number is shown whole in the queue's Case column (Person
    takes the rest); the deadlines view, which has no Person column, shows the whole 25-character
    label, "not served" whole and its title within the width."""
    app = make_app(also_db)

    async def scenario(pilot):
        await settle(pilot)
        queue = screen_lines(app)
        app.show_deadlines("all")
        await settle(pilot)
        return queue, screen_lines(app)

    queue, deadlines = run(app, scenario, size=size)
    row = next(line for line in queue if "2004MC10203040" in line)
    assert row.split()[:2] == ["2004MC10203040", "IR10203040"]  # the number whole, then the person
    assert any(line.split()[:2] == ["10CR1/P1", "P1"] for line in queue)  # a short label still shown whole
    assert "…" not in deadlines[1] and deadlines[1].strip().endswith("then unserved")
    row = next(line for line in deadlines if "2004MC10203040" in line)
    assert row.split()[:5] == ["not", "served", "-", "-", "2004MC10203040/IR10203040"]
    assert all(len(line) <= size[0] for line in queue + deadlines)


def test_up_down_pick_the_charge_explained_and_t_its_trail(db):
    app = make_app(db)

    async def scenario(pilot):
        await open_case(pilot, "17CR4/P4")
        table = case_text(app)["charges"]
        seen = [case_text(app)["explanation"]]
        await press(pilot, "down", "down")
        seen.append(case_text(app)["explanation"])
        await press(pilot, "up")
        seen.append(case_text(app)["explanation"])
        await press(pilot, "t")
        seen.append(case_text(app)["explanation"])
        return table, seen

    table, (first, third, second, trail) = run(app, scenario, size=(160, 50))
    # at 160 columns every fact of the table is whole: description, disposition and date, weight,
    # sentence, decision
    assert all(x in table for x in ("POSS CANNABIS 10-30 GRAMS", "Nolle Prosecution", "2017-09-01", "15g",
                                    "JAIL 10 DAYS", "CONDITIONAL DISCHARGE", "petition", "ineligible"))
    assert first.lstrip().startswith("1. F1") and "Step 1:" not in first
    assert third.lstrip().startswith("3. F3") and "VIOLENT: this co-charge decided a case step" in third
    assert second.lstrip().startswith("2. F2")
    assert trail.lstrip().startswith("2. F2") and "Step 1:" in trail and "Step C1:" in trail


def _batch(db: Path, case_label: str, *, signed: bool) -> str:
    """Put the case into a batch (signed or open) directly, as batch create / sign leave it."""
    from clearterm.storage import open_store

    number, person = case_label.split("/")
    label = "B-TEST-S" if signed else "B-TEST-O"
    with open_store(db, create=False) as s, s.write() as conn:
        cid, version = conn.execute("SELECT c.id, coalesce(st.version, 0) FROM cases c LEFT JOIN case_status st"
                                    " ON st.case_id = c.id WHERE case_number = ? AND person_id = ?",
                                    (number, person)).fetchone()
        bid = conn.execute("INSERT INTO batches (label, track, status, created_at, created_by) VALUES"
                           " (?, 'petition', 'open', '2026-11-20T00:00:00+00:00', 'rita')", (label,)).lastrowid
        conn.execute("INSERT INTO batch_cases (batch_id, position, case_id, case_number, person_id, status, version)"
                     " VALUES (?, 1, ?, ?, ?, 'approved', ?)", (bid, cid, number, person, version))
        if signed:
            conn.execute("UPDATE batches SET status = 'signed', signed_at = '2026-11-20T01:00:00+00:00',"
                         " signed_by = 'sam', manifest_sha256 = 'x', anchor_seq = 1, anchor_hash = 'y',"
                         " signed_audit_seq = 2 WHERE id = ?", (bid,))
    return label


def test_batch_and_frozen_state_show_before_any_key(db):
    frozen = _batch(db, "05CR6/P6", signed=True)
    open_ = _batch(db, "14CR2/P2", signed=False)
    app = make_app(db)

    async def scenario(pilot):
        await open_case(pilot, "05CR6/P6")
        a = case_text(app)["case-header"]
        await open_case(pilot, "14CR2/P2")
        b = case_text(app)["case-header"]
        await open_case(pilot, "14CR2/P3")
        return a, b, case_text(app)["case-header"]

    a, b, c = run(app, scenario)
    assert f"FROZEN: in signed batch {frozen}; no review action can be recorded" in a
    assert f"In batch {open_} (open)" in b and "FROZEN" not in b
    assert "batch" not in c.lower()


def test_history_in_local_time_with_wrapped_lines_indented(db):
    from datetime import timedelta

    app = make_app(db, tz=timezone(timedelta(hours=-6)))

    async def scenario(pilot):
        await open_case(pilot, "06CR7/P6")
        return plain(app.screen.query_one("#history"), width=40)

    text = run(app, scenario)
    lines = text.splitlines()
    assert lines[1].startswith("#") and "2026-11-02 09:04" in lines[1]  # stored 15:04 UTC
    assert "15:04" not in text
    assert len(lines) > 2 and lines[2].startswith(" " * (lines[1].index("2026")))  # wrapped: indented


# -- notes ---------------------------------------------------------------------------------------------
def test_note_is_recorded_audited_and_shown_without_a_decision(db):
    app = make_app(db)

    async def scenario(pilot):
        await open_case(pilot, "14CR2/P3")
        version = app.screen.detail.row.version
        await press(pilot, "N")
        assert screen_name(app) == "NoteDialog"
        await press(pilot, "enter")  # empty: refused in the dialog
        error = plain(app.screen.query_one("#dialog-error"))
        await pilot.press(*"called the clerk about the file")
        await press(pilot, "enter")
        d = app.screen.detail
        return (error, screen_name(app), d.row.status, d.row.version, version, case_text(app)["history"],
                plain(app.screen.query_one("#status-bar")), len(app._notifications))

    error, name, status, after, before, history, bar, toasts = run(app, scenario)
    assert "needs some text" in error and name == "CaseScreen"
    assert (status, after) == ("pending", before)  # no decision, no new version
    assert 'alice: note "called the clerk about the file"' in history
    assert "Recorded note 1 on 14CR2/P3" in bar and toasts == 0
    assert store_rows(db, "SELECT case_number, person_id, note, reviewer FROM case_notes") == [
        ("14CR2", "P3", "called the clerk about the file", "alice")]
    (detail,) = store_rows(db, "SELECT detail FROM audit WHERE event = 'case.note' AND actor = 'alice'")[0]
    assert "note_sha256" in detail and "clerk" not in detail  # the text is never in the audit log
    assert reviews(db) == [] and chain_ok(db)


def test_note_from_the_queue_and_escape_writes_nothing(db):
    app = make_app(db)

    async def scenario(pilot):
        await press(pilot, "N")
        await pilot.press(*"typed then cancelled")
        await press(pilot, "escape")
        name = screen_name(app)
        await press(pilot, "N")
        await pilot.press(*"from the queue")
        await press(pilot, "enter")
        return name, screen_name(app), app.queue_screen.target()

    cancelled, name, target = run(app, scenario)
    assert cancelled == "QueueScreen" and name == "QueueScreen"
    assert store_rows(db, "SELECT case_id, note FROM case_notes") == [(target.case_id, "from the queue")]


# -- assignment: the queue opens on "mine" ---------------------------------------------------------------
def test_queue_opens_on_mine_and_m_toggles_it(db, login):
    from clearterm.services import casework
    from clearterm.storage import open_store

    add_users(db, {"tester": ("admin",), "alice": ("reviewer",), "bob": ("reviewer",)})
    with open_store(db, create=False) as s:
        casework.assign(s, reviewer="alice", actor="tester", track="petition", limit=2)
        casework.assign(s, reviewer="bob", actor="tester", track="automatic", limit=1)
    mine = [f"{n}/{p}" for n, p in store_rows(db, "SELECT c.case_number, c.person_id FROM assignments a JOIN"
                                                  " cases c ON c.id = a.case_id WHERE a.reviewer = 'alice'"
                                                  " ORDER BY coalesce(c.tranche, 99), c.id")]
    app = make_app(db)

    async def scenario(pilot):
        from test_tui import labels

        seen = [(app.queue_filter.holder, labels(app), app.queue_screen.info_text())]
        await press(pilot, "m")
        seen.append((app.queue_filter.holder, labels(app), app.queue_screen.info_text()))
        bob_row = next(r for r in app.queue_screen.rows if r.holder == "bob")
        await press(pilot, "m")
        seen.append((app.queue_filter.holder, labels(app), app.queue_screen.info_text()))
        return seen, bob_row

    (opened, whole, again), bob_row = run(app, scenario, size=(80, 24))
    assert opened[0] == "alice" and opened[1] == mine and len(mine) == 2
    assert opened[2].startswith("1-2 of 2 · Queue: mine") and "held by alice" in opened[2]
    assert whole[0] is None and len(whole[1]) == 9 and "Queue: whole queue" in whole[2]
    assert again[1] == mine
    assert bob_row.holder == "bob"


def test_holder_column_from_100_columns(db, login):
    from clearterm.services import casework
    from clearterm.storage import open_store

    add_users(db, {"tester": ("admin",), "bob": ("reviewer",)})
    with open_store(db, create=False) as s:
        casework.assign(s, reviewer="bob", actor="tester", limit=1)
    app = make_app(db)

    async def scenario(pilot):
        return screen_lines(app)

    lines = run(app, scenario, size=(120, 20))
    assert "Holder" in lines[1] and "bob" in lines[2]


# -- the status bar, the queue's position and search --------------------------------------------------------
def test_routine_confirmations_go_to_the_status_bar_not_notifications(db):
    app = make_app(db)

    async def scenario(pilot):
        for _ in range(4):
            await press(pilot, "a")
        return plain(app.screen.query_one("#status-bar")), len(app._notifications), app.last_notice

    bar, toasts, last = run(app, scenario, size=(80, 24))
    assert bar.startswith("Recorded approval on") and last.startswith(bar.strip().rstrip("…"))
    assert toasts == 0
    assert len(reviews(db)) == 4


def test_conflicts_still_notify(db):
    alice, bob = make_app(db, "alice"), make_app(db, "bob")

    async def main():
        async with alice.run_test(size=(80, 24), notifications=True) as pa, \
                bob.run_test(size=(80, 24), notifications=True) as pb:
            await settle(pa)
            await settle(pb)
            await press(pa, "a")
            await press(pb, "a")  # the same first case, at the version bob saw: a conflict
            await settle(pb)
            return len(alice._notifications), len(bob._notifications)

    a, b = asyncio.run(main())
    assert a == 0 and b == 1


@pytest.fixture(scope="module")
def big_db(tmp_path_factory) -> Path:
    rows = [dict(record_id=f"G{i}", case_number=f"11CR{i:04d}", person_id=f"G{i}", offense_date="2011-02-03",
                 **AUTOMATIC) for i in range(130)]
    return build_tui_store(tmp_path_factory.mktemp("big") / "big.db", rows, {})


def test_queue_says_where_the_page_is(big_db, tmp_path):
    from clearterm.tui.backend import PAGE

    db = tmp_path / "big.db"
    shutil.copy(big_db, db)
    app = make_app(db)

    async def scenario(pilot):
        first = app.queue_screen.info_text()
        await press(pilot, *["down"] * PAGE)  # past the page's end: the next page
        return first, app.queue_screen.info_text()

    first, second = run(app, scenario, size=(80, 24))
    assert f"1-{PAGE} of 130" in first
    assert f"{PAGE + 1}-{2 * PAGE} of 130" in second
    assert len(first) <= 78


def test_search_looks_through_the_whole_queue_and_escape_clears_filters(db):
    app = make_app(db)

    async def scenario(pilot):
        from test_tui import labels

        await press(pilot, "t")  # automatic track only
        filtered = app.queue_screen.info_text()
        await press(pilot, "slash")
        await pilot.press(*"Okonkwo")  # petitions: not on the automatic track
        await press(pilot, "enter")
        found, info = labels(app), app.queue_screen.info_text()
        await press(pilot, "escape")  # clears the search
        after_search = app.queue_filter
        await press(pilot, "t", "s")  # two filters again
        await press(pilot, "escape")  # one key clears them
        return filtered, found, info, after_search, app.queue_filter, labels(app)

    filtered, found, info, after_search, cleared, shown = run(app, scenario, size=(80, 24))
    assert "automatic track (esc clears)" in filtered
    assert sorted(found) == ["05CR6/P6", "06CR7/P6"]
    # the search and the filters it cleared, named in full within 80 columns (a second line if need be)
    assert info.split("\n") == ['1-2 of 2 · search "Okonkwo" in the whole queue',
                                 "filters cleared: automatic track · not assigned"]
    assert after_search.search is None
    from clearterm.tui.backend import QueueFilter

    assert cleared == QueueFilter() and len(shown) == 9


# -- 16 colours ----------------------------------------------------------------------------------------------
def test_cursor_and_status_read_in_16_colours(db):
    from rich.color import ColorType

    from clearterm.tui import sixteen_colours
    from clearterm.tui.table import QueueTable

    assert sixteen_colours({"TERM": "xterm"}) and not sixteen_colours({"TERM": "xterm-256color"})
    assert not sixteen_colours({"TERM": "xterm", "COLORTERM": "truecolor"})
    app = make_app(db, ansi_color=True)

    async def scenario(pilot):
        await press(pilot, "a")  # approve the first case; the cursor moves on to the next
        t = app.screen.query_one(QueueTable)
        approved_row = next(i for i, r in enumerate(app.queue_screen.rows) if r.status == "approved")
        cursor = t.render_line(t.cursor_row - t.top + 1)
        other = t.render_line(approved_row - t.top + 1)
        return app.theme, list(cursor), list(other)

    theme, cursor, other = run(app, scenario, size=(80, 24))
    assert theme == "ansi-dark"
    styles = {(s.style.color, s.style.bgcolor) for s in cursor if s.text.strip()}
    assert len(styles) == 1  # the whole cursor row in one pair of colours: no yellow on white
    ((fg, bg),) = styles
    assert fg.type is ColorType.STANDARD and bg.type is ColorType.STANDARD and fg.number != bg.number
    approved = next(s.style for s in other if s.text.strip() == "APPROVED")
    assert approved.color.type is ColorType.STANDARD and approved.bold  # ANSI green, on the terminal's background


def test_batch_status_fits_80_columns(db):
    _batch(db, "05CR6/P6", signed=True)
    _batch(db, "14CR2/P2", signed=False)
    app = make_app(db)

    async def scenario(pilot):
        app.show_batches()
        await settle(pilot)
        return screen_name(app), screen_lines(app)

    name, lines = run(app, scenario, size=(80, 24))
    assert name == "BatchesScreen"
    rows = [line for line in lines if "B-TEST" in line]
    assert len(rows) == 2  # one line per batch, nothing wrapped
    signed = next(line for line in rows if "B-TEST-S" in line)
    assert "SIGNED" in signed and "2026-11-20 sam" in signed and "2026-11-20 rita" in signed
    assert "OPEN" in next(line for line in rows if "B-TEST-O" in line)


def test_header_and_info_line_fit_80_columns_at_scale(db):
    from clearterm.storage.reviews import QueueCounts

    app = make_app(db)

    async def scenario(pilot):
        app.counts = QueueCounts(1_234_567, 1_034_567, 123_456)
        app.queue_screen.update_header()
        app.queue_filter = app.queue_filter.with_(track="automatic", tranche=1, status="deferred",
                                                  holder="alice")
        app.queue_screen.position = (1_000, 1_234_567)
        app.queue_screen.show_info()
        await pilot.pause()
        return str(app.header_text()), app.queue_screen.info_text(), screen_lines(app)

    header, info, lines = run(app, scenario, size=(80, 24))
    assert len(header) <= 78 and "1,034,567 of 1,234,567 decided (123,456 deferred)" in header
    # every part whole, in lines of at most 78 cells (80 less the padding), on the screen too
    assert info.split("\n") == ["1,001-1,009 of 1,234,567",
                                 "Queue: mine, automatic track, tranche 1, deferred (esc clears) · not assigned"]
    assert all(len(line) <= 80 for line in lines)
    assert all(x in "\n".join(lines) for x in info.split("\n"))


def test_charge_cells_are_text_not_markup(tmp_path):
    hostile = [dict(FOUR[0], record_id="H1", case_number="19CR1", person_id="H1",
                    offense_description="[bold red]NOT MARKUP[/]", sentence="[link=http://x]JAIL[/link]")]
    db = build_tui_store(tmp_path / "hostile.db", rows=hostile, served={})
    app = make_app(db)

    async def scenario(pilot):
        await open_case(pilot, "19CR1/H1")
        return case_text(app)["charges"], case_text(app)["explanation"]

    charges, explanation = run(app, scenario, size=(160, 50))
    assert "[bold red]NOT MARKUP[/]" in charges and "[link=http://x]JAIL[/link]" in charges
    assert "[bold red]NOT MARKUP[/]" in explanation


# Pilot sessions (some seconds each): CI runs them, the everyday run (pytest -m "not slow") leaves them
# out, as tests/tui/test_tui.py does.
pytestmark = pytest.mark.slow
