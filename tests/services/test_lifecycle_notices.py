"""Agencies told after a granted order (audit of issue 16, findings 2 and 5): a case is
``agencies_told`` only once every agency its notice goes to is told (the State Police, the Clerk
and each arresting agency), and ``notices sent`` records only notices that were made.

The batch of ``test_letters_service`` (10CR1, 15CR5: Chicago PD; 98CR8: Evanston PD; granted).
"""

from __future__ import annotations

from datetime import date

import pytest

from clearterm.services import letters as sl
from clearterm.storage.lifecycle import agencies_all_told
from test_letters_service import TODAY, ruled  # noqa: F401 (the fixture)

ISP, CLERK = "Illinois State Police", "Clerk of the Circuit Court of Cook County"


def states(store) -> dict[str, str]:
    return dict(store.conn.execute("SELECT bc.case_number, l.state FROM case_lifecycle l"
                                   " JOIN batch_cases bc ON bc.case_id = l.case_id"
                                   " WHERE bc.case_number IN ('10CR1', '15CR5', '98CR8')"))


def test_agencies_all_told():
    assert not agencies_all_told([ISP], ["Chicago Police Department"])
    assert not agencies_all_told([ISP, CLERK], ["Chicago Police Department"])
    assert not agencies_all_told([ISP, "chicago police department"], ["Chicago Police Department"])
    assert agencies_all_told([ISP, CLERK, "CHICAGO POLICE DEPARTMENT "], ["Chicago Police Department"])
    assert agencies_all_told([ISP, CLERK], [])
    # arrested by the State Police: its one notice covers both roles
    assert agencies_all_told(["ILLINOIS STATE POLICE", CLERK], ["Illinois State Police"])
    assert not agencies_all_told(["Illinois State Police"], ["Illinois State Police"])


def test_agencies_told_only_once_every_agency_is_told(ruled, tmp_path):
    store, info = ruled
    sl.make_notices(store, info.id, out_dir=tmp_path / "n", actor="boss", today=TODAY)
    sl.record_notices_sent(store, info.id, sent=date(2026, 10, 20), actor="boss", today=TODAY, agency=ISP)
    assert states(store) == {"10CR1": "granted", "15CR5": "granted", "98CR8": "granted"}
    sl.record_notices_sent(store, info.id, sent=date(2026, 10, 20), actor="boss", today=TODAY, agency=CLERK)
    sl.record_notices_sent(store, info.id, sent=date(2026, 10, 21), actor="boss", today=TODAY,
                           agency="Chicago Police Department")
    assert states(store) == {"10CR1": "agencies_told", "15CR5": "agencies_told", "98CR8": "granted"}
    sl.record_notices_sent(store, info.id, sent=date(2026, 10, 22), actor="boss", today=TODAY)  # Evanston PD
    assert states(store) == {"10CR1": "agencies_told", "15CR5": "agencies_told", "98CR8": "agencies_told"}


def test_notices_sent_refused_when_the_notices_were_never_made(ruled, tmp_path):
    store, info = ruled
    with pytest.raises(sl.LetterError, match=rf"^batch {info.label}: its agency notices were never made: run "
                                             rf"clearterm notices --batch {info.label} --out DIR first$"):
        sl.record_notices_sent(store, info.id, sent=date(2026, 10, 20), actor="boss", today=TODAY)
    assert store.scalar("SELECT count(*) FROM case_notices") == 0
    assert store.scalar("SELECT count(*) FROM audit WHERE event = 'notices.sent'") == 0
    assert "agencies_told" not in states(store).values()


def test_notices_sent_refused_for_a_case_ruled_after_the_notices_were_made(ruled, tmp_path):
    """A case granted after the notices were made is on no notice: nothing is recorded until the
    notices are made again."""
    store, info = ruled
    sl.make_notices(store, info.id, out_dir=tmp_path / "n", actor="boss", today=TODAY)
    with store.write() as conn:  # 11CR9 granted, recorded after the notices were made
        conn.execute("INSERT INTO rulings (case_id, batch_id, ruling, ruling_date, actor, created_at)"
                     " VALUES (?, ?, 'granted', '2026-10-10', 'clerk', '2999-01-01T00:00:00+00:00')",
                     (store.scalar("SELECT case_id FROM batch_cases WHERE case_number = '11CR9'"), info.id))
    with pytest.raises(sl.LetterError, match=rf"^batch {info.label}: 11CR9/P9 ruled after its agency notices "
                                             rf"were made: run clearterm notices --batch {info.label} --out DIR "
                                             "again first$"):
        sl.record_notices_sent(store, info.id, sent=date(2026, 10, 20), actor="boss", today=TODAY)
    assert store.scalar("SELECT count(*) FROM case_notices") == 0
