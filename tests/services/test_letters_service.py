"""Letters on the order and notices to agencies, from the store (issues 16, 17): granted and
denied letters with their mail list in ZIP order, recording the mailing and the notices sent
(audited, lifecycle states), refusals that name cases and never a person's data.

Rulings are written straight into the ``rulings`` table (migration 0009): recording them is
another command's work; these tests start from a batch whose cases were ruled on.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
from datetime import date
from pathlib import Path

import pytest
from pypdf import PdfReader

from clearterm.documents import Templates
from clearterm.services import batches
from clearterm.services import letters as sl
from clearterm.storage import notices as sn
from test_batches import ADDRESS, AUTOMATIC, build_store, do

TODAY = date(2026, 11, 21)
SECRETS = ("O'Shaughnessy", "Muñoz", "Quillfeather", "Milwaukee", "Halsted", "1979-04-02")
ROWS = [
    dict(record_id="A1", case_number="10CR1", person_id="P1", offense_date="2010-04-30", last_name="O'Shaughnessy",
         first_name="Siobhán", date_of_birth="1979-04-02", language="en", **ADDRESS, **AUTOMATIC),
    dict(record_id="A2", case_number="15CR5", person_id="P5", offense_date="2015-05-01", last_name="Muñoz",
         first_name="María José", date_of_birth="1988-11-23", language="Español", address_line1="1600 S. Halsted St.",
         address_line2="Apt. 2", city="Chicago", state="Illinois", zip="60608", **AUTOMATIC),
    dict(record_id="A3", case_number="98CR8", person_id="P8", offense_date="1998-05-01", last_name="Quillfeather",
         first_name="Ann", date_of_birth="1970-03-04", **ADDRESS,
         **{**AUTOMATIC, "arresting_agency": "Evanston Police Department"}),  # its address is lost later
    dict(record_id="A4", case_number="11CR9", person_id="P9", offense_date="2011-05-01", last_name="Lee",
         first_name="Ann", date_of_birth="1990-06-07", address_line1="915 Emerson St.", city="Evanston", state="IL", zip="60201", **AUTOMATIC),
]


def office_templates(tmp_path, monkeypatch, phone='"(312) 555-0100"', email='"unit@example.org"') -> Path:
    tdir = tmp_path / "tpl"
    shutil.copytree(Templates().directory, tdir)
    (tdir / "office.toml").write_text(f"phone = {phone}\nemail = {email}\n", encoding="utf-8")
    monkeypatch.setenv("CLEARTERM_TEMPLATES_DIR", str(tdir))
    return tdir


def rule(store, batch_id: int, number: str, ruling: str, when: str, order: str | None = None) -> None:
    with store.write() as conn:
        case_id = conn.execute("SELECT case_id FROM batch_cases WHERE batch_id = ? AND case_number = ?",
                               (batch_id, number)).fetchone()[0]
        conn.execute("INSERT INTO rulings (case_id, batch_id, ruling, ruling_date, order_number, actor, created_at)"
                     " VALUES (?, ?, ?, ?, ?, 'clerk', '2026-11-01T00:00:00+00:00')",
                     (case_id, batch_id, ruling, when, order))


@pytest.fixture
def ruled(tmp_path, monkeypatch):
    """A batch of four automatic cases: 10CR1 (en) and 15CR5 (es) and 98CR8 (no address) granted,
    11CR9 (language unknown) denied."""
    office_templates(tmp_path, monkeypatch)
    store = build_store(tmp_path / "s.db", ROWS)
    for n in ("10CR1", "15CR5", "98CR8", "11CR9"):
        do(store, n, "approve")
    info = batches.create_batch(store, track="automatic", actor="boss")
    with store.write() as conn:  # 98CR8's address, there when it was batched, is gone by the ruling
        conn.execute("UPDATE records SET address_line1 = NULL, address_line2 = NULL, city = NULL, zip = NULL"
                     " WHERE record_id = 'A3'")
    rule(store, info.id, "10CR1", "granted", "2026-10-02", "ORD-1")
    rule(store, info.id, "15CR5", "granted", "2026-10-02")
    rule(store, info.id, "98CR8", "granted", "2026-10-03")
    rule(store, info.id, "11CR9", "continued", "2026-09-01")
    rule(store, info.id, "11CR9", "denied", "2026-10-05")
    yield store, info
    store.close()


def test_granted_letters_refused_for_an_unaddressable_case_then_made_without_it(ruled, tmp_path):
    store, info = ruled
    with pytest.raises(sl.LetterError) as exc:
        sl.make_letters(store, info.id, kind="granted", out_dir=tmp_path / "out", actor="boss", today=TODAY)
    assert "98CR8 (person P8): no mailing address on file" in str(exc.value)
    assert not any(s in str(exc.value) for s in SECRETS)
    assert not (tmp_path / "out").exists()
    made = sl.make_letters(store, info.id, kind="granted", out_dir=tmp_path / "out", actor="boss", today=TODAY,
                           leave_out_unmailable=True)
    assert made.left_out == ("98CR8 (person P8): no mailing address on file",)
    assert [m.person_id for m in made.mailings] == ["P5", "P1"]            # ZIP order: 60608, 60622
    assert [m.languages for m in made.mailings] == [("es",), ("en",)]
    text = " ".join(" ".join(p.extract_text().split()) for p in PdfReader(made.pdf).pages)
    assert "Estimado(a) María José Muñoz:" in text and "Dear Siobhán O'Shaughnessy:" in text
    assert "On October 2, 2026 the Circuit Court of Cook County granted the motion, order number ORD-1" in text
    assert "1600 S HALSTED ST APT 2" in text and "CHICAGO IL 60608" in text
    assert "possession of cannabis (10 to 30 grams)" in text and "Possession of cannabis, 10 g" not in text
    assert oct(made.pdf.stat().st_mode & 0o777) == "0o600" and oct(made.mail_list.stat().st_mode & 0o777) == "0o600"
    assert oct(made.pdf.parent.stat().st_mode & 0o777) == "0o700"
    assert sorted(p.name for p in made.pdf.parent.iterdir()) == sorted([made.pdf.name, made.mail_list.name])
    rows = list(csv.DictReader(io.StringIO(made.mail_list.read_text(encoding="utf-8"))))
    assert [r["zip5"] for r in rows] == ["60608", "60622"] and rows[0]["state"] == "IL"
    assert [r["first_page"] for r in rows] == [str(m.first_page) for m in made.mailings]
    entry = store.conn.execute("SELECT detail FROM audit WHERE event = 'letters.made'").fetchone()
    assert json.loads(entry[0])["mailings"] == 2 and not any(s in entry[0] for s in SECRETS)


def test_denied_letter_goes_in_both_languages_when_unknown(ruled, tmp_path):
    store, info = ruled
    made = sl.make_letters(store, info.id, kind="denied", out_dir=tmp_path / "out", actor="boss", today=TODAY)
    assert [(m.person_id, m.languages) for m in made.mailings] == [("P9", ("en", "es"))]
    text = " ".join(" ".join(p.extract_text().split()) for p in PdfReader(made.pdf).pages)
    assert "denied the motion to vacate and expunge" in text and "denegó la moción" in text


def test_letters_refused_without_phone_and_email(ruled, tmp_path, monkeypatch):
    store, info = ruled
    office_templates(tmp_path / "x", monkeypatch, phone='""', email='""')
    with pytest.raises(sl.LetterError, match="office block has no phone and no email"):
        sl.make_letters(store, info.id, kind="denied", out_dir=tmp_path / "out", actor="boss", today=TODAY)


def test_mailed_recorded_once_audited_and_cases_notified(ruled, tmp_path):
    store, info = ruled
    for kind in ("granted", "denied"):  # 98CR8 (no address) is left out of the granted letters
        sl.make_letters(store, info.id, kind=kind, out_dir=tmp_path / kind, actor="boss", today=TODAY,
                        leave_out_unmailable=True)
    with pytest.raises(sl.LetterError, match="after today"):
        sl.record_mailed(store, info.id, sent=date(2026, 11, 22), actor="boss", today=TODAY)
    with pytest.raises(sl.LetterError, match=r"before the ruling of 11CR9/P9"):
        sl.record_mailed(store, info.id, sent=date(2026, 10, 4), actor="boss", today=TODAY)
    label, cases = sl.record_mailed(store, info.id, sent=date(2026, 10, 4), actor="boss", today=TODAY, kind="granted")
    assert sorted(cases) == ["10CR1/P1", "15CR5/P5"]  # no letter was made for 98CR8: not mailed
    assert sl.record_mailed(store, info.id, sent=date(2026, 10, 9), actor="boss", today=TODAY, kind="granted")[1] == []
    assert sl.record_mailed(store, info.id, sent=date(2026, 10, 9), actor="boss", today=TODAY)[1] == ["11CR9/P9"]
    kinds = sorted(store.conn.execute("SELECT kind, sent_date FROM case_notices").fetchall())
    assert kinds == [("letter_denied", "2026-10-09")] + [("letter_granted", "2026-10-04")] * 2
    states = dict(store.conn.execute("SELECT bc.case_number, l.state FROM case_lifecycle l"
                                     " JOIN batch_cases bc ON bc.case_id = l.case_id"))
    assert states["10CR1"] == states["15CR5"] == states["11CR9"] == "notified" and states["98CR8"] != "notified"
    events = [json.loads(d) for (d,) in store.conn.execute("SELECT detail FROM audit WHERE event = 'letters.mailed'")]
    assert [sorted(e["cases"]) for e in events] == [["10CR1/P1", "15CR5/P5"], ["11CR9/P9"]]


def test_notices_one_per_agency_and_sent_recorded(ruled, tmp_path):
    store, info = ruled
    made = sl.make_notices(store, info.id, out_dir=tmp_path / "n", actor="boss", today=TODAY)
    assert made.agencies == (("Illinois State Police", 3), ("Clerk of the Circuit Court of Cook County", 3),
                             ("Chicago Police Department", 2), ("Evanston Police Department", 1))
    assert len(made.files) == 8 and all(oct(p.stat().st_mode & 0o777) == "0o600" for p in made.files)
    isp_csv = next(p for p in made.files if p.name.endswith("Illinois-State-Police.csv"))
    rows = list(csv.DictReader(io.StringIO(isp_csv.read_text(encoding="utf-8"))))
    assert [(r["case_number"], r["order_date"], r["order_number"]) for r in rows] == [
        ("10CR1", "2026-10-02", "ORD-1"), ("15CR5", "2026-10-02", ""), ("98CR8", "2026-10-03", "")]
    epd = next(p for p in made.files if p.name.endswith("Evanston-Police-Department.pdf"))
    text = " ".join(" ".join(p.extract_text().split()) for p in PdfReader(epd).pages)
    assert "To: Evanston Police Department" in text and "98CR8" in text and "10CR1" not in text
    label, added, named = sl.record_notices_sent(store, info.id, sent=date(2026, 10, 20), actor="boss", today=TODAY,
                                                 agency="evanston police department")
    assert (added, named) == (1, ["Evanston Police Department"])
    label, added, named = sl.record_notices_sent(store, info.id, sent=date(2026, 10, 21), actor="boss", today=TODAY)
    assert added == 3 + 3 + 2  # ISP and Clerk for each case, Chicago PD for two; Evanston already recorded
    assert sl.record_notices_sent(store, info.id, sent=date(2026, 10, 21), actor="boss", today=TODAY)[1] == 0
    granted = [s for (s,) in store.conn.execute(
        "SELECT l.state FROM case_lifecycle l JOIN batch_cases bc ON bc.case_id = l.case_id"
        " WHERE bc.case_number IN ('10CR1', '15CR5', '98CR8')")]
    assert granted == ["agencies_told"] * 3
    assert store.conn.execute("SELECT count(*) FROM audit WHERE event = 'notices.sent'").fetchone() == (2,)
    assert sn.lifecycle_state(store.conn, 99999) is None


def test_no_ruled_case_is_a_clear_refusal(tmp_path, monkeypatch):
    office_templates(tmp_path, monkeypatch)
    store = build_store(tmp_path / "s.db", ROWS)
    do(store, "10CR1", "approve")
    info = batches.create_batch(store, track="automatic", actor="boss")
    with pytest.raises(sl.LetterError, match=f"batch {info.label} has no granted case"):
        sl.make_letters(store, info.id, kind="granted", out_dir=tmp_path / "o", actor="boss", today=TODAY)
    with pytest.raises(sl.LetterError, match=f"no letters of batch {info.label} were made"):
        sl.record_mailed(store, info.id, sent=TODAY, actor="boss", today=TODAY)


def test_mailed_records_only_the_letters_that_were_made(ruled, tmp_path):
    """Issue 18: with only the granted letters written, 'letters mailed' (no --kind) marked the
    denied case mailed too, for a letter never produced."""
    store, info = ruled
    with pytest.raises(sl.LetterError, match=f"no granted letters of batch {info.label} were made"):
        sl.record_mailed(store, info.id, sent=date(2026, 10, 9), actor="boss", today=TODAY, kind="granted")
    sl.make_letters(store, info.id, kind="granted", out_dir=tmp_path / "g", actor="boss", today=TODAY,
                    leave_out_unmailable=True)
    with pytest.raises(sl.LetterError, match=f"no denied letters of batch {info.label} were made.*--kind denied"):
        sl.record_mailed(store, info.id, sent=date(2026, 10, 9), actor="boss", today=TODAY, kind="denied")
    label, cases = sl.record_mailed(store, info.id, sent=date(2026, 10, 9), actor="boss", today=TODAY)
    assert sorted(cases) == ["10CR1/P1", "15CR5/P5"]  # not 11CR9/P9 (denied) nor 98CR8/P8 (left out)
    kinds = {k for (k,) in store.conn.execute("SELECT kind FROM case_notices")}
    assert kinds == {"letter_granted"}
    state = store.conn.execute("SELECT l.state FROM case_lifecycle l JOIN batch_cases bc ON bc.case_id = l.case_id"
                               " WHERE bc.case_number = '11CR9'").fetchone()
    assert state != ("notified",)
    (detail,) = store.conn.execute("SELECT detail FROM audit WHERE event = 'letters.mailed'").fetchone()
    assert json.loads(detail)["kind"] == "granted"
    made = json.loads(store.conn.execute("SELECT detail FROM audit WHERE event = 'letters.made'").fetchone()[0])
    assert len(made["case_ids"]) == 2 and not any(s in str(made) for s in SECRETS)


def test_mail_list_and_notice_csv_neutralise_formulas(tmp_path, monkeypatch):
    """A name that starts a spreadsheet formula is written with a leading ' in both CSVs."""
    office_templates(tmp_path, monkeypatch)
    rows = [dict(ROWS[0], first_name="=HYPERLINK(1)", last_name="Roe")]
    store = build_store(tmp_path / "s.db", rows)
    do(store, "10CR1", "approve")
    info = batches.create_batch(store, track="automatic", actor="boss")
    rule(store, info.id, "10CR1", "granted", "2026-10-02")
    made = sl.make_letters(store, info.id, kind="granted", out_dir=tmp_path / "o", actor="boss", today=TODAY)
    row = next(csv.DictReader(io.StringIO(made.mail_list.read_text(encoding="utf-8"))))
    assert row["name"] == "'=HYPERLINK 1 ROE"  # USPS form drops the brackets, not the formula start
    notices = sl.make_notices(store, info.id, out_dir=tmp_path / "n", actor="boss", today=TODAY)
    isp = next(p for p in notices.files if p.name.endswith("Illinois-State-Police.csv"))
    assert next(csv.DictReader(io.StringIO(isp.read_text(encoding="utf-8"))))["first_name"] == "'=HYPERLINK(1)"
    store.close()


def test_a_killed_run_leaves_no_partial_file_behind(ruled, tmp_path):
    """The temporary file a killed run left (its process gone) is removed by the next run."""
    store, info = ruled
    out = tmp_path / "out"
    out.mkdir(mode=0o700)
    stale = out / f".{info.label}-denied-letters.pdf.partial-999999999"
    stale.write_bytes(b"%PDF-half")
    sl.make_letters(store, info.id, kind="denied", out_dir=out, actor="boss", today=TODAY)
    assert sorted(p.name for p in out.iterdir()) == [f"{info.label}-denied-letters.pdf",
                                                     f"{info.label}-denied-mail-list.csv"]
