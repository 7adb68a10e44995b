"""``clearterm letters``, ``letters mailed``, ``notices`` and ``notices sent`` through Typer's
CliRunner: files, output, exit codes, and no personal data in any message."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from clearterm.cli.main import app
from clearterm.services import batches
from test_letters_service import ROWS, SECRETS, office_templates, rule
from test_batches import build_store, do

runner = CliRunner()


@pytest.fixture
def env(tmp_path, monkeypatch):
    office_templates(tmp_path, monkeypatch)
    store = build_store(tmp_path / "cli.db", ROWS)
    for n in ("10CR1", "15CR5", "98CR8", "11CR9"):
        do(store, n, "approve")
    info = batches.create_batch(store, track="automatic", actor="boss")
    with store.write() as conn:  # 98CR8's address, there when it was batched, is gone by the ruling
        conn.execute("UPDATE records SET address_line1 = NULL, address_line2 = NULL, city = NULL, zip = NULL"
                     " WHERE record_id = 'A3'")
    rule(store, info.id, "10CR1", "granted", "2026-10-02", "ORD-1")
    rule(store, info.id, "15CR5", "granted", "2026-10-02")
    rule(store, info.id, "98CR8", "granted", "2026-10-03")
    rule(store, info.id, "11CR9", "denied", "2026-10-05")
    store.close()
    return {"db": str(tmp_path / "cli.db"), "tmp": tmp_path, "batch": str(info.id), "label": info.label}


def run(env, *args):
    return runner.invoke(app, ["--db", env["db"], *args])


def clean(res) -> None:
    assert not any(s in res.output for s in SECRETS), res.output
    assert "Traceback" not in res.output


def test_letters_then_mailed(env):
    out = env["tmp"] / "letters"
    res = run(env, "letters", "--batch", env["batch"], "--kind", "granted", "--out", str(out),
              "--today", "2026-11-21", "--user", "boss")
    assert res.exit_code == 2 and "98CR8 (person P8): no mailing address on file" in res.output
    clean(res)
    res = run(env, "letters", "--batch", env["label"], "--kind", "granted", "--out", str(out),
              "--today", "2026-11-21", "--user", "boss", "--leave-out-unmailable")
    assert res.exit_code == 0, res.output
    assert "wrote 2 granted letter(s)" in res.output and "1 case(s) left out: 98CR8 (person P8)" in res.output
    clean(res)
    assert sorted(p.name for p in out.iterdir()) == [f"{env['label']}-granted-letters.pdf",
                                                     f"{env['label']}-granted-mail-list.csv"]
    res = run(env, "letters", "mailed", "--batch", env["batch"], "--date", "2026-11-22", "--today", "2026-11-21",
              "--user", "boss")
    assert res.exit_code == 2 and "after today" in res.output
    res = run(env, "letters", "mailed", "--batch", env["batch"], "--date", "2026-11-20", "--kind", "granted",
              "--today", "2026-11-21", "--user", "boss")
    # 98CR8 was left out of the letters (no address): its letter was never made, so not mailed
    assert res.exit_code == 0 and "recorded 2 letter(s)" in res.output, res.output
    res = run(env, "letters", "mailed", "--batch", env["batch"], "--date", "2026-11-20", "--kind", "granted",
              "--today", "2026-11-21", "--user", "boss")
    assert res.exit_code == 0 and "nothing to record" in res.output


def test_letters_options_and_refusals(env):
    res = run(env, "letters", "--batch", env["batch"], "--user", "boss")
    assert res.exit_code == 2 and "missing option(s): --kind, --out" in res.output
    res = run(env, "letters", "--batch", env["batch"], "--kind", "dismissed", "--out", str(env["tmp"] / "x"),
              "--user", "boss")
    assert res.exit_code == 2 and "--kind must be one of granted, denied" in res.output
    res = run(env, "letters", "--batch", "99", "--kind", "denied", "--out", str(env["tmp"] / "x"), "--user", "boss")
    assert res.exit_code == 2 and "99" in res.output
    res = run(env, "letters", "--batch", env["batch"], "--kind", "denied", "--out", str(env["tmp"] / "x"),
              "--user", "nobody")
    assert res.exit_code == 4
    res = run(env, "letters", "mailed", "--batch", env["batch"], "--date", "yesterday", "--user", "boss")
    assert res.exit_code == 2 and "--date must be a date YYYY-MM-DD" in res.output
    res = run(env, "letters", "mailed", "--batch", env["batch"], "--date", "2026-11-20", "--kind", "denied",
              "--today", "2026-11-21", "--user", "boss")  # no denied letter was written
    assert res.exit_code == 2 and "no denied letters of batch" in res.output and "--kind denied" in res.output


def test_notices_then_sent(env):
    out = env["tmp"] / "notices"
    res = run(env, "notices", "--batch", env["batch"], "--out", str(out), "--today", "2026-11-21", "--user", "boss")
    assert res.exit_code == 0, res.output
    assert "Illinois State Police: 3 order(s)" in res.output and "Evanston Police Department: 1 order(s)" in res.output
    clean(res)
    assert len(list(out.glob("*.pdf"))) == 4 and len(list(out.glob("*.csv"))) == 4
    res = run(env, "notices", "sent", "--batch", env["batch"], "--date", "2026-11-20", "--agency",
              "Illinois State Police", "--today", "2026-11-21", "--user", "boss")
    assert res.exit_code == 0 and "recorded 3 notice(s)" in res.output and "Illinois State Police" in res.output
    res = run(env, "notices", "sent", "--batch", env["batch"], "--date", "2026-11-20", "--agency", "Nowhere PD",
              "--today", "2026-11-21", "--user", "boss")
    assert res.exit_code == 2 and "no granted case" in res.output
