"""``clearterm demo``: build a demo store and open the review workstation on it.

Registered on the main app by :func:`register` (called from ``clearterm.cli``).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer

REALDATA_DIRS = (Path("../shared/realdata"), Path(__file__).resolve().parents[1].parent / "shared" / "realdata")


def register(app: typer.Typer, *, state, store_for_command, fail, out, err) -> None:
    @app.command()
    def demo(
        directory: Annotated[Path, typer.Option("--dir", help="Where the demo store and files go.")] = Path("demo"),
        records: Annotated[int, typer.Option(help="Synthetic records to generate.")] = 5000,
        seed: Annotated[int, typer.Option(help="Seed for the synthetic records.")] = 2019,
    ) -> None:
        """Build a demo store (synthetic records plus the real CCSAO extracts when present) and evaluate it."""
        from clearterm.cli import stats
        from clearterm.domain.policy import Policy
        from clearterm.evaluate import evaluate_store
        from clearterm.ingest import InputError, ingest_file
        from clearterm.storage.reviews import refresh_search_index
        from clearterm.synth import generate

        directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        synthetic = directory / "synthetic.csv"
        if not synthetic.exists():
            generate(synthetic, records, seed, 1.0)
        files = [synthetic]
        for d in REALDATA_DIRS:
            if d.is_dir():
                files += sorted(d.glob("cook_sao_*.csv"))
                break
        state.db = directory / "demo.db"
        store = store_for_command()
        with store:
            for f in files:
                try:
                    res = ingest_file(store, f, today=date.today())
                except InputError as exc:
                    raise fail(str(exc)) from None
                out.print(res.summary(), markup=False, soft_wrap=True)
            ev = evaluate_store(store, Policy(), date.today())
            refresh_search_index(store)
            cats = ", ".join(f"{k} {v:,}" for k, v in sorted(ev.categories.items()))
            out.print(f"evaluated {ev.records:,} records: {cats}", markup=False, soft_wrap=True)
        stats()
        out.print(f"\nDemo store: {state.db}  (try: clearterm --db {state.db} explain RECORD_ID)", markup=False)
