"""Statute citation reader: every spelling in CRTA-RULES.md, real-data forms, failures."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from clearterm.domain.citation import (Citation, CitationError, marks_enhancement, names_section_7, parse_citation,
                                      parse_split_citation)

REALDATA = Path(__file__).resolve().parents[2] / "shared" / "realdata"

# text -> (chapter, act, section, subsection, attempt, enhancement, cite())
SPELLINGS = {
    # the spec's list
    "720 ILCS 550/4(c)": ("720", "550", "4", "c", False, False, "720 ILCS 550/4(c)"),
    "720-550/4(c)": ("720", "550", "4", "c", False, False, "720 ILCS 550/4(c)"),
    "720 550/4(C)": ("720", "550", "4", "c", False, False, "720 ILCS 550/4(c)"),
    "720 ILCS 550.0/4-C": ("720", "550", "4", "c", False, False, "720 ILCS 550/4(c)"),
    "720-550/4-C": ("720", "550", "4", "c", False, False, "720 ILCS 550/4(c)"),
    "720 ILCS 550 4(c) [5015300]": ("720", "550", "4", "c", False, False, "720 ILCS 550/4(c)"),
    "56.5-704-C": ("720", "550", "4", "c", False, False, "720 ILCS 550/4(c)"),
    "56 1/2-704(c)": ("720", "550", "4", "c", False, False, "720 ILCS 550/4(c)"),
    "56 1/2-705(d)": ("720", "550", "5", "d", False, False, "720 ILCS 550/5(d)"),
    "56.5-708": ("720", "550", "8", None, False, False, "720 ILCS 550/8"),
    "56.5-705.1(a)": ("720", "550", "5.1", "a", False, False, "720 ILCS 550/5.1(a)"),
    "56 1/2-705.2(b)": ("720", "550", "5.2", "b", False, False, "720 ILCS 550/5.2(b)"),
    "720 ILCS 5/8-4(720 ILCS 550/4(d))": ("720", "550", "4", "d", True, False,
                                          "720 ILCS 5/8-4 (attempt of 720 ILCS 550/4(d))"),
    "720 ILCS 5/8-4(550/5(C))": ("720", "550", "5", "c", True, False, "720 ILCS 5/8-4 (attempt of 720 ILCS 550/5(c))"),
    "720 ILCS 5/8-4(550/4(d))": ("720", "550", "4", "d", True, False, "720 ILCS 5/8-4 (attempt of 720 ILCS 550/4(d))"),
    "720 ILCS 5/8-4(720-550/5(d))": ("720", "550", "5", "d", True, False,
                                     "720 ILCS 5/8-4 (attempt of 720 ILCS 550/5(d))"),
    "38-8-4(56.5-704(d))": ("720", "550", "4", "d", True, False, "720 ILCS 5/8-4 (attempt of 720 ILCS 550/4(d))"),
    "38-8-4(720 ILCS 550/4(d))": ("720", "550", "4", "d", True, False, "720 ILCS 5/8-4 (attempt of 720 ILCS 550/4(d))"),
    "720 ILCS 550/5(d)/7": ("720", "550", "5", "d", False, True, "720 ILCS 550/5(d) with 720 ILCS 550/7"),
    "720 ILCS 550/5(d) 550/7": ("720", "550", "5", "d", False, True, "720 ILCS 550/5(d) with 720 ILCS 550/7"),
    "720-550/5(c), 720 ILCS 550/7(b)": ("720", "550", "5", "c", False, True, "720 ILCS 550/5(c) with 720 ILCS 550/7"),
    "720 ILCS 550/7": ("720", "550", "7", None, False, True, "720 ILCS 550/7"),
    "720 ILCS 600/3.5(a)": ("720", "600", "3.5", "a", False, False, "720 ILCS 600/3.5(a)"),
    # case-insensitive, spaces optional
    "720ilcs550/4(c)": ("720", "550", "4", "c", False, False, "720 ILCS 550/4(c)"),
    "  720  ILCS  550 / 4 (c)  ": ("720", "550", "4", "c", False, False, "720 ILCS 550/4(c)"),
    "720 ILCS 550/4C": ("720", "550", "4", "c", False, False, "720 ILCS 550/4(c)"),
    "720 ilcs 5/8-4(720 ilcs 550/4(d))": ("720", "550", "4", "d", True, False,
                                          "720 ILCS 5/8-4 (attempt of 720 ILCS 550/4(d))"),
    # real-data forms
    "720 ILCS 5/16A-3(a)": ("720", "5", "16A-3", "a", False, False, "720 ILCS 5/16A-3(a)"),
    "720 ILCS 570/402(c)": ("720", "570", "402", "c", False, False, "720 ILCS 570/402(c)"),
    "625 ILCS 5/11-501(a)": ("625", "5", "11-501", "a", False, False, "625 ILCS 5/11-501(a)"),
    "720 ILCS 5/31A-1.1(a)(1)": ("720", "5", "31A-1.1", "a", False, False, "720 ILCS 5/31A-1.1(a)(1)"),
    "720 ILCS 5/12-3.2(a)(1)": ("720", "5", "12-3.2", "a", False, False, "720 ILCS 5/12-3.2(a)(1)"),
    "730 ILCS 5/5-8A-4.1(a)": ("730", "5", "5-8A-4.1", "a", False, False, "730 ILCS 5/5-8A-4.1(a)"),
    "720 ILCS 5/16A": ("720", "5", "16A", None, False, False, "720 ILCS 5/16A"),
    "720 ILCS 5/17-36": ("720", "5", "17-36", None, False, False, "720 ILCS 5/17-36"),
    "720 ILCS 5/31-1(a-7)": ("720", "5", "31-1", "a-7", False, False, "720 ILCS 5/31-1(a-7)"),
    "720 ILCS 570/401(c)(7.5)(i)": ("720", "570", "401", "c", False, False, "720 ILCS 570/401(c)(7.5)(i)"),
    "720 ILCS 5/26.5-3(a)(1)": ("720", "5", "26.5-3", "a", False, False, "720 ILCS 5/26.5-3(a)(1)"),
    "15 ILCS 335/14B(b)(1)": ("15", "335", "14B", "b", False, False, "15 ILCS 335/14B(b)(1)"),
    "720 ILCS 5/8-4(19-1(a))": ("720", "5", "19-1", "a", True, False, "720 ILCS 5/8-4 (attempt of 720 ILCS 5/19-1(a))"),
    "720 ILCS 5/8-4(a)(720-5/9-1(a)(1))": ("720", "5", "9-1", "a", True, False,
                                           "720 ILCS 5/8-4 (attempt of 720 ILCS 5/9-1(a)(1))"),
    "720 ILCS 5/8-4(730 ILCS 150/3(a)": ("730", "150", "3", "a", True, False,
                                         "720 ILCS 5/8-4 (attempt of 730 ILCS 150/3(a))"),  # missing ")" in real data
    "720 ILCS 5/8-4(625 ILCS 5/4-104(a)(1))": ("625", "5", "4-104", "a", True, False,
                                               "720 ILCS 5/8-4 (attempt of 625 ILCS 5/4-104(a)(1))"),
    "625 ILCS 5/8-4(4-103(a)(1))": ("625", "5", "4-103", "a", True, False,
                                    "720 ILCS 5/8-4 (attempt of 625 ILCS 5/4-103(a)(1))"),
    # other Ill. Rev. Stat. chapters
    "38-12-4(a)": ("720", "5", "12-4", "a", False, False, "720 ILCS 5/12-4(a)"),
    "95 1/2-11-501(a)": ("625", "5", "11-501", "a", False, False, "625 ILCS 5/11-501(a)"),
    "56.5-1402(c)": ("720", "570", "402", "c", False, False, "720 ILCS 570/402(c)"),
    "56 1/2-2103.5(a)": ("720", "600", "3.5", "a", False, False, "720 ILCS 600/3.5(a)"),
}


@pytest.mark.parametrize("text", list(SPELLINGS))
def test_spelling(text):
    chapter, act, section, subsection, attempt, enhancement, cite = SPELLINGS[text]
    c = parse_citation(text)
    assert isinstance(c, Citation)
    assert (c.chapter, c.act, c.section, c.subsection, c.attempt, c.enhancement) == (
        chapter, act, section, subsection, attempt, enhancement)
    assert c.cite() == cite
    assert c.raw == text
    assert c.is_cannabis == (chapter == "720" and act == "550")


def test_paraphernalia_is_not_cannabis():
    assert not parse_citation("720 ILCS 600/3.5(a)").is_cannabis
    assert parse_citation("720 ILCS 550/4(a)").is_cannabis


@pytest.mark.parametrize("cols, expected", [
    (("720", "550", "4(c)"), ("720", "550", "4", "c", False)),
    (("720", "550", "5(c)"), ("720", "550", "5", "c", False)),
    ((" 720 ", "550", "4(C) "), ("720", "550", "4", "c", False)),
    (("720", "5", "8-4(550/4(d))"), ("720", "550", "4", "d", True)),
    (("720", "5", "8-4(550/5(C))"), ("720", "550", "5", "c", True)),
    (("720", "5", "8-4(720-550/5(d))"), ("720", "550", "5", "d", True)),
    (("720", "5", "8-4( 406.2(a)(2) )"), ("720", "5", "406.2", "a", True)),
    (("720", "5", "24-1.6(a)(2)"), ("720", "5", "24-1.6", "a", False)),
    (("720", "600", "3.5(c)"), ("720", "600", "3.5", "c", False)),
    (("20", "26150", "12(a)"), ("20", "26150", "12", "a", False)),
])
def test_split_columns(cols, expected):
    c = parse_split_citation(*cols)
    assert (c.chapter, c.act, c.section, c.subsection, c.attempt) == expected


def test_split_columns_missing_part():
    with pytest.raises(CitationError):
        parse_split_citation("720", "", "4(c)")
    with pytest.raises(CitationError):
        parse_split_citation("", "550", "4(c)")


@pytest.mark.parametrize("column, named", [
    ("720 ILCS 550/7", True), ("550/7", True), ("7", True), ("Section 7", True), ("Sec. 7", True), ("Sec.7", True),
    ("§7", True), ("720-550/7(a)", True), ("550-7", True), ("Sec. 7.", True), ("7.0", True), ("07", True),
    ("Y", True), ("Yes", True), ("Enhanced", True), ("Section Seven", True), ("Yes - school zone", True),
    ("1", True), ("Enh", True),
    # any text that is not a plain "no" marks it: a false positive only sends the charge to review
    ("720 ILCS 570/407", True), ("17", True), ("7.5", True),
    (None, False), ("", False), ("  ", False), ("-", False), ("none", False), ("N", False), ("No", False),
    ("N/A", False), ("0", False), ("No enhancement", False), ("FALSE", False),
])
def test_enhancement_column(column, named):
    assert marks_enhancement(column) is named
    c = parse_citation("720 ILCS 550/5(c)", enhancement=column)
    assert c.enhancement is named
    assert c.section == "5"  # the column never changes the offence


@pytest.mark.parametrize("text", [
    "", "   ", "garbage", "possession of cannabis", "ILCS", "720 ILCS", "720 ILCS 550", "720 ILCS 550/",
    "720 ILCS 550/(c)", "550/4(c)", "720 ILCS 550/4(c) extra words", "720 ILCS 550/4(h)", "720 ILCS 550/5(z)",
    "720 ILCS 5/8-4", "720 ILCS 5/8-4()", "720 ILCS 5/8-4(nonsense)", "720 ILCS 550/4((c)", "720 ILCS 550/4(c$)",
    "720 ILCS 550/4-C-D", "12345", "720 ILCS 550/abc", "[5015300]", "38-", "56.5-", "56 1/2-abc",
    "720 ILCS 550/4-1",
])
def test_garbage_raises(text):
    with pytest.raises(CitationError):
        parse_citation(text)


def test_non_text_raises():
    with pytest.raises(CitationError):
        parse_citation(None)  # type: ignore[arg-type]
    assert issubclass(CitationError, ValueError)


def test_parse_is_cached():
    parse_citation.cache_clear()
    for _ in range(5):
        parse_citation("720 ILCS 550/4(c)")
        with pytest.raises(CitationError):
            parse_citation("not a statute")
    info = parse_citation.cache_info()
    assert info.misses == 2 and info.hits == 8
    assert parse_citation("720 ILCS 550/4(c)") is parse_citation("720 ILCS 550/4(c)")


def test_citation_is_frozen():
    c = parse_citation("720 ILCS 550/4(c)")
    with pytest.raises(Exception):
        c.section = "5"  # type: ignore[misc]


def _real_rows():
    if not (REALDATA / "cook_sao_dispositions_2019_subset.csv").exists():
        pytest.skip(f"real data not found at {REALDATA}")
    split, strings = set(), set()
    for name in ("cook_sao_dispositions_2019_subset.csv", "cook_sao_sentencing_2019_full.csv"):
        with (REALDATA / name).open(newline="") as fh:
            for row in csv.DictReader(fh):
                split.add((row["disposition_charged_chapter"], row["disposition_charged_act"],
                           row["disposition_charged_section"]))
    with (REALDATA / "cook_sao_diversion_subset.csv").open(newline="") as fh:
        for row in csv.DictReader(fh):
            strings.add(row["STATUTE"])
    return split, strings


def test_every_real_citation_parses():
    split, strings = _real_rows()
    failures = []
    for cols in split:
        try:
            parse_split_citation(*cols)
        except CitationError:
            failures.append(cols)
    for s in strings:
        try:
            parse_citation(s)
        except CitationError:
            failures.append(s)
    assert not failures
    assert len(split) > 300 and len(strings) > 100


def test_real_cannabis_rows_are_read_as_cannabis():
    split, strings = _real_rows()
    for ch, act, sec in split:
        c = parse_split_citation(ch, act, sec)
        mentions_550 = act == "550" or "550/" in sec
        assert c.is_cannabis == mentions_550, (ch, act, sec)
        if act == "550":
            assert not c.attempt and c.section in {"4", "5", "5.1", "5.2", "8"}
            assert c.subsection in set("abcdefg")
    for s in strings:
        assert parse_citation(s).is_cannabis == ("550/" in s), s


@pytest.mark.parametrize("column, section_7", [
    ("720 ILCS 550/7", True), ("Sec. 7.", True), ("7.0", True), ("07", True), ("550-7", True),
    ("Y", False), ("School zone", False), ("17", False), ("7.5", False), (None, False), ("", False),
])
def test_enhancement_column_naming_section_7_or_not(column, section_7):
    assert names_section_7(column) is section_7
    c = parse_citation("720 ILCS 550/5(c)", enhancement=column)
    if c.enhancement:
        assert c.enhancement_unnamed is not section_7
        assert c.cite() == ("720 ILCS 550/5(c) with 720 ILCS 550/7" if section_7
                            else "720 ILCS 550/5(c) with an enhancement not named")
    # a citation that itself names Section 7 is named whatever the column says
    assert parse_citation("720 ILCS 550/5(c)/7", enhancement=column).enhancement_unnamed is False
