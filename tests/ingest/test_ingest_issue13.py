"""Issue 13, ingest items 1-5 and 9: each test reproduces a reported loss or leak.

1. a stray quote swallowed good rows; the reconciliation now counts physical lines too;
2. one row (a huge number, deep JSON, a lone surrogate) killed the whole file (exit 70);
3. a truncated .gz printed "Aborted!";
4. a cp1252 file was quarantined row by row;
5. control characters in JSON Lines values, keys differing only in case;
9. a quarantine message echoed a value from a shifted column.
"""

from __future__ import annotations

import gzip
import json
import os
import re
import sqlite3
import subprocess
import sys
import zlib

import pytest

from clearterm.domain.record import CANONICAL_FIELDS
from clearterm.ingest import InputError, ingest_file
from clearterm.ingest.readers import open_source
from conftest import TODAY, add_users

HEADER = ",".join(CANONICAL_FIELDS)


def row(rid: str, **over) -> str:
    """A good canonical CSV row (no quoting: values must hold no comma)."""
    base = {f: "" for f in CANONICAL_FIELDS}
    base.update(record_id=rid, case_number="12CR0001", statute="720 ILCS 550/4(c)",
                disposition="Plea Of Guilty", person_id="P1", last_name="Quillfeatherz",
                first_name="Ann", date_of_birth="1961-04-02", offense_date="2012-03-04",
                county="Cook", address_line1="12 Main St", city="Chicago", zip="60601")
    base.update(over)
    return ",".join(base[f] for f in CANONICAL_FIELDS)


def cli(db, *args, check_user=True):
    if check_user and not db.exists():
        add_users(db, {"tester": []})
    env = dict(os.environ, CI="1", LOGNAME="tester", USER="tester")
    env.pop("SUDO_USER", None)
    env.pop("SUDO_UID", None)
    return subprocess.run([sys.executable, "-m", "clearterm.cli", "--db", str(db), *args],
                          env=env, capture_output=True, text=True, timeout=300)


def ids(store) -> set[str]:
    return {r for (r,) in store.conn.execute("SELECT record_id FROM records")}


# -- 1. a stray quote ---------------------------------------------------------------------------
def stray_quote_file(tmp_path):
    lines = [HEADER.encode(), row("A0", first_name='Ann"e').encode()]
    lines += [row(f"G{i}").encode() for i in range(50)]
    lines.append(row("L1").encode().replace(b"Chicago", b"Chic\xe9go"))  # one latin-1 byte
    lines.append(row("B0", first_name='Bo"b').encode())
    lines += [row(f"H{i}").encode() for i in range(5)]
    p = tmp_path / "stray.csv"
    p.write_bytes(b"\n".join(lines) + b"\n")
    return p


@pytest.mark.parametrize("parallel", [False, True])
def test_stray_quote_does_not_swallow_good_rows(store, tmp_path, parallel):
    p = stray_quote_file(tmp_path)
    r = ingest_file(store, p, today=TODAY, parallel=parallel)
    assert (r.rows_read, r.inserted, r.quarantined) == (58, 55, 3)
    assert ids(store) == {f"G{i}" for i in range(50)} | {f"H{i}" for i in range(5)}
    got = dict(store.conn.execute("SELECT line, message FROM quarantine"))
    assert set(got) == {2, 53, 54}
    assert "quote" in got[2] and "quote" in got[54]
    assert "not valid UTF-8" in got[53]
    assert (r.lines, r.header_lines, r.lines_stored, r.lines_quarantined, r.blank_lines) == (59, 1, 55, 3, 0)
    assert r.balanced
    assert "lines 59 = header 1 + stored 55 + quarantined 3 + blank 0" in r.summary()
    stored = store.conn.execute(
        "SELECT lines_read, header_lines, lines_stored, lines_quarantined, blank_lines FROM sources").fetchone()
    assert stored == (59, 1, 55, 3, 0)


