"""Evaluating a store: append-only decisions, export, explain, stats (through the CLI)."""

from __future__ import annotations

import csv
import json
import sqlite3
from datetime import date

import pytest
from typer.testing import CliRunner

from clearterm.cli.export import EXPORT_COLUMNS
from clearterm.cli.main import app
from clearterm.domain.decision import RULES_VERSION
from clearterm.domain.policy import Policy
from clearterm.domain.record import CANONICAL_FIELDS
from clearterm.services.evaluate import evaluate_store
from clearterm.ingest import ingest_file
from conftest import TODAY, add_users

runner = CliRunner()

ROWS = [
    # an MCO conviction: automatic
    dict(record_id="A1", case_number="10CR1", person_id="P1", statute="720 ILCS 550/4(c)", disposition="Plea Of Guilty",
         offense_date="2010-05-01", offense_class="A", county="Cook"),
    # same case, a dismissed non-violent co-charge: no change
    dict(record_id="A2", case_number="10CR1", person_id="P1", statute="720 ILCS 570/402(c)", disposition="Nolle Prosecution",
         offense_date="2010-05-01", offense_class="4", county="Cook"),
    # >30 g conviction: petition
    dict(record_id="B1", case_number="12CR2", person_id="P2", statute="720 ILCS 550/4(d)", disposition="Finding Guilty",
         offense_date="2012-01-01", offense_class="4", county="Cook"),
    # automatic, but a violent co-charge in the case: petition (C1)
    dict(record_id="C1", case_number="14CR3", person_id="P3", statute="720 ILCS 550/4(b)", disposition="Plea Of Guilty",
         offense_date="2014-03-03", offense_class="B", county="Cook"),
    dict(record_id="C2", case_number="14CR3", person_id="P3", statute="720 ILCS 5/12-3.2(a)(1)", disposition="Nolle Prosecution",
         offense_date="2014-03-03", offense_class="A", county="Cook"),
    # not cannabis
    dict(record_id="D1", case_number="15CR4", person_id="P4", statute="720 ILCS 5/16A-3(a)", disposition="Plea Of Guilty",
         offense_date="2015-03-03", offense_class="A", county="Cook"),
]


def write_csv(path, rows):
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=CANONICAL_FIELDS)
        w.writeheader()
        for r in rows:
            w.writerow(r)


@pytest.fixture
def loaded(store, tmp_path):
    p = tmp_path / "rows.csv"
    write_csv(p, ROWS)
    ingest_file(store, p, today=TODAY)
    return store


def current(store):
    return {rid: (cat, reasons) for rid, cat, reasons in store.conn.execute(
        "SELECT c.record_id, d.category, d.reasons FROM decision_current c JOIN decisions d ON d.id = c.decision_id")}


def test_categories_and_case_rules(loaded):
    res = evaluate_store(loaded, Policy(), date(2026, 11, 21))
    assert res.records == 6 and res.new_decisions == 6
    cur = current(loaded)
    assert cur["A1"] == ("automatic", "MINOR_CANNABIS_OFFENSE")
    assert cur["A2"][0] == "ineligible" and cur["A2"][1].startswith("NOT_CANNABIS")
    assert cur["B1"] == ("petition", "MOTION_ELIGIBLE")
    assert cur["C1"][0] == "petition" and cur["C1"][1].startswith("VIOLENT_ASSOCIATION")
    assert cur["D1"][0] == "ineligible"
    tracks = dict(((c, p), t) for c, p, t in loaded.conn.execute("SELECT case_number, person_id, track FROM cases"))
    assert tracks == {("10CR1", "P1"): "automatic", ("12CR2", "P2"): "petition", ("14CR3", "P3"): "petition",
                      ("15CR4", "P4"): None}


def test_rerun_adds_nothing_new_policy_adds_and_keeps(loaded):
    evaluate_store(loaded, Policy(), date(2026, 11, 21))
    n = loaded.scalar("SELECT count(*) FROM decisions")
    again = evaluate_store(loaded, Policy(), date(2026, 11, 21))
    assert again.new_decisions == 0
    assert loaded.scalar("SELECT count(*) FROM decisions") == n
    # a new policy (another county) adds decisions and keeps the old ones
    other = Policy(office_county="DuPage")
    res = evaluate_store(loaded, other, date(2026, 11, 21))
    assert res.new_decisions == 6
    assert loaded.scalar("SELECT count(*) FROM decisions") == 2 * n
    assert current(loaded)["A1"][1].startswith("OUT_OF_COUNTY")
    hashes = {h for (h,) in loaded.conn.execute("SELECT DISTINCT policy_hash FROM decisions")}
    assert hashes == {Policy().hash, other.hash}
    stored = dict(loaded.conn.execute("SELECT hash, json FROM policies"))
    assert json.loads(stored[other.hash])["office_county"] == "DuPage"
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        loaded.conn.execute("UPDATE decisions SET category = 'automatic'")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        loaded.conn.execute("DELETE FROM decisions")


