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
from pathlib import Path

import pytest

from clearterm import batches
from clearterm.documents import make_demo_keys
from test_batches import AUTOMATIC, ROWS, build_store, decide_all, do

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
