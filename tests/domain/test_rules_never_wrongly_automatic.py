"""Rules v2: no path to a wrong `automatic` (hypothesis).

Start from every charge the golden file (tests/golden/rules_v2.toml) decides `automatic` on its
own, and mutate it the ways the audit of rules 1.1 did: an attempt or Section 7 marker in every
form, other text wrapped in brackets or parentheses, a changed county, a weight outside the
subsection's band, a possibly violent or violent co-charge, a non-cannabis co-charge that may be a
conviction. None may stay `automatic`, unless CRTA-RULES.md says the mutation is harmless
(subdivision groups, a 7-digit court code, an exact spelling of the office's county); those must
stay `automatic` (both sides of each rule are checked).
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clearterm.domain.decision import Category
from clearterm.domain.policy import Policy
from clearterm.domain.record import ChargeRecord
from clearterm.domain.rules import _table, evaluate_charge, evaluate_records
from clearterm.domain.citation import parse_citation

AS_OF = date(2026, 11, 21)
POLICY = Policy()
SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
GOLDEN = tomllib.loads((Path(__file__).resolve().parents[1] / "golden" / "rules_v2.toml").read_text("utf-8"))
FIELDS = set(ChargeRecord.__dataclass_fields__)


def _automatic_bases() -> list[ChargeRecord]:
    out = []
    for case in GOLDEN["case"]:
        if case.get("policy"):
            continue
        for n, ch in enumerate(case["charges"]):
            fields = {**GOLDEN["defaults"], "case_number": f"{case['id']}-{n}", "record_id": f"{case['id']}#{n}"}
            fields.update({k: v for k, v in ch.items() if k in FIELDS})
            rec = ChargeRecord(**fields)
            if evaluate_charge(rec, POLICY, AS_OF).category is Category.AUTOMATIC:
                out.append(rec)
    return out


BASES = _automatic_bases()
# the ILCS-form bases, whose text ends in the subsection (markers are appended or put before a court code)
ILCS_BASES = [r for r in BASES if re.fullmatch(r"720 ILCS 550/[45]\([a-g]\)(?: \[\d{7}\])?", r.statute)]

ATTEMPT_MARKERS = ["ATT", "ATTEMPT", "ATTEMPTED", "8-4", "attempt", "Attempted"]
SECTION_7_MARKERS = ["7", "SEC 7", "SEC. 7", "SECTION 7", "550/7", "ENH", "ENHANCED", "Sec.7", "section 7"]
HARMLESS_GROUPS = ["(1)", "(2)", "(12)", "(99)", "(aa)", "(zz)", "(i)", "(iv)", "(xx)", "(a-5)", "(b-10)",
                   "(1-5)", "(1.5)", "(2.5)", "(1)(A)", "(2)(iii)"]


def _wrap(text: str, how: str) -> str:
    return {"paren": f" ({text})", "paren-tight": f"({text})", "bracket": f" [{text}]", "bare": f" {text}"}[how]


def _with_tail(rec: ChargeRecord, tail: str, before_code: bool) -> ChargeRecord:
    """The citation with ``tail`` after the subsection (before a trailing court code, if asked)."""
    m = re.fullmatch(r"(.*?)( \[\d{7}\])?", rec.statute)
    head, code = m.group(1), m.group(2) or ""
    text = f"{head}{tail}{code}" if before_code else f"{rec.statute}{tail}"
    return replace(rec, statute=text)


def _alone(rec: ChargeRecord):
    return evaluate_charge(rec, POLICY, AS_OF)


@pytest.mark.parametrize("rec", BASES, ids=lambda r: r.record_id)
def test_every_base_is_automatic(rec):
    assert _alone(rec).category is Category.AUTOMATIC
    assert len(BASES) >= 20 and len(ILCS_BASES) >= 10


@SETTINGS
@given(st.sampled_from(ILCS_BASES), st.sampled_from(ATTEMPT_MARKERS),
       st.sampled_from(["paren", "paren-tight", "bracket", "bare"]), st.booleans())
def test_attempt_marker_never_automatic(rec, marker, how, before_code):
    d = _alone(_with_tail(rec, _wrap(marker, how), before_code))
    assert d.category is Category.REVIEW, (d.reasons, d.explanation)
    assert d.reasons[0] in ("ATTEMPT", "UNPARSED_STATUTE")


@SETTINGS
@given(st.sampled_from(ILCS_BASES), st.sampled_from(SECTION_7_MARKERS),
       st.sampled_from(["paren", "paren-tight", "bracket", "bare"]), st.booleans())
def test_section_7_marker_never_automatic(rec, marker, how, before_code):
    if how == "bare" and marker == "7":
        tail = "/7"  # "550/4(c) 7" is not a spelling anyone writes; "/7" is the spec's
    else:
        tail = _wrap(marker, how)
    d = _alone(_with_tail(rec, tail, before_code))
    assert d.category is Category.REVIEW, (d.statute_cite, d.reasons)
    assert d.reasons[0] in ("ENHANCEMENT_550_7", "UNPARSED_STATUTE")


_OTHER_WORD = st.text(alphabet="ABCDEFGHJKLMNOPQRSTUWYZ0123456789 /.-", min_size=1, max_size=14).filter(
    lambda t: re.search(r"[A-Z0-9]", t) and not re.fullmatch(r"\s*\d{7}\s*", t))  # punctuation alone is no text


@SETTINGS
@given(st.sampled_from(ILCS_BASES), _OTHER_WORD, st.sampled_from(["paren", "bracket", "bare"]), st.booleans())
def test_other_text_in_brackets_or_parentheses_never_automatic(rec, word, how, before_code):
    """Any text that is not a subdivision group or a 7-digit court code decides: an attempt, Section 7,
    or unreadable. (The alphabet leaves out the letters of roman numerals I, V and X; the generated
    groups that are subdivisions, such as "(A)", are skipped here and tested as harmless below.)"""
    w = word.strip()
    if how == "paren" and (re.fullmatch(r"\d{1,2}(?:[.-]\d{1,2})?", w) or re.fullmatch(r"([A-Z])\1?", w)
                           or re.fullmatch(r"[A-Z]-\d{1,2}|\d{1,2}-\d{1,2}", w)):
        return  # "(12)", "(1.5)", "(1-5)", "(A)", "(BB)", "(a-5)" are subdivision groups: harmless, tested below
    d = _alone(_with_tail(rec, _wrap(word, how), before_code))
    assert d.category is not Category.AUTOMATIC, (d.statute_cite, word)


@SETTINGS
@given(st.sampled_from(ILCS_BASES), st.lists(st.sampled_from(HARMLESS_GROUPS), min_size=1, max_size=2),
       st.booleans())
def test_harmless_detail_stays_automatic(rec, groups, with_code):
    """The other side: subdivision groups and a 7-digit court code are harmless. A (7) group right after
    a section 4 or 5 subsection is Section 7 (the spec's 550/5(b)(7)), so the groups never start so."""
    head = re.sub(r" \[\d{7}\]\Z", "", rec.statute)
    text = head + "".join(groups) + (" [5015300]" if with_code else "")
    d = _alone(replace(rec, statute=text))
    assert d.category is Category.AUTOMATIC, (text, d.reasons)
    assert parse_citation(text).subsection == parse_citation(head).subsection


OFFICE_SPELLINGS = ["Cook", "COOK", "Cook County", "cook county", "COOK CO.", "County of Cook", "Cook County, IL",
                    "Cook County, Illinois", "Circuit Court of Cook County", "Cook County Circuit Court - 1st District",
                    "N/A", "unknown", "none", "", "  ", "-", "?"]
OTHER_COUNTIES = ["DuPage", "Du Page", "Lake", "Will County", "St. Clair", "McHenry Co.", "LaSalle", "Jo Daviess"]
UNCLEAR_COUNTY_WORDS = st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ ,()-/", min_size=1,
                               max_size=20)