def test_a_failed_multiline_record_is_quarantined_by_its_first_line(store, tmp_path):
    # a legitimately quoted description over three lines, but a bad date: its first line is
    # quarantined, the other two are read again on their own; a good multi-line record is stored
    bad = row("M1", offense_date="2012-02-31", offense_description='"one\ntwo\nthree"')
    good = row("M2", offense_description='"four\nfive"')
    text = "\n".join([HEADER, row("G1"), bad, "", row("G2"), good, row("G3")]) + "\n"
    p = tmp_path / "multi.csv"
    p.write_text(text, encoding="utf-8")
    r = ingest_file(store, p, today=TODAY)
    assert ids(store) == {"G1", "G2", "G3", "M2"}
    q = dict(store.conn.execute("SELECT line, message FROM quarantine"))
    assert "offense_date" in q[3] and 3 in q
    # lines: 1 header, G1, M1 (3 lines: 1 quarantined, 2 re-read and quarantined), blank, G2, M2 (2), G3
    assert r.lines == 10
    assert r.blank_lines == 1
    assert r.lines_stored == 5  # G1, G2, M2 (2 lines), G3
    assert r.lines_quarantined == 3
    assert r.balanced


def test_stray_quotes_that_frame_good_rows_in_a_valid_record_do_not_swallow_them(store, tmp_path):
    # a quote opens offense_description on line 2 and a stray quote 4 lines later closes it: the
    # join has the header's width and valid values, but lines inside it have the shape of rows
    i = CANONICAL_FIELDS.index("offense_description")
    a = row("A1").split(",")
    b = row("B1").split(",")
    first = ",".join(a[:i] + ['"POSS'])
    last = ",".join(['END"'] + b[i + 1:])
    lines = [HEADER, first, row("G1"), row("G2"), row("G3"), last, row("G4")]
    p = tmp_path / "framed.csv"
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    r = ingest_file(store, p, today=TODAY)
    assert {"G1", "G2", "G3", "G4"} <= ids(store)
    assert "A1" not in ids(store)
    assert r.balanced and r.lines == 7


def test_ingest_and_status_print_the_line_reconciliation(tmp_path):
    p = stray_quote_file(tmp_path)
    db = tmp_path / "s.db"
    out = cli(db, "ingest", str(p), "--today", "2026-01-01")
    assert out.returncode == 0, out.stderr
    assert "lines 59 = header 1 + stored 55 + quarantined 3 + blank 0" in out.stdout
    st = cli(db, "status")
    assert st.returncode == 0, st.stderr
    assert re.search(r"Lines of each source.*\n(.*\n)*.*\b1\b.*\b59\b.*\b1\b.*\b55\b.*\b3\b.*\b0\b", st.stdout), st.stdout


# -- 2. one row must not kill a file ------------------------------------------------------------
def _jsonl_rows(n: int):
    for i in range(n):
        yield json.dumps({"record_id": f"J{i}", "case_number": f"C{i}", "statute": "720 ILCS 550/4(c)",
                          "disposition": "Plea Of Guilty", "offense_date": "2012-01-02"})


KILLERS = {
    "csv-age-309-digits": ("csv", lambda: row("X1", age_at_offense="9" * 400), "age_at_offense"),
    "jsonl-4301-digit-integer": ("jsonl", lambda: '{"record_id": "X1", "case_number": "C", "statute": "s",'
                                 ' "disposition": "d", "age_at_offense": ' + "7" * 5000 + "}", None),
    "jsonl-nested-3000": ("jsonl", lambda: '{"record_id": "X1", "court": ' + "[" * 3000 + "]" * 3000 + "}", None),
    "jsonl-lone-surrogate-value": ("jsonl", lambda: '{"record_id": "X1", "case_number": "C", "statute": "s",'
                                   ' "disposition": "d", "last_name": "a\\ud800b"}', "last_name"),
    "jsonl-lone-surrogate-key": ("jsonl", lambda: '{"record_id": "X1", "case_number": "C", "statute": "s",'
                                 ' "disposition": "d", "x\\udfff": "1"}', None),
}


