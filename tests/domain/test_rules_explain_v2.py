"""Rules v2: explanations a lawyer can check (issue 12, "Explanations a lawyer can check").

The citation as written beside the normalised one (explain, the case screen's charge line, Schedule
A); an unreadable co-charge citation and an unrecognized disposition quoted as written, unless the
text holds the record's own name, address or date of birth; WEIGHT_CONFLICT naming the weight and
the band; unknown age saying step 18 could not be applied; MINOR_CANNABIS_OFFENSE citing the
definition as well as (i)(4); UNKNOWN_DISPOSITION "not in the vocabulary".
"""

from __future__ import annotations

from datetime import date

import pytest

from clearterm.services.batches import _charge
from clearterm.domain.decision import REASONS
from clearterm.domain.policy import Policy, PolicyError
from clearterm.domain.record import ChargeRecord
from clearterm.domain.rules import display_cite, evaluate_charge, evaluate_records, explain_lines

AS_OF = date(2026, 11, 21)
IRS = "Ill. Rev. Stat. ch. 56 1/2, par. 705(b)"


def _rec(**kw) -> ChargeRecord:
    base = dict(record_id="r1", case_number="90CR1", statute="720 ILCS 550/4(c)", disposition="Plea Of Guilty",
                person_id="P1", offense_class="A", offense_date=date(2014, 3, 1))
    base.update(kw)
    return ChargeRecord(**base)


def test_pre_1993_citation_shown_as_written_with_its_ilcs_form():
    rec = _rec(statute=IRS, offense_date=date(1990, 4, 1))
    dec = evaluate_charge(rec, Policy(), AS_OF)
    assert dec.statute_cite == "720 ILCS 550/5(b)"
    assert display_cite(rec.statute) == f"{IRS} (720 ILCS 550/5(b))"
    assert dec.explanation.startswith(f"{IRS} (720 ILCS 550/5(b)), class A, convicted")
    step1 = next(ln for ln in explain_lines(rec, dec, Policy()) if ln.startswith("Step 1:"))
    assert f'as written "{IRS}", it reads 720 ILCS 550/5(b)' in step1
    # Schedule A's charge line (batches -> documents) carries the same form
    assert _charge(rec, "automatic", "MINOR_CANNABIS_OFFENSE", dec.statute_cite).statute_cite == \
        f"{IRS} (720 ILCS 550/5(b))"
    # an ILCS citation stays in its normalised form
    assert display_cite("720-550/4-C") == "720 ILCS 550/4(c)"


def test_unreadable_co_charge_quoted_as_written():
    cannabis = _rec()
    other = _rec(record_id="r2", statute="possession of a weapon", disposition="Nolle Prosecution")
    dec = evaluate_records([cannabis, other], Policy(), AS_OF)[0]
    assert dec.reasons[0] == "VIOLENT_UNDETERMINED"
    c1a = next(ln for ln in explain_lines(cannabis, dec, Policy(), [other]) if ln.startswith("Step C1a:"))
    assert 'Statute citation "possession of a weapon" (as written) unreadable (not convicted)' in c1a


def test_unrecognized_disposition_quoted_and_not_in_the_vocabulary():
    dec = evaluate_charge(_rec(disposition="Superseded by Indictment"), Policy(), AS_OF)
    assert dec.reasons == ("UNKNOWN_DISPOSITION",)
    assert 'disposition "Superseded by Indictment" not in the vocabulary' in dec.explanation
    assert "is not in the vocabulary" in REASONS["UNKNOWN_DISPOSITION"].sentence
    assert "could not be read" not in REASONS["UNKNOWN_DISPOSITION"].sentence


def test_text_holding_the_records_own_personal_data_is_never_quoted():
    """A column shifted into the disposition or statute must not carry a name into an explanation."""
    rec = _rec(disposition="Quillfeather Zorabeth", last_name="Quillfeather", first_name="Zorabeth",
               date_of_birth=date(1961, 4, 2))
    dec = evaluate_charge(rec, Policy(), AS_OF)
    assert dec.reasons == ("UNKNOWN_DISPOSITION",)
    assert "Quillfeather" not in dec.explanation and "Zorabeth" not in dec.explanation
    assert not any("Quillfeather" in ln for ln in explain_lines(rec, dec, Policy()))
    rec2 = _rec(statute="4417 W Wabansia", address_line1="4417 W Wabansia")
    dec2 = evaluate_charge(rec2, Policy(), AS_OF)
    assert dec2.reasons == ("UNPARSED_STATUTE",) and "Wabansia" not in dec2.explanation
    rec3 = _rec(statute="1961-04-02", date_of_birth=date(1961, 4, 2))
    assert "1961" not in evaluate_charge(rec3, Policy(), AS_OF).explanation


