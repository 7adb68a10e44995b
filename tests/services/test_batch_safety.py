"""Issue 13, signing: names unique on disk (13), private files and no traces after a crash (10),
a recoverable publishing state (11), no OK without a trust root (12), labels never reused (16).

Small stores from ``test_batches``; the crash trials run ``clearterm batch sign`` as a
subprocess and kill it (SIGKILL, or ``os._exit`` at a named point of the signing: see
``clearterm.services.batches.CRASH_ENV``).
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

from clearterm.services import batches
from clearterm.documents import make_demo_keys
from clearterm.storage import open_store
from test_batches import ADDRESS, AUTOMATIC, ROWS, build_store, decide_all, do

REPO = Path(__file__).resolve().parents[2]

PUNCT_ROWS = ROWS + [
    dict(record_id="C1", case_number="12CR 0009", person_id="P10", offense_date="2012-04-30",
         last_name="Lee", first_name="Bo", date_of_birth="1980-01-01", **ADDRESS, **AUTOMATIC),
    dict(record_id="C2", case_number="12CR-0009", person_id="P10", offense_date="2012-05-30",
         last_name="Lee", first_name="Bo", date_of_birth="1980-01-01", **ADDRESS, **AUTOMATIC),
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
    """A batch signed with an attacker's own demo CA (every signature intact and valid), in a
    certificate naming the real signer (export refuses a certificate naming someone else)."""
    from clearterm.documents import export_batch
    from clearterm.devtools.sample_batches import golden_batches

    tmp = tmp_path_factory.mktemp("forged")
    evil_ca, evil_p12, evil_pw = make_demo_keys(tmp / "evil", signer_name="Jane Q. Prosecutor")
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
    assert res.returncode == 1 and res.stderr.startswith("FAILED: ")
    assert "manifest-signature-untrusted" in res.stderr and "signature-untrusted" in res.stderr
    assert "Traceback" not in res.stderr and "Failed to build path" not in res.stderr
    # the trust root decides: the attacker's own CA makes it OK (the office must pass its real CA)
    res = clearterm("batch", "verify", str(forged["dir"]), "--no-store", "--trust-root", str(forged["evil_ca"]))
    assert res.returncode == 0 and res.stdout.startswith("OK: batch ")


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


def test_item16_migration_remembers_labels_dropped_before_it(tmp_path):
    """A store made before migration 0008 that dropped its last batch: the label is not reissued."""
    s = build_store(tmp_path / "old.db")
    try:
        decide_all(s)
        first = batches.create_batch(s, track="automatic", actor="rita")
        batches.drop_batch(s, first.id, actor="rita")
    finally:
        s.close()
    raw = sqlite3.connect(tmp_path / "old.db")  # back to the schema before 0008 (its audit log stays)
    with raw:
        for name in ("batches_issue_label", "batch_labels_no_update", "batch_labels_no_delete",
                     "batches_publishing_no_delete", "batch_cases_publishing_no_update",
                     "batch_cases_publishing_no_delete", "batch_cases_publishing_no_insert",
                     "reviews_publishing_case"):
            raw.execute(f"DROP TRIGGER {name}")
        raw.execute("DROP TABLE batch_labels")
        raw.execute("DROP TABLE batch_publishing")
        raw.execute("DELETE FROM _sqlite_migrations WHERE name = '0008_batch_publishing'")
    raw.close()
    s = open_store(tmp_path / "old.db")  # migrates again: back-filled from the batch_created entries
    try:
        again = batches.create_batch(s, track="automatic", actor="rita")
        assert again.id == first.id + 1 and again.label != first.label
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
    # its process is gone now: the next run removes it, even one that is refused
    s = open_store(tmp_path / "st.db")
    try:
        with pytest.raises(batches.BatchError, match="signed and frozen"):
            batches.sign_batch(s, b.id, signer="boss", p12_path=p12, passphrase=pw, out_dir=out, workers=1)
    finally:
        s.close()
    assert sorted(p.name for p in out.iterdir()) == sorted([res.batch_dir.name, other.name])


# -- item 11 and the kill -9 trial: crashes while signing -------------------------------------------------------
@pytest.fixture(scope="module")
def template(tmp_path_factory):
    """A decided store with open batch 1 (3 automatic cases: 5 documents), copied for each trial."""
    tmp = tmp_path_factory.mktemp("tpl")
    s = build_store(tmp / "t.db")
    decide_all(s)
    b = batches.create_batch(s, track="automatic", actor="rita")
    s.close()
    return {"db": tmp / "t.db", "label": b.label, "cases": b.cases}


def copy_store(src: Path, dst: Path) -> Path:
    a, b = sqlite3.connect(src), sqlite3.connect(dst)
    try:
        a.backup(b)
    finally:
        a.close()
        b.close()
    os.chmod(dst, 0o600)
    return dst


def run_as(user: str, *args, env=None, **kw) -> subprocess.CompletedProcess:
    return clearterm(*args, env={"LOGNAME": user, "USER": user, **(env or {})}, **kw)


def sign_cmd(db: Path, out: Path, p12: Path, *extra) -> list[str]:
    return ["--db", str(db), "batch", "sign", "1", "--key", str(p12), "--out", str(out), "--user", "boss", *extra]


def check_store(db: Path) -> None:
    """integrity_check ok and ``clearterm audit verify`` OK."""
    con = sqlite3.connect(db)
    try:
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        con.close()
    res = run_as("boss", "--db", str(db), "audit", "verify")
    assert res.returncode == 0 and res.stdout.startswith("OK:"), res.stderr


def store_state(db: Path) -> dict:
    con = sqlite3.connect(db)
    try:
        return {
            "status": con.execute("SELECT status FROM batches WHERE id = 1").fetchone()[0],
            "publishing": con.execute("SELECT count(*) FROM batch_publishing").fetchone()[0],
            "batches": con.execute("SELECT count(*) FROM batches").fetchone()[0],
            "events": [e for (e,) in con.execute("SELECT event FROM audit WHERE event LIKE 'batch_sign%'"
                                                 " ORDER BY seq")],
        }
    finally:
        con.close()


def assert_clean_output(out: Path, label: str) -> None:
    """Exactly the signed batch directory in ``out``: nothing hidden, nothing stray, all private."""
    assert sorted(p.name for p in out.iterdir()) == [label]
    assert_private(out)


@pytest.mark.parametrize("point", ["staged", "publishing", "renamed", "signed"])
def test_item11_crash_at_each_point_of_signing_is_reconciled_by_batch_show(tmp_path, keys, template, point):
    ca, p12, pw = keys
    db, out, label = copy_store(template["db"], tmp_path / "c.db"), tmp_path / "out", template["label"]
    env = {"CLEARTERM_KEY_PASSPHRASE": pw}
    res = run_as("boss", *sign_cmd(db, out, p12), env={**env, batches.CRASH_ENV: point})
    assert res.returncode == batches.CRASH_EXIT, res.stderr
    check_store(db)
    before = store_state(db)
    assert before["status"] == ("signed" if point == "signed" else "open")
    assert before["publishing"] == (1 if point in ("publishing", "renamed") else 0)

    res = run_as("boss", "--db", str(db), "batch", "show", "1")
    assert res.returncode == 0, res.stderr
    after = store_state(db)
    assert after["publishing"] == 0
    if point in ("renamed", "signed"):  # the directory in place matches: the batch is signed
        assert after["status"] == "signed" and "signed" in res.stdout.splitlines()[0]
        if point == "renamed":
            assert "now signed" in res.stderr and after["events"] == ["batch_signed", "batch_sign_recovered"]
        assert_clean_output(out, label)
        res = run_as("boss", *sign_cmd(db, out, p12), env=env)
        assert res.returncode == 2 and "signed and frozen" in res.stderr
    else:
        assert after["status"] == "open"
        if point == "publishing":
            assert "sign it again" in res.stderr and after["events"] == ["batch_signed", "batch_sign_abandoned"]
            assert list(out.iterdir()) == []  # the staging directory went with the publishing state
        res = run_as("boss", *sign_cmd(db, out, p12), env=env)
        assert res.returncode == 0, res.stderr
        assert store_state(db)["status"] == "signed"
        assert_clean_output(out, label)
    check_store(db)
    res = run_as("boss", "--db", str(db), "batch", "verify", str(out / label), "--trust-root", str(ca))
    assert res.returncode == 0 and "checked against the store" in res.stdout, res.stderr
    assert store_state(db)["batches"] == 1


def test_item11_a_directory_that_does_not_match_is_removed_and_the_batch_reopened(tmp_path, keys, template):
    ca, p12, pw = keys
    db, out, label = copy_store(template["db"], tmp_path / "c.db"), tmp_path / "out", template["label"]
    env = {"CLEARTERM_KEY_PASSPHRASE": pw}
    res = run_as("boss", *sign_cmd(db, out, p12), env={**env, batches.CRASH_ENV: "renamed"})
    assert res.returncode == batches.CRASH_EXIT
    with open(out / label / "letters.pdf", "ab") as fh:  # changed after the crash
        fh.write(b"%%EOF\n")
    res = run_as("boss", *sign_cmd(db, out, p12), env=env)  # the rerun reconciles, then signs anew
    assert res.returncode == 0, res.stderr
    assert "letters.pdf does not match the manifest" in res.stderr and "removed" in res.stderr
    assert store_state(db)["events"] == ["batch_signed", "batch_sign_abandoned", "batch_signed"]
    assert_clean_output(out, label)
    check_store(db)
    res = run_as("boss", "--db", str(db), "batch", "verify", str(out / label), "--trust-root", str(ca))
    assert res.returncode == 0, res.stderr


def test_item11_a_batch_being_published_by_a_live_process_is_left_alone(tmp_path, keys, template):
    """A reconcile never touches a batch whose signing process still holds its directory."""
    _, p12, pw = keys
    db, out, label = copy_store(template["db"], tmp_path / "c.db"), tmp_path / "out", template["label"]
    proc = subprocess.Popen(
        [sys.executable, "-m", "clearterm.cli", *sign_cmd(db, out, p12)], stderr=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONPATH": str(REPO), "LOGNAME": "boss", "USER": "boss",
             "CLEARTERM_KEY_PASSPHRASE": pw, batches.CRASH_ENV: "renamed:pause"})
    try:
        assert proc.stderr.readline().strip() == "clearterm-test: paused at renamed"
        res = run_as("boss", "--db", str(db), "batch", "show", "1")
        assert res.returncode == 0 and "being signed" in res.stdout
        assert store_state(db)["publishing"] == 1 and (out / label).is_dir()
    finally:
        proc.kill()
        proc.wait()
    res = run_as("boss", "--db", str(db), "batch", "show", "1")  # now it is gone: finished
    assert res.returncode == 0 and "now signed" in res.stderr


# -- kill -9 trial of ``batch sign`` (issue 13, "Tests and measures") ------------------------------------------
MANY = 40  # cases in the batch killed while rendering: long enough to catch the workers busy


@pytest.fixture(scope="module")
def big_template(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("big")
    rows = ROWS + [dict(record_id=f"Z{i}", case_number=f"20CR{i:04d}", person_id=f"Q{i}", offense_date="2012-04-30",
                        last_name="Quillfeather", first_name=f"Ann{i}", date_of_birth="1980-01-01",
                        address_line1=f"{i} N. Milwaukee Ave.",
                        city="Chicago", state="IL", zip="60622", **AUTOMATIC) for i in range(MANY)]
    s = build_store(tmp / "big.db", rows)
    for i in range(MANY):
        do(s, f"20CR{i:04d}", "approve")
    b = batches.create_batch(s, track="automatic", actor="rita")
    assert b.cases == MANY
    s.close()
    return {"db": tmp / "big.db", "label": b.label, "cases": MANY}


def children_of(pid: int) -> list[int]:
    """Live (not zombie) processes whose parent is ``pid``, from /proc."""
    out = []
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                tail = (d / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(tail[1]) == pid and tail[0] != "Z":
                out.append(int(d.name))
    return out


def alive(pid: int) -> bool:
    try:
        tail = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return False
    return tail[0] != "Z"


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc (Linux)")
@pytest.mark.parametrize("moment", ["rendering", "staged", "publishing", "renamed", "signed"])
def test_kill9_trial_batch_sign(tmp_path, keys, template, big_template, moment):
    """kill -9 ``batch sign`` at a moment; then the store is sound, the audit chain verifies, a rerun
    completes with no duplicate, no worker survives and nothing stray or readable by others is left."""
    import signal
    import time

    ca, p12, pw = keys
    tpl = big_template if moment == "rendering" else template
    db, out, label = copy_store(tpl["db"], tmp_path / "k.db"), tmp_path / "out", tpl["label"]
    env = {**os.environ, "PYTHONPATH": str(REPO), "LOGNAME": "boss", "USER": "boss", "CLEARTERM_KEY_PASSPHRASE": pw}
    if moment != "rendering":
        env[batches.CRASH_ENV] = f"{moment}:pause"
    proc = subprocess.Popen([sys.executable, "-m", "clearterm.cli", *sign_cmd(db, out, p12, "--workers", "2")],
                            stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True, env=env)
    workers: list[int] = []
    try:
        if moment == "rendering":  # as soon as the workers have written a first PDF
            deadline = time.monotonic() + 60
            while not any(out.glob(".*.partial-*/orders/*.pdf")):
                assert proc.poll() is None and time.monotonic() < deadline, "signing ended before the kill"
                time.sleep(0.01)
            workers = children_of(proc.pid)
            assert workers, "no pool worker seen"
        else:
            assert proc.stderr.readline().strip() == f"clearterm-test: paused at {moment}"
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        proc.stderr.close()
    deadline = time.monotonic() + 5
    while any(alive(w) for w in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(alive(w) for w in workers), "a pool worker outlived the killed signing process"

    check_store(db)
    res = run_as("boss", *sign_cmd(db, out, p12, "--workers", "2"), env={"CLEARTERM_KEY_PASSPHRASE": pw})
    if moment in ("renamed", "signed"):
        assert res.returncode == 2 and "signed and frozen" in res.stderr, res.stderr
    else:
        assert res.returncode == 0, res.stderr
    check_store(db)
    state = store_state(db)
    assert state["status"] == "signed" and state["publishing"] == 0 and state["batches"] == 1
    signed_entries = state["events"].count("batch_signed") - state["events"].count("batch_sign_abandoned")
    assert signed_entries == 1
    con = sqlite3.connect(db)
    try:  # every case in one batch, once
        assert con.execute("SELECT count(*), count(DISTINCT case_id) FROM batch_cases").fetchone() == \
            (tpl["cases"], tpl["cases"])
    finally:
        con.close()
    assert_clean_output(out, label)
    res = run_as("boss", "--db", str(db), "batch", "verify", str(out / label), "--trust-root", str(ca))
    assert res.returncode == 0, res.stderr


def test_item11_a_publishing_batch_is_frozen_until_reconciled(tmp_path):
    """While publishing (here: a record left by a process that is gone, no directory anywhere)
    the cases take no review, the batch cannot be rebuilt or dropped; a reconcile reopens it."""
    from clearterm.services import review

    s = build_store(tmp_path / "f.db")
    try:
        decide_all(s)
        b = batches.create_batch(s, track="automatic", actor="rita")
        out, gone = tmp_path / "out", dead_pid()
        with s.write() as c:
            c.execute("INSERT INTO batch_publishing (batch_id, label, batch_dir, staging_dir, pid, manifest_sha256,"
                      " signature_sha256, signed_at, signed_by, documents, pages, anchor_seq, anchor_hash,"
                      " signed_audit_seq) VALUES (?, ?, ?, ?, ?, 'aa', 'bb', '2026-11-21', 'boss', 5, 9, 1, 'h', 2)",
                      (b.id, b.label, str(out / b.label), str(out / f".{b.label}.partial-{gone}"), gone))
        assert batches.find_batch(s.conn, b.id).status == "publishing"
        with pytest.raises(review.ReviewError, match="frozen"):
            do(s, "10CR1", "defer")
        for act in (batches.rebuild_batch, batches.drop_batch):
            with pytest.raises(batches.BatchError, match="being signed"):
                act(s, b.id, actor="rita")
        with pytest.raises(sqlite3.IntegrityError, match="frozen"):
            with s.write() as c:
                c.execute("DELETE FROM batches WHERE id = ?", (b.id,))
        lines = batches.reconcile_publishing(s, actor="boss")
        assert len(lines) == 1 and "the directory is not in place" in lines[0] and "open again" in lines[0]
        assert batches.find_batch(s.conn, b.id).status == "open"
        assert s.conn.execute("SELECT event FROM audit ORDER BY seq DESC LIMIT 1").fetchone()[0] == \
            "batch_sign_abandoned"
        do(s, "10CR1", "defer")  # free again
    finally:
        s.close()


# Slow (subprocesses, kill trials, a real terminal or many workstation sessions): CI runs it, the
# everyday run (pytest -m "not slow") leaves it out.
pytestmark = pytest.mark.slow
