"""Large files take the staged path (a producer process writes rows to a scratch file that the
writer copies with INSERT ... SELECT). It must store exactly what the plain path stores."""

from __future__ import annotations

import os
import sqlite3
import stat

import pytest

import clearterm.ingest.pipeline as pipeline
from clearterm.bulk import Staging
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


def test_a_failure_mid_file_rolls_back_the_open_chunk_and_removes_the_scratch_file(tmp_path, monkeypatch):
    a = tmp_path / "first.csv"
    a.write_text(_csv([_row(i) for i in range(50)]), encoding="utf-8")
    d = tmp_path / "fail"
    d.mkdir(mode=0o700)
    store = open_store(d / "s.db")
    calls = {"n": 0}
    original = pipeline._Writer.write_staged

    def failing(self, *args):
        calls["n"] += 1
        if calls["n"] == 3:
            raise sqlite3.OperationalError("disk I/O error")
        return original(self, *args)

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
