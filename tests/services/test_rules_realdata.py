"""The real CCSAO extracts evaluate without error; category counts and hand-checked rows.

Each spot check below was worked through the spec (CRTA-RULES.md, rules v2) by hand;
the comment names the step that decides it. ``docs/rules-moves-1.1-to-2.md`` lists, record by
record, what rules 2 moved from rules 1.1 (made by ``benchmarks/rules_moves.py``); a test checks
that every move it lists, and every rules-2 count it states, is what the code decides now.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import date
from pathlib import Path

import pytest

from clearterm.domain.policy import Policy
from clearterm.services.evaluate import _choose_order, evaluate_store
from clearterm.ingest import ingest_file
from conftest import DISPOSITIONS, DIVERSION, SENTENCING, TODAY

AS_OF = date(2026, 11, 21)

EXPECTED_COUNTS = {
    # rules 1.1 -> 2: one unclosed attempt citation (8-4(730 ILCS 150/3(a)) is now unreadable (step 1)
    DISPOSITIONS.name: {"automatic": 62, "ineligible": 2048, "non_conviction": 572, "petition": 58, "review": 31},
    SENTENCING.name: {"automatic": 45, "ineligible": 4153, "non_conviction": 15, "petition": 45, "review": 51},
    # rules 1.1 -> 2: 1,431 referrals were UNKNOWN_DISPOSITION; 1,041 are completed pre-plea programs
    # (DIVERSION_COMPLETED, step 6a) and 390 other outcomes (DIVERSION_OUTCOME, step 10a)
    DIVERSION.name: {"ineligible": 2086, "non_conviction": 1041, "review": 390},
}

# (file, record_id, category, reasons (deciding first), why)
SPOT_CHECKS = [
    (DISPOSITIONS, "1080106260145:582558840889", "petition", "MOTION_ELIGIBLE",
     "550/4(c) class A, plea, 2018-12-28: post-2016 4(c) is 30-100 g, class A allowed (20), >30 g (25)"),
    (DISPOSITIONS, "1080186230077:578520994978", "petition", "MOTION_ELIGIBLE",
     "550/4(d) class 4, finding guilty, 2019-01-01: 100-500 g band, class 4 allowed, >30 g (25)"),
    (DISPOSITIONS, "1080257171145:579797913149", "automatic", "MINOR_CANNABIS_OFFENSE",
     "550/5(b) class A, plea, 2019-01-04, no arrest date: 2.5-10 g band (23), <=30 g (24)"),
    (DISPOSITIONS, "1080812739380:588039747987", "automatic", "MINOR_CANNABIS_OFFENSE",
     "550/4(b) class B, plea, 2019-01-09: post-2016 4(b) is 10-30 g, B (24)"),
    (DISPOSITIONS, "1080632162115:578849588946", "ineligible", "CLASS_ABOVE_4",
     "550/5(e) class 2, plea, no sentence in this extract: class above 4 (19)"),
    (DISPOSITIONS, "1080666284183:578123661435", "ineligible", "SECTION_NOT_COVERED",
     "550/5.2(d): section 5.2 (5)"),
    (DISPOSITIONS, "1080088436934:577750829792", "non_conviction", "NON_CONVICTION",
     "550/5(d) class 3, Nolle Prosecution: non-conviction (6) before any class check"),
    (DISPOSITIONS, "1080965291992:578876843113", "review", "UNKNOWN_DISPOSITION",
     "550/5(e), Superseded by Indictment: unrecognized disposition (10)"),
    (DISPOSITIONS, "1080005535554:585653262975", "review", "ATTEMPT",
     "720 ILCS 5/8-4(550/4(d)) class A, plea: attempt (12)"),
    (DISPOSITIONS, "1081362092943:579828053842", "review", "ATTEMPT",
     "720 ILCS 5/8-4(550/5(C)), upper-case subsection: attempt (12)"),
    (DISPOSITIONS, "1091399843719:588478432681", "review", "AFTER_CRTA_CUTOFF",
     "550/4(b) class B, plea, offense 2019-07-01: on/after 2019-06-25, before 2020 (16)"),
    (DISPOSITIONS, "1091875442022:587426126444", "review", "AFTER_CRTA_CUTOFF",
     "550/4(b), offense 2019-06-30 (16)"),
    (SENTENCING, "1080632162115:578849588946", "review", "QUALIFIED_PROBATION",
     "same 5(e) class 2 charge, sentence 2nd Chance Probation: qualified probation (11) precedes class (19)"),
    (SENTENCING, "1080706034632:579370841685", "non_conviction", "SUPERVISION",
     "550/5(d) class 3, plea, Supervision / Court Supervision: supervision (8) precedes class (19)"),
    (SENTENCING, "1082950234811:582045106541", "non_conviction", "SUPERVISION",
     "550/4(b) class B, plea, Court Supervision (8)"),
    (SENTENCING, "1080877817550:578222206061", "review", "QUALIFIED_PROBATION",
     "550/4(d) class 4, Probation / 710/410 Probation (11)"),
    (SENTENCING, "1080186230077:578520994978", "petition", "MOTION_ELIGIBLE",
     "550/4(d) class 4, ordinary Probation is not qualified: >30 g (25)"),
    (SENTENCING, "1081936539710:580497996190", "ineligible", "CLASS_ABOVE_4",
     "550/5(f) class 1, finding guilty, probation (19)"),
    (SENTENCING, "1081054877076:578333840743", "ineligible", "SECTION_NOT_COVERED",
     "550/5.1(a) class X, no offense date: section 5.1 (5) comes before the date steps"),
    (SENTENCING, "1083541918499:581472164863", "review", "COCHARGED_CONVICTION",
     "550/5(c) class 4 <=30 g would be automatic (24), but a non-cannabis co-charge in the case "
     "is a conviction (C2)"),
    (DIVERSION, "710793802894:diversion:1", "review", "DIVERSION_OUTCOME",
     "550/5(c) diversion referral still open: any other diversion referral (10a)"),
    (DIVERSION, "711209040653:diversion:1", "ineligible", "SECTION_NOT_COVERED",
     "550/5.2(b) referral: section 5.2 (5) before the disposition steps"),
]


def _evaluate(tmp_path, path, order=None, chunk_records=None):
    from clearterm.storage import open_store

    tmp_path.mkdir(mode=0o700, exist_ok=True)
    store = open_store(tmp_path / f"{path.stem}.db")
    ingest_file(store, path, today=TODAY)
    result = evaluate_store(store, Policy(), AS_OF, order=order, chunk_records=chunk_records)
    return store, result


@pytest.mark.parametrize("path", [DISPOSITIONS, SENTENCING, DIVERSION], ids=lambda p: p.stem)
def test_real_file_category_counts(tmp_path, realdata, path):
    store, result = _evaluate(tmp_path, path)
    with store:
        assert dict(result.categories) == EXPECTED_COUNTS[path.name]
        assert store.scalar("SELECT count(*) FROM decision_current") == result.records
        # every decision has a reason, an explanation and the rules version
        assert store.scalar("SELECT count(*) FROM decisions WHERE reasons = '' OR explanation = ''") == 0
        # CCSAO numbers records participant:charge, so a case's charges sit together by record id
        # (the faster read order); the case-number order decides the same, record for record
        assert _choose_order(store.conn, result.records) == "record_id"
        by_id = _current(store)
    again, _ = _evaluate(tmp_path / "by-case", path, order="case_number", chunk_records=97)  # many chunks
    with again:
        assert _current(again) == by_id


def _current(store) -> list[tuple]:
    return store.conn.execute(
        "SELECT d.record_id, d.category, d.reasons, d.steps, d.explanation, d.tranche FROM decision_current c"
        " JOIN decisions d ON d.id = c.decision_id ORDER BY d.record_id").fetchall()


def test_hand_checked_real_rows(tmp_path, realdata):
    stores = {}
    try:
        for path in (DISPOSITIONS, SENTENCING, DIVERSION):
            stores[path], _ = _evaluate(tmp_path, path)
        for path, rid, category, deciding, why in SPOT_CHECKS:
            row = stores[path].conn.execute(
                "SELECT d.category, d.reasons FROM decision_current c JOIN decisions d ON d.id = c.decision_id"
                " WHERE c.record_id = ?", (rid,)).fetchone()
            assert row is not None, rid
            assert (row[0], row[1].split(";")[0]) == (category, deciding), why
    finally:
        for s in stores.values():
            s.close()
    assert len(SPOT_CHECKS) >= 20


_MOVE = re.compile(r"^(\S+\.csv) (\S+) (\w+) (\w+) -> (\w+) (\w+)$")
_COUNT = re.compile(r"^\| (\w+), (\w+) \| (\d+) \| (\d+) \|$")


def test_moves_from_rules_1_1_are_what_the_code_decides(tmp_path, realdata):
    """docs/rules-moves-1.1-to-2.md, record by record: each listed move ends where rules 2 puts the
    record now, every rules-2 count it states is the store's, and the rules-1.1 counts less the
    moves out plus the moves in give the rules-2 counts (so no move is left unlisted)."""
    doc = (Path(__file__).resolve().parents[2] / "docs" / "rules-moves-1.1-to-2.md").read_text("utf-8")
    sections = doc.split("\n## ")[1:]
    assert [s.splitlines()[0] for s in sections] == [DISPOSITIONS.name, SENTENCING.name, DIVERSION.name]
    for path, section in zip((DISPOSITIONS, SENTENCING, DIVERSION), sections):
        store, _ = _evaluate(tmp_path / path.stem, path)
        with store:
            now = {rid: (cat, reasons.split(";")[0]) for rid, cat, reasons, *_ in _current(store)}
        old_counts, new_counts, moved = Counter(), Counter(), Counter()
        for line in section.splitlines():
            if m := _COUNT.match(line):
                old_counts[(m[1], m[2])] = int(m[3])
                new_counts[(m[1], m[2])] = int(m[4])
            elif m := _MOVE.match(line):
                assert m[1] == path.name
                assert now[m[2]] == (m[5], m[6]), m[2]
                moved[(m[3], m[4])] -= 1
                moved[(m[5], m[6])] += 1
        assert +new_counts == Counter(now.values()), path.name
        expected = Counter(old_counts)
        expected.update(moved)
        assert +expected == +new_counts, path.name
