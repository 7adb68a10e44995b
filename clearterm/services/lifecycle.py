"""The life of a case after its batch is signed: filing, court dates, rulings and the docket watch.

Headless (no Textual): ``clearterm batch file``, ``clearterm ruling``, ``clearterm docket`` and
the workstation call it; ``clearterm rulings import`` (:mod:`clearterm.services.rulings`) applies
the same checks to every row of a file.

Every change is one write transaction holding its rows, its audit entry and the refreshed
``case_lifecycle`` rows (:mod:`clearterm.storage.lifecycle`). Every date is checked against
``today`` (``--today``, default the system date), so tests and replays run on a fixed calendar.

The rules of a ruling (:func:`check_ruling`):

* the case is in a batch that was filed (``clearterm batch file``);
* the ruling is one of granted, denied, continued, stricken, withdrawn;
* its date is not after ``today`` and not before the batch's filing date;
* ``continued`` needs a next court date after the ruling date; the others take none;
* one ruling per case and date: the same ruling again is a no-op, a different one is refused;
* nothing is ruled after a final ruling (granted, denied, stricken, withdrawn), and a case has
  one final ruling;
* rulings are recorded in date order: a ruling dated before the latest ruling already recorded
  for the case (a continuance, say) is refused, so a final ruling can never sit behind a later
  continuance.

Messages hold case numbers, person ids, batch labels and dates, never a name.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import date, timedelta

from clearterm.domain.cases import case_label
from clearterm.domain.dates import DateError, parse_date, utc_now_iso
from clearterm.domain.deadlines import objection_deadline
from clearterm.services import access
from clearterm.storage import audit
from clearterm.storage import lifecycle as sl
from clearterm.storage.store import Store

RULINGS = sl.RULINGS
FINAL_RULINGS = sl.FINAL_RULINGS
LIFECYCLE_STATES = sl.LIFECYCLE_STATES
#: Days after which a granted case without a letter, or a signed batch not filed, is followed up.
DEFAULT_FOLLOW_UP_DAYS = 14
#: A served petition is followed up when fewer days than this are left to its objection deadline.
PETITION_WARNING_DAYS = 14
MAX_TEXT = {"judge": 120, "order_number": 60, "courtroom": 40, "call": 40}


class LifecycleError(Exception):
    """A filing or ruling that cannot be recorded as asked; nothing was written. One safe line."""


class LifecycleDenied(LifecycleError):
    """The acting user lacks the role (the CLI exits with access.EXIT_DENIED)."""


class RulingProblem(LifecycleError):
    """A ruling that breaks a rule; ``field`` names the column (a rulings file quarantines the row)."""

    def __init__(self, field: str | None, message: str):
        self.field = field
        super().__init__(message)


def _require(conn: sqlite3.Connection, user: str, role: str) -> None:
    try:
        access.require_role(conn, user, role)
    except access.AccessDenied as exc:
        raise LifecycleDenied(str(exc)) from None


def require_reviewer(conn: sqlite3.Connection, user: str) -> None:
    """:class:`LifecycleDenied` unless ``user`` holds the reviewer role (filings, rulings, imports)."""
    _require(conn, user, "reviewer")


def parse_day(value: str | date | None, what: str, *, required: bool = True) -> date | None:
    """A date option or column: ISO or one of the extract spellings; :class:`RulingProblem` if unreadable."""
    if isinstance(value, date):
        return value
    try:
        d = parse_date(value)
    except DateError as exc:
        raise RulingProblem(what, f"{what} {exc}") from None
    if d is None and required:
        raise RulingProblem(what, f"{what} is required")
    return d


def clean_text(value: str | None, what: str) -> str | None:
    """A short free-text value (judge, order number, courtroom, call): printable, bounded; None if empty."""
    if value is None:
        return None
    s = str(value).strip()
    if not s:
        return None
    if len(s) > MAX_TEXT[what]:
        raise RulingProblem(what, f"{what} is longer than {MAX_TEXT[what]} characters")
    if not s.isprintable():
        raise RulingProblem(what, f"{what} contains control characters")
    return s


# -- filing ------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class FilingResult:
    batch_id: int
    label: str
    kind: str  # 'filed' (the first filing) | 'court_date' (a later court date)
    filed_date: str
    court_date: str
    previous_court_date: str | None
    cases: int
    audit_seq: int


def file_batch(store: Store, batch_ref: str | int, *, court_date: str | date, actor: str, today: date,
               courtroom: str | None = None, call: str | None = None) -> FilingResult:
    """Record that a signed batch was filed (``today``) and set for ``court_date``; on a batch filed
    already, a later court date (a continuance of the whole call). One transaction, audited."""
    from clearterm.services.batches import BatchError, find_batch

    court = parse_day(court_date, "court date")
    courtroom, call = clean_text(courtroom, "courtroom"), clean_text(call, "call")
    with store.write() as conn:
        _require(conn, actor, "reviewer")
        try:
            batch = find_batch(conn, batch_ref)
        except BatchError as exc:
            raise LifecycleError(str(exc)) from None
        if batch.status != "signed":
            raise LifecycleError(f"batch {batch.label} is not signed ({batch.status}): sign it before filing "
                                 f"(clearterm batch sign {batch.id})")
        filings = sl.filing_rows(conn, batch.id)
        signed_on = date.fromisoformat(str(batch.signed_at)[:10])
        if not filings:
            kind, filed, previous = "filed", today, None
            if today < signed_on:
                raise LifecycleError(f"batch {batch.label} was signed on {signed_on}, after --today {today}")
            if court < today:
                raise LifecycleError(f"the court date {court} is before the filing date {today}")
        else:
            kind, previous = "court_date", filings[-1][3]
            filed = date.fromisoformat(filings[0][2])
            if court.isoformat() <= previous:
                raise LifecycleError(f"batch {batch.label} is set for {previous}: a later court date must be "
                                     f"after it (got {court})")
        at = utc_now_iso()
        sl.insert_filing(conn, batch_id=batch.id, kind=kind, filed_date=filed.isoformat() if kind == "filed"
                         else today.isoformat(), court_date=court.isoformat(), courtroom=courtroom, call=call,
                         actor=actor, at=at)
        detail = {"batch": batch.id, "label": batch.label, "court_date": court.isoformat(),
                  "filed_date": filed.isoformat(), "courtroom": courtroom, "call": call, "today": today.isoformat()}
        if previous:
            detail["previous_court_date"] = previous
        seq, _ = audit.append(conn, at=at, actor=actor, event="batch_filed" if kind == "filed" else "batch_court_date",
                              detail=detail)
        sl.refresh_batch_lifecycle(conn, batch.id, at=at)
    return FilingResult(batch.id, batch.label, kind, filed.isoformat(), court.isoformat(), previous, batch.cases, seq)


# -- rulings -----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class RulingRequest:
    ruling: str
    ruling_date: date
    next_court_date: date | None = None
    judge: str | None = None
    order_number: str | None = None


@dataclass(frozen=True)
class CaseContext:
    """A case as a ruling is checked against it (from :func:`clearterm.storage.lifecycle.ruling_context`)."""

    case_id: int
    case_number: str
    person_id: str
    batch_id: int | None
    batch_label: str | None
    batch_status: str | None
    filed_date: str | None
    court_date: str | None


def make_request(ruling: str | None, ruling_date, next_court_date=None, judge=None,
                 order_number=None) -> RulingRequest:
    """A :class:`RulingRequest` from text values; :class:`RulingProblem` naming the field."""
    r = (ruling or "").strip().lower()
    if r not in RULINGS:
        raise RulingProblem("ruling", "ruling is not one of " + ", ".join(RULINGS) if r
                            else "ruling is required")
    when = parse_day(ruling_date, "ruling_date")
    nxt = parse_day(next_court_date, "next_court_date", required=False)
    return RulingRequest(r, when, nxt, clean_text(judge, "judge"), clean_text(order_number, "order_number"))


def check_ruling(req: RulingRequest, ctx: CaseContext, existing: list[tuple], today: date) -> bool:
    """Whether the ruling is new (True) or already recorded (False); :class:`RulingProblem` if it
    breaks a rule (module docstring). ``existing``: the case's rulings (RULING_COLUMNS)."""
    if ctx.batch_id is None:
        raise RulingProblem("case_number", "case_number is a case in no batch: a ruling needs a filed case")
    if ctx.filed_date is None:
        raise RulingProblem("case_number", f"case_number is a case not filed (batch {ctx.batch_label} is "
                                           f"{ctx.batch_status}; record the filing with clearterm batch file)")
    when = req.ruling_date.isoformat()
    if req.ruling_date > today:
        raise RulingProblem("ruling_date", f"ruling_date is after today ({today})")
    if when < ctx.filed_date:
        raise RulingProblem("ruling_date", f"ruling_date is before the filing date ({ctx.filed_date})")
    nxt = req.next_court_date.isoformat() if req.next_court_date else None
    if req.ruling == "continued":
        if nxt is None:
            raise RulingProblem("next_court_date", "next_court_date is required for a continued case")
        if nxt <= when:
            raise RulingProblem("next_court_date", "next_court_date is not after the ruling date")
    elif nxt is not None:
        raise RulingProblem("next_court_date", f"next_court_date is only for continued (the ruling is {req.ruling})")
    for _id, ruling, rdate, rnext, *_ in existing:
        if rdate == when:
            if (ruling, rnext) == (req.ruling, nxt):
                return False
            raise RulingProblem("ruling", f"ruling is a second, different ruling for {when}: {ruling} is recorded")
    for _id, ruling, rdate, *_ in existing:
        if ruling in FINAL_RULINGS and (rdate < when or req.ruling in FINAL_RULINGS):
            raise RulingProblem("ruling", f"ruling comes after the final ruling {ruling} of {rdate}")
    latest = max(existing, key=lambda r: r[2], default=None)
    if latest is not None and when < latest[2]:
        raise RulingProblem("ruling_date", f"ruling_date is before the latest ruling recorded for the case "
                                           f"({latest[1]} of {latest[2]}): rulings are recorded in date order")
    return True


