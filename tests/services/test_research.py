"""Cases that need research, signing checks and served petitions (issue 16).

Small stores built by code (the rows of ``test_batches`` plus cases that lack data), evaluated as
of 2026-11-21; signing runs in-process with demo keys.
"""

from __future__ import annotations

import csv
import json
import stat
from datetime import date

import pytest
from typer.testing import CliRunner

from clearterm.cli.main import app
from clearterm.documents import make_demo_keys
from clearterm.domain.policy import Policy
from clearterm.domain.research import clerk_case_number
from clearterm.ingest import InputError, ingest_file
from clearterm.services import access, batches, research
from clearterm.services.evaluate import evaluate_store
from clearterm.storage.reviews import case_state, find_cases
from conftest import filled_templates
from test_batches import ADDRESS, AUTOMATIC, PETITION, ROWS, SECRETS, TODAY, build_store, do, write_csv

runner = CliRunner()

#: A case as the real extracts give it: no name, date of birth or address, and the CCSAO's
#: internal case id (not a Clerk's case number).
BARE = dict(record_id="R1", case_number="129568602572", person_id="1079960625753", offense_date="2012-03-01",
            **AUTOMATIC)
#: A case with a Clerk's number but no name, date of birth or address: research until supplied.
NAMELESS = dict(record_id="N1", case_number="12CR0456701", person_id="Q7", offense_date="2012-03-01", **AUTOMATIC)
SUPPLY = dict(NAMELESS, last_name="Zielinski", first_name="Krystyna", date_of_birth="1975-06-07", **ADDRESS)
PET_SECRETS = SECRETS + ("Zielinski", "Krystyna", "Ramírez", "Smith", "1985-05-06")


@pytest.fixture(scope="module")
def keys(tmp_path_factory):
    return make_demo_keys(tmp_path_factory.mktemp("keys"), signer_name="Jane Q. Prosecutor")


@pytest.fixture
def rstore(tmp_path):
    s = build_store(tmp_path / "r.db", ROWS + [BARE, NAMELESS])
    yield s
    s.close()


def cid(store, number, person=None):
    found = find_cases(store.conn, number, person)
    assert len(found) == 1
    return found[0].id


def test_clerk_case_number_form():
    for good in ("12CR0456701", "2008MC1234567", "19-CR-12345", "10CR1", "19 C 4321", "12cr0456701"):
        assert clerk_case_number(good), good
    for bad in ("129568602572", "", "CR12345", "12CR", "=1+2", "12CR0456701; DROP"):
        assert not clerk_case_number(bad), bad


def test_research_lists_what_is_missing(rstore):
    got = {c.label: c.missing for c in research.research_cases(rstore.conn)}
    assert got == {
        "11CR9/P9": ("date_of_birth", "address"),
        "129568602572/1079960625753": ("name", "date_of_birth", "address", "case_number"),
        "12CR0456701/Q7": ("name", "date_of_birth", "address"),
    }
    assert research.case_missing(rstore.conn, cid(rstore, "10CR1")) == ()
    total, by = research.research_counts(rstore.conn)
    assert (total, by["name"], by["case_number"], by["date_of_birth"]) == (3, 2, 1, 3)


def test_research_path_from_missing_names_to_signed_after_a_supplementary_ingest(rstore, keys, tmp_path):
    """Approved, left out of the batch and named; a canonical file with the same record id
    supplies the name, date of birth and address: the case leaves research on its own, goes
    into the next batch, and its papers carry the name."""
    _, p12, pw = keys
    for n in ("10CR1", "12CR0456701", "129568602572"):
        do(rstore, n, "approve")
    info = batches.create_batch(rstore, track="automatic", actor="rita")
    assert [c.case_number for c in batches.batch_cases(rstore.conn, info.id)] == ["10CR1"]
    assert dict(info.research) == {"12CR0456701/Q7": ("name", "date_of_birth", "address"),
                                   "129568602572/1079960625753": ("name", "date_of_birth", "address", "case_number")}
    with pytest.raises(batches.BatchError, match="2 case\\(s\\) need research"):
        batches.create_batch(rstore, track="automatic", actor="rita")

    res = ingest_file(rstore, write_csv(tmp_path / "supply.csv", [SUPPLY]), today=TODAY)
    assert (res.updated, res.quarantined) == (1, 0)
    assert "12CR0456701/Q7" not in {c.label for c in research.research_cases(rstore.conn)}
    second = batches.create_batch(rstore, track="automatic", actor="rita")
    assert [c.label for c in batches.batch_cases(rstore.conn, second.id)] == ["12CR0456701/Q7"]
    assert [label for label, _ in second.research] == ["129568602572/1079960625753"]
    signed = batches.sign_batch(rstore, second.id, signer="boss", p12_path=p12, passphrase=pw,
                                out_dir=tmp_path / "out", workers=1)
    assert signed.batch.status == "signed"
    from test_batches import flat

    assert "Zielinski, Krystyna" in flat(signed.batch_dir / "motion.pdf")
    # a signed case is filed: it is no longer on the research list either way
    assert "12CR0456701/Q7" not in {c.label for c in research.research_cases(rstore.conn)}


