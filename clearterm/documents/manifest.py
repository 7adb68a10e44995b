"""The batch manifest: every document with the SHA-256 of its final signed bytes.

``manifest.json`` is canonical JSON (sorted keys, two-space indent, UTF-8,
trailing newline); ``manifest.json.p7s`` is a detached CMS (PKCS#7)
SignedData over exactly those bytes, made with the same key that signed the
PDFs. Verification recomputes every hash and checks both signatures.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from .model import Batch

FORMAT = "clearterm.batch-manifest/1"
MANIFEST = "manifest.json"
MANIFEST_SIG = "manifest.json.p7s"


@dataclass(frozen=True)
class DocumentEntry:
    path: str
    kind: str
    sha256: str
    bytes: int
    pages: int
    case_number: str = ""
    person_id: str = ""
    department: str = ""  # a motion's court department (key of departments.toml)

    def as_dict(self) -> dict[str, Any]:
        d = {"path": self.path, "kind": self.kind, "sha256": self.sha256, "bytes": self.bytes,
             "pages": self.pages}
        if self.department:
            d["department"] = self.department
        if self.case_number:
            d["case_number"] = self.case_number
            d["person_id"] = self.person_id
        return d


def _versions() -> dict[str, str]:
    from importlib import metadata

    out = {}
    for dist in ("clearterm", "fpdf2", "pyHanko"):
        try:
            out[dist.lower()] = metadata.version(dist)
        except metadata.PackageNotFoundError:  # pragma: no cover
            out[dist.lower()] = "unknown"
    return out


def build_manifest(batch: Batch, entries: list[DocumentEntry], *, signed_at: datetime,
                   signer_certificate: dict[str, str], templates_sha256: str) -> dict[str, Any]:
    entries = sorted(entries, key=lambda e: e.path)
    by_kind: dict[str, int] = {}
    for e in entries:
        by_kind[e.kind] = by_kind.get(e.kind, 0) + 1
    persons = {c.person.person_id: c.person for c in batch.cases}
    office = batch.office
    return {
        "format": FORMAT,
        "batch_id": batch.batch_id,
        "track": batch.track,
        "created_at": batch.created_at.isoformat(),
        "signed_at": signed_at.isoformat(timespec="seconds"),
        "signer": {
            "name": batch.signer_name,
            "title": batch.signer_title,
            "certificate": signer_certificate,
        },
        "office": {"name": office.name, "state_attorney_title": office.state_attorney_title,
                   "address": list(office.address_lines)},
        "reviewers": list(batch.reviewers),
        "audit": {"head_hash": batch.audit_head_hash, "head_seq": batch.audit_head_seq},
        "templates_sha256": templates_sha256,
        "software": _versions(),
        "counts": {
            "cases": len(batch.cases),
            "persons": len(persons),
            "charges": sum(len(c.charges) for c in batch.cases),
            "cases_by_kind": {k: sum(1 for c in batch.cases if c.kind == k)
                              for k in ("automatic", "no-objection", "objection")},
            "letters": len(persons),
            "letters_without_mailing_address": sum(
                1 for p in persons.values() if not p.has_mailing_address),
            "documents": len(entries),
            "documents_by_kind": dict(sorted(by_kind.items())),
            "pages": sum(e.pages for e in entries),
        },
        "documents": [e.as_dict() for e in entries],
    }


def dump_manifest(manifest: dict[str, Any]) -> bytes:
    """Canonical bytes of a manifest (what the detached signature covers)."""
    return (json.dumps(manifest, sort_keys=True, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
