"""Evaluate N stored records, and ingest + evaluate of N synthetic records end to end.

    python benchmarks/bench_evaluate.py [--records 1000000] [--repeat 3] [--scattered] [--order ORDER]
                                        [--against DIR]

Targets (issue 3): evaluate >= 50,000 records/s; ingest + evaluate of 1,000,000 under 45 s.

The first evaluation runs straight after the ingest, as a records clerk would run them. With
``--repeat N`` the evaluation is then timed N more times, each on a fresh copy of the ingested
store (flushed to disk first), and the median is reported: the machine's speed swings between
minutes, which ``machine speed`` (a fixed Python loop) shows before and after.

``--scattered`` shuffles the record ids among the rows, so that a case's charges lie far apart
in record-id order (an extract whose ids are unrelated to its cases). ``--order`` forces the
read order of the timed evaluations (``record_id`` or ``case_number``; default: the one
``evaluate`` chooses), to compare the two on the same store.

``--against DIR`` (with ``--repeat N``) times another checkout of clearterm (for rules 1.1 against
rules 2: ``git worktree add --detach DIR a56c366``) in turn with this one, each run on its own fresh
copy of the same ingested store, N rounds, and reports both medians and their ratio.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import (copy_store, fresh_db, machine_speed, run_timed, run_timed_cmd,  # noqa: E402
                     scattered_csv, synthetic_csv)


_FORCED = """
import sys
from datetime import date
from clearterm.domain.policy import Policy
from clearterm.services.evaluate import evaluate_store
from clearterm.storage import open_store
store = open_store(sys.argv[1])
r = evaluate_store(store, Policy(), date(2026, 11, 21), order=sys.argv[2])
print(f"order {sys.argv[2]}: {r.records:,} records, {r.new_decisions:,} new decisions")
"""


def _evaluate_cmd(order: str | None):
    """The evaluation to time: ``clearterm evaluate``, or the same call with a forced read order."""
    def cmd(db: Path) -> list[str]:
        if order is None:
            return [sys.executable, "-m", "clearterm.cli", "--db", str(db), "evaluate", "--as-of", "2026-11-21"]
        return [sys.executable, "-c", _FORCED, str(db), order]
    return cmd


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--records", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=0, help="time the evaluation N more times on fresh copies")
    ap.add_argument("--scattered", action="store_true", help="record ids unrelated to the cases")
    ap.add_argument("--order", choices=["record_id", "case_number"], help="force the read order")
    ap.add_argument("--against", type=Path, help="another clearterm checkout, timed in turn with this one")
    args = ap.parse_args()
    if args.against and not args.repeat:
        ap.error("--against needs --repeat N")
    path = scattered_csv(args.records) if args.scattered else synthetic_csv(args.records)
    evaluate = _evaluate_cmd(args.order)
    db = fresh_db("evaluate.db")
    print(f"machine speed: {machine_speed():.2f} s")
    ingest_s, ingest_mb, _ = run_timed(["--db", str(db), "ingest", str(path)])
    ingested = copy_store(db, "evaluate-ingested.db") if args.repeat else None
    eval_s, eval_mb, out = run_timed_cmd(evaluate(db))
    print(out.strip())
    print(f"records: {args.records:,}")
    print(f"ingest:   {ingest_s:.1f} s ({args.records / ingest_s:,.0f} rows/s, peak {ingest_mb} MB)")
    print(f"evaluate: {eval_s:.1f} s ({args.records / eval_s:,.0f} records/s, peak {eval_mb} MB)")
    print(f"ingest + evaluate: {ingest_s + eval_s:.1f} s")
    again_s, _, out2 = run_timed_cmd(evaluate(db))
    print(f"re-evaluate, same inputs (adds nothing): {again_s:.1f} s; {out2.strip().split(':')[-1].strip()[:60]}")
    if ingested is not None and args.against is not None:
        other, this = [], []
        for i in range(args.repeat):
            s_other, _, out_o = run_timed_cmd(evaluate(copy_store(ingested, "evaluate-repeat.db")), args.against)
            s_this, _, _ = run_timed_cmd(evaluate(copy_store(ingested, "evaluate-repeat.db")))
            other.append(s_other)
            this.append(s_this)
            print(f"round {i + 1}: {args.against.name} {s_other:.1f} s, this code {s_this:.1f} s")
        mo, mt = statistics.median(other), statistics.median(this)
        print(f"median: {args.against.name} {mo:.1f} s ({args.records / mo:,.0f} records/s), this code {mt:.1f} s "
              f"({args.records / mt:,.0f} records/s): this code takes {mt / mo:.0%} of the other's time")
    elif ingested is not None:
        times = []
        for i in range(args.repeat):
            copy = copy_store(ingested, "evaluate-repeat.db")
            s, mb, _ = run_timed_cmd(evaluate(copy))
            times.append(s)
            print(f"evaluate, fresh copy {i + 1}: {s:.1f} s ({args.records / s:,.0f} records/s, peak {mb} MB)")
        mid = statistics.median(times)
        print(f"evaluate, median of {len(times)}: {mid:.1f} s ({args.records / mid:,.0f} records/s)")
    print(f"machine speed: {machine_speed():.2f} s")


if __name__ == "__main__":
    main()
