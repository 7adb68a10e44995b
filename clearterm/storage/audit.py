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


# -- the state the log vouches for ---------------------------------------------------------------------
# Tables that are not logs themselves (users, user_roles, case_status, decision_current) are
# rebuilt from what the log and the append-only tables say, and compared with what is stored.
# Every line names ids (login names, case ids, record ids, decision ids), never a full name.

#: Lines reported at most; the rest are counted.
MAX_DIFFERENCES = 200


def full_name_digest(user: str, full_name: str | None) -> str | None:
    """What the ``user.add`` entry records of a full name: its hash, bound to the user, never the name."""
    if full_name is None:
        return None
    return sha256_hex(canonical({"user": user, "full_name": full_name}))


@dataclass
class _UserState:
    full_name_set: bool
    full_name_sha256: str | None  # None: not recorded (entries written before it was)
    disabled: bool
    created_at: str
    created_by: str
    changed_at: str
    changed_by: str
    roles: dict[str, tuple[str, str]]  # role -> (granted_at, granted_by)


def _safe_id(text: object) -> str:
    s = "".join(ch if ch.isprintable() else "?" for ch in str(text))
    return s[:64] + ("..." if len(s) > 64 else "")


def replay_users(conn: sqlite3.Connection) -> tuple[dict[str, _UserState], list[str]]:
    """The users and roles the log's ``user.*`` entries lead to, and problems found in the log itself."""
    users: dict[str, _UserState] = {}
    problems: list[str] = []
    for seq, at, actor, event, detail in conn.execute(
            "SELECT seq, at, actor, event, detail FROM audit WHERE event LIKE 'user.%' ORDER BY seq"):
        try:
            d = json.loads(detail)
            name = str(d["user"])
        except (ValueError, KeyError, TypeError):
            problems.append(f"audit entry {seq}: {event} entry without a user")
            continue
        u = users.get(name)
        if event == "user.add":
            if u is not None:
                problems.append(f"audit entry {seq}: adds user {_safe_id(name)} a second time")
            users[name] = _UserState(bool(d.get("full_name_set")), d.get("full_name_sha256"), False, at, actor,
                                     at, actor, {str(r): (at, actor) for r in d.get("roles", [])})
            continue
        if u is None:
            problems.append(f"audit entry {seq}: {event} of user {_safe_id(name)}, whom no earlier entry added")
            continue
        if event in ("user.disable", "user.enable"):
            u.disabled = event == "user.disable"
        elif event == "user.full_name":
            u.full_name_set, u.full_name_sha256 = bool(d.get("full_name_set")), d.get("full_name_sha256")
        elif event == "user.roles":
            before, after = set(d.get("before", [])), [str(r) for r in d.get("after", [])]
            if before != set(u.roles):
                problems.append(f"audit entry {seq}: roles of user {_safe_id(name)} before the change do not "
                                "match the earlier entries")
            u.roles = {r: u.roles.get(r, (at, actor)) for r in after}
        else:
            continue  # a user event of a later version: nothing to replay
        u.changed_at, u.changed_by = at, actor
    return users, problems


def _user_differences(conn: sqlite3.Connection) -> list[str]:
    users, out = replay_users(conn)
    stored = {r[0]: r[1:] for r in conn.execute(
        "SELECT name, full_name, disabled, created_at, created_by, changed_at, changed_by FROM users")}
    roles: dict[str, dict[str, tuple[str, str]]] = {}
    for user, role, g_at, g_by in conn.execute("SELECT user, role, granted_at, granted_by FROM user_roles"):
        roles.setdefault(user, {})[role] = (g_at, g_by)
    for name in sorted(set(users) | set(stored) | set(roles)):
        who = _safe_id(name)
        u, row = users.get(name), stored.get(name)
        if u is None and row is not None:
            out.append(f"users: user {who} is in the store but no audit entry added them")
        elif u is not None and row is None:
            out.append(f"users: user {who} was added (audit) but is missing from the store")
        elif u is not None and row is not None:
            full, disabled, c_at, c_by, ch_at, ch_by = row
            if (full is not None) != u.full_name_set or (
                    u.full_name_sha256 is not None and full_name_digest(name, full) != u.full_name_sha256):
                out.append(f"users: the full name of user {who} is not the one the audit log recorded")
            if bool(disabled) != u.disabled:
                out.append(f"users: user {who} is {'disabled' if disabled else 'enabled'} in the store, "
                           f"{'disabled' if u.disabled else 'enabled'} per the audit log")
            if (c_at, c_by) != (u.created_at, u.created_by):
                out.append(f"users: user {who}'s creation (when, by whom) differs from the audit log")
            if (ch_at, ch_by) != (u.changed_at, u.changed_by):
                out.append(f"users: user {who}'s last change (when, by whom) differs from the audit log")
        want = u.roles if u is not None else {}
        have = roles.get(name, {})
        for role in sorted(set(want) | set(have)):
            if role not in want:
                out.append(f"user_roles: user {who} holds {_safe_id(role)}, which no audit entry granted")
            elif role not in have:
                out.append(f"user_roles: user {who} lacks {_safe_id(role)}, which the audit log granted")
            elif want[role] != have[role]:
                out.append(f"user_roles: user {who}'s {_safe_id(role)} grant (when, by whom) differs from the "
                           "audit log")
    return out


