"""Evaluate N stored records, and ingest + evaluate of N synthetic records end to end.

    python benchmarks/bench_evaluate.py [--records 1000000] [--repeat 3]

Targets (issue 3): evaluate >= 50,000 records/s; ingest + evaluate of 1,000,000 under 45 s.

The first evaluation runs straight after the ingest, as a records clerk would run them. With
``--repeat N`` the evaluation is then timed N more times, each on a fresh copy of the ingested
store (flushed to disk first), and the median is reported: the machine's speed swings between
minutes, which ``machine speed`` (a fixed Python loop) shows before and after.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import copy_store, fresh_db, machine_speed, run_timed, synthetic_csv  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--records", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=0, help="time the evaluation N more times on fresh copies")
    args = ap.parse_args()
    path = synthetic_csv(args.records)
    db = fresh_db("evaluate.db")
    print(f"machine speed: {machine_speed():.2f} s")
    ingest_s, ingest_mb, _ = run_timed(["--db", str(db), "ingest", str(path)])
    ingested = copy_store(db, "evaluate-ingested.db") if args.repeat else None
    eval_s, eval_mb, out = run_timed(["--db", str(db), "evaluate", "--as-of", "2026-11-21"])
    print(out.strip())
    print(f"records: {args.records:,}")
    print(f"ingest:   {ingest_s:.1f} s ({args.records / ingest_s:,.0f} rows/s, peak {ingest_mb} MB)")
    print(f"evaluate: {eval_s:.1f} s ({args.records / eval_s:,.0f} records/s, peak {eval_mb} MB)")
    print(f"ingest + evaluate: {ingest_s + eval_s:.1f} s")
    again_s, _, out2 = run_timed(["--db", str(db), "evaluate", "--as-of", "2026-11-21"])
    print(f"re-evaluate, same inputs (adds nothing): {again_s:.1f} s; {out2.strip().split(':')[-1].strip()[:60]}")
    if ingested is not None:
        times = []
        for i in range(args.repeat):
            copy = copy_store(ingested, "evaluate-repeat.db")
            s, mb, _ = run_timed(["--db", str(copy), "evaluate", "--as-of", "2026-11-21"])
            times.append(s)
            print(f"evaluate, fresh copy {i + 1}: {s:.1f} s ({args.records / s:,.0f} records/s, peak {mb} MB)")
        mid = statistics.median(times)
        print(f"evaluate, median of {len(times)}: {mid:.1f} s ({args.records / mid:,.0f} records/s)")
    print(f"machine speed: {machine_speed():.2f} s")


if __name__ == "__main__":
    main()
