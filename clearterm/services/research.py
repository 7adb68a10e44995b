"""Cases that need research, and the Clerk's list of served petitions (issue 16).

*Research*: a case on a relief track that cannot be filed because data is missing (the
person's name, date of birth, a relief charge's disposition date, a mailing address for the
letter, or a case number in the Clerk's form; :mod:`clearterm.domain.research`). It is derived
from the records each time (``storage/research.py``), so ingesting canonical rows that supply
the missing fields for the same record ids takes the case out of research on its own.
``batch create`` leaves such cases out; ``batch sign`` refuses papers that would lack them.

*Petitions*: :func:`import_petitions` reads the Clerk's list of petitions served on the office
(CSV or JSON Lines; ``schemas/petition.schema.json``). Every row is stored or quarantined with
its file, line, field and reason, and the source keeps the reconciliation of rows and lines.
A petition that matches one stored case sets the case's service date through
:func:`clearterm.services.review.record_service` (audited; the objection deadline runs from
it) when the case is on the petition track, and is flagged when the rules put the case on the
automatic or review track or found nothing eligible; one that matches no case or more than one
person is on the research list with its deadline. Idempotent (the same file is imported once;
the same petition in a later file is counted unchanged) and safe to kill at any moment: the
rows, quarantine and reconciliation are one transaction; each service date is then its own
audited transaction, and a rerun finishes what a killed run left.

Messages hold file names, line numbers, field names, case numbers, person ids and dates of
service, never a petitioner's name or date of birth.
"""

from __future__ import annotations

import os
import re
import sqlite3
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from clearterm import settings
from clearterm.domain.cases import case_label
from clearterm.domain.dates import DateError, parse_date, utc_now_iso
from clearterm.domain.deadlines import objection_deadline
from clearterm.domain.research import CaseFacts, missing_items
from clearterm.ingest.readers import InputError, ReadStats, iter_rows, named_problem, open_source
from clearterm.services import access
from clearterm.storage import audit
from clearterm.storage import research as sr
from clearterm.storage.store import Store

PETITION_REQUIRED = ("case_number", "petitioner_last_name", "petitioner_first_name", "filed_date", "served_date")
PETITION_OPTIONAL = ("date_of_birth", "person_id", "hearing_date")
PETITION_FIELDS = PETITION_REQUIRED + PETITION_OPTIONAL


class ResearchError(Exception):
    """A research or petitions command that cannot be done as asked; nothing was written."""


class ResearchDenied(ResearchError):
    """The acting user lacks the role (the CLI exits 4)."""


# -- cases that need research ----------------------------------------------------------------------
@dataclass(frozen=True)
class ResearchCase:
    case_id: int
    case_number: str
    person_id: str
    track: str | None
    missing: tuple[str, ...]

    @property
    def label(self) -> str:
        return case_label(self.case_number, self.person_id)


def _facts(row: tuple) -> CaseFacts:
    return CaseFacts(case_number=row[1], has_name=bool(row[4]), has_date_of_birth=bool(row[5]),
                     relief_without_disposition_date=bool(row[6]), has_address=bool(row[7]))


def _research_case(row: tuple) -> ResearchCase:
    return ResearchCase(row[0], row[1], row[2], row[3], missing_items(_facts(row)))


def research_cases(conn: sqlite3.Connection) -> list[ResearchCase]:
    """Every case on a relief track, not in a signed batch, that needs research, by case id."""
    out = []
    for row in sr.case_facts_rows(conn):
        rc = _research_case(row)
        if rc.missing:
            out.append(rc)
    return out


def case_missing(conn: sqlite3.Connection, case_id: int) -> tuple[str, ...]:
    """What case ``case_id`` lacks before it can be filed (empty: nothing)."""
    row = sr.case_facts_row(conn, case_id)
    return () if row is None else _research_case(row).missing


def missing_of_cases(conn: sqlite3.Connection, case_ids: list[int]) -> dict[int, tuple[str, ...]]:
    """What each of ``case_ids`` lacks, for those that lack something."""
    out = {}
    for row in sr.case_facts_of(conn, case_ids):
        rc = _research_case(row)
        if rc.missing:
            out[rc.case_id] = rc.missing
    return out


def research_counts(conn: sqlite3.Connection) -> tuple[int, Counter]:
    """(cases that need research, how many lack each item)."""
    cases = research_cases(conn)
    by: Counter = Counter()
    for c in cases:
        by.update(c.missing)
    return len(cases), by


# -- petitions: reading a row ------------------------------------------------------------------------
@dataclass(frozen=True)
class OpenPetition:
    """A petition that matched no stored case, or more than one person: on the research list."""

    id: int
    case_number: str
    person_id: str
    served_date: str
    match: str
    candidates: int

    @property
    def deadline(self) -> date:
        return objection_deadline(date.fromisoformat(self.served_date))

    def days_left(self, today: date) -> int:
        return (self.deadline - today).days


