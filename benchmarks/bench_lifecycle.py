"""Benchmark (issue 16): ``clearterm rulings import`` of 100,000 rows, and ``clearterm docket`` on a
store of 1,000,000 charges.

The store: the synthetic 1,000,000-record store, ingested and evaluated (``--from-store PATH``
copies one made earlier, e.g. ``benchmarks/.data/evaluate.db`` from ``bench_evaluate.py``; else it
is built here from ``synthetic_csv``, which takes minutes). Not timed: every automatic-track case
and four in five petition-track cases go into batches of 5,000, recorded as signed (the store's
signed state and audit entry; no PDFs: ``bench_batch.py`` measures signing) and filed through
``clearterm.services.lifecycle.file_batch`` except the last batch (signed, not filed); the other
petition cases get a service date. Then, timed as the office runs them (a process each):

* ``clearterm rulings import`` of a CSV of ``--rulings`` rows (default 100,000) over the filed
  cases: one or two continuances, then a final ruling (granted, denied, stricken, withdrawn),
  1 in 100 rows naming an unknown case (quarantined). Target: under 10 s.
* ``clearterm docket --limit 100`` on the result (the oldest 100 lines and the count of each
  kind). Target: under 1 s. The two queries alone (in process, 500 lines as the command's default
  ``--limit``, median of 5) are printed too.

    python benchmarks/bench_lifecycle.py --from-store benchmarks/.data/evaluate.db
    python benchmarks/bench_lifecycle.py --records 20000          # a quick run, built here
"""

from __future__ import annotations

import argparse
import csv
import getpass
import os
import random
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import copy_store, data_dir, machine_speed, run_timed, synthetic_csv  # noqa: E402

from clearterm.domain.policy import Policy  # noqa: E402
from clearterm.services import access, lifecycle  # noqa: E402
from clearterm.storage import audit, open_store  # noqa: E402
from clearterm.storage import batches as sb  # noqa: E402
from clearterm.storage import lifecycle as sl  # noqa: E402

BATCH = 5_000
SIGNED_AT = "2027-01-04T10:00:00+00:00"
FILED = date(2027, 1, 5)
COURT = date(2027, 2, 1)
IMPORT_TODAY = date(2028, 1, 1)
DOCKET_TODAY = date(2028, 6, 1)


def build_store(records: int) -> Path:
    from clearterm.ingest import ingest_file
    from clearterm.services.evaluate import evaluate_store

    path = data_dir() / f"lifecycle-base-{records}.db"
    if path.exists():
        return path
    with open_store(path, synchronous="NORMAL") as s:
        ingest_file(s, synthetic_csv(records), today=date(2026, 11, 21))
        evaluate_store(s, Policy(), date(2026, 11, 21))
    return path


def _user(s) -> str:
    me = getpass.getuser()
    if not access.has_users(s.conn):
        access.add_user(s, me, ["admin", "reviewer"], actor=me)
    elif "reviewer" not in access.user_roles(s.conn, me):
        access.change_roles(s, me, grant=["reviewer"], actor=me)
    return me


def _fake_sign(conn, batch_id: int) -> None:
    seq, h = audit.head(conn)
    sign_seq, _ = audit.append(conn, at=SIGNED_AT, actor="bench", event="batch_signed",
                               detail={"batch": batch_id, "benchmark": True})
    sb.mark_signed(conn, dict(batch_id=batch_id, signed_at=SIGNED_AT, signed_by="bench", signer_name="Bench",
                              documents=1, pages=1, manifest_sha256="0" * 64, anchor_seq=seq, anchor_hash=h,
                              signed_audit_seq=sign_seq))
    sl.refresh_batch_lifecycle(conn, batch_id, at=SIGNED_AT)


def setup(s, me: str) -> list[tuple[str, str]]:
    """Batches (signed; filed but the last), service dates; returns the filed cases (number, person)."""
    conn = s.conn
    auto = conn.execute("SELECT id, case_number, person_id FROM cases WHERE track = 'automatic' ORDER BY id").fetchall()
    pet = conn.execute("SELECT id, case_number, person_id FROM cases WHERE track = 'petition' ORDER BY id").fetchall()
    cut = len(pet) * 4 // 5
    groups = [("automatic", auto), ("petition", pet[:cut])]
    made: list[tuple[int, list]] = []
    with s.write():
        next_id = sb.next_batch_id(conn)
        for track, rows in groups:
            for i in range(0, len(rows), BATCH):
                part = rows[i:i + BATCH]
                label = f"B-2027-{next_id:04d}"
                sb.insert_batch(conn, next_id, label, track, None, SIGNED_AT, "bench",
                                [(cid, num, pid, "approved", 0) for cid, num, pid in part])
                made.append((next_id, part))
                next_id += 1
        for batch_id, _ in made:
            _fake_sign(conn, batch_id)
        conn.executemany(
            "INSERT OR REPLACE INTO case_status (case_id, status, version, decision_id, reviewer, updated_at,"
            " service_date) VALUES (?, 'pending', 0, NULL, 'clerk', ?, ?)",
            [(cid, SIGNED_AT, (date(2027, 1, 1) + timedelta(days=i % 500)).isoformat())
             for i, (cid, _n, _p) in enumerate(pet[cut:])])
    filed: list[tuple[str, str]] = []
    for batch_id, part in made[:-1]:
        lifecycle.file_batch(s, batch_id, court_date=COURT, actor=me, today=FILED)
        filed += [(num, pid) for _cid, num, pid in part]
    return filed


