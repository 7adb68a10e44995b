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

    return ReviewApp(db, reviewer, today=TODAY, tz=timezone.utc, **kw)


def screen_lines(app) -> list[str]:
    """The terminal as drawn now: one string per line."""
    return [strip.text for strip in app.screen._compositor.render_strips()]


async def open_case(pilot, label: str) -> None:
    pilot.app.jump_to_case(label)
    await settle(pilot)
    assert pilot.app.screen.detail.label == label
