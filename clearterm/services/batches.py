"""Court batches from the store: create, rebuild, drop, sign, verify.

A *batch* gathers decided cases of one track that are not in a batch yet
(automatic track: approved; petition track: approved, i.e. no objection, or
objected) and records each case's review version. Signing turns the batch
into :mod:`clearterm.documents` objects (names, dates of birth and addresses
read from the records), renders and signs every PDF, writes the signed
manifest and, in one write transaction, re-checks that no case changed,
appends the ``batch_signed`` audit entry and records the batch as *publishing*
(migration ``0008_batch_publishing``); then it renames the directory into
place, and a second transaction marks the batch signed. A crash between the
two leaves a *publishing* batch that the next :func:`sign_batch` or
:func:`reconcile_publishing` (``batch show``) finishes: signed if the
directory in place matches the recorded hashes, else the directory is removed
and the batch is open again. From then on triggers (migration
``0005_batches``) freeze the batch, its cases and their reviews (while
publishing too).

The audit anchor in the manifest is the chain head *just before* the
``batch_signed`` entry (seq N, hash H); that entry (seq N + 1) records the
manifest's SHA-256. :func:`check_against_store` checks both, so a manifest
matches exactly one place in exactly one store's chain.

Headless (no Textual): the CLI (``clearterm batch ...``) and the TUI call it.
Errors are :class:`BatchError`; their messages hold batch labels, case numbers,
person ids and user names, never a name, date of birth or address.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, fields, replace
from datetime import datetime
from pathlib import Path

from clearterm import settings
from clearterm.services import access
from clearterm.documents import model as dm
from clearterm.documents.export import lock_dir, remove_stale_staging, stage_batch, staging_name
from clearterm.documents.index import SUMS, sums_text
from clearterm.documents.manifest import MANIFEST, MANIFEST_SIG
from clearterm.documents.templates import Templates, ground_label_key
from clearterm.documents.verify import Problem, VerificationReport, verify_batch
from clearterm.domain.cases import case_label
from clearterm.domain.dates import utc_now_iso
from clearterm.domain.rules import display_cite
from clearterm.storage import audit
from clearterm.storage import batches as sb
from clearterm.storage import lifecycle as sl
from clearterm.storage.records import record_from_row
from clearterm.storage.reviews import ReviewEntry, replay
from clearterm.storage.store import Store

TRACKS: tuple[str, ...] = ("automatic", "petition")
#: The review statuses a case of each track must have to go into a batch.
TRACK_STATUSES: dict[str, tuple[str, ...]] = {"automatic": ("approved",),
                                              "petition": ("approved", "objected")}
#: Decision categories whose charges are printed (the others in a case are not relief).
RELIEF_CATEGORIES = ("automatic", "petition")
NO_TRANCHE_SORT = 99
MAX_LISTED = 12  # case labels named in one error message

Progress = Callable[[int, int], None]


class BatchError(Exception):
    """A batch operation that cannot be done as asked; nothing was written. One safe line."""


class BatchDenied(BatchError):
    """The acting user lacks the role (the CLI exits with access.EXIT_DENIED, like every refusal)."""


class CasesChanged(BatchError):
    """Cases of an open batch changed after it was made: rebuild (or drop) it before signing."""

    def __init__(self, batch: "BatchInfo", labels: list[str]):
        self.labels = labels
        shown = ", ".join(labels[:MAX_LISTED]) + (f" and {len(labels) - MAX_LISTED} more"
                                                  if len(labels) > MAX_LISTED else "")
        super().__init__(
            f"batch {batch.label}: {len(labels)} case(s) changed since the batch was made: {shown}; "
            f"run 'clearterm batch rebuild {batch.id}' to refresh it (or 'clearterm batch drop {batch.id}')")


class LateObjections(BatchError):
    """The batch holds objections recorded after their deadline; signing needs allow_late."""

    def __init__(self, batch: "BatchInfo", late: list[str]):
        self.late = late
        shown = "; ".join(late[:MAX_LISTED]) + (f" and {len(late) - MAX_LISTED} more" if len(late) > MAX_LISTED else "")
        super().__init__(
            f"batch {batch.label} holds {len(late)} objection(s) recorded after the deadline: {shown}; "
            f"the court may refuse them: sign with --allow-late to file them anyway, or undo them and "
            f"'clearterm batch rebuild {batch.id}'")


@dataclass(frozen=True)
class BatchInfo:
    id: int
    label: str
    track: str
    tranche: int | None
    status: str  # 'open' | 'publishing' (signed, being put in place) | 'signed'
    cases: int
    created_at: str
    created_by: str
    signed_at: str | None
    signed_by: str | None
    documents: int | None = None
    pages: int | None = None
    manifest_sha256: str | None = None
    anchor_seq: int | None = None
    anchor_hash: str | None = None
    signed_audit_seq: int | None = None
    #: create_batch only: objected cases left out because they have no supporting facts
    skipped: tuple[str, ...] = ()
    #: create_batch only: cases left out because they need research (data missing), with what
    research: tuple[tuple[str, tuple[str, ...]], ...] = ()
    #: create_batch only: objections in the batch recorded after their deadline ("LABEL (due DATE, N days late)");
    #: signing needs allow_late for them
    late: tuple[str, ...] = ()
    #: create_batch only: cases left out because departments.toml knows no court department for
    #: the form of their case number (no caption can be printed; add a rule, or research them)
    unknown_form: tuple[str, ...] = ()


@dataclass(frozen=True)
class BatchCase:
    position: int
    case_id: int
    case_number: str
    person_id: str
    status: str
    version: int

    @property
    def label(self) -> str:
        return case_label(self.case_number, self.person_id)


@dataclass(frozen=True)
class SignResult:
    batch: BatchInfo
    batch_dir: Path
    documents: int
    pages: int
    seconds: float
    manifest_sha256: str
    audit_seq: int

    @property
    def pages_per_second(self) -> float:
        return self.pages / self.seconds if self.seconds else 0.0


def batch_label(batch_id: int, created_at: str) -> str:
    """``B-<year>-<id>``: the batch's name in file names, documents and messages."""
    return f"B-{created_at[:4]}-{batch_id:04d}"


