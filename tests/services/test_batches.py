"""Court batches from the store (issue 5): create, sign, verify, freeze, rebuild, roles.

Small stores built by code: a canonical CSV written here, ingested, evaluated as of
2026-11-21, reviewed through ``clearterm.services.review``. Signing runs in-process on a
handful of documents to keep the suite quick.
"""

from __future__ import annotations

import csv
import hashlib
import json
import shutil
import sqlite3
from datetime import datetime, timezone
from pathlib import Path

import pytest
from pypdf import PdfReader

from clearterm.services import access, batches, review
from clearterm.devtools.demo_store import sign_demo_batch
from clearterm.documents import Renderer, Templates, make_demo_keys, plan_documents
from clearterm.domain.policy import Policy
from clearterm.domain.record import CANONICAL_FIELDS
from clearterm.services.evaluate import evaluate_store
from clearterm.ingest import ingest_file
from clearterm.storage import open_store
from clearterm.storage.audit import head, verify_chain
from clearterm.storage.migrations.m0005_batches import FROZEN_PREFIX
from clearterm.storage.reviews import current_version, find_cases

TODAY = datetime(2026, 11, 21).date()
SERVED = "2026-10-01"
SECRETS = ("O'Shaughnessy", "Muñoz", "Quillfeather", "1979-04-02", "Milwaukee")  # never in a message

AUTOMATIC = dict(statute="720 ILCS 550/4(c)", disposition="Plea Of Guilty", offense_class="A", county="Cook",
                 arresting_agency="Chicago Police Department", arrest_date="2010-04-30",
                 disposition_date="2010-08-14", offense_description="Possession of cannabis, 10 g to 30 g")
PETITION = dict(statute="720 ILCS 550/4(d)", disposition="Finding Guilty", offense_class="4", county="Cook",
                arresting_agency="Cook County Sheriff's Office", arrest_date="2014-01-01",
                disposition_date="2014-06-01")
ADDRESS = dict(address_line1="1234 N. Milwaukee Ave.", city="Chicago", state="IL", zip="60622")

ROWS = [
    # automatic: tranche 2, 1, 3
    dict(record_id="A1", case_number="10CR1", person_id="P1", offense_date="2010-04-30", last_name="O'Shaughnessy",
         first_name="Siobhán", date_of_birth="1979-04-02", **ADDRESS, **AUTOMATIC),
    dict(record_id="A2", case_number="15CR5", person_id="P5", offense_date="2015-05-01", last_name="Muñoz",
         first_name="María José", date_of_birth="1988-11-23", **ADDRESS, **AUTOMATIC),
    dict(record_id="A3", case_number="98CR8", person_id="P8", offense_date="1998-05-01", last_name="Quillfeather",
         first_name="Ann", date_of_birth="1970-01-15", **ADDRESS, **AUTOMATIC),
    dict(record_id="A4", case_number="11CR9", person_id="P9", offense_date="2011-05-01", last_name="Lee",
         first_name="Ann", **AUTOMATIC),
    # petition (co-defendants P2, P3 share a case number), and P6
    dict(record_id="B1", case_number="14CR2", person_id="P2", offense_date="2014-01-01", last_name="D'Arcy",
         first_name="Aoife", date_of_birth="1990-02-03", **ADDRESS, **PETITION),
    dict(record_id="B2", case_number="14CR2", person_id="P3", offense_date="2014-01-01", last_name="Quillfeather",
         first_name="Bo", date_of_birth="1991-03-04", **ADDRESS, **PETITION),
    dict(record_id="B3", case_number="05CR6", person_id="P6", offense_date="2005-01-01", last_name="Ramírez",
         first_name="José", date_of_birth="1985-05-06", **ADDRESS, **PETITION),
]
# Every case above but 11CR9 (excluded by its review) has what its papers need: a name, a date of
# birth, disposition dates, a mailing address and a case number in the Clerk's form (issue 16).


def write_csv(path: Path, rows: list[dict]) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=CANONICAL_FIELDS)
        w.writeheader()
        w.writerows(rows)
    return path


