"""Ingest of N canonical CSV rows, against the floor (plain csv parse + one executemany).

    python benchmarks/bench_ingest.py [--records 1000000]

Target (issue 2): >= 50,000 rows/s at 1,000,000 rows with peak memory under 500 MB.
"""

from __future__ import annotations

import argparse
import csv
import sqlite3
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import fresh_db, run_timed, synthetic_csv  # noqa: E402


def floor(path: Path, db: Path) -> float:
    """csv.reader over the file and one executemany of the same rows into an empty table."""
    start = time.perf_counter()
    with open(path, newline="", encoding="utf-8") as fh:
        reader = csv.reader(fh)
        header = next(reader)
        rows = list(reader)
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute(f"CREATE TABLE t ({', '.join(header)})")
    conn.execute("BEGIN")
    conn.executemany(f"INSERT INTO t VALUES ({', '.join('?' * len(header))})", rows)
    conn.execute("COMMIT")
    conn.close()
    return time.perf_counter() - start


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--records", type=int, default=1_000_000)
    args = ap.parse_args()
    path = synthetic_csv(args.records)
    floor_s = floor(path, fresh_db("floor.db"))
    db = fresh_db("ingest.db")
    seconds, peak_mb, out = run_timed(["--db", str(db), "ingest", str(path)])
    rate = args.records / seconds
    floor_rate = args.records / floor_s
    print(out.strip())
    print(f"rows: {args.records:,}")
    print(f"clearterm ingest: {seconds:.1f} s = {rate:,.0f} rows/s, peak memory {peak_mb} MB (process tree)")
    print(f"floor (csv + executemany, no validation, no indexes): {floor_s:.1f} s = {floor_rate:,.0f} rows/s")
    print(f"ratio clearterm/floor: {rate / floor_rate:.2f}")


if __name__ == "__main__":
    main()