# -- reading ----------------------------------------------------------------------------------------
def list_batches(conn: sqlite3.Connection) -> list[BatchInfo]:
    """Every batch, newest first."""
    return [BatchInfo(*r) for r in sb.batch_rows(conn)]


def get_batch(conn: sqlite3.Connection, batch_id: int) -> BatchInfo | None:
    row = sb.batch_row(conn, batch_id)
    return None if row is None else BatchInfo(*row)


def find_batch(conn: sqlite3.Connection, text: str | int) -> BatchInfo:
    """A batch by id (``7``) or label (``B-2026-0007``); :class:`BatchError` if there is none."""
    s = str(text).strip()
    row = None
    if s.isdigit():
        row = sb.batch_row(conn, int(s))
    if row is None:
        row = sb.batch_row_by_label(conn, s)
    if row is None:
        raise BatchError(f"no batch {s} in the store (see 'clearterm batch list')")
    return BatchInfo(*row)


def batch_cases(conn: sqlite3.Connection, batch_id: int) -> list[BatchCase]:
    return [BatchCase(*r) for r in sb.batch_case_rows(conn, batch_id)]


def changed_cases(conn: sqlite3.Connection, batch: BatchInfo) -> list[BatchCase]:
    """Cases whose review version moved on since the batch was made, or that left its track."""
    return [BatchCase(*r) for r in sb.changed_case_rows(conn, batch.id, batch.track)]


def signed_batch_of_case(conn: sqlite3.Connection, case_id: int) -> str | None:
    """The label of the signed batch the case is in, if any (its reviews are frozen)."""
    return sb.signed_batch_label_of_case(conn, case_id)


# -- creating, rebuilding, dropping -------------------------------------------------------------------
def _waiting_cases(conn: sqlite3.Connection, track: str, tranche: int | None) -> list[tuple]:
    """Decided cases of ``track`` not in any batch, in queue order:
    (case_id, case_number, person_id, status, version, ground, note).

    The deciding entry must have been made on the case's current track (a case that
    moved track since it was decided needs a new decision).
    """
    return sb.waiting_case_rows(conn, track, TRACK_STATUSES[track], tranche, NO_TRANCHE_SORT)


def create_batch(store: Store, *, track: str, actor: str, max_cases: int | None = None,
                 tranche: int | None = None) -> BatchInfo:
    """Make an open batch of the decided cases of ``track`` waiting for one (queue order).

    Objected cases without a note (no supporting facts to print) are left out and named in
    ``BatchInfo.skipped``. One transaction: the batch, its cases, an audit entry.
    """
    if track not in TRACKS:
        raise BatchError(f"--track must be automatic or petition (got {track!r})")
    if max_cases is not None and max_cases < 1:
        raise BatchError("--max must be at least 1")
    departments = _department_table()
    with store.write() as conn:
        _require(conn, actor, "reviewer")
        rows, skipped, research, unknown = _batchable(conn, _waiting_cases(conn, track, tranche), max_cases,
                                                      departments)
        if not rows:
            raise BatchError(_nothing_waiting(track, tranche, skipped, research, unknown))
        at = utc_now_iso()
        batch_id = sb.next_batch_id(conn)
        label = batch_label(batch_id, at)
        sb.insert_batch(conn, batch_id, label, track, tranche, at, actor, [r[:5] for r in rows])
        late = late_objections(conn, batch_id)
        sl.refresh_lifecycle(conn, [r[0] for r in rows], at=at)  # batched
        audit.append(conn, at=at, actor=actor, event="batch_created",
                     detail={"batch": batch_id, "label": label, "track": track, "tranche": tranche,
                             "cases": len(rows), "research": len(research), "skipped_no_facts": len(skipped),
                             "late_objections": len(late), "unknown_form": len(unknown)})
        info = get_batch(conn, batch_id)
    assert info is not None
    return replace(info, skipped=tuple(skipped), research=tuple(research), late=tuple(late),
                   unknown_form=tuple(unknown))


def late_objections(conn: sqlite3.Connection, batch_id: int) -> list[str]:
    """The batch's objections recorded after their deadline: "LABEL (due DATE, N day(s) late)"."""
    return [f"{case_label(number, person)} (due {deadline}, {days} day(s) late)"
            for _, number, person, deadline, days in sb.late_case_rows_of_batch(conn, batch_id)]