def open_petitions(conn: sqlite3.Connection) -> list[OpenPetition]:
    """Petitions on the research list, oldest service first."""
    return [OpenPetition(r[0], r[1], r[2], r[3], r[6], r[7]) for r in sr.petition_rows(conn, open_only=True)]


class _Bad(Exception):
    def __init__(self, fld: str | None, message: str):
        super().__init__(message)
        self.field = fld
        self.message = message


def _date(values: dict, key: str, today: date, *, required: bool, past: bool = True) -> str | None:
    text = values.get(key, "")
    if not text:
        if required:
            raise _Bad(key, f"{key} is empty")
        return None
    try:
        d = parse_date(text)
    except DateError as exc:
        raise _Bad(key, f"{key} {exc}") from None
    if past and d > today:
        raise _Bad(key, f"{key} is after today ({today.isoformat()})")
    return d.isoformat()


def _row_values(src, row) -> dict:
    """The row's values by column (stripped); raises _Bad for a nested JSON value."""
    if row.fields is not None:
        return {h: (row.fields[i].strip() if i < len(row.fields) else "") for i, h in enumerate(src.header)}
    out = {}
    for k, v in (row.obj or {}).items():
        if k not in PETITION_FIELDS:
            shown = k if re.fullmatch(r"[a-z0-9_]{1,40}", k) else "(a name with other characters)"
            raise _Bad(None, f"unknown key {shown} (a petition has {', '.join(PETITION_FIELDS)})")
        if v is None:
            out[k] = ""
        elif isinstance(v, (str, int)) and not isinstance(v, bool):
            out[k] = str(v).strip()
        else:
            raise _Bad(k if k in PETITION_FIELDS else None, f"{k if k in PETITION_FIELDS else 'a value'} "
                       "is not text")
    return out


def _check_row(values: dict, today: date) -> dict:
    """The petition's stored values; raises _Bad naming the field."""
    from clearterm.services.review import ReviewError, parse_served

    for key in ("case_number", "petitioner_last_name", "petitioner_first_name"):
        if not values.get(key):
            raise _Bad(key, f"{key} is empty")
    filed = _date(values, "filed_date", today, required=True)
    try:
        served = parse_served(values.get("served_date", ""), today=today)
    except ReviewError as exc:
        raise _Bad("served_date", str(exc).replace("the service date", "served_date")) from None
    if served is None:
        raise _Bad("served_date", "served_date is empty")
    if served < filed:
        raise _Bad("served_date", f"served_date {served} is before filed_date {filed}")
    dob = _date(values, "date_of_birth", today, required=False)
    hearing = _date(values, "hearing_date", today, required=False, past=False)
    if hearing is not None and hearing < filed:
        raise _Bad("hearing_date", f"hearing_date {hearing} is before filed_date {filed}")
    return {"case_number": values["case_number"], "person_id": values.get("person_id", ""),
            "petitioner_last_name": values["petitioner_last_name"],
            "petitioner_first_name": values["petitioner_first_name"], "date_of_birth": dob,
            "filed_date": filed, "served_date": served, "hearing_date": hearing}


def fold_name(name: str | None) -> str:
    """A name as compared when matching a petition to the records: trimmed, Unicode NFC and
    casefolded, the same on both sides (Åberg, ÅBERG and a decomposed A + ring all agree)."""
    return unicodedata.normalize("NFC", (name or "").strip()).casefold()


def _match(conn: sqlite3.Connection, v: dict) -> tuple[str, int | None, int]:
    """(match, case id, candidates) of a petition against the stored cases."""
    cands = sr.cases_by_number(conn, v["case_number"])
    if v["person_id"]:
        cands = [c for c in cands if c[1] == v["person_id"]]
    if not cands:
        return "unmatched", None, 0
    last, first = fold_name(v["petitioner_last_name"]), fold_name(v["petitioner_first_name"])

    def agrees(case) -> bool | None:
        """Whether the case's records name the petitioner (None: they carry no name)."""
        people = [(fold_name(p[0]), fold_name(p[1]), p[2]) for p in sr.case_people(conn, v["case_number"], case[1])]
        named = [p for p in people if p[0] or p[1]]
        if not named:
            return None
        return any(p[0] == last and p[1] == first and (not v["date_of_birth"] or p[2] in (None, v["date_of_birth"]))
                   for p in named)

    if len(cands) == 1:
        return ("unmatched", None, 1) if agrees(cands[0]) is False else ("matched", cands[0][0], 1)
    named = [c for c in cands if agrees(c)]
    if len(named) == 1:
        return "matched", named[0][0], len(cands)
    return "ambiguous", None, len(cands)


