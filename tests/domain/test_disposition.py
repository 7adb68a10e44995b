"""Rules v2 disposition and sentence reading (CRTA-RULES.md, "Reading a disposition"; issue 12).

Diversion referrals, the qualified-probation spellings the audit found unread ("Section 10",
"First Offender", "TASC"), supervision that did not end well, and every disposition spelling the
spec lists.
"""

from __future__ import annotations

import collections
import re
from datetime import date
from pathlib import Path

import pytest

from clearterm.domain.disposition import (
    POST_PLEA_PROGRAMS, PRE_PLEA_PROGRAMS, VOCABULARY, DispositionKind, DiversionReferral, SentenceKind,
    read_disposition, read_diversion, read_sentence,
)
from clearterm.ingest.adapters import COL, ccsao_diversion_adapter
from clearterm.ingest.readers import iter_rows, open_source

SPEC = Path(__file__).resolve().parents[3] / "shared" / "law" / "CRTA-RULES.md"

CONV, NON, SUP, PEND, UNREC = (DispositionKind.CONVICTION, DispositionKind.NON_CONVICTION,
                               DispositionKind.SUPERVISION, DispositionKind.PENDING, DispositionKind.UNRECOGNIZED)
DONE, OTHER = DispositionKind.DIVERSION_COMPLETED, DispositionKind.DIVERSION_OTHER
S_SUP, S_REV, S_QUAL, S_OTHER = (SentenceKind.SUPERVISION, SentenceKind.SUPERVISION_REVOKED,
                                 SentenceKind.QUALIFIED_PROBATION, SentenceKind.OTHER)


def _read(text: str) -> DispositionKind:
    k = read_disposition(text, None)
    assert read_disposition(text, date(2015, 3, 1)) is k  # a date does not change a non-empty reading
    assert read_disposition(text, None) is k              # nor does the cache
    return k


def test_new_disposition_kinds_have_the_values_rules_v2_uses():
    assert DispositionKind.DIVERSION_COMPLETED.value == "diversion_completed"
    assert DispositionKind.DIVERSION_OTHER.value == "diversion_other"
    assert {k.value for k in DispositionKind} == {
        "conviction", "non_conviction", "supervision", "pending", "diversion_completed", "diversion_other",
        "unrecognized"}


# -- diversion referrals ------------------------------------------------------------------------

PRE = ("DS", "DDPP", "BR9", "RJCC")
POST = ("DC", "MHC", "VC", "ARI", "ACT")
UNLISTED = ("DSX", "XDS", "DS9", "BR", "DRUG SCHOOL", "")  # "any other program counts as post-plea"
COMPLETED_RESULTS = ("Graduated", "Completed", "GRADUATED", "completed", "graduated ")
OTHER_RESULTS = ("Failed", "open", "OPEN", "", "Terminated", "Graduated - Failed", "Not Graduated",
                 "Completed?", "Pending")


def test_program_lists_are_the_specs():
    assert tuple(PRE_PLEA_PROGRAMS) == PRE
    assert tuple(POST_PLEA_PROGRAMS) == POST
    assert PRE_PLEA_PROGRAMS["DS"] == "Drug School"


@pytest.mark.parametrize("program", PRE)
@pytest.mark.parametrize("result", COMPLETED_RESULTS)
def test_graduated_pre_plea_program_is_diversion_completed(program, result):
    assert _read(f"Diversion referral ({program}): {result}") is DONE


def test_graduated_drug_school_is_diversion_completed():
    assert _read("Diversion referral (DS): Graduated") is DONE
    r = read_diversion("Diversion referral (DS): Graduated")
    assert r == DiversionReferral(program="DS", result="Graduated", pre_plea=True, completed=True,
                                  program_name="Drug School")
    assert r.kind is DONE


