"""Plain words for charges (issue 17): from the statute, its subsection and the date regime."""

from __future__ import annotations

import tomllib
from datetime import date

import pytest

from clearterm.domain.charge_words import PHRASE_KEYS, PlainCharge, charge_words, plain_charge
from conftest import REPO


def phrases(lang: str) -> dict[str, str]:
    with (REPO / "templates" / "documents" / "letters" / lang / "labels.toml").open("rb") as fh:
        return tomllib.load(fh)


EN, ES = phrases("en"), phrases("es")
BEFORE, AFTER = date(2012, 5, 1), date(2018, 5, 1)


@pytest.mark.parametrize("statute, when, english", [
    ("720 ILCS 550/4(a)", BEFORE, "possession of cannabis (not more than 2.5 grams)"),
    ("720 ILCS 550/4(a)", AFTER, "possession of cannabis (not more than 10 grams)"),
    ("720 ILCS 550/4(b)", BEFORE, "possession of cannabis (2.5 to 10 grams)"),
    ("720-550/4-C", BEFORE, "possession of cannabis (10 to 30 grams)"),
    ("720 ILCS 550/4(c)", AFTER, "possession of cannabis (30 to 100 grams)"),
    ("720 ILCS 550/4(b)", date(2016, 7, 28), "possession of cannabis (2.5 to 10 grams)"),
    ("720 ILCS 550/4(b)", date(2016, 7, 29), "possession of cannabis (10 to 30 grams)"),
    ("720 ILCS 550/4(g)", None, "possession of cannabis (more than 5,000 grams)"),
    ("720 ILCS 550/4(c)", None, "possession of cannabis"),           # band changed in 2016: no guess
    ("720 ILCS 550/4", BEFORE, "possession of cannabis"),            # no subsection: no amount
    ("56 1/2-705(b)", date(1990, 1, 1), "manufacture or delivery of cannabis (2.5 to 10 grams)"),
    ("720 ILCS 550/5(c)", None, "manufacture or delivery of cannabis (10 to 30 grams)"),
    ("720 ILCS 5/8-4(720 ILCS 550/4(d))", BEFORE, "attempted possession of cannabis (30 to 500 grams)"),
    ("720 ILCS 550/8(a)", BEFORE, "growing cannabis plants"),
    ("720 ILCS 550/10.1", BEFORE, "a cannabis offense"),
    ("625 ILCS 5/11-501(a)", BEFORE, "the offense in your court record"),
    ("MFG/DEL CANNABIS/2.5-10 GRAMS", BEFORE, "the offense in your court record"),
])
def test_plain_words_in_english(statute, when, english):
    assert charge_words(plain_charge(statute, when), EN) == english


def test_spanish_numbers_and_words():
    assert charge_words(plain_charge("720 ILCS 550/4(b)", BEFORE), ES) == "posesión de cannabis (de 2,5 a 10 gramos)"
    assert charge_words(plain_charge("720 ILCS 550/5(g)", None), ES) == \
        "fabricación o entrega de cannabis (más de 5.000 gramos)"
    assert charge_words(plain_charge("720 ILCS 550/4(a)", BEFORE), ES) == "posesión de cannabis (hasta 2,5 gramos)"


def test_every_language_has_every_phrase():
    for labels in (EN, ES):
        assert set(PHRASE_KEYS) <= set(labels)
    assert PlainCharge("possession").has_amount is False
