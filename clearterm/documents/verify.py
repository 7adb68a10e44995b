"""Verify an exported batch directory.

Checks, and names the file and the reason for every failure:

* ``manifest.json`` is present, well formed, and its detached signature
  ``manifest.json.p7s`` is intact, valid and (given a trust root) trusted;
* every listed document exists and its SHA-256 matches; no file is missing,
  none is extra;
* every PDF carries a PAdES signature that is intact and valid, covers the
  whole file (nothing appended after signing), was made with the manifest's
  signing certificate and (given a trust root) chains to it.

The report carries the manifest's audit-chain head (hash and sequence) so
the caller can compare it with the store (``clearterm.services.batches.verify_exported``
does, and records that in ``store_checked``).
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import json
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from clearterm.domain.logs import quiet_libraries

from .index import SUMS, parse_sums
from .manifest import FORMAT, MANIFEST, MANIFEST_SIG


@dataclass(frozen=True)
class Problem:
    path: str
    code: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.code}: {self.message}"


@dataclass
class VerificationReport:
    batch_dir: Path
    batch_id: str = ""
    audit_head_hash: str = ""
    audit_head_seq: int | None = None
    signer_certificate_sha256: str = ""
    trust_checked: bool = False
    manifest_signature_ok: bool = False
    documents_listed: int = 0
    documents_verified: int = 0
    #: set by the store layer (clearterm.services.batches) when it checked the audit anchor too
    store_checked: bool = False
    problems: list[Problem] = field(default_factory=list)

    @property
    def intact(self) -> bool:
        """Every signature intact and valid, every hash right, no file missing or extra; says
        nothing about *who* signed (anyone can sign a batch with a certificate of their own)."""
        return not self.problems and self.manifest_signature_ok

    @property
    def ok(self) -> bool:
        """Intact *and* the signer chains to the trust root: never true without a trust root."""
        return self.intact and self.trust_checked

    @property
    def failed_paths(self) -> list[str]:
        return sorted({p.path for p in self.problems})

    def problems_for(self, path: str) -> list[Problem]:
        return [p for p in self.problems if p.path == path]

    def summary(self) -> str:
        head = (f"batch {self.batch_id or '?'}: {self.documents_verified}/{self.documents_listed} "
                f"documents verified, manifest signature "
                f"{'ok' if self.manifest_signature_ok else 'NOT ok'}, "
                f"trust {'checked' if self.trust_checked else 'not checked (no trust root)'}; "
                f"audit head {self.audit_head_seq}:{self.audit_head_hash}"
                f"{' (checked against the store)' if self.store_checked else ''}")
        if self.ok:
            return "OK - " + head
        if self.intact:
            return ("NOT VERIFIED - signatures intact, signer not verified: without a trust root "
                    "(--trust-root CA.pem) anyone's certificate passes these checks; " + head)
        return "FAILED - " + head + "\n" + "\n".join(f"  {p}" for p in self.problems)




def _validation_context(trust_root: Path | None):
    from pyhanko.keys import load_cert_from_pemder
    from pyhanko_certvalidator import ValidationContext

    roots = [load_cert_from_pemder(str(trust_root))] if trust_root else []
    return ValidationContext(trust_roots=roots, allow_fetching=False,
                             revocation_mode="soft-fail")


def check_pdf(data: bytes, trust_root: Path | None, expected_cert_sha256: str = "",
              vc=None) -> list[tuple[str, str]]:
    """Problems (code, message) of one signed PDF; empty if it is fine."""
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.status import SignatureCoverageLevel

    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        sigs = reader.embedded_signatures
    except Exception as exc:  # noqa: BLE001 - any parse failure means a damaged file
        return [("unreadable", f"not a readable PDF ({type(exc).__name__}: {exc})")]
    if not sigs:
        return [("unsigned", "the PDF carries no signature")]
    problems: list[tuple[str, str]] = []
    vc = vc or _validation_context(trust_root)
    for sig in sigs:
        name = sig.field_name
        try:
            status = validate_pdf_signature(sig, vc, skip_diff=True)
        except Exception as exc:  # noqa: BLE001
            problems.append(("signature-error", f"signature {name} cannot be checked "
                                                f"({type(exc).__name__}: {exc})"))
            continue
        if not status.intact:
            problems.append(("signature-broken",
                             f"signature {name}: the signed bytes were changed (digest mismatch)"))
        elif not status.valid:
            problems.append(("signature-invalid",
                             f"signature {name}: the cryptographic signature is not valid"))
        if status.coverage != SignatureCoverageLevel.ENTIRE_FILE:
            problems.append(("modified-after-signing",
                             f"signature {name} does not cover the whole file "
                             f"({status.coverage.name}): content was added after signing"))
        if trust_root is not None and status.intact and status.valid and not status.trusted:
            problems.append(("signature-untrusted",
                             f"signature {name}: the signer's certificate does not chain to the "
                             f"trust root {trust_root.name}"))
        cert_sha = hashlib.sha256(status.signing_cert.dump()).hexdigest()
        if expected_cert_sha256 and cert_sha != expected_cert_sha256:
            problems.append(("signer-mismatch",
                             f"signature {name} was made with another certificate than the "
                             f"manifest's ({cert_sha[:16]}...)"))
    return problems


def _check_manifest_signature(data: bytes, p7s: bytes, trust_root: Path | None
                              ) -> tuple[list[tuple[str, str]], str]:
    from asn1crypto import cms
    from pyhanko.sign.validation.generic_cms import async_validate_detached_cms

    try:
        info = cms.ContentInfo.load(p7s)
        signed_data = info["content"]
        signed_data.native  # force a full parse  # noqa: B018
    except Exception as exc:  # noqa: BLE001
        return [("manifest-signature-unreadable", f"not a CMS signature ({exc})")], ""
    try:
        status = asyncio.run(async_validate_detached_cms(
            data, signed_data, signer_validation_context=_validation_context(trust_root)))
    except Exception as exc:  # noqa: BLE001
        return [("manifest-signature-error", f"cannot be checked ({type(exc).__name__}: {exc})")], ""
    problems = []
    if not status.intact:
        problems.append(("manifest-tampered",
                         "manifest.json does not match its signature (digest mismatch)"))
    elif not status.valid:
        problems.append(("manifest-signature-invalid", "the manifest signature is not valid"))
    if trust_root is not None and status.intact and status.valid and not status.trusted:
        problems.append(("manifest-signature-untrusted",
                         f"the manifest signer does not chain to the trust root {trust_root.name}"))
    return problems, hashlib.sha256(status.signing_cert.dump()).hexdigest()


def _check_files(batch_dir: Path, listed: dict[str, str], manifest: dict, data: bytes) -> list[Problem]:
    """Files the manifest does not list, and SHA256SUMS against the manifest."""
    out = []
    present = {p.relative_to(batch_dir).as_posix() for p in batch_dir.rglob("*") if p.is_file()}
    for rel in sorted(present - set(listed) - {MANIFEST, MANIFEST_SIG, SUMS}):
        out.append(Problem(rel, "extra", "in the batch directory but not in the manifest"))
    has_index = any(d.get("kind") == "index" for d in (manifest.get("documents") or []) if isinstance(d, dict))
    for code, msg in _check_sums(batch_dir, listed, data, has_index):
        out.append(Problem(SUMS, code, msg))
    return out


def _check_sums(batch_dir: Path, listed: dict[str, str], manifest_bytes: bytes,
                required: bool) -> list[tuple[str, str]]:
    """SHA256SUMS must list exactly the manifest's documents with the manifest's hashes, plus
    manifest.json and manifest.json.p7s with theirs (a batch made before the index had none)."""
    path = batch_dir / SUMS
    if not path.is_file():
        return [("sums-missing", f"no {SUMS} in the batch")] if required else []
    try:
        sums = parse_sums(path.read_bytes())
    except (ValueError, UnicodeDecodeError) as exc:
        return [("sums-invalid", str(exc))]
    expected = dict(listed)
    expected[MANIFEST] = hashlib.sha256(manifest_bytes).hexdigest()
    sig = batch_dir / MANIFEST_SIG
    if sig.is_file():
        expected[MANIFEST_SIG] = hashlib.sha256(sig.read_bytes()).hexdigest()
    out = []
    for rel in sorted(set(expected) | set(sums)):
        if rel not in sums:
            out.append(("sums-mismatch", f"{rel} is not listed in {SUMS}"))
        elif rel not in expected:
            out.append(("sums-mismatch", f"{SUMS} lists {rel}, which the manifest does not"))
        elif sums[rel] != expected[rel]:
            out.append(("sums-mismatch", f"{SUMS} gives another SHA-256 for {rel} than the manifest"))
    return out


# -- per-document work (runs in worker processes for big batches) -------------------
_VC: dict[str, Any] = {}


def _init_check_worker(parent_pid: int) -> None:
    from .workers import die_with_parent

    die_with_parent(parent_pid)
    quiet_libraries()


def _check_documents(batch_dir: str, items: list[tuple[str, str]], trust_root: str | None,
                     cert_sha: str) -> list[tuple[str, str, str]]:
    root = Path(trust_root) if trust_root else None
    vc = _VC.get(trust_root or "")
    if vc is None:
        vc = _VC[trust_root or ""] = _validation_context(root)
    out: list[tuple[str, str, str]] = []
    for rel, sha in items:
        path = Path(batch_dir) / rel
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            out.append((rel, "missing", "listed in the manifest but not in the batch directory"))
            continue
        actual = hashlib.sha256(data).hexdigest()
        if actual != sha:
            out.append((rel, "hash-mismatch",
                        f"SHA-256 {actual[:16]}... differs from the manifest's {sha[:16]}..."))
        if rel.lower().endswith(".pdf"):
            for code, msg in check_pdf(data, root, cert_sha, vc):
                out.append((rel, code, msg))
    return out


def verify_batch(batch_dir: str | Path, trust_root: str | Path | None = None,
                 workers: int | None = None) -> VerificationReport:
    """Verify the batch in ``batch_dir`` (see the module docstring).

    ``trust_root``: PEM/DER CA certificate the signer must chain to; without
    it, signatures are checked for integrity and validity only.
    ``workers``: processes for the PDF checks (default: all cores for big batches).
    """
    batch_dir = Path(batch_dir)
    root = Path(trust_root) if trust_root else None
    report = VerificationReport(batch_dir=batch_dir, trust_checked=root is not None)
    mpath = batch_dir / MANIFEST
    if not mpath.is_file():
        report.problems.append(Problem(MANIFEST, "manifest-missing", "no manifest.json in the batch"))
        return report
    data = mpath.read_bytes()
    try:
        manifest = json.loads(data.decode("utf-8"))
        docs = manifest["documents"]
        listed = {d["path"]: d["sha256"] for d in docs}
        if manifest.get("format") != FORMAT:
            raise ValueError(f"unknown format {manifest.get('format')!r}")
    except Exception as exc:  # noqa: BLE001
        report.problems.append(Problem(MANIFEST, "manifest-invalid", f"cannot be read ({exc})"))
        manifest, listed = {}, {}
    report.batch_id = str(manifest.get("batch_id", ""))
    audit = manifest.get("audit") or {}
    report.audit_head_hash = str(audit.get("head_hash", ""))
    report.audit_head_seq = audit.get("head_seq")
    cert_sha = str(((manifest.get("signer") or {}).get("certificate") or {})
                   .get("certificate_sha256", ""))
    report.signer_certificate_sha256 = cert_sha
    report.documents_listed = len(listed)

    # the manifest's own signature
    spath = batch_dir / MANIFEST_SIG
    if not spath.is_file():
        report.problems.append(Problem(MANIFEST_SIG, "manifest-signature-missing",
                                       "no detached signature of the manifest"))
    else:
        probs, p7s_cert = _check_manifest_signature(data, spath.read_bytes(), root)
        for code, msg in probs:
            report.problems.append(Problem(MANIFEST, code, msg))
        if cert_sha and p7s_cert and p7s_cert != cert_sha:
            report.problems.append(Problem(MANIFEST, "signer-mismatch",
                                           "the manifest was signed with another certificate "
                                           "than the one it names"))
        report.manifest_signature_ok = not probs

    report.problems.extend(_check_files(batch_dir, listed, manifest, data))

    # listed documents
    items = sorted(listed.items())
    if workers is None:
        workers = (os.cpu_count() or 1) if len(items) > 200 else 1
    results: list[tuple[str, str, str]] = []
    if workers <= 1 or len(items) < 2 * workers:
        results = _check_documents(str(batch_dir), items, str(root) if root else None, cert_sha)
    else:
        from .export import mp_context

        size = max(20, len(items) // (workers * 8))
        chunks = [items[i:i + size] for i in range(0, len(items), size)]
        with ProcessPoolExecutor(max_workers=workers, mp_context=mp_context(),
                                 initializer=_init_check_worker, initargs=(os.getpid(),)) as pool:
            futs = [pool.submit(_check_documents, str(batch_dir), c,
                                str(root) if root else None, cert_sha) for c in chunks]
            for f in futs:
                results.extend(f.result())
    for rel, code, msg in results:
        report.problems.append(Problem(rel, code, msg))
    bad = {rel for rel, _, _ in results}
    report.documents_verified = sum(1 for rel in listed if rel not in bad)
    report.problems.sort(key=lambda p: (p.path != MANIFEST, p.path, p.code))
    return report
