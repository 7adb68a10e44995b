"""The life of a case after its review decision: ``case_lifecycle`` and its sources.

``case_lifecycle`` (migration 0009) holds one row per case that is in a batch: its state
(:data:`LIFECYCLE_STATES`), its batch, its current court date and the date of its last ruling.
It is derived from the batch tables, ``batch_filings``, ``rulings`` and ``case_notices`` and
rebuilt by :func:`refresh_lifecycle`; every writer that changes one of those tables calls it for
the cases it touched, inside its own write transaction (the caller's ``Store.write``), so the
state never disagrees with the tables it is read from.

:func:`set_lifecycle` writes one state directly (for a writer that knows the state it has just
caused); :func:`refresh_lifecycle` is the one to prefer: it reads the state from the tables.

How a state is derived (:func:`derive_state`), for a case in a batch:

* no ruling: ``batched`` (batch open or being signed), ``signed`` (batch signed), ``filed``
  (the batch has a filing; court date: the batch's latest court date);
* the ruling that counts is the case's final ruling when it has one (even if a continuance was
  recorded with a later date: a final ruling is never hidden behind it), else its latest ruling
  (by ruling date, then entry);
* that ruling ``continued``: ``continued``, court date the
  later of its next court date and the batch's latest court date when that one was set for after
  the ruling (the whole call moved); none if neither;
* ``granted``/``denied``/``stricken``/``withdrawn``: that state, then ``notified`` once a letter
  to the person was recorded (``letter_granted`` or ``letter_denied``), ``agencies_told`` (granted
  only) once every agency its notice goes to is told (``agency`` notices): the Illinois State
  Police, the Clerk and each arresting agency of its charges on the papers
  (:func:`agencies_all_told`); one agency told is not enough.

A case that is in no batch (its open batch was dropped, or the case was taken out) has no row.
Everything here runs inside the caller's write transaction.
"""

from __future__ import annotations

import json
import sqlite3
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from clearterm.storage.migrations.m0009_lifecycle import LIFECYCLE_STATES, RULINGS

__all__ = [
    "LIFECYCLE_STATES", "RULINGS", "CaseFacts", "derive_state", "set_lifecycle", "refresh_lifecycle",
    "refresh_batch_lifecycle", "lifecycle_row", "lifecycle_counts",
]

#: The rulings that end a case; a case has at most one (services.lifecycle.check_ruling).
FINAL_RULINGS = ("granted", "denied", "stricken", "withdrawn")

#: Case ids per refresh query (json_each keeps the statement one parameter long).
_CHUNK = 5000


@dataclass(frozen=True)
class CaseFacts:
    """What the state of one case is derived from."""

    case_id: int
    batch_id: int | None
    batch_status: str | None  # 'open' | 'signed'
    filed: bool
    batch_court_date: str | None  # the batch's latest court date (filing or continuance)
    ruling: str | None  # the latest ruling
    ruling_date: str | None
    next_court_date: str | None
    letter: bool  # a letter to the person was recorded
    agency: bool  # every agency it needs was told (agencies_all_told)


def derive_state(f: CaseFacts) -> tuple[str, str | None, str | None] | None:
    """(state, court_date, ruling_date) of a case, or None when it is in no batch."""
    if f.batch_id is None:
        return None
    if f.ruling is None:
        if f.filed:
            return "filed", f.batch_court_date, None
        return ("signed" if f.batch_status == "signed" else "batched"), None, None
    if f.ruling == "continued":
        court = f.next_court_date
        later = f.batch_court_date if f.batch_court_date and f.batch_court_date > (f.ruling_date or "") else None
        if later and (court is None or later > court):
            court = later  # the whole call was moved after the continuance
        return "continued", court, f.ruling_date
    if f.agency and f.ruling == "granted":
        return "agencies_told", None, f.ruling_date
    if f.letter:
        return "notified", None, f.ruling_date
    return f.ruling, None, f.ruling_date


