"""Review commands: ``decide`` (record a review decision on a case) and ``queue`` (the review
queue). ``audit ...`` is in :mod:`clearterm.cli.audit`, ``export reviews`` in :mod:`clearterm.cli.export`.

Registered on the root app by :mod:`clearterm.cli.main`.
Exit codes: 0 done; 1 a bulk approval
declined at its prompt; 2 a request that cannot be recorded (bad option, unknown or ambiguous
case, wrong track...); 3 a conflict (the case changed since the version the action was decided
on; in a bulk approval: cases skipped, listed); 4 access denied
(``decide`` needs the reviewer role, ``queue`` a known user of the store;
see :mod:`clearterm.services.access`).
No message holds a name, a date of birth or an address.
"""

from __future__ import annotations

import dataclasses
import sys
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Optional

import typer

from clearterm.cli.choices import DeadlineView, Ground, State, Status, Track, Tranche
from clearterm.cli.common import actor_for, fail, problem, progress_bar, say, store_for_command
from clearterm.cli.listing import FormatOption, Listing, OutputFormat, emit, prose_to_stderr
from clearterm.domain.deadlines import OBJECTION_GROUNDS


def _object_help() -> str:
    """``--object``'s help, from the grounds of :data:`OBJECTION_GROUNDS`."""
    names = [g.key for g in OBJECTION_GROUNDS]
    listed = " or ".join([", ".join(names[:-1]), names[-1]]) if len(names) > 1 else names[0]
    return (f"Object to the petition on GROUND: {listed}; --note FACTS is required for every ground "
            "(the supporting facts the court reads). Past the deadline: --late-ok.")


# -- decide ------------------------------------------------------------------------------------
def decide(
    ctx: typer.Context,
    case: Annotated[Optional[str], typer.Argument(metavar="CASE", help=(
        "The case number, or CASE_NUMBER/PERSON_ID for co-defendants (none with --all-matching)."),
        show_default=False)] = None,
    person: Annotated[Optional[str], typer.Option("--person", metavar="PERSON_ID", help=(
        "The person (co-defendants): CASE is then the case number alone. Never ambiguous, also when "
        "a case number or person id holds '/'."))] = None,
    approve: Annotated[bool, typer.Option("--approve", help="Approve: include in the motion (automatic) or "
                                          "no objection (petition).")] = False,
    object_ground: Annotated[Optional[Ground], typer.Option("--object", metavar="GROUND",
                                                            help=_object_help())] = None,
    exclude_reason: Annotated[Optional[str], typer.Option("--exclude", metavar="REASON",
                                                          help="Exclude from relief, with a reason.")] = None,
    defer: Annotated[bool, typer.Option("--defer", help="Defer: decide later.")] = False,
    undo: Annotated[bool, typer.Option("--undo", help="Undo your own latest action on the case "
                                       "(a new compensating entry).")] = False,
    note: Annotated[Optional[str], typer.Option("--note", help="Supporting facts or a note.")] = None,
    served: Annotated[Optional[str], typer.Option("--served", metavar="DATE", help=(
        "The date the petition was served (alone: just record it)."))] = None,
    reviewer: Annotated[Optional[str], typer.Option("--reviewer", help="Who decides (default: the login "
                                                     "user; under sudo only the SSH login itself).")] = None,
    expect_version: Annotated[Optional[int], typer.Option("--expect-version", metavar="N", help=(
        "Refuse (exit 3) unless the case is at version N (the id of its latest review entry, 0 if none)."))
    ] = None,
    late_ok: Annotated[bool, typer.Option("--late-ok", help=(
        "Record an objection past its deadline (service + 60 days) as late. Without it a terminal "
        "asks; a pipe is refused (exit 2)."))] = False,
    all_matching: Annotated[bool, typer.Option("--all-matching", help=(
        "With --approve: approve every pending automatic-track case the filters select (bulk approval; "
        "cases with notes left out unless --with-notes)."))] = False,
    track: Annotated[Optional[Track], typer.Option("--track", help="Bulk: the track (automatic only).")] = None,
    tranche: Annotated[Optional[Tranche], typer.Option("--tranche", help="Bulk: tranche 1, 2 or 3 "
                                                       "(99: none).")] = None,
    reason: Annotated[Optional[str], typer.Option("--reason", metavar="CODE", help=(
        "Bulk: cases one of whose charges has this reason code or note (e.g. CLASS_INFERRED)."))] = None,
    with_notes: Annotated[bool, typer.Option("--with-notes", help="Bulk: include cases whose charges carry a "
                                             "note (CLASS_INFERRED, DATE_FROM_ARREST).")] = False,
    limit: Annotated[Optional[int], typer.Option("--limit", metavar="N", min=1, help="Bulk: at most N cases, "
                                                 "in queue order.")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Bulk: print the count and breakdown; record "
                                          "nothing.")] = False,
    yes: Annotated[bool, typer.Option("--yes", help="Bulk: do not ask (needed when standard input is not "
                                      "a terminal).")] = False,
) -> None:
    """Record a review decision on a case (audited; exit 3 if the case changed meanwhile).

    With --approve --all-matching: bulk approval of every pending automatic-track case the filters
    select (exit 3, listing them, if any changed meanwhile and were skipped)."""
    bulk = BulkOptions(track, tranche, reason, with_notes, limit, dry_run, yes)
    if all_matching:
        _check_bulk(case, person, approve, object_ground, exclude_reason, defer, undo, note, served, expect_version)
        return decide_all_matching(ctx, bulk, reviewer)
    if bulk.given():
        raise fail("--track, --tranche, --reason, --with-notes, --limit, --dry-run and --yes go with "
                   "--approve --all-matching")
    if case is None:
        raise fail("give the CASE to decide (or --approve --all-matching)")
    action, note = _action(approve, object_ground, exclude_reason, defer, undo, served, note)
    _decide_one(ctx, case, person, action, reviewer, expect_version, late_ok,
                dict(ground=object_ground, note=note, served=served))


