"""clearterm report (issue 18): its counts equal stats and the store, on a demo-like store
(synthetic records plus the real CCSAO extracts) and on the real extracts alone; the public
report suppresses every count under 11 and names nobody; the command writes its files 0600
and records an audit entry."""

from __future__ import annotations

import json
import stat
from datetime import date, timedelta

import pytest
from typer.testing import CliRunner

from clearterm.cli.main import app
from clearterm.devtools.synth import generate
from clearterm.domain.policy import Policy
from clearterm.domain.report import (COOK_DISTRICTS, GENDER_SPELLINGS, GENDERS, HISPANIC, NOT_RECORDED, RACE_SPELLINGS,
                                     RACES, STAGES, district_category, gender_category, race_category)
from clearterm.domain.suppression import THRESHOLD
from clearterm.ingest import ingest_file
from clearterm.services import access, review
from clearterm.services.evaluate import evaluate_store
from clearterm.services.report import build_report
from clearterm.services.research import research_counts
from clearterm.storage import open_store, reports
from clearterm.storage.reviews import current_version
from conftest import DISPOSITIONS, DIVERSION, SENTENCING, TODAY

REVIEWERS = ("alice", "bob")
SERVED = "2026-10-01"


LATE_SERVED = "2026-06-01"  # deadline 2026-07-31: an objection on TODAY is late


def _review_some(store) -> dict[str, list[int]]:
    """Approve 30 automatic cases, object to 12 petition cases (served), defer 5 review cases,
    and object late to 3 more petition cases (served long ago; the reviewer confirms it late)."""
    conn = store.conn
    done: dict[str, list[int]] = {"approve": [], "object": [], "defer": [], "late": []}
    for track, action, n in (("automatic", "approve", 30), ("petition", "object", 12), ("review", "defer", 5)):
        ids = [r[0] for r in conn.execute("SELECT id FROM cases WHERE track = ? ORDER BY id LIMIT ?", (track, n))]
        for k, cid in enumerate(ids):
            kw = {"ground": "criteria_not_met", "served": SERVED, "note": "n"} if action == "object" else {}
            review.act(store, cid, action, reviewer=REVIEWERS[k % 2], expected_version=current_version(conn, cid),
                       today=TODAY, **kw)
            done[action].append(cid)
    ids = [r[0] for r in conn.execute("SELECT id FROM cases WHERE track = 'petition' AND id NOT IN"
                                      f" ({','.join(map(str, done['object']))}) ORDER BY id LIMIT 3")]
    for cid in ids:
        kw = {"ground": "law_enforcement", "served": LATE_SERVED, "note": "n", "today": TODAY}
        with pytest.raises(review.LateObjection):  # not recorded until the reviewer confirms it late
            review.act(store, cid, "object", reviewer="alice", expected_version=current_version(conn, cid), **kw)
        review.act(store, cid, "object", reviewer="alice", expected_version=current_version(conn, cid),
                   confirm_late=True, **kw)
        done["late"].append(cid)
    return done


