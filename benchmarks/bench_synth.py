"""Benchmark clearterm.devtools.synth.generate: rows per second and the time for 1,000,000 rows.

Usage: python benchmarks/bench_synth.py [--records N] [--dirty PCT] [--gz] [--out DIR]
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

from clearterm.devtools.synth import generate


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--records", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--dirty", type=float, default=2.0)
    ap.add_argument("--gz", action="store_true", help="write .csv.gz")
    ap.add_argument("--out", type=Path, default=None, help="directory (default: a temporary one)")
    args = ap.parse_args(argv)

    with tempfile.TemporaryDirectory() as tmp:
        out = (args.out or Path(tmp)) / ("bench.csv.gz" if args.gz else "bench.csv")
        t0 = time.perf_counter()
        res = generate(out, args.records, args.seed, args.dirty)
        dt = time.perf_counter() - t0
        size = out.stat().st_size
    rate = res.rows / dt if dt else float("inf")
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"rows      {res.rows:,} ({res.dirty_rows:,} dirty, {res.persons:,} persons, {res.cases:,} cases)")
    print(f"time      {dt:.2f} s")
    print(f"rate      {rate:,.0f} rows/s")
    print(f"1M rows   {1_000_000 / rate:.1f} s (extrapolated)" if res.rows != 1_000_000 else f"1M rows   {dt:.1f} s")
    print(f"file      {size / 1e6:,.1f} MB{' (gzip)' if args.gz else ''}")
    print(f"peak RSS  {peak_mb:,.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
