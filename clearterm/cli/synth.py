"""``clearterm synth``: write realistic synthetic canonical CSV, for tests, benchmarks and demos.

Registered on the root app by :mod:`clearterm.cli.main`. The generator is
:mod:`clearterm.devtools.synth`; names and addresses are invented. ``--out -`` writes the CSV to
standard output (the summary line then goes to stderr).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from clearterm.cli.common import fail, is_stdout, problem, progress_bar, say


def synth(
    records: Annotated[int, typer.Option("--records", min=1, help="How many charge rows to write.")],
    out_file: Annotated[Path, typer.Option("--out", help="Output CSV (.gz to compress; - for standard output).")],
    seed: Annotated[int, typer.Option(help="Random seed: the same seed gives the same file.")] = 1,
    dirty: Annotated[float, typer.Option(min=0, max=100, help="Percentage of rows with one deliberate defect.")] = 0.0,
) -> None:
    """Write realistic synthetic canonical CSV (names and addresses are invented)."""
    from clearterm.devtools.synth import generate

    to_stdout = is_stdout(out_file)
    with progress_bar("synth", records, eta=False) as update:
        try:
            res = generate(sys.stdout if to_stdout else out_file, records, seed, dirty, progress=update)
        except OSError as exc:
            if to_stdout:
                raise
            raise fail(f"cannot write {out_file}: {exc.strerror or 'not writable'}") from None
    line = (f"wrote {res.rows:,} rows ({res.dirty_rows:,} deliberately malformed) for {res.persons:,} persons "
            f"in {res.cases:,} cases to {'standard output' if to_stdout else out_file}")
    (problem if to_stdout else say)(line)