@pytest.mark.parametrize("program", PRE)
@pytest.mark.parametrize("result", OTHER_RESULTS)
def test_pre_plea_program_not_completed_is_diversion_other(program, result):
    text = f"Diversion referral ({program}): {result}"
    assert _read(text) is OTHER
    r = read_diversion(text)
    assert r is not None and r.pre_plea and not r.completed
    assert r.program_name == PRE_PLEA_PROGRAMS[program]


@pytest.mark.parametrize("program", POST + UNLISTED)
@pytest.mark.parametrize("result", COMPLETED_RESULTS + OTHER_RESULTS)
def test_post_plea_or_unlisted_program_is_diversion_other_whatever_the_result(program, result):
    text = f"Diversion referral ({program}): {result}"
    assert _read(text) is OTHER
    r = read_diversion(text)
    assert r is not None and not r.pre_plea and not r.completed
    assert r.program_name == POST_PLEA_PROGRAMS.get(program)


def test_graduated_drug_court_is_not_completed_diversion():
    """Drug Court is post-plea: graduating it does not show the conviction was vacated."""
    assert _read("Diversion referral (DC): Graduated") is OTHER
    assert read_diversion("Diversion referral (DC): Graduated").program_name == "Drug Court"


def test_near_miss_program_code_is_any_other_program():
    assert _read("Diversion referral (DSX): Graduated") is OTHER
    assert read_diversion("Diversion referral (DSX): Graduated").program_name is None


@pytest.mark.parametrize("text, kind", [
    ("diversion referral (ds): graduated", DONE),
    ("DIVERSION REFERRAL (DDPP): COMPLETED", DONE),
    ("Diversion referral(BR9):Graduated", DONE),
    ("Diversion referral ( RJCC ) : Graduated", DONE),
    ("  Diversion   Referral\t(ds)  :   Completed  ", DONE),
    ("Diversion referral (Ds): gRaDuAtEd", DONE),
    ("Diversion referral(DS):", OTHER),
    ("Diversion referral (DS) :   ", OTHER),
    ("Diversion referral ( mhc ):open", OTHER),
    ("diversion referral (dc): GRADUATED", OTHER),
])
def test_diversion_referral_read_in_any_casing_and_spacing(text, kind):
    assert _read(text) is kind


def test_diversion_result_and_program_as_read():
    r = read_diversion("  diversion referral ( ddpp ) :  Failed ")
    assert (r.program, r.result, r.pre_plea, r.completed, r.program_name) == (
        "DDPP", "Failed", True, False, "Deferred Prosecution")
    r = read_diversion("Diversion referral (ACT):")
    assert (r.program, r.result, r.pre_plea, r.completed, r.program_name) == ("ACT", "", False, False, "ACT")


@pytest.mark.parametrize("text", [
    "Diversion", "DIVERSION", "Diversion referral", "Diversion referral DS Graduated",
    "Diversion referral (DS) Graduated", "Diversion referral DS: Graduated", "Diversion referral: Graduated",
    "Diversion (DS): Graduated", "Referral (DS): Graduated", "Diversion program (DS): Graduated",
    "Diversionreferral (DS): Graduated", "Diversion referral (DS (old)): Graduated",
    "Diversion referral ((DS)): Graduated", "Diversion referral [DS]: Graduated",
    "Graduated", "Drug School Graduated", "DS Graduate", "DDPP Graduate",
    "Plea of Guilty - Diversion referral (DS): Graduated", "Not a Diversion referral (DS): Graduated",
])
def test_text_not_in_diversion_form_stays_unrecognized(text):
    assert _read(text) is UNREC
    assert read_diversion(text) is None


def test_read_diversion_of_nothing_is_none():
    assert read_diversion(None) is None
    assert read_diversion("") is None
    assert read_diversion("Plea Of Guilty") is None


def test_empty_disposition_unchanged():
    assert read_disposition(None, None) is PEND
    assert read_disposition("  ", None) is PEND
    assert read_disposition("", date(2019, 5, 9)) is UNREC


