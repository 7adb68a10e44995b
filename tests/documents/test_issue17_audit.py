"""The issue 17 audit's findings on the documents (/work/audit/issue17.md): the class the rules used
on the papers, the window block's width, the batch's mail list in ZIP order, the certificate of
service's manner for each party, plain charge words without an offense date, the letters' wording,
and the documents layer on its own (control characters, no name, an incomplete office block)."""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import replace
from datetime import date

import pytest
from pypdf import PdfReader

from clearterm.devtools.sample_batches import golden_batches
from clearterm.documents import BatchError, Office, Renderer, Templates, export_batch, make_demo_keys, plan_documents
from clearterm.documents.address import DELIVERY_LINE_MAX, standardise
from clearterm.documents.layout import Doc, xmp_metadata
from clearterm.documents.letters import MAIL_LIST_COLUMNS, WINDOW_PAD, render_letters, window_rows
from clearterm.documents.model import Charge, Person
from clearterm.documents.render import WINDOW_H, WINDOW_W, WINDOW_X, WINDOW_Y
from test_documents import flat, pages_text, spec

AUTO, PETITION = golden_batches()


# -- 4: the class the rules used ---------------------------------------------------------------------
def _class_p(case, statute="720 ILCS 550/4(a)", cls="P"):
    """``case`` with its first charge as the demo store gives it: the record's class P, the rules'
    decision automatic with the note CLASS_INFERRED (step 21), reasons as services/batches.py reads them."""
    ch = replace(case.charges[0], statute_cite=statute, statute=statute, offense_class=cls,
                 reasons=("MINOR_CANNABIS_OFFENSE", "CLASS_INFERRED"), category="automatic")
    return replace(case, charges=(ch, *case.charges[1:]))


def test_schedule_and_order_print_the_class_the_rules_used_never_class_p():
    cases = (_class_p(AUTO.cases[0]), *AUTO.cases[1:3], _class_p(AUTO.cases[3], "720 ILCS 550/4(c)", ""))
    batch = replace(AUTO, cases=cases)
    r = Renderer(batch)
    motion = flat(r.render(spec(batch, "motion", "mc1")).data)
    assert "each listed conviction is for a misdemeanor or Class 4 felony" in motion
    assert "Class P" not in motion
    assert "720 ILCS 550/4(a) Class C (from the subsection; the record shows P)" in motion
    assert "720 ILCS 550/4(c) Class A or 4 (from the subsection; no class in the record)" in motion
    order = flat(r.render(spec(batch, "order", cases[0].case_number)).data)
    assert "Class P" not in order and "Class C (from the subsection; the record shows P)" in order
    # a class given in the record is printed as it is
    assert "720 ILCS 550/4(b) Class B" in flat(r.render(spec(batch, "motion", "mc2")).data)


def test_inferred_class_reads_the_date_regime():
    from clearterm.documents.render import inferred_classes

    ch = Charge("R", "720 ILCS 550/4(b)", "Z", statute="720 ILCS 550/4(b)", reasons=("CLASS_INFERRED",),
                offense_date=None, arrest_date=date(2017, 3, 1))
    assert inferred_classes(ch) == ("B",)  # 4(b) after 2016-07-29 is B; the rules read the arrest date
    assert inferred_classes(replace(ch, statute="720 ILCS 550/5(c)")) == ("4",)
    assert inferred_classes(replace(ch, reasons=("MINOR_CANNABIS_OFFENSE",))) == ()


# -- 2: the window block ---------------------------------------------------------------------------------
LONG = ("12345 South Martin Luther King Junior Drive", "Apartment 1203B Rear Building")


def test_an_address_usaddress_cannot_read_keeps_its_lines_and_is_flagged():
    a = standardise(Person("P1", "Fang", "Wei", "", None, *LONG, "Chicago", "IL", "60653"))
    assert not a.standardised
    assert "MARTIN LUTHER KING" in a.delivery and "1203B" in a.secondary  # never joined on one line
    assert a.delivery.startswith("12345")  # the street is the delivery line, the rest above it
    # the source order stays when the first line is not the street (a c/o or a building name)
    b = standardise(Person("P1", "Fang", "Wei", "", None, "c/o Lee Family", "4410 S. Ashland Ave.",
                           "Chicago", "IL", "60609"))
    assert (b.secondary, b.delivery) == ("C/O LEE FAMILY", "4410 S ASHLAND AVE") and not b.standardised
    # a parsed delivery line too long for the window is flagged too
    c = standardise(Person("P1", "Fang", "Wei", "", None, "12345 South Martin Luther King Junior Memorial "
                           "Parkway", "", "Chicago", "IL", "60653"))
    assert len(c.delivery) > DELIVERY_LINE_MAX and not c.standardised