def test_sign_refuses_a_paper_with_a_missing_field(rstore, keys, tmp_path):
    """The data went missing after the batch was made (a file blanked the date of birth): no
    paper may read '(date of birth unknown)'. Nothing is signed or written; rebuild drops it."""
    _, p12, pw = keys
    do(rstore, "10CR1", "approve")
    do(rstore, "15CR5", "approve")
    info = batches.create_batch(rstore, track="automatic", actor="rita")
    blank = dict(ROWS[1], date_of_birth="")  # 15CR5's record, its date of birth now empty
    ingest_file(rstore, write_csv(tmp_path / "blank.csv", [blank]), today=TODAY)
    audit_before = rstore.scalar("SELECT count(*) FROM audit")
    out = tmp_path / "out"
    with pytest.raises(batches.BatchError) as ei:
        batches.sign_batch(rstore, info.id, signer="boss", p12_path=p12, passphrase=pw, out_dir=out, workers=1)
    msg = str(ei.value)
    assert "15CR5/P5 (date_of_birth)" in msg and "nothing signed" in msg and "\n" not in msg
    assert not any(x in msg for x in SECRETS)
    assert not out.exists() and rstore.scalar("SELECT count(*) FROM audit") == audit_before
    assert batches.get_batch(rstore.conn, info.id).status == "open"
    r = batches.rebuild_batch(rstore, info.id, actor="rita")
    assert r.removed == ["15CR5/P5"]
    assert batches.sign_batch(rstore, info.id, signer="boss", p12_path=p12, passphrase=pw, out_dir=out,
                              workers=1).batch.status == "signed"


def test_paper_gaps_name_every_missing_field(rstore):
    from clearterm.documents import model as dm

    person = dm.Person(person_id="P", last_name="", first_name="")
    case = dm.Case(case_number="129568602572", person=person,
                   charges=(dm.Charge(record_id="x", statute_cite="720 ILCS 550/4(c)", disposition_date=None),))
    model = dm.Batch(batch_id="B-1", track="automatic", created_at=batches.datetime(2026, 11, 21), cases=(case,),
                     signer_name="X")
    assert batches.paper_gaps(model) == [("129568602572/P", ("name", "date_of_birth", "disposition_date",
                                                            "address", "case_number"))]