def _lifecycle(conn, approved: list[int]) -> None:
    """A batch of the first 20 approved cases, filed; 15 granted, 3 denied; 12 letters mailed."""
    now = "2026-11-20T10:00:00Z"
    # flagging happens now (the evaluation's wall-clock start): filing and rulings come after it
    filed, ruled, mailed = (str(date.today() + timedelta(days=k)) for k in (3, 10, 12))
    with conn:
        conn.execute("INSERT INTO batches (id, label, track, status, created_at, created_by)"
                     " VALUES (1, 'B-1', 'automatic', 'open', ?, 'alice')", (now,))
        for pos, cid in enumerate(approved[:20]):
            num, pid = conn.execute("SELECT case_number, person_id FROM cases WHERE id = ?", (cid,)).fetchone()
            conn.execute("INSERT INTO batch_cases VALUES (1, ?, ?, ?, ?, 'approved', 1)", (pos, cid, num, pid))
        conn.execute("INSERT INTO batch_filings (batch_id, kind, filed_date, court_date, actor, created_at)"
                     " VALUES (1, 'filed', ?, ?, 'alice', ?)", (filed, ruled, now))
        for k, cid in enumerate(approved[:18]):
            ruling = "granted" if k < 15 else "denied"
            conn.execute("INSERT INTO rulings (case_id, batch_id, ruling, ruling_date, actor, created_at)"
                         " VALUES (?, 1, ?, ?, 'alice', ?)", (cid, ruling, ruled, now))
        for cid in approved[:12]:
            conn.execute("INSERT INTO case_notices (case_id, batch_id, kind, sent_date, actor, created_at)"
                         " VALUES (?, 1, 'letter_granted', ?, 'alice', ?)", (cid, mailed, now))


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    if not DISPOSITIONS.exists():
        pytest.skip("real data not found")
    d = tmp_path_factory.mktemp("report")
    d.chmod(0o700)
    store = open_store(d / "demo.db", synchronous="NORMAL")
    generate(d / "synthetic.csv", 3000, 2019, 1.0)
    for f in (d / "synthetic.csv", DISPOSITIONS, DIVERSION, SENTENCING):
        ingest_file(store, f, today=TODAY)
    evaluate_store(store, Policy(), TODAY)
    access.add_user(store, "alice", ["admin", "reviewer", "signer"], actor="alice")
    access.add_user(store, "bob", ["reviewer"], actor="alice")
    done = _review_some(store)
    _lifecycle(store.conn, done["approve"])
    yield store, done
    store.close()


def _flagged_sql(conn, where: str = "", params: tuple = ()) -> tuple[int, int]:
    """(convictions, people) flagged, straight from the tables."""
    return conn.execute(
        "SELECT count(*), count(DISTINCT d.person_id) FROM decision_current c JOIN decisions d ON d.id = c.decision_id"
        " JOIN records r ON r.record_id = c.record_id"
        f" WHERE d.category IN ('automatic', 'petition', 'review') {where}", params).fetchone()


def test_counts_equal_stats_and_the_store(demo):
    store, done = demo
    conn = store.conn
    rep = build_report(conn, today=date(2026, 12, 2))
    stats = dict(reports.category_counts(conn))
    flagged = stats["automatic"] + stats["petition"] + stats["review"]
    by_tranche = rep.table("convictions_by_tranche")
    assert by_tranche.totals[0] == flagged == rep.headline["convictions flagged"]
    # per tranche, as stats prints it (automatic + petition + review of each tranche)
    from_stats = {str(t): a + p + r for t, a, p, r, _ in reports.tranche_counts(conn) if a + p + r}
    assert {g: v[0] for g, v in by_tranche.rows} == from_stats
    assert rep.headline["people flagged"] == _flagged_sql(conn)[1]
    # approved: the flagged convictions of the approved cases
    approved = conn.execute(
        "SELECT count(*) FROM decision_current c JOIN decisions d ON d.id = c.decision_id"
        " JOIN cases k ON k.case_number = d.case_number AND k.person_id = d.person_id"
        " JOIN case_status s ON s.case_id = k.id WHERE s.status = 'approved'"
        " AND d.category IN ('automatic', 'petition', 'review')").fetchone()[0]
    assert rep.headline["convictions approved"] == approved > 0

    def convictions_of(cases):
        marks = ",".join("?" * len(cases))
        return conn.execute(
            "SELECT count(*) FROM decision_current c JOIN decisions d ON d.id = c.decision_id JOIN cases k"
            " ON k.case_number = d.case_number AND k.person_id = d.person_id"
            f" WHERE k.id IN ({marks}) AND d.category IN ('automatic', 'petition', 'review')", cases).fetchone()[0]

    assert rep.headline["convictions filed"] == convictions_of(done["approve"][:20])
    assert rep.headline["convictions granted"] == convictions_of(done["approve"][:15])
    assert rep.headline["convictions notified"] == convictions_of(done["approve"][:12])
    # every breakdown adds up to the same totals
    for key in ("year", "race", "gender", "age", "city"):
        assert rep.table(f"convictions_by_{key}").totals == by_tranche.totals
        assert rep.table(f"people_by_{key}").totals[0] == rep.headline["people flagged"]
    assert rep.table("research").totals[0] == research_counts(conn)[0]  # the cases 'clearterm research' lists


