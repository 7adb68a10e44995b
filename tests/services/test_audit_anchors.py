"""Issue 13 item 15: anchors of the audit log kept outside the store.

A forged review whose audit entry is slipped into the chain, with every later hash
recomputed, passes a plain ``audit verify``: the chain is consistent with itself. A signed
statement of the head made earlier (``audit anchor``), or a signed batch manifest, kept
outside the store catches it (``audit verify --anchors DIR``).
"""

from __future__ import annotations

import json
import os
import sqlite3
import stat
from pathlib import Path

import pytest
from typer.testing import CliRunner

from clearterm.services import access, batches
from clearterm.cli.main import app
from clearterm.storage import audit, open_store
from clearterm.storage.reviews import rebuild_case_status
from test_batches import SECRETS, build_store, cid, decide_all

runner = CliRunner()


def cli(db, *args):
    r = runner.invoke(app, ["--db", str(db), *args])
    return r.exit_code, (r.stdout or "") + (r.stderr or "")


@pytest.fixture(scope="module")
def keys(tmp_path_factory):
    """The office's demo CA and signer, and an attacker's own."""
    tmp = tmp_path_factory.mktemp("keys")
    for who in ("office", "attacker"):
        r = runner.invoke(app, ["keys", "demo", "--out", str(tmp / who), "--signer-name", "Jane Q. Prosecutor"])
        assert r.exit_code == 0, r.output
    return tmp


def key_args(keys: Path, who: str = "office") -> list[str]:
    return ["--key", str(keys / who / "demo-signer.p12"), "--passphrase-file", str(keys / who / "demo-signer.pass")]


@pytest.fixture
def env(tmp_path, keys, login):
    """A decided store with a signed automatic batch under ANCHORS/batches and an anchor of the head
    (made by the login, a user of the store without roles: records staff)."""
    db = tmp_path / "anchors.db"
    s = build_store(db)
    decide_all(s)
    access.add_user(s, login, [], actor="boss")
    info = batches.create_batch(s, track="automatic", actor="boss")
    anchors = tmp_path / "anchors"
    (anchors / "batches").mkdir(parents=True)
    batches.sign_batch(s, info.id, signer="boss", p12_path=keys / "office" / "demo-signer.p12",
                       passphrase=(keys / "office" / "demo-signer.pass").read_text().splitlines()[0],
                       out_dir=anchors / "batches", workers=1)
    s.close()
    code, text = cli(db, "audit", "anchor", *key_args(keys), "--out", str(anchors / "head-1.json"))
    assert code == 0, text
    return {"db": db, "anchors": anchors, "ca": keys / "office" / "demo-ca.pem", "keys": keys}


def forge_review(db: Path, case_number: str, action: str, status: str, at_seq: int) -> None:
    """The attack: a review row, and its audit entry slipped in at ``at_seq`` with every later
    entry renumbered and rehashed (clearterm's own hashing), and case_status rebuilt to match."""
    conn = sqlite3.connect(db)
    conn.execute("DROP TRIGGER audit_no_delete")
    case = conn.execute("SELECT id, person_id, track FROM cases WHERE case_number = ?", (case_number,)).fetchone()
    at = conn.execute("SELECT at FROM audit WHERE seq = ?", (at_seq,)).fetchone()[0]
    rid = conn.execute(
        "INSERT INTO reviews (case_id, case_number, person_id, track, action, status, expected_version, reviewer,"
        " created_at) VALUES (?, ?, ?, ?, ?, ?, 0, 'rita', ?)",
        (case[0], case_number, case[1], case[2], action, status, at)).lastrowid
    row = dict(zip(audit.REVIEW_FIELDS, conn.execute(
        f"SELECT {', '.join(audit.REVIEW_FIELDS)} FROM reviews WHERE id = ?", (rid,)).fetchone()))
    entries = [dict(zip(audit.AUDIT_FIELDS, r)) for r in conn.execute(
        f"SELECT {', '.join(audit.AUDIT_FIELDS)} FROM audit ORDER BY seq")]
    forged = {"at": at, "actor": "rita", "event": f"review.{action}", "case_id": case[0], "review_id": rid,
              "review_hash": audit.review_hash(row),
              "detail": audit.canonical({"action": action, "status": status, "version": rid,
                                         "expected_version": 0}).decode()}
    entries.insert(at_seq - 1, forged)
    prev = audit.GENESIS
    conn.execute("DELETE FROM audit")
    for n, e in enumerate(entries, 1):
        e.update(seq=n, prev_hash=prev)
        e["hash"] = prev = audit.entry_hash(e)
        conn.execute(f"INSERT INTO audit ({', '.join(e)}) VALUES ({', '.join('?' * len(e))})", tuple(e.values()))
    conn.commit()
    conn.close()
    with open_store(db) as s, s.write() as c:
        rebuild_case_status(c)