def test_sign_refuses_an_empty_office_block_and_a_signer_without_a_full_name(rstore, keys, tmp_path, monkeypatch):
    _, p12, pw = keys
    do(rstore, "10CR1", "approve")
    info = batches.create_batch(rstore, track="automatic", actor="rita")
    shipped = filled_templates(tmp_path / "shipped", office={})  # the shipped office.toml: contact block empty
    monkeypatch.setenv("CLEARTERM_TEMPLATES_DIR", str(shipped))
    out = tmp_path / "out"
    with pytest.raises(batches.BatchError) as ei:
        batches.sign_batch(rstore, info.id, signer="boss", p12_path=p12, passphrase=pw, out_dir=out, workers=1)
    assert "fill in phone, email, attorney_code in" in str(ei.value) and "office.toml" in str(ei.value)
    assert "full name" not in str(ei.value)  # boss has one
    partly = filled_templates(tmp_path / "partly", office={"phone": "(312) 555-0100"})
    monkeypatch.setenv("CLEARTERM_TEMPLATES_DIR", str(partly))
    access.add_user(rstore, "sam", ["signer"], actor="boss")  # no full name
    with pytest.raises(batches.BatchError) as ei:
        batches.sign_batch(rstore, info.id, signer="sam", p12_path=p12, passphrase=pw, out_dir=out, workers=1)
    msg = str(ei.value)
    assert "fill in email, attorney_code" in msg and "the signer 'sam' has no full name" in msg
    assert "clearterm users full-name sam" in msg
    assert not out.exists() and batches.get_batch(rstore.conn, info.id).status == "open"
    # filled in: the admin records sam's full name (audited by its hash), the office its contact block
    access.set_full_name(rstore, "sam", "Jane Q. Prosecutor", actor="boss")  # the certificate's subject
    monkeypatch.setenv("CLEARTERM_TEMPLATES_DIR", str(filled_templates(tmp_path / "full")))
    res = batches.sign_batch(rstore, info.id, signer="sam", p12_path=p12, passphrase=pw, out_dir=out, workers=1)
    from test_batches import flat

    assert "/s/ Jane Q. Prosecutor" in flat(res.batch_dir / f"orders/10CR1_P1.pdf")
    from clearterm.storage.audit import verify_state

    assert verify_state(rstore.conn).ok
    entry = rstore.conn.execute("SELECT detail FROM audit WHERE event = 'user.full_name'").fetchone()[0]
    assert "Supervisor" not in entry and json.loads(entry)["user"] == "sam"


def test_users_full_name_cli(rstore, login):
    access.add_user(rstore, login, ["admin"], actor="boss")
    access.add_user(rstore, "sam", ["signer"], actor="boss")
    res = runner.invoke(app, ["--db", str(rstore.path), "users", "full-name", "sam", "Sam  Q.  Supervisor"])
    assert res.exit_code == 0 and "user sam: full name recorded" in res.output and "Supervisor" not in res.output
    assert access.get_user(rstore.conn, "sam").full_name == "Sam Q. Supervisor"
    res = runner.invoke(app, ["--db", str(rstore.path), "users", "full-name", "sam", "Sam Q. Supervisor"])
    assert res.exit_code == 2 and "already has this full name" in res.output
    res = runner.invoke(app, ["--db", str(rstore.path), "users", "full-name", "nobody", "X Y"])
    assert res.exit_code == 2 and "no user 'nobody'" in res.output


def test_stats_and_research_cli(rstore, tmp_path, login):
    access.add_user(rstore, login, ["reviewer"], actor="boss")
    db = str(rstore.path)
    res = runner.invoke(app, ["--db", db, "stats"])
    assert res.exit_code == 0, res.output
    assert "Needs research (3 cases)" in res.output
    export = tmp_path / "research.csv"
    res = runner.invoke(app, ["--db", db, "research", "--export", str(export)])
    assert res.exit_code == 0, res.output
    assert "3 case(s) need research (name 2, date_of_birth 3, address 3, case_number 1)" in res.output
    assert not any(x in res.output for x in SECRETS)
    assert stat.S_IMODE(export.stat().st_mode) == 0o600
    rows = list(csv.DictReader(export.open(encoding="utf-8")))
    assert {(r["case_number"], r["missing"]) for r in rows} == {
        ("11CR9", "date_of_birth;address"), ("12CR0456701", "name;date_of_birth;address"),
        ("129568602572", "name;date_of_birth;address;case_number")}


def test_batch_create_cli_names_the_cases_left_for_research(rstore):
    for n in ("10CR1", "12CR0456701"):
        do(rstore, n, "approve")
    res = runner.invoke(app, ["--db", str(rstore.path), "batch", "create", "--track", "automatic", "--user", "rita"])
    assert res.exit_code == 0, res.output
    assert "1 automatic-track case(s)" in res.output
    assert "1 case(s) left out, they need research (data missing): 12CR0456701/Q7 (name, date_of_birth, address)" \
        in res.output
    assert not any(x in res.output for x in PET_SECRETS)


def test_research_export_neutralises_formulas(tmp_path, login):
    s = build_store(tmp_path / "f.db", [dict(NAMELESS, record_id="F1", case_number="=1+2", person_id="@SUM(A1)")])
    access.add_user(s, login, [], actor="boss")
    s.close()
    export = tmp_path / "f.csv"
    res = runner.invoke(app, ["--db", str(tmp_path / "f.db"), "research", "--export", str(export)])
    assert res.exit_code == 0, res.output
    row = list(csv.DictReader(export.open(encoding="utf-8")))[0]
    assert (row["case_number"], row["person_id"]) == ("'=1+2", "'@SUM(A1)")
    assert "case_number" in row["missing"]


