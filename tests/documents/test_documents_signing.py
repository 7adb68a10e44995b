"""Documents layer: export, PAdES signatures, the signed manifest and batch verification."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest
from pypdf import PdfReader

from clearterm.documents import (DocumentSigner, SigningError, export_batch, make_demo_keys,
                                 verify_batch)
from clearterm.documents.keys import DEMO_ORG
from clearterm.devtools.sample_batches import golden_batches

AUTO, PETITION = golden_batches()
# the /s/ line prints the signing certificate's subject name (the demo certificate says DEMO ONLY)
SIGNER_LINE = "/s/ Jane Q. Prosecutor (DEMO ONLY) Assistant State's Attorney"


@pytest.fixture(scope="module")
def keys(tmp_path_factory):
    return make_demo_keys(tmp_path_factory.mktemp("keys"), signer_name="Jane Q. Prosecutor")


@pytest.fixture(scope="module")
def exported(tmp_path_factory, keys):
    """Both golden batches exported once: automatic with 2 worker processes, petition in-process."""
    _, p12, pw = keys
    out = tmp_path_factory.mktemp("out")
    calls: list[tuple[int, int]] = []
    auto = export_batch(AUTO, out, p12, pw, workers=2, progress=lambda d, t: calls.append((d, t)))
    pet = export_batch(PETITION, out, p12, pw, workers=1)
    return {"auto": auto, "petition": pet, "progress": calls, "out": out}


@pytest.fixture
def batch_copy(tmp_path, exported):
    """A scratch copy of the exported automatic batch to tamper with."""
    dst = tmp_path / "batch"
    shutil.copytree(exported["auto"].batch_dir, dst)
    return dst


def codes(report) -> set[tuple[str, str]]:
    return {(p.path, p.code) for p in report.problems}


def flat(path: Path) -> str:
    return " ".join(" ".join(p.extract_text() for p in PdfReader(path).pages).split())


def test_export_layout_and_result(exported):
    auto = exported["auto"]
    files = sorted(p.relative_to(auto.batch_dir).as_posix()
                   for p in auto.batch_dir.rglob("*") if p.is_file())
    assert files == ["SHA256SUMS", "index.pdf", "letters-mail-list.csv", "letters.pdf", "manifest.json",
                     "manifest.json.p7s",
                     "motion-criminal.pdf", "motion-mc1.pdf", "motion-mc2.pdf",
                     "orders/11CR0654321_P-0002.pdf", "orders/2009-MC1-104233_P-0001.pdf",
                     "orders/2012-MC1-009876_P-0001.pdf", "orders/2015-MC2-000731_P-0003.pdf"]
    # three motions (3 pages each), four orders, seven letter pages (Nguyễn's language is unknown: the
    # English and the Spanish letter, one mailing), the one-page index; and the letters' mail list
    assert auto.documents == 10 and auto.pages == 9 + 4 + 7 + 1 and auto.seconds > 0
    pet = sorted(p.relative_to(exported["petition"].batch_dir).as_posix()
                 for p in exported["petition"].batch_dir.rglob("*.pdf"))
    assert pet == ["index.pdf", "letters.pdf", "no-objection/2016-MC1-220014_P-0004.pdf",
                   "objections/13CR0100200_P-0005.pdf", "orders/2016-MC1-220014_P-0004.pdf"]
    done = exported["progress"]
    assert done and done[-1] == (8, 8) and all(t == 8 for _, t in done)  # the index comes after
    assert not list(exported["out"].glob(".*partial*"))  # staging directory renamed away


def test_verify_ok_and_trusted(exported, keys):
    ca, _, _ = keys
    for result in (exported["auto"], exported["petition"]):
        report = verify_batch(result.batch_dir, ca)
        assert report.ok, report.summary()
        assert report.trust_checked and report.manifest_signature_ok
        assert report.documents_verified == report.documents_listed == result.documents
    report = verify_batch(exported["auto"].batch_dir, ca)
    assert report.batch_id == "B-2024-0042"
    assert (report.audit_head_hash, report.audit_head_seq) == ("3a1f" * 16, 1207)


def test_pdf_signatures_are_pades_intact_valid_trusted(exported, keys):
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    from pyhanko.keys import load_cert_from_pemder
    from pyhanko_certvalidator import ValidationContext

    ca, _, _ = keys
    vc = ValidationContext(trust_roots=[load_cert_from_pemder(str(ca))], allow_fetching=False,
                           revocation_mode="soft-fail")
    for pdf in sorted(exported["auto"].batch_dir.rglob("*.pdf")):
        with pdf.open("rb") as fh:
            sigs = PdfFileReader(fh).embedded_signatures
            assert len(sigs) == 1
            sig = sigs[0]
            assert sig.sig_object["/SubFilter"] == "/ETSI.CAdES.detached"
            status = validate_pdf_signature(sig, vc)
            assert status.intact and status.valid and status.trusted, pdf
            assert status.coverage == SignatureCoverageLevel.ENTIRE_FILE
            assert DEMO_ORG in status.signing_cert.subject.human_friendly


def test_signed_pdfs_keep_text_and_signature_line(exported):
    d = exported["auto"].batch_dir
    assert SIGNER_LINE in flat(d / "motion-mc1.pdf")
    assert SIGNER_LINE in flat(d / "orders/11CR0654321_P-0002.pdf")
    assert "MARÍA JOSÉ MUÑOZ" in flat(d / "orders/11CR0654321_P-0002.pdf")
    p = exported["petition"].batch_dir
    assert SIGNER_LINE in flat(p / "objections/13CR0100200_P-0005.pdf")


def test_manifest_contents(exported, keys):
    d = exported["auto"].batch_dir
    m = json.loads((d / "manifest.json").read_text(encoding="utf-8"))
    assert m["format"] == "clearterm.batch-manifest/1"
    assert m["batch_id"] == "B-2024-0042" and m["track"] == "automatic"
    assert m["created_at"] == "2024-03-15T14:30:00+00:00" and m["signed_at"]
    assert m["audit"] == {"head_hash": "3a1f" * 16, "head_seq": 1207}
    assert m["reviewers"] == ["A. Reviewer", "B. Reviewer"]
    assert m["signer"]["name"] == "Jane Q. Prosecutor (DEMO ONLY)"  # the certificate's name
    assert m["signer"]["title"] == "Assistant State's Attorney"
    assert "DEMO ONLY" in m["signer"]["certificate"]["subject"]
    counts = m["counts"]
    assert (counts["cases"], counts["persons"], counts["charges"]) == (4, 3, 5)
    assert counts["documents"] == 10 and counts["pages"] == 21
    assert counts["documents_by_kind"] == {"index": 1, "letters": 1, "mail-list": 1, "motion": 3, "order": 4}
    mail_list = next(x for x in m["documents"] if x["kind"] == "mail-list")
    assert mail_list["path"] == "letters-mail-list.csv" and mail_list["pages"] == 0
    motions = {x["path"]: x["department"] for x in m["documents"] if x["kind"] == "motion"}
    assert motions == {"motion-criminal.pdf": "criminal", "motion-mc1.pdf": "mc1", "motion-mc2.pdf": "mc2"}
    assert len(m["templates_sha256"]) == 64
    for doc in m["documents"]:
        data = (d / doc["path"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == doc["sha256"] and len(data) == doc["bytes"]
    order = next(x for x in m["documents"] if x["path"].startswith("orders/11CR"))
    assert (order["case_number"], order["person_id"], order["pages"]) == ("11CR0654321", "P-0002", 1)


def test_flipped_byte_is_caught_and_named(batch_copy, keys):
    ca, _, _ = keys
    target = batch_copy / "orders" / "2015-MC2-000731_P-0003.pdf"
    data = bytearray(target.read_bytes())
    i = len(data) // 3
    data[i] ^= 0x01
    target.write_bytes(bytes(data))
    report = verify_batch(batch_copy, ca)
    assert not report.ok
    assert report.failed_paths == ["orders/2015-MC2-000731_P-0003.pdf"]
    found = {c for p, c in codes(report)}
    assert "hash-mismatch" in found
    assert found & {"signature-broken", "signature-invalid", "unreadable", "signature-error"}
    assert "orders/2015-MC2-000731_P-0003.pdf" in report.summary()


def test_signature_alone_catches_a_change(exported, keys):
    """Without the manifest, the PDF signature itself catches a changed byte in the content."""
    from clearterm.documents import check_pdf

    ca, _, _ = keys
    data = bytearray((exported["auto"].batch_dir / "motion-mc1.pdf").read_bytes())
    i = data.index(b"<dc:title>") + 40  # a byte of the title (XMP) inside the signed range
    data[i] ^= 0x20
    problems = check_pdf(bytes(data), ca)
    assert ("signature-broken" in {c for c, _ in problems}), problems
    assert check_pdf((exported["auto"].batch_dir / "motion-mc1.pdf").read_bytes(), ca) == []


def test_removed_and_added_documents(batch_copy, keys):
    ca, _, _ = keys
    (batch_copy / "letters.pdf").unlink()
    shutil.copy(batch_copy / "motion-mc1.pdf", batch_copy / "orders" / "extra.pdf")
    report = verify_batch(batch_copy, ca)
    assert ("letters.pdf", "missing") in codes(report)
    assert ("orders/extra.pdf", "extra") in codes(report)
    assert report.failed_paths == ["letters.pdf", "orders/extra.pdf"]


def test_tampered_manifest(batch_copy, keys):
    ca, _, _ = keys
    path = batch_copy / "manifest.json"
    m = json.loads(path.read_text(encoding="utf-8"))
    m["audit"]["head_seq"] = 9999
    path.write_text(json.dumps(m, sort_keys=True, indent=2, ensure_ascii=False) + "\n",
                    encoding="utf-8")
    report = verify_batch(batch_copy, ca)
    assert not report.ok and not report.manifest_signature_ok
    assert ("manifest.json", "manifest-tampered") in codes(report)


def test_replaced_document_with_rewritten_manifest(batch_copy, keys):
    """Swapping a PDF and fixing its hash in the manifest still fails the manifest signature."""
    ca, _, _ = keys
    victim, impostor = "orders/2009-MC1-104233_P-0001.pdf", "orders/2012-MC1-009876_P-0001.pdf"
    shutil.copy(batch_copy / impostor, batch_copy / victim)
    path = batch_copy / "manifest.json"
    m = json.loads(path.read_text(encoding="utf-8"))
    for doc in m["documents"]:
        if doc["path"] == victim:
            doc["sha256"] = hashlib.sha256((batch_copy / victim).read_bytes()).hexdigest()
    path.write_text(json.dumps(m, sort_keys=True, indent=2, ensure_ascii=False) + "\n",
                    encoding="utf-8")
    report = verify_batch(batch_copy, ca)
    assert ("manifest.json", "manifest-tampered") in codes(report)


def test_missing_manifest_signature(batch_copy, keys):
    ca, _, _ = keys
    (batch_copy / "manifest.json.p7s").unlink()
    report = verify_batch(batch_copy, ca)
    assert ("manifest.json.p7s", "manifest-signature-missing") in codes(report) and not report.ok


def test_appended_update_is_caught(batch_copy, keys):
    ca, _, _ = keys
    target = batch_copy / "motion-mc1.pdf"
    target.write_bytes(target.read_bytes() + b"\n% appended after signing\n")
    report = verify_batch(batch_copy, ca)
    assert ("motion-mc1.pdf", "hash-mismatch") in codes(report)


def test_other_ca_is_not_trusted(exported, tmp_path):
    other_ca, _, _ = make_demo_keys(tmp_path / "other")
    report = verify_batch(exported["petition"].batch_dir, other_ca)
    found = codes(report)
    assert ("manifest.json", "manifest-signature-untrusted") in found
    for pdf in ("letters.pdf", "objections/13CR0100200_P-0005.pdf"):
        assert (pdf, "signature-untrusted") in found
    # without a trust root: integrity and validity only, never OK (issue 13 item 12)
    plain = verify_batch(exported["petition"].batch_dir)
    assert plain.intact and not plain.trust_checked and not plain.ok
    assert plain.summary().startswith("NOT VERIFIED - signatures intact, signer not verified")


def test_pdf_signed_by_another_key_is_named(batch_copy, keys, tmp_path):
    ca, _, _ = keys
    _, p12, pw = make_demo_keys(tmp_path / "rogue")
    from clearterm.documents import Renderer

    rogue = DocumentSigner(p12, pw)
    target = batch_copy / "letters.pdf"
    target.write_bytes(rogue.sign_pdf(Renderer(AUTO).letters().data))
    report = verify_batch(batch_copy, ca)
    found = codes(report)
    assert ("letters.pdf", "signer-mismatch") in found
    assert ("letters.pdf", "signature-untrusted") in found


def test_export_refuses_existing_batch_dir_and_bad_passphrase(exported, keys, tmp_path):
    _, p12, pw = keys
    with pytest.raises(FileExistsError):
        export_batch(AUTO, exported["out"], p12, pw, workers=1)
    with pytest.raises(SigningError):
        export_batch(AUTO, tmp_path, p12, "not the passphrase", workers=1)
    assert not any(tmp_path.iterdir())


def test_reexport_gives_same_text(exported, keys, tmp_path):
    _, p12, pw = keys
    again = export_batch(PETITION, tmp_path, p12, pw, workers=1)
    first = exported["petition"].batch_dir
    for pdf in sorted(first.rglob("*.pdf")):
        rel = pdf.relative_to(first)
        if rel.name == "index.pdf":  # lists the hashes of the signed files: they differ by the signing time
            continue
        assert flat(pdf) == flat(again.batch_dir / rel), rel


def test_demo_keys_say_demo_only(keys):
    from cryptography import x509

    ca, p12, pw = keys
    cert = x509.load_pem_x509_certificate(ca.read_bytes())
    assert "DEMO ONLY" in cert.subject.rfc4514_string()
    signer = DocumentSigner(p12, pw)
    assert "DEMO ONLY" in signer.identity.subject
    assert signer.identity.common_name.startswith("Jane Q. Prosecutor")


def test_failing_document_is_named_and_nothing_is_left(keys, tmp_path):
    from clearterm.documents import ExportError, Templates

    _, p12, pw = keys
    tdir = tmp_path / "templates"
    shutil.copytree(Templates().directory, tdir)
    order = tdir / "order_automatic.txt"
    order.write_text(order.read_text() + "\n$no_such_value\n")
    out = tmp_path / "out"
    with pytest.raises(ExportError, match=r"orders/.*\.pdf: TemplateError: order_automatic\.txt"):
        export_batch(AUTO, out, p12, pw, workers=2, templates=tdir)
    assert not any(out.iterdir())  # no partial batch left behind
