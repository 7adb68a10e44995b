"""SVG snapshots of bulk approval (issue 15) at 80x24 and 160x50: the queue with marked cases
(a ``*`` before each, not only a colour) and the confirmation dialog. The store and ``today``
are fixed (tests/tui/test_tui.py) and so is the dialog's random sample (``bulk_seed``).
Regenerate with ``pytest tests/tui/test_tui_bulk_snapshots.py --snapshot-update``."""

from __future__ import annotations

import shutil

import pytest

from test_tui import TODAY, build_tui_store, settle

SIZES = [(80, 24), (160, 50)]

# Slow (SVG rendering of whole screens): the everyday run (pytest -m "not slow") leaves it out.
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def snap_db(tmp_path_factory):
    return build_tui_store(tmp_path_factory.mktemp("bulksnap") / "snap.db")


@pytest.fixture
def app(snap_db, tmp_path):
    from clearterm.tui.app import ReviewApp

    db = tmp_path / "snap.db"
    shutil.copy(snap_db, db)
    a = ReviewApp(db, "alice", today=TODAY)
    a.bulk_seed = 3
    return a


async def keys(pilot, *names: str) -> None:
    for k in names:
        await pilot.press(k)
        await settle(pilot)


async def with_marks(pilot):
    await settle(pilot)
    await keys(pilot, "space", "down", "down", "space", "down")


async def on_dialog(pilot):
    await settle(pilot)
    await keys(pilot, "down", "down", "space", "asterisk", "A")  # every case of the queue, and one by one


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_queue_with_marks(snap_compare, app, size):
    assert snap_compare(app, terminal_size=size, run_before=with_marks)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_bulk_dialog(snap_compare, app, size):
    assert snap_compare(app, terminal_size=size, run_before=on_dialog)
