"""Evaluate N stored records, and ingest + evaluate of N synthetic records end to end.

    python benchmarks/bench_evaluate.py [--records 1000000]

Targets (issue 3): evaluate >= 50,000 records/s; ingest + evaluate of 1,000,000 under 45 s.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import fresh_db, run_timed, synthetic_csv  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--records", type=int, default=1_000_000)
    args = ap.parse_args()
    path = synthetic_csv(args.records)
    db = fresh_db("evaluate.db")
    ingest_s, ingest_mb, _ = run_timed(["--db", str(db), "ingest", str(path)])
    eval_s, eval_mb, out = run_timed(["--db", str(db), "evaluate", "--as-of", "2026-11-21"])
    print(out.strip())
    print(f"records: {args.records:,}")
    print(f"ingest:   {ingest_s:.1f} s ({args.records / ingest_s:,.0f} rows/s, peak {ingest_mb} MB)")
    print(f"evaluate: {eval_s:.1f} s ({args.records / eval_s:,.0f} records/s, peak {eval_mb} MB)")
    print(f"ingest + evaluate: {ingest_s + eval_s:.1f} s")
    again_s, _, out2 = run_timed(["--db", str(db), "evaluate", "--as-of", "2026-11-21"])
    print(f"re-evaluate, same inputs (adds nothing): {again_s:.1f} s; {out2.strip().split(':')[-1].strip()[:60]}")


if __name__ == "__main__":
    main()