def _case_status_differences(conn: sqlite3.Connection) -> list[str]:
    from clearterm.storage.reviews import derived_status_rows

    want = {r[0]: r for r in derived_status_rows(conn)}
    have = {r[0]: r for r in conn.execute(
        "SELECT case_id, status, version, decision_id, reviewer, updated_at, service_date FROM case_status")}
    names = ("status", "version", "decision entry", "reviewer", "updated at", "service date")
    out = []
    for cid in sorted(set(want) | set(have)):
        w, h = want.get(cid), have.get(cid)
        if w is None:
            out.append(f"case_status: case {cid} has a status ({_safe_id(h[1])}) but no review entry")
        elif h is None:
            out.append(f"case_status: case {cid} has review entries but no status row (should be {w[1]})")
        elif w != h:
            fields = [n for n, a, b in zip(names, w[1:], h[1:]) if a != b]
            out.append(f"case_status: case {cid}: {', '.join(fields)} differ from the review log"
                       + (f" (store {_safe_id(h[1])}, log {w[1]})" if "status" in fields else ""))
    return out


def _decision_differences(conn: sqlite3.Connection) -> tuple[list[str], list[str]]:
    """decision_current against the append-only decisions (the latest per record is in force), and
    decisions beyond the last audited evaluation. Returns (differences, notes)."""
    out, notes = [], []
    for rid, cur, latest in conn.execute(
            "SELECT c.record_id, c.decision_id, (SELECT max(d.id) FROM decisions d WHERE d.record_id = c.record_id)"
            " FROM decision_current c WHERE c.decision_id IS NOT"
            " (SELECT max(d.id) FROM decisions d WHERE d.record_id = c.record_id)"):
        out.append(f"decision_current: record {_safe_id(rid)} points at decision {cur}, the latest decision is "
                   f"{latest if latest is not None else 'none'}")
    for rid, did in conn.execute(
            "SELECT c.record_id, c.decision_id FROM decision_current c JOIN decisions d ON d.id = c.decision_id"
            " WHERE d.dkey != c.dkey OR d.record_id != c.record_id"):
        out.append(f"decision_current: record {_safe_id(rid)}: its entry does not match decision {did}")
    for (rid,) in conn.execute(
            "SELECT DISTINCT d.record_id FROM decisions d WHERE NOT EXISTS"
            " (SELECT 1 FROM decision_current c WHERE c.record_id = d.record_id)"):
        out.append(f"decision_current: record {_safe_id(rid)} has decisions but none in force")
    through = None
    for (detail,) in conn.execute("SELECT detail FROM audit WHERE event = 'evaluate' ORDER BY seq"):
        try:
            t = json.loads(detail).get("decisions_through")
        except (ValueError, AttributeError):
            t = None
        if isinstance(t, int):
            through = max(through or 0, t)
    if through is None:
        if conn.execute("SELECT 1 FROM decisions LIMIT 1").fetchone() is None:
            return out, notes
        notes.append("no audited evaluation records its last decision: decisions added outside clearterm "
                     "cannot be told apart")
        return out, notes
    running = conn.execute("SELECT max(id) FROM evaluations").fetchone()[0]
    running_open = conn.execute("SELECT status FROM evaluations WHERE id = ?", (running,)).fetchone()
    for eid, status, n, first in conn.execute(
            "SELECT d.evaluation_id, e.status, count(*), min(d.id) FROM decisions d"
            " LEFT JOIN evaluations e ON e.id = d.evaluation_id WHERE d.id > ? GROUP BY d.evaluation_id",
            (through,)):
        if eid == running and running_open and running_open[0] == "running":
            notes.append(f"evaluation {eid} is running or was interrupted: its {n:,} decisions are not audited "
                         "yet (run evaluate again to finish it)")
        else:
            out.append(f"decisions: {n:,} decision(s) of evaluation {eid} from id {first} on were added after "
                       f"the last audited evaluation (decisions through {through})")
    return out, notes