@pytest.mark.parametrize("person", [
    Person("P-9", "Wolfeschlegelsteinhausenbergerdorff", "Hubert Blaine", "Xavier", None, *LONG,
           "Chicago", "IL", "60653", "en"),
    Person("P-9", "Fang", "Wei", "", None, *LONG, "Chicago", "IL", "60653", "en"),
    Person("P-9", "Fang", "Wei", "", None, "12345 South Martin Luther King Junior Memorial Parkway Building C",
           "", "Chicago", "IL", "60653", "en"),
])
def test_no_address_line_is_wider_than_the_window(person):
    batch = replace(AUTO, cases=(replace(AUTO.cases[0], person=person),))
    data = render_letters(batch, kind="filing").data
    page = PdfReader(io.BytesIO(data)).pages[0]
    height = float(page.mediabox.height)
    hits = []

    def visit(text, cm, tm, font, size):
        if text.strip() and WINDOW_Y - 5 <= height - tm[5] <= WINDOW_Y + WINDOW_H + 5:
            hits.append((tm[4], height - tm[5], text.strip(), size))

    page.extract_text(visitor_text=visit)
    doc = Doc(title="t", subject="s", author="a", created_at=AUTO.created_at, text_sample="X")
    assert hits
    for x, y, text, size in hits:
        assert WINDOW_X <= x and x + doc.text_width(text, False, size) <= WINDOW_X + WINDOW_W - WINDOW_PAD + 0.5, text
        assert WINDOW_Y <= y <= WINDOW_Y + WINDOW_H, text
    window = " ".join(t for _, _, t, _ in sorted(hits, key=lambda h: (h[1], h[0])))
    for word in ("MARTIN", "LUTHER", "CHICAGO IL 60653"):
        assert word in window  # wrapped, nothing dropped


def test_window_rows_shrink_to_fit_the_height():
    doc = Doc(title="t", subject="s", author="a", created_at=AUTO.created_at, text_sample="X")
    size, lead, rows = window_rows(doc, [("WORD " * 20, False)] * 3)
    assert size < 11 and len(rows) * lead <= WINDOW_H
    for row in rows:
        assert sum(doc.text_width(t, b, size) for t, b in row) <= WINDOW_W - 2 * WINDOW_PAD


# -- 1: the batch's mail list, letters in ZIP order -------------------------------------------------------
@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    _, p12, pw = make_demo_keys(tmp_path_factory.mktemp("keys"), signer_name="Jane Q. Prosecutor")
    return export_batch(AUTO, tmp_path_factory.mktemp("out"), p12, pw, workers=1).batch_dir


def test_signed_batch_letters_in_zip_order_with_their_mail_list(exported):
    rows = list(csv.reader(io.StringIO((exported / "letters-mail-list.csv").read_text(encoding="utf-8"))))
    assert tuple(rows[0]) == MAIL_LIST_COLUMNS
    assert [r[9] for r in rows[1:]] == ["60201", "60609", "60622"]  # ZIP order
    assert [r[1] for r in rows[1:]] == ["P-0003", "P-0002", "P-0001"]
    assert [r[11] for r in rows[1:]] == ["1", "4", "6"]  # first pages in letters.pdf
    pages = pages_text((exported / "letters.pdf").read_bytes())
    for r in rows[1:]:
        assert r[6] in pages[int(r[11]) - 1]  # the delivery line is in that letter's window
    m = json.loads((exported / "manifest.json").read_text(encoding="utf-8"))
    listed = {d["path"]: d for d in m["documents"]}
    assert listed["letters-mail-list.csv"]["kind"] == "mail-list"
    assert "letters-mail-list.csv" in (exported / "SHA256SUMS").read_text()
    assert "letters-mail-list.csv" in flat((exported / "index.pdf").read_bytes())


# -- 5: certificate of service -----------------------------------------------------------------------------
def test_every_party_served_has_its_manner():
    labels = Templates().labels
    for key in ("served_petitioner", "served_agency", "served_state_police"):
        assert re.search(r"by (U\.S\. mail|e-mail|hand)", labels[key]), key
    text = flat(Renderer(PETITION).render(spec(PETITION, "objection")).data)
    certificate = text.split("CERTIFICATE OF SERVICE")[1]
    parties = [p.split("/s/")[0].strip() for p in certificate.split("•")[1:]]
    assert len(parties) == 3 and all(re.search(r"by (U\.S\. mail|e-mail)", p) for p in parties), parties