def build_store(path: Path, rows: list[dict] = ROWS):
    """Ingested, evaluated store with users boss (admin, reviewer, signer) and rita (reviewer)."""
    store = open_store(path, synchronous="NORMAL")
    ingest_file(store, write_csv(path.with_suffix(".csv"), rows), today=TODAY)
    evaluate_store(store, Policy(), TODAY)
    access.add_user(store, "boss", ["admin", "reviewer", "signer"], actor="boss", full_name="Jane Q. Prosecutor")
    access.add_user(store, "rita", ["reviewer"], actor="boss")
    return store


def cid(store, number: str, person: str | None = None) -> int:
    found = find_cases(store.conn, number, person)
    assert len(found) == 1
    return found[0].id


def do(store, number: str, action: str, person: str | None = None, who: str = "rita", **kw):
    c = cid(store, number, person)
    return review.act(store, c, action, reviewer=who, expected_version=current_version(store.conn, c),
                      today=TODAY, **kw)


def decide_all(store) -> None:
    """A1, A2, A3 approved; A4 excluded; 14CR2/P2 no objection, 14CR2/P3 objected, 05CR6 objected
    without a note (no supporting facts)."""
    for n in ("10CR1", "15CR5", "98CR8"):
        do(store, n, "approve")
    do(store, "11CR9", "exclude", note="duplicate")
    do(store, "14CR2", "approve", person="P2", served=SERVED)
    do(store, "14CR2", "object", person="P3", ground="law_enforcement", served=SERVED,
       note="The Sheriff asked on 2026-09-30 that the records be retained.\n\nAn investigation is open.")
    legacy_objection(store, "05CR6", ground="criteria_not_met", served=SERVED)


def legacy_objection(store, number: str, *, ground: str, served: str, who: str = "rita"):
    """An objection without a note, as stores made before every objection needed its facts hold
    them (the review service refuses one now): appended below the service's checks."""
    from clearterm.storage.reviews import NewEntry, append_review, case_state, get_case

    c = cid(store, number, None)
    with store.write() as conn:
        state = case_state(conn, c)
        return append_review(conn, get_case(conn, c), state, NewEntry("object", "objected", ground=ground,
                                                                      served=served),
                             reviewer=who, expected_version=state.version)


def flat(path: Path) -> str:
    return " ".join(" ".join(p.extract_text() for p in PdfReader(path).pages).split())


def codes(report) -> set[tuple[str, str]]:
    return {(p.path, p.code) for p in report.problems}


@pytest.fixture(scope="module")
def keys(tmp_path_factory):
    return make_demo_keys(tmp_path_factory.mktemp("keys"), signer_name="Jane Q. Prosecutor")


@pytest.fixture
def bstore(tmp_path):
    s = build_store(tmp_path / "b.db")
    decide_all(s)
    yield s
    s.close()


@pytest.fixture(scope="module")
def signed(tmp_path_factory, keys):
    """One store with a signed automatic batch and a signed petition batch."""
    tmp = tmp_path_factory.mktemp("signed")
    s = build_store(tmp / "s.db")
    decide_all(s)
    _, p12, pw = keys
    auto = batches.create_batch(s, track="automatic", actor="rita")
    pet = batches.create_batch(s, track="petition", actor="rita")
    head_before = head(s.conn)
    ra = batches.sign_batch(s, auto.id, signer="boss", p12_path=p12, passphrase=pw, out_dir=tmp / "out", workers=1)
    rp = batches.sign_batch(s, pet.id, signer="boss", p12_path=p12, passphrase=pw, out_dir=tmp / "out", workers=1)
    yield {"store": s, "auto": ra, "petition": rp, "created": (auto, pet), "head_before": head_before,
           "tmp": tmp}
    s.close()


@pytest.fixture
def auto_copy(tmp_path, signed):
    dst = tmp_path / signed["auto"].batch_dir.name
    shutil.copytree(signed["auto"].batch_dir, dst)
    return dst


