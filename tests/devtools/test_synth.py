"""clearterm.devtools.synth: determinism, shape, realism and the dirty-row contract."""

from __future__ import annotations

import csv
import gzip
import io
import re
from collections import Counter, defaultdict
from datetime import date

import pytest

from clearterm.devtools import synth
from clearterm.domain.dates import DateError, parse_date
from clearterm.domain.record import CANONICAL_FIELDS, NON_EMPTY_FIELDS
from clearterm.devtools.synth import DIRTY_KINDS, generate

COL = {name: i for i, name in enumerate(CANONICAL_FIELDS)}
WIDTH = len(CANONICAL_FIELDS)
LAST = date(2021, 12, 31)
POST_2016 = date(2016, 7, 29)


def read_rows(path) -> tuple[list[str], list[list[str]]]:
    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    return rows[0], rows[1:]


@pytest.fixture(scope="module")
def big(tmp_path_factory):
    """20,000 clean rows, shared by the realism tests."""
    path = tmp_path_factory.mktemp("synth") / "big.csv"
    result = generate(path, 20_000, seed=2024)
    header, rows = read_rows(path)
    return result, header, rows


@pytest.fixture(scope="module")
def pair(tmp_path_factory):
    """The same seed written clean and with 8 % dirty rows."""
    d = tmp_path_factory.mktemp("pair")
    clean = generate(d / "clean.csv", 10_000, seed=99)
    dirty = generate(d / "dirty.csv", 10_000, seed=99, dirty_pct=8)
    return clean, read_rows(clean.path)[1], dirty, read_rows(dirty.path)[1]


# -- determinism --------------------------------------------------------------------------------
def test_same_seed_same_bytes_other_seed_other_bytes(tmp_path):
    a = generate(tmp_path / "a.csv", 3_000, seed=5, dirty_pct=5)
    b = generate(tmp_path / "b.csv", 3_000, seed=5, dirty_pct=5)
    c = generate(tmp_path / "c.csv", 3_000, seed=6, dirty_pct=5)
    assert a.path.read_bytes() == b.path.read_bytes()
    assert a.dirty_by_kind == b.dirty_by_kind
    assert a.path.read_bytes() != c.path.read_bytes()
    # beyond the record_id prefix: the content differs too
    strip = lambda p: re.sub(rb"S\d+-\d{8}", b"", p.read_bytes())  # noqa: E731
    assert strip(a.path) != strip(c.path)
    assert not list(tmp_path.glob("*.part"))


def test_gzip_output_is_deterministic_and_holds_the_same_csv(tmp_path):
    plain = generate(tmp_path / "x.csv", 2_000, seed=3, dirty_pct=2)
    gz1 = generate(tmp_path / "x.csv.gz", 2_000, seed=3, dirty_pct=2)
    gz2 = generate(tmp_path / "y.csv.gz", 2_000, seed=3, dirty_pct=2)
    raw = gz1.path.read_bytes()
    assert raw[:2] == b"\x1f\x8b"
    assert raw == gz2.path.read_bytes()
    assert raw[3] & 0x08 == 0 and raw[4:8] == b"\0\0\0\0"  # header: no file name (FNAME), MTIME 0
    assert gzip.decompress(raw) == plain.path.read_bytes()
    header, rows = read_rows(gz1.path)
    assert tuple(header) == CANONICAL_FIELDS and len(rows) == 2_000


# -- shape ------------------------------------------------------------------------------------
@pytest.mark.parametrize("n", [0, 1, 7, 12_345])
def test_exact_row_count_header_and_line_endings(tmp_path, n):
    res = generate(tmp_path / "n.csv", n, seed=1)
    data = res.path.read_bytes()
    assert b"\r" not in data
    header, rows = read_rows(res.path)
    assert tuple(header) == CANONICAL_FIELDS
    assert len(rows) == n == res.rows == res.clean_rows
    assert res.dirty_rows == 0 and set(res.dirty_by_kind) == set(DIRTY_KINDS)
    assert all(len(r) == WIDTH for r in rows)
    assert res.persons == len({r[COL["person_id"]] for r in rows})
    assert res.cases == len({(r[COL["person_id"]], r[COL["case_number"]]) for r in rows})


