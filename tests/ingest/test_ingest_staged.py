"""Large files take the staged path (a producer process writes rows to a scratch file that the
writer copies with INSERT ... SELECT). It must store exactly what the plain path stores."""

from __future__ import annotations

import os
import sqlite3
import stat

import pytest

import clearterm.ingest.pipeline as pipeline
from clearterm.services.bulk import Staging
from clearterm.domain.record import CANONICAL_FIELDS
from clearterm.ingest import ingest_file
from clearterm.storage import open_store
from conftest import SENTENCING, TODAY

HEADER = ",".join(CANONICAL_FIELDS)


def _csv(rows: list[dict]) -> str:
    return HEADER + "\n" + "".join(",".join(str(r.get(f, "")) for f in CANONICAL_FIELDS) + "\n" for r in rows)


def _row(i: int, **over) -> dict:
    r = {"record_id": f"R{i}", "case_number": f"C{i // 3}", "person_id": f"P{i // 6}", "statute": "720 ILCS 550/4(b)",
         "disposition": "Plea Of Guilty", "offense_date": "2011-02-03", "offense_class": "B",
         "last_name": "O'Brien", "first_name": "José"}
    r.update(over)
    return r


FIRST = [_row(i) for i in range(60)]
FIRST[13] = _row(13, offense_date="2011-02-31")  # quarantined: no such date
FIRST[20] = _row(5)  # a repeat of an earlier record in the same file (another chunk)
FIRST[21] = _row(21, statute="")  # quarantined: required field empty
FIRST[40] = _row(41)  # a repeat within the same chunk (R41 follows)
SECOND = ([_row(i, disposition="Finding Guilty") for i in range(0, 10)]  # updates
          + [_row(i) for i in range(10, 20)]  # unchanged
          + [_row(i) for i in range(100, 130)])  # new


def _snapshot(store) -> tuple:
    q = store.conn.execute
    return (q("SELECT record_id, " + ", ".join(CANONICAL_FIELDS[1:]) + ", version, source_id, source_line"
              " FROM records ORDER BY record_id").fetchall(),
            q("SELECT record_id, version, row_json, source_id, source_line, why FROM record_history"
              " ORDER BY record_id, version").fetchall(),
            q("SELECT source_id, file_name, line, field, message FROM quarantine ORDER BY source_id, line").fetchall(),
            q("SELECT file_name, rows_read, inserted, updated, unchanged, quarantined, lines_done, status"
              " FROM sources ORDER BY id").fetchall())


def _load(tmp_path, name: str, parallel: bool, files) -> tuple:
    d = tmp_path / name
    d.mkdir(mode=0o700)
    store = open_store(d / "s.db")
    results = [ingest_file(store, f, today=TODAY, parallel=parallel, chunk_rows=7) for f in files]
    snap = _snapshot(store)
    left = sorted(os.listdir(d))
    store.close()
    return results, snap, left


def test_staged_path_stores_what_the_plain_path_stores(tmp_path):
    a, b = tmp_path / "first.csv", tmp_path / "second.csv"
    a.write_text(_csv(FIRST), encoding="utf-8")
    b.write_text(_csv(SECOND), encoding="utf-8")
    plain_results, plain, _ = _load(tmp_path, "plain", False, [a, b])
    staged_results, staged, left = _load(tmp_path, "staged", True, [a, b])
    assert staged == plain
    for p, s in zip(plain_results, staged_results):
        assert (p.rows_read, p.inserted, p.updated, p.unchanged, p.quarantined) == \
               (s.rows_read, s.inserted, s.updated, s.unchanged, s.quarantined)
        assert s.balanced
    first = staged_results[0]
    assert (first.rows_read, first.quarantined) == (60, 4)  # 2 bad rows, 2 repeats
    second = staged_results[1]
    # R13 was quarantined in the first file, so it is new in the second
    assert (second.inserted, second.updated, second.unchanged) == (31, 10, 9)
    # the scratch file is gone once the run ends
    assert not [f for f in left if f.endswith(Staging.SUFFIX)]


def test_staged_path_on_real_sentencing_groups(tmp_path, realdata):
    """CCSAO sentencing repeats charges (grouped rows applied last): same result both ways."""
    _, plain, _ = _load(tmp_path, "plain", False, [SENTENCING])
    _, staged, _ = _load(tmp_path, "staged", True, [SENTENCING])
    assert staged == plain


def test_staging_file_is_private_and_stale_ones_are_removed(tmp_path):
    d = tmp_path / "s"
    d.mkdir(mode=0o700)
    store_path = d / "s.db"
    stale = d / "s.db.ingest-999999999.stage"  # a pid that cannot be running
    stale.write_text("left by a killed run")
    st = Staging(store_path, "ingest", pipeline.STAGE_SCHEMA)
    try:
        assert not stale.exists()
        assert stat.S_IMODE(os.stat(st.path).st_mode) == 0o600
        conn = st.connect()
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        conn.close()
    finally:
        st.remove()
    assert not os.path.exists(st.path)