def _decide_one(ctx: typer.Context, case: str, person: str | None, action: str, reviewer: str | None,
                expect_version: int | None, late_ok: bool, what: dict) -> None:
    """One case's decision: checked against its version, a late objection confirmed, reported."""
    from clearterm.services import review
    from clearterm.storage.reviews import ConflictError, current_version

    store = store_for_command(ctx, create=False)
    who = actor_for(store, "reviewer", explicit=reviewer)
    with store:
        try:
            case_ref = review.resolve_case(store.conn, case, person)
            version = expect_version if expect_version is not None else current_version(store.conn, case_ref.id)
            kw = dict(reviewer=who, expected_version=version, **what)
            try:
                rec = review.act(store, case_ref.id, action, confirm_late=late_ok, **kw)
            except review.LateObjection as exc:
                if not _confirm_late(exc):
                    raise
                rec = review.act(store, case_ref.id, action, confirm_late=True, **kw)
        except ConflictError as exc:
            raise fail(f"conflict: {exc}", 3) from None
        except review.ReviewError as exc:
            raise fail(str(exc)) from None
    _report(rec, review.deadline_of)


def _stdin_is_terminal() -> bool:
    return sys.stdin.isatty()


def _confirm_late(exc) -> bool:
    """On a terminal: say the objection is late and ask (the default is no). In a pipe: no
    (the refusal names --late-ok)."""
    if not _stdin_is_terminal():
        return False
    problem(f"LATE: {exc}")
    return typer.confirm("Record it as a LATE objection?", default=False, err=True)


def _action(approve: bool, object_ground: str | None, exclude_reason: str | None, defer: bool, undo: bool,
            served: str | None, note: str | None) -> tuple[str, str | None]:
    """The one action the options ask for, and its note (an exclusion's reason is its note)."""
    chosen = [name for name, on in (("approve", approve), ("object", object_ground is not None),
                                    ("exclude", exclude_reason is not None), ("defer", defer),
                                    ("undo", undo)) if on]
    if len(chosen) > 1:
        raise fail("give one of --approve, --object, --exclude, --defer, --undo (got "
                   + ", ".join("--" + c for c in chosen) + ")")
    if not chosen:
        if served is None:
            raise fail("give one of --approve, --object GROUND, --exclude REASON, --defer, --undo, "
                       "or --served DATE")
        chosen = ["serve"]
    action = chosen[0]
    if action == "exclude":
        if note is not None:
            raise fail("--exclude takes its reason as its value; --note is not used with it")
        note = exclude_reason
    return action, note


