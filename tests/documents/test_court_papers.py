"""Court papers ready to file (issue 17): department captions and split motions, the signer's
certificate name on the /s/ lines, Rule 131(d) blocks, the certificate of service, Schedule A's
person reference, the signed batch index with SHA256SUMS, PDF/A-2U checked by pikepdf/qpdf, and
signatures checked by independent validators (pyHanko's validator, poppler's pdfsig)."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
from dataclasses import replace
from datetime import date
from pathlib import Path

import pikepdf
import pytest
from pypdf import PdfReader

from clearterm.devtools.sample_batches import golden_batches
from clearterm.documents import (Renderer, SigningError, TemplateError, Templates, export_batch,
                                 make_demo_keys, plan_documents, verify_batch)
from clearterm.documents.departments import UnknownCaseNumber
from clearterm.documents.index import SUMS, parse_sums, sums_text

AUTO, PETITION = golden_batches()


def flat_bytes(data: bytes) -> str:
    return " ".join(" ".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(data)).pages).split())


def flat(path: Path) -> str:
    return flat_bytes(path.read_bytes())


@pytest.fixture(scope="module")
def keys(tmp_path_factory):
    return make_demo_keys(tmp_path_factory.mktemp("keys"), signer_name="Jane Q. Prosecutor")


@pytest.fixture(scope="module")
def batches(tmp_path_factory, keys):
    _, p12, pw = keys
    out = tmp_path_factory.mktemp("out")
    return {"auto": export_batch(AUTO, out, p12, pw, workers=1).batch_dir,
            "petition": export_batch(PETITION, out, p12, pw, workers=1).batch_dir}


# -- departments ----------------------------------------------------------------------------------
@pytest.mark.parametrize("case_number,key,caption", [
    ("11CR0654321", "criminal", "COUNTY DEPARTMENT, CRIMINAL DIVISION"),
    ("2019-CR-01234", "criminal", "COUNTY DEPARTMENT, CRIMINAL DIVISION"),
    ("2016-MC1-220014", "mc1", "MUNICIPAL DEPARTMENT, FIRST DISTRICT"),
    ("2008MC21234567", "mc2", "MUNICIPAL DEPARTMENT, SECOND DISTRICT"),
    ("2015-mc6-000731", "mc6", "MUNICIPAL DEPARTMENT, SIXTH DISTRICT"),
])
def test_department_from_case_number(case_number, key, caption):
    dept = Templates().departments.of(case_number)
    assert dept is not None and (dept.key, dept.caption) == (key, caption)


@pytest.mark.parametrize("case_number", ["129568558770", "2015CF001234", "2016-MC7-220014", "CR12345"])
def test_unknown_case_number_form_is_refused(case_number):
    assert Templates().departments.of(case_number) is None
    batch = replace(AUTO, cases=(replace(AUTO.cases[0], case_number=case_number), *AUTO.cases[1:]))
    with pytest.raises(UnknownCaseNumber, match=f"departments.toml knows.*{case_number}"):
        plan_documents(batch)


def test_each_paper_captions_its_department():
    r = Renderer(PETITION)
    texts = {PETITION.cases[s.case_index].case_number + s.kind: flat_bytes(r.render(s).data)
             for s in plan_documents(PETITION) if s.case_index is not None}
    assert "MUNICIPAL DEPARTMENT, FIRST DISTRICT" in texts["2016-MC1-220014order"]
    assert "MUNICIPAL DEPARTMENT, FIRST DISTRICT" in texts["2016-MC1-220014no-objection"]
    assert "COUNTY DEPARTMENT, CRIMINAL DIVISION" in texts["13CR0100200objection"]
    assert "CRIMINAL DIVISION" not in texts["2016-MC1-220014order"]


def test_motion_split_by_department(batches):
    d = batches["auto"]
    crim, mc1, mc2 = (flat(d / f"motion-{k}.pdf") for k in ("criminal", "mc1", "mc2"))
    assert "COUNTY DEPARTMENT, CRIMINAL DIVISION" in crim and "11CR0654321" in crim
    assert "MUNICIPAL DEPARTMENT, FIRST DISTRICT" in mc1
    assert "2009-MC1-104233" in mc1 and "2012-MC1-009876" in mc1 and "11CR0654321" not in mc1
    assert "MUNICIPAL DEPARTMENT, SECOND DISTRICT" in mc2 and "2015-MC2-000731" in mc2
    assert "lists 2 cases (2 convictions) of 1 person" in mc1


def test_one_department_one_motion_pdf():
    mc1 = replace(AUTO, cases=tuple(c for c in AUTO.cases if "-MC1-" in c.case_number))
    assert [s.path for s in plan_documents(mc1) if s.kind == "motion"] == ["motion.pdf"]


def test_department_table_is_editable_and_checked(tmp_path):
    tdir = tmp_path / "t"
    shutil.copytree(Templates().directory, tdir)
    table = tdir / "departments.toml"
    table.write_text(table.read_text() + '\n[[department]]\nkey = "ccsao-id"\n'
                     'caption = "COUNTY DEPARTMENT, CRIMINAL DIVISION (TEST)"\npatterns = [\'\\d{12}\']\n')
    assert Templates(tdir).departments.of("129568558770").key == "ccsao-id"
    table.write_text('[[department]]\nkey = "x"\ncaption = "X"\npatterns = ["(unclosed"]\n')
    with pytest.raises(TemplateError, match=r"departments.toml: rule 1 \(x\): bad pattern"):
        Templates(tdir).departments  # noqa: B018


# -- the signer -----------------------------------------------------------------------------------
def test_signer_line_is_the_certificate_subject(batches):
    d = batches["auto"]
    assert "/s/ Jane Q. Prosecutor (DEMO ONLY)" in flat(d / "orders/11CR0654321_P-0002.pdf")
    assert "Jane Q. Prosecutor, Assistant" not in flat(d / "motion-mc1.pdf")


def test_signer_name_differing_from_certificate_is_refused(keys, tmp_path):
    _, p12, pw = keys
    me = replace(AUTO, signer_name="me")
    with pytest.raises(SigningError, match=r"'me' is not the subject of the signing certificate "
                                           r"\('Jane Q. Prosecutor \(DEMO ONLY\)'\)"):
        export_batch(me, tmp_path, p12, pw, workers=1)
    assert not any(tmp_path.iterdir())  # refused before anything is written
    # letter case, dots and commas do not make another person
    ok = export_batch(replace(AUTO, signer_name="jane q prosecutor"), tmp_path, p12, pw, workers=1)
    assert "/s/ Jane Q. Prosecutor (DEMO ONLY)" in flat(ok.batch_dir / "motion-mc1.pdf")


# -- Rule 131(d), certificate of service, Schedule A ------------------------------------------------
def test_signature_and_prepared_by_blocks_carry_rule_131d_details(batches):
    for rel in ("motion-mc1.pdf", "orders/11CR0654321_P-0002.pdf"):
        text = flat(batches["auto"] / rel)
        for part in ("Tel. (312) 555-0100", "expungement.demo@example.org", "Cook County Attorney No. 99500",
                     "69 West Washington Street, Suite 3200"):
            assert part in text, (rel, part)
    order = flat(batches["auto"] / "orders/11CR0654321_P-0002.pdf")
    assert "Prepared by: /s/ Jane Q. Prosecutor (DEMO ONLY)" in order
    assert len(PdfReader(batches["auto"] / "orders/11CR0654321_P-0002.pdf").pages) == 1  # two charges, one page


def test_certificate_of_service_without_a_date_has_a_line_to_complete():
    case = replace(PETITION.cases[1], service_date=None)
    batch = replace(PETITION, cases=(PETITION.cases[0], case))
    r = Renderer(batch)
    spec = next(s for s in plan_documents(batch) if s.kind == "objection")
    text = flat_bytes(r.render(spec).data)
    assert "certifies that on ______________________ a copy of this document was served" in text
    dated = flat_bytes(Renderer(PETITION).render(spec).data)
    assert "certifies that on March 14, 2024 a copy" in dated


def test_schedule_a_tells_apart_two_people_sharing_a_case_number():
    a, b = AUTO.cases[0], AUTO.cases[2]
    twin = replace(b, case_number=a.case_number, person=replace(b.person, person_id="P-0099",
                                                                first_name=a.person.first_name,
                                                                last_name=a.person.last_name,
                                                                middle_name=a.person.middle_name))
    batch = replace(AUTO, cases=(a, twin))
    pages = [p.extract_text() for p in PdfReader(io.BytesIO(Renderer(batch).render(
        plan_documents(batch)[0]).data)).pages]
    schedule = next(p for p in pages if p.startswith("SCHEDULE A"))
    assert "Reference" in schedule
    rows = [line for line in schedule.splitlines() if a.case_number in line]
    assert len(rows) == 2 and "P-0001" in rows[0] and "P-0099" in rows[1]


# -- index and SHA256SUMS -------------------------------------------------------------------------
def test_batch_index_lists_every_document(batches):
    import json

    d = batches["auto"]
    m = json.loads((d / "manifest.json").read_text())
    text = flat(d / "index.pdf")
    assert "BATCH INDEX" in text and "Batch B-2024-0042" in text
    assert "4 cases of 3 persons, 5 charges; 9 documents, 20 pages" in text
    assert "Signed by: Jane Q. Prosecutor (DEMO ONLY), Assistant State's Attorney" in text
    assert f"Audit anchor: entry 1207 of the office's audit log, hash {'3a1f' * 16}" in text
    assert m["signer"]["certificate"]["certificate_sha256"][:16] in text
    for doc in m["documents"]:
        if doc["kind"] != "index":
            assert f"{doc['path']} " in text and doc["sha256"][:16] in text, doc["path"]
    index = next(x for x in m["documents"] if x["kind"] == "index")
    assert index["path"] == "index.pdf" and index["pages"] == 1


def test_sha256sum_checks_the_batch(batches, tmp_path):
    d = batches["petition"]
    run = subprocess.run(["sha256sum", "-c", SUMS], cwd=d, capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr
    listed = parse_sums((d / SUMS).read_bytes())
    assert set(listed) == {"index.pdf", "letters.pdf", "letters-mail-list.csv", "manifest.json", "manifest.json.p7s",
                           "no-objection/2016-MC1-220014_P-0004.pdf", "objections/13CR0100200_P-0005.pdf",
                           "orders/2016-MC1-220014_P-0004.pdf"}
    # a changed file fails sha256sum -c
    copy = tmp_path / "b"
    shutil.copytree(d, copy)
    (copy / "letters.pdf").write_bytes((copy / "letters.pdf").read_bytes() + b"\n")
    assert subprocess.run(["sha256sum", "-c", "--quiet", SUMS], cwd=copy, capture_output=True).returncode == 1


def test_verify_checks_sha256sums_against_the_manifest(batches, keys, tmp_path):
    ca, _, _ = keys
    copy = tmp_path / "b"
    shutil.copytree(batches["petition"], copy)
    sums = parse_sums((copy / SUMS).read_bytes())
    sums["letters.pdf"] = "0" * 64
    (copy / SUMS).write_bytes(sums_text(sums.items()))
    report = verify_batch(copy, ca)
    assert not report.ok and (SUMS, "sums-mismatch") in {(p.path, p.code) for p in report.problems}
    (copy / SUMS).unlink()
    assert (SUMS, "sums-missing") in {(p.path, p.code) for p in verify_batch(copy, ca).problems}
    assert verify_batch(batches["petition"], ca).ok


# -- PDF/A-2U and independent signature validation ----------------------------------------------------
def _pdfa_problems(path: Path) -> list[str]:
    """What pikepdf (qpdf) finds wrong for PDF/A-2U in a signed court paper."""
    out = []
    with pikepdf.open(path) as pdf:
        out += [f"qpdf: {p}" for p in pdf.check_pdf_syntax()]
        meta = pdf.open_metadata()
        if meta.pdfa_status != "2U":
            out.append(f"XMP pdfaid is {meta.pdfa_status!r}, not 2U")
        intents = pdf.Root.get("/OutputIntents")
        if not intents or intents[0].get("/S") != "/GTS_PDFA1" or "/DestOutputProfile" not in intents[0]:
            out.append("no PDF/A output intent with an ICC profile")
        elif intents[0].DestOutputProfile.get("/N") != 3:
            out.append("the output intent's profile is not RGB")
        if pdf.is_encrypted:
            out.append("encrypted")
        for page in pdf.pages:
            for font in page.Resources.get("/Font", {}).values():
                desc = font.DescendantFonts[0].FontDescriptor if "/DescendantFonts" in font else font.get("/FontDescriptor")
                if desc is None or "/FontFile2" not in desc:
                    out.append(f"font {font.get('/BaseFont')} not embedded")
                if "/ToUnicode" not in font:
                    out.append(f"font {font.get('/BaseFont')} has no ToUnicode map (level U)")
            for annot in page.get("/Annots", []):
                if not int(annot.get("/F", 0)) & 4 or int(annot.get("/F", 0)) & (1 | 2 | 32):
                    out.append("an annotation is not printable, or hidden")
                x1, y1, x2, y2 = (float(v) for v in annot.Rect)
                if "/AP" not in annot and (x1 != x2 or y1 != y2):  # an invisible signature has no area
                    out.append("an annotation with an area has no appearance")
        if "/JavaScript" in pdf.Root.get("/Names", {}):
            out.append("JavaScript")
    return out


def test_every_court_paper_is_pdfa_2u(batches):
    papers = [p for d in batches.values() for p in sorted(d.rglob("*.pdf"))]
    assert len(papers) == 9 + 5
    for pdf in papers:
        assert _pdfa_problems(pdf) == [], pdf


@pytest.mark.skipif(shutil.which("pdfsig") is None and os.environ.get("CLEARTERM_PDFSIG") != "required",
                    reason="poppler's pdfsig is not installed (CI installs it and requires this test)")
def test_pdfsig_validates_every_signature(batches):
    for pdf in sorted(batches["auto"].rglob("*.pdf")):
        run = subprocess.run(["pdfsig", str(pdf)], capture_output=True, text=True)
        assert "Signature is Valid." in run.stdout, (pdf, run.stdout)
        assert "Total document signed" in run.stdout, pdf
        assert "ETSI.CAdES.detached" in run.stdout


def test_pyhanko_validator_accepts_the_pdfa_papers(batches, keys):
    from pyhanko.keys import load_cert_from_pemder
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    ca, _, _ = keys
    vc = ValidationContext(trust_roots=[load_cert_from_pemder(str(ca))], allow_fetching=False)
    for pdf in sorted(batches["petition"].rglob("*.pdf")):
        with pdf.open("rb") as fh:
            status = validate_pdf_signature(PdfFileReader(fh).embedded_signatures[0], vc)
        assert status.bottom_line, pdf  # intact, valid, trusted; the diff analysis finds no change


def test_unsigned_papers_are_deterministic_pdfa():
    spec = plan_documents(PETITION)[0]
    a, b = Renderer(PETITION).render(spec).data, Renderer(PETITION).render(spec).data
    assert a == b
    with pikepdf.open(io.BytesIO(a)) as pdf:
        meta = pdf.open_metadata()
        assert meta["xmp:CreateDate"] == meta["xmp:ModifyDate"] == "2024-03-15T14:30:00+00:00"
        assert meta["dc:title"].startswith("Statement of No Objection")
        assert date.fromisoformat(meta["xmp:CreateDate"][:10]) == PETITION.created_at.date()


def test_index_text_matches_golden():
    """Golden text of the batch index (fixed hashes; CLEARTERM_UPDATE_GOLDEN=1 rewrites it)."""
    import hashlib
    import os

    from clearterm.documents.index import render_index
    from clearterm.documents.manifest import DocumentEntry

    entries = []
    for s in plan_documents(AUTO):
        case = AUTO.cases[s.case_index] if s.case_index is not None else None
        entries.append(DocumentEntry(s.path, s.kind, hashlib.sha256(s.path.encode()).hexdigest(), 1000, 2,
                                     case.case_number if case else "", case.person_id if case else "",
                                     s.department))
    signer = {"certificate_sha256": "ab" * 32, "issuer": "Common Name: Test CA"}
    data = render_index(AUTO, entries, signer, Templates()).data
    lines = []
    for i, page in enumerate(PdfReader(io.BytesIO(data)).pages, 1):
        lines.append(f"=== page {i} ===")
        lines += [" ".join(x.split()) for x in page.extract_text().splitlines() if x.strip()]
    text = "\n".join(lines) + "\n"
    golden = Path(__file__).resolve().parents[1] / "golden" / "documents" / "index.txt"
    if os.environ.get("CLEARTERM_UPDATE_GOLDEN") == "1":
        golden.write_text(text, encoding="utf-8")
    assert text == golden.read_text(encoding="utf-8")
