"""The report's categories (issue 18): race/ethnicity, gender and court district are grouped from
the spellings the sources give, so one community is one row of the equity tables; the people and
convictions tables name the same cities; an empty table has no totals row."""

from __future__ import annotations

import csv

from hypothesis import given
from hypothesis import strategies as st

from clearterm.domain.report import (COOK_DISTRICTS, GENDER_SPELLINGS, GENDERS, HISPANIC, NOT_RECORDED, OTHER_RACE,
                                     RACE_SPELLINGS, RACES, UNKNOWN, district_category, gender_category,
                                     impact_tables, race_category)
from conftest import DISPOSITIONS, DIVERSION, SENTENCING


def test_the_spellings_of_the_ccsao_exports():
    expected = {
        "Black": "Black", "White": "White", "HISPANIC": HISPANIC, "Latinx": HISPANIC,
        "White [Hispanic or Latino]": HISPANIC, "White/Black [Hispanic or Latino]": HISPANIC,
        "Asian": "Asian/Pacific Islander", "ASIAN": "Asian/Pacific Islander",
        "Asian / Pacific Islander": "Asian/Pacific Islander", "American Indian": "American Indian/Alaska Native",
        "Biracial": OTHER_RACE, "Other": OTHER_RACE, "Unknown": UNKNOWN, "": UNKNOWN, None: UNKNOWN,
        NOT_RECORDED: UNKNOWN, "  white  ": "White",
    }
    for raw, category in expected.items():
        assert race_category(raw) == category, raw
    assert gender_category("Male") == "Male" and gender_category("FEMALE") == "Female"
    assert gender_category("Unknown") == gender_category("") == gender_category(NOT_RECORDED) == UNKNOWN
    assert gender_category("Male name, no gender given") == UNKNOWN
    assert gender_category("Non-binary") == "Other"


def test_spellings_not_listed_follow_the_rules():
    assert race_category("Black [Hispanic or Latino]") == HISPANIC
    assert race_category("Asian (Hispanic)") == HISPANIC
    assert race_category("White, not Hispanic or Latino") == "White"
    assert race_category("Black/African-American") == "Black"
    assert race_category("Black and White") == OTHER_RACE
    assert race_category("Martian") == OTHER_RACE
    assert race_category("unknown race") == UNKNOWN


@given(st.one_of(st.none(), st.text(max_size=40)))
def test_every_value_has_a_category(raw):
    assert race_category(raw) in RACES
    assert gender_category(raw) in GENDERS


def test_every_listed_spelling_is_a_category():
    assert set(RACE_SPELLINGS.values()) <= set(RACES)
    assert set(GENDER_SPELLINGS.values()) <= set(GENDERS)


def test_every_value_of_the_real_extracts_is_a_listed_spelling(realdata):
    races, genders = set(), set()
    for path in (DISPOSITIONS, SENTENCING, DIVERSION):
        with path.open(newline="", encoding="utf-8-sig") as f:
            for row in csv.DictReader(f):
                row = {k.lower(): v for k, v in row.items()}
                races.add(row["race"])
                genders.add(row["gender"])
    assert {"HISPANIC", "Latinx", "White [Hispanic or Latino]"} <= races  # the split the audit found
    for raw in races:
        assert " ".join(raw.split()).lower() in RACE_SPELLINGS, raw
    for raw in genders:
        assert " ".join(raw.split()).lower() in GENDER_SPELLINGS, raw
    assert {race_category(r) for r in races if "hispanic" in r.lower() or "latin" in r.lower()} == {HISPANIC}


def test_court_districts():
    assert district_category("District 1 - Chicago") == COOK_DISTRICTS[1]
    assert district_category("district 5 - bridgeview") == COOK_DISTRICTS[5]
    assert district_category("Municipal District 2") == district_category("MD2") == COOK_DISTRICTS[2]
    assert district_category("District 16") == "District 16"  # not one of Cook's six: as recorded
    assert district_category("18th Judicial Circuit - Wheaton") == "18th Judicial Circuit - Wheaton"
    assert district_category("") == district_category(NOT_RECORDED) == NOT_RECORDED


def _row(case: int, person: str, race: str, gender: str, city: str, court: str, mask: int = 0) -> tuple:
    # the layout of clearterm.storage.report_data.flagged_rows
    return (case, person, "1", "2019", race, gender, "25-34", city, court, None, None, None, None, mask, 0,
            10000 + case, f"C{case}")


def test_one_community_is_one_row():
    rows = [_row(1, "p1", "HISPANIC", "Male", "CHICAGO", "District 1 - Chicago"),
            _row(2, "p2", "White [Hispanic or Latino]", "M", "CHICAGO", "District 1 - Chicago", 1),
            _row(3, "p3", "Latinx", "Male", "CICERO", "District 4 - Maywood"),
            _row(4, "p4", "Unknown", "Unknown", "CICERO", "district 4"),
            _row(5, "p5", NOT_RECORDED, NOT_RECORDED, NOT_RECORDED, NOT_RECORDED)]
    tables = {t.key: t for t in impact_tables(rows)}
    assert tables["convictions_by_race"].rows == [(HISPANIC, (3, 1, 0, 0, 0)), (UNKNOWN, (2, 0, 0, 0, 0))]
    assert tables["convictions_by_gender"].rows == [("Male", (3, 1, 0, 0, 0)), (UNKNOWN, (2, 0, 0, 0, 0))]
    assert [g for g, _ in tables["convictions_by_district"].rows] == [COOK_DISTRICTS[1], COOK_DISTRICTS[4],
                                                                       NOT_RECORDED]
    assert tables["people_by_race"].totals[0] == 5


def test_people_and_convictions_name_the_same_cities():
    # person p0 has 30 convictions in a small city; the people table would rank it last
    rows = [_row(k, "p0", "Black", "Male", "BIGCONV", "") for k in range(30)]
    rows += [_row(100 + k, f"q{k}", "Black", "Male", f"CITY{k % 12:02d}", "") for k in range(24)]
    tables = {t.key: t for t in impact_tables(rows)}
    conv = [g for g, _ in tables["convictions_by_city"].rows]
    assert conv == [g for g, _ in tables["people_by_city"].rows]
    assert conv[0] == "Bigconv" and conv[-1] == "other cities" and len(conv) == 11
    assert tables["people_by_city"].rows[0][1][0] == 1


def test_an_empty_table_has_no_totals_row():
    tables = impact_tables([])
    assert all(t.rows == [] and t.totals is None for t in tables)