def _by_category(conn, column: str, category) -> dict[str, int]:
    """Flagged convictions per report category of the stored ``column``, straight from the tables."""
    counts: dict[str, int] = {}
    for raw, n in conn.execute(
            f"SELECT r.{column}, count(*) FROM decision_current c JOIN decisions d ON d.id = c.decision_id"
            " JOIN records r ON r.record_id = c.record_id WHERE d.category IN ('automatic', 'petition', 'review')"
            " GROUP BY 1"):
        cat = category(raw)
        counts[cat] = counts.get(cat, 0) + n
    return counts


def test_equity_counts_by_race_gender_and_district_equal_the_store(demo):
    store, _ = demo
    rep = build_report(store.conn, today=date(2026, 12, 2))
    for key, column, category, vocabulary in (("race", "race", race_category, RACES),
                                              ("gender", "gender", gender_category, GENDERS),
                                              ("district", "court", district_category, None)):
        got = {g: v[0] for g, v in rep.table(f"convictions_by_{key}").rows}
        expected = _by_category(store.conn, column, category)
        if key == "district":  # the largest ten courts by name, the rest folded
            named = sorted(expected, key=lambda g: -expected[g])[:10]
            if len(expected) > 10:
                expected = {**{g: expected[g] for g in named},
                            "other courts": sum(n for g, n in expected.items() if g not in named)}
        assert got == expected, key
        if vocabulary:
            assert set(got) <= set(vocabulary), key
    races = [g for g, _ in rep.table("convictions_by_race").rows]
    # one community is one row: the extracts' HISPANIC, White [Hispanic or Latino], Latinx... are one
    assert "Black" in races and HISPANIC in races and len(races) == len(set(races))
    assert not any("[" in g or g in ("HISPANIC", "Latinx", NOT_RECORDED) for g in races)
    districts = [g for g, _ in rep.table("convictions_by_district").rows]
    assert set(COOK_DISTRICTS.values()) <= set(districts)  # the real extracts and synth name all six


def test_people_tables_name_the_same_cities_as_the_convictions_tables(demo):
    store, _ = demo
    rep = build_report(store.conn, today=date(2026, 12, 2))
    for key in ("city", "district"):
        conv = [g for g, _ in rep.table(f"convictions_by_{key}").rows]
        people = [g for g, _ in rep.table(f"people_by_{key}").rows]
        assert conv == people, key
    assert "other cities" in conv or len(conv) <= 11


def test_operations_tables(demo):
    store, done = demo
    rep = build_report(store.conn, today=date(2026, 12, 2))
    daily = rep.table("reviewer_daily")
    assert sum(v[0] for _, v in daily.rows) == sum(len(v) for v in done.values())
    assert {label.split(", ")[1] for label, _ in daily.rows} == set(REVIEWERS)
    obj = rep.table("objections")
    assert obj.rows == [("criteria_not_met", (12, 0)), ("law_enforcement", (3, 3))]
    assert obj.totals == (15, 3)
    assert store.conn.execute("SELECT count(*) FROM late_objections").fetchone()[0] == 3
    assert "not record" not in obj.note
    backlog = rep.table("backlog")
    undecided = store.conn.execute(
        "SELECT count(*) FROM cases c LEFT JOIN case_status s ON s.case_id = c.id WHERE c.track IS NOT NULL"
        " AND coalesce(s.status, 'pending') IN ('pending', 'deferred')").fetchone()[0]
    assert sum(backlog.totals) == undecided
    timing = {label: vals for label, vals in rep.table("timing").rows}
    assert timing["flag to decision"][0] == sum(len(v) for v in done.values())
    assert timing["flag to filing"][0] == 20 and timing["flag to ruling"][0] == 18
    assert timing["flag to filing"][1] == 3 and timing["flag to ruling"][3] == 10  # median, longest
    letters = rep.table("letters")
    assert letters.rows == [("letter_granted", (12,))]
    assert rep.table("research").totals[0] > 0  # the real extracts have no names