def test_record_ids_unique_and_well_formed(big):
    _, _, rows = big
    ids = [r[COL["record_id"]] for r in rows]
    assert len(set(ids)) == len(ids)
    assert ids[0] == "S2024-00000001" and ids[-1] == "S2024-00020000"


def test_people_have_several_cases_and_cases_several_charges(big):
    res, _, rows = big
    charges = Counter((r[COL["person_id"]], r[COL["case_number"]]) for r in rows)
    cases = defaultdict(set)
    for pid, case in charges:
        cases[pid].add(case)
    per_case = Counter(charges.values())
    per_person = Counter(len(v) for v in cases.values())
    assert set(per_case) == {1, 2, 3, 4} and per_case[2] + per_case[3] + per_case[4] > len(charges) / 3
    assert set(per_person) == {1, 2, 3} and per_person[2] + per_person[3] > len(cases) / 4
    assert res.persons == len(cases) and res.cases == len(charges)
    # a person's identity does not change between rows
    ident = defaultdict(set)
    for r in rows:
        pid = r[COL["person_id"]]
        assert re.fullmatch(r"IR\d{8}", pid)
        ident[pid].add(tuple(r[COL[f]] for f in ("last_name", "first_name", "address_line1", "city", "zip")))
    assert all(len(v) == 1 for v in ident.values())


# -- realism ----------------------------------------------------------------------------------
def test_clean_rows_are_valid(big):
    _, _, rows = big
    ages = []
    for r in rows:
        for f in NON_EMPTY_FIELDS:
            assert r[COL[f]], f
        d = {f: parse_date(r[COL[f]]) for f in ("date_of_birth", "offense_date", "arrest_date", "disposition_date")}
        for f, v in d.items():
            assert v is None or date(1900, 1, 1) <= v <= LAST, (f, r[COL[f]])
        off, arr, dis = d["offense_date"], d["arrest_date"], d["disposition_date"]
        assert off is None or off >= date(1985, 1, 1)
        if off and arr:
            assert 0 <= (arr - off).days <= 4
        if dis:
            assert arr is None and off is None or dis > (arr or off)
            assert r[COL["disposition"]]
        elif not r[COL["disposition"]]:
            assert not r[COL["disposition_date"]]  # pending: neither
        if d["date_of_birth"] and off:
            age = off.year - d["date_of_birth"].year - ((off.month, off.day) < (d["date_of_birth"].month,
                                                                                d["date_of_birth"].day))
            assert 15 <= age <= 70
            ages.append(age)
            if r[COL["age_at_offense"]]:
                assert int(r[COL["age_at_offense"]]) == age
        if r[COL["age_at_offense"]]:
            assert 15 <= int(r[COL["age_at_offense"]]) <= 70
        w = r[COL["weight_grams"]]
        if w:
            assert re.fullmatch(r"\d+\.\d", w) and float(w) > 0
        case = r[COL["case_number"]]
        m = re.fullmatch(r"(\d{2})CR\d{7}|(\d{4})MC([1-6])\d{7}|(\d{4})C[FM]\d{6}", case)
        assert m, case
        if m[3]:  # a misdemeanour's number names the Municipal District of its court
            assert r[COL["court"]].startswith(f"District {m[3]} ")
        m = re.fullmatch(r"(\d{2})CR\d{7}|(\d{4})MC[1-6]\d{7}|(\d{4})C[FM]\d{6}", case)
        assert (r[COL["county"]] == "Cook") == (m[3] is None)
        if off:
            assert int(m[1]) == off.year % 100 if m[1] else int(m[2] or m[3]) == off.year
        assert r[COL["state"]] == "IL" and re.fullmatch(r"\d{5}", r[COL["zip"]])
        assert r[COL["address_line1"]] and r[COL["city"]]
    assert any(a < 18 for a in ages) and max(ages) > 50


