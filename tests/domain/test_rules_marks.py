"""The co-charge that decided a case step, named in words (issue 15; the case screen shows it)."""

from __future__ import annotations

from datetime import date

from clearterm.domain.policy import Policy
from clearterm.domain.record import ChargeRecord
from clearterm.domain.rules import evaluate_records
from clearterm.domain.rules.marks import deciding_marks

AS_OF = date(2026, 11, 21)


def rec(rid: str, statute: str, disposition: str = "Plea Of Guilty", cls: str = "A", **kw) -> ChargeRecord:
    return ChargeRecord(record_id=rid, case_number="17CR4", statute=statute, disposition=disposition,
                        person_id="P4", offense_class=cls, offense_date=date(2017, 6, 1), county="Cook", **kw)


def marks(records: list[ChargeRecord]) -> dict[str, str]:
    decisions = evaluate_records(records, Policy(), AS_OF)
    return deciding_marks(list(zip(records, decisions)), lambda d: None)


def test_violent_co_charge_is_marked_violent_whatever_its_disposition():
    got = marks([rec("F1", "720 ILCS 550/4(c)"), rec("F3", "720 ILCS 5/10-2(a)", "Nolle Prosecution", "X")])
    assert got == {"F3": "VIOLENT"}


def test_convicted_co_charge_is_marked_convicted():
    got = marks([rec("C1", "720 ILCS 550/4(c)"), rec("C2", "720 ILCS 5/16A-3(a)")])
    assert got == {"C2": "CONVICTED"}


def test_no_case_step_no_mark():
    assert marks([rec("A1", "720 ILCS 550/4(c)"), rec("A2", "720 ILCS 550/4(c)")]) == {}
    # a co-charge outside the Act that ended without a conviction decides nothing
    assert marks([rec("A1", "720 ILCS 550/4(c)"), rec("A3", "720 ILCS 5/16A-3(a)", "Nolle Prosecution")]) == {}