_FACTS_SQL = """
SELECT i.value, bc.batch_id, b.status,
  EXISTS (SELECT 1 FROM batch_filings f WHERE f.batch_id = bc.batch_id AND f.kind = 'filed'),
  (SELECT f.court_date FROM batch_filings f WHERE f.batch_id = bc.batch_id ORDER BY f.id DESC LIMIT 1),
  r.ruling, r.ruling_date, r.next_court_date,
  EXISTS (SELECT 1 FROM case_notices n WHERE n.case_id = i.value AND n.kind IN ('letter_granted', 'letter_denied')),
  EXISTS (SELECT 1 FROM case_notices n WHERE n.case_id = i.value AND n.kind = 'agency')
FROM json_each(?) i
LEFT JOIN batch_cases bc ON bc.case_id = i.value
LEFT JOIN batches b ON b.id = bc.batch_id
LEFT JOIN rulings r ON r.id = (SELECT r2.id FROM rulings r2 WHERE r2.case_id = i.value
                               ORDER BY r2.ruling IN ({final}) DESC, r2.ruling_date DESC, r2.id DESC LIMIT 1)
""".replace("{final}", ", ".join(f"'{r}'" for r in FINAL_RULINGS))

_UPSERT_SQL = """
INSERT INTO case_lifecycle (case_id, state, batch_id, court_date, ruling_date, updated_at)
VALUES (?, ?, ?, ?, ?, ?)
ON CONFLICT (case_id) DO UPDATE SET state = excluded.state, batch_id = excluded.batch_id,
  court_date = excluded.court_date, ruling_date = excluded.ruling_date, updated_at = excluded.updated_at
WHERE case_lifecycle.state IS NOT excluded.state OR case_lifecycle.batch_id IS NOT excluded.batch_id
  OR case_lifecycle.court_date IS NOT excluded.court_date
  OR case_lifecycle.ruling_date IS NOT excluded.ruling_date
"""


#: The agencies every granted case's notice goes to besides its arresting agencies (the default
#: ``agency_state_police`` and ``agency_clerk`` labels of templates/documents/notices): used only to
#: see that a case's arresting agency *is* one of them (its notice then counts once).
STATE_AGENCIES = ("Illinois State Police", "Clerk of the Circuit Court of Cook County")
#: The review categories whose charges are on the papers (services.batches.RELIEF_CATEGORIES).
_RELIEF = ("automatic", "petition")

#: Per case: the agencies told ('told', name) and the arresting agencies of its charges on the
#: papers ('arrest', name: records whose decision in force is automatic or petition).
_AGENCIES_SQL = f"""
SELECT n.case_id, 'told', n.agency FROM case_notices n
WHERE n.case_id IN (SELECT value FROM json_each(:ids)) AND n.kind = 'agency'
UNION ALL
SELECT bc.case_id, 'arrest', r.arresting_agency FROM batch_cases bc
JOIN records r ON r.case_number = bc.case_number AND coalesce(r.person_id, '') = bc.person_id
JOIN decision_current dc ON dc.record_id = r.record_id
JOIN decisions d ON d.id = dc.decision_id
WHERE bc.case_id IN (SELECT value FROM json_each(:ids)) AND d.category IN ({", ".join(f"'{c}'" for c in _RELIEF)})
  AND trim(coalesce(r.arresting_agency, '')) != ''
"""


def agency_key(name: str) -> str:
    """An agency name as compared (trimmed, NFC, casefolded), as the notices name them."""
    return unicodedata.normalize("NFC", name.strip()).casefold()


def agencies_all_told(told: Iterable[str], arresting: Iterable[str]) -> bool:
    """Whether every agency a granted case's notice goes to is told: each of its arresting
    agencies, the Illinois State Police and the Clerk (``clearterm notices`` makes one notice per
    agency: documents.notices.agencies_of_case). ``told``: the agencies of its ``agency`` notices."""
    told_k = {agency_key(a) for a in told if a and a.strip()}
    arrest_k = {agency_key(a) for a in arresting if a and a.strip()}
    if not arrest_k <= told_k:
        return False
    # the State Police and the Clerk: two more agencies, fewer when the arresting agency is one of them
    state = {agency_key(a) for a in STATE_AGENCIES}
    return len(told_k - arrest_k) >= len(state - arrest_k)