def test_shares_match_the_brief(big):
    _, _, rows = big
    n = len(rows)
    share = lambda pred: sum(1 for r in rows if pred(r)) / n  # noqa: E731
    assert 0.35 <= share(lambda r: r[COL["weight_grams"]]) <= 0.45
    assert 0.95 <= share(lambda r: r[COL["county"]] == "Cook") <= 0.99
    assert share(lambda r: r[COL["weight_grams"]] == "30.0") > 0.005
    no_offense = share(lambda r: not r[COL["offense_date"]])
    no_arrest = share(lambda r: not r[COL["arrest_date"]])
    neither = share(lambda r: not r[COL["offense_date"]] and not r[COL["arrest_date"]])
    assert 0.01 < no_offense < 0.04 and 0.02 < no_arrest < 0.06 and 0 < neither < 0.005
    assert 0.45 <= share(lambda r: "550" in r[COL["statute"]] or r[COL["statute"]].startswith("56")) <= 0.75
    assert 0.5 <= share(lambda r: re.fullmatch(r"\d{4}-\d\d-\d\d", r[COL["offense_date"]])) <= 0.6
    dispositions = Counter(r[COL["disposition"]] for r in rows)
    for value in ("Plea Of Guilty", "Finding Guilty", "Nolle Prosecution", "Case Dismissed", "FNG", "SOL",
                  "BFW", "Mistrial Declared", ""):
        assert dispositions[value] > 0, value
    classes = Counter(r[COL["offense_class"]] for r in rows)
    for value in ("C", "B", "A", "4", "3", "2", "1", "X", "O", "Z", "U", "P", ""):
        assert classes[value] > 0, value
    sentences = Counter(r[COL["sentence"]] for r in rows)
    for value in ("Probation", "Supervision", "Court Supervision", "710/410 Probation", "2nd Chance Probation",
                  "Jail", "Prison", "Conditional Discharge"):
        assert sentences[value] > 0, value
    conv = re.compile(r"plea|guilty|^pg$", re.I)
    assert all(conv.search(r[COL["disposition"]]) and not re.search(r"not guilty", r[COL["disposition"]], re.I)
               for r in rows if r[COL["sentence"]])
    text = "".join(r[COL["last_name"]] + r[COL["first_name"]] for r in rows)
    assert "'" in text and "ñ" in text and "ễ" in text
    assert {r[COL["county"]] for r in rows} == {"Cook", "DuPage", "Lake", "Will"}


SPELLINGS = {
    "ILCS slash": r"720 ILCS 550/4\([a-g]\)",
    "dash": r"720-550/4\([a-g]\)",
    "space, upper-case subsection": r"720 550/4\([A-G]\)",
    ".0 and -C": r"720 ILCS 550\.0/4-[A-G]",
    "dash and -C": r"720-550/5-[A-G]",
    "bracketed court code": r"720 ILCS 550 4\([a-g]\) \[\d{7}\]",
    "56.5-704-C": r"56\.5-704-[A-G]",
    "56 1/2-704(c)": r"56 1/2-704\([a-g]\)",
    "56 1/2-705.1": r"56 1/2-705\.1\(a\)|56\.5-705\.1-A",
    "56.5-705.2": r"56\.5-705\.2-[A-D]|56 1/2-705\.2\([a-d]\)",
    "56.5-708": r"56\.5-708-[A-E]|56 1/2-708\([a-e]\)",
    "attempt, ILCS in ILCS": r"720 ILCS 5/8-4\(720 ILCS 550/[45]\([a-g]\)\)",
    "attempt, act 5 section 8-4(550/..)": r"720 ILCS 5/8-4\(550/[45]\([a-g]\)\)",
    "attempt, dash": r"720-5/8-4\(720-550/[45]\([a-g]\)\)",
    "attempt, 38-8-4": r"38-8-4\((56\.5-70[45]-[A-G]|56 1/2-70[45]\([a-g]\))\)",
    "trailing /7": r"720 ILCS 550/[45]\([a-g]\)/7",
    "§5.1": r"720 ILCS 550/5\.1\(a\)",
    "§5.2": r"720 ILCS 550/5\.2\([a-d]\)",
    "§6": r"720 ILCS 550/6",
    "§8": r"720 ILCS 550/8\([a-e]\)",
    "paraphernalia": r"720 ILCS 600/3\.5",
    "controlled substance": r"720 ILCS 570/402\(c\)",
    "retail theft": r"720 ILCS 5/16A-3\(a\)",
    "domestic battery": r"720 ILCS 5/12-3\.2\(a\)\(1\)",
    "robbery": r"720 ILCS 5/18-1\(a\)",
    "DUI": r"625 ILCS 5/11-501\(a\)",
}