def _adapter_dispositions(tmp_path, rows):
    p = tmp_path / "diversion.csv"
    head = ("CASE_ID,CASE_PARTICIPANT_ID,RECEIVED_DATE,OFFENSE_CATEGORY,DIVERSION_PROGRAM,REFERRAL_DATE,"
            "DIVERSION_COUNT,PRIMARY_CHARGE_OFFENSE_TITLE,STATUTE,RACE,GENDER,DIVERSION_RESULT,DIVERSION_CLOSED_DATE")
    lines = [head] + [f"1{i},2{i},01/02/2011 12:00:00 AM,Narcotics,{prog},01/20/2011 12:00:00 AM,1,"
                      f"POSSESSION OF CANNABIS,720 ILCS 550/4(a),X,Y,{res},"
                      for i, (prog, res) in enumerate(rows)]
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    src = open_source(p)
    ad = ccsao_diversion_adapter(src)
    return [ad.map_row(row)[COL["disposition"]] for row in iter_rows(src)]


def test_adapter_text_form_reads_by_program_and_result(tmp_path):
    """The disposition the CCSAO diversion adapter writes is read as v2 says (blank result -> open)."""
    rows = [("DS", "Graduated"), ("DDPP", "Graduated"), ("BR9", "Graduated"), ("RJCC", "Graduated"),
            ("DS", "Failed"), ("DS", ""), ("DC", "Graduated"), ("MHC", ""), ("ARI", "Failed")]
    texts = _adapter_dispositions(tmp_path, rows)
    assert texts[5] == "Diversion referral (DS): open"
    assert [_read(t) for t in texts] == [DONE, DONE, DONE, DONE, OTHER, OTHER, OTHER, OTHER, OTHER]


_CANNABIS_STATUTE = re.compile(r"ILCS\s*550\b", re.IGNORECASE)


def test_real_diversion_extract_cannabis_rows(realdata):
    """Every cannabis row of the real extract is a recognised referral: 1,068 pre-plea graduates
    become DIVERSION_COMPLETED, the other 449 DIVERSION_OTHER (none UNRECOGNIZED as in rules 1.1)."""
    src = open_source(realdata / "cook_sao_diversion_subset.csv")
    ad = ccsao_diversion_adapter(src)
    by = collections.Counter()
    kinds = collections.Counter()
    every = collections.Counter()
    for row in iter_rows(src):
        v = ad.map_row(row)
        text = v[COL["disposition"]]
        k = read_disposition(text, None)
        every[k] += 1
        if _CANNABIS_STATUTE.search(v[COL["statute"]] or "") or "CANNABIS" in (v[COL["offense_description"]] or "").upper():
            r = read_diversion(text)
            by[(r.program, r.result)] += 1
            kinds[k] += 1
    assert sum(kinds.values()) == 1517
    assert kinds == {DONE: 1068, OTHER: 449}
    assert every[UNREC] == 0 and sum(every.values()) == 3517
    assert by == {
        ("DS", "Graduated"): 551, ("DS", "Failed"): 47, ("DS", "open"): 81,
        ("DDPP", "Graduated"): 359, ("DDPP", "Failed"): 42, ("DDPP", "open"): 56,
        ("BR9", "Graduated"): 145, ("BR9", "Failed"): 22, ("BR9", "open"): 5,
        ("RJCC", "Graduated"): 13, ("RJCC", "Failed"): 7, ("RJCC", "open"): 5,
        ("DC", "Graduated"): 7, ("DC", "Failed"): 11, ("DC", "open"): 36,
        ("MHC", "Graduated"): 4, ("MHC", "Failed"): 6, ("MHC", "open"): 8,
        ("VC", "Graduated"): 6, ("VC", "open"): 6,
        ("ARI", "Graduated"): 46, ("ARI", "Failed"): 21, ("ARI", "open"): 31,
        ("ACT", "open"): 2,
    }


