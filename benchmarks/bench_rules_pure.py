"""Throughput of the pure rules engine (no I/O): records per second through evaluate_records.

    /work/venv/bin/python benchmarks/bench_rules_pure.py [N]

Records are built from the real CCSAO extracts beside the checkout (../shared/realdata) when
present, else from a synthetic mix; each source row is repeated with fresh person/case ids so
the case grouping is realistic (several charges per case).
"""

from __future__ import annotations

import csv
import random
import sys
import time
from datetime import date
from pathlib import Path

from clearterm.domain.dates import DateError, parse_date
from clearterm.domain.policy import Policy
from clearterm.domain.record import ChargeRecord
from clearterm.domain.rules import evaluate_records

REALDATA = Path(__file__).resolve().parents[2] / "shared" / "realdata"


def _d(s: str) -> date | None:
    try:
        return parse_date(s)
    except DateError:
        return None


def _templates() -> list[dict]:
    out: list[dict] = []
    for name in ("cook_sao_dispositions_2019_subset.csv", "cook_sao_sentencing_2019_full.csv"):
        p = REALDATA / name
        if not p.exists():
            continue
        with p.open(newline="") as fh:
            for row in csv.DictReader(fh):
                sentence = " / ".join(x for x in (row.get("sentence_type", ""), row.get("commitment_type", "")) if x)
                age = row.get("age_at_incident") or ""
                out.append(dict(
                    case=row["case_id"], person=row["case_participant_id"],
                    statute=f"{row['disposition_charged_chapter']} ILCS {row['disposition_charged_act']}/"
                            f"{row['disposition_charged_section']}",
                    disposition=row["charge_disposition"], disposition_date=_d(row["disposition_date"]),
                    offense_class=row["disposition_charged_class"], offense_date=_d(row["incident_begin_date"]),
                    arrest_date=_d(row["arrest_date"]), sentence=sentence or None,
                    age_at_offense=int(age) if age.isdigit() else None, county="Cook",
                ))
    if out:
        return out
    rng = random.Random(1)
    statutes = ["720 ILCS 550/4(c)", "720 ILCS 550/4(d)", "720 ILCS 550/5(c)", "720 ILCS 570/402(c)",
                "720 ILCS 5/12-3.2(a)(1)", "625 ILCS 5/11-501(a)", "720 ILCS 5/8-4(550/4(d))"]
    for i in range(3000):
        out.append(dict(case=str(i // 3), person=str(i // 3), statute=rng.choice(statutes),
                        disposition=rng.choice(["Plea Of Guilty", "Nolle Prosecution", "FNG", "BFW"]),
                        disposition_date=date(2019, 5, 1), offense_class=rng.choice("A4B3C"),
                        offense_date=date(rng.randint(1995, 2020), 3, 1), arrest_date=None,
                        sentence=None, age_at_offense=rng.randint(16, 60), county="Cook"))
    return out


def build(n: int) -> list[ChargeRecord]:
    t = _templates()
    recs: list[ChargeRecord] = []
    rep = 0
    while len(recs) < n:
        for i, row in enumerate(t):
            if len(recs) >= n:
                break
            recs.append(ChargeRecord(
                record_id=f"{rep}:{i}", case_number=f"{rep}:{row['case']}", statute=row["statute"],
                disposition=row["disposition"], person_id=f"{rep}:{row['person']}",
                disposition_date=row["disposition_date"], offense_class=row["offense_class"],
                offense_date=row["offense_date"], arrest_date=row["arrest_date"], sentence=row["sentence"],
                age_at_offense=row["age_at_offense"], county=row["county"],
            ))
        rep += 1
    return recs


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 300_000
    recs = build(n)
    policy = Policy()
    as_of = date(2026, 1, 1)
    evaluate_records(recs[:5000], policy, as_of)  # warm the caches
    best = 0.0
    for _ in range(5):
        t0, c0 = time.perf_counter(), time.process_time()
        out = evaluate_records(recs, policy, as_of)
        dt, cpu = time.perf_counter() - t0, time.process_time() - c0
        best = max(best, len(out) / dt)
        print(f"{len(out):,} records in {dt:.2f} s wall ({cpu:.2f} s CPU) = {len(out) / dt:,.0f} records/s")
    print(f"best: {best:,.0f} records/s")
    can = [r for r in recs if "550" in r.statute]
    for _ in range(3):
        t0 = time.perf_counter()
        evaluate_records(can, policy, as_of)
        dt = time.perf_counter() - t0
        print(f"cannabis rows only: {len(can):,} records in {dt:.2f} s = {len(can) / dt:,.0f} records/s")


if __name__ == "__main__":
    main()
