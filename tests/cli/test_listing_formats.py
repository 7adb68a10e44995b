"""Listing commands take ``--format table|csv|json``; in a pipe nothing is cut to 80 columns; an
empty result says so in words; ``--out -`` is standard output."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from clearterm.cli.listing import Listing
from clearterm.cli.main import app
from clearterm.domain.policy import Policy
from clearterm.ingest import ingest_file
from clearterm.services.evaluate import evaluate_store
from clearterm.storage import open_store
from conftest import LOGIN, add_users, write_canonical_csv

TODAY = date(2026, 11, 21)
LONG_CASE = "2016-MC1-" + "7" * 70  # wider than 80 columns on its own
ROWS = [
    dict(record_id="A1", case_number=LONG_CASE, statute="720 ILCS 550/4(a)", disposition="Plea Of Guilty",
         person_id="P1", offense_date="2012-01-02", disposition_date="2012-03-02", offense_class="C",
         county="Cook", last_name="Doe", first_name="Jo"),
    dict(record_id="A2", case_number="12CR0002", statute="", disposition="Plea Of Guilty", person_id="P2"),
]


@pytest.fixture(scope="module")
def db(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("listing") / "store.db"
    src = path.with_name("extract-with-a-rather-long-file-name-for-the-sources-table.csv")
    write_canonical_csv(src, ROWS)
    with open_store(path, synchronous="NORMAL") as store:
        ingest_file(store, src, today=TODAY)
        evaluate_store(store, Policy(), TODAY)
    add_users(path, {LOGIN: ["reviewer"]})
    return path


def run(db: Path, *args: str) -> str:
    result = CliRunner().invoke(app, ["--db", str(db), *args], env={"LOGNAME": LOGIN, "USER": LOGIN,
                                                                      "COLUMNS": "80"})
    assert result.exit_code == 0, result.output
    return result.output


def test_status_json_parses_and_matches_the_store(db):
    doc = json.loads(run(db, "status", "--format", "json"))
    assert set(doc) == {"tables", "sources", "lines"}
    assert {"table": "records", "rows": 1} in doc["tables"]
    (source,) = doc["sources"]
    assert source["inserted"] == 1 and source["quarantined"] == 1
    (lines,) = doc["lines"]
    assert lines["lines"] == 3 and lines["header"] == 1 and lines["stored"] == 1


def test_status_table_in_a_pipe_is_not_cut(db):
    text = run(db, "status")
    assert "extract-with-a-rather-long-file-name-for-the-sources-table.csv" in text
    assert "…" not in text


def test_quarantine_csv_and_json(db):
    rows = list(csv.reader(io.StringIO(run(db, "quarantine", "--format", "csv"))))
    assert rows[0] == ["file", "line", "field", "reason"]
    assert rows[1][1:3] == ["3", "statute"]
    (entry,) = json.loads(run(db, "quarantine", "--format", "json"))
    assert entry["line"] == 3 and entry["field"] == "statute"


def test_empty_listing_says_so_in_words(db, tmp_path):
    empty = tmp_path / "empty.db"
    add_users(empty, {LOGIN: ["reviewer"]})
    assert "no row is quarantined" in run(empty, "quarantine")
    assert json.loads(run(empty, "quarantine", "--format", "json")) == []
    assert run(empty, "quarantine", "--format", "csv").strip() == "file,line,field,reason"


def test_whoami_json(db):
    (me,) = json.loads(run(db, "whoami", "--format", "json"))
    assert me == {"user": LOGIN, "known": True, "enabled": True, "roles": "reviewer", "via_sudo": False}
    rows = list(csv.reader(io.StringIO(run(db, "whoami", "--format", "csv"))))
    assert rows == [["user", "known", "enabled", "roles", "via_sudo"], [LOGIN, "true", "true", "reviewer", "false"]]


def test_format_is_checked(db):
    result = CliRunner().invoke(app, ["--db", str(db), "status", "--format", "xml"])
    assert result.exit_code == 2


def _cli(db: Path, *args: str, shell_tail: str = "") -> tuple[int, str, str]:
    import os
    import shlex
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k not in ("SUDO_USER", "SUDO_UID", "CLEARTERM_DEBUG")}
    env.update({"LOGNAME": LOGIN, "USER": LOGIN})
    cmd = " ".join(shlex.quote(a) for a in [sys.executable, "-m", "clearterm.cli", "--db", str(db), *args])
    r = subprocess.run(cmd + shell_tail, shell=True, env=env, capture_output=True, text=True, timeout=60)
    return r.returncode, r.stdout, r.stderr


def test_out_dash_is_standard_output_and_the_summary_goes_to_stderr(db):
    code, stdout, stderr = _cli(db, "export", "decisions", "--out", "-")
    assert code == 0
    rows = list(csv.reader(io.StringIO(stdout)))
    assert rows[0][0] == "record_id" and len(rows) == 2
    assert "wrote 1 decisions to standard output" in stderr


def test_a_reader_that_leaves_early_gets_no_traceback(tmp_path):
    big = tmp_path / "big.db"
    src = tmp_path / "big.csv"
    write_canonical_csv(src, [dict(ROWS[0], record_id=f"B{i}", case_number=f"12CR{i:05d}") for i in range(3000)])
    with open_store(big, synchronous="OFF") as store:
        ingest_file(store, src, today=TODAY)
        evaluate_store(store, Policy(), TODAY)
    add_users(big, {LOGIN: ["reviewer"]})
    # 3,000 explanations are far more than a pipe holds: the writer meets a closed pipe
    code, stdout, stderr = _cli(big, "export", "decisions", "--out", "-", shell_tail=" | head -c 10")
    assert stdout == "record_id,"
    assert "Traceback" not in stderr and "Exception" not in stderr


# -- the other listing commands (queue, stats, batch list|show, research, petitions list, users list)
LONG_PERSON = "P" + "8" * 90  # a person id wider than 80 columns
FULL_CASE = dict(record_id="C1", case_number="12CR0456701", person_id=LONG_PERSON, statute="720 ILCS 550/4(c)",
                 disposition="Plea Of Guilty", offense_class="A", county="Cook", offense_date="2010-04-30",
                 disposition_date="2010-08-14", last_name="Quill", first_name="Ada", date_of_birth="1980-01-02",
                 address_line1="1 Main St", city="Chicago", state="IL", zip="60622")


@pytest.fixture(scope="module")
def lifecycle(tmp_path_factory) -> tuple[Path, str]:
    """A store with a complete case (a long person id) approved and in an open batch, a case that
    needs research, and an unmatched petition; the login user has every role. Returns the store
    and the batch's label."""
    from clearterm.services import batches, research, review
    from clearterm.storage.reviews import current_version

    d = tmp_path_factory.mktemp("lifecycle")
    src = d / "records.csv"
    write_canonical_csv(src, [FULL_CASE, dict(ROWS[0], record_id="N1", case_number="14CR0000001", person_id="N1")])
    petitions = d / "petitions.csv"
    petitions.write_text("case_number,petitioner_last_name,petitioner_first_name,filed_date,served_date\n"
                         "99CR0000009,Roe,Rita,2026-09-01,2026-10-01\n", encoding="utf-8")
    path = d / "store.db"
    with open_store(path, synchronous="NORMAL") as store:
        ingest_file(store, src, today=TODAY)
        evaluate_store(store, Policy(), TODAY)
    add_users(path, {LOGIN: ["admin", "reviewer", "signer"]})
    with open_store(path) as store:
        (cid,) = [c for (c,) in store.conn.execute("SELECT id FROM cases WHERE case_number = '12CR0456701'")]
        review.act(store, cid, "approve", reviewer=LOGIN, expected_version=current_version(store.conn, cid),
                   today=TODAY)
        label = batches.create_batch(store, track="automatic", actor=LOGIN).label
        research.import_petitions(store, petitions, actor=LOGIN, today=TODAY)
    return path, label