# -- qualified probation ----------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "Section 10 Probation", "SECTION 10 PROBATION", "section 10", "Probation / Section 10",
    "Section 10. Probation", "Probation (Section 10)", "Section  10", "Section-10 Probation",
])
def test_section_10_probation_is_qualified(text):
    assert read_sentence(text) is S_QUAL


@pytest.mark.parametrize("text", ["Sec. 10 Probation", "Sec 10 Probation", "SEC.10", "sec 10", "Probation / Sec. 10"])
def test_sec_10_probation_is_qualified(text):
    assert read_sentence(text) is S_QUAL


@pytest.mark.parametrize("text", [
    "First Offender Probation", "FIRST OFFENDER", "first offender probation", "Probation / First Offender",
    "First-Offender Probation", "First  Offender",
])
def test_first_offender_probation_is_qualified(text):
    assert read_sentence(text) is S_QUAL


@pytest.mark.parametrize("text", ["TASC Probation", "tasc probation", "Probation / TASC", "TASC", "Probation (TASC)"])
def test_tasc_probation_is_qualified(text):
    assert read_sentence(text) is S_QUAL


@pytest.mark.parametrize("text", [
    "2nd Chance Probation", "2nd Chance", "2ND CHANCE", "Second Chance Probation", "second chance",
    "2nd Chance Probation / Mental Health Probation", "Probation / 2nd-Chance",
])
def test_second_chance_probation_is_qualified(text):
    assert read_sentence(text) is S_QUAL


@pytest.mark.parametrize("text", [
    "Probation / 710/410 Probation", "710", "410 probation", "Probation 710", "710-410 Probation", "Probation (410)",
])
def test_710_410_probation_is_qualified(text):
    assert read_sentence(text) is S_QUAL


@pytest.mark.parametrize("text", [
    "Section 10.1", "Section 10.1 Probation", "Sec. 10.5", "Sec 100", "Section 101", "Section 110", "Sec 1",
    "Section 1 Probation", "Subsection 10", "Section 1-10",
    "1710", "Probation 1710 days", "7100", "4100", "7101", "710.5", "4.10", "1.410",
    "TASCO", "TASCs", "Tascal", "ATASC",
    "First Offense Probation", "Offender First", "First Offenders",
    "Last Chance Probation", "3rd Chance", "2nd Chances", "Chance Probation", "Second Opportunity",
    "Probation / Probation", "Prison / Illinois Department of Corrections", "Conditional Discharge",
])
def test_near_misses_are_not_qualified_probation(text):
    assert read_sentence(text) is S_OTHER


# -- supervision --------------------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "Supervision", "Court Supervision", "Supervision / Court Supervision", "Conditional Release / Court Supervision",
    "Supervision Satisfactorily Terminated", "Supervision Completed", "Supervision - Completed Successfully",
    "Satisfactory Termination of Supervision", "Supervision Terminated Satisfactorily",
    "Non-Reporting Supervision", "supervision",
])
def test_supervision_that_ended_well_is_supervision(text):
    assert read_sentence(text) is S_SUP


@pytest.mark.parametrize("text", [
    "Supervision Revoked", "Revocation of Supervision", "Supervision Violated", "Violation of Supervision",
    "Supervision Vacated", "Supervision Terminated Unsatisfactorily", "Unsatisfactory Termination of Supervision",
    "Supervision - Unsat", "Supervision Terminated Unsuccessfully", "Judgment Entered on Supervision",
    "Supervision / Judgment Entered", "Supervision / Judgement Entered", "Supervision - Conviction Entered",
    "Supervision Terminated", "Termination of Supervision", "Supervision Not Completed",
    "Supervision Not Satisfactorily Terminated", "Supervision Failed", "Supervision Incomplete", "Supervision VOP",
])
def test_supervision_revoked_violated_vacated_or_judgment_entered_is_supervision_revoked(text):
    assert read_sentence(text) is S_REV