def write_rulings(path: Path, filed: list[tuple[str, str]], rows: int, seed: int = 16) -> int:
    """``rows`` ruling rows over the filed cases (module docstring), each case's rulings once, in
    date order; returns how many name an unknown case."""
    rnd = random.Random(seed)
    per = max(1, -(-rows // max(len(filed), 1)))  # rows per case: continuances, then the final ruling
    bad = n = 0
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["batch", "case_number", "person_id", "ruling", "ruling_date", "judge", "next_court_date",
                    "order_number"])
        for num, pid in filed:
            day = COURT
            for k in range(per):
                if n >= rows:
                    return bad
                n += 1
                if rnd.random() < 0.01:
                    w.writerow(["", f"X{num}", pid, "granted", day.isoformat(), "", "", ""])
                    bad += 1
                elif k < per - 1:
                    nxt = day + timedelta(days=rnd.randint(20, 60))
                    w.writerow(["", num, pid, "continued", day.isoformat(), "Hon. Bench", nxt.isoformat(), ""])
                    day = nxt
                else:
                    final = rnd.choices(("granted", "denied", "stricken", "withdrawn"), (70, 20, 5, 5))[0]
                    w.writerow(["", num, pid, final, day.isoformat(), "Hon. Bench", "", f"ORD-{n}"])
    return bad


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--records", type=int, default=1_000_000)
    ap.add_argument("--from-store", type=Path, help="An evaluated store to copy (else built here).")
    ap.add_argument("--rulings", type=int, default=100_000)
    args = ap.parse_args()
    speed = machine_speed()
    load = os.getloadavg()[0]
    base = args.from_store or build_store(args.records)
    db = copy_store(base, "lifecycle.db")
    with open_store(db) as s:
        me = _user(s)
        t0 = time.perf_counter()
        filed = setup(s, me)
        charges = s.scalar("SELECT count(*) FROM records")
        print(f"setup: {charges:,} charges, {len(filed):,} filed cases in batches of {BATCH:,} "
              f"({time.perf_counter() - t0:.1f} s, not timed)")
    rfile = data_dir() / f"rulings_{args.rulings}.csv"
    bad = write_rulings(rfile, filed, args.rulings)
    seconds, peak, out = run_timed(["--db", str(db), "rulings", "import", str(rfile), "--today",
                                    IMPORT_TODAY.isoformat()])
    print(out.strip())
    print(f"rulings import: {args.rulings:,} rows ({bad:,} unknown cases) in {seconds:.2f} s "
          f"({args.rulings / seconds:,.0f} rows/s), peak {peak} MB  [target < 10 s]")
    # 100 lines: run_timed reads the output once the process ends (a pipe holds 64 KiB)
    seconds, peak, out = run_timed(["--db", str(db), "docket", "--today", DOCKET_TODAY.isoformat(), "--limit", "100"])
    print(out.strip().splitlines()[-1])
    with open_store(db) as s:
        times = []
        for _ in range(5):
            t = time.perf_counter()
            items = lifecycle.docket(s.conn, today=DOCKET_TODAY, limit=500)
            total = sum(lifecycle.docket_counts(s.conn, today=DOCKET_TODAY).values())
            times.append(time.perf_counter() - t)
        counts = sl.lifecycle_counts(s.conn)
    print(f"docket: {seconds:.2f} s for the command (process start included), peak {peak} MB; the query "
          f"{statistics.median(times) * 1000:.0f} ms median of 5 ({len(items):,} lines of {total:,})  [target < 1 s]")
    print("states: " + ", ".join(f"{k} {v:,}" for k, v in counts.items()))
    print(f"load average at start {load:.2f}; machine speed {speed:.2f} s (1.45 fastest seen)")


if __name__ == "__main__":
    main()
