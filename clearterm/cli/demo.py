"""``clearterm demo``: build a demo store and open the review workstation on it.

Registered on the root app by :mod:`clearterm.cli.main`.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from clearterm.cli.common import context, fail, problem, refuse_stdout, say, store_for_command
from clearterm.cli.evaluate import stats
from clearterm.cli.tui import has_terminal

#: Where the real CCSAO extracts (cook_sao_*.csv) are looked for: ``shared/realdata`` beside the
#: working directory, then beside the checkout (``<checkout>/../shared/realdata``).
REALDATA_DIRS = (Path("../shared/realdata"), Path(__file__).resolve().parents[3] / "shared" / "realdata")
REALDATA_GLOB = "cook_sao_*.csv"


def demo(
    ctx: typer.Context,
    directory: Annotated[Path, typer.Option("--dir", help="Where the demo store and files go.")] = Path("demo"),
    records: Annotated[int, typer.Option(help="Synthetic records to generate.")] = 5000,
    seed: Annotated[int, typer.Option(help="Seed for the synthetic records.")] = 2019,
    export: Annotated[bool, typer.Option("--export", help=(
        "Also sign a demo batch per track with throw-away demo keys (DEMO ONLY) and verify it."))] = False,
    review: Annotated[bool, typer.Option("--review/--no-review", help=(
        "Open the review workstation at the end (only on a terminal)."))] = True,
) -> None:
    """Build a demo store (synthetic records plus the real CCSAO extracts), evaluate it, open the workstation.

    You (the login user) are made the demo store's admin, reviewer and signer.
    """
    from clearterm.domain.policy import Policy
    from clearterm.services.evaluate import evaluate_store
    from clearterm.ingest import InputError, ingest_file
    from clearterm.storage.reviews import refresh_search_index
    from clearterm.devtools.synth import generate

    refuse_stdout(directory, "--dir", what="a folder (the demo store and its files)")
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    synthetic = directory / "synthetic.csv"
    if not synthetic.exists():
        generate(synthetic, records, seed, 1.0)
    files = [synthetic]
    real = real_extracts()
    if not real:
        problem(f"note: no real extracts ({REALDATA_GLOB}) in {' or '.join(str(d) for d in REALDATA_DIRS)}: "
                "the demo has synthetic records only")
    files += real
    cli = context(ctx)
    cli.db = directory / "demo.db"
    store = store_for_command(ctx)
    with store:
        for f in files:
            try:
                res = ingest_file(store, f, today=date.today())
            except InputError as exc:
                raise fail(str(exc)) from None
            say(res.summary())
        ev = evaluate_store(store, Policy(), date.today())
        refresh_search_index(store)
        cats = ", ".join(f"{k} {v:,}" for k, v in sorted(ev.categories.items()))
        say(f"evaluated {ev.records:,} records: {cats}")
        who = _demo_user(store)
        if export:
            _export(store, directory / "export", who)
        research = _research_note(store, directory)
    stats(ctx)
    say(f"\ndemo store: {cli.db}  (you are its admin, reviewer and signer: {who})")
    say(research)
    if review and has_terminal():
        from clearterm.tui import run_review

        run_review(cli.db, who)
    else:
        say(f"open the workstation with: clearterm --db {cli.db} review")


def real_extracts() -> list[Path]:
    """The real extracts of the first of :data:`REALDATA_DIRS` that holds any (none: [])."""
    for d in REALDATA_DIRS:
        found = sorted(d.glob(REALDATA_GLOB)) if d.is_dir() else []
        if found:
            return found
    return []


def _research_note(store, directory: Path) -> str:
    """The demo's two paths (issue 16): synthetic cases with names can go to court; the real
    extracts, which carry no names, dates of birth or addresses, need research. Also writes the
    demo office's templates (DEMO ONLY contact block) for signing by hand."""
    from clearterm.devtools.demo_store import demo_templates
    from clearterm.services.research import research_cases

    templates = demo_templates(directory / "templates")
    cases = research_cases(store.conn)
    real = sum(1 for c in cases if "case_number" in c.missing)
    return (f"{len(cases):,} case(s) need research ({real:,} from the real extracts, which carry no names, dates "
            f"of birth, addresses or Clerk's case numbers): clearterm --db {store.path} research\n"
            f"to sign by hand with the demo office (DEMO ONLY phone, e-mail and attorney code): "
            f"CLEARTERM_TEMPLATES_DIR={templates} clearterm --db {store.path} batch sign ID --key ...")


def _demo_user(store) -> str:
    """The login user, made admin + reviewer + signer of the demo store (the first user there)."""
    from clearterm.services import access

    try:
        who = access.acting_user(None)
        user = access.get_user(store.conn, who)
        if user is None:
            access.add_user(store, who, access.ROLES, actor=who, full_name="Demo Reviewer")
        elif set(access.ROLES) - user.roles:
            access.change_roles(store, who, grant=access.ROLES, actor=who)
    except (access.AccessDenied, access.UserError) as exc:
        raise fail(f"{exc} (demo store)") from None
    return who


def _export(store, out_dir: Path, who: str) -> None:
    from clearterm.devtools.demo_store import sign_demo_batch

    result = sign_demo_batch(store, out_dir, actor=who)
    say(f"DEMO ONLY keys (a throw-away self-signed test CA, never for court use): {result.keys_dir}")
    for signed in result.signed:
        say(f"signed batch {signed.batch.label} ({signed.batch.track}): {signed.documents} documents, "
            f"{signed.pages} pages in {signed.batch_dir}")
        say(f"  verify with: clearterm --db {store.path} batch verify {signed.batch_dir} "
            f"--trust-root {result.ca_pem}")