def _batchable(conn: sqlite3.Connection, waiting: list[tuple], max_cases: int | None, departments
               ) -> tuple[list[tuple], list[str], list[tuple[str, tuple[str, ...]]], list[str]]:
    """(cases for the batch, objected cases without facts, cases that need research with what
    they lack, cases whose case number's form departments.toml does not know), reading
    ``waiting`` in queue order a page at a time until ``max_cases``."""
    from clearterm.services.research import missing_of_cases

    rows: list[tuple] = []
    skipped: list[str] = []
    research: list[tuple[str, tuple[str, ...]]] = []
    unknown: list[str] = []
    page = 500
    for i in range(0, len(waiting), page):
        part = waiting[i:i + page]
        missing = missing_of_cases(conn, [r[0] for r in part])
        for r in part:
            if r[3] == "objected" and not (r[6] or "").strip():
                skipped.append(case_label(r[1], r[2]))
            elif r[0] in missing:
                research.append((case_label(r[1], r[2]), missing[r[0]]))
            elif departments.of(r[1]) is None:
                unknown.append(case_label(r[1], r[2]))
            else:
                rows.append(r)
                if max_cases is not None and len(rows) >= max_cases:
                    return rows, skipped, research, unknown
    return rows, skipped, research, unknown


def _nothing_waiting(track: str, tranche: int | None, skipped: list[str], research: list,
                     unknown: list[str]) -> str:
    what = "approved" if track == "automatic" else "approved or objected"
    extra = f" in tranche {tranche}" if tranche is not None else ""

    def named(labels) -> str:  # the cases by case number and person id (never a name), at most 12
        return ", ".join(labels[:12]) + (" ..." if len(labels) > 12 else "")

    hint = (f" ({len(skipped)} objected case(s) have no supporting facts: {named(skipped)}; record them "
            "with 'clearterm decide CASE --object GROUND --note FACTS')") if skipped else ""
    if research:
        hint += (f" ({len(research)} case(s) need research: data is missing: "
                 f"{named([label for label, _ in research])}; see 'clearterm research')")
    if unknown:
        hint += (f" ({len(unknown)} case(s) have a case number of a form departments.toml does "
                 f"not know: {named(unknown)}; no court department to caption)")
    return f"no {what} {track}-track cases{extra} are waiting for a batch{hint}"


def _department_table():
    from clearterm.documents import TemplateError

    try:
        return Templates(settings.templates_override()).departments
    except TemplateError as exc:
        raise BatchError(str(exc).splitlines()[0]) from None


@dataclass(frozen=True)
class RebuildResult:
    batch: BatchInfo
    kept: int
    refreshed: list[str]
    removed: list[str]


def rebuild_batch(store: Store, batch_ref: str | int, *, actor: str) -> RebuildResult:
    """Refresh an open batch after its cases changed: a case still decided for this track keeps
    its place at its current version; one that is not (undone, excluded, deferred, moved track,
    objected without facts) or that needs research (data missing) leaves the batch. No case is added: make a new batch for those."""
    with store.write() as conn:
        _require(conn, actor, "reviewer")
        batch = _open_batch(conn, batch_ref)
        waiting_or_mine = {r[0]: r for r in _decided_cases_of(conn, batch)}
        refreshed, removed = [], []
        from clearterm.services.research import missing_of_cases

        research = missing_of_cases(conn, list(waiting_or_mine))
        for bc in batch_cases(conn, batch.id):
            r = waiting_or_mine.get(bc.case_id)
            ok = (r is not None and not (r[3] == "objected" and not (r[6] or "").strip())
                  and bc.case_id not in research)
            if not ok:
                sb.remove_batch_case(conn, batch.id, bc.position)
                removed.append(bc.label)
            elif (r[3], r[4]) != (bc.status, bc.version):
                sb.refresh_batch_case(conn, batch.id, bc.position, r[3], r[4])
                refreshed.append(bc.label)
        kept = len(batch_cases(conn, batch.id))
        sl.refresh_batch_lifecycle(conn, batch.id, at=utc_now_iso())  # the removed cases lose their state
        audit.append(conn, at=utc_now_iso(), actor=actor, event="batch_rebuilt",
                     detail={"batch": batch.id, "label": batch.label, "kept": kept,
                             "refreshed": len(refreshed), "removed": len(removed)})
        info = get_batch(conn, batch.id)
    assert info is not None
    return RebuildResult(info, kept, refreshed, removed)


def _decided_cases_of(conn: sqlite3.Connection, batch: BatchInfo) -> list[tuple]:
    """Like :func:`_waiting_cases`, for the cases already in ``batch``."""
    return sb.decided_case_rows_of(conn, batch.id, batch.track, TRACK_STATUSES[batch.track])


def drop_batch(store: Store, batch_ref: str | int, *, actor: str) -> BatchInfo:
    """Delete an open batch; its cases are free for the next one. A signed batch stays."""
    with store.write() as conn:
        _require(conn, actor, "reviewer")
        batch = _open_batch(conn, batch_ref)
        sl.forget_batch_lifecycle(conn, batch.id)
        sb.delete_batch(conn, batch.id)
        audit.append(conn, at=utc_now_iso(), actor=actor, event="batch_dropped",
                     detail={"batch": batch.id, "label": batch.label, "cases": batch.cases})
    return batch


def _open_batch(conn: sqlite3.Connection, batch_ref: str | int) -> BatchInfo:
    batch = find_batch(conn, batch_ref)
    if batch.status == "publishing":
        raise BatchError(f"batch {batch.label} is being signed (its directory is being put in place); "
                         f"if no 'clearterm batch sign' is running, 'clearterm batch show {batch.id}' finishes it")
    if batch.status != "open":
        raise BatchError(f"batch {batch.label} is signed and frozen ({batch.signed_at} by {batch.signed_by})")
    return batch


