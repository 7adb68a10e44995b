"""The hash-chained audit log.

Every entry stores its ``seq`` (1, 2, 3, ...), the previous entry's hash
(``GENESIS`` for the first) and its own hash: SHA-256 over the canonical
serialisation (sorted-key, compact JSON) of the entry's fields, ``prev_hash``
included. An entry written for a review action also records the review row's
id and the hash of its content, so a review row that is altered, deleted or
added without an audit entry is caught too.

Both the ``audit`` and ``reviews`` tables refuse UPDATE and DELETE (triggers);
:func:`verify_chain` is what catches someone who drops the triggers first.

Audit entries never hold names, dates of birth or addresses: ``detail`` is a
small JSON object of keys and codes, and free text (a reviewer's note) is only
covered by the review row's hash.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass

GENESIS = "0" * 64

#: The fields of an audit entry covered by its hash (``hash`` itself excluded).
AUDIT_FIELDS: tuple[str, ...] = (
    "seq", "at", "actor", "event", "case_id", "review_id", "review_hash", "detail", "prev_hash",
)

#: The fields of a review row covered by its content hash (a fixed list: a later column
#: added to ``reviews`` must get a new hash scheme, not silently change old hashes).
REVIEW_FIELDS: tuple[str, ...] = (
    "id", "case_id", "case_number", "person_id", "track", "action", "ground", "note", "served",
    "undoes", "status", "expected_version", "reviewer", "created_at",
)


def canonical(obj: Mapping) -> bytes:
    """Sorted-key, compact, UTF-8 JSON: the bytes that are hashed."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def entry_hash(entry: Mapping) -> str:
    """The hash of an audit entry: over :data:`AUDIT_FIELDS` (prev_hash included)."""
    return sha256_hex(canonical({k: entry[k] for k in AUDIT_FIELDS}))


def review_hash(row: Mapping) -> str:
    """The content hash of a review row: over :data:`REVIEW_FIELDS`."""
    return sha256_hex(canonical({k: row[k] for k in REVIEW_FIELDS}))


def head(conn: sqlite3.Connection) -> tuple[int, str]:
    """(seq, hash) of the latest entry; (0, GENESIS) for an empty log."""
    row = conn.execute("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1").fetchone()
    return (0, GENESIS) if row is None else (int(row[0]), str(row[1]))


def append(
    conn: sqlite3.Connection,
    *,
    at: str,
    actor: str,
    event: str,
    detail: Mapping | None = None,
    case_id: int | None = None,
    review_id: int | None = None,
    review_row_hash: str | None = None,
) -> tuple[int, str]:
    """Append one entry; the caller holds the write transaction. Returns (seq, hash)."""
    if not conn.in_transaction:
        raise RuntimeError("audit.append must run inside a write transaction")
    last_seq, last_hash = head(conn)
    entry = {
        "seq": last_seq + 1, "at": at, "actor": actor, "event": event, "case_id": case_id,
        "review_id": review_id, "review_hash": review_row_hash,
        "detail": canonical(detail or {}).decode("utf-8"), "prev_hash": last_hash,
    }
    h = entry_hash(entry)
    conn.execute(
        "INSERT INTO audit (seq, at, actor, event, case_id, review_id, review_hash, detail, prev_hash, hash)"
        " VALUES (:seq, :at, :actor, :event, :case_id, :review_id, :review_hash, :detail, :prev_hash, :hash)",
        {**entry, "hash": h})
    return entry["seq"], h


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    checked: int
    first_bad_seq: int | None
    message: str
    head_hash: str = GENESIS
    bad_review_id: int | None = None


_AUDIT_SELECT = f"SELECT {', '.join(AUDIT_FIELDS)}, hash FROM audit ORDER BY seq"
_REVIEW_SELECT = (f"SELECT {', '.join('r.' + f for f in REVIEW_FIELDS)}, a.seq, a.review_hash, a.case_id"
                  " FROM reviews r LEFT JOIN audit a ON a.review_id = r.id ORDER BY r.id")


def verify_chain(conn: sqlite3.Connection, *, expect_head: str | None = None) -> VerifyResult:
    """Walk the chain and cross-check the reviews; name the first broken entry.

    Checks, in one pass each: seq runs 1, 2, 3, ... with no gap; each entry's
    prev_hash is the previous entry's hash; each entry's hash matches its fields;
    every review row has exactly one audit entry, whose recorded content hash and
    case match the row; every audit entry that names a review row has one.
    ``expect_head`` (a hash recorded elsewhere earlier) must appear in the chain:
    this catches the one thing a chain cannot show by itself, the loss of its tail.
    """
    problems: list[tuple[int, int | None, str]] = []  # (seq or big, review id, message)
    checked = 0
    prev = GENESIS
    expected_seq = 1
    seen_head = expect_head is None
    chain_broken = False
    for row in conn.execute(_AUDIT_SELECT):
        entry = dict(zip(AUDIT_FIELDS, row[:-1]))
        stored = row[-1]
        seq = entry["seq"]
        checked += 1
        if not chain_broken:
            msg = None
            if seq != expected_seq:
                msg = (f"audit entry {expected_seq} is missing (next entry is seq {seq})" if seq > expected_seq
                       else f"audit seq {seq} is out of order")
                bad = expected_seq
            elif entry["prev_hash"] != prev:
                msg = f"audit entry {seq}: prev_hash does not match the hash of entry {seq - 1}"
                bad = seq
            elif entry_hash(entry) != stored:
                msg = f"audit entry {seq}: its content does not match its hash (altered)"
                bad = seq
            if msg:
                problems.append((bad, None, msg))
                chain_broken = True
        if stored == expect_head:
            seen_head = True
        prev = stored
        expected_seq = seq + 1
    head_hash = prev

    n = len(REVIEW_FIELDS)
    for row in conn.execute(_REVIEW_SELECT):
        review = dict(zip(REVIEW_FIELDS, row[:n]))
        seq, recorded, audit_case = row[n], row[n + 1], row[n + 2]
        rid = review["id"]
        if seq is None:
            problems.append((1 << 62, rid, f"review entry {rid} has no audit entry (added outside clearterm)"))
            break
        if recorded != review_hash(review) or audit_case != review["case_id"]:
            problems.append((seq, rid, f"audit entry {seq}: review entry {rid} was altered"))
            break
    missing = conn.execute(
        "SELECT a.seq, a.review_id FROM audit a LEFT JOIN reviews r ON r.id = a.review_id"
        " WHERE a.review_id IS NOT NULL AND r.id IS NULL ORDER BY a.seq LIMIT 1").fetchone()
    if missing:
        problems.append((missing[0], missing[1], f"audit entry {missing[0]}: review entry {missing[1]} is missing"
                                                 " (deleted)"))
    if not seen_head:
        problems.append((1 << 62, None, "the expected head hash is not in the chain (entries were removed)"))
    if problems:
        bad_seq, rid, msg = min(problems, key=lambda p: p[0])
        return VerifyResult(False, checked, bad_seq if bad_seq < (1 << 62) else None, msg, head_hash, rid)
    return VerifyResult(True, checked, None, f"audit chain OK: {checked} entries", head_hash)