@pytest.mark.parametrize("parallel", [False, True])
@pytest.mark.parametrize("kind", sorted(KILLERS))
def test_one_bad_row_is_quarantined_and_the_rest_lands(store, tmp_path, kind, parallel):
    fmt, make, field = KILLERS[kind]
    n = 2_000
    if fmt == "csv":
        lines = [HEADER] + [row(f"G{i}") for i in range(n)]
    else:
        lines = list(_jsonl_rows(n))
    lines.insert(n // 2, make())
    p = tmp_path / f"k.{fmt}"
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    r = ingest_file(store, p, today=TODAY, parallel=parallel)
    assert (r.inserted, r.quarantined) == (n, 1)
    assert r.balanced
    (line, fld, msg), = store.conn.execute("SELECT line, field, message FROM quarantine")
    assert line == n // 2 + 1
    if field:
        assert fld == field
    assert "\ud800" not in msg and "9999" not in msg and "7777" not in msg
    status = store.conn.execute("SELECT status FROM sources").fetchone()[0]
    assert status == "complete"


@pytest.mark.parametrize("kind", ["jsonl-4301-digit-integer", "jsonl-nested-3000", "jsonl-lone-surrogate-value"])
def test_a_killer_first_line_of_json_lines_is_one_quarantined_row(store, tmp_path, kind):
    p = tmp_path / "first.jsonl"
    p.write_text("\n".join([KILLERS[kind][1](), *_jsonl_rows(50)]) + "\n", encoding="utf-8")
    r = ingest_file(store, p, today=TODAY)
    assert (r.inserted, r.quarantined, r.lines) == (50, 1, 51)
    assert store.scalar("SELECT line FROM quarantine") == 1


def test_a_lone_surrogate_is_never_stored(store, tmp_path):
    rows = [{"record_id": "S1", "case_number": "C\ud800", "statute": "s", "disposition": "d"},
            {"record_id": "S2", "case_number": "C", "statute": "s", "disposition": "d", "court": "\udc00"},
            {"record_id": "S3", "case_number": "C", "statute": "s", "disposition": "d"}]
    p = tmp_path / "s.jsonl"
    p.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    r = ingest_file(store, p, today=TODAY)
    assert (r.inserted, r.quarantined) == (1, 2)
    for table in ("records", "quarantine", "sources"):
        for row_ in store.conn.execute(f"SELECT * FROM {table}"):
            for v in row_:
                if isinstance(v, str):
                    assert not any(0xD800 <= ord(c) <= 0xDFFF for c in v)


def test_cli_ingest_of_a_killer_row_exits_0(tmp_path):
    lines = list(_jsonl_rows(20_000))
    lines.insert(10_000, KILLERS["jsonl-nested-3000"][1]())
    p = tmp_path / "big.jsonl"
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = cli(tmp_path / "s.db", "ingest", str(p), "--today", "2026-01-01")
    assert out.returncode == 0, out.stderr
    assert "inserted 20,000" in out.stdout and "quarantined 1" in out.stdout


# -- 3. a truncated .gz -------------------------------------------------------------------------
def test_a_truncated_gz_names_the_line_and_keeps_the_rows_before(tmp_path):
    text = "\n".join([HEADER] + [row(f"G{i}") for i in range(20_000)]) + "\n"
    full = gzip.compress(text.encode(), compresslevel=6)
    cut = full[: len(full) // 2]
    p = tmp_path / "cut.csv.gz"
    p.write_bytes(cut)
    prefix = zlib.decompressobj(wbits=31).decompress(cut)
    complete = prefix.count(b"\n")  # lines wholly present
    db = tmp_path / "s.db"
    out = cli(db, "ingest", str(p), "--today", "2026-01-01")
    assert out.returncode == 2, (out.stdout, out.stderr)
    assert "Aborted" not in out.stdout + out.stderr
    msg = [ln for ln in out.stderr.splitlines() if ln.strip()]
    assert len(msg) == 1, out.stderr
    assert "cut.csv.gz" in msg[0] and f"line {complete + 1:,}" in msg[0]
    with sqlite3.connect(db) as c:
        assert c.execute("SELECT count(*) FROM records").fetchone()[0] == complete - 1
        assert c.execute("SELECT count(*) FROM quarantine").fetchone()[0] == 0
        lines = c.execute("SELECT lines_read, lines_stored, stopped_line FROM sources").fetchone()
        assert lines == (complete, complete - 1, complete + 1)
        (detail,) = c.execute("SELECT detail FROM audit WHERE event = 'ingest'").fetchone()
        assert json.loads(detail)["stopped_line"] == complete + 1 and json.loads(detail)["inserted"] == complete - 1
    # a rerun says the same, stores nothing twice
    again = cli(db, "ingest", str(p), "--today", "2026-01-01")
    assert again.returncode == 2 and f"line {complete + 1:,}" in again.stderr
    with sqlite3.connect(db) as c:
        assert c.execute("SELECT count(*), count(DISTINCT record_id) FROM records").fetchone() == (complete - 1,) * 2


def test_a_small_truncated_gz_keeps_its_rows_too(store, tmp_path):
    text = "\n".join([HEADER] + [row(f"G{i}") for i in range(200)]) + "\n"
    full = gzip.compress(text.encode())
    p = tmp_path / "small.csv.gz"
    p.write_bytes(full[: len(full) - 30])
    with pytest.raises(InputError) as exc:
        ingest_file(store, p, today=TODAY)
    assert "small.csv.gz" in str(exc.value) and "line" in str(exc.value)
    assert store.scalar("SELECT count(*) FROM records") > 100


# -- 4. a file in another encoding ------------------------------------------------------------
def cp1252_file(tmp_path, every: int = 3):
    lines = [HEADER]
    for i in range(300):
        lines.append(row(f"W{i}", first_name="Jos\u00e9" if i % every == 1 % every else "Ann",
                         city="Chicago\u2019s" if i == 299 else "Chicago"))
    p = tmp_path / "export.csv"
    p.write_bytes(("\n".join(lines) + "\n").encode("cp1252"))
    return p


@pytest.mark.parametrize("every", [3, 1, 50])  # accented names on a third, all, or a few rows
def test_a_cp1252_file_is_refused_in_one_line(tmp_path, every):
    p = cp1252_file(tmp_path, every)
    db = tmp_path / "s.db"
    out = cli(db, "ingest", str(p), "--today", "2026-01-01")
    assert out.returncode == 2
    msg = [ln for ln in out.stderr.splitlines() if ln.strip()]
    assert len(msg) == 1, out.stderr
    first_bad = 2 if every == 1 else 3
    assert "export.csv" in msg[0] and f"line {first_bad}" in msg[0] and "--encoding cp1252" in msg[0]
    with sqlite3.connect(db) as c:
        assert c.execute("SELECT count(*) FROM records").fetchone()[0] == 0
    ok = cli(db, "ingest", "--encoding", "cp1252", str(p), "--today", "2026-01-01")
    assert ok.returncode == 0, ok.stderr
    with sqlite3.connect(db) as c:
        assert c.execute("SELECT count(*) FROM records").fetchone()[0] == 300
        assert c.execute("SELECT first_name FROM records WHERE record_id='W1'").fetchone()[0] == "Jos\u00e9"
        assert c.execute("SELECT city FROM records WHERE record_id='W299'").fetchone()[0] == "Chicago\u2019s"
        assert c.execute("SELECT encoding FROM sources").fetchone()[0] == "cp1252"


def test_an_unknown_encoding_is_refused(tmp_path):
    p = cp1252_file(tmp_path)
    out = cli(tmp_path / "s.db", "ingest", "--encoding", "utf-16", str(p))
    assert out.returncode == 2 and "utf-16" in out.stderr


@pytest.mark.parametrize("name", ["utf-16", "utf-32", "utf-7", "unicode_escape", "no-such-codec"])
def test_encodings_that_cannot_be_read_line_by_line_are_refused(tmp_path, name):
    p = cp1252_file(tmp_path)
    with pytest.raises(InputError) as exc:
        open_source(p, encoding=name)
    assert name in str(exc.value)


@pytest.mark.parametrize("accents", [True, False])
def test_a_single_stray_byte_stays_one_quarantined_row(store, tmp_path, accents):
    lines = [row(f"U{i}", first_name="Se\u00e1n" if accents else "Sean").encode() for i in range(300)]
    lines[40] = lines[40].replace(b"Chicago", b"Chic\xe9go")
    p = tmp_path / "utf8.csv"
    p.write_bytes(HEADER.encode() + b"\n" + b"\n".join(lines) + b"\n")
    r = ingest_file(store, p, today=TODAY)
    assert (r.inserted, r.quarantined) == (299, 1)


def test_forcing_utf8_quarantines_row_by_row(store, tmp_path):
    p = cp1252_file(tmp_path)
    with pytest.raises(InputError):
        open_source(p)
    r = ingest_file(store, open_source(p, encoding="utf-8"), today=TODAY)
    assert (r.inserted, r.quarantined) == (199, 101)


# -- 5. control characters and ambiguous keys --------------------------------------------------
def test_jsonl_control_characters_and_case_twin_keys_are_quarantined(store, tmp_path):
    base = {"case_number": "C1", "statute": "s", "disposition": "d"}
    rows = [
        {"record_id": "ok1", **base, "offense_description": "tab\tand\nnewline"},
        {"record_id": "nul", **base, "offense_description": "a\u0000b"},
        {"record_id": "esc", **base, "case_number": "12CR\u001b]0;PWNED\u0007\u001b[2J"},
        {"record_id": "csi", **base, "court": "x\u009b31m"},
        {"record_id": "del", **base, "court": "x\u007f"},
        {"record_id": "twin", "Record_ID": "twin2", **base},
        {"record_id": "ok2", **base},
    ]
    p = tmp_path / "c.jsonl"
    p.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    r = ingest_file(store, p, today=TODAY)
    assert ids(store) == {"ok1", "ok2"}
    assert r.quarantined == 5
    q = dict(store.conn.execute("SELECT line, message FROM quarantine"))
    assert all("control character" in q[n] for n in (2, 3, 4, 5))
    assert "differ only in case" in q[6]


def test_csv_c0_and_c1_controls_are_quarantined_tab_is_not(store, tmp_path):
    lines = [HEADER, row("ok1", court="a\tb"), row("esc", court="a\x1b[2J"), row("csi", court="a\x9b2J"),
             row("bel", court="a\x07"), row("del", court="a\x7f"), row("ok2")]
    p = tmp_path / "c.csv"
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    r = ingest_file(store, p, today=TODAY)
    assert ids(store) == {"ok1", "ok2"}
    assert r.quarantined == 4


# -- 9. values only by their shape ---------------------------------------------------------------
def test_messages_show_values_by_shape_only(store, tmp_path):
    # the columns of two rows are shifted one place to the left: a surname lands in record_id
    shifted = ",".join((row("x").split(",")[1:]) + [""])
    lines = [HEADER, row("Quillfeatherz"), shifted.replace("12CR0001", "Quillfeatherz", 1),
             row("G2", offense_date="Quillfeatherz"), row("G3", weight_grams="1961-04-02"),
             row("G4", age_at_offense="Quillfeatherz"), row("G5", offense_date="1961-13-02"),
             row("G6", disposition_date="2099-01-01")]
    p = tmp_path / "s.csv"
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    ingest_file(store, p, today=TODAY)
    msgs = [m for (m,) in store.conn.execute("SELECT message FROM quarantine")]
    assert len(msgs) == 6
    for m in msgs:
        for value in ("Quillfeatherz", "1961-04-02", "1961-13-02", "2099-01-01", "12CR0001"):
            assert value not in m, m


def test_quarantine_masks_values_that_stores_of_earlier_versions_quoted():
    from clearterm.cli.records import masked_reason

    old = masked_reason("record_id", "record_id Quillfeatherz repeats line 2 of this file")
    assert "Quillfeatherz" not in old and old.endswith("repeats line 2 of this file")
    new = "offense_date (a 13-character text) is not a recognised date format"
    assert masked_reason("offense_date", new) == new
    # petitions and rulings name the dates of service and court (issue 16); a birth date stays masked
    served = "served_date 2027-01-10 is before filed_date 2027-01-12"
    assert masked_reason("served_date", served) == served
    assert "1961-04-02" not in masked_reason("date_of_birth", "date_of_birth 1961-04-02 is after the offense date")