# -- create --------------------------------------------------------------------------------------------
def test_create_gathers_decided_cases_in_queue_order(bstore):
    info = batches.create_batch(bstore, track="automatic", actor="rita")
    assert (info.track, info.status, info.cases, info.created_by) == ("automatic", "open", 3, "rita")
    assert info.label == f"B-{info.created_at[:4]}-0001"
    cases = batches.batch_cases(bstore.conn, info.id)
    # tranche 1 (15CR5), 2 (10CR1), 3 (98CR8); the excluded 11CR9 is not there
    assert [c.case_number for c in cases] == ["15CR5", "10CR1", "98CR8"]
    assert all(c.status == "approved" and c.version == current_version(bstore.conn, c.case_id) for c in cases)
    entry = bstore.conn.execute("SELECT event, actor, detail FROM audit ORDER BY seq DESC LIMIT 1").fetchone()
    assert entry[:2] == ("batch_created", "rita") and json.loads(entry[2])["cases"] == 3
    with pytest.raises(batches.BatchError, match="no approved automatic-track cases"):
        batches.create_batch(bstore, track="automatic", actor="rita")  # every case is in a batch now
    assert [b.id for b in batches.list_batches(bstore.conn)] == [info.id]
    assert batches.get_batch(bstore.conn, info.id) == batches.find_batch(bstore.conn, info.label)


def test_create_petition_skips_objections_without_facts(bstore):
    info = batches.create_batch(bstore, track="petition", actor="rita")
    assert info.skipped == ("05CR6/P6",)
    assert {(c.label, c.status) for c in batches.batch_cases(bstore.conn, info.id)} == {
        ("14CR2/P2", "approved"), ("14CR2/P3", "objected")}


def test_create_max_and_tranche(bstore):
    one = batches.create_batch(bstore, track="automatic", actor="rita", tranche=2)
    assert (one.tranche, [c.case_number for c in batches.batch_cases(bstore.conn, one.id)]) == (2, ["10CR1"])
    two = batches.create_batch(bstore, track="automatic", actor="rita", max_cases=1)
    assert [c.case_number for c in batches.batch_cases(bstore.conn, two.id)] == ["15CR5"]
    with pytest.raises(batches.BatchError, match="in tranche 2"):
        batches.create_batch(bstore, track="automatic", actor="rita", tranche=2)
    with pytest.raises(batches.BatchError, match="--track"):
        batches.create_batch(bstore, track="review", actor="rita")


def test_create_needs_the_reviewer_role(bstore):
    access.add_user(bstore, "sam", ["signer"], actor="boss")
    before = bstore.scalar("SELECT count(*) FROM audit")
    for who in ("sam", "nobody"):
        with pytest.raises(batches.BatchError, match="access denied"):
            batches.create_batch(bstore, track="automatic", actor=who)
    assert bstore.scalar("SELECT count(*) FROM batches") == 0
    assert bstore.scalar("SELECT count(*) FROM audit") == before


# -- sign and verify -----------------------------------------------------------------------------------
def test_signed_batch_directory_and_store(signed):
    auto, pet = signed["auto"], signed["petition"]
    files = sorted(p.relative_to(auto.batch_dir).as_posix() for p in auto.batch_dir.rglob("*") if p.is_file())
    assert files == ["SHA256SUMS", "index.pdf", "letters-mail-list.csv", "letters.pdf", "manifest.json",
                     "manifest.json.p7s", "motion.pdf",
                     "orders/10CR1_P1.pdf", "orders/15CR5_P5.pdf", "orders/98CR8_P8.pdf"]
    files = sorted(p.relative_to(pet.batch_dir).as_posix() for p in pet.batch_dir.rglob("*.pdf"))
    assert files == ["index.pdf", "letters.pdf", "no-objection/14CR2_P2.pdf", "objections/14CR2_P3.pdf",
                     "orders/14CR2_P2.pdf"]
    assert auto.batch_dir.name == auto.batch.label and auto.batch.status == "signed"
    assert (auto.batch.signed_by, auto.documents) == ("boss", 7)  # the index and the letters' mail list included
    assert not list(auto.batch_dir.parent.glob(".*partial*"))