# -- served petitions --------------------------------------------------------------------------------
PET_HEADER = ["case_number", "petitioner_last_name", "petitioner_first_name", "date_of_birth", "person_id",
              "filed_date", "served_date", "hearing_date"]
PET_ROWS = [
    ["05CR6", "Ramírez", "José", "", "", "2026-09-01", "2026-10-01", "2026-12-15"],  # 2 matched, petition track
    ["14CR2", "Quillfeather", "Bo", "", "", "2026-09-01", "2026-10-02", ""],  # 3 matched by name among two
    ["14CR2", "Smith", "Jo", "", "", "2026-09-01", "2026-10-03", ""],  # 4 two people, neither named so
    ["99CR999", "Zielinski", "Krystyna", "", "", "2026-09-01", "2026-10-04", ""],  # 5 no such case
    ["10CR1", "O'Shaughnessy", "Siobhán", "", "P1", "2026-09-01", "2026-10-05", ""],  # 6 automatic track
    ["05CR6", "Ramírez", "José", "", "", "2026-09-01", "2026-13-01", ""],  # 7 bad served_date
    ["05CR6", "", "José", "", "", "2026-09-01", "2026-10-01", ""],  # 8 no last name
    ["05CR6", "Ramírez", "José", "", "", "2026-09-01", "2026-12-01", ""],  # 9 served after today
    ["05CR6", "Ramírez", "José", "", "", "2026-10-09", "2026-10-01", ""],  # 10 served before filed
    ["05CR6", "Ramírez", "José", "1985-05-06", "", "2026-09-01", "2026-10-01", "2026-08-01"],  # 11 hearing < filed
    ["05CR6", "Ramírez", "José", "", "", "2026-09-01", "2026-10-01", "2026-12-15"],  # 12 the same as line 2
]


def write_petitions(path, rows=PET_ROWS, header=PET_HEADER):
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)
    return path


def test_petitions_import_matched_unmatched_ambiguous_and_bad_rows(rstore, tmp_path):
    path = write_petitions(tmp_path / "served.csv")
    res = research.import_petitions(rstore, path, actor="rita", today=TODAY)
    assert (res.rows_read, res.inserted, res.unchanged, res.quarantined) == (11, 5, 1, 5) and res.balanced
    assert (res.lines, res.header_lines, res.lines_stored, res.lines_quarantined) == (12, 1, 6, 5)
    assert dict(res.matches) == {"matched": 3, "unmatched": 1, "ambiguous": 1}
    assert (res.outcomes["recorded"], dict(res.flags)) == (2, {"automatic": 1})
    # the matched petition-track cases have their service date (audited review entries) and deadline
    assert case_state(rstore.conn, cid(rstore, "05CR6")).service_date == "2026-10-01"
    assert case_state(rstore.conn, cid(rstore, "14CR2", "P3")).service_date == "2026-10-02"
    assert case_state(rstore.conn, cid(rstore, "14CR2", "P2")).service_date is None
    serve = rstore.conn.execute("SELECT count(*) FROM audit WHERE event LIKE '%serve%'").fetchone()[0]
    assert serve == 2
    from clearterm.storage.reviews import queue_row

    assert queue_row(rstore.conn, cid(rstore, "05CR6"), as_of=TODAY).deadline == "2026-11-30"
    # the rest is on the research list with its deadline
    open_ = {(p.case_number, p.match, p.candidates, p.deadline.isoformat(), p.days_left(TODAY))
             for p in research.open_petitions(rstore.conn)}
    assert open_ == {("14CR2", "ambiguous", 2, "2026-12-02", 11), ("99CR999", "unmatched", 0, "2026-12-03", 12)}
    q = rstore.conn.execute("SELECT file_name, line, field, message FROM quarantine ORDER BY line").fetchall()
    assert [(line, field) for _, line, field, _ in q] == [
        (7, "served_date"), (8, "petitioner_last_name"), (9, "served_date"), (10, "served_date"),
        (11, "hearing_date")]
    assert all(f == "served.csv" for f, *_ in q)
    assert not any(x in m for *_, m in q for x in PET_SECRETS)
    src = rstore.conn.execute("SELECT kind, status, rows_read, lines_read FROM sources WHERE file_name = 'served.csv'"
                              ).fetchone()
    assert src == ("petitions", "complete", 11, 12)
    entry = rstore.conn.execute("SELECT detail FROM audit WHERE event = 'petitions_imported'").fetchone()
    assert json.loads(entry[0])["matched"] == 3 and not any(x in entry[0] for x in PET_SECRETS)


