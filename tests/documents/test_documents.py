"""Documents layer: layout, wording and text of every document type (no signing here).

Golden texts live in tests/golden/documents/; after a deliberate wording or
layout change, review the new PDFs and rewrite them with
``CLEARTERM_UPDATE_GOLDEN=1 pytest tests/test_documents.py``.
"""

from __future__ import annotations

import io
import os
import re
import shutil
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from pypdf import PdfReader

from clearterm.documents import (BatchError, Renderer, TemplateError, Templates, plan_documents,
                                 validate_batch)
from clearterm.documents import fonts as fonts_mod
from clearterm.documents.model import Case, Charge, Office, Person
from clearterm.documents.render import WINDOW_H, WINDOW_W, WINDOW_X, WINDOW_Y, DocSpec
from clearterm.devtools.sample_batches import DEMO_OFFICE, golden_batches, sample_batch

GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "documents"
UPDATE = os.environ.get("CLEARTERM_UPDATE_GOLDEN") == "1"

AUTO, PETITION = golden_batches()


def pages_text(data: bytes) -> list[str]:
    return [p.extract_text() or "" for p in PdfReader(io.BytesIO(data)).pages]


def normalised(data: bytes) -> str:
    """Extracted text, whitespace normalised, one line per text line, pages marked."""
    out = []
    for i, text in enumerate(pages_text(data), 1):
        out.append(f"=== page {i} ===")
        out.extend(" ".join(line.split()) for line in text.splitlines() if line.strip())
    return "\n".join(out) + "\n"


def flat(data: bytes) -> str:
    return " ".join(" ".join(pages_text(data)).split())


def spec(batch, kind, case_number=None) -> DocSpec:
    """The document of ``kind`` for ``case_number`` (a motion: for the department key)."""
    for s in plan_documents(batch):
        if s.kind == kind and (case_number is None
                               or (s.department == case_number if kind == "motion"
                                   else batch.cases[s.case_index].case_number == case_number)):
            return s
    raise LookupError(kind)


GOLDEN_DOCS = {
    "motion": (AUTO, "motion", "mc1"),
    "motion_criminal": (AUTO, "motion", "criminal"),
    "order_automatic": (AUTO, "order", "11CR0654321"),
    "order_petition": (PETITION, "order", "2016-MC1-220014"),
    "objection": (PETITION, "objection", "13CR0100200"),
    "no_objection": (PETITION, "no-objection", "2016-MC1-220014"),
    "letters_automatic": (AUTO, "letters", None),
    "letters_petition": (PETITION, "letters", None),
}


@pytest.fixture(scope="module")
def rendered() -> dict[str, bytes]:
    renderers = {id(AUTO): Renderer(AUTO), id(PETITION): Renderer(PETITION)}
    return {name: renderers[id(b)].render(spec(b, kind, cn)).data
            for name, (b, kind, cn) in GOLDEN_DOCS.items()}


@pytest.mark.parametrize("name", sorted(GOLDEN_DOCS))
def test_text_matches_golden(rendered, name):
    text = normalised(rendered[name])
    path = GOLDEN / f"{name}.txt"
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"missing golden {path}; run with CLEARTERM_UPDATE_GOLDEN=1"
    assert text == path.read_text(encoding="utf-8")


def test_plan_lists_every_document():
    auto = [s.path for s in plan_documents(AUTO)]
    # the cases span three court departments: one motion each, in the table's order
    assert auto == ["motion-criminal.pdf", "motion-mc1.pdf", "motion-mc2.pdf",
                    "orders/2009-MC1-104233_P-0001.pdf",
                    "orders/11CR0654321_P-0002.pdf", "orders/2015-MC2-000731_P-0003.pdf",
                    "orders/2012-MC1-009876_P-0001.pdf", "letters.pdf"]
    pet = [s.path for s in plan_documents(PETITION)]
    assert pet == ["no-objection/2016-MC1-220014_P-0004.pdf", "orders/2016-MC1-220014_P-0004.pdf",
                   "objections/13CR0100200_P-0005.pdf", "letters.pdf"]


def test_same_input_same_bytes_and_text():
    a = Renderer(AUTO).render(spec(AUTO, "motion")).data
    b = Renderer(golden_batches()[0]).render(spec(AUTO, "motion")).data
    assert a == b  # unsigned bytes are deterministic (creation date = batch created_at)
    o1 = Renderer(PETITION).render(spec(PETITION, "objection")).data
    o2 = Renderer(PETITION).render(spec(PETITION, "objection")).data
    assert o1 == o2
    # the XMP dates are the batch's created_at, not the time of output
    assert b'xmp:CreateDate="2024-03-15T14:30:00+00:00" xmp:ModifyDate="2024-03-15T14:30:00+00:00"' in a