def test_manifest_and_audit_anchor(signed):
    s, res = signed["store"], signed["auto"]
    data = (res.batch_dir / "manifest.json").read_bytes()
    m = json.loads(data)
    sha = hashlib.sha256(data).hexdigest()
    assert m["batch_id"] == res.batch.label and m["track"] == "automatic"
    assert m["signer"]["name"] == "Jane Q. Prosecutor (DEMO ONLY)" and m["reviewers"] == ["rita"]
    assert m["counts"]["cases"] == 3 and m["counts"]["documents"] == 7
    assert {d["path"]: d["sha256"] for d in m["documents"]}["motion.pdf"] == hashlib.sha256(
        (res.batch_dir / "motion.pdf").read_bytes()).hexdigest()
    # the anchor is the head just before the batch_signed entry, which records this manifest
    assert m["audit"] == {"head_seq": signed["head_before"][0], "head_hash": signed["head_before"][1]}
    seq, event, actor, detail = s.conn.execute(
        "SELECT seq, event, actor, detail FROM audit WHERE seq = ?", (m["audit"]["head_seq"] + 1,)).fetchone()
    detail = json.loads(detail)
    assert (event, actor, seq) == ("batch_signed", "boss", res.audit_seq)
    assert detail == {"batch": res.batch.id, "label": res.batch.label, "documents": 7, "pages": res.pages,
                      "manifest_sha256": sha, "anchor_seq": m["audit"]["head_seq"]}
    assert (res.batch.manifest_sha256, res.batch.anchor_seq, res.batch.signed_audit_seq) == (sha, seq - 1, seq)
    assert verify_chain(s.conn).ok


def test_documents_carry_store_data(signed):
    d = signed["auto"].batch_dir
    order = flat(d / "orders/10CR1_P1.pdf")
    assert "SIOBHÁN O'SHAUGHNESSY" in order and "/s/ Jane Q. Prosecutor (DEMO ONLY) Assistant State's Attorney" in order
    motion = flat(d / "motion.pdf")
    assert "O'Shaughnessy, Siobhán" in motion and "Muñoz, María José" in motion and "04/02/1979" in motion
    letters = flat(d / "letters.pdf")
    # every case of a signed batch has a mailing address (one without needs research: issue 16), in USPS form
    assert "1234 N MILWAUKEE AVE" in letters and "NO MAILING ADDRESS ON FILE" not in letters
    objection = flat(signed["petition"].batch_dir / "objections/14CR2_P3.pdf")
    assert "Law enforcement has given reasons to retain the records" in objection
    assert "An investigation is open." in objection and "Illinois State Police" in objection
    assert "Cook County Sheriff's Office, the arresting agency" in objection


def test_verify_ok_with_trust_root_and_store(signed, keys):
    ca, _, _ = keys
    for res in (signed["auto"], signed["petition"]):
        report = batches.verify_exported(res.batch_dir, trust_root=ca, conn=signed["store"].conn)
        assert report.ok and report.store_checked and report.trust_checked, report.summary()
        assert "checked against the store" in report.summary()


