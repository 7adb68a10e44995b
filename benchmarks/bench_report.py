"""Benchmark: ``clearterm report`` on a store of one million charges (issue 18: under 10 s).

Builds the store once (not timed) and keeps it in benchmarks/.data/report_<N>.db: the synthetic
canonical CSV ingested and evaluated (or, when ``--from DB`` names an evaluated store, e.g.
benchmarks/.data/evaluate.db left by bench_evaluate.py, a copy of it migrated), the synthetic
race/gender/city filled in for stores made before those fields, the login user added, and
``--reviews`` cases decided through clearterm.services.review. Then times, as subprocesses
(Python start-up and imports included), ``clearterm report`` and ``clearterm report --public``.

    python benchmarks/bench_report.py                         # 1,000,000 charges
    python benchmarks/bench_report.py --records 20000
    python benchmarks/bench_report.py --from benchmarks/.data/evaluate.db
"""

from __future__ import annotations

import argparse
import getpass
import os
import shutil
import sys
import tempfile
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import copy_store, data_dir, machine_speed, run_timed, synthetic_csv  # noqa: E402

from clearterm.devtools.synth import _demographics  # noqa: E402
from clearterm.domain.policy import Policy  # noqa: E402
from clearterm.ingest import ingest_file  # noqa: E402
from clearterm.services import access, review  # noqa: E402
from clearterm.services.evaluate import evaluate_store  # noqa: E402
from clearterm.storage import open_store  # noqa: E402
from clearterm.storage.reviews import current_version  # noqa: E402

TODAY = date(2026, 11, 21)


def _fill_demographics(store) -> None:
    """Race, gender and incident city for a store made before migration 0016 (synthetic ids)."""
    conn = store.conn
    if conn.execute("SELECT count(*) FROM records WHERE race IS NOT NULL").fetchone()[0]:
        return
    conn.create_function("demo_race", 1, lambda pid: _demographics(pid)[0] if pid and pid[2:].isdigit() else None)
    conn.create_function("demo_gender", 1, lambda pid: _demographics(pid)[1] if pid and pid[2:].isdigit() else None)
    with store.write() as c:
        c.execute("UPDATE records SET race = demo_race(person_id), gender = demo_gender(person_id),"
                  " incident_city = city")


def build(records: int, source: Path | None, reviews: int) -> Path:
    db = data_dir() / f"report_{records}.db"
    if db.exists():
        return db
    tmp = data_dir() / f"report_{records}.building.db"
    for suffix in ("", "-wal", "-shm"):
        Path(str(tmp) + suffix).unlink(missing_ok=True)
    if source is not None:
        tmp = copy_store(source, tmp.name)
    store = open_store(tmp, synchronous="NORMAL")
    if source is None:
        ingest_file(store, synthetic_csv(records), today=TODAY)
        evaluate_store(store, Policy(), TODAY)
    _fill_demographics(store)
    who = getpass.getuser()
    if access.get_user(store.conn, who) is None:
        access.add_user(store, who, ["admin", "reviewer"], actor=who)
    ids = [r[0] for r in store.conn.execute("SELECT id FROM cases WHERE track = 'automatic' ORDER BY id LIMIT ?",
                                            (reviews,))]
    for cid in ids:
        review.act(store, cid, "approve", reviewer=who, expected_version=current_version(store.conn, cid),
                   today=TODAY)
    n = store.conn.execute("SELECT count(*) FROM records").fetchone()[0]
    store.close()
    print(f"built {db.name}: {n:,} charges, {len(ids):,} cases approved")
    for suffix in ("-wal", "-shm"):
        Path(str(tmp) + suffix).unlink(missing_ok=True)
    os.replace(tmp, db)
    return db


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--records", type=int, default=1_000_000)
    ap.add_argument("--from", dest="source", type=Path, help="An evaluated store to copy instead of building one.")
    ap.add_argument("--reviews", type=int, default=2000, help="Cases approved before the report (not timed).")
    args = ap.parse_args()
    db = build(args.records, args.source, args.reviews)
    print(f"load average {os.getloadavg()[0]:.2f}; machine speed {machine_speed():.2f} s (1.45 fastest)")
    out = Path(tempfile.mkdtemp(prefix="bench-report-", dir=data_dir()))
    try:
        for extra in ([], ["--public"]):
            seconds, mb, _ = run_timed(["--db", str(db), "report", "--out", str(out), "--today",
                                        TODAY.isoformat(), *extra])
            label = "report --public" if extra else "report"
            verdict = "OK" if seconds < 10 else "OVER the 10 s target"
            print(f"clearterm {label}: {seconds:.2f} s, peak {mb} MiB ({verdict})")
    finally:
        shutil.rmtree(out, ignore_errors=True)


if __name__ == "__main__":
    main()