@pytest.mark.parametrize("name", sorted(SPELLINGS))
def test_every_statute_spelling_appears(big, name):
    _, _, rows = big
    pattern = re.compile(SPELLINGS[name])
    assert any(pattern.fullmatch(r[COL["statute"]]) for r in rows), name


def test_bracketed_court_codes_are_seven_digits(big):
    _, _, rows = big
    bracketed = [r[COL["statute"]] for r in rows if "[" in r[COL["statute"]]]
    assert len(bracketed) > 500
    assert all(re.fullmatch(r"720 ILCS 550 [\d.]+(\([a-g]\))? \[\d{7}\]", s) for s in bracketed)


def test_enhancement_column_and_date_spellings(big):
    _, _, rows = big
    enh = Counter(r[COL["enhancement"]] for r in rows)
    assert enh["550/7"] and enh["Section 7"] and set(enh) <= {"", "550/7", "Section 7", "720 ILCS 550/7"}
    forms = Counter()
    for r in rows:
        for f in ("offense_date", "arrest_date", "disposition_date", "date_of_birth"):
            v = r[COL[f]]
            if re.fullmatch(r"\d{4}-\d\d-\d\d", v):
                forms["iso"] += 1
            elif re.fullmatch(r"\d{1,2}/\d{1,2}/\d{4}", v):
                forms["us"] += 1
            elif re.fullmatch(r"\d{1,2}/\d{1,2}/\d{4} 12:00:00 AM", v):
                forms["us am"] += 1
            elif re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", v):
                forms["iso time"] += 1
            elif re.fullmatch(r"\d\d-[A-Z]{3}-\d\d", v):
                forms["dd-mon-yy"] += 1
            else:
                assert v == "", v
    assert set(forms) == {"iso", "us", "us am", "iso time", "dd-mon-yy"}
    assert forms["iso"] > sum(forms.values()) / 2


_BANDS_PRE = {"a": (0, 2.5), "b": (2.5, 10), "c": (10, 30), "d": (30, 500), "e": (500, 2000),
              "f": (2000, 5000), "g": (5000, 10**9)}
_BANDS_POST = dict(_BANDS_PRE, a=(0, 10), b=(10, 30), c=(30, 100), d=(100, 500))
_CLASSES = {  # (section, post-2016) -> subsection -> allowed classes, from CRTA-RULES.md
    ("4", False): {"a": "C", "b": "B", "c": "A4", "d": "43", "e": "3", "f": "2", "g": "1"},
    ("4", True): {"a": "O", "b": "B", "c": "A4", "d": "43", "e": "3", "f": "2", "g": "1"},
    ("5", False): {"a": "B", "b": "A", "c": "4", "d": "3", "e": "2", "f": "1", "g": "X"},
}


def test_cannabis_class_and_weight_follow_the_tables(big):
    _, _, rows = big
    plain = re.compile(r"720 ILCS 550/([45])\(([a-g])\)")
    checked = odd = 0
    for r in rows:
        m = plain.fullmatch(r[COL["statute"]])
        off = parse_date(r[COL["offense_date"]])
        if not m or not off or r[COL["enhancement"]]:
            continue
        sec, sub = m[1], m[2]
        post = sec == "4" and off >= POST_2016
        checked += 1
        if r[COL["offense_class"]] not in _CLASSES[sec, post][sub]:
            odd += 1
        if r[COL["weight_grams"]]:
            lo, hi = (_BANDS_POST if post else _BANDS_PRE)[sub]
            assert lo < float(r[COL["weight_grams"]]) <= hi, (r[COL["statute"]], off, r[COL["weight_grams"]])
    assert checked > 3_000
    assert 0.02 < odd / checked < 0.07  # the deliberate small share of inconsistent/missing/Z/U/P/O classes