def test_since_limits_the_operations(demo):
    store, _ = demo
    rep = build_report(store.conn, today=date(2026, 12, 2), since=date(2100, 1, 1))
    assert rep.table("reviewer_daily").rows == [] and rep.table("objections").rows == []
    # an empty table has no totals row (no "all 0" above "none yet")
    assert rep.table("reviewer_daily").totals is None and rep.table("objections").totals is None
    assert [vals[0] for _, vals in rep.table("timing").rows] == [0, 0, 0]  # no span ends in the period
    assert "on or after 2100-01-01" in rep.table("timing").note
    assert rep.table("convictions_by_tranche").totals[0] > 0  # impact stays cumulative
    # a period that holds the filing and rulings but not the decisions (made today, before them)
    later = date.today() + timedelta(days=1)
    timing = {label: vals for label, vals in build_report(store.conn, today=date(2026, 12, 2),
                                                          since=later).table("timing").rows}
    assert (timing["flag to decision"][0], timing["flag to filing"][0], timing["flag to ruling"][0]) == (0, 20, 18)


def test_timing_values_share_one_format(demo):
    store, _ = demo
    for label, vals in build_report(store.conn, today=date(2026, 12, 2)).table("timing").rows:
        assert isinstance(vals[0], int) and all(isinstance(v, float) for v in vals[1:]), label


def test_public_report_suppresses_small_cells_and_names_nobody(demo):
    store, _ = demo
    rep = build_report(store.conn, today=date(2026, 12, 2), public=True)
    full = build_report(store.conn, today=date(2026, 12, 2))
    assert any("suppressed" in n for n in rep.notes)
    hidden = 0
    for _, tables in rep.sections:
        for t in tables:
            if not t.additive:
                continue
            values = [v for _, vals in t.rows for v in vals] + list(t.totals or ())
            assert all(v is None or v >= THRESHOLD for v in values), t.key
            hidden += sum(v is None for v in values)
            truth = full.table(t.key)
            for (g, vals), (g2, true_vals) in zip(t.rows, truth.rows):
                assert g == g2 or t.key == "reviewer_daily"
                if t.key != "reviewer_daily":
                    assert all(v is None or v == tv for v, tv in zip(vals, true_vals))
    assert hidden > 0
    assert all(label.endswith("all reviewers") for label, _ in rep.table("reviewer_daily").rows)
    for label, vals in rep.table("timing").rows:
        assert vals[0] is None or vals[0] >= THRESHOLD


def test_real_extracts_alone(tmp_path, realdata):
    store = open_store(tmp_path / "real.db", synchronous="NORMAL")
    for f in (DISPOSITIONS, SENTENCING, DIVERSION):
        ingest_file(store, f, today=TODAY)
    evaluate_store(store, Policy(), TODAY)
    rep = build_report(store.conn, today=TODAY)
    stats = dict(reports.category_counts(store.conn))
    conv, people = _flagged_sql(store.conn)
    assert rep.headline["convictions flagged"] == conv == sum(stats.get(c, 0) for c in ("automatic", "petition", "review"))
    assert rep.headline["people flagged"] == people
    genders = {g for g, _ in rep.table("convictions_by_gender").rows}
    assert "Male" in genders and genders <= set(GENDERS)
    races = [g for g, _ in rep.table("convictions_by_race").rows]
    assert HISPANIC in races and set(races) <= set(RACES) and len(races) == len(set(races))
    # every spelling the real extracts give, as the adapters store it, is one the report knows
    for raw_race, raw_gender in store.conn.execute("SELECT DISTINCT race, gender FROM records"):
        assert " ".join((raw_race or "").split()).lower() in RACE_SPELLINGS, raw_race
        assert " ".join((raw_gender or "").split()).lower() in GENDER_SPELLINGS, raw_gender
    districts = {g for g, _ in rep.table("convictions_by_district").rows}
    assert districts <= set(COOK_DISTRICTS.values()) | {NOT_RECORDED} and "District 1 - Chicago" in districts
    cities = {g for g, _ in rep.table("convictions_by_city").rows}
    assert "Chicago" in cities
    # cases in research: clearterm research's cases and rule (the real extracts lack names,
    # dates of birth, addresses and the Clerk's case numbers)
    total, by = research_counts(store.conn)
    research = rep.table("research")
    assert research.totals[0] == total > 0
    assert sum(n for label, (n,) in research.rows if "case number" in label.split(", ")) == by["case_number"] > 0
    store.close()


