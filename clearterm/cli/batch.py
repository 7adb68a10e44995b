"""``clearterm batch create|list|show|rebuild|drop|sign|verify`` and ``clearterm keys demo``.

Added to the root app as the ``batch`` and ``keys`` groups by :mod:`clearterm.cli.main`.
The work is in :mod:`clearterm.services.batches`; this module parses options, asks for
the key's passphrase and prints.

Exit codes: 0 done; 1 ``batch verify`` found a problem; 2 the request was
refused (nothing written); 3 cases of the batch changed since it was made
(rebuild it first); 5 ``batch verify`` without ``--trust-root``: signatures
intact, signer not verified (never OK without a trust root).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from clearterm.cli.choices import BatchTrack, Tranche
from clearterm.cli.common import (PASSPHRASE_ENV, context, fail, login_user, problem, progress_bar,
                                  read_passphrase, refuse_stdout, say, store_for_command)
from clearterm.cli.listing import FormatOption, Listing, OutputFormat, emit, prose_to_stderr

#: ``batch verify``: every signature and hash intact, but no --trust-root, so the signer is unknown.
EXIT_UNVERIFIED = 5
USER_OPTION = typer.Option("--user", help="Who acts (default: the login user).")

batch_app = typer.Typer(help="Court batches: create, list, show, rebuild, drop, sign (PAdES), verify, file.",
                        no_args_is_help=True)
keys_app = typer.Typer(help="Signing keys.", no_args_is_help=True)


def refused(exc: Exception) -> typer.Exit:
    """A refused batch request: exit 4 when access was denied, else 2."""
    from clearterm.services import access, batches

    return fail(str(exc), access.EXIT_DENIED if isinstance(exc, batches.BatchDenied) else 2)


# -- create / list / show ----------------------------------------------------------------------
@batch_app.command("create")
def create(
    ctx: typer.Context,
    track: Annotated[BatchTrack, typer.Option("--track", help="automatic or petition.")],
    max_cases: Annotated[Optional[int], typer.Option("--max", min=1, help="At most N cases (queue order).")] = None,
    tranche: Annotated[Optional[Tranche], typer.Option("--tranche", help="Only cases of this tranche "
                                                       "(1, 2 or 3; 99: none).")] = None,
    user: Annotated[Optional[str], USER_OPTION] = None,
) -> None:
    """Gather the decided cases of a track not in a batch yet into a new open batch."""
    from clearterm.services import batches

    who = login_user(user)
    store = store_for_command(ctx, create=False)
    with store:
        try:
            info = batches.create_batch(store, track=track, actor=who, max_cases=max_cases, tranche=tranche)
        except batches.BatchError as exc:
            raise refused(exc) from None
    say(f"created batch {info.id} ({info.label}): {info.cases:,} {info.track}-track case(s), open; "
        f"sign it with: clearterm batch sign {info.id} --key FILE.p12")
    if info.skipped:
        problem(f"warning: {len(info.skipped)} objected case(s) left out, no supporting facts recorded "
                "(record them with 'clearterm decide CASE --object GROUND --note FACTS'): "
                + ", ".join(info.skipped[:12]) + (" ..." if len(info.skipped) > 12 else ""))
    if info.research:
        problem(f"warning: {len(info.research)} case(s) left out, they need research (data missing): "
                + ", ".join(f"{label} ({', '.join(m)})" for label, m in info.research[:12])
                + (" ..." if len(info.research) > 12 else "") + "; see 'clearterm research'")
    if info.late:
        problem(f"warning: {len(info.late)} objection(s) in the batch were recorded after their deadline; "
                "'batch sign' refuses them unless --allow-late: "
                + "; ".join(info.late[:12]) + (" ..." if len(info.late) > 12 else ""))
    if info.unknown_form:
        problem(f"warning: {len(info.unknown_form)} case(s) left out, no court department for the form of "
                "their case number (add a rule to departments.toml): "
                + ", ".join(info.unknown_form[:12]) + (" ..." if len(info.unknown_form) > 12 else ""))


@batch_app.command("list")
def list_(ctx: typer.Context, fmt: FormatOption = OutputFormat.table) -> None:
    """Every batch, newest first."""
    from rich import box

    from clearterm.services import batches

    store = store_for_command(ctx, create=False)
    with store:
        rows = batches.list_batches(store.conn)
    emit([Listing("batches", "Batches", ("id", "label", "track", "tr.", "cases", "status", "created", "signed", "signer"),
                  [(b.id, b.label, b.track, b.tranche, b.cases, b.status, b.created_at[:10], (b.signed_at or "")[:10],
                    b.signed_by or "") for b in rows],
                  empty="no batches yet; make one with: clearterm batch create --track automatic",
                  keys=("id", "label", "track", "tranche", "cases", "status", "created", "signed", "signer"),
                  plain=frozenset({"id"}), style=dict(box=box.SIMPLE_HEAD, show_edge=False))], fmt)


@batch_app.command("show")
def show(
    ctx: typer.Context,
    batch_ref: Annotated[str, typer.Argument(metavar="ID", help="Batch id or label.")],
    limit: Annotated[int, typer.Option(min=1, help="Cases to list.")] = 50,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """A batch: status, counts, audit anchor, and its cases (case numbers and person ids)."""
    from rich import box

    from clearterm.services import batches

    ctx.with_resource(prose_to_stderr(fmt))  # csv, json: the lines below on stderr, the listing on stdout
    store = store_for_command(ctx, create=False)
    with store:
        try:
            b = batches.find_batch(store.conn, batch_ref)
            if b.status == "publishing":  # a 'batch sign' died while putting it in place: finish it
                for line in batches.reconcile_publishing(store, b.id, actor=login_user(None)):
                    problem(f"note: {line}")
                b = batches.find_batch(store.conn, b.id)
        except batches.BatchError as exc:
            raise refused(exc) from None
        cases = batches.batch_cases(store.conn, b.id)
        changed = {c.case_id for c in batches.changed_cases(store.conn, b)} if b.status == "open" else set()
        from clearterm.services.lifecycle import state_counts

        states = state_counts(store.conn, b.id)
        from clearterm.storage.lifecycle import filing_rows

        filings = filing_rows(store.conn, b.id)
    by_status: dict[str, int] = {}
    for c in cases:
        by_status[c.status] = by_status.get(c.status, 0) + 1
    say(f"batch {b.id} ({b.label}): {b.track} track"
        + (f", tranche {b.tranche}" if b.tranche is not None else "")
        + f", {b.status}; {b.cases:,} case(s): " + ", ".join(f"{k} {v:,}" for k, v in sorted(by_status.items())))
    say(f"created {b.created_at} by {b.created_by}")
    if states:
        say("lifecycle: " + ", ".join(f"{k.replace('_', ' ')} {v:,}" for k, v in states.items()))
    if b.status == "signed":
        say(f"signed {b.signed_at} by {b.signed_by}: {b.documents:,} documents, {b.pages:,} pages; "
            f"manifest sha256 {b.manifest_sha256}")
        say(f"audit anchor {b.anchor_seq}:{b.anchor_hash}; signing entry {b.signed_audit_seq}")
    for _fid, kind, filed, court, room, call, _actor, _at in filings:  # issue 16: where the batch stands in court
        where = "".join(f", {w}" for w in (f"courtroom {room}" if room else "", f"call {call}" if call else "") if w)
        say(f"filed {filed}, court date {court}{where}" if kind == "filed" else f"next court date {court}{where}"
            f" (recorded {filed})")
    if b.status == "signed" and not filings:
        say(f"not filed yet: clearterm batch file {b.id} --court-date DATE")
    if b.status == "publishing":
        say("being signed: its directory is being put in place by a running 'clearterm batch sign'")
    elif changed:
        say(f"{len(changed):,} case(s) changed since the batch was made: rebuild before signing "
            f"(clearterm batch rebuild {b.id})")
    batch = [b.id, b.label, b.track, b.tranche, b.status, b.cases, b.created_at, b.created_by, b.signed_at,
             b.signed_by, b.documents, b.pages, b.manifest_sha256, b.anchor_seq, b.anchor_hash, len(changed)]
    cases_listing = Listing("cases", f"Cases of {b.label}", ("#", "case id", "case", "person", "status", "version",
                                                              "changed"),
                            [(c.position, c.case_id, c.case_number, c.person_id, c.status, c.version,
                              "yes" if c.case_id in changed else "") for c in cases[:limit]],
                            empty="no cases", keys=("position", "case_id", "case", "person", "status", "version",
                                                     "changed"),
                            plain=frozenset({"#", "case id", "version"}), style=dict(box=box.SIMPLE_HEAD, show_edge=False))
    emit([cases_listing] if fmt is OutputFormat.table else
         [Listing("batch", "Batch", ("id", "label", "track", "tranche", "status", "cases", "created_at", "created_by",
                                     "signed_at", "signed_by", "documents", "pages", "manifest_sha256", "anchor_seq",
                                     "anchor_hash", "changed_cases"), [batch]),
          Listing("states", "Cases by state", ("state", "cases"), list(states.items()), empty="no state yet"),
          Listing("filings", "Filing and court dates", ("kind", "filed_or_recorded", "court_date", "courtroom", "call"),
                  [(k, f, c, r, cl) for _i, k, f, c, r, cl, _a, _t in filings], empty="not filed"),
          cases_listing], fmt)
    if len(cases) > limit:
        say(f"... and {len(cases) - limit:,} more (--limit)")


# -- rebuild / drop ----------------------------------------------------------------------------
@batch_app.command("rebuild")
def rebuild(
    ctx: typer.Context,
    batch_ref: Annotated[str, typer.Argument(metavar="ID", help="Batch id or label.")],
    user: Annotated[Optional[str], USER_OPTION] = None,
) -> None:
    """Refresh an open batch after its cases changed (changed ones still decided stay; others leave)."""
    from clearterm.services import batches

    who = login_user(user)
    store = store_for_command(ctx, create=False)
    with store:
        try:
            r = batches.rebuild_batch(store, batch_ref, actor=who)
        except batches.BatchError as exc:
            raise refused(exc) from None
    say(f"rebuilt batch {r.batch.id} ({r.batch.label}): {r.kept:,} case(s) kept, "
        f"{len(r.refreshed):,} refreshed, {len(r.removed):,} removed"
        + (": " + ", ".join(r.removed[:12]) if r.removed else ""))


@batch_app.command("drop")
def drop(
    ctx: typer.Context,
    batch_ref: Annotated[str, typer.Argument(metavar="ID", help="Batch id or label.")],
    user: Annotated[Optional[str], USER_OPTION] = None,
) -> None:
    """Delete an open batch; its cases can go into a new one. Signed batches cannot be dropped."""
    from clearterm.services import batches

    who = login_user(user)
    store = store_for_command(ctx, create=False)
    with store:
        try:
            b = batches.drop_batch(store, batch_ref, actor=who)
        except batches.BatchError as exc:
            raise refused(exc) from None
    say(f"dropped batch {b.id} ({b.label}); its {b.cases:,} case(s) are free again")


# -- sign --------------------------------------------------------------------------------------
@batch_app.command("sign")
def sign(
    ctx: typer.Context,
    batch_ref: Annotated[str, typer.Argument(metavar="ID", help="Batch id or label.")],
    key: Annotated[Path, typer.Option("--key", help="The signer's PKCS#12 file (.p12).")],
    passphrase_file: Annotated[Optional[Path], typer.Option(
        "--passphrase-file", help=f"File holding the key's passphrase (else ${PASSPHRASE_ENV}, else asked).")
    ] = None,
    out_dir: Annotated[Path, typer.Option("--out", help="The batch goes to OUT/<label>/.")] = Path("batches"),
    workers: Annotated[Optional[int], typer.Option(min=1, help="Processes (default: every core).")] = None,
    user: Annotated[Optional[str], USER_OPTION] = None,
    allow_late: Annotated[bool, typer.Option("--allow-late", help=(
        "Sign even if the batch holds objections recorded after their deadline (refused without it)."))
    ] = False,
) -> None:
    """Render and sign every document of an open batch, write the signed manifest, freeze the batch."""
    from clearterm.services import batches
    from clearterm.domain.logs import quiet_libraries

    quiet_libraries()

    refuse_stdout(out_dir, what="a folder (OUT/<label>/)")
    who = login_user(user)
    if not key.is_file():
        raise fail(f"no key file {key}")
    passphrase = read_passphrase(passphrase_file)
    store = store_for_command(ctx, create=False)
    with store:
        try:
            for line in batches.reconcile_publishing(store, batch_ref, actor=who):
                problem(f"note: {line}")
            res = _sign_with_progress(store, batch_ref, who, key, passphrase, out_dir, workers, allow_late)
        except batches.CasesChanged as exc:
            raise fail(str(exc), 3) from None
        except batches.BatchError as exc:
            raise refused(exc) from None
    b = res.batch
    say(f"signed batch {b.id} ({b.label}) as {b.signed_by}: {res.documents:,} documents, {res.pages:,} pages "
        f"in {res.seconds:.1f} s ({res.pages_per_second:.1f} pages/s) -> {res.batch_dir}")
    say(f"manifest sha256 {res.manifest_sha256}; audit anchor {b.anchor_seq}:{b.anchor_hash}; "
        f"signing entry {res.audit_seq}")


# -- verify ------------------------------------------------------------------------------------
@batch_app.command("verify")
def verify(
    ctx: typer.Context,
    batch_dir: Annotated[Path, typer.Argument(metavar="DIR", help="A signed batch directory.")],
    trust_root: Annotated[Optional[Path], typer.Option("--trust-root", help="CA certificate (PEM) the "
                                                       "signer must chain to.")] = None,
    db: Annotated[Optional[Path], typer.Option("--db", help="Check the audit anchor against this store "
                                               "(default: the global --db).")] = None,
    no_store: Annotated[bool, typer.Option("--no-store", help="Do not check the audit anchor (no store at "
                                           "hand, e.g. at the court).")] = False,
    workers: Annotated[Optional[int], typer.Option(min=1, help="Processes for the PDF checks.")] = None,
) -> None:
    """Check every signature, every manifest hash and the audit anchor; exit 1 naming what is wrong."""
    from clearterm.services import batches
    from clearterm.domain.logs import quiet_libraries

    quiet_libraries()
    if not batch_dir.is_dir():
        raise fail(f"no batch directory {batch_dir}")
    if trust_root is not None and not trust_root.is_file():
        raise fail(f"no trust root file {trust_root}")
    conn_store = None
    if not no_store:
        cli = context(ctx)
        if db is not None:
            cli.db = db
        if not cli.db.exists():
            raise fail(f"no store at {cli.db} to check the audit anchor against: pass --db PATH, "
                       "or --no-store to skip that check")
        conn_store = store_for_command(ctx, create=False)
    try:
        report = batches.verify_exported(batch_dir, trust_root=trust_root,
                                         conn=conn_store.conn if conn_store else None, workers=workers)
    finally:
        if conn_store is not None:
            conn_store.close()
    import re

    text = re.sub(r"^(OK|NOT VERIFIED|FAILED) - ", r"\1: ", report.summary())  # "OK: ..." as audit verify
    if not report.store_checked:
        text += "\nnote: the audit anchor was not checked against a store (--no-store)"
    if report.ok:
        say(text)
        return
    problem(text)
    raise typer.Exit(EXIT_UNVERIFIED if report.intact else 1)


# -- keys --------------------------------------------------------------------------------------
@keys_app.command("demo")
def keys_demo(
    out_dir: Annotated[Path, typer.Option("--out", help="Where the demo CA and signer key go.")],
    signer_name: Annotated[str, typer.Option("--signer-name", help="Name in the demo certificate.")
                           ] = "Demo Signer",
) -> None:
    """A self-signed test CA and a signer PKCS#12, FOR DEMOS AND TESTS ONLY (never for filing)."""
    from clearterm.services.batches import write_passphrase
    from clearterm.documents import make_demo_keys
    from clearterm.documents.keys import P12_FILE

    refuse_stdout(out_dir, what="a folder (the demo CA and signer key)")
    if (out_dir / P12_FILE).exists():
        raise fail(f"{out_dir / P12_FILE} already exists; choose another --out")
    ca, p12, passphrase = make_demo_keys(out_dir, signer_name=signer_name)
    pw = write_passphrase(out_dir / "demo-signer.pass", passphrase)
    say(f"DEMO ONLY - NOT FOR COURT FILING: CA {ca}, signer key {p12}, passphrase in {pw}")
    say(f"sign:   clearterm batch sign ID --key {p12} --passphrase-file {pw}")
    say(f"verify: clearterm batch verify DIR --trust-root {ca}")


def _sign_with_progress(store, batch_ref, who, key, passphrase, out_dir, workers, allow_late=False):
    from clearterm.services import batches

    with progress_bar("sign") as update:
        return batches.sign_batch(store, batch_ref, signer=who, p12_path=key, passphrase=passphrase,
                                  out_dir=out_dir, workers=workers, progress=update, allow_late=allow_late)