@SETTINGS
@given(st.sampled_from(BASES), UNCLEAR_COUNTY_WORDS, st.sampled_from(["before", "after"]))
def test_county_text_with_more_than_the_office_never_automatic(rec, extra, where):
    county = f"{extra} Cook" if where == "before" else f"Cook {extra}"
    d = _alone(replace(rec, county=county))
    if d.category is Category.AUTOMATIC:
        # only when the extra words are noise the spec drops ("County", "IL", "1st", punctuation)
        words = [w for w in re.split(r"[^a-z0-9]+", county.lower()) if w]
        noise = {"county", "co", "cty", "of", "the", "circuit", "court", "municipal", "district", "department",
                 "division", "il", "ill", "illinois", "1st", "2nd", "3rd", "4th", "5th", "6th", "first", "second",
                 "third", "fourth", "fifth", "sixth"}
        assert all(w in noise or w == "cook" or w.isdigit() for w in words), county
    else:
        assert d.reasons[0] in ("COUNTY_UNCLEAR", "OUT_OF_COUNTY")


@pytest.mark.parametrize("county", OFFICE_SPELLINGS)
def test_exact_office_county_and_placeholders_stay_automatic(county):
    for rec in BASES[:10]:
        assert _alone(replace(rec, county=county)).category is Category.AUTOMATIC, county


@pytest.mark.parametrize("county", OTHER_COUNTIES)
def test_another_illinois_county_is_out_of_county(county):
    for rec in BASES[:10]:
        d = _alone(replace(rec, county=county))
        assert (d.category, d.reasons[0]) == (Category.INELIGIBLE, "OUT_OF_COUNTY"), county


def _band(rec: ChargeRecord):
    from clearterm.domain.rules import _facts
    f = _facts(rec.statute, rec.enhancement)
    d = rec.offense_date or rec.arrest_date
    return _table(f.sec, d).get(f.sub) if f.sub else None


BANDED = [r for r in BASES if _band(r) is not None]