# -- 6: plain words without an offense date, and before the schedules ------------------------------------
@pytest.mark.parametrize("statute, offense, arrest, shown, not_shown", [
    ("720 ILCS 550/4(b)", None, date(2017, 3, 1), "for possession of cannabis and to expunge", "grams"),
    ("720 ILCS 550/5(c)", None, date(2012, 3, 1), "manufacture or delivery of cannabis and to", "grams"),
    ("720 ILCS 550/4(c)", date(1996, 5, 1), None, "for possession of cannabis and to expunge", "grams"),
    ("720 ILCS 550/4(c)", date(1997, 8, 15), None, "possession of cannabis (10 to 30 grams)", "30 to 100"),
    ("720 ILCS 550/5(a)", date(1983, 9, 23), None, "manufacture or delivery of cannabis and to", "grams"),
])
def test_amount_only_with_an_offense_date_the_schedules_cover(statute, offense, arrest, shown, not_shown):
    ch = replace(AUTO.cases[2].charges[0], statute=statute, statute_cite=statute, offense_date=offense,
                 arrest_date=arrest)
    case = replace(AUTO.cases[2], charges=(ch,), person=replace(AUTO.cases[2].person, language="en"))
    text = flat(render_letters(replace(AUTO, cases=(case,)), kind="filing").data)
    assert shown in text and not_shown not in text


# -- 9 and 10: wording ---------------------------------------------------------------------------------------
def _ruled(batch, lang):
    return replace(batch, cases=tuple(replace(c, person=replace(c.person, language=lang), ruling_date=date(2024, 5, 2))
                                      for c in batch.cases))


def test_salutation_for_a_last_name_only():
    lopez = replace(AUTO.cases[2].person, first_name="", middle_name="", last_name="Lopez")
    for lang, greeting, bad in (("en", "Hello,", "Dear Lopez"), ("es", "Reciba un cordial saludo.", "Estimado(a) Lopez")):
        batch = replace(AUTO, cases=(replace(AUTO.cases[2], person=replace(lopez, language=lang)),))
        text = flat(render_letters(batch, kind="filing").data)
        assert greeting in text and bad not in text and "Sir or Madam" not in text


def test_granted_and_denied_letters_are_plural_for_several_convictions():
    text = flat(render_letters(_ruled(AUTO, "en"), kind="granted").data)
    obrien, munoz, nguyen = (text.split("Dear ")[i] for i in (1, 2, 3))
    assert "Your convictions are vacated" in obrien and "these arrests and these convictions never happened" in obrien
    assert "the records of the arrests and the cases" in obrien
    assert "Your convictions are vacated" in munoz and "this arrest and these convictions never happened" in munoz
    assert "Your conviction is vacated" in nguyen and "this arrest and this conviction never happened" in nguyen
    denied = flat(render_letters(_ruled(AUTO, "es"), kind="denied").data)
    assert "Por ahora las condenas siguen" in denied and "Por ahora la condena sigue" in denied


def test_no_dangling_comma_when_there_is_no_amount():
    ch = replace(AUTO.cases[2].charges[0], statute="720 ILCS 550/4", statute_cite="720 ILCS 550/4")
    case = replace(AUTO.cases[2], charges=(ch,))
    text = flat(render_letters(_ruled(replace(AUTO, cases=(case,)), "en"), kind="granted").data)
    assert "possession of cannabis and ordered" in text and "cannabis, and" not in text
    es = flat(render_letters(_ruled(AUTO, "es"), kind="filing").data)
    assert "posesión de cannabis (de 10 a 30 gramos); fabricación o entrega de cannabis (hasta 2,5 gramos) y que elimine" in es


def test_objection_ground_other_tells_the_person_where_the_reasons_are():
    case = replace(PETITION.cases[1], objection_ground="other", person=replace(PETITION.cases[1].person, language="en"))
    text = flat(render_letters(replace(PETITION, cases=(case,)), kind="filing").data)
    assert "Our reason: the reasons set out in our objection" in text and "a copy of it is served on you" in text
    assert "which the court has" not in text


def test_spanish_wording_and_the_signers_title():
    text = flat(render_letters(_ruled(PETITION, "es"), kind="filing").data)
    assert "que anulara y eliminara (borrara)" in text and "que no la concediera" in text
    assert "que lo arrestó" not in text and "que hizo el arresto" in text
    assert "Fiscal Auxiliar del Condado de Cook" in text and "Assistant State's Attorney" not in text
    granted = flat(render_letters(_ruled(AUTO, "es"), kind="granted").data)
    assert "enterarse del caso" in granted and "que lo arrestó" not in granted
    # another title is printed as the batch gives it
    other = flat(render_letters(replace(_ruled(PETITION, "es"), signer_title="Supervisor"), kind="filing").data)
    assert "Supervisor" in other