def test_petitions_import_is_idempotent(rstore, tmp_path):
    path = write_petitions(tmp_path / "served.csv")
    research.import_petitions(rstore, path, actor="rita", today=TODAY)
    counts = [rstore.scalar(f"SELECT count(*) FROM {t}") for t in ("petitions", "reviews", "audit", "quarantine")]
    again = research.import_petitions(rstore, path, actor="rita", today=TODAY)
    assert again.already and again.balanced and (again.inserted, again.rows_read) == (5, 11)
    # the same petitions in another file: unchanged, nothing recorded twice
    other = write_petitions(tmp_path / "served-again.csv", PET_ROWS[:5])
    res = research.import_petitions(rstore, other, actor="rita", today=TODAY)
    assert (res.inserted, res.unchanged, res.quarantined) == (0, 5, 0)
    assert [rstore.scalar(f"SELECT count(*) FROM {t}") for t in ("petitions", "reviews", "quarantine")] == \
        [counts[0], counts[1], counts[3]]


def test_petitions_import_jsonl_and_a_changed_service_date(rstore, tmp_path):
    path = tmp_path / "served.jsonl"
    rows = [dict(zip(PET_HEADER, r)) for r in PET_ROWS[:2]]
    rows[1]["person_id"] = "P3"
    rows.append(dict(rows[0], case_numbr="05CR6"))  # a misspelt key: quarantined, never guessed
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n", encoding="utf-8")
    res = research.import_petitions(rstore, path, actor="rita", today=TODAY)
    assert (res.inserted, res.quarantined, res.outcomes["recorded"]) == (2, 1, 2) and res.balanced
    assert rstore.conn.execute("SELECT line, message FROM quarantine").fetchone() == (
        3, "unknown key case_numbr (a petition has " + ", ".join(research.PETITION_FIELDS) + ")")
    later = tmp_path / "served-later.csv"
    write_petitions(later, [["05CR6", "Ramírez", "José", "", "", "2026-09-01", "2026-10-20", ""]])
    res = research.import_petitions(rstore, later, actor="rita", today=TODAY)
    assert res.outcomes["recorded"] == 1
    assert case_state(rstore.conn, cid(rstore, "05CR6")).service_date == "2026-10-20"


def test_petitions_import_resumes_after_a_crash(rstore, tmp_path, monkeypatch):
    """Killed after the rows were committed and one service date recorded: the rerun records the
    rest once, and the source is complete."""
    path = write_petitions(tmp_path / "served.csv")
    real = research._serve_one
    calls = []

    def dying(store, petition, actor, today):
        calls.append(petition[0])
        if len(calls) == 2:
            raise KeyboardInterrupt  # as abrupt as it gets in-process: nothing after this runs
        return real(store, petition, actor, today)

    monkeypatch.setattr(research, "_serve_one", dying)
    with pytest.raises(KeyboardInterrupt):
        research.import_petitions(rstore, path, actor="rita", today=TODAY)
    assert rstore.scalar("SELECT status FROM sources WHERE file_name = 'served.csv'") == "running"
    monkeypatch.setattr(research, "_serve_one", real)
    res = research.import_petitions(rstore, path, actor="rita", today=TODAY)
    assert res.resumed and res.balanced and dict(res.matches) == {"matched": 3, "unmatched": 1, "ambiguous": 1}
    assert rstore.scalar("SELECT status FROM sources WHERE file_name = 'served.csv'") == "complete"
    assert rstore.scalar("SELECT count(*) FROM petition_service") == 3
    assert rstore.scalar("SELECT count(*) FROM reviews WHERE action = 'serve'") == 2