def context_of(row: tuple) -> CaseContext:
    return CaseContext(*row)


def apply_ruling(conn: sqlite3.Connection, ctx: CaseContext, req: RulingRequest, *, today: date, actor: str,
                 at: str, source_id: int | None = None, source_line: int | None = None) -> int | None:
    """Check and insert one ruling in the caller's transaction; its id, or None when it was there
    already. The caller refreshes ``case_lifecycle`` and writes the audit entry."""
    if not check_ruling(req, ctx, sl.case_rulings(conn, ctx.case_id), today):
        return None
    return sl.insert_ruling(
        conn, case_id=ctx.case_id, batch_id=ctx.batch_id, ruling=req.ruling, ruling_date=req.ruling_date.isoformat(),
        judge=req.judge, next_court_date=req.next_court_date.isoformat() if req.next_court_date else None,
        order_number=req.order_number, source_id=source_id, source_line=source_line, actor=actor, at=at)


@dataclass(frozen=True)
class RulingResult:
    case_id: int
    label: str
    ruling: str
    ruling_date: str
    recorded: bool  # False: the same ruling was already recorded (nothing written)
    state: str | None
    court_date: str | None
    audit_seq: int | None


def record_ruling(store: Store, case_id: int, req: RulingRequest, *, actor: str, today: date) -> RulingResult:
    """Record one ruling by hand: checked, appended, audited and the case's state refreshed, in
    one transaction. The same ruling again writes nothing."""
    with store.write() as conn:
        _require(conn, actor, "reviewer")
        row = sl.ruling_context_of(conn, case_id)
        if row is None:
            raise LifecycleError(f"no case {case_id} in the store")
        ctx = context_of(row)
        label = case_label(ctx.case_number, ctx.person_id)
        at = utc_now_iso()
        try:
            rid = apply_ruling(conn, ctx, req, today=today, actor=actor, at=at)
        except RulingProblem as exc:
            raise RulingProblem(exc.field, f"case {label}: {exc}") from None
        seq = None
        if rid is not None:
            seq, _ = audit.append(conn, at=at, actor=actor, event="ruling_recorded", case_id=case_id, detail={
                "ruling_id": rid, "batch": ctx.batch_id, "ruling": req.ruling,
                "ruling_date": req.ruling_date.isoformat(),
                "next_court_date": req.next_court_date.isoformat() if req.next_court_date else None,
                "order_number": req.order_number, "today": today.isoformat()})
            sl.refresh_lifecycle(conn, [case_id], at=at)
        life = sl.lifecycle_row(conn, case_id)
    return RulingResult(case_id, label, req.ruling, req.ruling_date.isoformat(), rid is not None,
                        life[0] if life else None, life[2] if life else None, seq)