def test_accents_and_apostrophes_extract(rendered):
    motions = {k: flat(Renderer(AUTO).render(spec(AUTO, "motion", k)).data) for k in ("criminal", "mc1", "mc2")}
    for key, name in (("mc1", "O'Brien, Seamus Patrick"), ("criminal", "Muñoz, María José"),
                      ("mc2", "Nguyễn, Minh Thị")):
        assert name in motions[key]
    assert "MARÍA JOSÉ MUÑOZ" in flat(rendered["order_automatic"])
    letters = flat(rendered["letters_automatic"])
    for name in ("Dear Seamus Patrick O'Brien:", "Estimado(a) María José Muñoz:", "Dear Minh Thị Nguyễn:",
                 "Estimado(a) Minh Thị Nguyễn:"):
        assert name in letters
    assert "AOIFE D'ARCY" in flat(rendered["order_petition"])
    assert "José Luis Ramírez" in flat(rendered["objection"])


def test_page_x_of_y_on_every_page(rendered):
    for name, data in rendered.items():
        pages = pages_text(data)
        if name.startswith("letters"):
            continue  # numbered per letter, below
        for i, text in enumerate(pages, 1):
            assert f"Page {i} of {len(pages)}" in text, (name, i)
    # letters, in ZIP order: each letter is numbered on its own (Nguyễn's language is unknown:
    # English, then Spanish, in one mailing; Muñoz's is in Spanish; O'Brien's two-case letter)
    numbers = [re.search(r"(?:Page|Página) (\d+) (?:of|de) (\d+)", t).groups() for t in
               pages_text(rendered["letters_automatic"])]
    assert numbers == [("1", "1"), ("1", "2"), ("2", "2"), ("1", "2"), ("2", "2"), ("1", "2"), ("2", "2")]


def test_signature_line_readable(rendered):
    for name in ("motion", "objection", "no_objection", "order_automatic", "order_petition"):
        assert "/s/ Jane Q. Prosecutor Assistant State's Attorney" in flat(rendered[name]), name


def test_long_schedule_repeats_header_across_pages():
    batch = sample_batch(120)
    data = Renderer(batch).render(spec(batch, "motion", "mc1")).data
    mc1 = [c for c in batch.cases if "-MC1-" in c.case_number]
    assert len(mc1) > 90  # the other cases (felonies, 19CR...) are in the criminal division's motion
    pages = pages_text(data)
    schedule = [t for t in pages if t.startswith("SCHEDULE A")]
    assert len(schedule) >= 3
    for t in schedule:  # the column header is on every schedule page
        assert "Date of Birth" in t and "Case Number" in t and "Disposition / Date" in t
    assert all("SCHEDULE A (continued)" in t for t in schedule[1:])
    text = "\n".join(schedule)
    for case in mc1:
        assert case.case_number in text and case.person.person_id in text
    rows = [int(m) for m in re.findall(r"^(\d{1,3}) (?!ILCS)", text, flags=re.M)]
    assert rows == list(range(1, len(mc1) + 1))
    assert "THE PERSONS LISTED IN SCHEDULE A" in pages[0]
    assert f"{len(mc1)} cases" in flat(data) and "MUNICIPAL DEPARTMENT, FIRST DISTRICT" in pages[0]


def test_letter_address_sits_in_the_envelope_window(rendered):
    reader = PdfReader(io.BytesIO(rendered["letters_automatic"]))
    page = reader.pages[3]  # Muñoz's letter (ZIP order: Nguyễn's three pages first)
    height = float(page.mediabox.height)
    hits: list[tuple[float, float, str]] = []

    def visit(text, cm, tm, font, size):
        if text.strip():
            hits.append((tm[4], height - tm[5], text))

    page.extract_text(visitor_text=visit)
    address = [h for h in hits if h[2].strip() in (  # USPS Publication 28 form
        "MARÍA JOSÉ MUÑOZ", "4410 S ASHLAND AVE", "CHICAGO IL 60609")]
    assert len(address) == 3
    for x, y, _ in address:
        assert WINDOW_X <= x <= WINDOW_X + WINDOW_W
        assert WINDOW_Y <= y <= WINDOW_Y + WINDOW_H


def test_letters_one_per_person_and_missing_address(rendered):
    letters = flat(rendered["letters_automatic"])
    assert letters.count("Dear ") == 2 and letters.count("Estimado(a) ") == 2  # Nguyễn: both languages
    assert "Case 2009-MC1-104233." in letters and "Case 2012-MC1-009876." in letters
    petition = flat(rendered["letters_petition"])
    assert "SIN DIRECCIÓN POSTAL - NO ENVIAR" in petition  # Ramírez: Spanish, no address
    assert "do not object" in petition and "objeción" in petition


