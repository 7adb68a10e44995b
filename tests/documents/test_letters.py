"""Letters to the person (issues 16, 17): every kind in English and Spanish, the person's language,
plain words for charges, no blank greeting, refusals, the USPS window block and ZIP order.

Golden texts: tests/golden/documents/letters_<kind>_<lang>.txt (rewrite after a deliberate wording
change with ``CLEARTERM_UPDATE_GOLDEN=1``, then read the new PDFs).
"""

from __future__ import annotations

import os
import re
import string
import tomllib
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from clearterm.devtools.sample_batches import golden_batches
from clearterm.documents import Office, Templates
from clearterm.documents.letters import (LetterError, languages_for, missing_contact, render_letters,
                                         unmailable)
from clearterm.domain.charge_words import PHRASE_KEYS
from test_documents import flat, normalised, pages_text

GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "documents"
UPDATE = os.environ.get("CLEARTERM_UPDATE_GOLDEN") == "1"
LETTERS = Templates().directory / "letters"
AUTO, PETITION = golden_batches()


def ruled(batch, lang: str):
    """``batch`` with a ruling on every case (order numbers on some) and everyone speaking ``lang``."""
    cases = tuple(replace(c, person=replace(c.person, language=lang), ruling_date=date(2024, 5, 2 + i),
                          order_number=f"ORD-{100 + i}" if i % 2 == 0 else "")
                  for i, c in enumerate(batch.cases))
    return replace(batch, cases=cases)


GOLDEN_LETTERS = {f"letters_{kind}_{lang}": (kind, lang) for kind in ("granted", "denied") for lang in ("en", "es")}


#: the notice of filing of the petition batch with every language unknown: the no-objection and the
#: objection paragraphs in both languages (letters_petition.txt has each in one)
GOLDEN_LETTERS["letters_filing_petition_both"] = ("filing", "")


@pytest.mark.parametrize("name", sorted(GOLDEN_LETTERS))
def test_letter_text_matches_golden(name):
    kind, lang = GOLDEN_LETTERS[name]
    if kind == "filing":
        both = replace(PETITION, cases=tuple(replace(c, person=replace(c.person, language=lang))
                                             for c in PETITION.cases))
        text = normalised(render_letters(both, kind="filing").data)
    else:
        text = normalised(render_letters(ruled(AUTO, lang), kind=kind, require_contact=True,
                                         require_address=True).data)
    path = GOLDEN / f"{name}.txt"
    if UPDATE:
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"missing golden {path}; run with CLEARTERM_UPDATE_GOLDEN=1"
    assert text == path.read_text(encoding="utf-8")


def _placeholders(text: str) -> set[str]:
    return {m.group("named") or m.group("braced") for m in string.Template.pattern.finditer(text)
            if m.group("named") or m.group("braced")}


def _labels(lang: str) -> dict[str, str]:
    with (LETTERS / lang / "labels.toml").open("rb") as fh:
        return tomllib.load(fh)


def test_every_key_and_template_exists_in_every_language():
    langs = Templates().letter_languages()
    assert langs[0] == "en" and "es" in langs
    en_labels = _labels("en")
    en_files = sorted(p.name for p in (LETTERS / "en").glob("*.txt"))
    assert "letter_granted.txt" in en_files and "letter_denied.txt" in en_files
    for lang in langs:
        labels = _labels(lang)
        assert set(labels) == set(en_labels), lang
        for key, text in en_labels.items():
            assert _placeholders(labels[key]) == _placeholders(text), (lang, key)
        assert sorted(p.name for p in (LETTERS / lang).glob("*.txt")) == en_files, lang
        for name in en_files:
            en_text = (LETTERS / "en" / name).read_text(encoding="utf-8")
            text = (LETTERS / lang / name).read_text(encoding="utf-8")
            assert _placeholders(text) == _placeholders(en_text), (lang, name)
        assert set(PHRASE_KEYS) <= set(labels), lang


def test_spanish_is_marked_as_a_draft_for_the_translator():
    assert "DRAFT FOR THE OFFICE'S TRANSLATOR" in (LETTERS / "es" / "labels.toml").read_text(encoding="utf-8")
    for path in (LETTERS / "es").glob("*.txt"):
        assert "BORRADOR PARA EL TRADUCTOR" in path.read_text(encoding="utf-8").splitlines()[0], path.name
    for name in ("letter_granted.txt", "letter_denied.txt"):
        assert "DRAFT FOR COUNSEL" in (LETTERS / "en" / name).read_text(encoding="utf-8")