def _report(rec, deadline_of) -> None:
    """The recorded action in one line (and a warning for an objection past its deadline)."""
    e, after = rec.entry, rec.after
    what = {"approve": "approval", "object": f"objection ({e.ground})", "exclude": "exclusion",
            "defer": "deferral", "serve": f"service date {e.served}",
            "undo": f"undo of entry {e.undoes}"}[e.action]
    line = (f"recorded {what} on case {rec.case.label} ({rec.case.track}) by {e.reviewer}: status "
            f"{after.status}, version {e.id}, audit entry {rec.audit_seq}")
    if after.service_date and rec.case.track == "petition":
        dl = deadline_of(after)
        line += f"; objection due {dl.isoformat()}"
        if dl is not None and dl < date.today() and after.status in ("pending", "deferred"):
            line += " (passed)"
    say(line)
    if e.action == "object" and after.service_date:
        dl = deadline_of(after)
        if dl is not None and dl < date.today():
            problem(f"warning: recorded as a LATE objection: the deadline {dl.isoformat()} passed "
                    f"{(date.today() - dl).days} day(s) ago; 'batch sign' needs --allow-late for it")
    if e.action == "serve" and rec.before.service_date:
        say(f"service date changed from {rec.before.service_date} to {e.served} (reason recorded)")


# -- decide --approve --all-matching (bulk approval) ---------------------------------------------
@dataclass(frozen=True)
class BulkOptions:
    track: str | None
    tranche: int | None
    reason: str | None
    with_notes: bool
    limit: int | None
    dry_run: bool
    yes: bool

    def given(self) -> bool:
        return any(v not in (None, False) for v in dataclasses.astuple(self))

    def audit_filter(self) -> dict:
        """What the bulk action's audit entry records (codes and numbers only)."""
        return {"source": "cli", "track": "automatic", "tranche": self.tranche, "reason": self.reason,
                "with_notes": self.with_notes, "limit": self.limit}


def _check_bulk(case, person, approve, object_ground, exclude_reason, defer, undo, note, served,
                expect_version) -> None:
    if not approve or any(x is not None for x in (object_ground, exclude_reason)) or defer or undo:
        raise fail("--all-matching goes with --approve only (bulk approval)")
    if case is not None or person is not None:
        raise fail("--all-matching selects cases by its filters: give no CASE nor --person")
    if note is not None or served is not None or expect_version is not None:
        raise fail("--all-matching takes no --note, --served nor --expect-version")


def decide_all_matching(ctx: typer.Context, opts: BulkOptions, reviewer: str | None) -> None:
    """Bulk approval from the command line: plan, print, confirm, run; exit 3 if any case was skipped."""
    from clearterm.domain.decision import REASONS
    from clearterm.services import bulk_review, review

    if opts.track not in (None, "automatic"):
        raise fail(f"only automatic-track cases can be bulk approved (got --track {opts.track})")
    if opts.reason is not None and opts.reason not in REASONS:
        raise fail(f"unknown reason code {opts.reason!r}: see docs/rules.md for the codes")
    store = store_for_command(ctx, create=False)
    who = actor_for(store, "reviewer", explicit=reviewer)
    with store:
        plan = bulk_review.plan(store.conn, match={"track": "automatic", "tranche": opts.tranche}, as_of=date.today(),
                                filter=opts.audit_filter(), reason=opts.reason)
        chosen = plan.chosen(opts.with_notes, opts.limit)
        _print_plan(plan, opts)
        if not chosen:
            say("nothing to approve; nothing recorded")
            return
        if opts.dry_run:
            say("dry run: nothing recorded")
            return
        _confirm(len(chosen), opts.yes)
        try:
            with progress_bar("approving", len(chosen)) as update:
                res = bulk_review.run(bulk_review.approve_steps(store, chosen, reviewer=who, filter=plan.filter),
                                      progress=(lambda p: update(p.done, p.total)) if update else None)
        except review.ReviewError as exc:
            raise fail(str(exc)) from None
    say(f"recorded bulk approval {res.bulk_id} by {who}: {res.recorded:,} case(s) approved, "
        f"{len(res.skipped):,} skipped; audit entries {res.audit_seq}-{res.done_seq}")
    if res.skipped:
        for label, why in res.skipped:
            problem(f"skipped case {label}: {why}")
        raise typer.Exit(3)


