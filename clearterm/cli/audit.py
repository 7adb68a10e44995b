"""``clearterm audit verify|head|anchor``: check the audit log, and anchor it outside the store.

Added to the root app as the ``audit`` group by :mod:`clearterm.cli.main`. Exit codes: 0 OK;
1 ``verify`` found something wrong (one line per problem); 2 a bad request.
Lines hold seqs, hashes, case ids, record ids, decision ids and login names, never a
person's name, date of birth or address.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from clearterm.cli.common import actor_for, fail, problem, read_passphrase, refuse_stdout, say, store_for_command

audit_app = typer.Typer(help="The hash-chained audit log.", no_args_is_help=True)


@audit_app.command("verify")
def audit_verify(
    ctx: typer.Context,
    expect_head: Annotated[Optional[str], typer.Option("--expect-head", metavar="HASH", help=(
        "A head hash recorded earlier: it must still be in the chain."))] = None,
    anchors: Annotated[Optional[Path], typer.Option("--anchors", metavar="DIR", help=(
        "Check the chain against every anchor statement (audit anchor) and signed batch manifest "
        "under DIR."))] = None,
    trust_root: Annotated[Optional[Path], typer.Option("--trust-root", help=(
        "CA certificate (PEM) the anchors' signer must chain to."))] = None,
) -> None:
    """Check the chain, the reviews it covers, the state it vouches for (users, roles, case
    status, decisions in force) and, with --anchors, the anchors kept outside the store."""
    from clearterm.storage.audit import verify_chain, verify_state

    if anchors is not None and not anchors.is_dir():
        raise fail(f"no anchors directory {anchors}")
    if trust_root is not None and not trust_root.is_file():
        raise fail(f"no trust root file {trust_root}")
    if trust_root is not None and anchors is None:
        raise fail("--trust-root goes with --anchors DIR")
    store = store_for_command(ctx, create=False)
    with store:
        res = verify_chain(store.conn, expect_head=expect_head)
        st = verify_state(store.conn)
        rep = None
        if anchors is not None:
            from clearterm.services.anchors import check_anchors

            rep = check_anchors(store.conn, anchors, trust_root=trust_root)
    lines = []
    if not res.ok:
        where = (f"seq {res.first_bad_seq}" if res.first_bad_seq is not None
                 else f"review entry {res.bad_review_id}")
        lines.append(f"audit log BROKEN at {where}: {res.message}")
    lines += [f"differs from the audit log: {d}" for d in st.differences]
    if rep is not None:
        lines += rep.problems
        if rep.checked == 0:
            lines.append(f"no anchor statements or signed batch manifests under {anchors}")
    for note in st.notes:
        problem(f"note: {note}")
    if lines:
        for line in lines:
            problem(line)
        raise fail(f"audit verify FAILED: {len(lines):,} problem(s) ({res.checked:,} entries checked)", 1)
    say(f"OK: {res.checked:,} audit entries verified; users, roles, case status and decisions in force "
        f"match the log; head {res.head_hash}")
    if rep is not None:
        trust = ("signatures verified against the trust root" if rep.trust_checked else
                 "signatures intact, signer not verified (no --trust-root)")
        say(f"OK: {rep.anchors:,} anchor(s) and {rep.manifests:,} batch manifest(s) match the chain "
            f"(newest anchored entry {rep.newest_seq}); {trust}")


@audit_app.command("head")
def audit_head(ctx: typer.Context) -> None:
    """Print the head of the chain: seq and hash (record it elsewhere; see audit anchor)."""
    from clearterm.storage.audit import head

    store = store_for_command(ctx, create=False)
    with store:
        seq, h = head(store.conn)
    say(f"{seq} {h}")


@audit_app.command("anchor")
def audit_anchor(
    ctx: typer.Context,
    key: Annotated[Path, typer.Option("--key", help="The PKCS#12 key (.p12) that signs the statement.")],
    out_file: Annotated[Path, typer.Option("--out", help="The statement (FILE and FILE.p7s); never "
                                           "overwritten.")],
    passphrase_file: Annotated[Optional[Path], typer.Option(
        "--passphrase-file", help="File holding the key's passphrase (else $CLEARTERM_KEY_PASSPHRASE, "
        "else asked).")] = None,
) -> None:
    """Write a signed statement of the chain's head, to keep outside the store (docs/deployment.md)."""
    from clearterm.services import anchors

    refuse_stdout(out_file, what="a statement and its signature (FILE and FILE.p7s)")
    if not key.is_file():
        raise fail(f"no key file {key}")
    passphrase = read_passphrase(passphrase_file)
    store = store_for_command(ctx, create=False)
    who = actor_for(store)  # any known, enabled user (a nightly job: the service account as records staff)
    with store:
        try:
            a = anchors.make_anchor(store, p12_path=key, passphrase=passphrase, out=out_file, actor=who)
        except anchors.AnchorError as exc:
            raise fail(str(exc)) from None
        except OSError as exc:
            raise fail(f"cannot write {out_file}: {exc.strerror}") from None
    say(f"anchored audit entry {a.head_seq} {a.head_hash} in {a.path} (signature {a.sig_path.name}); "
        f"recorded as audit entry {a.audit_seq}")