def _require(conn: sqlite3.Connection, user: str, role: str) -> None:
    try:
        access.require_role(conn, user, role)
    except access.AccessDenied as exc:
        raise BatchDenied(str(exc)) from None


# -- from the store to the documents model --------------------------------------------------------------
def load_office(templates: Templates) -> dm.Office:
    """The office from ``office.toml`` in the templates directory (defaults where absent)."""
    path = templates.directory / "office.toml"
    if not path.is_file():
        return dm.Office()
    try:
        data = settings.read_toml(path, "office.toml")
    except settings.ConfigError as exc:
        raise BatchError(str(exc)) from None
    known = {f.name for f in fields(dm.Office)}
    unknown = sorted(set(data) - known)
    if unknown:
        raise BatchError(f"office.toml: unknown key(s) {', '.join(unknown)}")
    office = dm.Office(**{k: str(v) for k, v in data.items()})
    if office.certificate_of_service not in dm.SERVICE_DATE_CHOICES:
        raise BatchError(f"office.toml: certificate_of_service must be one of "
                         f"{', '.join(dm.SERVICE_DATE_CHOICES)}, not {office.certificate_of_service!r}")
    return office


def _first(records, names: tuple[str, ...]) -> tuple:
    """The values of ``names`` from the first record that has the first of them."""
    for r in records:
        if getattr(r, names[0]):
            return tuple(getattr(r, n) or "" for n in names)
    return tuple("" for _ in names)


def _person(person_id: str, records) -> dm.Person:
    last, first, middle = _first(records, ("last_name", "first_name", "middle_name"))
    dob = next((r.date_of_birth for r in records if r.date_of_birth), None)
    a1, a2, city, state, zip_ = _first(records, ("address_line1", "address_line2", "city", "state", "zip"))
    language = next((r.language for r in records if r.language), "")
    return dm.Person(person_id=person_id, last_name=last, first_name=first, middle_name=middle,
                     date_of_birth=dob, address_line1=a1, address_line2=a2, city=city, state=state, zip=zip_,
                     language=language)


def _charge(rec, category: str, reasons: str, cite: str | None) -> dm.Charge:
    # a pre-1993 citation as written, with its ILCS form beside it (rules v2: the papers show what the
    # court file says); otherwise the normalised ILCS form
    shown = display_cite(rec.statute, rec.enhancement) if cite else rec.statute
    return dm.Charge(record_id=rec.record_id, statute_cite=shown,
                     offense_class=rec.offense_class or "", offense_description=rec.offense_description or "",
                     disposition=rec.disposition or "", disposition_date=rec.disposition_date,
                     arrest_date=rec.arrest_date, arresting_agency=rec.arresting_agency or "",
                     category=category, reasons=tuple(x for x in (reasons or "").split(";") if x),
                     statute=rec.statute, offense_date=rec.offense_date)


def _reviews_by_case(conn: sqlite3.Connection, batch_id: int) -> dict[int, list[ReviewEntry]]:
    out: dict[int, list[ReviewEntry]] = {}
    for row in sb.review_rows_of_batch(conn, batch_id):
        e = ReviewEntry(*row)
        out.setdefault(e.case_id, []).append(e)
    return out


def _records_by_case(conn: sqlite3.Connection, batch_id: int) -> dict[int, list[tuple]]:
    """Each case's records with their decision in force: (record, category, reasons, cite)."""
    out: dict[int, list[tuple]] = {}
    for row in sb.record_rows_of_batch(conn, batch_id):
        out.setdefault(row[0], []).append((record_from_row(row[1:-3]), *row[-3:]))
    return out


def build_documents_batch(conn: sqlite3.Connection, batch_ref: str | int, *, signer_name: str,
                          dated: datetime | None = None, templates: Templates | None = None,
                          audit_head: tuple[int, str] | None = None) -> dm.Batch:
    """The :class:`clearterm.documents.Batch` of a stored batch.

    ``dated`` is the date the papers carry (filing date, letters, certificates of service)
    and the PDFs' creation time: the signing time when signing, the batch's creation time
    by default, so an unsigned batch rebuilt from the same store gives the same documents.
    Refuses (:class:`CasesChanged`) when a case changed since the batch was made.
    """
    templates = templates or Templates(settings.templates_override())
    batch = find_batch(conn, batch_ref)
    changed = changed_cases(conn, batch)
    if changed:
        raise CasesChanged(batch, [c.label for c in changed])
    if dated is None:
        dated = datetime.fromisoformat(batch.created_at)
    reviews = _reviews_by_case(conn, batch.id)
    records = _records_by_case(conn, batch.id)
    office = load_office(templates)
    # the certificate of service prints the signing date only if the office chooses it (it serves
    # when it signs); by default a line the filer completes when serving (docs/documents.md)
    service = dated.date() if office.certificate_of_service == "signing" else None
    cases = []
    for bc in batch_cases(conn, batch.id):
        state = replay(bc.case_id, reviews.get(bc.case_id, []))
        decision = state.decision
        if decision is None or state.status != bc.status:  # the status cache disagreed with the log
            raise BatchError(f"case {bc.label}: its review log says {state.status}, the batch says "
                             f"{bc.status}; run 'clearterm batch rebuild {batch.id}'")
        recs = records.get(bc.case_id, [])
        person_id = bc.person_id or f"C{bc.case_id}"  # a case without a person id: its own letter
        person = _person(person_id, [r for r, *_ in recs])
        charges = tuple(_charge(r, cat, reasons, cite) for r, cat, reasons, cite in recs
                        if cat in RELIEF_CATEGORIES)
        if not charges:
            raise BatchError(f"case {bc.label} has no eligible charge in force (re-evaluated since?); "
                             f"run 'clearterm batch rebuild {batch.id}'")
        reviewers = tuple(dict.fromkeys(e.reviewer for e in state.effective))
        objected = bc.status == "objected"
        values = {"full_name": person.full_name or person_id,
                  "arresting_agency": ", ".join(dict.fromkeys(c.arresting_agency for c in charges
                                                             if c.arresting_agency))}
        parties: tuple[str, ...] = ()
        if batch.track == "petition":
            parties = (templates.label("served_petitioner" if person.has_mailing_address
                                       else "served_petitioner_no_address", values),)
            if values["arresting_agency"]:
                parties += (templates.label("served_agency", values),)
            parties += (templates.label("served_state_police", values),)
        cases.append(dm.Case(
            case_number=bc.case_number, person=person, charges=charges, track=batch.track,
            outcome="objected" if objected else "approved",
            objection_ground=(decision.ground or "") if objected else "",
            objection_ground_label=templates.label(ground_label_key(decision.ground), values) if objected else "",
            objection_facts=(decision.note or "") if objected else "",
            service_date=service if batch.track == "petition" else None,
            parties_served=parties, reviewers=reviewers))
    seq, head_hash = audit_head if audit_head is not None else audit.head(conn)
    return dm.Batch(batch_id=batch.label, track=batch.track, created_at=dated, cases=tuple(cases),
                    signer_name=signer_name, office=office,
                    audit_head_hash=head_hash, audit_head_seq=seq)


