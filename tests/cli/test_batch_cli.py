"""``clearterm batch ...`` and ``clearterm keys demo`` through Typer's CliRunner: output and exit codes."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from clearterm.cli.main import app
from test_batches import SECRETS, build_store, decide_all, do

runner = CliRunner()


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    """A decided store and demo keys made by ``keys demo``."""
    tmp = tmp_path_factory.mktemp("cli")
    s = build_store(tmp / "cli.db")
    decide_all(s)
    s.close()
    res = runner.invoke(app, ["keys", "demo", "--out", str(tmp / "keys"), "--signer-name", "Jane Q. Prosecutor"])
    assert res.exit_code == 0, res.output
    assert "DEMO ONLY" in res.output
    return {"db": str(tmp / "cli.db"), "tmp": tmp, "keys": tmp / "keys"}


def run(env, *args):
    return runner.invoke(app, ["--db", env["db"], *args])


def sign_args(env, batch, *extra):
    k = env["keys"]
    return ["batch", "sign", str(batch), "--key", str(k / "demo-signer.p12"),
            "--passphrase-file", str(k / "demo-signer.pass"), "--out", str(env["tmp"] / "out"),
            "--workers", "1", *extra]


def test_keys_demo_refuses_to_overwrite(env):
    res = runner.invoke(app, ["keys", "demo", "--out", str(env["keys"])])
    assert res.exit_code == 2 and "already exists" in res.output
    assert (env["keys"] / "demo-signer.pass").stat().st_mode & 0o077 == 0


def test_create_list_show_sign_verify(env):
    res = run(env, "batch", "create", "--track", "automatic", "--user", "rita")
    assert res.exit_code == 0, res.output
    assert "created batch 1 (B-" in res.output and "3 automatic-track case(s)" in res.output
    res = run(env, "batch", "create", "--track", "automatic", "--user", "rita")
    assert res.exit_code == 2 and "no approved automatic-track cases" in res.output

    res = run(env, "batch", "list")
    assert res.exit_code == 0 and "automatic" in res.output and "open" in res.output
    res = run(env, "batch", "show", "1")
    assert res.exit_code == 0 and "10CR1" in res.output and "approved 3" in res.output
    assert not any(x in res.output for x in SECRETS)

    res = run(env, *sign_args(env, 1, "--user", "rita"))
    assert res.exit_code == 4 and "needs the signer role" in res.output
    res = run(env, *sign_args(env, 1, "--user", "boss"))
    assert res.exit_code == 0, res.output
    assert "signed batch 1" in res.output and "7 documents" in res.output  # with the batch index and the mail list
    label = json.loads(next((env["tmp"] / "out").glob("B-*/manifest.json")).read_text())["batch_id"]
    bdir = env["tmp"] / "out" / label
    res = run(env, *sign_args(env, 1, "--user", "boss"))
    assert res.exit_code == 2 and "signed and frozen" in res.output

    res = run(env, "batch", "show", label)
    assert res.exit_code == 0 and "signed" in res.output and "audit anchor" in res.output

    ca = env["keys"] / "demo-ca.pem"
    res = run(env, "batch", "verify", str(bdir), "--trust-root", str(ca))
    assert res.exit_code == 0, res.output
    assert res.output.startswith("OK: batch ") and "checked against the store" in res.output
    res = runner.invoke(app, ["batch", "verify", str(bdir), "--no-store", "--trust-root", str(ca)])
    assert res.exit_code == 0 and "not checked against a store" in res.output
    res = runner.invoke(app, ["batch", "verify", str(bdir), "--no-store"])  # no trust root: never OK
    assert res.exit_code == 5 and "signatures intact, signer not verified" in res.output
    res = runner.invoke(app, ["--db", str(env["tmp"] / "nope.db"), "batch", "verify", str(bdir)])
    assert res.exit_code == 2 and "--no-store" in res.output

    # one flipped byte: exit 1, the file named
    target = bdir / "orders" / "10CR1_P1.pdf"
    data = bytearray(target.read_bytes())
    data[len(data) // 2] ^= 0x01
    target.write_bytes(bytes(data))
    res = run(env, "batch", "verify", str(bdir), "--trust-root", str(ca))
    assert res.exit_code == 1 and "FAILED" in res.output and "orders/10CR1_P1.pdf: hash-mismatch" in res.output


def test_sign_refuses_changed_cases_with_exit_3(env):
    res = run(env, "batch", "create", "--track", "petition", "--user", "rita")
    assert res.exit_code == 0, res.output
    assert "left out" in res.output and "05CR6/P6" in res.output
    batch_id = res.output.split("created batch ")[1].split()[0]
    from clearterm.storage import open_store

    s = open_store(env["db"])
    try:
        do(s, "14CR2", "defer", person="P2")
    finally:
        s.close()
    res = run(env, *sign_args(env, batch_id, "--user", "boss"))
    assert res.exit_code == 3 and "14CR2/P2" in res.output and f"batch rebuild {batch_id}" in res.output
    res = run(env, "batch", "rebuild", batch_id, "--user", "rita")
    assert res.exit_code == 0 and "1 removed: 14CR2/P2" in res.output
    res = run(env, "batch", "drop", batch_id, "--user", "rita")
    assert res.exit_code == 0 and "dropped" in res.output


def test_decide_on_a_frozen_case_is_one_line_exit_2(env):
    res = run(env, "batch", "list")
    if "signed" not in res.output:
        pytest.skip("runs after test_create_list_show_sign_verify")
    res = run(env, "decide", "15CR5", "--defer", "--reviewer", "rita")
    assert res.exit_code == 2
    assert "signed court batch" in res.output and len(res.output.strip().splitlines()) == 1


def test_nothing_waiting_names_the_objections_without_facts(tmp_path):
    """Issue 15 (7): with only note-less (legacy) objections waiting, ``batch create`` named how
    many but not which; it names them now (case number and person id, never a name)."""
    from test_batches import SERVED, legacy_objection

    s = build_store(tmp_path / "s.db")
    legacy_objection(s, "05CR6", ground="criteria_not_met", served=SERVED)
    s.close()
    res = runner.invoke(app, ["--db", str(tmp_path / "s.db"), "batch", "create", "--track", "petition",
                              "--user", "boss"])
    assert res.exit_code == 2, res.output
    assert "1 objected case(s) have no supporting facts: 05CR6" in res.output
    assert not any(secret in res.output for secret in SECRETS)
