"""The batch index (a printable, signed cover sheet) and ``SHA256SUMS``.

``index.pdf`` lists the batch label, the counts, every document of the batch with its pages
and the start of its SHA-256, the signer and the audit anchor, so a clerk can check a printed
batch against the files. It is made last (it needs every other document's hash and the audit
anchor read in the store transaction), signed like the rest and listed in the manifest (kind
``index``); its own hash is in ``manifest.json`` and ``SHA256SUMS``.

``SHA256SUMS`` is the ``sha256sum`` check file of every document, the index, ``manifest.json``
and ``manifest.json.p7s``: ``sha256sum -c SHA256SUMS`` in the batch folder checks them all.
It is not signed itself; :func:`clearterm.documents.verify.verify_batch` checks that it agrees
with the signed manifest.
"""

from __future__ import annotations

import re
from typing import Iterable

from .layout import Doc
from .manifest import DocumentEntry
from .model import Batch
from .render import Rendered, long_date
from .templates import Templates

INDEX = "index.pdf"
SUMS = "SHA256SUMS"
HASH_SHOWN = 16  # hex digits of each SHA-256 printed on the index
_SUM_LINE = re.compile(r"^([0-9a-f]{64}) [ *](.+)$")


def sums_text(hashes: Iterable[tuple[str, str]]) -> bytes:
    """The ``sha256sum`` check file of (path, sha256) pairs, sorted by path."""
    lines = []
    for path, sha in sorted(hashes):
        if "\n" in path or "\\" in path or not re.fullmatch(r"[0-9a-f]{64}", sha):
            raise ValueError(f"cannot list {path!r} in {SUMS}")
        lines.append(f"{sha}  {path}\n")
    return "".join(lines).encode("utf-8")


def parse_sums(data: bytes) -> dict[str, str]:
    """{path: sha256} of a ``SHA256SUMS`` file; ValueError naming the line if malformed."""
    out: dict[str, str] = {}
    for n, line in enumerate(data.decode("utf-8").splitlines(), 1):
        m = _SUM_LINE.match(line)
        if not m or m[2] in out:
            raise ValueError(f"{SUMS} line {n} is not '<sha256>  <path>' (or repeats a path)")
        out[m[2]] = m[1]
    return out


def render_index(batch: Batch, entries: list[DocumentEntry], signer: dict[str, str],
                 templates: Templates) -> Rendered:
    """The unsigned index of ``batch`` listing ``entries`` (its other documents)."""
    t = templates
    entries = sorted(entries, key=lambda e: e.path)
    persons = {c.person.person_id for c in batch.cases}
    values = {
        "batch_id": batch.batch_id, "track": batch.track,
        "filing_date": long_date(batch.created_at.date()),
        "signer_name": batch.signer_name, "signer_title": batch.signer_title,
        "certificate_sha256": signer.get("certificate_sha256", "")[:HASH_SHOWN],
        "certificate_issuer": signer.get("issuer", ""),
        "audit_seq": str(batch.audit_head_seq), "audit_hash": batch.audit_head_hash,
        "cases": str(len(batch.cases)), "persons": str(len(persons)),
        "charges": str(sum(len(c.charges) for c in batch.cases)),
        "documents": str(len(entries)), "pages": str(sum(e.pages for e in entries)),
        "office_name": batch.office.name,
    }
    sample = " ".join(values.values()) + " ".join(f"{e.path} {e.case_number} {e.person_id}" for e in entries)
    doc = Doc(title=t.label("title_index", values), subject=t.label("title_index", values),
              author=f"{batch.signer_name}, {batch.signer_title}", created_at=batch.created_at,
              text_sample=sample + "".join(sorted(set("".join(t.labels.values())))),
              keywords=f"clearterm batch {batch.batch_id}")
    doc.add_page()
    doc.line_of([(t.label("index_title", values), True)], 14, 18, align="C")
    doc.line_of([(t.label("index_subtitle", values), False)], 11, 15, align="C")
    doc.space(10)
    for key in ("index_office", "index_signer", "index_certificate", "index_audit", "index_counts"):
        doc.paragraph([(t.label(key, values), False)], size=10, leading=13, space_after=3)
    kinds = _kind_counts(entries)
    doc.paragraph([(", ".join(f"{_kind_label(t, k, values)}: {n}"
                              for k, n in kinds), False)], size=10, leading=13, space_after=3)
    doc.paragraph([(t.label("index_note", values), False)], size=10, leading=13, space_after=8)
    widths = (24.0, 168.0, 148.0, 30.0)
    cols = [(t.label(k, values), w) for k, w in zip(
        ("index_col_row", "index_col_document", "index_col_case", "index_col_pages", "index_col_sha"),
        widths + (doc.width - sum(widths),))]
    rows = ((str(n), e.path, " / ".join(x for x in (e.case_number, e.person_id, e.department) if x),
             str(e.pages) if e.path.lower().endswith(".pdf") else "-", e.sha256[:HASH_SHOWN])
            for n, e in enumerate(entries, 1))
    doc.table(cols, rows, size=8.5, leading=10.5, pad=2.5)
    doc.space(10)
    doc.ensure(3 * 13)
    doc.line_of([(t.label("index_signature", values), True)], 10, 13)
    footer = t.label("footer_index", values)
    doc.footer(1, doc.pages, lambda i, n: (
        footer, t.label("footer_page", {"page": str(i), "pages": str(n)})))
    return Rendered(doc.output(), doc.pages)


def _kind_label(t: Templates, kind: str, values: dict[str, str]) -> str:
    key = "index_kind_" + kind.replace("-", "_")
    # an office's labels.toml from before a kind was added: its plain name
    return t.label(key, values) if key in t.labels else kind.replace("-", " ")


def _kind_counts(entries: list[DocumentEntry]) -> list[tuple[str, int]]:
    order = ("motion", "order", "objection", "no-objection", "letters", "mail-list")
    counts: dict[str, int] = {}
    for e in entries:
        counts[e.kind] = counts.get(e.kind, 0) + 1
    return sorted(counts.items(), key=lambda kv: (order.index(kv[0]) if kv[0] in order else 99, kv[0]))