# -- dirty rows -------------------------------------------------------------------------------
def test_dirty_count_and_kinds(pair):
    clean, clean_rows, dirty, dirty_rows = pair
    assert dirty.dirty_rows == round(10_000 * 8 / 100) == 800
    assert dirty.clean_rows == 10_000 - 800 and dirty.rows == 10_000
    assert sum(dirty.dirty_by_kind.values()) == 800
    assert set(dirty.dirty_by_kind) == set(DIRTY_KINDS)
    assert all(v == 100 for v in dirty.dirty_by_kind.values())  # dealt in rounds of eight
    assert (clean.persons, clean.cases) == (dirty.persons, dirty.cases)


def _kind_of(clean: list[str], row: list[str]) -> str:
    """Which single malformation turned ``clean`` into ``row``; asserts it really is malformed."""
    if len(row) != WIDTH:
        assert 3 <= len(row) < WIDTH and row == clean[:len(row)]
        return "truncated"
    diff = [i for i in range(WIDTH) if row[i] != clean[i]]
    name = CANONICAL_FIELDS[diff[0]]
    if name in ("record_id", "case_number", "statute"):
        assert diff == [COL[name]] and row[COL[name]] == ""
        return f"missing_{name}"
    if name == "weight_grams":
        assert diff == [COL[name]]
        v = row[COL[name]]
        try:
            assert float(v) < 0
        except ValueError:
            pass
        return "bad_weight"
    if name == "age_at_offense":
        assert diff == [COL[name]]
        v = row[COL[name]]
        assert not v.isdigit() or not 0 <= int(v) <= 120
        return "bad_age"
    if name == "disposition" or (name == "disposition_date" and "2109" in row[COL[name]]):
        # future_date: the disposition date (and, for a pending row, a BFW disposition)
        assert set(diff) <= {COL["disposition"], COL["disposition_date"]}
        if name == "disposition":
            assert clean[COL["disposition"]] == "" and row[COL["disposition"]] == "BFW"
        assert parse_date(row[COL["disposition_date"]]).year == 2109
        return "future_date"
    assert len(diff) == 1 and name in ("offense_date", "arrest_date", "disposition_date"), diff
    assert clean[COL[name]] != ""
    with pytest.raises(DateError):
        parse_date(row[COL[name]])
    return "bad_date"


def test_each_dirty_row_has_exactly_the_claimed_malformation(pair):
    _, clean_rows, dirty, dirty_rows = pair
    assert len(clean_rows) == len(dirty_rows)
    seen = Counter()
    for c, d in zip(clean_rows, dirty_rows):
        if c != d:
            seen[_kind_of(c, d)] += 1
    assert seen == Counter(dirty.dirty_by_kind)
    ids = [d[0] for d in dirty_rows if d[0]]
    assert len(ids) == len(set(ids)) == 10_000 - dirty.dirty_by_kind["missing_record_id"]
    # every clean row still passes the clean-row checks: the file differs only where claimed
    assert sum(1 for c, d in zip(clean_rows, dirty_rows) if c == d) == dirty.clean_rows


def test_bad_values_are_really_bad():
    for v in synth.BAD_DATES:
        with pytest.raises(DateError):
            parse_date(v)
    for v in synth.BAD_WEIGHTS:
        try:
            assert float(v) < 0
        except ValueError:
            pass
    for v in synth.BAD_AGES:
        assert not v.isdigit() or int(v) > 120


@pytest.mark.parametrize(("n", "pct", "expected"), [(7, 50, 4), (10, 25, 2), (9, 100, 9), (1000, 0.05, 0),
                                                    (1000, 0.25, 2), (1000, 0.35, 4), (8, 100, 8)])