def _facts(conn: sqlite3.Connection, ids: list[int]) -> list[CaseFacts]:
    rows = conn.execute(_FACTS_SQL, (json.dumps(ids),)).fetchall()
    # an agency notice makes a granted case agencies_told only once every agency it needs is told
    check = [int(r[0]) for r in rows if r[5] == "granted" and r[9]]
    told: dict[int, tuple[list[str], list[str]]] = {c: ([], []) for c in check}
    if check:
        for case_id, what, name in conn.execute(_AGENCIES_SQL, {"ids": json.dumps(check)}):
            told[case_id][0 if what == "told" else 1].append(name)
    return [CaseFacts(int(r[0]), r[1], r[2], bool(r[3]), r[4], r[5], r[6], r[7], bool(r[8]),
                      int(r[0]) in told and agencies_all_told(*told[int(r[0])]))
            for r in rows]


def _require_transaction(conn: sqlite3.Connection) -> None:
    if not conn.in_transaction:
        raise RuntimeError("case_lifecycle is written inside a write transaction only")


def refresh_lifecycle(conn: sqlite3.Connection, case_ids: Iterable[int], *, at: str) -> int:
    """Re-derive the state of ``case_ids`` from the tables; returns how many rows changed.

    Run inside the write transaction that changed the batch, filing, ruling or notice rows.
    ``at`` is the change's timestamp (``updated_at`` moves only for a row whose state changed).
    """
    _require_transaction(conn)
    ids = sorted({int(c) for c in case_ids})
    changed = 0
    for start in range(0, len(ids), _CHUNK):
        upserts, gone = [], []
        for facts in _facts(conn, ids[start:start + _CHUNK]):
            derived = derive_state(facts)
            if derived is None:
                gone.append((facts.case_id,))
            else:
                state, court, ruled = derived
                upserts.append((facts.case_id, state, facts.batch_id, court, ruled, at))
        before = conn.total_changes
        conn.executemany(_UPSERT_SQL, upserts)
        conn.executemany("DELETE FROM case_lifecycle WHERE case_id = ?", gone)
        changed += conn.total_changes - before
    return changed


def refresh_batch_lifecycle(conn: sqlite3.Connection, batch_id: int, *, at: str,
                            also: Iterable[int] = ()) -> int:
    """:func:`refresh_lifecycle` for every case of the batch (plus ``also``: cases just taken out)."""
    ids = [r[0] for r in conn.execute("SELECT case_id FROM batch_cases WHERE batch_id = ?", (batch_id,))]
    ids += [r[0] for r in conn.execute("SELECT case_id FROM case_lifecycle WHERE batch_id = ?", (batch_id,))]
    return refresh_lifecycle(conn, [*ids, *also], at=at)


def set_lifecycle(conn: sqlite3.Connection, case_id: int, state: str, *, at: str,
                  batch_id: int | None = None, court_date: str | None = None,
                  ruling_date: str | None = None) -> None:
    """Write the state of one case directly (inside the caller's write transaction).

    ``batch_id``, ``court_date`` and ``ruling_date`` keep their stored values when not given.
    Prefer :func:`refresh_lifecycle` after writing the row that causes the change (a letter
    recorded in ``case_notices`` makes the case ``notified`` there too).
    """
    _require_transaction(conn)
    if state not in LIFECYCLE_STATES:
        raise ValueError(f"unknown lifecycle state {state!r}")
    conn.execute(
        "INSERT INTO case_lifecycle (case_id, state, batch_id, court_date, ruling_date, updated_at)"
        " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (case_id) DO UPDATE SET state = excluded.state,"
        " batch_id = coalesce(excluded.batch_id, case_lifecycle.batch_id),"
        " court_date = coalesce(excluded.court_date, case_lifecycle.court_date),"
        " ruling_date = coalesce(excluded.ruling_date, case_lifecycle.ruling_date),"
        " updated_at = excluded.updated_at",
        (case_id, state, batch_id, court_date, ruling_date, at))