def test_item15_head_prints_seq_and_hash(env):
    code, text = cli(env["db"], "audit", "head")
    with open_store(env["db"]) as s:
        seq, h = audit.head(s.conn)
    assert code == 0 and text.strip() == f"{seq} {h}"


def test_item15_anchor_is_a_signed_statement_and_audited(env):
    path = env["anchors"] / "head-1.json"
    statement = json.loads(path.read_bytes())
    with open_store(env["db"]) as s:
        seq, _ = audit.head(s.conn)
        last = s.conn.execute("SELECT event, detail FROM audit WHERE seq = ?", (seq,)).fetchone()
        anchored = s.scalar("SELECT hash FROM audit WHERE seq = ?", (seq - 1,))
        first = s.scalar("SELECT hash FROM audit WHERE seq = 1")
    assert statement["format"] == "clearterm.audit-anchor/1"
    assert (statement["head_seq"], statement["head_hash"], statement["first_hash"]) == (seq - 1, anchored, first)
    assert last[0] == "audit.anchor" and json.loads(last[1])["head_seq"] == seq - 1
    assert (path.parent / "head-1.json.p7s").stat().st_size > 500
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert not list(env["anchors"].glob(".*partial*"))
    # never replaced
    code, text = cli(env["db"], "audit", "anchor", *key_args(env["keys"]), "--out", str(path))
    assert code == 2 and "already exists" in text


def test_item15_untouched_chain_matches_its_anchors(env):
    code, text = cli(env["db"], "audit", "verify", "--anchors", str(env["anchors"]), "--trust-root", str(env["ca"]))
    assert code == 0, text
    assert "1 anchor(s) and 1 batch manifest(s) match the chain" in text
    assert "signatures verified against the trust root" in text
    code, text = cli(env["db"], "audit", "verify", "--anchors", str(env["anchors"]))
    assert code == 0 and "signatures intact, signer not verified (no --trust-root)" in text


def test_item15_forged_review_with_recomputed_chain_is_caught_by_anchors(env):
    with open_store(env["db"]) as s:
        before = s.scalar("SELECT count(*) FROM audit")
    # turn the objection on 05CR6 into no objection, back-dated to audit entry 4
    forge_review(env["db"], "05CR6", "approve", "approved", at_seq=4)
    with open_store(env["db"]) as s:
        assert s.scalar("SELECT count(*) FROM audit") == before + 1
        assert s.scalar("SELECT status FROM case_status WHERE case_id = ?", (cid(s, "05CR6"),)) == "approved"
    code, text = cli(env["db"], "audit", "verify")
    assert code == 0, text  # the chain alone cannot tell: this is why anchors exist
    code, text = cli(env["db"], "audit", "verify", "--anchors", str(env["anchors"]), "--trust-root", str(env["ca"]))
    assert code == 1, text
    assert "anchor head-1.json: audit entry" in text and "(the chain was rewritten)" in text
    assert "batch manifest batches/B-" in text
    assert not any(x in text for x in SECRETS)


def test_item15_truncated_chain_is_caught_by_anchors(env):
    with open_store(env["db"]) as s:
        seq, _ = audit.head(s.conn)
    conn = sqlite3.connect(env["db"])
    conn.execute("DROP TRIGGER audit_no_delete")
    conn.execute("DELETE FROM audit WHERE seq >= ?", (seq - 1,))
    conn.commit()
    conn.close()
    code, text = cli(env["db"], "audit", "verify", "--anchors", str(env["anchors"]))
    assert code == 1 and f"audit entry {seq - 1} is not in the chain (entries were removed)" in text


