"""Benchmark: letters after the ruling (default 2,000 persons, granted), in-process.

Times :func:`clearterm.documents.letters.render_letters` as ``clearterm letters`` calls it
(ZIP order, USPS Publication 28 addresses through usaddress, plain words for charges), a third of
the persons in English, a third in Spanish and a third unknown (both letters in one mailing), and
the address standardisation on its own.

    python benchmarks/bench_letters.py                 # 2,000 persons
    python benchmarks/bench_letters.py --persons 500
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from dataclasses import replace
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from clearterm.devtools.sample_batches import sample_batch  # noqa: E402
from clearterm.documents.address import standardise  # noqa: E402
from clearterm.documents.letters import render_letters  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--persons", type=int, default=2000)
    args = ap.parse_args()
    batch = sample_batch(args.persons)
    cases = tuple(replace(c, person=replace(c.person, language=("en", "es", "")[i % 3]), ruling_date=date(2024, 5, 2))
                  for i, c in enumerate(batch.cases))
    batch = replace(batch, cases=cases)
    print(f"load average at start: {os.getloadavg()[0]:.2f}")
    t = time.perf_counter()
    for c in batch.cases:
        standardise(c.person)
    addr = time.perf_counter() - t
    t = time.perf_counter()
    r = render_letters(batch, kind="granted", zip_order=True, require_contact=True, require_address=True)
    dt = time.perf_counter() - t
    print(f"addresses: {len(batch.cases):,} in {addr:.2f} s ({addr / len(batch.cases) * 1000:.2f} ms each)")
    print(f"letters: {len(r.mailings):,} mailings, {r.pages:,} pages, {len(r.data) / 1e6:.1f} MB in {dt:.1f} s: "
          f"{r.pages / dt:.0f} pages/s, {len(r.mailings) / dt:.0f} mailings/s")


if __name__ == "__main__":
    main()
