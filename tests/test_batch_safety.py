"""Issue 13, signing: names unique on disk (13), private files and no traces after a crash (10),
a recoverable publishing state (11), no OK without a trust root (12), labels never reused (16).

Small stores from ``test_batches``; the crash trials run ``clearterm batch sign`` as a
subprocess and kill it (SIGKILL, or ``os._exit`` at a named point of the signing: see
``clearterm.batches.CRASH_ENV``).
"""

from __future__ import annotations

import json
import os
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from clearterm import batches
from clearterm.documents import make_demo_keys
from test_batches import AUTOMATIC, ROWS, build_store, decide_all, do

REPO = Path(__file__).resolve().parents[1]

PUNCT_ROWS = ROWS + [
    dict(record_id="C1", case_number="12CR 0009", person_id="P10", offense_date="2012-04-30",
         last_name="Lee", first_name="Bo", **AUTOMATIC),
    dict(record_id="C2", case_number="12CR-0009", person_id="P10", offense_date="2012-05-30",
         last_name="Lee", first_name="Bo", **AUTOMATIC),
]


@pytest.fixture(scope="module")
def keys(tmp_path_factory):
    return make_demo_keys(tmp_path_factory.mktemp("keys"), signer_name="Jane Q. Prosecutor")


def test_item13_case_numbers_alike_but_for_punctuation_get_distinct_files(tmp_path, keys):
    ca, p12, pw = keys
    s = build_store(tmp_path / "p.db", PUNCT_ROWS)
    try:
        for n in ("12CR 0009", "12CR-0009"):
            do(s, n, "approve")
        b = batches.create_batch(s, track="automatic", actor="rita")
        assert b.cases == 2
        res = batches.sign_batch(s, b.id, signer="boss", p12_path=p12, passphrase=pw, out_dir=tmp_path / "out",
                                 workers=1)
        orders = sorted(p.name for p in (res.batch_dir / "orders").iterdir())
        assert orders == ["12CR-0009_P10-2.pdf", "12CR-0009_P10.pdf"]
        manifest = json.loads((res.batch_dir / "manifest.json").read_text())
        by_path = {d["path"]: d["case_number"] for d in manifest["documents"] if d["kind"] == "order"}
        assert by_path == {"orders/12CR-0009_P10.pdf": "12CR 0009", "orders/12CR-0009_P10-2.pdf": "12CR-0009"}
        report = batches.verify_exported(res.batch_dir, trust_root=ca, conn=s.conn)
        assert report.ok, report.summary()
    finally:
        s.close()


# -- item 12: never OK without a trust root, no tracebacks -----------------------------------------------
def clearterm(*args, env=None, timeout=120, **kw) -> subprocess.CompletedProcess:
    """``clearterm ARGS`` in a subprocess (this checkout on PYTHONPATH), text output captured."""
    e = {**os.environ, "PYTHONPATH": str(REPO), "COLUMNS": "200", **(env or {})}
    e.pop("CLEARTERM_DEBUG", None)
    return subprocess.run([sys.executable, "-m", "clearterm.cli", *args], env=e, capture_output=True, text=True,
                          timeout=timeout, **kw)


@pytest.fixture(scope="module")
def forged(tmp_path_factory):
    """A batch signed with an attacker's own demo CA (every signature intact and valid)."""
    from clearterm.documents import export_batch
    from clearterm.documents.sample import golden_batches

    tmp = tmp_path_factory.mktemp("forged")
    evil_ca, evil_p12, evil_pw = make_demo_keys(tmp / "evil", signer_name="Mallory")
    good_ca, _, _ = make_demo_keys(tmp / "good", signer_name="Jane Q. Prosecutor")
    res = export_batch(golden_batches()[0], tmp / "out", evil_p12, evil_pw, workers=1)
    return {"dir": res.batch_dir, "evil_ca": evil_ca, "good_ca": good_ca}


def test_item12_verify_without_trust_root_is_never_ok_and_prints_no_traceback(forged):
    res = clearterm("batch", "verify", str(forged["dir"]), "--no-store")
    assert res.returncode == 5, (res.stdout, res.stderr[-2000:])
    assert "OK -" not in res.stdout + res.stderr
    assert "signatures intact, signer not verified" in res.stderr
    assert "Traceback" not in res.stderr and "Failed to build path" not in res.stderr
    assert len(res.stderr.strip().splitlines()) == 2  # the verdict and the --no-store note