def test_supervision_wins_over_qualified_probation_words():
    """Existing order (docs/rules.md ambiguity 14): a sentence naming supervision is read as supervision."""
    assert read_sentence("Supervision / 2nd Chance Probation") is S_SUP


# -- the spec's disposition vocabulary --------------------------------------------------------

SPEC_SPELLINGS = [
    # conviction
    ("Plea Of Guilty", CONV), ("Finding Guilty - Lesser Included", CONV), ("Verdict Guilty But Mentally Ill", CONV),
    ("PG", CONV), ("FG", CONV), ("GUILTY", CONV), ("CONVICTED", CONV),
    # non-conviction
    ("Nolle Prosecution", NON), ("Nolle On Remand", NON), ("Nolle Pros - Aonic", NON), ("Case Dismissed", NON),
    ("DISMISSED", NON), ("Charge Vacated", NON), ("Charge Reversed", NON), ("FNG", NON), ("Verdict-Not Guilty", NON),
    ("NOT GUILTY", NON), ("ACQUITTED", NON), ("FNPC", NON), ("SOL", NON), ("SOLW", NON),
    ("Death Suggested-Cause Abated", NON), ("Withdrawn", NON), ("Charge Rejected", NON), ("No Bill", NON),
    # pending
    ("BFW", PEND), ("PENDING", PEND), ("Hold Pending Interlocutory", PEND),
    # unrecognized
    ("Superseded by Indictment", UNREC), ("Mistrial Declared", UNREC), ("Transferred - Misd Crt", UNREC),
    # supervision (step 8 "disposition says supervision")
    ("Supervision", SUP),
]


@pytest.mark.parametrize("text, kind", SPEC_SPELLINGS)
def test_every_disposition_spelling_the_spec_lists_reads_as_listed(text, kind):
    assert _read(text) is kind


@pytest.mark.parametrize("text, kind", [
    ("Plea of Guilty - Amended Charge", CONV), ("Finding Guilty", CONV), ("Verdict Guilty", CONV),
    ("plea  of   guilty", CONV), ("Plea Of Guilty - Supervision", SUP), ("Court Supervision", SUP),
    ("Nolle Pros", NON), ("nolle prosequi", NON), ("Not Guilty", NON), ("No True Bill", NON),
    ("Plea of Guilty - Withdrawn", UNREC), ("Not Guilty Plea Entered", UNREC), ("guilty?? maybe", UNREC),
])
def test_disposition_variants_unchanged(text, kind):
    assert _read(text) is kind


def test_vocabulary_holds_no_diversion_phrase():
    """Diversion kinds come only from the referral form, never from the closed phrase list."""
    assert set(VOCABULARY.values()) == {CONV, NON, SUP, PEND}
    assert not any("DIVERSION" in p for p in VOCABULARY)


def _spec_section() -> str:
    if not SPEC.exists():
        pytest.skip(f"spec not found at {SPEC}")
    text = SPEC.read_text("utf-8")
    start = text.index("### Reading a disposition")
    return text[start:text.index("- Sentence text", start)]


def test_table_covers_every_quoted_disposition_in_the_spec():
    """Every "quoted" spelling in the spec's conviction, non-conviction, pending and unrecognized
    lists is in SPEC_SPELLINGS with the kind of its list (so the table above cannot fall behind)."""
    section = _spec_section()
    listed = dict(SPEC_SPELLINGS)
    bullets = re.split(r"\n- ", section)[1:]
    kinds = {"conviction:": CONV, "non-conviction:": NON, "pending:": PEND, "anything else": UNREC}
    seen = 0
    for b in bullets:
        kind = next(k for head, k in kinds.items() if b.startswith(head))
        for q in re.findall(r'"([^"]+)"', re.sub(r"\s*\n\s*", " ", b)):
            assert listed.get(q) is kind, q
            seen += 1
    assert seen == len(SPEC_SPELLINGS) - 1  # all but "Supervision" (from the sentence bullet)