def test_item15_altered_or_resigned_anchor_is_caught(env):
    path = env["anchors"] / "head-1.json"
    data = json.loads(path.read_bytes())
    data["head_seq"] -= 1
    path.write_bytes(json.dumps(data, sort_keys=True, indent=2).encode() + b"\n")
    code, text = cli(env["db"], "audit", "verify", "--anchors", str(env["anchors"]))
    assert code == 1 and "anchor head-1.json: it does not match its signature (altered)" in text
    # the attacker re-signs a statement with their own key: only a trust root tells
    s = open_store(env["db"])
    from clearterm.services.anchors import dump
    from clearterm.documents.signing import DocumentSigner

    pw = (env["keys"] / "attacker" / "demo-signer.pass").read_text().splitlines()[0]
    body = dump(data)
    path.write_bytes(body)
    (env["anchors"] / "head-1.json.p7s").write_bytes(
        DocumentSigner(env["keys"] / "attacker" / "demo-signer.p12", pw).sign_detached(body))
    s.close()
    code, text = cli(env["db"], "audit", "verify", "--anchors", str(env["anchors"]), "--trust-root", str(env["ca"]))
    assert code == 1 and "anchor head-1.json: its signer does not chain to the trust root demo-ca.pem" in text


def test_item15_anchors_dir_without_anchors_or_signature(env, tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "other.json").write_text("{}")
    code, text = cli(env["db"], "audit", "verify", "--anchors", str(empty))
    assert code == 1 and "no anchor statements or signed batch manifests under" in text
    (env["anchors"] / "head-1.json.p7s").unlink()
    code, text = cli(env["db"], "audit", "verify", "--anchors", str(env["anchors"]))
    assert code == 1 and "anchor head-1.json: no signature head-1.json.p7s beside it" in text
    code, text = cli(env["db"], "audit", "verify", "--trust-root", str(env["ca"]))
    assert code == 2 and "--trust-root goes with --anchors" in text


def test_item15_anchor_with_a_wrong_passphrase_writes_nothing(env, tmp_path):
    bad = tmp_path / "bad.pass"
    bad.write_text("wrong\n")
    with open_store(env["db"]) as s:
        before = audit.head(s.conn)
    code, text = cli(env["db"], "audit", "anchor", "--key", str(env["keys"] / "office" / "demo-signer.p12"),
                     "--passphrase-file", str(bad), "--out", str(tmp_path / "a.json"))
    assert code == 2 and "cannot load signing key" in text and "Traceback" not in text
    assert len(text.strip().splitlines()) == 1
    assert not list(tmp_path.glob("a.json*"))
    with open_store(env["db"]) as s:
        assert audit.head(s.conn) == before


def test_item15_anchor_needs_a_known_user(env, monkeypatch, tmp_path):
    monkeypatch.setenv("LOGNAME", "stranger")
    monkeypatch.setenv("USER", "stranger")
    with open_store(env["db"]) as s:
        before = audit.head(s.conn)
    code, text = cli(env["db"], "audit", "anchor", *key_args(env["keys"]), "--out", str(tmp_path / "a.json"))
    assert code == 4 and "'stranger' is not a clearterm user" in text
    assert not list(tmp_path.glob("a.json*"))
    with open_store(env["db"]) as s:
        assert audit.head(s.conn) == before


def test_item15_stale_partial_files_of_a_killed_anchor_are_removed(env):
    dead = 4_194_305  # above Linux's largest pid: no such process
    stale = [env["anchors"] / f".head-2.json.partial-{dead}", env["anchors"] / f".head-2.json.p7s.partial-{dead}"]
    for p in stale:
        p.write_bytes(b"{")
    code, text = cli(env["db"], "audit", "anchor", *key_args(env["keys"]), "--out", str(env["anchors"] / "head-3.json"))
    assert code == 0, text
    assert not any(p.exists() for p in stale)
    assert sorted(p.name for p in env["anchors"].iterdir()) == ["batches", "head-1.json", "head-1.json.p7s",
                                                                 "head-3.json", "head-3.json.p7s"]


# Slow (subprocesses, kill trials, a real terminal or many workstation sessions): CI runs it, the
# everyday run (pytest -m "not slow") leaves it out.
pytestmark = pytest.mark.slow
