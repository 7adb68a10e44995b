"""Shared helpers for the benchmarks: synthetic input, a timed subprocess with peak memory."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

DATA = Path(__file__).resolve().parent / ".data"


def synthetic_csv(records: int, seed: int = 42) -> Path:
    """A cached synthetic canonical CSV (clean rows) of ``records`` rows."""
    from clearterm.devtools.synth import generate

    path = data_dir() / f"synth_{records}_{seed}.csv"
    if not path.exists():
        generate(path, records, seed, 0.0)
    return path


def scattered_csv(records: int, seed: int = 42) -> Path:
    """The synthetic CSV with its record ids shuffled among the rows (cached): a case's charges
    then lie far apart in record-id order, as in an extract whose ids are unrelated to cases."""
    import csv
    import random

    path = data_dir() / f"synth_{records}_{seed}_scattered.csv"
    if not path.exists():
        with open(synthetic_csv(records, seed), newline="", encoding="utf-8") as fh:
            reader = csv.reader(fh)
            header = next(reader)
            rows = list(reader)
        col = header.index("record_id")
        ids = [r[col] for r in rows]
        random.Random(seed).shuffle(ids)
        for r, rid in zip(rows, ids):
            r[col] = rid
        tmp = path.with_suffix(".tmp")
        with open(tmp, "w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh)
            w.writerow(header)
            w.writerows(rows)
        tmp.replace(path)
    return path


def _tree_rss_kb(pid: int) -> int:
    """Resident memory of a process and all its descendants, in KiB."""
    total = 0
    todo = [pid]
    while todo:
        p = todo.pop()
        try:
            with open(f"/proc/{p}/status") as fh:
                for line in fh:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
            with open(f"/proc/{p}/task/{p}/children") as fh:
                todo += [int(x) for x in fh.read().split()]
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
    return total


def run_timed(args: list[str]) -> tuple[float, int, str]:
    """Run ``clearterm ARGS``; return (seconds, peak RSS of the process tree in MiB, stdout)."""
    return run_timed_cmd([sys.executable, "-m", "clearterm.cli", *args])


def run_timed_cmd(cmd: list[str], code: Path | None = None) -> tuple[float, int, str]:
    """Run ``cmd``; return (seconds, peak RSS of the process tree in MiB, stdout). With ``code`` (a
    checkout of other clearterm code), that code is imported instead of this one."""
    env = dict(os.environ, CI="1")
    if code is not None:
        env["PYTHONPATH"] = str(code)
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                            cwd=str(code) if code is not None else None)
    peak = 0
    while proc.poll() is None:
        peak = max(peak, _tree_rss_kb(proc.pid))
        time.sleep(0.05)
    seconds = time.perf_counter() - start
    out, err = proc.communicate()
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}): {err.strip()}")
    return seconds, peak // 1024, out


def data_dir() -> Path:
    """The benchmarks' scratch folder (0700: stores refuse folders others can write)."""
    DATA.mkdir(exist_ok=True, mode=0o700)
    DATA.chmod(0o700)
    return DATA


def fresh_db(name: str) -> Path:
    """An empty store whose first user (the bootstrap admin) is the login user, who runs the benchmark."""
    import getpass

    db = data_dir() / name
    for suffix in ("", "-wal", "-shm"):
        Path(str(db) + suffix).unlink(missing_ok=True)
    subprocess.run([sys.executable, "-m", "clearterm.cli", "--db", str(db), "users", "add", getpass.getuser(),
                    "--role", "admin"], check=True, capture_output=True)
    return db


def machine_speed() -> float:
    """Seconds for a fixed pure-Python loop (20 million additions): this VM's speed right now.

    The benchmark machine is a shared virtual machine whose CPU speed swings by up to half
    between minutes; printing this beside a result says which kind of minute it was measured in
    (1.45 s is the fastest seen, 2.3 s the slowest).
    """
    start = time.process_time()
    x = 0
    for i in range(20_000_000):
        x += i
    return time.process_time() - start


def copy_store(src: Path, name: str) -> Path:
    """A copy of a closed store (0600), flushed to disk so that its writeback does not land in a timing."""
    import shutil

    dst = data_dir() / name
    for suffix in ("", "-wal", "-shm"):
        Path(str(dst) + suffix).unlink(missing_ok=True)
    shutil.copyfile(src, dst)
    dst.chmod(0o600)
    os.sync()
    return dst