def _line_tops(data: bytes, page_no: int) -> list[tuple[float, str]]:
    page = PdfReader(io.BytesIO(data)).pages[page_no]
    height = float(page.mediabox.height)
    tops: list[tuple[float, str]] = []
    page.extract_text(visitor_text=lambda text, cm, tm, font, size: tops.append((height - tm[5], text))
                      if text.strip() else None)
    return tops


def test_a_gap_after_the_list_and_the_closing_never_alone():
    data = render_letters(_ruled(AUTO, "en"), kind="denied").data
    checked = 0
    for n in range(len(PdfReader(io.BytesIO(data)).pages)):
        tops = _line_tops(data, n)
        whom = [k for k, (_, t) in enumerate(tops) if t.startswith("Whom to contact")]
        if whom and whom[0] > 0 and tops[whom[0] - 1][1].strip().startswith("You may call"):
            # the list's last line, then a paragraph's gap (14 pt lines + 8 pt), not a bullet's (14 + 4)
            assert tops[whom[0]][0] - tops[whom[0] - 1][0] >= 21
            checked += 1
    assert checked  # Nguyễn's one-page list and contact block
    for batch in (PETITION, replace(PETITION, cases=tuple(replace(c, person=replace(c.person, language=""))
                                                             for c in PETITION.cases)), _ruled(AUTO, "es")):
        for kind in ("filing", "denied", "granted") if batch is not PETITION else ("filing",):
            if kind != "filing" and batch.cases[0].ruling_date is None:
                continue
            for text in pages_text(render_letters(batch, kind=kind).data):
                lines = [x for x in text.splitlines() if x.strip()]
                # a continuation page that starts with the closing: the closing alone
                assert not (len(lines) > 1 and re.match(r"(Sincerely|Atentamente),", lines[1])), text[:200]


# -- 11: the documents layer on its own --------------------------------------------------------------------
def test_control_characters_never_break_the_export(tmp_path):
    person = replace(AUTO.cases[0].person, first_name="Seamus\x1b[31m", last_name="O'Brien\x07")
    batch = replace(AUTO, cases=(replace(AUTO.cases[0], person=person),))
    _, p12, pw = make_demo_keys(tmp_path / "keys", signer_name="Jane Q. Prosecutor")
    out = export_batch(batch, tmp_path / "out", p12, pw, workers=1).batch_dir
    order = (out / "orders" / "2009-MC1-104233_P-0001.pdf").read_bytes()
    import pikepdf

    with pikepdf.open(io.BytesIO(order)) as pdf:
        title = str(pdf.open_metadata().get("dc:title"))
    assert "\x1b" not in title and "Seamus[31m" in title  # the XMP parses, without the escape
    assert "\x1b" not in flat(order) and "SEAMUS[31M PATRICK O'BRIEN" in flat(order)
    xmp = xmp_metadata(title="a\x1bb\x00c", subject="s\x07", author="x\ty", keywords="k", created_at=AUTO.created_at)
    assert "\x1b" not in xmp and "\x00" not in xmp and "\x07" not in xmp and "abc" in xmp


def test_no_bare_comma_for_an_empty_name_and_filing_refuses_it(tmp_path):
    nameless = replace(AUTO.cases[0].person, first_name="", middle_name="", last_name="")
    batch = replace(AUTO, cases=(replace(AUTO.cases[0], person=nameless),))
    order = pages_text(Renderer(batch).render(spec(batch, "order")).data)[0]
    assert not re.search(r"^\s*,\s*$", order, flags=re.M)
    assert "(NO NAME ON FILE, REFERENCE P-0001)," in order
    _, p12, pw = make_demo_keys(tmp_path / "keys", signer_name="Jane Q. Prosecutor")
    with pytest.raises(BatchError, match=r"no name on file for 2009-MC1-104233 \(person P-0001\)"):
        export_batch(batch, tmp_path / "out", p12, pw, workers=1)
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_filing_refuses_an_office_block_without_phone_email_or_attorney_code(tmp_path):
    _, p12, pw = make_demo_keys(tmp_path / "keys", signer_name="Jane Q. Prosecutor")
    with pytest.raises(BatchError) as info:
        export_batch(replace(AUTO, office=Office()), tmp_path / "out", p12, pw, workers=1)
    message = str(info.value)
    assert "no phone, no e-mail, no attorney code" in message and "\n" not in message
    assert plan_documents(replace(AUTO, office=Office()))  # planning (a preview) is not refused