# -- what must be filled in before signing --------------------------------------------------------------
#: The office block's keys every signed paper needs (``office.toml``), and how they read.
OFFICE_REQUIRED: tuple[tuple[str, str], ...] = (("phone", "phone"), ("email", "e-mail"),
                                                ("attorney_code", "attorney code"))


def _check_signer_and_office(conn: sqlite3.Connection, signer: str, office: dm.Office, templates: Templates) -> None:
    """Refuse (BatchError) when the office block lacks a phone, e-mail or attorney code, or the
    signer has no full name for the signature line: one line naming what to fill in."""
    from clearterm.storage.users import full_name_of

    problems = []
    empty = [key for key, _ in OFFICE_REQUIRED if not getattr(office, key, "").strip()]
    if empty:
        problems.append(f"the office block is incomplete: fill in {', '.join(empty)} in "
                        f"{templates.directory / 'office.toml'} (the papers and letters print them)")
    if not (full_name_of(conn, signer) or "").strip():
        problems.append(f"the signer '{signer}' has no full name for the signature line (a clearterm admin "
                        f"records it: clearterm users full-name {signer} \"First Last\")")
    if problems:
        raise BatchError("cannot sign: " + "; ".join(problems) + "; nothing signed")


def paper_gaps(model: dm.Batch) -> list[tuple[str, tuple[str, ...]]]:
    """(case label, what is missing) for every case whose papers would lack a required field
    (a name, date of birth, disposition date, mailing address, or a case number in the Clerk's form)."""
    from clearterm.domain.research import missing_items, person_facts

    gaps = []
    for c in model.cases:
        p = c.person
        missing = missing_items(person_facts(c.case_number, p.last_name, p.first_name, p.date_of_birth,
                                             p.has_mailing_address, tuple(ch.disposition_date for ch in c.charges)))
        if missing:
            gaps.append((case_label(c.case_number, p.person_id), missing))
    return gaps


def _check_papers(batch: BatchInfo, model: dm.Batch) -> None:
    """Refuse to sign papers with a missing required field (no 'People v. ,' ever)."""
    gaps = paper_gaps(model)
    if not gaps:
        return
    shown = ", ".join(f"{label} ({', '.join(m)})" for label, m in gaps[:MAX_LISTED])
    more = f" and {len(gaps) - MAX_LISTED} more" if len(gaps) > MAX_LISTED else ""
    raise BatchError(f"cannot sign batch {batch.label}: {len(gaps)} case(s) lack data the papers need: {shown}{more}; "
                     f"they need research ('clearterm research'): supply the data and run 'clearterm batch rebuild "
                     f"{batch.id}', or drop them with a new batch; nothing signed")


# -- signing ------------------------------------------------------------------------------------------
#: A test hook: ``POINT`` or ``POINT:pause`` makes :func:`sign_batch` end the process at once
#: (``os._exit``, as abrupt as ``kill -9``: no cleanup runs) or stop there (printing
#: ``clearterm-test: paused at POINT`` on stderr) for a test to kill it. Points, in order:
#: ``staged`` (every PDF signed in the staging directory), ``publishing`` (publishing state and
#: ``batch_signed`` entry committed), ``renamed`` (directory in place), ``signed`` (all committed).
CRASH_ENV = "CLEARTERM_TEST_CRASH_AT"
CRASH_POINTS = ("staged", "publishing", "renamed", "signed")
CRASH_EXIT = 137


def _crash_point(name: str) -> None:
    spec = settings.test_crash_point()
    if not spec:
        return
    point, _, how = spec.partition(":")
    if point != name:
        return
    if how == "pause":
        sys.stderr.write(f"clearterm-test: paused at {name}\n")
        sys.stderr.flush()
        time.sleep(600)
    os._exit(CRASH_EXIT)


_PUBLISHING_COLUMNS = sb.PUBLISHING_COLUMNS