def test_petitions_import_refuses_a_file_that_is_not_a_petitions_list(rstore, tmp_path):
    with pytest.raises(InputError, match="missing column\\(s\\) served_date"):
        research.import_petitions(rstore, write_petitions(tmp_path / "x.csv", [], PET_HEADER[:6]), actor="rita",
                                  today=TODAY)
    with pytest.raises(research.ResearchDenied):
        research.import_petitions(rstore, write_petitions(tmp_path / "y.csv"), actor="nobody", today=TODAY)
    assert rstore.scalar("SELECT count(*) FROM sources WHERE kind = 'petitions'") == 0


def test_petitions_cli(rstore, tmp_path, login):
    access.add_user(rstore, login, ["reviewer"], actor="boss")
    db = str(rstore.path)
    path = write_petitions(tmp_path / "served.csv")
    res = runner.invoke(app, ["--db", db, "petitions", "import", str(path), "--today", "2026-11-21"])
    assert res.exit_code == 0, res.output
    assert "read 11 = imported 5 + unchanged 1 + quarantined 5" in res.output
    assert "matched 3, no case 1, more than one person 1" in res.output
    assert not any(x in res.output for x in PET_SECRETS)
    res = runner.invoke(app, ["--db", db, "research", "--today", "2026-11-21"])
    assert res.exit_code == 0 and "2 petition(s) match no stored case" in res.output
    assert "99CR999" in res.output and "2026-12-03" in res.output
    res = runner.invoke(app, ["--db", db, "petitions", "list", "--today", "2026-11-21"])
    assert res.exit_code == 0 and "automatic" in res.output and "recorded" in res.output
    assert not any(x in res.output for x in PET_SECRETS)
    res = runner.invoke(app, ["--db", db, "petitions", "import", str(tmp_path / "nope.csv")])
    assert res.exit_code == 2 and "nope.csv: no such file" in res.output


@pytest.mark.slow
@pytest.mark.parametrize("point", ["petitions_rows", "petitions_service"])
def test_petitions_import_killed_then_rerun(rstore, tmp_path, login, point):
    """The process ends abruptly (os._exit, like kill -9) at a point; the store is consistent and
    the rerun of the same command finishes: every petition once, every service date once."""
    import os
    import subprocess
    import sys

    from clearterm.storage.audit import verify_chain

    access.add_user(rstore, login, ["reviewer"], actor="boss")
    rstore.close()
    path = write_petitions(tmp_path / "served.csv")
    cmd = [sys.executable, "-m", "clearterm.cli", "--db", str(tmp_path / "r.db"), "petitions", "import", str(path),
           "--today", "2026-11-21"]
    env = dict(os.environ, CLEARTERM_TEST_CRASH_AT=point)
    killed = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
    assert killed.returncode == 137, killed.stderr
    from clearterm.storage import open_store

    with open_store(tmp_path / "r.db") as s:
        assert s.scalar("SELECT status FROM sources WHERE kind = 'petitions'") == "running"
        assert s.scalar("SELECT count(*) FROM petitions") == 5  # the rows: all or nothing, here all
        assert s.scalar("SELECT count(*) FROM petition_service") == 0
    env.pop("CLEARTERM_TEST_CRASH_AT")
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "finished an interrupted run" in done.stdout
    with open_store(tmp_path / "r.db") as s:
        assert s.scalar("SELECT status FROM sources WHERE kind = 'petitions'") == "complete"
        assert s.scalar("SELECT count(*) FROM petitions") == 5
        assert s.scalar("SELECT count(*) FROM petition_service") == 3
        assert s.scalar("SELECT count(*) FROM reviews WHERE action = 'serve'") == 2
        assert s.scalar("SELECT count(*) FROM quarantine") == 5
        assert verify_chain(s.conn).ok


# -- audit of issue 16: names with non-ASCII capitals, petitions on the docket ------------------------
ACCENTED = [
    dict(record_id="U1", case_number="16CR1", person_id="U1", offense_date="2016-01-01", last_name="Åberg",
         first_name="Scott", date_of_birth="1980-01-01", **ADDRESS, **PETITION),
    dict(record_id="U2", case_number="16CR2", person_id="U2", offense_date="2016-01-01", last_name="Álvarez",
         first_name="Óscar", date_of_birth="1981-01-01", **ADDRESS, **PETITION),
    dict(record_id="U3", case_number="16CR3", person_id="U3", offense_date="2016-01-01", last_name="ÑUÑEZ",
         first_name="ÉLODIE", date_of_birth="1982-01-01", **ADDRESS, **PETITION),
]


