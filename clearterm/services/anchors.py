"""Anchors of the audit log kept outside the store.

A hash chain shows that nothing in it was changed *unless* whoever changed it also
recomputed every later hash. That needs only write access to the store, so the chain
is anchored outside it: ``clearterm audit anchor`` writes a small signed statement of
the chain's head, and ``clearterm audit verify --anchors DIR`` checks that every
anchored entry is still in the chain with the anchored hash.

**The statement** (``FILE``) is canonical JSON, like the batch manifest::

    {"format": "clearterm.audit-anchor/1", "head_seq": N, "head_hash": H,
     "first_hash": <hash of entry 1>, "made_at": ..., "made_by": <login>,
     "signer": {<certificate: common name, issuer, serial, sha256, validity>}}

and ``FILE.p7s`` is a detached CMS (PKCS#7) SignedData over exactly those bytes, made
with the PKCS#12 key ``batch sign`` uses. JSON plus a detached CMS signature was chosen
over a signed PDF because it is the format the batch manifest already uses (same
signer, same verifier code path in pyHanko), it is a few hundred bytes, and anyone can
check it without clearterm: ``openssl cms -verify -binary -inform DER -in FILE.p7s
-content FILE -CAfile CA.pem``. Anchoring appends an ``audit.anchor`` entry (seq N + 1)
recording the statement's SHA-256, so the log shows when anchors were made.

**Verifying** walks ``DIR`` (recursively) for anchor statements and signed batch
manifests (``manifest.json``, whose ``audit`` block is the head before the batch's
``batch_signed`` entry). For each: the signature must be intact and valid (and, given
a trust root, chain to it; without one the signer is *not verified*, and the report
says so), the anchored entry must still be in the chain with the anchored hash, an
anchor's ``first_hash`` must be entry 1's hash, and a manifest's next entry must be its
``batch_signed`` entry with the manifest's SHA-256.

Headless: no Textual. Messages hold paths, seqs and hashes only.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import sqlite3
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from clearterm.domain.dates import utc_now_iso
from clearterm.storage import audit

FORMAT = "clearterm.audit-anchor/1"
MANIFEST_FORMAT = "clearterm.batch-manifest/1"
SIG_SUFFIX = ".p7s"


class AnchorError(Exception):
    """An anchor that cannot be made as asked; nothing was written."""


def dump(statement: dict) -> bytes:
    """Canonical bytes of a statement (what the detached signature covers)."""
    return (json.dumps(statement, sort_keys=True, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def _first_hash(conn: sqlite3.Connection) -> str:
    first = audit.hash_at(conn, 1)
    return audit.GENESIS if first is None else str(first)


@dataclass(frozen=True)
class Anchored:
    path: Path
    sig_path: Path
    head_seq: int
    head_hash: str
    statement_sha256: str
    audit_seq: int


def make_anchor(store, *, p12_path: str | Path, passphrase: str | bytes, out: str | Path, actor: str,
                now: datetime | None = None) -> Anchored:
    """Sign a statement of the chain's head into ``out`` (+ ``.p7s``) and audit it, in one transaction.

    The head is read inside the write transaction, so it is the head the ``audit.anchor``
    entry extends. The files are written under temporary names and renamed before the
    commit; a crash before the commit leaves a valid anchor of an entry that is in the chain.
    """
    from clearterm.documents.signing import DocumentSigner, SigningError

    out = Path(out)
    sig = out.with_name(out.name + SIG_SUFFIX)
    for p in (out, sig):
        if p.exists():
            raise AnchorError(f"{p} already exists: anchors are never replaced; choose another --out")
    if not out.parent.is_dir():
        raise AnchorError(f"no directory {out.parent} for the anchor")
    remove_stale_partials(out.parent)
    try:
        signer = DocumentSigner(p12_path, passphrase)
    except SigningError as exc:
        raise AnchorError(str(exc).splitlines()[0]) from None
    at = now.isoformat(timespec="seconds") if now else utc_now_iso()
    with store.write() as conn:
        seq, h = audit.head(conn)
        if seq == 0:
            raise AnchorError("the audit log is empty: nothing to anchor yet")
        statement = {"format": FORMAT, "head_seq": seq, "head_hash": h, "first_hash": _first_hash(conn),
                     "made_at": at, "made_by": actor, "signer": signer.identity.as_dict()}
        data = dump(statement)
        p7s = signer.sign_detached(data)
        sha = hashlib.sha256(data).hexdigest()
        tmp = [p.with_name(f".{p.name}.partial-{os.getpid()}") for p in (out, sig)]
        try:
            for t, content in zip(tmp, (data, p7s)):
                fd = os.open(t, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                with os.fdopen(fd, "wb") as fh:
                    fh.write(content)
                    fh.flush()
                    os.fsync(fh.fileno())
            os.rename(tmp[1], sig)  # signature first: a statement is never there without it
            os.rename(tmp[0], out)
        except BaseException:
            for t in tmp:
                t.unlink(missing_ok=True)
            raise
        try:
            a_seq, _ = audit.append(conn, at=at, actor=actor, event="audit.anchor",
                                    detail={"head_seq": seq, "statement_sha256": sha, "file": out.name,
                                            "certificate_sha256": signer.identity.certificate_sha256})
        except BaseException:
            out.unlink(missing_ok=True)
            sig.unlink(missing_ok=True)
            raise
    return Anchored(out, sig, seq, h, sha, a_seq)


def remove_stale_partials(directory: Path) -> int:
    """Remove the temporary files an anchor killed while writing left in ``directory``
    (``.NAME.partial-PID`` whose process is gone). Returns how many were removed."""
    removed = 0
    for p in directory.glob(".*.partial-*"):
        try:
            pid = int(p.name.rsplit("-", 1)[1])
        except ValueError:
            continue
        if pid == os.getpid():
            continue
        try:
            os.kill(pid, 0)
            continue  # still running
        except ProcessLookupError:
            pass
        except PermissionError:
            continue  # someone else's live process
        try:
            p.unlink()
            removed += 1
        except OSError:
            pass
    return removed


# -- checking ----------------------------------------------------------------------------------------
@dataclass
class AnchorReport:
    anchors: int = 0
    manifests: int = 0
    trust_checked: bool = False
    problems: list[str] = field(default_factory=list)
    newest_seq: int = 0

    @property
    def checked(self) -> int:
        return self.anchors + self.manifests

    @property
    def ok(self) -> bool:
        return not self.problems and self.checked > 0


def _validation_context(trust_root: Path | None):
    from pyhanko.keys import load_cert_from_pemder
    from pyhanko_certvalidator import ValidationContext

    roots = [load_cert_from_pemder(str(trust_root))] if trust_root else []
    return ValidationContext(trust_roots=roots, allow_fetching=False, revocation_mode="soft-fail")


def check_signature(data: bytes, p7s: bytes, trust_root: Path | None, vc=None) -> str | None:
    """None when the detached CMS signature over ``data`` is intact, valid (and trusted, given a root)."""
    from asn1crypto import cms
    from pyhanko.sign.validation.generic_cms import async_validate_detached_cms

    try:
        signed_data = cms.ContentInfo.load(p7s)["content"]
        signed_data.native  # noqa: B018 - force a full parse
    except Exception:  # noqa: BLE001 - asn1crypto raises many kinds on garbage
        return "its signature is not a CMS signature"
    try:
        status = asyncio.run(async_validate_detached_cms(
            data, signed_data, signer_validation_context=vc or _validation_context(trust_root)))
    except Exception as exc:  # noqa: BLE001
        return f"its signature cannot be checked ({type(exc).__name__})"
    if not status.intact:
        return "it does not match its signature (altered)"
    if not status.valid:
        return "its signature is not valid"
    if trust_root is not None and not status.trusted:
        return f"its signer does not chain to the trust root {trust_root.name}"
    return None


def find_statements(directory: Path) -> list[Path]:
    """Every ``*.json`` under ``directory`` (sorted); which are anchors or manifests is read later."""
    return sorted(p for p in directory.rglob("*.json") if p.is_file() and not p.name.startswith("."))


def check_anchors(conn: sqlite3.Connection, directory: str | Path, *, trust_root: str | Path | None = None
                  ) -> AnchorReport:
    """Check the chain in ``conn`` against every anchor statement and signed manifest in ``directory``."""
    directory = Path(directory)
    root = Path(trust_root) if trust_root else None
    report = AnchorReport(trust_checked=root is not None)
    vc = _validation_context(root)
    first = _first_hash(conn)
    for path in find_statements(directory):
        rel = path.relative_to(directory)
        try:
            data = path.read_bytes()
            doc = json.loads(data)
            kind = doc.get("format") if isinstance(doc, dict) else None
        except (OSError, ValueError):
            continue  # not JSON: not ours
        if kind == FORMAT:
            report.anchors += 1
            what = f"anchor {rel}"
            block = doc
        elif kind == MANIFEST_FORMAT:
            report.manifests += 1
            what = f"batch manifest {rel}"
            block = doc.get("audit") if isinstance(doc.get("audit"), dict) else {}
        else:
            continue
        sig = path.with_name(path.name + SIG_SUFFIX)
        if not sig.is_file():
            report.problems.append(f"{what}: no signature {sig.name} beside it")
        else:
            bad = check_signature(data, sig.read_bytes(), root, vc)
            if bad:
                report.problems.append(f"{what}: {bad}")
        try:
            seq, h = int(block["head_seq"]), str(block["head_hash"])
        except (KeyError, TypeError, ValueError):
            report.problems.append(f"{what}: names no audit entry (head_seq, head_hash)")
            continue
        report.newest_seq = max(report.newest_seq, seq)
        stored = audit.hash_at(conn, seq)
        if stored is None:
            report.problems.append(f"{what}: audit entry {seq} is not in the chain (entries were removed)")
        elif stored != h:
            report.problems.append(f"{what}: audit entry {seq} has hash {stored[:16]}..., the anchor says "
                                   f"{h[:16]}... (the chain was rewritten)")
        if kind == FORMAT:
            if doc.get("first_hash") != first:
                report.problems.append(f"{what}: audit entry 1 is not the one anchored (another store's "
                                       "chain, or the chain was rewritten from its start)")
            continue
        entry = audit.event_at(conn, seq + 1)
        try:
            detail = json.loads(entry[1]) if entry else {}
        except ValueError:
            detail = {}
        sha = hashlib.sha256(data).hexdigest()
        if entry is None or entry[0] != "batch_signed" or detail.get("label") != doc.get("batch_id"):
            report.problems.append(f"{what}: audit entry {seq + 1} is not the batch_signed entry of its batch")
        elif detail.get("manifest_sha256") != sha:
            report.problems.append(f"{what}: audit entry {seq + 1} records another manifest")
    return report
