"""Notes on cases, cases given to reviewers, and the batch a case is in (migration 0012, issue 15).

``case_notes`` and ``assignments`` are append-only (triggers refuse UPDATE and DELETE). Each
note is written with its audit entry (``case.note``: the note's id and the SHA-256 of its text,
never the text); each ``assign`` run with one audit entry (``case.assign``). The caller holds the
write transaction (``store.write()``). Nothing here logs or puts into a message a name, a date
of birth, an address or a note's text.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass

from clearterm.domain.dates import utc_now_iso
from clearterm.storage import audit
from clearterm.storage.reviews import HOLDER_SQL, NO_TRANCHE_SORT, CaseRef

MAX_NOTE = 2000  # characters


@dataclass(frozen=True)
class CaseNote:
    id: int
    case_id: int
    note: str
    reviewer: str
    created_at: str
    audit_seq: int

    def __repr__(self) -> str:  # free text: keep it out of tracebacks
        return f"CaseNote(id={self.id}, case_id={self.case_id})"


def add_note(conn: sqlite3.Connection, case: CaseRef, note: str, *, reviewer: str,
             at: str | None = None) -> CaseNote:
    """Append a note and its audit entry (inside the caller's write transaction)."""
    if not conn.in_transaction:
        raise RuntimeError("add_note must run inside a write transaction")
    at = at or utc_now_iso()
    nid = int(conn.execute("SELECT coalesce(max(id), 0) + 1 FROM case_notes").fetchone()[0])
    digest = audit.sha256_hex(note.encode("utf-8"))
    seq, _h = audit.append(conn, at=at, actor=reviewer, event="case.note", case_id=case.id,
                           detail={"note_id": nid, "note_sha256": digest})
    conn.execute("INSERT INTO case_notes (id, case_id, case_number, person_id, note, reviewer, created_at,"
                 " audit_seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                 (nid, case.id, case.case_number, case.person_id, note, reviewer, at, seq))
    return CaseNote(nid, case.id, note, reviewer, at, seq)


def case_notes(conn: sqlite3.Connection, case_id: int) -> list[CaseNote]:
    """The case's notes, oldest first."""
    return [CaseNote(*r) for r in conn.execute(
        "SELECT id, case_id, note, reviewer, created_at, audit_seq FROM case_notes WHERE case_id = ? ORDER BY id",
        (case_id,))]


# -- assignments -------------------------------------------------------------------------------------
def holder(conn: sqlite3.Connection, case_id: int) -> str | None:
    row = conn.execute("SELECT reviewer FROM assignments WHERE case_id = ? ORDER BY id DESC LIMIT 1",
                       (case_id,)).fetchone()
    return row[0] if row else None


def held_count(conn: sqlite3.Connection, reviewer: str) -> int:
    """How many cases ``reviewer`` holds now."""
    return int(conn.execute(
        "SELECT count(*) FROM assignments a WHERE a.reviewer = ?"
        " AND a.id = (SELECT max(b.id) FROM assignments b WHERE b.case_id = a.case_id)", (reviewer,)).fetchone()[0])


def assignable_case_ids(conn: sqlite3.Connection, *, track: str | None, tranche: int | None,
                        limit: int | None, held_by: str | None = None) -> list[int]:
    """Undecided cases (pending or deferred) on a track that nobody holds (``held_by`` None) or
    that ``held_by`` holds now, in queue order."""
    where = ["c.track IS NOT NULL" if track is None else "c.track = :track",
             "coalesce(s.status, 'pending') IN ('pending', 'deferred')",
             f"{HOLDER_SQL} IS NULL" if held_by is None else f"{HOLDER_SQL} = :held_by"]
    if tranche is not None:
        where.append(f"coalesce(c.tranche, {NO_TRANCHE_SORT}) = :tranche")
    sql = (f"SELECT c.id FROM cases c LEFT JOIN case_status s ON s.case_id = c.id WHERE {' AND '.join(where)}"
           f" ORDER BY coalesce(c.tranche, {NO_TRANCHE_SORT}), c.id")
    params: dict = {"track": track, "tranche": tranche, "held_by": held_by}
    if limit is not None:
        sql += " LIMIT :limit"
        params["limit"] = int(limit)
    return [r[0] for r in conn.execute(sql, params)]


def insert_assignments(conn: sqlite3.Connection, case_ids: Sequence[int], *, reviewer: str | None, by: str,
                       detail: dict, at: str | None = None) -> tuple[int, int | None, int | None]:
    """Give ``case_ids`` to ``reviewer`` (None: release them, nobody holds them after): one audit
    entry (``case.assign``, ``detail`` plus the count and the first and last assignment id), one
    row per case. Returns (audit seq, first id, last id)."""
    if not conn.in_transaction:
        raise RuntimeError("insert_assignments must run inside a write transaction")
    at = at or utc_now_iso()
    first = int(conn.execute("SELECT coalesce(max(id), 0) + 1 FROM assignments").fetchone()[0])
    last = first + len(case_ids) - 1 if case_ids else None
    seq, _h = audit.append(conn, at=at, actor=by, event="case.assign",
                           detail={**detail, "reviewer": reviewer, "cases": len(case_ids),
                                   "first_id": first if case_ids else None, "last_id": last})
    conn.executemany("INSERT INTO assignments (id, case_id, reviewer, assigned_by, assigned_at, audit_seq)"
                     " VALUES (?, ?, ?, ?, ?, ?)",
                     [(first + i, cid, reviewer, by, at, seq) for i, cid in enumerate(case_ids)])
    return seq, (first if case_ids else None), last


# -- the batch a case is in ----------------------------------------------------------------------------
def batch_of_case(conn: sqlite3.Connection, case_id: int) -> tuple[str, str] | None:
    """(label, state) of the batch holding the case: state 'open', 'publishing' or 'signed'."""
    row = conn.execute(
        "SELECT b.label, CASE WHEN b.status = 'signed' THEN 'signed'"
        " WHEN EXISTS (SELECT 1 FROM batch_publishing p WHERE p.batch_id = b.id) THEN 'publishing'"
        " ELSE b.status END FROM batch_cases bc JOIN batches b ON b.id = bc.batch_id WHERE bc.case_id = ?",
        (case_id,)).fetchone()
    return (row[0], row[1]) if row else None


# -- a reader beside the workstation's connection --------------------------------------------------------
def connect_reader(path: str | os.PathLike) -> sqlite3.Connection:
    """A second, query-only connection to an open (migrated) store, for counts that should not
    hold up the workstation's own connection (WAL: readers neither block nor wait for the writer)."""
    conn = sqlite3.connect(os.fspath(path), timeout=5, isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA busy_timeout=5000")
    conn.execute("PRAGMA query_only=ON")
    conn.execute("PRAGMA temp_store=MEMORY")
    return conn


# -- what audit verify checks ------------------------------------------------------------------------------
def casework_differences(conn: sqlite3.Connection) -> list[str]:
    """Notes and assignments against their audit entries (``audit verify``): every note matches
    its ``case.note`` entry (case, reviewer, time, the text's SHA-256) and every such entry has its
    note; every assignment lies in the id range of its ``case.assign`` entry (same admin, reviewer)
    and each entry's count is the rows it made. One line per difference; ids only, never a note."""
    import json

    out: list[str] = []
    entries = {seq: (actor, at, case_id, json.loads(detail or "{}")) for seq, actor, at, case_id, detail in
               conn.execute("SELECT seq, actor, at, case_id, detail FROM audit WHERE event = 'case.note'")}
    seen: set[int] = set()
    for nid, case_id, note, reviewer, created_at, seq in conn.execute(
            "SELECT id, case_id, note, reviewer, created_at, audit_seq FROM case_notes ORDER BY id"):
        e = entries.get(seq)
        if e is None:
            out.append(f"case note {nid}: no case.note audit entry {seq} (added outside clearterm)")
            continue
        seen.add(seq)
        actor, at, e_case, d = e
        if (actor, at, e_case, d.get("note_id"), d.get("note_sha256")) != (
                reviewer, created_at, case_id, nid, audit.sha256_hex(note.encode("utf-8"))):
            out.append(f"case note {nid}: does not match audit entry {seq} (altered)")
    out += [f"audit entry {seq}: case note {entries[seq][3].get('note_id')} is missing (deleted)"
            for seq in sorted(set(entries) - seen)]
    return out + _assignment_differences(conn)


def _assignment_differences(conn: sqlite3.Connection) -> list[str]:
    import json

    out: list[str] = []
    runs = {seq: (actor, json.loads(detail or "{}")) for seq, actor, detail in
            conn.execute("SELECT seq, actor, detail FROM audit WHERE event = 'case.assign'")}
    made: dict[int, int] = {}
    for aid, reviewer, by, seq in conn.execute(
            "SELECT id, reviewer, assigned_by, audit_seq FROM assignments ORDER BY id"):
        run = runs.get(seq)
        if run is None:
            out.append(f"assignment {aid}: no case.assign audit entry {seq} (added outside clearterm)")
            continue
        actor, d = run
        first, last = d.get("first_id"), d.get("last_id")
        if actor != by or d.get("reviewer") != reviewer or first is None or not first <= aid <= last:
            out.append(f"assignment {aid}: does not match audit entry {seq} (altered)")
        made[seq] = made.get(seq, 0) + 1
    for seq, (_actor, d) in sorted(runs.items()):
        if made.get(seq, 0) != d.get("cases", 0):
            out.append(f"audit entry {seq}: assigned {d.get('cases', 0)} case(s), the store holds "
                       f"{made.get(seq, 0)} (rows added or removed)")
    return out