def lifecycle_row(conn: sqlite3.Connection, case_id: int) -> tuple | None:
    """(state, batch_id, court_date, ruling_date, updated_at) of a case, or None."""
    return conn.execute("SELECT state, batch_id, court_date, ruling_date, updated_at FROM case_lifecycle"
                        " WHERE case_id = ?", (case_id,)).fetchone()


def lifecycle_counts(conn: sqlite3.Connection, batch_id: int | None = None) -> dict[str, int]:
    """Cases by state (a batch's, or all), in :data:`LIFECYCLE_STATES` order, states with none left out."""
    where, params = (" WHERE batch_id = ?", (batch_id,)) if batch_id is not None else ("", ())
    counts = dict(conn.execute(f"SELECT state, count(*) FROM case_lifecycle{where} GROUP BY state", params)
                  .fetchall())
    return {s: int(counts[s]) for s in LIFECYCLE_STATES if s in counts}


# -- filings -----------------------------------------------------------------------------------------
#: A filing row as read: id, kind ('filed' | 'court_date'), filed_date, court_date, courtroom, call,
#: actor, created_at.
FILING_COLUMNS = ("id", "kind", "filed_date", "court_date", "courtroom", "call", "actor", "created_at")


def filing_rows(conn: sqlite3.Connection, batch_id: int) -> list[tuple]:
    """The batch's filing and later court dates, oldest first (FILING_COLUMNS)."""
    return conn.execute(f"SELECT {', '.join(FILING_COLUMNS)} FROM batch_filings WHERE batch_id = ? ORDER BY id",
                        (batch_id,)).fetchall()