def _print_plan(plan, opts: BulkOptions) -> None:
    s = plan.summary(opts.with_notes, opts.limit)
    say(f"{s.cases:,} case(s), {s.charges:,} charge(s) to approve (automatic track, pending"
        + (f", tranche {opts.tranche}" if opts.tranche is not None else "")
        + (f", reason {opts.reason}" if opts.reason else "") + (f", at most {opts.limit:,}" if opts.limit else "")
        + ")")
    for tranche, n in s.by_tranche:
        say(f"  tranche {tranche if tranche is not None else 'none'}: {n:,}")
    for code, n in s.by_code:
        say(f"  {code}: {n:,}")
    if s.notes_left_out:
        say(f"left out: {s.notes_left_out:,} case(s) with notes (--with-notes includes them)")


def _confirm(n: int, yes: bool) -> None:
    if yes:
        return
    if not _stdin_is_terminal():
        raise fail("bulk approval asks for confirmation: give --yes when standard input is not a terminal")
    if not typer.confirm(f"Approve these {n:,} case(s)?", default=False):
        say("nothing recorded")
        raise typer.Exit(1)


# -- queue -------------------------------------------------------------------------------------
def queue(
    ctx: typer.Context,
    track: Annotated[Optional[Track], typer.Option(help="automatic, petition or review.")] = None,
    tranche: Annotated[Optional[Tranche], typer.Option(help="1, 2 or 3 (99: none).")] = None,
    status_: Annotated[Optional[Status], typer.Option("--status", help="pending, approved, objected, excluded "
                                                   "or deferred.")] = None,
    search: Annotated[Optional[str], typer.Option(help="Words of a case number, person id or name.")] = None,
    overdue: Annotated[bool, typer.Option("--overdue", help="Petitions past their objection deadline "
                                          "with no decision.")] = False,
    state: Annotated[Optional[State], typer.Option("--state", help="The state after the decision: batched, signed, "
                                                 "filed, continued, granted, denied, stricken, withdrawn, "
                                                 "notified or agencies_told.")] = None,
    after: Annotated[Optional[str], typer.Option(metavar="POS", help=(
        "Start after this position (keyset paging): a case id, or with --deadline the position the "
        "previous page's 'more:' line gives."))] = None,
    limit: Annotated[int, typer.Option(min=1, max=10_000, help="Rows to show.")] = 50,
    deadline: Annotated[Optional[DeadlineView], typer.Option("--deadline", metavar="VIEW", help=(
        "The deadlines view: undecided petitions by days left, overdue first, then those without a "
        "service date. VIEW: overdue, soon (due within 14 days), unserved or all."))] = None,
    mine: Annotated[bool, typer.Option("--mine", help="Only the cases you hold (clearterm assign).")] = False,
    holder: Annotated[Optional[str], typer.Option("--holder", metavar="NAME",
                                                  help="Only the cases this reviewer holds.")] = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """The review queue: newest tranche first; case numbers and person ids only."""
    from clearterm.storage.reviews import (DEADLINE_VIEWS, STATUSES, TRACKS, deadline_rows, queue_page,
                                           refresh_search_index, search_index_stale)

    if track is not None and track not in TRACKS:
        raise fail(f"--track must be one of {', '.join(TRACKS)}")
    if status_ is not None and status_ not in STATUSES:
        raise fail(f"--status must be one of {', '.join(STATUSES)}")
    from clearterm.storage.lifecycle import LIFECYCLE_STATES

    if state is not None and state not in LIFECYCLE_STATES:
        raise fail(f"--state must be one of {', '.join(LIFECYCLE_STATES)}")
    if deadline is not None:
        if deadline not in DEADLINE_VIEWS:
            raise fail(f"--deadline must be one of {', '.join(DEADLINE_VIEWS)}")
        others = (track not in (None, "petition") or tranche is not None or status_ is not None
                  or search is not None or overdue or state is not None or mine or holder is not None)
        if others:
            raise fail("--deadline lists undecided petitions; it takes only --limit and --after")
        cursor = _deadline_position(after)
    else:
        if after is not None and not after.isdigit():
            raise fail("--after must be a case id (a whole number)")
        after_id = int(after or 0)
    if mine and holder is not None:
        raise fail("give --mine or --holder, not both")
    store = store_for_command(ctx, create=False)
    who = actor_for(store)  # it prints case numbers and person ids: a known user only (exit 4)
    if mine:
        holder = who
    with store:
        if deadline is not None:
            rows = deadline_rows(store.conn, which=deadline, after=cursor, limit=limit)
        else:
            if search is not None and search_index_stale(store.conn):
                refresh_search_index(store)
            rows = queue_page(store.conn, after_id=after_id, limit=limit, track=track, tranche=tranche,
                              status=status_, search=search, overdue_only=overdue, life=state,
                              holder=holder)
    if deadline is not None:
        _deadline_table(rows, deadline, limit, fmt)
        return
    with prose_to_stderr(fmt):
        emit([Listing("queue", "Review queue", ("id", "case", "person", "track", "tranche", "charges", "status",
                                                "version", "served", "due", "days left", "holder"),
                      [(r.case_id, r.case_number, r.person_id, r.track or "", r.tranche, r.charges, r.life or r.status,
                        r.version, r.service_date, r.deadline, r.days_left, r.holder)  # unknown: null in JSON
                       for r in rows],
                      empty="no case matches", plain=frozenset({"id", "version"}))], fmt)
        if len(rows) == limit:
            say(f"more: --after {rows[-1].case_id}")


#: What each view of ``queue --deadline`` lists, in its title.
DEADLINE_TITLES = {
    "overdue": "undecided petitions past their objection deadline, most overdue first",
    "soon": "undecided petitions due within 14 days, soonest first",
    "unserved": "undecided petitions with no service date",
    "all": "undecided petitions, overdue first, then by days left, then not served",
}


def _deadline_position(text: str | None) -> tuple[int, str, int] | None:
    """``--after`` of the deadlines view: ``0:SERVED:ID`` (a served case) or ``1:TRANCHE:ID`` (not
    served), as its 'more:' line prints it (:func:`clearterm.storage.reviews.deadline_cursor`)."""
    if text is None:
        return None
    parts = text.split(":")
    ok = len(parts) == 3 and parts[0] in ("0", "1") and parts[2].isdigit()
    if ok and parts[0] == "0":
        try:
            date.fromisoformat(parts[1])
        except ValueError:
            ok = False
    elif ok:
        ok = parts[1].isdigit()
    if not ok:
        raise fail(f"--after {text!r} is not a position of the deadlines view; give the one its 'more:' line "
                   "prints (e.g. 0:2026-09-30:1234)")
    return int(parts[0]), parts[1], int(parts[2])


def _deadline_table(rows, view: str, limit: int, fmt: OutputFormat) -> None:
    """The deadlines view: days left first (overdue ones negative, on top), then the case."""
    from clearterm.storage.reviews import deadline_cursor

    with prose_to_stderr(fmt):
        emit([Listing("deadlines", f"Deadlines ({view}): {DEADLINE_TITLES[view]}", ("days left", "due", "served", "case", "person", "status", "id"),
                      [(r.days_left, r.deadline or "not served", r.service_date or "", r.case_number, r.person_id,
                        r.status, r.case_id) for r in rows],
                      empty="none", plain=frozenset({"id"}))], fmt)
        if len(rows) == limit:
            kind, key, case_id = deadline_cursor(rows[-1])
            say(f"more: --deadline {view} --after {kind}:{key}:{case_id}")
