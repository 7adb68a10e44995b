"""Batches from the store and the court papers of issue 17: a case number of a form no court
department is known for stays out of batches (and stops a signing), and the signer printed on
the papers is the signing certificate's subject."""

from __future__ import annotations

import shutil

import pytest

from clearterm.documents import Templates, make_demo_keys
from clearterm.services import access, batches

from test_batches import ROWS, build_store, decide_all  # noqa: E402 - same folder


@pytest.fixture
def odd_store(tmp_path):
    """The store of test_batches plus an approved automatic case numbered in the Clerk's form but of a
    division departments.toml does not know (another county's felony, ``CF``). (A CCSAO 12-digit case id
    is not in the Clerk's form at all: it needs research, tests/services/test_research.py.)"""
    rows = ROWS + [dict(ROWS[0], record_id="A9", case_number="2015CF000731", person_id="P77",
                        last_name="Oddform", first_name="Una")]
    s = build_store(tmp_path / "o.db", rows)
    decide_all(s)
    from test_batches import do
    do(s, "2015CF000731", "approve")
    yield s
    s.close()


def test_unknown_case_number_form_stays_out_of_batches(odd_store):
    info = batches.create_batch(odd_store, track="automatic", actor="rita")
    assert info.cases == 3 and len(info.unknown_form) == 1
    assert info.unknown_form[0].startswith("2015CF000731")


def test_signing_refuses_a_case_whose_form_became_unknown(odd_store, tmp_path):
    tdir = tmp_path / "templates"
    shutil.copytree(Templates().directory, tdir)
    table = tdir / "departments.toml"
    table.write_text(table.read_text() + '\n[[department]]\nkey = "ccsao"\ncaption = "TEST"\n'
                     "patterns = ['\\d{4}CF\\d+']\n")
    monkey = pytest.MonkeyPatch()
    monkey.setenv("CLEARTERM_TEMPLATES_DIR", str(tdir))
    try:
        info = batches.create_batch(odd_store, track="automatic", actor="rita")
    finally:
        monkey.undo()
    assert info.cases == 4 and not info.unknown_form
    ca, p12, pw = make_demo_keys(tmp_path / "k", signer_name="Jane Q. Prosecutor")
    with pytest.raises(batches.BatchError, match=r"1 case number\(s\) of a form no rule of departments.toml "
                                                 r"knows.*2015CF000731"):
        batches.sign_batch(odd_store, info.id, signer="boss", p12_path=p12, passphrase=pw,
                           out_dir=tmp_path / "out", workers=1)
    assert batches.get_batch(odd_store.conn, info.id).status == "open"
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_signer_whose_name_is_not_the_certificates_is_refused(tmp_path):
    s = build_store(tmp_path / "s.db")
    decide_all(s)
    access.add_user(s, "me", ["signer"], actor="boss", full_name="Mo E. Other")  # not the certificate's name
    info = batches.create_batch(s, track="automatic", actor="rita")
    _, p12, pw = make_demo_keys(tmp_path / "k")  # "Demo Signer (DEMO ONLY)"
    with pytest.raises(batches.BatchError, match=r"the signer 'Mo E. Other' is not the subject of the signing "
                                                 r"certificate \('Demo Signer \(DEMO ONLY\)'\)"):
        batches.sign_batch(s, info.id, signer="me", p12_path=p12, passphrase=pw, out_dir=tmp_path / "out",
                           workers=1)
    assert batches.get_batch(s.conn, info.id).status == "open"
    s.close()


def test_directory_check_covers_index_and_sha256sums(tmp_path):
    """What the store recorded as signed is exactly what is in the folder, SHA256SUMS included."""
    import hashlib

    s = build_store(tmp_path / "s.db")
    decide_all(s)
    info = batches.create_batch(s, track="automatic", actor="rita")
    _, p12, pw = make_demo_keys(tmp_path / "k", signer_name="Jane Q. Prosecutor")
    res = batches.sign_batch(s, info.id, signer="boss", p12_path=p12, passphrase=pw, out_dir=tmp_path / "out",
                             workers=1)
    s.close()
    d = res.batch_dir
    sha = hashlib.sha256((d / "manifest.json").read_bytes()).hexdigest()
    assert batches.directory_mismatch(d, sha, documents=res.documents) is None
    sums = (d / "SHA256SUMS").read_bytes()
    (d / "SHA256SUMS").write_bytes(sums.replace(b"index.pdf", b"index.pdx"))
    assert batches.directory_mismatch(d, sha) == "SHA256SUMS does not match the manifest"
    (d / "SHA256SUMS").unlink()
    assert batches.directory_mismatch(d, sha) == "files missing or extra"