# -- reading -----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class CaseLife:
    """A case's life after its decision, for the case screen and ``clearterm ruling``."""

    state: str | None
    batch_id: int | None
    court_date: str | None
    ruling_date: str | None
    rulings: tuple[tuple, ...]  # RULING_COLUMNS

    @property
    def summary(self) -> str:
        if self.state is None:
            return "in no batch"
        extra = f", court date {self.court_date}" if self.court_date else ""
        if self.ruling_date and self.state != "continued":
            extra += f", ruled {self.ruling_date}"
        return f"{self.state.replace('_', ' ')}{extra}"


def case_life(conn: sqlite3.Connection, case_id: int) -> CaseLife:
    row = sl.lifecycle_row(conn, case_id)
    rulings = tuple(sl.case_rulings(conn, case_id))
    if row is None:
        return CaseLife(None, None, None, None, rulings)
    return CaseLife(row[0], row[1], row[2], row[3], rulings)


def state_counts(conn: sqlite3.Connection, batch_id: int | None = None) -> dict[str, int]:
    """Cases by lifecycle state (a batch's, or the store's), in state order."""
    return sl.lifecycle_counts(conn, batch_id)


# -- the docket watch ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class FollowUp:
    kind: str
    since: str  # the date the matter went quiet from (sort key: oldest first)
    case_id: int | None
    case: str | None  # the case label (None for a batch line)
    batch_id: int | None
    batch: str | None  # the batch label
    days: int  # days since ``since``
    todo: str  # what the line says to do

    @property
    def line(self) -> str:
        who = self.case or f"batch {self.batch}"
        return f"{self.since}  {who}: {self.todo}"