@dataclass(frozen=True)
class StateResult:
    differences: list[str]
    notes: list[str]

    @property
    def ok(self) -> bool:
        return not self.differences


def verify_state(conn: sqlite3.Connection, *, limit: int = MAX_DIFFERENCES) -> StateResult:
    """Recompute users, roles, case status and the decisions in force, and compare with the store.

    - users and user_roles: replayed from the ``user.add``/``user.disable``/``user.enable``/
      ``user.roles``/``user.full_name`` entries (who, when, by whom, roles, the full name's hash);
    - case_status: replayed from the review entries (which :func:`verify_chain` ties to the log);
    - decision_current: the latest decision of each record (decisions are append-only);
    - decisions: none beyond the last one an audited ``evaluate`` entry records;
    - late_objections: exactly the objections whose audit entry says late.
    - case_notes and assignments: each against its audit entry (``storage.casework``).
    - reviews.bulk_id: the bulk action the entry's audit entry names (``detail.bulk``).

    One line per difference (ids only), at most ``limit`` lines plus a count of the rest.
    """
    diffs = _user_differences(conn)
    diffs += _case_status_differences(conn)
    diffs += _late_objection_differences(conn)
    from clearterm.storage.casework import casework_differences  # (it imports this module)

    diffs += casework_differences(conn)  # notes and assignments against their entries
    more, notes = _decision_differences(conn)
    diffs += more
    from clearterm.storage.bulk_reviews import bulk_mismatches  # it imports this module

    diffs += [f"review entry {rid}: its bulk action is not the one its audit entry names" for rid in bulk_mismatches(conn)]
    if len(diffs) > limit:
        diffs = diffs[:limit] + [f"... and {len(diffs) - limit:,} more differences"]
    return StateResult(diffs, notes)


def _late_objection_differences(conn: sqlite3.Connection) -> list[str]:
    """``late_objections`` (migration 0011) against the audit entries of the objections: an
    objection is late exactly when its audit entry says so, with the same deadline. A row
    removed (so that ``batch sign`` would pass it without --allow-late) or added is a line."""
    if conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'late_objections'").fetchone() is None:
        return []
    logged = {}
    for review_id, detail in conn.execute("SELECT review_id, detail FROM audit WHERE event = 'review.object'"):
        d = json.loads(detail)
        if d.get("late"):
            logged[review_id] = d.get("deadline")
    stored = dict(conn.execute("SELECT review_id, deadline FROM late_objections"))
    out = [f"review {rid}: its audit entry records a late objection (deadline {dl}) that late_objections lacks"
           for rid, dl in sorted(logged.items()) if rid not in stored]
    out += [f"review {rid}: late_objections says late (deadline {dl}) but its audit entry does not"
            if rid not in logged else f"review {rid}: late_objections deadline {dl}, its audit entry {logged[rid]}"
            for rid, dl in sorted(stored.items()) if logged.get(rid) != dl]
    return out


def hash_at(conn: sqlite3.Connection, seq: int) -> str | None:
    """The hash of audit entry ``seq`` (None if the log has no such entry)."""
    row = conn.execute("SELECT hash FROM audit WHERE seq = ?", (seq,)).fetchone()
    return None if row is None else row[0]


def event_at(conn: sqlite3.Connection, seq: int) -> tuple[str, str] | None:
    """(event, detail JSON) of audit entry ``seq`` (None if the log has no such entry)."""
    row = conn.execute("SELECT event, detail FROM audit WHERE seq = ?", (seq,)).fetchone()
    return None if row is None else (row[0], row[1])