def test_item12_forged_batch_fails_against_the_real_trust_root_quietly(forged):
    res = clearterm("batch", "verify", str(forged["dir"]), "--no-store", "--trust-root", str(forged["good_ca"]),
                    "--workers", "2")
    assert res.returncode == 1 and res.stderr.startswith("FAILED - ")
    assert "manifest-signature-untrusted" in res.stderr and "signature-untrusted" in res.stderr
    assert "Traceback" not in res.stderr and "Failed to build path" not in res.stderr
    # the trust root decides: the attacker's own CA makes it OK (the office must pass its real CA)
    res = clearterm("batch", "verify", str(forged["dir"]), "--no-store", "--trust-root", str(forged["evil_ca"]))
    assert res.returncode == 0 and res.stdout.startswith("OK - ")


# -- item 16 (part): batch labels are never reused after ``batch drop`` ---------------------------------------
def test_item16_batch_labels_are_never_reused_after_drop(tmp_path):
    s = build_store(tmp_path / "l.db")
    try:
        decide_all(s)
        first = batches.create_batch(s, track="automatic", actor="rita")
        batches.drop_batch(s, first.id, actor="rita")
        second = batches.create_batch(s, track="automatic", actor="rita")
        assert second.label != first.label and second.id == first.id + 1
        with pytest.raises(batches.BatchError, match="no batch"):
            batches.find_batch(s.conn, first.label)
        batches.drop_batch(s, second.id, actor="rita")
        third = batches.create_batch(s, track="petition", actor="rita")
        assert third.id == second.id + 1
        # the store itself refuses an issued label, and forgets none, even through plain SQL
        raw = sqlite3.connect(s.path)
        try:
            with pytest.raises(sqlite3.IntegrityError):
                with raw:
                    raw.execute("INSERT INTO batches (id, label, track, status, created_at, created_by)"
                                " VALUES (99, ?, 'automatic', 'open', '2026-01-01', 'x')", (first.label,))
            with pytest.raises(sqlite3.IntegrityError, match="frozen"):
                with raw:
                    raw.execute("DELETE FROM batch_labels")
        finally:
            raw.close()
    finally:
        s.close()


# -- item 10: private files, no stale staging, no surviving workers ---------------------------------------------
def modes(root: Path) -> dict[str, int]:
    """Mode bits of ``root`` and everything under it (hidden entries included), by relative path."""
    out = {".": stat.S_IMODE(root.lstat().st_mode)}
    for p in root.rglob("*"):
        out[p.relative_to(root).as_posix()] = stat.S_IMODE(p.lstat().st_mode)
    return out


def assert_private(out_dir: Path) -> None:
    for d in out_dir.iterdir():
        for rel, mode in modes(d).items():
            want = 0o700 if (d / rel).is_dir() else 0o600
            assert mode == want, f"{d.name}/{rel} is {oct(mode)}, not {oct(want)}"


def dead_pid() -> int:
    p = subprocess.Popen(["true"])
    p.wait()
    return p.pid


def test_item10_batch_directory_0700_and_every_file_0600(tmp_path, keys):
    _, p12, pw = keys
    s = build_store(tmp_path / "m.db")
    try:
        decide_all(s)
        b = batches.create_batch(s, track="petition", actor="rita")
        res = batches.sign_batch(s, b.id, signer="boss", p12_path=p12, passphrase=pw, out_dir=tmp_path / "out",
                                 workers=2)
        found = modes(res.batch_dir)
        assert {"letters.pdf", "manifest.json", "manifest.json.p7s", "objections", "no-objection"} <= set(found)
        assert_private(tmp_path / "out")
        assert stat.S_IMODE((tmp_path / "out").stat().st_mode) == 0o700  # made by the signing
    finally:
        s.close()


def test_item10_stale_staging_of_a_dead_process_is_removed_at_the_next_run(tmp_path, keys):
    _, p12, pw = keys
    out = tmp_path / "out"
    out.mkdir()
    stale = out / f".B-2026-0001.partial-{dead_pid()}"
    (stale / "orders").mkdir(parents=True)
    (stale / "orders" / "10CR1_P1.pdf").write_bytes(b"%PDF names and addresses")
    sleeper = subprocess.Popen(["sleep", "60"])
    live = out / f".B-2026-0001.partial-{sleeper.pid}"  # a live process's: not ours to touch
    live.mkdir()
    other = out / ".notes.partial"  # not a staging name
    other.mkdir()
    s = build_store(tmp_path / "st.db")
    try:
        decide_all(s)
        b = batches.create_batch(s, track="automatic", actor="rita")
        res = batches.sign_batch(s, b.id, signer="boss", p12_path=p12, passphrase=pw, out_dir=out, workers=1)
        assert not stale.exists()
        assert live.is_dir() and other.is_dir()
        assert sorted(p.name for p in out.iterdir()) == sorted([res.batch_dir.name, live.name, other.name])
    finally:
        sleeper.kill()
        sleeper.wait()
        s.close()
    from clearterm.documents.export import remove_stale_staging

    assert remove_stale_staging(out) == [live.name]  # its process is gone now