@SETTINGS
@given(st.sampled_from(BANDED), st.floats(min_value=0, max_value=20000, allow_nan=False))
def test_weight_outside_the_band_never_automatic(rec, grams):
    entry = _band(rec)
    d = _alone(replace(rec, weight_grams=grams))
    if entry.holds(grams):
        assert d.category is (Category.AUTOMATIC if grams <= 30 else Category.PETITION), (grams, d.reasons)
    else:
        assert (d.category, d.reasons[0]) == (Category.REVIEW, "WEIGHT_CONFLICT"), (grams, entry.band)


CO_CHARGES = [  # (statute, class, disposition, sentence, expected first code of the cannabis charge)
    ("720 ILCS 5/12-3(a)(1)", "A", "Nolle Prosecution", None, "VIOLENT_UNDETERMINED"),
    ("720 ILCS 5/12-1(a)", "C", "FNG", None, "VIOLENT_UNDETERMINED"),
    ("720 ILCS 5/12-5(a)", "A", "Plea Of Guilty", None, "VIOLENT_UNDETERMINED"),
    ("720 ILCS 5/12-6(a)", "4", "SOL", None, "VIOLENT_UNDETERMINED"),
    ("720 ILCS 5/10-3(a)", "A", "Plea Of Guilty", None, "VIOLENT_UNDETERMINED"),
    ("720 ILCS 5/21-1(a)(1)", "A", "Nolle Prosecution", None, "VIOLENT_UNDETERMINED"),
    ("625 ILCS 5/11-501(a)", "A", "Nolle Prosecution", None, "VIOLENT_UNDETERMINED"),
    ("625 ILCS 5/11-501(a)", "", "Plea Of Guilty", None, "VIOLENT_UNDETERMINED"),
    ("720 ILCS 5/8-4(720 ILCS 5/12-3(a))", "B", "Nolle Prosecution", None, "VIOLENT_UNDETERMINED"),
    ("720 ILCS 5/12-3A", "A", "Nolle Prosecution", None, "VIOLENT_UNDETERMINED"),
    ("possession of a weapon", "A", "Nolle Prosecution", None, "VIOLENT_UNDETERMINED"),
    ("720 ILCS 5/33A-2(a)", "X", "Nolle Prosecution", None, "VIOLENT_ASSOCIATION"),
    ("720 ILCS 5/9-3.3(a)", "X", "FNG", None, "VIOLENT_ASSOCIATION"),
    ("625 ILCS 5/11-501(a)", "4", "Nolle Prosecution", None, "VIOLENT_ASSOCIATION"),
    ("720 ILCS 5/16-1(a)(1)", "A", "Plea Of Guilty", None, "COCHARGED_CONVICTION"),
    ("720 ILCS 5/16-1(a)(1)", "A", "Plea Of Guilty", "Supervision Revoked", "COCHARGED_CONVICTION"),
    ("720 ILCS 5/16-1(a)(1)", "A", "Superseded by Indictment", None, "COCHARGE_UNDETERMINED"),
    ("720 ILCS 5/16-1(a)(1)", "A", "BFW", None, "COCHARGE_UNDETERMINED"),
    ("720 ILCS 570/402(c)", "4", "Diversion referral (DS): Failed", None, "COCHARGE_UNDETERMINED"),
    ("720 ILCS 570/402(c)", "4", "Diversion referral (DC): Graduated", None, "COCHARGE_UNDETERMINED"),
]
HARMLESS_CO_CHARGES = [
    ("720 ILCS 5/16-1(a)(1)", "A", "Nolle Prosecution", None),
    ("720 ILCS 5/16-1(a)(1)", "A", "Plea Of Guilty", "Supervision"),
    ("720 ILCS 570/402(c)", "4", "Diversion referral (DS): Graduated", None),
    ("720 ILCS 600/3.5(a)", "A", "FNPC", None),
]


def _case_with(rec: ChargeRecord, co: tuple) -> ChargeRecord:
    statute, cls, disposition, sentence = co[:4]
    other = ChargeRecord(record_id=rec.record_id + "/co", case_number=rec.case_number, person_id=rec.person_id,
                         statute=statute, offense_class=cls, disposition=disposition, sentence=sentence,
                         offense_date=rec.offense_date, arrest_date=rec.arrest_date)
    return evaluate_records([rec, other], POLICY, AS_OF)[0]


@SETTINGS
@given(st.sampled_from(BASES), st.sampled_from(CO_CHARGES))
def test_co_charge_that_may_be_violent_or_a_conviction_never_automatic(rec, co):
    d = _case_with(rec, co)
    assert d.category is not Category.AUTOMATIC
    assert d.reasons[0] == co[4], (co, d.reasons)


@SETTINGS
@given(st.sampled_from(BASES), st.sampled_from(HARMLESS_CO_CHARGES))
def test_harmless_co_charge_keeps_automatic(rec, co):
    assert _case_with(rec, co).category is Category.AUTOMATIC, co