@pytest.mark.parametrize("segmented", [False, True])
def test_a_failure_mid_file_rolls_back_the_open_chunk_and_removes_the_scratch_file(tmp_path, monkeypatch,
                                                                                   segmented):
    a = tmp_path / "first.csv"
    a.write_text(_csv([_row(i) for i in range(50)]), encoding="utf-8")
    if segmented:  # two producers: chunks still land in file order, so the same prefix is stored
        monkeypatch.setattr(pipeline, "SEGMENT_MIN_BYTES", 0)
        monkeypatch.setattr("clearterm.ingest.readers.MAX_QUOTED_LINES", 3)
    d = tmp_path / "fail"
    d.mkdir(mode=0o700)
    store = open_store(d / "s.db")
    calls = {"n": 0}
    original = pipeline._Writer.write_staged

    def failing(self, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 3:
            raise sqlite3.OperationalError("disk I/O error")
        return original(self, *args, **kwargs)

    monkeypatch.setattr(pipeline._Writer, "write_staged", failing)
    with pytest.raises(sqlite3.OperationalError):
        ingest_file(store, a, today=TODAY, parallel=True, chunk_rows=7)
    # two chunks committed, the failing one not; the source says where to resume
    assert store.scalar("SELECT count(*) FROM records") == 14
    assert store.scalar("SELECT lines_done FROM sources") == 15
    assert not [f for f in os.listdir(d) if f.endswith(Staging.SUFFIX)]
    monkeypatch.setattr(pipeline._Writer, "write_staged", original)
    again = ingest_file(store, a, today=TODAY, parallel=True, chunk_rows=7)
    assert again.resumed and store.scalar("SELECT count(*) FROM records") == 50
    store.close()


# -- several producers, one per segment of the file ---------------------------------------------
def _tricky_csv(n: int) -> str:
    """Canonical CSV with multi-line quoted fields, unterminated quotes, blank lines and CRLF.

    They come in stretches of 300 rows separated by 300 plain rows, so that safe cuts exist, just
    after a tricky stretch.
    """
    out = [HEADER]
    for i in range(n):
        r = _row(i)
        tricky = (i // 300) % 2 == 0
        if tricky and i % 37 == 5:  # a description spanning three lines
            r["offense_description"] = '"POSS CANNABIS\nSECOND LINE, WITH COMMA\nTHIRD"'
        if tricky and i % 53 == 17:
            r["offense_description"] = '"UNTERMINATED'  # swallows nothing: its line alone is quarantined
        if i % 50 == 3:
            out.append("")
        out.append(",".join(str(r.get(f, "")) for f in CANONICAL_FIELDS))
    return "\r\n".join(out) + "\r\n"


@pytest.mark.parametrize("parts", [2, 3, 5])
def test_segments_read_exactly_what_the_whole_file_reads(tmp_path, parts):
    from clearterm.ingest.readers import iter_rows, open_source, split_segments

    f = tmp_path / "tricky.csv"
    f.write_text(_tricky_csv(3000), encoding="utf-8")
    src = open_source(f)
    segments = split_segments(src, parts)
    assert len(segments) == parts
    assert segments[0].start == 0 and segments[-1].end is None
    assert all(a.end == b.start for a, b in zip(segments, segments[1:]))

    def key(rows):
        return [(r.line, r.fields, r.problem) for r in rows]

    whole = key(iter_rows(src))
    pieced = [x for seg in segments for x in key(iter_rows(src, seg))]
    assert pieced == whole
    assert any(p and p[1].startswith("unterminated quoted field") for _, _, p in whole)


def test_jsonl_segments_read_exactly_what_the_whole_file_reads(tmp_path):
    import json as _json

    from clearterm.ingest.readers import iter_rows, open_source, split_segments

    f = tmp_path / "rows.jsonl"
    lines = [_json.dumps(_row(i)) for i in range(2000)]
    lines[700] = "{not json"
    f.write_text("\n".join(lines) + "\n", encoding="utf-8")
    src = open_source(f)
    segments = split_segments(src, 2)
    assert len(segments) == 2
    whole = [(r.line, r.obj, r.problem) for r in iter_rows(src)]
    pieced = [(r.line, r.obj, r.problem) for seg in segments for r in iter_rows(src, seg)]
    assert pieced == whole


def test_a_file_with_no_safe_cut_is_read_whole(tmp_path):
    from clearterm.ingest.readers import open_source, split_segments

    f = tmp_path / "odd.csv"
    # every data line has an odd number of quotes: no run of even lines anywhere
    f.write_text(HEADER + "\n" + "".join('a"b\n' for _ in range(1000)), encoding="utf-8")
    assert len(split_segments(open_source(f), 2)) == 1


def test_segmented_ingest_stores_what_the_plain_path_stores(tmp_path, monkeypatch):
    rows = [_row(i) for i in range(3000)]
    rows[2500] = _row(10)  # repeats a record of the first segment
    rows[2600] = _row(2601)  # repeats within the second segment (R2601 follows)
    rows[1700] = _row(1700, offense_date="2011-13-01")  # quarantined
    a = tmp_path / "big.csv"
    a.write_text(_csv(rows), encoding="utf-8")
    b = tmp_path / "tricky.csv"
    b.write_text(_tricky_csv(3000).replace("R", "T"), encoding="utf-8")
    plain_results, plain, _ = _load(tmp_path, "plain", False, [a, b])
    monkeypatch.setattr(pipeline, "SEGMENT_MIN_BYTES", 0)
    monkeypatch.setattr(pipeline, "PRODUCERS", 3)
    calls = []
    original = pipeline._ingest_segments
    monkeypatch.setattr(pipeline, "_ingest_segments", lambda *a, **k: calls.append(len(a[4])) or original(*a, **k))
    seg_results, segmented, left = _load(tmp_path, "segmented", True, [a, b])
    assert calls == [3, 3]  # both files were split three ways
    assert segmented == plain
    for p, s in zip(plain_results, seg_results):
        assert (p.rows_read, p.inserted, p.updated, p.unchanged, p.quarantined) == \
               (s.rows_read, s.inserted, s.updated, s.unchanged, s.quarantined)
    assert not [f for f in left if f.endswith(Staging.SUFFIX)]