def insert_filing(conn: sqlite3.Connection, *, batch_id: int, kind: str, filed_date: str, court_date: str,
                  courtroom: str | None, call: str | None, actor: str, at: str) -> int:
    """One filing (``kind`` 'filed') or later court date ('court_date'); its id."""
    return conn.execute(
        "INSERT INTO batch_filings (batch_id, kind, filed_date, court_date, courtroom, call, actor, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (batch_id, kind, filed_date, court_date, courtroom, call, actor, at)).lastrowid


# -- rulings -----------------------------------------------------------------------------------------
#: What a ruling is checked against, per case: case_id, case_number, person_id, batch_id, batch label, batch status,
#: filed_date (None: not filed), the batch's latest court date.
_CONTEXT_SQL = (
    "SELECT c.id, c.case_number, c.person_id, bc.batch_id, b.label, b.status,"
    " (SELECT f.filed_date FROM batch_filings f WHERE f.batch_id = bc.batch_id AND f.kind = 'filed'),"
    " (SELECT f.court_date FROM batch_filings f WHERE f.batch_id = bc.batch_id ORDER BY f.id DESC LIMIT 1)"
    " FROM cases c LEFT JOIN batch_cases bc ON bc.case_id = c.id LEFT JOIN batches b ON b.id = bc.batch_id")


def ruling_context(conn: sqlite3.Connection, case_number: str, person_id: str | None = None) -> list[tuple]:
    """The cases with this case number (and person id), each with its batch and filing (see _CONTEXT_SQL)."""
    if person_id is None:
        return conn.execute(f"{_CONTEXT_SQL} WHERE c.case_number = ? ORDER BY c.person_id",
                            (case_number,)).fetchall()
    return conn.execute(f"{_CONTEXT_SQL} WHERE c.case_number = ? AND c.person_id = ?",
                        (case_number, person_id)).fetchall()


def ruling_context_of(conn: sqlite3.Connection, case_id: int) -> tuple | None:
    """Like :func:`ruling_context`, for one case id."""
    return conn.execute(f"{_CONTEXT_SQL} WHERE c.id = ?", (case_id,)).fetchone()


#: A ruling as read: id, ruling, ruling_date, next_court_date, judge, order_number, batch_id, source_id,
#: source_line, actor, created_at.
RULING_COLUMNS = ("id", "ruling", "ruling_date", "next_court_date", "judge", "order_number", "batch_id",
                  "source_id", "source_line", "actor", "created_at")


def case_rulings(conn: sqlite3.Connection, case_id: int) -> list[tuple]:
    """The case's rulings by ruling date (RULING_COLUMNS)."""
    return conn.execute(f"SELECT {', '.join(RULING_COLUMNS)} FROM rulings WHERE case_id = ?"
                        " ORDER BY ruling_date, id", (case_id,)).fetchall()


def rulings_of_cases(conn: sqlite3.Connection, case_ids: Iterable[int]) -> dict[int, list[tuple]]:
    """The rulings of many cases at once, by case (RULING_COLUMNS, by ruling date)."""
    out: dict[int, list[tuple]] = {}
    ids = sorted(set(case_ids))
    for start in range(0, len(ids), _CHUNK):
        for row in conn.execute(
                f"SELECT case_id, {', '.join(RULING_COLUMNS)} FROM rulings WHERE case_id IN"
                " (SELECT value FROM json_each(?)) ORDER BY case_id, ruling_date, id",
                (json.dumps(ids[start:start + _CHUNK]),)):
            out.setdefault(row[0], []).append(row[1:])
    return out


def insert_rulings(conn: sqlite3.Connection, rows: list[tuple]) -> None:
    """Many rulings: (case_id, batch_id, ruling, ruling_date, judge, next_court_date, order_number,
    source_id, source_line, actor, created_at)."""
    conn.executemany(
        "INSERT INTO rulings (case_id, batch_id, ruling, ruling_date, judge, next_court_date, order_number,"
        " source_id, source_line, actor, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)


def insert_ruling(conn: sqlite3.Connection, *, case_id: int, batch_id: int | None, ruling: str, ruling_date: str,
                  judge: str | None, next_court_date: str | None, order_number: str | None,
                  source_id: int | None, source_line: int | None, actor: str, at: str) -> int:
    """One ruling; its id."""
    return conn.execute(
        "INSERT INTO rulings (case_id, batch_id, ruling, ruling_date, judge, next_court_date, order_number,"
        " source_id, source_line, actor, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (case_id, batch_id, ruling, ruling_date, judge, next_court_date, order_number, source_id, source_line,
         actor, at)).lastrowid


# -- rulings files (sources of kind 'rulings') ----------------------------------------------------------
def source_kind_by_sha256(conn: sqlite3.Connection, sha256: str) -> tuple[int, str] | None:
    """(source id, kind) of the file with this content, if it was ever read."""
    return conn.execute("SELECT id, kind FROM sources WHERE sha256 = ?", (sha256,)).fetchone()


def insert_rulings_source(conn: sqlite3.Connection, *, file_name: str, sha256: str, size_bytes: int, fmt: str,
                          started_at: str, header_lines: int, encoding: str) -> int:
    """A new running source of kind 'rulings'; its id."""
    return conn.execute(
        "INSERT INTO sources (file_name, sha256, size_bytes, format, status, started_at, header_lines, encoding,"
        " kind) VALUES (?, ?, ?, ?, 'running', ?, ?, ?, 'rulings')",
        (file_name, sha256, size_bytes, fmt, started_at, header_lines, encoding)).lastrowid


# -- the docket watch ---------------------------------------------------------------------------------
#: One follow-up row: (kind, since (a date), case_id or None, case_number, person_id, batch_id, batch label,
#: a date the line names (court date, ruling date, service date)).
_CASE_COLS = "c.id, c.case_number, c.person_id, l.batch_id, b.label"
_LIFE = (" FROM case_lifecycle l CROSS JOIN cases c ON c.id = l.case_id"
         " LEFT JOIN batches b ON b.id = l.batch_id")


#: Each follow-up kind: (its rows' FROM and WHERE, the date it has been quiet since, its case columns).
_LATE_COURT = ("case_lifecycle l WHERE l.state IN ('filed', 'continued') AND l.court_date IS NOT NULL"
               " AND l.court_date < :today")
_NO_NEXT = "case_lifecycle l WHERE l.state = 'continued' AND l.court_date IS NULL"
_NO_LETTER = ("case_lifecycle l WHERE l.state IN ('granted', 'agencies_told') AND l.ruling_date <= :letter_cutoff"
              " AND NOT EXISTS (SELECT 1 FROM case_notices n WHERE n.case_id = l.case_id"
              " AND n.kind = 'letter_granted')")
_NOT_FILED = ("batches b WHERE b.status = 'signed' AND substr(b.signed_at, 1, 10) <= :filing_cutoff"
              " AND NOT EXISTS (SELECT 1 FROM batch_filings f WHERE f.batch_id = b.id)")
_PETITIONS = ("case_status s CROSS JOIN cases c ON c.id = s.case_id WHERE s.service_date IS NOT NULL"
              " AND s.service_date < :petition_due_before AND s.status IN ('pending', 'deferred')"
              " AND c.track = 'petition'")


#: Served petitions (``petitions import``) the part above does not cover, still to answer: one
#: that matched no case or more than one person, or whose case has no decision (pending or
#: deferred, or never reviewed) and is not a petition-track case with its service date recorded
#: (the flagged ones: automatic, review or ineligible; or a service date the review service
#: refused). The latest petition of the same petitioner in the case only (a later list may change
#: the service date). Petitions are few (the Clerk's list, not the charges): read in full.
_PETITIONS_OPEN = (
    "petitions p LEFT JOIN cases c ON c.id = p.case_id LEFT JOIN case_status s ON s.case_id = p.case_id"
    " WHERE p.served_date < :petition_due_before"
    " AND (p.match != 'matched' OR (coalesce(s.status, 'pending') IN ('pending', 'deferred')"
    "      AND NOT (c.track IS 'petition' AND s.service_date IS NOT NULL)))"
    " AND NOT EXISTS (SELECT 1 FROM petitions p2 WHERE p2.case_number = p.case_number"
    "      AND p2.person_id = p.person_id AND lower(p2.petitioner_last_name) = lower(p.petitioner_last_name)"
    "      AND lower(p2.petitioner_first_name) = lower(p.petitioner_first_name) AND p2.id > p.id)")
#: Its kind: petition_unmatched, petition_ambiguous or petition_flagged.
_PETITION_KIND = "CASE p.match WHEN 'matched' THEN 'petition_flagged' ELSE 'petition_' || p.match END"


def _life_part(kind: str, where: str, since: str) -> str:
    frm, cond = where.split(" WHERE ", 1)
    return (f"SELECT '{kind}', {since}, {_CASE_COLS}, {since}, NULL FROM {frm} CROSS JOIN cases c ON c.id = l.case_id"
            f" LEFT JOIN batches b ON b.id = l.batch_id WHERE {cond}")


_DOCKET_SQL = " UNION ALL ".join((
    _life_part("court_date_passed", _LATE_COURT, "l.court_date"),
    _life_part("continued_no_date", _NO_NEXT, "l.ruling_date"),
    _life_part("granted_no_letter", _NO_LETTER, "l.ruling_date"),
    f"SELECT 'signed_not_filed', substr(b.signed_at, 1, 10), NULL, NULL, NULL, b.id, b.label,"
    f" substr(b.signed_at, 1, 10), NULL FROM {_NOT_FILED}",
    f"SELECT 'petition_due', s.service_date, c.id, c.case_number, c.person_id, NULL, NULL, s.service_date, NULL"
    f" FROM {_PETITIONS}",
    f"SELECT {_PETITION_KIND}, p.served_date, p.case_id, p.case_number, coalesce(c.person_id, p.person_id), NULL,"
    f" NULL, p.served_date, CASE WHEN p.match != 'matched' THEN p.candidates"
    f" WHEN c.track = 'petition' THEN 'petition' ELSE coalesce(c.track, 'ineligible') END FROM {_PETITIONS_OPEN}",
)) + " ORDER BY 2, 1, 3, 6, 4 LIMIT :limit"
_DOCKET_COUNTS_SQL = " UNION ALL ".join(
    [f"SELECT '{kind}', count(*) FROM {where}" for kind, where in (
        ("court_date_passed", _LATE_COURT), ("continued_no_date", _NO_NEXT), ("granted_no_letter", _NO_LETTER),
        ("signed_not_filed", _NOT_FILED), ("petition_due", _PETITIONS))]
    + [f"SELECT * FROM (SELECT {_PETITION_KIND}, count(*) FROM {_PETITIONS_OPEN} GROUP BY 1)"])


def docket_rows(conn: sqlite3.Connection, *, today: str, letter_cutoff: str, filing_cutoff: str,
                petition_due_before: str, limit: int = -1) -> list[tuple]:
    """Everything that has gone quiet, one row each, oldest first: (kind, since, case_id,
    case_number, person_id, batch_id, batch label, the date the line names, a note: for the
    petitions of ``petitions import``, the case's track (``ineligible`` for none) or, for one
    that matched no case or several, the number of candidate cases; else None).

    Kinds: ``court_date_passed`` (filed or continued, the court date before ``today``, no later
    ruling); ``continued_no_date``; ``granted_no_letter`` (granted on or before ``letter_cutoff``,
    no ``letter_granted`` notice); ``signed_not_filed`` (a batch signed on or before
    ``filing_cutoff`` with no filing; case columns None); ``petition_due`` (served before
    ``petition_due_before``, still pending or deferred); and the petitions imported from the
    Clerk's list served before ``petition_due_before`` that are still to answer and not counted
    by ``petition_due``: ``petition_unmatched`` / ``petition_ambiguous`` (no case, or more than
    one person; case_id None) and ``petition_flagged`` (a matched case with no decision: on the
    automatic or review track, ineligible, or a petition-track case whose service date was not
    recorded). Each part reads an index, but the few batches and petitions (query plans:
    tests/storage/test_lifecycle_storage.py). ``limit``: the oldest so many (-1: all).
    """
    return conn.execute(_DOCKET_SQL, {"today": today, "letter_cutoff": letter_cutoff,
                                      "filing_cutoff": filing_cutoff, "petition_due_before": petition_due_before,
                                      "limit": limit}).fetchall()


def docket_counts(conn: sqlite3.Connection, **params: str) -> dict[str, int]:
    """How many rows :func:`docket_rows` has of each kind (same parameters, no limit)."""
    return {k: int(n) for k, n in conn.execute(_DOCKET_COUNTS_SQL, params).fetchall()}


def docket_plan(conn: sqlite3.Connection) -> list[str]:
    """EXPLAIN QUERY PLAN of :func:`docket_rows` (its detail column)."""
    params = {"today": "2026-01-01", "letter_cutoff": "2026-01-01", "filing_cutoff": "2026-01-01",
              "petition_due_before": "2026-01-01", "limit": 10}
    return [r[3] for sql in (_DOCKET_SQL, _DOCKET_COUNTS_SQL)
            for r in conn.execute("EXPLAIN QUERY PLAN " + sql, params)]


def forget_batch_lifecycle(conn: sqlite3.Connection, batch_id: int) -> int:
    """Remove the states of an open batch's cases before the batch is dropped (they are in no batch)."""
    _require_transaction(conn)
    return conn.execute("DELETE FROM case_lifecycle WHERE batch_id = ?", (batch_id,)).rowcount