def test_petitioner_names_with_non_ascii_capitals_match(tmp_path):
    """SQLite's lower() folds ASCII only: names are folded in Python (NFC, casefold) on both sides."""
    store = build_store(tmp_path / "u.db", ROWS + ACCENTED)
    rows = [["16CR1", "Åberg", "Scott", "", "", "2026-09-01", "2026-10-01", ""],  # exactly as stored
            ["16CR2", "ÁLVAREZ", "óscar", "", "", "2026-09-01", "2026-10-01", ""],
            ["16CR3", "N\u0303un\u0303ez", "Élodie", "", "", "2026-09-01", "2026-10-01", ""],  # decomposed Ñ
            ["16CR1", "Aberg", "Scott", "", "", "2026-09-01", "2026-10-02", ""]]  # another name: not the person
    res = research.import_petitions(store, write_petitions(tmp_path / "u.csv", rows), actor="rita", today=TODAY)
    assert dict(res.matches) == {"matched": 3, "unmatched": 1}
    for n in ("16CR1", "16CR2", "16CR3"):
        assert case_state(store.conn, cid(store, n)).service_date == "2026-10-01", n
    assert research.fold_name(" ÅBERG ") == research.fold_name("A\u030aberg") == "åberg"
    store.close()


def test_docket_follows_up_flagged_unmatched_and_ambiguous_petitions(rstore, tmp_path):
    """Every served petition is answered within 60 days: those on the petition track with their
    service date (petition_due), and the flagged, unmatched and ambiguous ones too."""
    from clearterm.services import lifecycle

    research.import_petitions(rstore, write_petitions(tmp_path / "served.csv"), actor="rita", today=TODAY)
    kinds = lambda today: [(f.kind, f.case) for f in lifecycle.docket(rstore.conn, today=today)]  # noqa: E731
    # served 10-01 .. 10-05 (deadlines 11-30 .. 12-04): fewer than 14 days left on 11-20 for 10-01 .. 10-04
    assert kinds(date(2026, 11, 20)) == [("petition_due", "05CR6/P6"), ("petition_due", "14CR2/P3"),
                                         ("petition_ambiguous", "14CR2"), ("petition_unmatched", "99CR999")]
    assert kinds(date(2026, 11, 16)) == []
    items = lifecycle.docket(rstore.conn, today=date(2026, 11, 22))
    assert [(f.kind, f.case, f.since) for f in items][-1] == ("petition_flagged", "10CR1/P1", "2026-10-05")
    assert "answer by 2026-12-04 (12 day(s) left)" in items[-1].todo and "automatic track" in items[-1].todo
    assert "no stored case matches it" in items[3].todo and "matches 2 people" in items[2].todo
    assert lifecycle.docket_counts(rstore.conn, today=date(2026, 11, 22)) == {
        "petition_due": 2, "petition_flagged": 1, "petition_unmatched": 1, "petition_ambiguous": 1}
    assert not any(s in f.line for f in items for s in PET_SECRETS)
    # the flagged case's service date and deadline are recorded (audited); its track does not move
    (case_id, detail), = rstore.conn.execute("SELECT case_id, detail FROM audit WHERE event = 'petition_flagged'")
    assert case_id == cid(rstore, "10CR1")
    assert {k: json.loads(detail)[k] for k in ("flag", "served_date", "deadline")} == {
        "flag": "automatic", "served_date": "2026-10-05", "deadline": "2026-12-04"}
    assert rstore.scalar("SELECT track FROM cases WHERE id = ?", (case_id,)) == "automatic"
    do(rstore, "10CR1", "approve")  # decided: nothing more to follow up
    assert ("petition_flagged", "10CR1/P1") not in kinds(date(2026, 11, 22))
    # a later list with a new service date for the unmatched petitioner: one line, the later date
    later = write_petitions(tmp_path / "later.csv", [["99CR999", "Zielinski", "Krystyna", "", "", "2026-09-01",
                                                       "2026-10-06", ""]])
    research.import_petitions(rstore, later, actor="rita", today=TODAY)
    lines = [f.since for f in lifecycle.docket(rstore.conn, today=date(2026, 11, 30)) if f.case == "99CR999"]
    assert lines == ["2026-10-06"]