# -- petitions: importing ------------------------------------------------------------------------------
@dataclass
class PetitionImport:
    file_name: str
    source_id: int
    rows_read: int = 0
    inserted: int = 0
    unchanged: int = 0
    quarantined: int = 0
    lines: int = 0
    header_lines: int = 0
    blank_lines: int = 0
    lines_stored: int = 0
    lines_quarantined: int = 0
    matches: Counter = field(default_factory=Counter)
    outcomes: Counter = field(default_factory=Counter)
    flags: Counter = field(default_factory=Counter)
    already: bool = False
    resumed: bool = False

    @property
    def balanced(self) -> bool:
        return (self.rows_read == self.inserted + self.unchanged + self.quarantined
                and self.lines == self.header_lines + self.lines_stored + self.lines_quarantined + self.blank_lines)

    def summary(self) -> str:
        head = (f"{self.file_name}: read {self.rows_read:,} = imported {self.inserted:,} + unchanged "
                f"{self.unchanged:,} + quarantined {self.quarantined:,}")
        if self.already:
            head += f"  (already imported as source {self.source_id}; nothing changed)"
        elif self.resumed:
            head += "  (finished an interrupted run)"
        lines = (f"\n{self.file_name}: lines {self.lines:,} = header {self.header_lines:,} + stored "
                 f"{self.lines_stored:,} + quarantined {self.lines_quarantined:,} + blank {self.blank_lines:,}")
        m = self.matches
        match = (f"\nmatched {m['matched']:,}, no case {m['unmatched']:,}, more than one person "
                 f"{m['ambiguous']:,} (the last two are on the research list: 'clearterm research')")
        o = self.outcomes
        service = (f"\nservice dates recorded {o['recorded']:,}, already recorded {o['unchanged']:,}, "
                   f"refused {o['refused']:,}; flagged {sum(self.flags.values()):,}"
                   + (" (" + ", ".join(f"{k} {n:,}" for k, n in sorted(self.flags.items())) + ")"
                      if self.flags else ""))
        return head + lines + match + service


def _check_header(src) -> None:
    missing = [c for c in PETITION_REQUIRED if c not in src.header]
    if missing:
        raise InputError(f"{src.path.name}: not a petitions list: missing column(s) {', '.join(missing)} "
                         f"(expected {', '.join(PETITION_FIELDS)})")
    unknown = [c for c in src.header if c not in PETITION_FIELDS]
    if unknown and src.kind == "csv":
        raise InputError(f"{src.path.name}: unknown column(s) {', '.join(unknown[:5])} "
                         f"(a petitions list has {', '.join(PETITION_FIELDS)})")


def _read_file(conn: sqlite3.Connection, src, res: PetitionImport, today: date) -> None:
    """Store or quarantine every row (inside the caller's transaction) and count the lines."""
    stats = ReadStats()
    at = utc_now_iso()
    quarantine = []
    for row in iter_rows(src, None, stats):
        if row.fields == []:
            res.blank_lines += 1
            continue
        res.rows_read += 1
        try:
            if row.problem:
                raise _Bad(*named_problem(src, row))
            v = _check_row(_row_values(src, row), today)
        except _Bad as bad:
            res.quarantined += 1
            res.lines_quarantined += row.nlines
            quarantine.append((res.source_id, src.path.name, row.line, bad.field, bad.message, row.raw))
            continue
        res.lines_stored += row.nlines
        if sr.petition_exists(conn, v):
            res.unchanged += 1
            continue
        match, case_id, candidates = _match(conn, v)
        sr.insert_petition(conn, {**v, "source_id": res.source_id, "source_line": row.line, "match": match,
                                  "case_id": case_id, "candidates": candidates, "created_at": at})
        res.inserted += 1
    if quarantine:
        from clearterm.storage.sources import insert_quarantine

        insert_quarantine(conn, quarantine)
    res.lines = stats.last_line
    res.header_lines = src.header_lines if stats.last_line else 0


def _finish(conn: sqlite3.Connection, res: PetitionImport, *, status: str) -> None:
    sr.finish_petition_source(conn, res.source_id, rows_read=res.rows_read, inserted=res.inserted,
                              unchanged=res.unchanged, quarantined=res.quarantined, lines_read=res.lines,
                              blank_lines=res.blank_lines, lines_stored=res.lines_stored,
                              lines_quarantined=res.lines_quarantined, status=status,
                              at=utc_now_iso() if status == "complete" else None)