def stdout(db: Path, *args: str) -> str:
    """Standard output alone (the lines a command says around its listing go to stderr in csv, json)."""
    result = CliRunner().invoke(app, ["--db", str(db), *args], env={"LOGNAME": LOGIN, "USER": LOGIN,
                                                                      "COLUMNS": "80"})
    assert result.exit_code == 0, result.output
    return result.stdout


def test_queue_json_csv_and_a_long_case_number_whole_in_a_pipe(db):
    (row,) = json.loads(stdout(db, "queue", "--format", "json"))
    assert row["case"] == LONG_CASE and row["person"] == "P1" and row["status"] == "pending"
    assert set(row) >= {"id", "track", "tranche", "charges", "version", "days_left"}
    # not served, no deadline, nobody holds it: null, as days_left (not "" beside null)
    assert row["served"] is None and row["due"] is None and row["days_left"] is None and row["holder"] is None
    rows = list(csv.reader(io.StringIO(stdout(db, "queue", "--format", "csv"))))
    assert rows[0] == ["id", "case", "person", "track", "tranche", "charges", "status", "version", "served", "due",
                       "days_left", "holder"]
    assert rows[1][1] == LONG_CASE
    text = run(db, "queue")
    assert LONG_CASE in text and "…" not in text


def test_queue_more_hint_goes_to_stderr_in_json(db):
    result = CliRunner().invoke(app, ["--db", str(db), "queue", "--limit", "1", "--format", "json"],
                                env={"LOGNAME": LOGIN, "USER": LOGIN})
    assert result.exit_code == 0
    assert len(json.loads(result.stdout)) == 1
    assert "more: --after" in result.stderr