def sign_batch(store: Store, batch_ref: str | int, *, signer: str, p12_path: str | Path,
               passphrase: str | bytes, out_dir: str | Path, workers: int | None = None,
               progress: Progress | None = None, templates: Templates | str | Path | None = None,
               dated: datetime | None = None, allow_late: bool = False) -> SignResult:
    """Sign an open batch into ``out_dir/<label>/`` and freeze it (see the module docstring).

    The slow part (rendering and signing every PDF) runs without holding the store's write
    lock. Then one transaction re-checks the batch (still open, no case changed, the signer
    still a signer), anchors the manifest on the chain head, appends the ``batch_signed``
    entry and records the batch as publishing; the directory is renamed into place; a last
    transaction marks the batch signed. If anything fails before the rename, nothing is
    published and the batch is open; a crash after it is finished by the next run
    (:func:`reconcile_publishing`, which this runs first).
    """
    from clearterm.documents import ExportError, SigningError, TemplateError

    if not isinstance(templates, Templates):
        try:
            templates = Templates(templates or settings.templates_override())
        except TemplateError as exc:  # e.g. a ground without its label: one line, before any work
            raise BatchError(str(exc).splitlines()[0]) from None
    conn = store.conn
    reconcile_publishing(store, batch_ref, actor=signer)
    if Path(out_dir).is_dir():  # even if this run is refused below
        remove_stale_staging(Path(out_dir))
    batch = _open_batch(conn, batch_ref)
    _require(conn, signer, "signer")
    late = late_objections(conn, batch.id)
    if late and not allow_late:
        raise LateObjections(batch, late)
    dated = dated or datetime.now().astimezone().replace(microsecond=0)
    _check_signer_and_office(conn, signer, load_office(templates), templates)
    model = build_documents_batch(conn, batch.id, signer_name=access.display_name(conn, signer),
                                  dated=dated, templates=templates)
    _check_papers(batch, model)
    try:
        staged = stage_batch(model, out_dir, p12_path, passphrase, workers=workers, progress=progress,
                             templates=templates)
    except FileExistsError:
        raise BatchError(f"{Path(out_dir) / batch.label} already exists: choose another --out") from None
    except (SigningError, TemplateError, ExportError, dm.BatchError) as exc:
        raise BatchError(str(exc).splitlines()[0]) from None
    _crash_point("staged")
    row, manifest_sha, sign_seq = _record_publishing(store, batch, model, staged, signer, len(late))
    _crash_point("publishing")
    result = _publish(store, staged, row, batch, signer)
    info = get_batch(conn, batch.id)
    assert info is not None
    return SignResult(info, result.batch_dir, result.documents, result.pages, result.seconds,
                      manifest_sha, sign_seq)


def _record_publishing(store: Store, batch, model, staged, signer: str, late: int = 0):
    """One transaction: re-check the batch, anchor the manifest on the chain head, append the
    ``batch_signed`` entry and record the batch as publishing. Returns (publishing row, manifest
    sha256, the entry's seq); the staging folder is discarded if anything fails."""
    try:
        with store.write() as wconn:
            now = get_batch(wconn, batch.id)
            if now is None or now.status != "open":
                raise BatchError(f"batch {batch.label} was signed or dropped meanwhile; nothing written")
            changed = changed_cases(wconn, now)
            if changed or now.cases != batch.cases:
                raise CasesChanged(now, [c.label for c in changed] or ["(cases added or removed)"])
            _require(wconn, signer, "signer")
            if staged.final.exists() or staged.final.is_symlink():
                raise BatchError(f"{staged.final} appeared while signing; nothing written")
            seq, head_hash = audit.head(wconn)
            data = staged.write_manifest(replace(model, audit_head_hash=head_hash, audit_head_seq=seq))
            manifest_sha = hashlib.sha256(data).hexdigest()
            signature_sha = hashlib.sha256((staged.staging / MANIFEST_SIG).read_bytes()).hexdigest()
            at = utc_now_iso()
            pages = staged.pages
            sign_seq, _ = audit.append(wconn, at=at, actor=signer, event="batch_signed", detail={
                "batch": batch.id, "label": batch.label, "documents": len(staged.all_entries),
                "pages": pages, "manifest_sha256": manifest_sha, "anchor_seq": seq,
                **({"late_objections_allowed": late} if late else {})})
            row = dict(zip(_PUBLISHING_COLUMNS, (
                batch.id, batch.label, str(staged.final.resolve()), str(staged.staging.resolve()), os.getpid(),
                manifest_sha, signature_sha, at, signer, staged.batch.signer_name, len(staged.all_entries), pages,
                seq, head_hash, sign_seq)))
            sb.insert_publishing(wconn, row)
    except BaseException:
        staged.discard()
        raise
    return row, manifest_sha, sign_seq


def _publish(store: Store, staged, row: dict, batch, signer: str):
    """Rename the staged folder into place and mark the batch signed; if the rename fails, undo
    the publishing state (audited)."""
    try:
        try:
            result = staged.publish()
        except BaseException as exc:  # nothing in place: undo the publishing state
            staged.discard()
            with store.write() as wconn:
                _abandon(wconn, row, actor=signer, reason="the directory could not be put in place")
            if isinstance(exc, FileExistsError):
                raise BatchError(f"{staged.final} appeared while signing; nothing published") from None
            raise
        _crash_point("renamed")
        try:
            with store.write() as wconn:
                _mark_signed(wconn, row)
        except sqlite3.Error as exc:
            raise BatchError(f"batch {batch.label} is in place in {staged.final} but could not be recorded as "
                             f"signed ({exc}); 'clearterm batch show {batch.id}' finishes it") from None
        _crash_point("signed")
    finally:
        staged.release()
    return result