def _serve_one(store: Store, petition: tuple, actor: str, today: date) -> tuple[str, str | None, str | None, int | None]:
    """(outcome, flag, message, review id) for one matched petition; records the service date."""
    from clearterm.services import review
    from clearterm.storage.reviews import ConflictError, case_state, current_version

    _pid, case_id, served, track = petition
    if track != "petition":
        return "flagged", track or "ineligible", None, None
    for _attempt in range(3):
        state = case_state(store.conn, case_id)
        if state.service_date == served:
            return "unchanged", None, None, None
        try:
            # A changed date needs a reason (the service-date rules): the Clerk's petitions list says so.
            reason = (f"service date from the Clerk's list of served petitions (petition {_pid})"
                      if state.service_date else None)
            rec = review.record_service(store, case_id, served=served, reviewer=actor,
                                        expected_version=current_version(store.conn, case_id), today=today,
                                        note=reason)
        except ConflictError:
            continue  # a reviewer acted meanwhile: read the case again
        except review.ReviewError as exc:
            return "refused", None, str(exc).splitlines()[0], None
        return "recorded", None, None, rec.entry.id
    return "refused", None, "the case kept changing while the service date was recorded; import the file again", None


#: Test hooks (``$CLEARTERM_TEST_CRASH_AT``): end the process at once (``os._exit``, as abrupt as
#: ``kill -9``) after the rows are committed, or after the first service date is recorded and
#: before its outcome is.
CRASH_POINTS = ("petitions_rows", "petitions_service")


def _crash_point(name: str) -> None:
    if settings.test_crash_point() == name:
        os._exit(137)


def import_petitions(store: Store, path: str | Path, *, actor: str, today: date) -> PetitionImport:
    """Import the Clerk's list of served petitions at ``path`` (see the module docstring).

    Raises :class:`InputError` (naming the file) when the file as a whole cannot be read, and
    :class:`ResearchDenied` when ``actor`` is not a reviewer; nothing is written then.
    """
    try:
        access.require_role(store.conn, actor, "reviewer")
    except access.AccessDenied as exc:
        raise ResearchDenied(str(exc)) from None
    src = open_source(path)
    _check_header(src)
    res = PetitionImport(src.path.name, 0)
    known = sr.petition_source(store.conn, src.sha256)
    if known is not None and known[1] != "petitions":
        raise InputError(f"{src.path.name}: this file was ingested as {known[1]} (source {known[0]}), "
                         "not as a petitions list")
    if known is None:
        with store.write() as conn:
            res.source_id = sr.insert_petition_source(
                conn, file_name=src.path.name, sha256=src.sha256, size_bytes=src.size, fmt=src.kind,
                started_at=utc_now_iso(), header_lines=src.header_lines, encoding=src.encoding)
            _read_file(conn, src, res, today)
            _finish(conn, res, status="running")
        _crash_point("petitions_rows")
    else:
        res.source_id = known[0]
        (res.rows_read, res.inserted, res.unchanged, res.quarantined, res.lines, res.blank_lines,
         res.lines_stored, res.lines_quarantined, res.header_lines) = (int(x or 0) for x in known[3:])
        res.already, res.resumed = known[2] == "complete", known[2] != "complete"
    _serve_all(store, res, actor, today)
    return res


def _serve_all(store: Store, res: PetitionImport, actor: str, today: date) -> None:
    """Record the service date of each matched petition with no outcome yet; then the source is
    complete (with an audit entry of the counts)."""
    for petition in sr.petitions_to_serve(store.conn, res.source_id):
        outcome, flag, message, review_id = _serve_one(store, petition, actor, today)
        if outcome == "recorded":
            _crash_point("petitions_service")
        with store.write() as conn:
            at = utc_now_iso()
            sr.insert_service(conn, petition[0], outcome, flag, message, review_id, at)
            if outcome == "flagged":
                # the case stays on its track (the review service keeps service dates for the
                # petition track); its service date and deadline are recorded here, audited, and
                # the docket follows the petition up until the case has a decision
                served = petition[2]
                audit.append(conn, at=at, actor=actor, event="petition_flagged", case_id=petition[1], detail={
                    "petition": petition[0], "source": res.source_id, "flag": flag, "served_date": served,
                    "deadline": objection_deadline(date.fromisoformat(served)).isoformat(),
                    "today": today.isoformat()})
    for match, n in sr.petition_counts_of(store.conn, res.source_id).items():
        res.matches[match] = n
    for outcome, flag, n in sr.service_counts_of(store.conn, res.source_id):
        res.outcomes[outcome] += n
        if flag:
            res.flags[flag] += n
    if res.already:
        return
    with store.write() as conn:
        _finish(conn, res, status="complete")
        audit.append(conn, at=utc_now_iso(), actor=actor, event="petitions_imported", detail={
            "source": res.source_id, "file": res.file_name, "rows": res.rows_read, "imported": res.inserted,
            "unchanged": res.unchanged, "quarantined": res.quarantined, "matched": res.matches["matched"],
            "unmatched": res.matches["unmatched"], "ambiguous": res.matches["ambiguous"],
            "service_recorded": res.outcomes["recorded"], "flagged": sum(res.flags.values())})