def test_cli_evaluate_export_explain_stats(tmp_path, login):
    src = tmp_path / "rows.csv"
    write_csv(src, ROWS)
    db = str(tmp_path / "cli.db")
    add_users(db, {login: []})
    r = runner.invoke(app, ["--db", db, "ingest", str(src)])
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["--db", db, "evaluate", "--as-of", "2026-11-21"])
    assert r.exit_code == 0, r.output
    assert "6 new decisions" in r.output
    out_csv = tmp_path / "d.csv"
    r = runner.invoke(app, ["--db", db, "export", "decisions", "--out", str(out_csv)])
    assert r.exit_code == 0, r.output
    rows = list(csv.DictReader(open(out_csv, encoding="utf-8")))
    # the columns issue 3 names, in its order
    assert tuple(rows[0]) == EXPORT_COLUMNS == (
        "record_id", "person_id", "case_number", "statute", "offense_class", "category", "reasons",
        "explanation", "tranche", "rules_version", "as_of")
    assert len(rows) == len(ROWS)
    by_id = {row["record_id"]: row for row in rows}
    for src in ROWS:  # the record's own fields, each in its own column
        got = by_id[src["record_id"]]
        assert (got["person_id"], got["case_number"], got["statute"], got["offense_class"]) == (
            src["person_id"], src["case_number"], src["statute"], src["offense_class"])
        assert got["rules_version"] == RULES_VERSION and got["as_of"] == "2026-11-21"
    assert by_id["A1"]["category"] == "automatic" and by_id["A1"]["reasons"] == "MINOR_CANNABIS_OFFENSE"
    assert by_id["D1"]["category"] == "ineligible" and by_id["D1"]["reasons"] == "NOT_CANNABIS"
    assert by_id["C1"]["category"] == "petition"
    assert by_id["C1"]["reasons"].split(";")[0] == "VIOLENT_ASSOCIATION"
    assert by_id["A1"]["tranche"] == "2" and by_id["A1"]["as_of"] == "2026-11-21"
    assert "720 ILCS 550/4(c)" in by_id["A1"]["explanation"]
    out_jsonl = tmp_path / "d.jsonl"
    r = runner.invoke(app, ["--db", db, "export", "decisions", "--out", str(out_jsonl), "--format", "jsonl"])
    assert [json.loads(x)["record_id"] for x in open(out_jsonl)] == [row["record_id"] for row in rows]
    r = runner.invoke(app, ["--db", db, "explain", "A1"])
    assert r.exit_code == 0, r.output
    assert "Step 24" in r.output and "MINOR_CANNABIS_OFFENSE" in r.output and "720 ILCS 550/4(c)" in r.output
    r = runner.invoke(app, ["--db", db, "explain", "C1"])  # the case step names the violent co-charge
    assert r.exit_code == 0, r.output
    assert "automatic becomes petition (VIOLENT_ASSOCIATION). 720 ILCS 5/12-3.2(a)(1) (not convicted)" in r.output
    r = runner.invoke(app, ["--db", db, "explain", "NOPE"])
    assert r.exit_code == 2 and "no record with record_id NOPE" in r.output
    r = runner.invoke(app, ["--db", db, "stats"])
    assert r.exit_code == 0 and "MOTION_ELIGIBLE" in r.output and "By tranche" in r.output


def test_cli_bad_policy_and_missing_store(tmp_path):
    bad = tmp_path / "p.toml"
    bad.write_text("office_county = 'Cook'\ncutoff = 2019-01-01\n")
    r = runner.invoke(app, ["--db", str(tmp_path / "x.db"), "evaluate", "--policy", str(bad)])
    assert r.exit_code == 2 and "unknown key 'cutoff'" in r.output
    r = runner.invoke(app, ["--db", str(tmp_path / "none.db"), "status"])
    assert r.exit_code == 2 and "no store at" in r.output


