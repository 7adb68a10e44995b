"""Statute citation reader: every spelling in CRTA-RULES.md, real-data forms, failures."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from clearterm.domain.citation import (Citation, CitationError, marks_enhancement, names_section_7, parse_citation,
                                      parse_split_citation)

REALDATA = Path(__file__).resolve().parents[3] / "shared" / "realdata"

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
    # "720 ILCS 5/8-4(730 ILCS 150/3(a)" (a ")" missing, in real data) read as an attempt of 730 ILCS
    # 150/3(a) under rules 1.1; v2 ("More reading rules": an attempt whose parentheses do not close is
    # unreadable) makes it unreadable: see test_unclosed_attempt_is_unreadable.
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
    ("N/A", False), ("0", False), ("FALSE", False),
    # v2 ("More reading rules": a plain no is only no, n, none, 0, false, -, n/a): any other text
    # marks Section 7, so "No enhancement" (rules 1.1: not marked) now marks it
    ("No enhancement", True),
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


# The only real spelling v2 refuses: an attempt whose ")" is missing (rules 1.1 tolerated it; v2,
# "More reading rules": an attempt whose parentheses do not close is unreadable).
REAL_UNCLOSED = ("720", "5", "8-4(730 ILCS 150/3(a)")


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
    assert failures == [REAL_UNCLOSED]
    assert len(split) > 300 and len(strings) > 100


def test_real_cannabis_rows_are_read_as_cannabis():
    split, strings = _real_rows()
    for ch, act, sec in split - {REAL_UNCLOSED}:
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


# == rules v2: "Nothing in a citation is thrown away unread" ==================================
# Each audit finding of issue 12 (rules 1.1 read these as plain 4(c) / 5(b): `automatic`).

def _fields(c: Citation) -> tuple:
    return (c.chapter, c.act, c.section, c.subsection, c.attempt, c.enhancement)


def test_attempt_in_parentheses_is_an_attempt():
    c = parse_citation("720 ILCS 550/4(c) (ATTEMPT)")
    assert _fields(c) == ("720", "550", "4", "c", True, False)
    assert c.cite() == "720 ILCS 5/8-4 (attempt of 720 ILCS 550/4(c))"


def test_attempt_in_brackets_is_an_attempt():
    c = parse_citation("720 ILCS 550/4(c) [ATTEMPT]")
    assert _fields(c) == ("720", "550", "4", "c", True, False)


def test_section_7_in_brackets_is_an_enhancement():
    c = parse_citation("720 ILCS 550/5(b) [550/7]")
    assert _fields(c) == ("720", "550", "5", "b", False, True)
    assert c.cite() == "720 ILCS 550/5(b) with 720 ILCS 550/7"


def test_sec_7_group_is_an_enhancement():
    assert _fields(parse_citation("720 ILCS 550/5(b)(SEC.7)")) == ("720", "550", "5", "b", False, True)


def test_7_group_after_subsection_is_an_enhancement():
    c = parse_citation("720 ILCS 550/5(b)(7)")
    assert _fields(c) == ("720", "550", "5", "b", False, True)
    assert c.detail == ""  # the (7) is read as Section 7, not kept as a subdivision


def test_7_group_after_section_is_an_enhancement():
    assert _fields(parse_citation("720 ILCS 550/5(7)")) == ("720", "550", "5", None, False, True)


def test_warrant_bracket_is_unreadable():
    with pytest.raises(CitationError):
        parse_citation("720 ILCS 550/4(c) [WARRANT]")


def test_unclosed_attempt_is_unreadable():
    # v2: "an attempt whose parentheses do not close is unreadable" (1.1 tolerated one missing ")")
    for text in ("720 ILCS 5/8-4(730 ILCS 150/3(a)", "720 ILCS 5/8-4(550/4(d)", "720 ILCS 5/8-4(550/4(d",
                 "38-8-4(56.5-704(d)", "720 ILCS 5/8-4(720 ILCS 550/4(d)"):
        with pytest.raises(CitationError):
            parse_citation(text)
    with pytest.raises(CitationError):
        parse_split_citation(*REAL_UNCLOSED)


U = "unreadable"
# Every example the spec's "Reading a statute citation" names, v2 paragraphs included:
# text -> (chapter, act, section, subsection, attempt, enhancement) or U.
SPEC_EXAMPLES = {
    # the first paragraph
    "720 ILCS 550/4(c)": ("720", "550", "4", "c", False, False),
    "720-550/4(c)": ("720", "550", "4", "c", False, False),
    "720 550/4(C)": ("720", "550", "4", "c", False, False),
    "720 ILCS 550.0/4-C": ("720", "550", "4", "c", False, False),
    "720-550/4-C": ("720", "550", "4", "c", False, False),
    "720 ILCS 550 4(c) [5015300]": ("720", "550", "4", "c", False, False),
    "56.5-704-C": ("720", "550", "4", "c", False, False),
    "56 1/2-704(c)": ("720", "550", "4", "c", False, False),
    "56.5-705": ("720", "550", "5", None, False, False),
    "56.5-708": ("720", "550", "8", None, False, False),
    "56.5-705.1": ("720", "550", "5.1", None, False, False),
    "56.5-705.2": ("720", "550", "5.2", None, False, False),
    "720 ILCS 5/8-4(720 ILCS 550/4(d))": ("720", "550", "4", "d", True, False),
    "38-8-4(56.5-704(d))": ("720", "550", "4", "d", True, False),
    "720 ILCS 550/5(c)/7": ("720", "550", "5", "c", False, True),
    "720 ILCS 550/5(c) 550/7": ("720", "550", "5", "c", False, True),
    "720 ILCS 600/3.5(a)": ("720", "600", "3.5", "a", False, False),
    # the written pre-1993 form
    "Ill. Rev. Stat. ch. 56 1/2, par. 705(b)": ("720", "550", "5", "b", False, False),
    "Ill. Rev. Stat. 1989, ch. 56 1/2, par. 705(b)": ("720", "550", "5", "b", False, False),
    "Ill. Rev. Stat. ch. 56½, ¶ 704(c)": ("720", "550", "4", "c", False, False),
    # "Nothing in a citation is thrown away unread"
    "720 ILCS 550/4(c) (ATTEMPT)": ("720", "550", "4", "c", True, False),
    "720 ILCS 550/4(c) [ATTEMPT]": ("720", "550", "4", "c", True, False),
    "720 ILCS 550/5(b) [550/7]": ("720", "550", "5", "b", False, True),
    "720 ILCS 550/5(b)(SEC.7)": ("720", "550", "5", "b", False, True),
    "720 ILCS 550/5(b)(7)": ("720", "550", "5", "b", False, True),
    "720 ILCS 550/5(7)": ("720", "550", "5", None, False, True),
    "720 ILCS 550/4(c) [WARRANT]": U,
    "720 ILCS 550/4(c)(1)": ("720", "550", "4", "c", False, False),
    "720 ILCS 550/4(c) [5015300]": ("720", "550", "4", "c", False, False),
    "720 ILCS 5/12-3.3(a-5)": ("720", "5", "12-3.3", "a-5", False, False),
    # each attempt marker, in each setting
    "720 ILCS 550/4(c) ATT": ("720", "550", "4", "c", True, False),
    "720 ILCS 550/4(c) (ATT)": ("720", "550", "4", "c", True, False),
    "720 ILCS 550/4(c) [ATTEMPTED]": ("720", "550", "4", "c", True, False),
    "720 ILCS 550/4(c) ATTEMPTED": ("720", "550", "4", "c", True, False),
    "720 ILCS 550/4(c) (8-4)": ("720", "550", "4", "c", True, False),
    "720 ILCS 550/4(c) [8-4]": ("720", "550", "4", "c", True, False),
    "720 ILCS 550/4(c) 8-4": ("720", "550", "4", "c", True, False),
    # each Section 7 marker
    "720 ILCS 550/4(c) 7": ("720", "550", "4", "c", False, True),
    "720 ILCS 550/4(c) [7]": ("720", "550", "4", "c", False, True),
    "720 ILCS 550/4(c) SEC 7": ("720", "550", "4", "c", False, True),
    "720 ILCS 550/4(c) (SEC. 7)": ("720", "550", "4", "c", False, True),
    "720 ILCS 550/4(c) [SECTION 7]": ("720", "550", "4", "c", False, True),
    "720 ILCS 550/4(c) 550/7": ("720", "550", "4", "c", False, True),
    "720 ILCS 550/4(c)/7": ("720", "550", "4", "c", False, True),
    "720 ILCS 550/4(c) ENH": ("720", "550", "4", "c", False, True),
    "720 ILCS 550/4(c) (ENHANCED)": ("720", "550", "4", "c", False, True),
    "720 ILCS 550/4(c) §7": ("720", "550", "4", "c", False, True),
    "720 ILCS 550/4(c) [ATT, SEC 7]": ("720", "550", "4", "c", True, True),
    # "More reading rules": CCA section numbers
    "720 ILCS 550/04(c)": ("720", "550", "4", "c", False, False),
    "720 ILCS 550/4.0(c)": ("720", "550", "4", "c", False, False),
    "720 ILCS 550/05(b)": ("720", "550", "5", "b", False, False),
    "720 ILCS 550/5.0(b)": ("720", "550", "5", "b", False, False),
    "720 ILCS 550/5.1(a)": ("720", "550", "5.1", "a", False, False),
    "720 ILCS 550/5.2(b)": ("720", "550", "5.2", "b", False, False),
    "720 ILCS 550/10.1(a)": ("720", "550", "10.1", "a", False, False),
    "720 ILCS 550/19": ("720", "550", "19", None, False, False),
    "720 ILCS 550/20": U,
    "720 ILCS 550/0": U,
    "720 ILCS 550/5.12": U,
    "720 ILCS 550/45(c)": U,
    # a bare 550/7 is section 7 (taken at step 5)
    "720 ILCS 550/7": ("720", "550", "7", None, False, True),
    # attempt targets without an act or chapter
    "720 ILCS 5/8-4(19-1(a))": ("720", "5", "19-1", "a", True, False),
    "720 ILCS 5/8-4(570/402(c))": ("720", "570", "402", "c", True, False),
    "720 ILCS 5/8-4(4(d))": U,  # a bare CCA-like target names no act
    "720 ILCS 5/8-4(550/4(d)": U,  # parentheses do not close
    # markers and the harmless-detail rule inside attempt targets and after them
    "720 ILCS 5/8-4(550/4(d)) [5015300]": ("720", "550", "4", "d", True, False),
    "720 ILCS 5/8-4(550/4(d) [5015300])": ("720", "550", "4", "d", True, False),
    "720 ILCS 5/8-4(550/4(d)) [ENH]": ("720", "550", "4", "d", True, True),
    "720 ILCS 5/8-4(550/5(d)(7))": ("720", "550", "5", "d", True, True),
    "720 ILCS 5/8-4(550/5(d))(7)": ("720", "550", "5", "d", True, True),
    "720 ILCS 5/8-4(550/4(d) SEC 7)": ("720", "550", "4", "d", True, True),
    "720 ILCS 5/8-4(550/4(d)) [WARRANT]": U,
    "720 ILCS 5/8-4(550/4(d) [WARRANT])": U,
    "720 ILCS 5/8-4(550/4(d) [5015300]) [5015300]": U,  # two court codes
}


@pytest.mark.parametrize("text", list(SPEC_EXAMPLES))
def test_spec_example(text):
    expected = SPEC_EXAMPLES[text]
    if expected == U:
        with pytest.raises(CitationError):
            parse_citation(text)
    else:
        c = parse_citation(text)
        assert _fields(c) == expected
        assert c.raw == text


HARMLESS = ["(1)", "(9)", "(10)", "(99)", "(a)", "(z)", "(A)", "(aa)", "(zz)", "(i)", "(iv)", "(ix)", "(xix)", "(xx)",
            "(a-5)", "(b-10)", "(1-5)", "(1.5)", "(7.5)", "(4.1)", "(7)", "(1)(A)(ii)", "( 1 )", "[5015300]",
            "(1) [5015300]", "(a-5)(7.5)"]
NOT_HARMLESS = ["(0)", "(100)", "(01)", "(ab)", "(xxi)", "(aaa)", "(a-)", "(a-100)", "(1.555)", "(WARRANT)", "(x1)",
                "[501530]", "[50153000]", "[A015300]", "[5015300] [5015300]", "[5015300](1)", "[]", "()", "[1]",
                "WARRANT", "(1) X", "AND", "(SEC 8)", "[550/8]", "(COUNT 2)", "((1))"]


@pytest.mark.parametrize("extra", HARMLESS)
def test_harmless_detail_after_a_non_cca_section(extra):
    c = parse_citation(f"720 ILCS 5/12-3(a){extra}")
    assert _fields(c) == ("720", "5", "12-3", "a", False, False)
    assert "[" not in c.detail


@pytest.mark.parametrize("extra", [h for h in HARMLESS if h not in ("(7)",)])
def test_harmless_detail_after_a_cca_subsection(extra):
    # the same groups after 4(c), except (7): on a CCA section 4 or 5 that is Section 7
    assert _fields(parse_citation(f"720 ILCS 550/4(c){extra}")) == ("720", "550", "4", "c", False, False)


@pytest.mark.parametrize("extra", NOT_HARMLESS)
def test_other_text_is_unreadable(extra):
    for head in ("720 ILCS 5/12-3(a)", "720 ILCS 550/4(c)", "720 ILCS 5/8-4(550/4(c))"):
        with pytest.raises(CitationError):
            parse_citation(f"{head} {extra}")


def test_7_group_is_a_subdivision_except_on_cca_4_and_5():
    assert parse_citation("720 ILCS 5/12-3.05(d)(7)").enhancement is False  # real data
    assert parse_citation("720 ILCS 550/8(c)(7)").enhancement is False
    assert parse_citation("720 ILCS 550/5.2(b)(7)").enhancement is False
    # on 4/5, a (7) wherever it stands is read as Section 7: where it might be a subdivision
    # (after another group) the safe reading, review, is taken
    for text in ("720 ILCS 550/4(c)(7)", "720 ILCS 550/4(c)(1)(7)", "720 ILCS 550/5(7)", "720 ILCS 550/4(c)(07)",
                 "720 ILCS 550/4(c)(7.0)", "720 ILCS 5/8-4(720 ILCS 550/4(c)(7))", "56.5-704(c)(7)"):
        assert parse_citation(text).enhancement is True, text
    assert parse_citation("720 ILCS 550/4(c)(7.5)").enhancement is False  # a decimal paragraph


def test_cca_4_and_5_still_take_subsections_a_to_g_only():
    for text in ("720 ILCS 550/4(h)", "720 ILCS 550/4(1)", "720 ILCS 550/5(aa)", "720 ILCS 550/4(iv)"):
        with pytest.raises(CitationError):
            parse_citation(text)


# -- the enhancement column (v2: a plain no is exactly these) ---------------------------------

@pytest.mark.parametrize("column, marks", [
    (None, False), ("", False), ("   ", False), ("no", False), ("NO", False), (" No ", False), ("n", False),
    ("N", False), ("none", False), ("None", False), ("0", False), ("false", False), ("False", False), ("-", False),
    ("n/a", False), ("N/A", False), (" n/a\t", False),
    ("Y", True), ("Yes", True), ("7", True), ("Sec. 7", True), ("550/7", True), ("Enhanced", True),
    # rules 1.1 read these as "no"; v2 says any other text marks it (the safe direction)
    ("F", True), ("NA", True), ("NULL", True), ("NIL", True), ("NO ENHANCEMENT", True), ("NOT ENHANCED", True),
    ("No.", True), ("--", True), ("n / a", True), ("nope", True),
])
def test_enhancement_column_v2(column, marks):
    assert marks_enhancement(column) is marks
    c = parse_citation("720 ILCS 550/4(c)", enhancement=column)
    assert c.enhancement is marks and c.section == "4" and c.subsection == "c"


# -- as written, and pre-1993 -------------------------------------------------------------------

def test_written_form_and_pre_1993():
    c = parse_citation("Ill. Rev. Stat. ch. 56 1/2, par. 705(b)")
    assert c.pre_1993 is True
    assert c.written == "Ill. Rev. Stat. ch. 56 1/2, par. 705(b)"
    assert c.cite() == "720 ILCS 550/5(b)"
    for text in ("56.5-704-C", "56 1/2-704(c)", "38-8-4(56.5-704(d))", "38-12-4(a)", "95 1/2-11-501(a)",
                 "720 ILCS 5/8-4(56.5-704(d))"):
        assert parse_citation(text).pre_1993 is True, text
    for text in ("720 ILCS 550/4(c)", "720-550/4-C", "720 ILCS 5/8-4(550/4(d))"):
        assert parse_citation(text).pre_1993 is False, text
    assert parse_split_citation("720", "550", "4(c)").pre_1993 is False


def test_written_strips_controls_collapses_spaces_and_is_cut():
    c = parse_citation("  720\tILCS \n 550/4(c)  ")
    assert c.written == "720 ILCS 550/4(c)" and c.raw == "  720\tILCS \n 550/4(c)  "
    c = parse_citation("720 ILCS 5/12-3(a)(1)" + "(1)" * 60)
    assert len(c.written) == 120 and c.written.endswith("…")
    # control characters never reach the screen (the citation itself is unreadable: not whitespace)
    from clearterm.domain.citation import Citation as C
    odd = C("720", "550", "4", "c", False, False, "720\x1b[31m ILCS\x00 550/4(c)\x85\x9b", "")
    assert odd.written == "720[31m ILCS 550/4(c)"
    with pytest.raises(CitationError):
        parse_citation("720\x1b ILCS 550/4(c)")


# -- hostile input ------------------------------------------------------------------------------

def _no_hang(fn):
    """Run fn under a 10-second alarm: a guard against a regex or recursion catastrophe (a hang
    fails the test instead of stalling the suite); not a performance measurement."""
    import signal

    def boom(*_):
        raise TimeoutError("citation parsing hung")
    old = signal.signal(signal.SIGALRM, boom)
    signal.alarm(10)
    try:
        return fn()
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


@pytest.mark.parametrize("text", [
    "720 ILCS 550/4(c)" + "x" * 10_000,
    "720 ILCS 550/4" + "(" * 10_000,
    "720 ILCS 550/4" + "(" * 5_000 + ")" * 5_000,
    "720 ILCS 5/8-4(" * 2_000,
    "720 ILCS 550/4" + "(" * 190 + ")" * 190,
    "720 ILCS 5/8-4(" + "8-4(" * 90 + ")" * 91,
    "720 ILCS 5/8-4(" * 25,
    "[" * 399,
    "720 ILCS 550/4(c) " + "AND " * 90,
    "720 ILCS 550/" + "1." * 190,
    "1 " * 199,
    "720 ILCS 550/4(c) " + "," * 370 + "x",
    "720 ILCS 550/4(c)[" + "1" * 370 + "]",
    "720 ILCS 550/4(c) " + "SEC " * 90,
    "Ill. Rev. Stat. " * 20 + "ch. 56 1/2",
])
def test_hostile_input_is_refused_without_hanging(text):
    def run():
        with pytest.raises(CitationError):
            parse_citation(text)
    _no_hang(run)


def test_overlong_text_is_not_cached():
    parse_citation.cache_clear()
    with pytest.raises(CitationError):
        parse_citation("720 ILCS 550/4(c)" + " " * 10_000)
    assert parse_citation.cache_info().currsize == 0