def _mark_signed(conn: sqlite3.Connection, row: dict) -> None:
    if not sb.delete_publishing(conn, row["batch_id"], row["manifest_sha256"]):
        raise BatchError(f"batch {row['label']}: its publishing record is gone (finished or undone by another "
                         "process); see 'clearterm batch show'")
    sb.mark_signed(conn, row)
    sl.refresh_batch_lifecycle(conn, row["batch_id"], at=utc_now_iso())  # signed


def _abandon(conn: sqlite3.Connection, row: dict, *, actor: str, reason: str) -> None:
    """The batch is open again; its ``batch_signed`` entry stays in the log, followed by this."""
    if not sb.delete_publishing(conn, row["batch_id"], row["manifest_sha256"]):
        return  # already undone
    audit.append(conn, at=utc_now_iso(), actor=actor, event="batch_sign_abandoned", detail={
        "batch": row["batch_id"], "label": row["label"], "signed_audit_seq": row["signed_audit_seq"],
        "manifest_sha256": row["manifest_sha256"], "reason": reason})


def directory_mismatch(batch_dir: Path, manifest_sha256: str, signature_sha256: str = "",
                       documents: int | None = None) -> str | None:
    """Why ``batch_dir`` is not exactly the signed batch recorded (None when it is): the manifest
    and its signature have the recorded SHA-256, every listed file is there with its SHA-256,
    and nothing else is (no link, no extra file)."""
    try:
        data = (batch_dir / MANIFEST).read_bytes()
    except OSError:
        return "no readable manifest.json"
    if hashlib.sha256(data).hexdigest() != manifest_sha256:
        return "manifest.json is not the one recorded"
    try:
        if signature_sha256 and hashlib.sha256((batch_dir / MANIFEST_SIG).read_bytes()).hexdigest() != signature_sha256:
            return "manifest.json.p7s is not the one recorded"
        docs = json.loads(data)["documents"]
        listed = {d["path"]: d["sha256"] for d in docs}
        sums = _expected_sums(batch_dir, docs, listed, data)
    except (OSError, ValueError, KeyError, TypeError):
        return "manifest.json.p7s or the document list cannot be read"
    if documents is not None and len(listed) != documents:
        return "the manifest lists another number of documents"
    present: set[str] = set()
    for root, dirs, files in os.walk(batch_dir):
        for name in dirs + files:
            path = Path(root) / name
            if path.is_symlink():
                return f"{path.relative_to(batch_dir).as_posix()} is a link"
        present.update((Path(root) / f).relative_to(batch_dir).as_posix() for f in files)
    if present != set(listed) | {MANIFEST, MANIFEST_SIG} | ({SUMS} if sums is not None else set()):
        return "files missing or extra"
    if sums is not None and (batch_dir / SUMS).read_bytes() != sums:
        return f"{SUMS} does not match the manifest"
    for rel, sha in listed.items():
        try:
            if hashlib.sha256((batch_dir / rel).read_bytes()).hexdigest() != sha:
                return f"{rel} does not match the manifest"
        except OSError:
            return f"{rel} cannot be read"
    return None


def _expected_sums(batch_dir: Path, docs: list, listed: dict[str, str], manifest: bytes) -> bytes | None:
    """The SHA256SUMS a batch with an index must hold (None for a batch made before the index)."""
    if not any(d.get("kind") == "index" for d in docs):
        return None
    hashes = dict(listed)
    hashes[MANIFEST] = hashlib.sha256(manifest).hexdigest()
    hashes[MANIFEST_SIG] = hashlib.sha256((batch_dir / MANIFEST_SIG).read_bytes()).hexdigest()
    return sums_text(hashes.items())


def _is_batch_dir_of(path: Path, label: str) -> bool:
    try:
        return json.loads((path / MANIFEST).read_bytes()).get("batch_id") == label
    except (OSError, ValueError, AttributeError):
        return False


def _remove_dir(path: Path) -> None:
    """Remove a directory of ours: first renamed aside to a staging name (atomic), so a crash
    while deleting never leaves a half batch under the batch's name (the next export removes
    the rest as a stale staging directory)."""
    aside = path.with_name(staging_name(path.name, os.getpid()))
    if aside.exists():
        shutil.rmtree(aside)
    os.replace(path, aside)
    shutil.rmtree(aside)