def test_dirty_count_is_python_round(tmp_path, n, pct, expected):
    res = generate(tmp_path / "r.csv", n, seed=4, dirty_pct=pct)
    assert res.dirty_rows == expected == round(n * pct / 100)
    assert res.clean_rows == n - expected
    _, rows = read_rows(res.path)
    assert len(rows) == n
    if expected == 8:
        assert all(v == 1 for v in res.dirty_by_kind.values())


@pytest.mark.parametrize("kwargs", [dict(records=-1), dict(dirty_pct=-0.1), dict(dirty_pct=100.5),
                                    dict(dirty_pct=float("nan")), dict(records=2.5), dict(seed="1")])
def test_bad_arguments(tmp_path, kwargs):
    args = dict(records=10, seed=1, dirty_pct=0.0) | kwargs
    with pytest.raises(ValueError):
        generate(tmp_path / "bad.csv", **args)
    assert not list(tmp_path.iterdir())


def test_progress_is_reported(tmp_path, monkeypatch):
    monkeypatch.setattr(synth, "_CHUNK", 1_000)
    monkeypatch.setattr(synth, "PROGRESS_EVERY", 5_000)
    calls: list[int] = []
    generate(tmp_path / "p.csv", 12_345, seed=8, progress=calls.append)
    assert calls == [5_000, 10_000, 12_345]
    calls.clear()
    generate(tmp_path / "q.csv", 10_000, seed=8, progress=calls.append)
    assert calls == [5_000, 10_000]
    calls.clear()
    monkeypatch.setattr(synth, "_CHUNK", 3_000)  # not a divisor: reported at the next chunk boundary
    generate(tmp_path / "r.csv", 12_345, seed=8, progress=calls.append)
    assert calls == [6_000, 12_000, 12_345]


def test_clean_content_does_not_depend_on_chunking(tmp_path, monkeypatch):
    a = generate(tmp_path / "a.csv", 3_000, seed=12, dirty_pct=3).path.read_bytes()
    monkeypatch.setattr(synth, "_CHUNK", 7)
    b = generate(tmp_path / "b.csv", 3_000, seed=12, dirty_pct=3).path.read_bytes()
    assert a == b
    assert io.StringIO(a.decode("utf-8")).readline().rstrip("\n") == ",".join(CANONICAL_FIELDS)


def test_the_ingest_quarantines_exactly_the_dirty_rows(tmp_path):
    """End to end with the project's own validating ingest (skipped while it is not there)."""
    ingest = pytest.importorskip("clearterm.ingest")
    store_mod = pytest.importorskip("clearterm.storage.store")
    res = generate(tmp_path / "e2e.csv.gz", 2_000, seed=77, dirty_pct=10)
    with store_mod.open_store(tmp_path / "e2e.sqlite") as store:
        got = ingest.ingest_file(store, res.path, today=date(2025, 1, 1))
        assert (got.rows_read, got.inserted, got.quarantined) == (2_000, res.clean_rows, res.dirty_rows)
        fields = Counter(f for (f,) in store.conn.execute("SELECT field FROM quarantine"))
    k = res.dirty_by_kind
    assert fields["record_id"] == k["missing_record_id"] and fields["statute"] == k["missing_statute"]
    assert fields["case_number"] == k["missing_case_number"] and fields[None] == k["truncated"]
    assert fields["weight_grams"] == k["bad_weight"] and fields["age_at_offense"] == k["bad_age"]
    assert fields["offense_date"] + fields["arrest_date"] + fields["disposition_date"] == (
        k["bad_date"] + k["future_date"])


def test_the_citation_parser_reads_every_generated_statute(big):
    """Cross-check with the project's parser (skipped while it is not there)."""
    citation = pytest.importorskip("clearterm.domain.citation")
    _, _, rows = big
    for st, enh in {(r[COL["statute"]], r[COL["enhancement"]]) for r in rows}:
        c = citation.parse_citation(st, enhancement=enh or None)
        assert c.attempt == ("8-4(" in st), st
        assert c.enhancement == bool(enh or st.endswith("/7")), (st, enh)
        assert c.is_cannabis == bool(re.search(r"(^|\D)550\D|^56|^38", st)), st