def test_cli_refuses_world_readable_store(tmp_path, login):
    import os

    db = tmp_path / "s.db"
    add_users(db, {login: []})
    r = runner.invoke(app, ["--db", str(db), "ingest", str(_tiny(tmp_path))])
    assert r.exit_code == 0
    os.chmod(db, 0o644)
    r = runner.invoke(app, ["--db", str(db), "status"])
    assert r.exit_code == 2 and "--fix-permissions" in r.output
    r = runner.invoke(app, ["--db", str(db), "--fix-permissions", "status"])
    assert r.exit_code == 0
    assert os.stat(db).st_mode & 0o777 == 0o600


def _tiny(tmp_path):
    p = tmp_path / "tiny.csv"
    write_csv(p, ROWS[:1])
    return p


def test_parallel_producer_gives_the_same_store(tmp_path, realdata):
    """The forked producer (used on large inputs) stores exactly what the serial path stores."""
    from conftest import SENTENCING
    from clearterm.storage import open_store

    stores = []
    for parallel in (False, True):
        s = open_store(tmp_path / f"p{parallel}.db")
        r = ingest_file(s, SENTENCING, today=TODAY, parallel=parallel)
        assert (r.inserted, r.updated, r.unchanged) == (3719 + 590, 16, 4)
        evaluate_store(s, Policy(), date(2026, 11, 21), parallel=parallel, chunk_records=1000)
        stores.append(s)
    q1 = "SELECT record_id, statute, disposition, sentence, version FROM records ORDER BY record_id"
    q2 = "SELECT record_id, category, reasons, steps, explanation, tranche FROM decisions ORDER BY record_id"
    q3 = "SELECT case_number, person_id, track, tranche, charges, flagged FROM cases ORDER BY 1, 2"
    for q in (q1, q2, q3):
        assert stores[0].conn.execute(q).fetchall() == stores[1].conn.execute(q).fetchall()
    for s in stores:
        s.close()


def test_cli_bad_input_is_one_clear_line(tmp_path, login):
    src = tmp_path / "rows.csv"
    write_csv(src, ROWS)
    db = str(tmp_path / "cli.db")
    add_users(db, {login: []})
    assert runner.invoke(app, ["--db", db, "ingest", str(src)]).exit_code == 0
    # a date that is not YYYY-MM-DD
    r = runner.invoke(app, ["--db", db, "evaluate", "--as-of", "21/11/2026"])
    assert r.exit_code == 2 and "--as-of" in r.output and "YYYY-MM-DD" in r.output
    assert "Traceback" not in r.output
    # a policy file that is not there
    r = runner.invoke(app, ["--db", db, "evaluate", "--policy", str(tmp_path / "missing.toml")])
    assert r.exit_code == 2 and "missing.toml" in r.output and "Traceback" not in r.output
    # a record that exists but has not been evaluated yet
    r = runner.invoke(app, ["--db", db, "explain", "A1"])
    assert r.exit_code == 2 and "has not been evaluated" in r.output
    r = runner.invoke(app, ["--db", db, "stats"])
    assert r.exit_code == 0 and "Decisions in force: no decisions yet" in r.output
    # an output file in a folder that does not exist
    assert runner.invoke(app, ["--db", db, "evaluate", "--as-of", "2026-11-21"]).exit_code == 0
    r = runner.invoke(app, ["--db", db, "export", "decisions", "--out", str(tmp_path / "no" / "such" / "d.csv")])
    assert r.exit_code == 2 and "cannot write" in r.output and "d.csv" in r.output
    assert "Traceback" not in r.output and "internal error" not in r.output


def test_cli_explain_tells_the_trail_under_the_decisions_policy(tmp_path, login):
    """A decision made under a non-default policy is explained with that policy's dates."""
    rows = [dict(ROWS[0], record_id="W1", case_number="19CR9", statute="720 ILCS 550/4(b)", offense_date="2019-07-01",
                 offense_class="B")]
    src = tmp_path / "rows.csv"
    write_csv(src, rows)
    policy = tmp_path / "office.toml"
    policy.write_text("crta_cutoff_date = 2020-01-01\n")
    db = str(tmp_path / "cli.db")
    add_users(db, {login: ["admin"]})
    assert runner.invoke(app, ["--db", db, "ingest", str(src)]).exit_code == 0
    r = runner.invoke(app, ["--db", db, "evaluate", "--as-of", "2026-11-21", "--policy", str(policy)])
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["--db", db, "explain", "W1"])
    assert r.exit_code == 0, r.output
    assert "automatic" in r.output
    assert "on/after 2020-01-01 (CRTA cutoff)" in r.output
    assert "2019-06-25" not in r.output
    assert "Warning" not in r.output and "not loaded" not in r.output