def reconcile_publishing(store: Store, batch_ref: str | int | None = None, *, actor: str) -> list[str]:
    """Finish what a ``batch sign`` that died while publishing left (``batch_ref``'s batch, or all).

    For each batch recorded as publishing whose signing process is gone (its directory lock is
    free): if the directory in place is exactly the signed batch recorded (hashes), the batch is
    marked signed (``batch_sign_recovered``); else that directory (when it is this batch's) and
    the staging directory are removed and the batch is open again (``batch_sign_abandoned``).
    Returns one line per batch handled; a batch still being published by a live process is
    left alone.
    """
    conn = store.conn
    batch_id = None
    if batch_ref is not None:
        try:
            batch_id = find_batch(conn, batch_ref).id
        except BatchError:
            return []
    if not sb.has_publishing(conn, batch_id):
        return []
    done: list[str] = []
    with store.write() as wconn:
        for row in sb.publishing_rows(wconn, batch_id):
            final, staging = Path(row["batch_dir"]), Path(row["staging_dir"])
            if final.name != row["label"] or staging.name != staging_name(row["label"], row["pid"]):
                raise BatchError(f"batch {row['label']}: the publishing record names unexpected directories; "
                                 "nothing touched")
            # The signing process holds a lock on its directory (staging, then the same directory
            # renamed into place) for as long as it lives. Staging first: if the rename happens
            # between the two looks, the second one sees it.
            locks: list[int] = []
            busy = False
            for path in (staging, final):
                if path.is_dir() and not path.is_symlink():
                    fd = lock_dir(path)
                    if fd is None:
                        busy = True
                        break
                    locks.append(fd)
            if busy:
                for fd in locks:
                    os.close(fd)
                continue
            try:
                why = directory_mismatch(final, row["manifest_sha256"], row["signature_sha256"],
                                         row["documents"]) if final.is_dir() else "the directory is not in place"
                if why is None:
                    _mark_signed(wconn, row)
                    audit.append(wconn, at=utc_now_iso(), actor=actor, event="batch_sign_recovered", detail={
                        "batch": row["batch_id"], "label": row["label"],
                        "signed_audit_seq": row["signed_audit_seq"], "manifest_sha256": row["manifest_sha256"]})
                    done.append(f"batch {row['label']}: signing interrupted after its directory was put in place; "
                                f"the directory matches the recorded hashes: now signed")
                    continue
                note = ""
                if final.is_dir() and not final.is_symlink() and _is_batch_dir_of(final, row["label"]):
                    _remove_dir(final)
                    note = f"; {final.name} removed"
                elif final.exists() or final.is_symlink():
                    note = f"; {final} is not this batch's directory and was left alone"
                if staging.is_dir() and not staging.is_symlink():
                    shutil.rmtree(staging)
                _abandon(wconn, row, actor=actor, reason=why)
                done.append(f"batch {row['label']}: signing interrupted before it was complete ({why}){note}; "
                            f"the batch is open again: sign it again")
            finally:
                for fd in locks:
                    os.close(fd)
    return done


# -- verifying ---------------------------------------------------------------------------------------
def check_against_store(conn: sqlite3.Connection, batch_dir: str | Path) -> list[Problem]:
    """Problems of the batch's audit anchor in this store (empty when it matches).

    Checks: the chain verifies; its entry at the manifest's ``head_seq`` has the manifest's
    ``head_hash``; the next entry is this batch's ``batch_signed`` entry with the SHA-256
    of this ``manifest.json``; the store's batch is signed with that manifest.
    """
    from clearterm.storage.audit import verify_chain

    batch_dir = Path(batch_dir)
    try:
        data = (batch_dir / MANIFEST).read_bytes()
        manifest = json.loads(data)
        label = str(manifest["batch_id"])
        seq, head_hash = int(manifest["audit"]["head_seq"]), str(manifest["audit"]["head_hash"])
    except (OSError, ValueError, KeyError, TypeError):
        return [Problem(MANIFEST, "audit-anchor-unchecked", "no readable manifest: the audit anchor "
                        "cannot be checked against the store")]
    sha = hashlib.sha256(data).hexdigest()
    problems = []
    chain = verify_chain(conn)
    if not chain.ok:
        problems.append(Problem("store", "audit-chain-broken", chain.message))
    stored_hash = audit.hash_at(conn, seq)
    if stored_hash is None:
        problems.append(Problem(MANIFEST, "audit-anchor-missing",
                                f"audit entry {seq} named by the manifest is not in this store's log"))
    elif stored_hash != head_hash:
        problems.append(Problem(MANIFEST, "audit-anchor-mismatch",
                                f"audit entry {seq} of this store has hash {stored_hash[:16]}..., "
                                f"the manifest says {head_hash[:16]}..."))
    entry = audit.event_at(conn, seq + 1)
    detail = json.loads(entry[1]) if entry else {}
    if entry is None or entry[0] != "batch_signed" or detail.get("label") != label:
        problems.append(Problem(MANIFEST, "audit-signing-entry-missing",
                                f"audit entry {seq + 1} is not the batch_signed entry of batch {label}"))
    elif detail.get("manifest_sha256") != sha:
        problems.append(Problem(MANIFEST, "audit-manifest-mismatch",
                                f"audit entry {seq + 1} records another manifest "
                                f"({str(detail.get('manifest_sha256'))[:16]}...) than this one ({sha[:16]}...)"))
    row = sb.signed_state_by_label(conn, label)
    if row is None or row[0] != "signed" or row[1] != sha:
        problems.append(Problem(MANIFEST, "batch-record-mismatch",
                                f"this store has no signed batch {label} with this manifest"))
    return problems


def verify_exported(batch_dir: str | Path, *, trust_root: str | Path | None = None,
                    conn: sqlite3.Connection | None = None, workers: int | None = None) -> VerificationReport:
    """:func:`clearterm.documents.verify_batch`, plus the audit anchor against the store ``conn``."""
    report = verify_batch(batch_dir, trust_root, workers=workers)
    if conn is not None:
        report.problems.extend(check_against_store(conn, batch_dir))
        report.store_checked = True
    return report


def write_passphrase(path: Path, passphrase: str) -> Path:
    """Write a passphrase file readable by its owner only."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with open(fd, "w", encoding="utf-8") as fh:
        fh.write(passphrase + "\n")
    return path