def test_report_command_writes_pdf_and_charts_0600_and_audits(demo, tmp_path, monkeypatch):
    from pypdf import PdfReader

    store, _ = demo
    monkeypatch.setenv("LOGNAME", "alice")
    monkeypatch.setenv("USER", "alice")
    monkeypatch.delenv("SUDO_USER", raising=False)
    out = tmp_path / "rep"
    res = CliRunner().invoke(app, ["--db", str(store.path), "report", "--out", str(out), "--today", "2026-12-02",
                                   "--public"])
    assert res.exit_code == 0, res.output
    names = sorted(p.name for p in out.iterdir())
    assert names == sorted(["report.pdf", "stages_by_tranche.png", "flagged_by_race.png", "backlog.png",
                            "decisions_per_day.png"])  # no staging directory left behind
    for p in out.iterdir():
        assert stat.S_IMODE(p.stat().st_mode) == 0o600
    assert stat.S_IMODE(out.stat().st_mode) == 0o700
    text = " ".join(page.extract_text() for page in PdfReader(out / "report.pdf").pages)
    assert "suppressed" in text and "Equity" in text
    for who in REVIEWERS:
        assert who not in text.split()
    pid = store.conn.execute("SELECT person_id FROM records WHERE person_id != '' LIMIT 1").fetchone()[0]
    assert pid not in text
    entry = store.conn.execute("SELECT actor, detail FROM audit WHERE event = 'report' ORDER BY seq DESC").fetchone()
    assert entry[0] == "alice" and json.loads(entry[1])["public"] is True
    assert "Flagged convictions by race" in res.output


def test_report_command_refuses_a_bad_date(demo, tmp_path):
    store, _ = demo
    res = CliRunner().invoke(app, ["--db", str(store.path), "report", "--out", str(tmp_path / "r"),
                                   "--since", "last week"])
    assert res.exit_code == 2 and "--since" in res.output and "Traceback" not in res.output
    assert not (tmp_path / "r").exists()


def test_stages_are_nested_for_approved_filed_granted(demo):
    store, _ = demo
    t = build_report(store.conn, today=date(2026, 12, 2)).table("convictions_by_tranche")
    f, a, fi, g, n = (STAGES.index(s) for s in STAGES)
    assert t.totals[f] >= t.totals[a] >= t.totals[fi] >= t.totals[g] >= t.totals[n]


def test_age_bands_computed_in_the_store_match_the_domain(demo):
    from collections import Counter

    from clearterm.domain.report import age_band

    store, _ = demo
    ages = store.conn.execute(
        "SELECT r.age_at_offense FROM decision_current c JOIN decisions d ON d.id = c.decision_id"
        " JOIN records r ON r.record_id = c.record_id WHERE d.category IN ('automatic', 'petition', 'review')")
    expected = Counter(age_band(a) for (a,) in ages)
    got = {g: v[0] for g, v in build_report(store.conn, today=date(2026, 12, 2)).table("convictions_by_age").rows}
    assert got == dict(expected) and len(got) > 3


def test_an_empty_store(tmp_path):
    store = open_store(tmp_path / "empty.db", synchronous="NORMAL")
    rep = build_report(store.conn, today=TODAY)
    assert set(rep.headline.values()) == {0}
    for _, tables in rep.sections:
        for t in tables:
            if t.additive:  # no "all 0" row above "none yet"
                assert t.rows == [] and t.totals is None, t.key
    public = build_report(store.conn, today=TODAY, public=True)
    assert set(public.headline.values()) == {None}  # 0 is a count under 11
    store.close()