def test_person_language_else_both_in_one_mailing():
    r = render_letters(AUTO, kind="filing")
    by_person = {m.person_id: m for m in r.mailings}
    assert by_person["P-0001"].languages == ("en",)
    assert by_person["P-0002"].languages == ("es",)
    assert by_person["P-0003"].languages == ("en", "es")  # unknown
    pages = pages_text(r.data)
    both = pages[by_person["P-0003"].first_page - 1: by_person["P-0003"].first_page - 1 + by_person["P-0003"].pages]
    joined = " ".join(" ".join(p.split()) for p in both)
    assert "Dear Minh Thị Nguyễn:" in joined and "Estimado(a) Minh Thị Nguyễn:" in joined
    # each letter points, in the other language, to its twin in the envelope
    assert "Esta carta también va en español" in joined and "also enclosed in English" in joined
    assert "Esta carta también va en español" not in " ".join(pages[:4])  # one-language mailings: no note
    klingon = replace(AUTO.cases[0].person, language="tlh")
    assert languages_for(klingon, ("en", "es")) == ("en", "es")


def test_plain_words_never_the_clerks_abbreviation():
    clerk = replace(AUTO.cases[2], charges=(replace(
        AUTO.cases[2].charges[0], offense_description="MFG/DEL CANNABIS/2.5-10 GRAMS",
        statute="720 ILCS 550/4(c)", statute_cite="720 ILCS 550/4(c)", offense_date=date(2014, 3, 1)),))
    batch = replace(AUTO, cases=(clerk,))
    text = flat(render_letters(batch, kind="filing").data)
    assert "MFG/DEL" not in text
    assert "conviction for possession of cannabis (10 to 30 grams) and to expunge" in text
    assert "posesión de cannabis (de 10 a 30 gramos) y que elimine" in text
    # after P.A. 99-0697 the same subsection is 30 to 100 grams
    later = replace(batch, cases=(replace(clerk, charges=(replace(clerk.charges[0], offense_date=date(2017, 1, 5)),)),))
    assert "possession of cannabis (30 to 100 grams)" in flat(render_letters(later, kind="filing").data)


def test_no_blank_greeting_and_unaddressable_letters_refused():
    nameless = replace(AUTO.cases[2].person, first_name="", middle_name="", last_name="")
    batch = replace(AUTO, cases=(replace(AUTO.cases[2], person=nameless),))
    text = flat(render_letters(batch, kind="filing").data)
    assert "Dear Sir or Madam:" in text and "Estimado(a) señor(a):" in text
    assert not re.search(r"Dear\s*:", text) and not re.search(r"Estimado\(a\)\s*:", text)
    with pytest.raises(LetterError) as info:
        render_letters(ruled(PETITION, ""), kind="granted", require_address=True)
    message = str(info.value)
    assert "13CR0100200 (person P-0005): no mailing address on file" in message
    for personal in ("Ramírez", "José", "1985", "Huron", "60654"):
        assert personal not in message
    assert unmailable(batch.cases) == ["2015-MC2-000731 (person P-0003): no name on file"]


def test_letters_refused_without_phone_and_email():
    assert missing_contact(Office()) == ["phone", "email"]
    with pytest.raises(LetterError, match="office block has no phone and no email"):
        render_letters(replace(ruled(AUTO, "en"), office=Office()), kind="granted", require_contact=True)


def test_granted_letter_says_what_changes_and_whom_to_contact():
    text = flat(render_letters(ruled(AUTO, "en"), kind="granted", require_contact=True).data)
    assert "On May 2, 2024 the Circuit Court of Cook County granted the motion, order number ORD-100" in text
    assert "background checks" in text and "as if this arrest and this conviction never happened" in text
    assert "Telephone: (312) 555-0100" in text and "Email: expungement.demo@example.org" in text
    denied = flat(render_letters(ruled(AUTO, "es"), kind="denied", require_contact=True).data)
    assert "(hasta 2,5 gramos), orden número ORD-100." in denied and "Qué puede hacer todavía" in denied
    assert "Teléfono: (312) 555-0100" in denied


def test_zip_order_and_usps_window_block():
    r = render_letters(AUTO, kind="filing", zip_order=True)
    assert [m.address.zip5 for m in r.mailings] == ["60201", "60609", "60622"]
    assert [m.first_page for m in r.mailings] == [1, 4, 6]
    first = pages_text(r.data)[0]
    assert "915 EMERSON ST" in first and "EVANSTON IL 60201" in first
    assert r.mailings[2].address.delivery == "1234 N MILWAUKEE AVE APT 3F"


def test_a_language_folder_leans_on_the_court_papers_templates(tmp_path):
    """A letters folder has its own files and labels; labels it lacks and everything else a renderer
    asks (tables, fingerprint) come from the templates it is layered over."""
    root = Templates()
    es = root.language("es")
    assert es.label("salutation_unnamed") == "Estimado(a) señor(a):"
    assert es.label("court") == root.label("court")  # not in letters/es/labels.toml: the base's
    assert es.fingerprint() == root.fingerprint() and es.base is root
    with pytest.raises(Exception, match="no letter templates for language 'fr'"):
        root.language("fr")


def test_every_objection_ground_is_worded_in_every_language():
    from clearterm.domain.deadlines import OBJECTION_GROUNDS

    for lang in Templates().letter_languages():
        labels = _labels(lang)
        for g in OBJECTION_GROUNDS:
            assert labels.get(f"ground_{g.key}", "").strip(), (lang, g.key)