def test_templates_are_editable(tmp_path):
    tdir = tmp_path / "templates"
    shutil.copytree(Templates().directory, tdir)
    motion = tdir / "motion.txt"
    motion.write_text(motion.read_text().replace("Honorable Court", "Court"))
    labels = tdir / "labels.toml"
    labels.write_text(labels.read_text().replace('"Page $page of $pages"', '"p. $page/$pages"'))
    data = Renderer(AUTO, Templates(tdir)).render(spec(AUTO, "motion")).data
    text = flat(data)
    assert "Honorable" not in text and "move this Court to vacate" in text
    assert "p. 1/3" in text

    motion.write_text(motion.read_text() + "\nSigned by $signer_nmae.\n")
    with pytest.raises(TemplateError, match=r"motion\.txt:\d+: unknown placeholder \$signer_nmae"):
        Renderer(AUTO, Templates(tdir)).render(spec(AUTO, "motion"))


def test_optional_lines_drop_when_empty():
    plain = replace(AUTO, office=Office())  # no phone, unit or e-mail
    text = flat(Renderer(plain).render(spec(plain, "letters")).data)
    assert "Telephone:" not in text and "Email:" not in text
    assert "Telephone: (312) 555-0100" in flat(Renderer(AUTO).render(spec(AUTO, "letters")).data)
    named = replace(AUTO, office=replace(DEMO_OFFICE, state_attorney_name="Pat Example"))
    motion = flat(Renderer(named).render(spec(named, "motion")).data)
    assert "by Pat Example, State's Attorney of Cook County" in motion


def test_name_outside_working_font_uses_full_font():
    greek = Person("P-9", "Παπαδόπουλος", "Γιώργος", "", date(1980, 1, 1), "1 Main St.", "",
                   "Chicago", "IL", "60601")
    case = replace(AUTO.cases[0], person=greek)
    batch = replace(AUTO, cases=(case,))
    data = Renderer(batch).render(spec(batch, "order")).data
    assert "ΓΙΏΡΓΟΣ ΠΑΠΑΔΌΠΟΥΛΟΣ" in flat(data)


def test_fonts_embedded_and_fallback_path_gives_same_text(monkeypatch, rendered):
    reader = PdfReader(io.BytesIO(rendered["order_automatic"]))
    fonts = reader.pages[0]["/Resources"]["/Font"]
    for ref in fonts.values():
        font = ref.get_object()
        desc = font["/DescendantFonts"][0].get_object()["/FontDescriptor"].get_object()
        assert "/FontFile2" in desc and "LiberationSerif" in str(font["/BaseFont"])
    monkeypatch.setattr(fonts_mod, "_INSTALLER", fonts_mod.FontInstaller())
    fonts_mod.installer()._fast_ok = False  # plain FPDF.add_font with the committed TTFs
    data = Renderer(AUTO).render(spec(AUTO, "order", "11CR0654321")).data
    assert normalised(data) == normalised(rendered["order_automatic"])


def test_us_letter_pages(rendered):
    for data in rendered.values():
        for page in PdfReader(io.BytesIO(data)).pages:
            w, h = float(page.mediabox.width), float(page.mediabox.height)
            assert sorted((round(w), round(h))) == [612, 792]


def test_validation_rejects_bad_batches():
    dup = replace(AUTO, cases=AUTO.cases + (AUTO.cases[0],))
    with pytest.raises(BatchError, match="appears twice"):
        validate_batch(dup)
    bad = replace(AUTO.cases[0], outcome="objected", objection_ground_label="x",
                  objection_facts="y")
    with pytest.raises(BatchError, match="automatic-track case can only be approved"):
        validate_batch(replace(AUTO, cases=(bad,)))
    no_facts = replace(PETITION.cases[1], objection_facts="")
    with pytest.raises(BatchError, match="ground label and supporting facts"):
        validate_batch(replace(PETITION, cases=(no_facts,)))
    with pytest.raises(BatchError, match="no charges"):
        validate_batch(replace(AUTO, cases=(replace(AUTO.cases[0], charges=()),)))


def test_model_is_plain_and_private():
    case = AUTO.cases[0]
    assert "O'Brien" not in repr(case) and "O'Brien" not in repr(case.person)
    assert isinstance(case.charges, tuple)
    made = Case("X-1", case.person, [Charge("R", "720 ILCS 550/4(a)")], reviewers=["r"])
    assert made.charges == (Charge("R", "720 ILCS 550/4(a)"),) and made.reviewers == ("r",)