def test_a_new_rules_version_adds_decisions_and_keeps_the_old(loaded, monkeypatch):
    import clearterm.domain.rules.engine as rules_mod
    import clearterm.services.evaluate as evaluate_mod

    first = evaluate_store(loaded, Policy(), date(2026, 11, 21))
    assert first.new_decisions == len(ROWS)
    monkeypatch.setattr(rules_mod, "RULES_VERSION", "9.9")
    monkeypatch.setattr(evaluate_mod, "RULES_VERSION", "9.9")
    again = evaluate_store(loaded, Policy(), date(2026, 11, 21))
    assert again.new_decisions == len(ROWS)
    versions = loaded.conn.execute(
        "SELECT rules_version, count(*) FROM decisions GROUP BY 1 ORDER BY 1").fetchall()
    assert versions == [(RULES_VERSION, len(ROWS)), ("9.9", len(ROWS))]
    in_force = {v for (v,) in loaded.conn.execute(
        "SELECT d.rules_version FROM decision_current c JOIN decisions d ON d.id = c.decision_id")}
    assert in_force == {"9.9"}
    assert evaluate_store(loaded, Policy(), date(2026, 11, 21)).new_decisions == 0


def test_a_store_evaluated_under_rules_1_1_gets_rules_2_decisions_and_keeps_the_old(store, tmp_path, monkeypatch):
    """A store decided under rules 1.1 (emulated: the version label, and a diversion referral read as an
    unrecognized disposition, as 1.1 read it) gets rules 2 decisions on its next evaluate: every old
    decision stays, the new ones are in force, and explain of an old decision says it now differs."""
    import clearterm.domain.rules.engine as rules_mod
    import clearterm.services.evaluate as evaluate_mod
    from clearterm.domain.disposition import DispositionKind, read_disposition
    from clearterm.domain.rules import explain_lines

    rows = ROWS + [dict(record_id="E1", case_number="13CR5", person_id="P5", statute="720 ILCS 550/4(c)",
                        disposition="Diversion referral (DS): Graduated", offense_date="2013-02-02",
                        offense_class="A", county="Cook")]
    p = tmp_path / "rows.csv"
    write_csv(p, rows)
    ingest_file(store, p, today=TODAY)

    def read_as_1_1(text, when):
        kind = read_disposition(text, when)
        diversion = (DispositionKind.DIVERSION_COMPLETED, DispositionKind.DIVERSION_OTHER)
        return DispositionKind.UNRECOGNIZED if kind in diversion else kind

    with monkeypatch.context() as m:
        m.setattr(rules_mod, "RULES_VERSION", "1.1")
        m.setattr(evaluate_mod, "RULES_VERSION", "1.1")
        m.setattr(rules_mod, "read_disposition", read_as_1_1)
        old = evaluate_store(store, Policy(), date(2026, 11, 21))
    assert old.new_decisions == len(rows)
    assert current(store)["E1"] == ("review", "UNKNOWN_DISPOSITION")
    old_e1 = store.conn.execute("SELECT d.id FROM decisions d WHERE d.record_id = 'E1'").fetchone()[0]

    new = evaluate_store(store, Policy(), date(2026, 11, 21))
    assert new.new_decisions == len(rows)  # a new rules version decides every record again
    versions = store.conn.execute("SELECT rules_version, count(*) FROM decisions GROUP BY 1 ORDER BY 1").fetchall()
    assert versions == [("1.1", len(rows)), (RULES_VERSION, len(rows))]
    assert RULES_VERSION == "2"
    assert current(store)["E1"] == ("non_conviction", "DIVERSION_COMPLETED")
    assert store.conn.execute("SELECT category, reasons FROM decisions WHERE id = ?", (old_e1,)).fetchone() == \
        ("review", "UNKNOWN_DISPOSITION")  # the old decision is kept as it was
    assert evaluate_store(store, Policy(), date(2026, 11, 21)).new_decisions == 0

    from clearterm.storage.decisions import decision_history
    from clearterm.storage.records import load_record
    rec = load_record(store.conn, "E1")
    was = next(d for d in decision_history(store.conn, "E1") if d.rules_version == "1.1")
    lines = explain_lines(rec, was, Policy())
    assert any(ln.startswith("Warning:") and "v1.1 then, v2 now" in ln for ln in lines), lines[-1]
