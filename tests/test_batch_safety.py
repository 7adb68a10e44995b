"""Issue 13, signing: names unique on disk (13), private files and no traces after a crash (10),
a recoverable publishing state (11), no OK without a trust root (12), labels never reused (16).

Small stores from ``test_batches``; the crash trials run ``clearterm batch sign`` as a
subprocess and kill it (SIGKILL, or ``os._exit`` at a named point of the signing: see
``clearterm.batches.CRASH_ENV``).
"""

from __future__ import annotations

import json
import os
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