KIND_TITLES = {
    "court_date_passed": "court date passed, no ruling",
    "continued_no_date": "continued, no next date",
    "granted_no_letter": "granted, no letter",
    "signed_not_filed": "signed, not filed",
    "petition_due": "petition deadline near",
    "petition_flagged": "petition served, case flagged, no decision",
    "petition_unmatched": "petition served, no case matches",
    "petition_ambiguous": "petition served, more than one person",
}
#: What the office does with a petition served on a case of each track (``petition_flagged``).
_FLAGGED_TODO = {
    "automatic": "the case is on the automatic track, no decision: decide it (clearterm decide {case} ...)",
    "review": "the case is flagged for review, no decision: decide it (clearterm decide {case} ...)",
    "ineligible": "the rules found nothing eligible in the case: answer the petition in court (object)",
    "petition": ("the case's service date is not recorded, no decision: record it and decide "
                 "(clearterm decide {case} --served {served} ...)"),
}


def _todo(kind: str, d: str, case: str | None, batch: str | None, days: int, today: date,
          note: str | int | None = None) -> str:
    if kind == "court_date_passed":
        return (f"court date {d} passed with no ruling: record it (clearterm ruling {case} --granted|--denied|"
                f"--continued --date D) or the new date (clearterm batch file {batch} --court-date D)")
    if kind == "continued_no_date":
        return (f"continued on {d} with no next date: find it and record it "
                f"(clearterm batch file {batch} --court-date D)")
    if kind == "granted_no_letter":
        return (f"granted on {d}, no letter to the person after {days} days: send it "
                f"(clearterm letters --batch {batch} --kind granted)")
    if kind == "signed_not_filed":
        return f"signed on {d}, not filed after {days} days: file it (clearterm batch file {batch} --court-date D)"
    due = objection_deadline(date.fromisoformat(d))
    left = (due - today).days
    when = f"{left} day(s) left" if left >= 0 else f"passed {-left} day(s) ago"
    if kind == "petition_unmatched":
        return (f"petition served {d}, answer by {due} ({when}): no stored case matches it: match it "
                f"(clearterm research; clearterm petitions list)")
    if kind == "petition_ambiguous":
        return (f"petition served {d}, answer by {due} ({when}): it matches {note} people of the case number: "
                f"match it (clearterm research; clearterm petitions list)")
    if kind == "petition_flagged":
        what = _FLAGGED_TODO.get(str(note), _FLAGGED_TODO["review"]).format(case=case, served=d)
        return f"petition served {d}, answer by {due} ({when}): {what}"
    return f"petition served {d}, objection due {due} ({when}), no decision: decide (clearterm decide {case} ...)"


def _docket_params(today: date, days: int) -> dict[str, str]:
    if days < 0:
        raise LifecycleError("--days must be 0 or more")
    cutoff = (today - timedelta(days=days)).isoformat()
    # served before this day: the objection deadline is less than PETITION_WARNING_DAYS away (or passed)
    due_before = today + timedelta(days=PETITION_WARNING_DAYS) - (objection_deadline(today) - today)
    return {"today": today.isoformat(), "letter_cutoff": cutoff, "filing_cutoff": cutoff,
            "petition_due_before": due_before.isoformat()}


def docket(conn: sqlite3.Connection, *, today: date, days: int = DEFAULT_FOLLOW_UP_DAYS,
           limit: int | None = None) -> list[FollowUp]:
    """What has gone quiet as of ``today``, one entry each, oldest first; the oldest ``limit`` when
    given (see :func:`clearterm.storage.lifecycle.docket_rows`; :func:`docket_counts` counts them all)."""
    rows = sl.docket_rows(conn, **_docket_params(today, days), limit=-1 if limit is None else limit)
    out = []
    for kind, since, case_id, number, person, batch_id, batch, d, note in rows:
        label = case_label(number, person or "") if number is not None else None
        age = (today - date.fromisoformat(since)).days
        out.append(FollowUp(kind, since, case_id, label, batch_id, batch, age,
                            _todo(kind, d, label, batch, age, today, note)))
    return out


def docket_counts(conn: sqlite3.Connection, *, today: date, days: int = DEFAULT_FOLLOW_UP_DAYS) -> dict[str, int]:
    """How many follow-ups of each kind (:data:`KIND_TITLES` order), kinds with none left out."""
    counts = sl.docket_counts(conn, **_docket_params(today, days))
    return {k: counts[k] for k in KIND_TITLES if counts.get(k)}
