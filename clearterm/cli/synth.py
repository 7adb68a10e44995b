"""``clearterm synth``: write realistic synthetic canonical CSV, for tests, benchmarks and demos.

Registered on the root app by :mod:`clearterm.cli.main`. The generator is
:mod:`clearterm.devtools.synth`; names and addresses are invented.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from clearterm.cli.common import out, progress_bar


def synth(
    records: Annotated[int, typer.Option("--records", min=1, help="How many charge rows to write.")],
    out_file: Annotated[Path, typer.Option("--out", help="Output CSV (.gz to compress).")],
    seed: Annotated[int, typer.Option(help="Random seed: the same seed gives the same file.")] = 1,
    dirty: Annotated[float, typer.Option(min=0, max=100, help="Percentage of rows with one deliberate defect.")] = 0.0,
) -> None:
    """Write realistic synthetic canonical CSV (names and addresses are invented)."""
    from clearterm.devtools.synth import generate

    with progress_bar("synth", records, eta=False) as update:
        res = generate(out_file, records, seed, dirty, progress=update)
    out.print(f"wrote {res.rows:,} rows ({res.dirty_rows:,} deliberately malformed) for {res.persons:,} persons "
              f"in {res.cases:,} cases to {out_file}", markup=False)