def test_queue_deadline_view_formats_and_empty_in_words(db):
    assert json.loads(stdout(db, "queue", "--deadline", "all", "--format", "json")) == []
    assert stdout(db, "queue", "--deadline", "all", "--format", "csv").strip() == \
        "days_left,due,served,case,person,status,id"
    assert run(db, "queue", "--deadline", "all").strip().endswith("then not served: none")
    assert "no case matches" in run(db, "queue", "--status", "approved")


def test_stats_json_and_csv(db):
    doc = json.loads(stdout(db, "stats", "--format", "json"))
    assert set(doc) == {"categories", "reasons", "tranches", "research"}
    assert sum(r["records"] for r in doc["categories"]) == 1
    assert {"missing": "date_of_birth", "cases": 1} in doc["research"]
    text = stdout(db, "stats", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(text)))  # one table: a section column, then every column
    assert text.startswith("section,category,records,share,deciding_reason,tranche,automatic,")
    assert {r["section"] for r in rows} == {"categories", "reasons", "tranches", "research"}
    assert "#" not in text and all(None not in r for r in rows)  # no title line, no ragged row
    (cat,) = [r for r in rows if r["section"] == "categories"]
    assert cat["records"] == "1" and cat["tranche"] == "" 


def test_batch_list_and_show_formats(lifecycle):
    db, label = lifecycle
    (b,) = json.loads(stdout(db, "batch", "list", "--format", "json"))
    assert b["label"] == label and b["track"] == "automatic"
    assert b["cases"] == 1 and b["status"] == "open" and isinstance(b["id"], int)
    rows = list(csv.reader(io.StringIO(stdout(db, "batch", "list", "--format", "csv"))))
    assert rows[0] == ["id", "label", "track", "tranche", "cases", "status", "created", "signed", "signer"]
    assert label in run(db, "batch", "list")
    doc = json.loads(stdout(db, "batch", "show", label, "--format", "json"))
    (batch,) = doc["batch"]
    assert batch["label"] == label and batch["cases"] == 1 and batch["changed_cases"] == 0
    (case,) = doc["cases"]
    assert case["person"] == LONG_PERSON and case["case"] == "12CR0456701" and case["position"] == 1
    text = run(db, "batch", "show", label)
    assert LONG_PERSON in text and f"batch {batch['id']} ({label})" in text


def test_batch_list_empty_says_so(tmp_path):
    empty = tmp_path / "empty.db"
    add_users(empty, {LOGIN: ["reviewer"]})
    assert "no batches yet" in run(empty, "batch", "list")
    assert json.loads(stdout(empty, "batch", "list", "--format", "json")) == []


def test_research_json_and_csv(lifecycle):
    db, _ = lifecycle
    doc = json.loads(stdout(db, "research", "--format", "json", "--today", "2026-11-21"))
    (case,) = doc["cases"]
    assert case == {"case": "14CR0000001", "person": "N1", "track": "automatic",
                    "missing": "date_of_birth, address"}
    (pet,) = doc["petitions"]
    assert pet["case"] == "99CR0000009" and pet["match"] == "unmatched" and pet["days_left"] == 9
    text = stdout(db, "research", "--format", "csv", "--today", "2026-11-21")
    assert text.startswith("section,case,person,track,missing,match,served,deadline,days_left\n")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [(r["section"], r["case"]) for r in rows] == [("cases", "14CR0000001"), ("petitions", "99CR0000009")]
    assert rows[1]["days_left"] == "9" and rows[0]["match"] == ""


def test_petitions_list_json_and_empty(lifecycle, db):
    path, _ = lifecycle
    (pet,) = json.loads(stdout(path, "petitions", "list", "--format", "json", "--today", "2026-11-21"))
    assert pet == {"case": "99CR0000009", "served": "2026-10-01", "deadline": "2026-11-30", "days_left": 9,
                   "match": "unmatched", "on_import": "research"}
    assert "no petition imported yet" in run(db, "petitions", "list")


def test_users_list_json(lifecycle):
    db, _ = lifecycle
    users = {u["user"]: u for u in json.loads(stdout(db, "users", "list", "--format", "json"))}
    assert users[LOGIN]["roles"] == "reviewer, signer, admin" and users[LOGIN]["status"] == "enabled"


def test_json_escapes_what_a_terminal_interprets_and_reads_back_the_same(capsys):
    from clearterm.cli.listing import OutputFormat as Fmt
    from clearterm.cli.listing import emit

    value = "12CR1\x1b]0;x\x07\x9b31m\u202eP\u2028"
    emit([Listing("x", "X", ("case",), [(value,)])], Fmt.json)
    text = capsys.readouterr().out
    assert all(ch not in text for ch in "\x1b\x07\x9b\u202e\u2028")
    assert "\\u009b" in text and json.loads(text) == [{"case": value}]
    emit([Listing("x", "X", ("case",), [(value,)])], Fmt.csv)  # a pipe: the cell as stored
    assert list(csv.reader(io.StringIO(capsys.readouterr().out))) == [["case"], [value]]
