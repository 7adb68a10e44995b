"""A malformed corpus: each bad row gets its expected quarantine reason, good rows still land."""

from __future__ import annotations

import gzip
import json

import pytest

from clearterm.domain.record import CANONICAL_FIELDS
from clearterm.ingest import InputError, ingest_file
from conftest import TODAY

HEADER = ",".join(CANONICAL_FIELDS)


def row(**over) -> str:
    base = {f: "" for f in CANONICAL_FIELDS}
    base.update(record_id="R1", case_number="12CR0001", statute="720 ILCS 550/4(c)",
                disposition="Plea Of Guilty", person_id="P1", last_name="O'Brien", first_name="Seán",
                date_of_birth="1980-02-03", offense_date="2012-03-04", arrest_date="3/4/2012",
                disposition_date="2012-05-06 00:00:00", offense_class="A", weight_grams="12.5",
                county="Cook", address_line1="12 Main St", city="Chicago", state="IL", zip="60601")
    base.update(over)
    out = []
    for f in CANONICAL_FIELDS:
        v = base[f]
        out.append('"' + v.replace('"', '""') + '"' if any(c in v for c in ',"\n') else v)
    return ",".join(out)


def corpus() -> tuple[bytes, dict[int, tuple[str | None, str]], int]:
    """The file's bytes, {line: (field, message fragment)} for bad rows, and the good-row count."""
    lines: list[bytes] = [HEADER.encode()]
    expect: dict[int, tuple[str | None, str]] = {}
    good = 0

    def add(text: str | bytes, bad: tuple[str | None, str] | None = None):
        nonlocal good
        lines.append(text if isinstance(text, bytes) else text.encode())
        if bad:
            expect[len(lines)] = bad
        else:
            good += 1

    add(row(record_id="G1"))
    add(row(record_id="B1", disposition_date="2109-04-22"), ("disposition_date", "disposition_date (a date-like value shaped 9999-99-99) is in the future"))
    add(row(record_id="B2", offense_date="2019-13-45"), ("offense_date", "offense_date (a date-like value shaped 9999-99-99) is not a valid calendar date"))
    add(row(record_id="B3", arrest_date="yesterday"), ("arrest_date", "arrest_date (a 9-character text) is not a recognised date format"))
    add(row(record_id="B4", date_of_birth="31/31/1990"), ("date_of_birth", "date_of_birth is not a valid calendar date"))
    add(row(record_id="B5", offense_date="1850-01-01"), ("offense_date", "is before 1900"))
    add(row(record_id=""), ("record_id", "record_id is empty (required)"))
    add(row(record_id="B7", statute=""), ("statute", "statute is empty (required)"))
    add(row(record_id="B8", case_number="  "), ("case_number", "case_number is empty (required)"))
    add(row(record_id="B9", weight_grams="twelve"), ("weight_grams", "weight_grams (a 6-character text) is not a number"))
    add(row(record_id="B10", weight_grams="-3"), ("weight_grams", "is not a weight in grams"))
    add(row(record_id="B11", age_at_offense="abc"), ("age_at_offense", "is not a whole number"))
    # a shifted column: a name and a date of birth where a date is due, a date of birth as a weight;
    # only their shapes are kept in the message (issue 13: never the value itself)
    add(row(record_id="B12", offense_date="Quillfeather 1961-04-02"),
        ("offense_date", "offense_date (a 23-character text) is not a recognised date format"))
    add(row(record_id="B13", weight_grams="1961-04-02"), ("weight_grams", "weight_grams (a date-like value shaped 9999-99-99) is not a number"))
    add(row(record_id="B14", arrest_date="12-MAR-2109"), ("arrest_date", "arrest_date (a date-like value shaped 99-AAA-9999) is in the future"))
    add(row(record_id="B12", age_at_offense="250"), ("age_at_offense", "outside 0-120"))
    add(row(record_id="G2"))
    add(row(record_id="B13")[: len(row(record_id="B13")) // 3], (None, "truncated line?"))
    add(b"\x89PNG\x1a\x00\x00IHDR\xff\xfe\xfd", (None, "not valid UTF-8 text"))
    add("G3-not-really\x00,binary", (None, "NUL bytes"))
    add("B15,C\x07\x1b[31m,720 ILCS 550/4(c)", (None, "control characters"))
    add(row(record_id="B16", offense_description="x" * 10_000_000), ("offense_description", "10,000,000 characters long"))
    add(row(record_id="G1", statute="720 ILCS 550/4(b)"), ("record_id", "record_id repeats line 2 of this file"))
    add(row(record_id="B18").replace(",", ";"), (None, "wrong delimiter?"))
    add(row(record_id="B19") + ",extra", (None, f"expected {len(CANONICAL_FIELDS)} fields, found {len(CANONICAL_FIELDS) + 1}"))
    add('B20,"12CR0001,720 ILCS 550/4(c),Plea Of Guilty', (None, "unterminated quoted field"))
    add(row(record_id="G7", language="Español"))  # stored as the code: es
    # the language column only picks the letters' language: a word clearterm does not know, or a
    # placeholder, is stored as unknown (the person gets every language) and never quarantines the row
    add(row(record_id="G8", language="Quillfeather"))
    add(row(record_id="G9", language="Polish"))  # a language clearterm knows: its ISO code, pl
    add(row(record_id="G10", language="N/A"))
    add(row(record_id="G11", language="Unknown"))
    add(row(record_id="G4", offense_description='multi\nline "quoted" title'))
    add(row(record_id="G5", disposition_date="05-JUN-12", offense_date="2012-06-01", arrest_date="2012-06-01"))
    add("")  # blank line: not a row
    good -= 1
    add(row(record_id="G6", disposition=""))  # pending: an empty disposition is allowed
    data = b"\n".join(lines) + b"\n"
    return data, expect, good


def malformed_lines(path) -> int:
    data = path.read_bytes()
    return data.count(b"\n") + (0 if data.endswith(b"\n") else 1)


@pytest.fixture
def malformed(tmp_path):
    data, expect, good = corpus()
    p = tmp_path / "malformed.csv"
    p.write_bytes(data)
    return p, expect, good


def test_each_bad_row_gets_its_reason(store, malformed):
    path, expect, good = malformed
    r = ingest_file(store, path, today=TODAY)
    assert r.balanced
    assert r.quarantined == len(expect)
    assert r.inserted == good
    assert r.rows_read == len(expect) + good
    # every physical line: the header, the good rows (G4 spans two lines), the bad ones, one blank
    assert r.lines == malformed_lines(path) == 1 + (good + 1) + len(expect) + 1
    assert (r.header_lines, r.lines_stored, r.lines_quarantined, r.blank_lines) == (1, good + 1, len(expect), 1)
    got = {line: (field, msg) for line, field, msg in
           store.conn.execute("SELECT line, field, message FROM quarantine")}
    assert set(got) == set(expect)
    for line, (field, fragment) in expect.items():
        assert got[line][0] == field, (line, got[line])
        assert fragment in got[line][1], (line, got[line])
    ids = {r[0] for r in store.conn.execute("SELECT record_id FROM records")}
    assert ids == {"G1", "G2", "G4", "G5", "G6", "G7", "G8", "G9", "G10", "G11"}
    langs = dict(store.conn.execute("SELECT record_id, language FROM records WHERE record_id IN "
                                    "('G7', 'G8', 'G9', 'G10', 'G11')"))
    assert langs == {"G7": "es", "G8": None, "G9": "pl", "G10": None, "G11": None}
    g4 = store.conn.execute("SELECT offense_description FROM records WHERE record_id='G4'").fetchone()[0]
    assert g4 == 'multi\nline "quoted" title'
    g5 = store.conn.execute("SELECT disposition_date FROM records WHERE record_id='G5'").fetchone()[0]
    assert g5 == "2012-06-05"


def test_quarantine_messages_never_show_personal_data(store, malformed):
    path, _, _ = malformed
    ingest_file(store, path, today=TODAY)
    messages = " ".join(m for (m,) in store.conn.execute("SELECT message FROM quarantine"))
    for pii in ("O'Brien", "Seán", "1980-02-03", "31/31/1990", "12 Main St", "60601"):
        assert pii not in messages


def test_the_same_corpus_as_jsonl_gz(store, tmp_path):
    rows = [
        {"record_id": "J1", "case_number": "C1", "statute": "720 ILCS 550/4(b)", "disposition": "FNG",
         "offense_date": "2010-01-02", "weight_grams": 3.5, "age_at_offense": 30},
        {"record_id": "J2", "case_number": "C1", "statute": "720 ILCS 550/4(b)", "disposition": "FNG",
         "offense_date": "2010-13-02"},
        {"record_id": "J3", "case_number": "C1", "statute": "", "disposition": "FNG"},
        {"record_id": "J4", "case_number": "C1", "statute": "x", "disposition": "FNG", "court": {"a": 1}},
    ]
    lines = [json.dumps(r) for r in rows] + ["{not json", "[1, 2]", ""]
    p = tmp_path / "rows.jsonl.gz"
    with gzip.open(p, "wt", encoding="utf-8") as fh:
        fh.write("\n".join(lines) + "\n")
    r = ingest_file(store, p, today=TODAY)
    assert (r.rows_read, r.inserted, r.quarantined) == (6, 1, 5)
    assert (r.lines, r.header_lines, r.lines_stored, r.lines_quarantined, r.blank_lines) == (7, 0, 1, 5, 1)
    assert r.balanced
    got = dict(store.conn.execute("SELECT line, message FROM quarantine"))
    assert "not a valid calendar date" in got[2]
    assert "statute is empty" in got[3]
    assert "nested JSON" in got[4]
    assert "not valid JSON" in got[5]
    assert got[6] == "not a JSON object"
    assert store.conn.execute("SELECT weight_grams, age_at_offense FROM records").fetchone() == (3.5, 30)


@pytest.mark.parametrize(
    "content, fragment",
    [
        (b"\x00\x01\x02\x03binary\xff\xfe" * 50, "not UTF-8 text"),
        ("record_id;case_number;statute;disposition\nR1;C1;x;y\n".encode(), "separated by semicolons"),
        (b"record_id,case_number,statute\nR1,C1,x\n", "missing required column(s): disposition"),
        ("Nom,Prénom\nA,B\n".encode("latin-1"), "not UTF-8 text"),
        (b"", "the file is empty"),
        (b'[{"record_id": "x"}]', "not CSV or JSON Lines"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "not CSV or JSON Lines"),
    ],
)
def test_unreadable_files_are_refused_whole(store, tmp_path, content, fragment):
    p = tmp_path / "bad.csv"
    p.write_bytes(content)
    with pytest.raises(InputError) as exc:
        ingest_file(store, p, today=TODAY)
    assert str(exc.value).startswith("bad.csv: ")
    assert fragment in str(exc.value)
    assert set(store.counts().values()) == {0}
