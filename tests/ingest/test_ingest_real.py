"""The three real CCSAO extracts ingest with every row accounted for."""

from __future__ import annotations

import csv

from clearterm.ingest import ingest_file
from conftest import DISPOSITIONS, DIVERSION, SENTENCING, TODAY


def _rec(store, record_id):
    cur = store.conn.execute("SELECT * FROM records WHERE record_id = ?", (record_id,))
    row = cur.fetchone()
    return None if row is None else dict(zip([d[0] for d in cur.description], row))


def test_real_files_reconcile(store, realdata):
    d = ingest_file(store, DISPOSITIONS, today=TODAY)
    assert (d.rows_read, d.inserted, d.updated, d.unchanged, d.quarantined) == (2771, 2771, 0, 0, 0)
    v = ingest_file(store, DIVERSION, today=TODAY)
    assert (v.rows_read, v.inserted, v.updated, v.unchanged, v.quarantined) == (3517, 3517, 0, 0, 0)
    s = ingest_file(store, SENTENCING, today=TODAY)
    # 590 charges are in both Dispositions and Sentencing: Sentencing adds their sentence.
    # 20 charges have two Sentencing rows: 16 differ once mapped (history kept), 4 map identically.
    assert (s.rows_read, s.inserted, s.updated, s.unchanged, s.quarantined) == (4329, 3719, 606, 4, 0)
    for r in (d, v, s):
        assert r.balanced
    # every physical line: the header and one line per row (no blank or multi-line rows)
    for r, f in ((d, DISPOSITIONS), (v, DIVERSION), (s, SENTENCING)):
        physical = f.read_bytes().count(b"\n")
        assert (r.lines, r.header_lines, r.lines_stored, r.lines_quarantined, r.blank_lines) == \
               (physical, 1, r.rows_read, 0, 0)
    assert store.scalar("SELECT count(*) FROM records") == 2771 + 3517 + 3719
    assert store.scalar("SELECT count(*) FROM record_history") == 606
    # reconciliation is stored with the source
    rows = store.conn.execute("SELECT file_name, sha256, rows_read, inserted, updated, unchanged, quarantined,"
                              " status FROM sources ORDER BY id").fetchall()
    assert [r[0] for r in rows] == [DISPOSITIONS.name, DIVERSION.name, SENTENCING.name]
    assert all(len(r[1]) == 64 and r[7] == "complete" for r in rows)
    assert rows[2][2:7] == (4329, 3719, 606, 4, 0)


def test_real_ccsao_mapping(store, realdata):
    ingest_file(store, SENTENCING, today=TODAY)
    # first data row of the sentencing file, mapped field by field
    with open(SENTENCING, newline="", encoding="utf-8") as fh:
        first = next(csv.DictReader(fh))
    rec = _rec(store, f"{first['case_participant_id']}:{first['charge_version_id']}")
    assert rec["case_number"] == first["case_id"] == "129568558770"
    assert rec["person_id"] == "1079960508495"
    assert rec["statute"] == "720 ILCS 5/24-1.5(a)"
    assert rec["offense_class"] == "4"
    assert rec["disposition"] == "Plea Of Guilty"
    assert rec["disposition_date"] == "2019-04-08"  # from '4/8/2019 12:00:00 AM'
    assert rec["offense_date"] == "2018-12-31"
    assert rec["arrest_date"] == "2018-12-31"  # from '2018-12-31 22:55:00'
    assert rec["arresting_agency"] == "CHICAGO PD"
    assert rec["age_at_offense"] == 42
    assert rec["sentence"] == "Probation / Probation"
    assert rec["county"] == "Cook"


def test_sentencing_duplicate_keeps_current_sentence(store, realdata):
    ingest_file(store, SENTENCING, today=TODAY)
    # participant 1080506344319, charge 2536626154292: line 273 Boot Camp (not current), 274 Prison (current)
    rec = _rec(store, "1080506344319:" + _version_of(SENTENCING, 274))
    assert rec["sentence"].startswith("Prison")
    assert rec["source_line"] == 274
    hist = store.conn.execute("SELECT row_json, source_line, why FROM record_history WHERE record_id = ?",
                              (rec["record_id"],)).fetchall()
    assert len(hist) == 1 and hist[0][1] == 273 and "Boot Camp" in hist[0][0]


def _version_of(path, line):
    with open(path, newline="", encoding="utf-8") as fh:
        for n, row in enumerate(csv.DictReader(fh), start=2):
            if n == line:
                return row["charge_version_id"]
    raise AssertionError(line)


def test_attempt_and_merge_order_independent(store, realdata, tmp_path):
    """Sentencing then Dispositions gives the same records as the other order."""
    from clearterm.storage import open_store

    ingest_file(store, DISPOSITIONS, today=TODAY)
    ingest_file(store, SENTENCING, today=TODAY)
    other = open_store(tmp_path / "other.db")
    ingest_file(other, SENTENCING, today=TODAY)
    r = ingest_file(other, DISPOSITIONS, today=TODAY)
    assert r.unchanged == 590 and r.updated == 0  # dispositions carry no sentence: nothing lost
    q = "SELECT record_id, statute, disposition, sentence, offense_class FROM records ORDER BY record_id"
    assert store.conn.execute(q).fetchall() == other.conn.execute(q).fetchall()
    attempts = [r[1] for r in store.conn.execute(q) if "8-4(" in r[1]]
    assert "720 ILCS 5/8-4(550/4(d))" in attempts
    other.close()


def test_diversion_mapping(store, realdata):
    ingest_file(store, DIVERSION, today=TODAY)
    row = store.conn.execute(
        "SELECT record_id, case_number, statute, disposition, disposition_date FROM records ORDER BY id LIMIT 1"
    ).fetchone()
    assert row == ("710735386491:diversion:1", "382676253565", "720 ILCS 5/16A-3(a)",
                   "Diversion referral (MHC): Failed", "2012-09-14")
    open_referrals = store.scalar("SELECT count(*) FROM records WHERE disposition LIKE '%: open'")
    assert open_referrals == 721