def test_flipped_byte_is_named(auto_copy, signed, keys):
    ca, _, _ = keys
    target = auto_copy / "orders" / "15CR5_P5.pdf"
    data = bytearray(target.read_bytes())
    data[len(data) // 3] ^= 0x01
    target.write_bytes(bytes(data))
    report = batches.verify_exported(auto_copy, trust_root=ca, conn=signed["store"].conn)
    assert not report.ok and report.failed_paths == ["orders/15CR5_P5.pdf"]
    assert ("orders/15CR5_P5.pdf", "hash-mismatch") in codes(report)


def test_removed_and_added_documents_are_named(auto_copy, signed, keys):
    ca, _, _ = keys
    (auto_copy / "letters.pdf").unlink()
    shutil.copy(auto_copy / "motion.pdf", auto_copy / "orders" / "extra.pdf")
    report = batches.verify_exported(auto_copy, trust_root=ca, conn=signed["store"].conn)
    assert {("letters.pdf", "missing"), ("orders/extra.pdf", "extra")} <= codes(report)
    assert report.failed_paths == ["letters.pdf", "orders/extra.pdf"]


def test_tampered_manifest_is_caught_by_signature_and_store(auto_copy, signed, keys):
    ca, _, _ = keys
    path = auto_copy / "manifest.json"
    m = json.loads(path.read_text(encoding="utf-8"))
    m["counts"]["cases"] = 2
    path.write_text(json.dumps(m, sort_keys=True, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    report = batches.verify_exported(auto_copy, trust_root=ca, conn=signed["store"].conn)
    assert {("manifest.json", "manifest-tampered"), ("manifest.json", "audit-manifest-mismatch"),
            ("manifest.json", "batch-record-mismatch")} <= codes(report)


def test_anchor_checked_against_another_store(signed, keys, tmp_path):
    ca, _, _ = keys
    other = build_store(tmp_path / "other.db")  # its own chain: 2 user entries
    report = batches.verify_exported(signed["auto"].batch_dir, trust_root=ca, conn=other.conn)
    other.close()
    found = {c for _, c in codes(report)}
    assert not report.ok and report.manifest_signature_ok
    assert {"audit-signing-entry-missing", "batch-record-mismatch"} <= found
    assert found & {"audit-anchor-missing", "audit-anchor-mismatch"}


# -- freeze --------------------------------------------------------------------------------------------
def test_signed_batch_refuses_changes_through_plain_sqlite(signed):
    s, res = signed["store"], signed["auto"]
    raw = sqlite3.connect(s.path)
    try:
        for sql in (f"UPDATE batches SET label = 'x' WHERE id = {res.batch.id}",
                    f"UPDATE batches SET status = 'open' WHERE id = {res.batch.id}",
                    f"DELETE FROM batches WHERE id = {res.batch.id}",
                    f"UPDATE batch_cases SET version = 0 WHERE batch_id = {res.batch.id}",
                    f"DELETE FROM batch_cases WHERE batch_id = {res.batch.id}",
                    f"INSERT INTO batch_cases VALUES ({res.batch.id}, 99, 999, 'X', 'Y', 'approved', 1)"):
            with pytest.raises(sqlite3.IntegrityError, match=FROZEN_PREFIX):
                raw.execute(sql)
    finally:
        raw.close()
    assert batches.get_batch(s.conn, res.batch.id) == res.batch


def test_review_on_a_frozen_case_is_refused(signed):
    s = signed["store"]
    before = (s.scalar("SELECT count(*) FROM reviews"), s.scalar("SELECT count(*) FROM audit"))
    c = cid(s, "10CR1")
    assert batches.signed_batch_of_case(s.conn, c) == signed["auto"].batch.label
    for action, kw in (("undo", {}), ("exclude", {"note": "changed my mind"}), ("defer", {})):
        with pytest.raises((review.ReviewError, sqlite3.IntegrityError), match="signed court batch") as ei:
            do(s, "10CR1", action, who="rita", **kw)
        assert "\n" not in str(ei.value)
    assert (s.scalar("SELECT count(*) FROM reviews"), s.scalar("SELECT count(*) FROM audit")) == before
    for fn in (batches.rebuild_batch, batches.drop_batch):
        with pytest.raises(batches.BatchError, match="signed and frozen"):
            fn(s, signed["auto"].batch.id, actor="boss")


# -- changes before signing, rebuild, drop ---------------------------------------------------------------
def test_changed_case_refuses_signing_until_rebuilt(bstore, keys, tmp_path):
    _, p12, pw = keys
    tmp_path = tmp_path / "out"
    info = batches.create_batch(bstore, track="automatic", actor="rita")
    do(bstore, "10CR1", "undo")           # approval undone: leaves the batch on rebuild
    do(bstore, "98CR8", "approve", note="re-approved with a note")  # changed, still approved
    audit_before = bstore.scalar("SELECT count(*) FROM audit")
    with pytest.raises(batches.CasesChanged) as ei:
        batches.sign_batch(bstore, info.id, signer="boss", p12_path=p12, passphrase=pw, out_dir=tmp_path, workers=1)
    msg = str(ei.value)
    assert "10CR1/P1" in msg and "98CR8/P8" in msg and f"batch rebuild {info.id}" in msg
    assert not any(x in msg for x in SECRETS)
    assert not tmp_path.exists() and bstore.scalar("SELECT count(*) FROM audit") == audit_before
    r = batches.rebuild_batch(bstore, info.id, actor="rita")
    assert (r.kept, r.refreshed, r.removed) == (2, ["98CR8/P8"], ["10CR1/P1"])
    assert batches.changed_cases(bstore.conn, r.batch) == []
    model = batches.build_documents_batch(bstore.conn, info.id, signer_name="X")
    assert [c.case_number for c in model.cases] == ["15CR5", "98CR8"]


def test_change_during_signing_publishes_nothing(bstore, keys, tmp_path):
    """A review lands on a batch case while the PDFs are being signed: the closing
    transaction sees it, nothing is published and the batch stays open."""
    _, p12, pw = keys
    tmp_path = tmp_path / "out"
    info = batches.create_batch(bstore, track="automatic", actor="rita")
    fired = []

    def progress(done, total):
        if not fired:
            fired.append(done)
            do(bstore, "15CR5", "defer")

    audit_before = bstore.scalar("SELECT count(*) FROM audit")
    with pytest.raises(batches.CasesChanged, match="15CR5/P5"):
        batches.sign_batch(bstore, info.id, signer="boss", p12_path=p12, passphrase=pw, out_dir=tmp_path,
                           workers=1, progress=progress)
    assert fired and list(tmp_path.iterdir()) == []  # staging removed
    assert batches.get_batch(bstore.conn, info.id).status == "open"
    assert bstore.scalar("SELECT count(*) FROM audit") == audit_before + 1  # the deferral only


def test_unsigned_batch_rebuilt_gives_the_same_text(bstore):
    info = batches.create_batch(bstore, track="petition", actor="rita")
    dated = datetime(2026, 11, 20, 9, 30, tzinfo=timezone.utc)
    templates = Templates()

    def texts():
        model = batches.build_documents_batch(bstore.conn, info.id, signer_name="Jane Q. Prosecutor",
                                              dated=dated, templates=templates, audit_head=(0, "0" * 64))
        renderer = Renderer(model, templates)
        out = {}
        for spec in plan_documents(model):
            import io
            out[spec.path] = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(renderer.render(spec).data)).pages)
        return out

    first = texts()
    r = batches.rebuild_batch(bstore, info.id, actor="rita")
    assert (r.kept, r.refreshed, r.removed) == (2, [], [])
    assert texts() == first
    # the certificate of service never claims service on the signing day: a line the filer completes
    assert "November 20, 2026" not in first["objections/14CR2_P3.pdf"].split("CERTIFICATE OF SERVICE")[1]
    assert "certifies that on ______________________" in " ".join(first["objections/14CR2_P3.pdf"].split())


def test_certificate_of_service_signing_date_when_the_office_chooses_it(bstore, tmp_path):
    info = batches.create_batch(bstore, track="petition", actor="rita")
    tdir = tmp_path / "templates"
    shutil.copytree(Templates().directory, tdir)
    office = tdir / "office.toml"
    office.write_text(office.read_text().replace('certificate_of_service = "blank"',
                                                 'certificate_of_service = "signing"'))
    dated = datetime(2026, 11, 20, 9, 30, tzinfo=timezone.utc)
    model = batches.build_documents_batch(bstore.conn, info.id, signer_name="J", dated=dated,
                                          templates=Templates(tdir), audit_head=(0, "0" * 64))
    assert {c.service_date for c in model.cases} == {dated.date()}
    office.write_text(office.read_text().replace('"signing"', '"tomorrow"'))
    with pytest.raises(batches.BatchError, match="certificate_of_service must be one of blank, signing"):
        batches.build_documents_batch(bstore.conn, info.id, signer_name="J", dated=dated,
                                      templates=Templates(tdir), audit_head=(0, "0" * 64))


def test_drop_frees_the_cases(bstore):
    info = batches.create_batch(bstore, track="automatic", actor="rita")
    batches.drop_batch(bstore, info.label, actor="rita")
    assert batches.get_batch(bstore.conn, info.id) is None
    again = batches.create_batch(bstore, track="automatic", actor="rita")
    assert again.cases == 3
    assert bstore.scalar("SELECT count(*) FROM audit WHERE event = 'batch_dropped'") == 1


# -- roles, keys, templates -------------------------------------------------------------------------------
def test_only_a_signer_signs(bstore, keys, tmp_path):
    _, p12, pw = keys
    tmp_path = tmp_path / "out"
    info = batches.create_batch(bstore, track="automatic", actor="rita")
    with pytest.raises(batches.BatchError, match="needs the signer role"):
        batches.sign_batch(bstore, info.id, signer="rita", p12_path=p12, passphrase=pw, out_dir=tmp_path)
    with pytest.raises(batches.BatchError, match="cannot load signing key"):
        batches.sign_batch(bstore, info.id, signer="boss", p12_path=p12, passphrase="wrong", out_dir=tmp_path)
    assert not tmp_path.exists() and batches.get_batch(bstore.conn, info.id).status == "open"


def test_templates_dir_from_environment(bstore, tmp_path, monkeypatch):
    tdir = tmp_path / "tpl"
    shutil.copytree(Templates().directory, tdir)
    labels = tdir / "labels.toml"
    labels.write_text(labels.read_text(encoding="utf-8").replace(
        "Law enforcement has given reasons to retain the records", "Police want the records kept"),
        encoding="utf-8")
    (tdir / "office.toml").write_text('phone = "(312) 555-0199"\n', encoding="utf-8")
    monkeypatch.setenv("CLEARTERM_TEMPLATES_DIR", str(tdir))
    info = batches.create_batch(bstore, track="petition", actor="rita")
    model = batches.build_documents_batch(bstore.conn, info.id, signer_name="X")
    objected = next(c for c in model.cases if c.outcome == "objected")
    assert objected.objection_ground_label == "Police want the records kept"
    assert model.office.phone == "(312) 555-0199"
    (tdir / "office.toml").write_text('fax = "1"\n', encoding="utf-8")
    with pytest.raises(batches.BatchError, match="unknown key"):
        batches.build_documents_batch(bstore.conn, info.id, signer_name="X")


def test_sign_demo_batch(tmp_path):
    s = open_store(tmp_path / "demo.db", synchronous="NORMAL")
    ingest_file(s, write_csv(tmp_path / "rows.csv", ROWS), today=TODAY)
    evaluate_store(s, Policy(), TODAY)
    try:
        demo = sign_demo_batch(s, tmp_path / "export", actor="demo", max_cases=3, workers=1)
        assert [r.batch.track for r in demo.signed] == ["automatic", "petition"]
        assert demo.passphrase_file.stat().st_mode & 0o077 == 0
        for r in demo.signed:
            report = batches.verify_exported(r.batch_dir, trust_root=demo.ca_pem, conn=s.conn)
            assert report.ok, report.summary()
        assert "DEMO ONLY" in flat(demo.signed[1].batch_dir / "objections/05CR6_P6.pdf")
    finally:
        s.close()


def test_batches_is_headless():
    import subprocess
    import sys

    code = ("import sys, clearterm.services.batches\n"
            "print(','.join(m for m in sys.modules if m == 'textual' or m.startswith(('textual.', 'clearterm.tui'))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
