"""The report's "cases in research" is ``clearterm research``'s: the same cases (on a relief track,
not in a signed batch), the same fields and the same Clerk case-number rule
(clearterm.domain.research), on a store with each kind of missing field, a case whose missing
field a record that is not flagged supplies, a case in a signed batch and a record ingested since
the evaluation."""

from __future__ import annotations

from collections import Counter

import pytest

from clearterm.ingest import ingest_file
from clearterm.services.report import build_report
from clearterm.services.research import research_cases, research_counts
from test_batches import ADDRESS, AUTOMATIC, TODAY, build_store, write_csv

PERSON = dict(last_name="Quill", first_name="Ada", date_of_birth="1980-01-02", **ADDRESS)
NO_ADDRESS = {k: v for k, v in PERSON.items() if k not in ADDRESS}
NOT_ELIGIBLE = dict(AUTOMATIC, statute="720 ILCS 570/402(c)", offense_description="Possession of a controlled substance")


def _row(rid: str, number: str, person: str, **fields) -> dict:
    return dict(dict(record_id=rid, case_number=number, person_id=person, offense_date="2010-04-30", **AUTOMATIC),
                **fields)


ROWS = [
    _row("F1", "13CR1", "P1", **PERSON),  # complete
    _row("F2", "13CR2", "P2", **dict(PERSON, first_name="")),  # no first name
    _row("F3", "13CR3", "P3", **dict(PERSON, date_of_birth="")),
    _row("F4", "13CR4", "P4", **NO_ADDRESS),
    _row("F5", "129568602999", "P5", **PERSON),  # the CCSAO's internal id, not the Clerk's form
    _row("F6", "13CR6", "P6", **dict(PERSON, disposition_date="")),
    # the flagged charge has no name; the case's other charge (not eligible) has it all
    _row("F7", "13CR7", "P7", **NO_ADDRESS | dict(last_name="", date_of_birth="")),
    _row("F8", "13CR7", "P7", **dict(PERSON, **NOT_ELIGIBLE)),
    # lacks a date of birth, but in a signed batch: no longer on the research list
    _row("F9", "13CR9", "P9", **dict(PERSON, date_of_birth="")),
]
#: Ingested after the evaluation: a charge of the complete case with no disposition date.
LATER = [_row("F10", "13CR1", "P1", **dict(PERSON, disposition_date=""))]


def _sign(conn, number: str) -> None:
    with conn:
        conn.execute("INSERT INTO batches (id, label, track, created_at, created_by)"
                     " VALUES (1, 'B-1', 'automatic', '2026-11-20T10:00:00Z', 'boss')")
        cid, person = conn.execute("SELECT id, person_id FROM cases WHERE case_number = ?", (number,)).fetchone()
        conn.execute("INSERT INTO batch_cases VALUES (1, 0, ?, ?, ?, 'approved', 1)", (cid, number, person))
        conn.execute("UPDATE batches SET status = 'signed', signed_at = '2026-11-20T11:00:00Z', signed_by = 'boss',"
                     " manifest_sha256 = 'ab', anchor_seq = 1, anchor_hash = 'cd', signed_audit_seq = 2 WHERE id = 1")


def _report_research(conn) -> tuple[int, Counter]:
    table = build_report(conn, today=TODAY).table("research")
    by: Counter = Counter()
    for label, (n,) in table.rows:
        for item in label.split(", "):
            by[item.replace(" ", "_")] += n
    return table.totals[0], by


@pytest.fixture
def store(tmp_path):
    s = build_store(tmp_path / "rr.db", ROWS)
    _sign(s.conn, "13CR9")
    yield s
    s.close()


def test_report_counts_the_cases_research_counts(store):
    missing = {c.case_number: c.missing for c in research_cases(store.conn)}
    assert missing == {"13CR2": ("name",), "13CR3": ("date_of_birth",), "13CR4": ("address",),
                       "129568602999": ("case_number",), "13CR6": ("disposition_date",)}
    assert _report_research(store.conn) == research_counts(store.conn)


def test_a_record_ingested_since_the_evaluation_counts_in_the_report_too(store, tmp_path):
    ingest_file(store, write_csv(tmp_path / "later.csv", LATER), today=TODAY)
    total, by = research_counts(store.conn)
    assert total == 6 and by["disposition_date"] == 2  # 13CR1 now has a charge with no disposition date
    assert _report_research(store.conn) == (total, by)
