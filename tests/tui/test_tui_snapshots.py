"""SVG snapshots of the workstation (queue, case, objection dialog, help) at 80x24 and 160x50.

The store is built by code (tests/test_tui.py: fixed rows, evaluated as of 2026-11-21, service
dates recorded at a fixed time) and the app's ``today`` is fixed, so the screens are the same
on every run. Regenerate with ``pytest tests/test_tui_snapshots.py --snapshot-update``.
"""

from __future__ import annotations

import shutil
from datetime import timezone

import pytest

from test_tui import TODAY, build_tui_store, settle

SIZES = [(80, 24), (160, 50)]


@pytest.fixture(scope="module")
def snap_db(tmp_path_factory):
    return build_tui_store(tmp_path_factory.mktemp("snap") / "snap.db")


@pytest.fixture
def app(snap_db, tmp_path):
    from clearterm.tui.app import ReviewApp

    db = tmp_path / "snap.db"
    shutil.copy(snap_db, db)
    return ReviewApp(db, "alice", today=TODAY, tz=timezone.utc)  # times shown in UTC: the same on every machine


@pytest.fixture(scope="module")
def four_db(tmp_path_factory):
    from test_tui import ROWS
    from test_tui_case import FOUR

    return build_tui_store(tmp_path_factory.mktemp("snap4") / "four.db", rows=ROWS + FOUR)


@pytest.fixture
def four_app(four_db, tmp_path):
    from clearterm.tui.app import ReviewApp

    db = tmp_path / "four.db"
    shutil.copy(four_db, db)
    return ReviewApp(db, "alice", today=TODAY, tz=timezone.utc)


@pytest.fixture(scope="module")
def also_db(tmp_path_factory):
    from test_tui import ROWS
    from test_tui_case import ALSO

    return build_tui_store(tmp_path_factory.mktemp("snapalso") / "also.db", rows=ROWS + ALSO)


@pytest.fixture
def also_app(also_db, tmp_path):
    from clearterm.tui.app import ReviewApp

    db = tmp_path / "also.db"
    shutil.copy(also_db, db)
    return ReviewApp(db, "alice", today=TODAY, tz=timezone.utc)


@pytest.fixture
def ansi_app(snap_db, tmp_path):
    from clearterm.tui.app import ReviewApp

    db = tmp_path / "snap.db"
    shutil.copy(snap_db, db)
    return ReviewApp(db, "alice", today=TODAY, tz=timezone.utc, ansi_color=True)


async def ready(pilot):
    await settle(pilot)


async def on_case(pilot):
    await settle(pilot)
    pilot.app.jump_to_case("06CR7/P6")  # overdue petition with another case and a history entry
    await settle(pilot)


async def on_four_charges(pilot):
    await settle(pilot)
    pilot.app.jump_to_case("17CR4/P4")  # four charges, a violent co-charge, no date of birth
    await settle(pilot)
    await pilot.pause(0.1)  # the footer enables `o` (a petition) after the refresh that shows the case
    await settle(pilot)


async def on_also(pilot):
    await settle(pilot)
    pilot.app.jump_to_case("2004MC10203040/IR10203040")  # four charges, "Also VIOLENT_UNDETERMINED", a 25-cell label
    await settle(pilot)
    await pilot.pause(0.1)
    await settle(pilot)


async def approved_one(pilot):
    await settle(pilot)
    await pilot.press("a")  # an APPROVED row above the cursor: status colours and the cursor in 16 colours
    await settle(pilot)


async def on_objection(pilot):
    await settle(pilot)
    pilot.app.jump_to_case("14CR2/P3")  # no service date yet: the dialog asks for it
    await settle(pilot)
    await pilot.press("o")
    await settle(pilot)
    await pilot.press("2")
    await settle(pilot)


async def on_late_objection(pilot):
    await settle(pilot)
    pilot.app.jump_to_case("06CR7/P6")  # served 2026-09-01, due 2026-10-31: 21 days late on 2026-11-21
    await settle(pilot)
    await pilot.press("o")
    await settle(pilot)
    await pilot.press("1")
    await pilot.press(*"The Sheriff asked on 2026-11-01 that the record be kept.")
    await settle(pilot)


async def on_help(pilot):
    await settle(pilot)
    await pilot.press("question_mark")
    await settle(pilot)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_queue(snap_compare, app, size):
    assert snap_compare(app, terminal_size=size, run_before=ready)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_case(snap_compare, app, size):
    assert snap_compare(app, terminal_size=size, run_before=on_case)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_case_four_charges(snap_compare, four_app, size):
    assert snap_compare(four_app, terminal_size=size, run_before=on_four_charges)


def test_case_four_charges_with_a_further_reason(snap_compare, also_app):
    """At 80x24: the whole first explanation, its "Also" sentence and the Codes line, in view."""
    assert snap_compare(also_app, terminal_size=(80, 24), run_before=on_also)


def test_queue_16_colours(snap_compare, ansi_app):
    assert snap_compare(ansi_app, terminal_size=(80, 24), run_before=approved_one)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_objection_dialog(snap_compare, app, size):
    assert snap_compare(app, terminal_size=size, run_before=on_objection)


def test_late_objection_dialog(snap_compare, app):
    """At 80x24: the deadline in words (LATE, 21 days), the chosen ground, the facts typed."""
    assert snap_compare(app, terminal_size=(80, 24), run_before=on_late_objection)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_help(snap_compare, app, size):
    assert snap_compare(app, terminal_size=size, run_before=on_help)


# Slow (subprocesses, kill trials, a real terminal or many workstation sessions): CI runs it, the
# everyday run (pytest -m "not slow") leaves it out.
pytestmark = pytest.mark.slow