def test_weight_conflict_names_the_weight_and_the_band():
    rec = _rec(statute="720 ILCS 550/4(d)", offense_class="4", offense_date=date(2017, 3, 1), weight_grams=25.0)
    dec = evaluate_charge(rec, Policy(), AS_OF)
    assert dec.reasons == ("WEIGHT_CONFLICT",)
    assert ("the weight given, 25 g, is outside the band of Section 4(d) for the offense date 2017-03-01 "
            "(more than 100 g, not more than 500 g)") in dec.explanation
    line = next(ln for ln in explain_lines(rec, dec, Policy()) if ln.startswith("Step 22a:"))
    assert "Weight 25 g: Yes, it is outside" in line and "yes: review (WEIGHT_CONFLICT)" in line


def test_unknown_age_says_step_18_could_not_be_applied():
    rec = _rec()
    dec = evaluate_charge(rec, Policy(), AS_OF)
    assert "step 18 (juvenile) could not be applied" in dec.explanation
    line = next(ln for ln in explain_lines(rec, dec, Policy()) if ln.startswith("Step 18:"))
    assert "step 18 could not be applied" in line
    known = evaluate_charge(_rec(age_at_offense=25), Policy(), AS_OF)
    assert "step 18" not in known.explanation


def test_minor_cannabis_offense_cites_the_definition_and_i4():
    cite = REASONS["MINOR_CANNABIS_OFFENSE"].cite
    assert "20 ILCS 2630/5.2(a)(1)(G)" in cite and "20 ILCS 2630/5.2(i)(4)" in cite
    assert cite in evaluate_charge(_rec(), Policy(), AS_OF).explanation


@pytest.mark.parametrize("key, value", [("possession_schedule_date", date(1997, 8, 14)),
                                        ("delivery_schedule_date", date(1983, 9, 23)),
                                        ("possession_schedule_date", date(1960, 1, 1))])
def test_policy_guard_refuses_dates_before_the_subsection_tables(key, value):
    with pytest.raises(PolicyError) as e:
        Policy(**{key: value})
    msg = str(e.value)
    assert "\n" not in msg and key in msg and "the subsection tables are not defined for those dates" in msg


def test_policy_guard_accepts_the_floors_and_later_dates():
    Policy(possession_schedule_date=date(1997, 8, 15), delivery_schedule_date=date(1983, 9, 24))
    Policy(possession_schedule_date=date(1999, 1, 1), delivery_schedule_date=date(1990, 1, 1))


def test_policy_office_county_must_be_an_illinois_county():
    Policy(office_county="DuPage")
    with pytest.raises(PolicyError, match="102 Illinois counties"):
        Policy(office_county="Not Cook")


def test_explain_without_a_policy_does_not_depend_on_what_the_process_evaluated_before():
    """explain_lines(policy=None) uses the default policy only if the decision was made under it;
    a decision made under another policy is explained as "not available" even right after this
    process evaluated with that policy (it used to be found in a process-wide cache)."""
    rec = _rec()
    other = Policy(crta_cutoff_date=date(2019, 1, 1))
    assert other.hash != Policy().hash
    dec = evaluate_charge(rec, other, AS_OF)  # the process has now seen `other`
    lines = explain_lines(rec, dec, None)
    assert lines[0].startswith(f"(Policy {other.hash[:12]}, under which this decision was made, is not available")
    assert not any(ln.startswith(("Warning", "Note")) for ln in lines)  # not re-checked without the policy
    assert "on/after 2019-06-25 (CRTA cutoff)" in "\n".join(lines)  # the default dates, as it says
    # with the policy given, the trail is told under it
    given = explain_lines(rec, dec, other)
    assert "not available" not in given[0] and "on/after 2019-01-01 (CRTA cutoff)" in "\n".join(given)
    # a decision made under the default policy needs none
    default = explain_lines(rec, evaluate_charge(rec, Policy(), AS_OF), None)
    assert not any("not available" in ln for ln in default)
