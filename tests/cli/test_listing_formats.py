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
