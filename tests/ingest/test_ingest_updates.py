"""Idempotency, updates with history, encodings and line endings."""

from __future__ import annotations

import gzip
import json

from clearterm.domain.record import CANONICAL_FIELDS
from clearterm.ingest import ingest_file
from conftest import TODAY

HEADER = ",".join(CANONICAL_FIELDS)


def csv_text(rows: list[dict]) -> str:
    lines = [HEADER]
    for r in rows:
        lines.append(",".join(str(r.get(f, "")) for f in CANONICAL_FIELDS))
    return "\n".join(lines) + "\n"


BASE = [
    {"record_id": f"R{i}", "case_number": f"C{i // 2}", "statute": "720 ILCS 550/4(b)",
     "disposition": "Plea Of Guilty", "offense_date": "2011-02-03", "offense_class": "B"}
    for i in range(6)
]


def snapshot(store):
    return (store.conn.execute("SELECT * FROM records ORDER BY id").fetchall(),
            store.conn.execute("SELECT * FROM record_history ORDER BY id").fetchall(),
            store.conn.execute("SELECT * FROM quarantine ORDER BY id").fetchall(),
            store.conn.execute("SELECT * FROM sources ORDER BY id").fetchall())


def test_same_file_twice_changes_nothing(store, tmp_path):
    p = tmp_path / "a.csv"
    p.write_text(csv_text(BASE))
    first = ingest_file(store, p, today=TODAY)
    assert (first.inserted, first.quarantined) == (6, 0)
    before = snapshot(store)
    again = ingest_file(store, p, today=TODAY)
    assert again.already and again.source_id == first.source_id
    assert snapshot(store) == before


def test_same_rows_in_another_file_are_unchanged(store, tmp_path):
    (tmp_path / "a.csv").write_text(csv_text(BASE))
    ingest_file(store, tmp_path / "a.csv", today=TODAY)
    # same records, different spelling of the dates and CRLF line endings, with a BOM
    rows = [dict(r, offense_date="2/3/2011") for r in BASE]
    (tmp_path / "b.csv").write_bytes(b"\xef\xbb\xbf" + csv_text(rows).replace("\n", "\r\n").encode())
    r = ingest_file(store, tmp_path / "b.csv", today=TODAY)
    assert (r.rows_read, r.inserted, r.updated, r.unchanged, r.quarantined) == (6, 0, 0, 6, 0)


def test_changed_row_is_an_update_with_history(store, tmp_path):
    (tmp_path / "a.csv").write_text(csv_text(BASE))
    src1 = ingest_file(store, tmp_path / "a.csv", today=TODAY)
    changed = [dict(r) for r in BASE]
    changed[2]["disposition"] = "Nolle Prosecution"
    changed.append({"record_id": "NEW", "case_number": "C9", "statute": "720 ILCS 550/5(a)", "disposition": "FNG"})
    (tmp_path / "b.jsonl").write_text("\n".join(json.dumps(r) for r in changed) + "\n")
    src2 = ingest_file(store, tmp_path / "b.jsonl", today=TODAY)
    assert (src2.rows_read, src2.inserted, src2.updated, src2.unchanged) == (7, 1, 1, 5)
    rec = store.conn.execute("SELECT disposition, version, source_id FROM records WHERE record_id='R2'").fetchone()
    assert rec == ("Nolle Prosecution", 2, src2.source_id)
    hist = store.conn.execute("SELECT version, row_json, source_id, source_line, replaced_by_source_id"
                              " FROM record_history WHERE record_id='R2'").fetchall()
    assert len(hist) == 1
    version, row_json, sid, line, by = hist[0]
    assert (version, sid, line, by) == (1, src1.source_id, 4, src2.source_id)
    assert json.loads(row_json)["disposition"] == "Plea Of Guilty"
    # the history is append-only
    import sqlite3

    import pytest
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        store.conn.execute("UPDATE record_history SET why = 'x'")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        store.conn.execute("DELETE FROM record_history")


def test_a_file_without_a_column_leaves_stored_values_alone(store, tmp_path):
    rows = [dict(r, sentence="Supervision") for r in BASE]
    (tmp_path / "a.csv").write_text(csv_text(rows))
    ingest_file(store, tmp_path / "a.csv", today=TODAY)
    # a narrower file: no sentence column at all
    narrow = "record_id,case_number,statute,disposition,offense_date,offense_class\n" + "".join(
        f"{r['record_id']},{r['case_number']},{r['statute']},{r['disposition']},{r['offense_date']},B\n" for r in BASE)
    (tmp_path / "narrow.csv").write_text(narrow)
    r = ingest_file(store, tmp_path / "narrow.csv", today=TODAY)
    assert r.unchanged == 6
    assert {s for (s,) in store.conn.execute("SELECT sentence FROM records")} == {"Supervision"}


def test_gzip_csv(store, tmp_path):
    p = tmp_path / "a.csv.gz"
    with gzip.open(p, "wt") as fh:
        fh.write(csv_text(BASE))
    r = ingest_file(store, p, today=TODAY)
    assert (r.rows_read, r.inserted) == (6, 6)


def test_store_file_is_private(store):
    import os
    import stat

    assert stat.S_IMODE(os.stat(store.path).st_mode) == 0o600
