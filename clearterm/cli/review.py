"""Review commands: ``decide`` (record a review decision on a case) and ``queue`` (the review
queue). ``audit ...`` is in :mod:`clearterm.cli.audit`, ``export reviews`` in :mod:`clearterm.cli.export`.

Registered on the root app by :mod:`clearterm.cli.main`.
Exit codes: 0 done; 2 a request that
cannot be recorded (bad option, unknown or ambiguous case, wrong track...);
3 a conflict (the case changed since the version the action was decided on); 4 access denied
(``decide`` needs the reviewer role, ``queue`` a known user of the store;
see :mod:`clearterm.services.access`).
No message holds a name, a date of birth or an address.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Optional

import typer

from clearterm.cli.common import actor_for, err, fail, out, say, store_for_command
from clearterm.domain.deadlines import OBJECTION_GROUNDS


def _object_help() -> str:
    """``--object``'s help, from the grounds of :data:`OBJECTION_GROUNDS`."""
    names = [g.key + (" (needs --note)" if g.needs_text else "") for g in OBJECTION_GROUNDS]
    listed = " or ".join([", ".join(names[:-1]), names[-1]]) if len(names) > 1 else names[0]
    return f"Object to the petition on GROUND: {listed}."


# -- decide ------------------------------------------------------------------------------------
def decide(
    ctx: typer.Context,
    case: Annotated[str, typer.Argument(metavar="CASE", help="The case number, or CASE_NUMBER/PERSON_ID for co-defendants.",
                                        show_default=False)],
    person: Annotated[Optional[str], typer.Option("--person", metavar="PERSON_ID", help=(
        "The person (co-defendants): CASE is then the case number alone. Never ambiguous, also when "
        "a case number or person id holds '/'."))] = None,
    approve: Annotated[bool, typer.Option("--approve", help="Approve: include in the motion (automatic) or "
                                          "no objection (petition).")] = False,
    object_ground: Annotated[Optional[str], typer.Option("--object", metavar="GROUND",
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
) -> None:
    """Record a review decision on a case (audited; exit 3 if the case changed meanwhile)."""
    from clearterm.services import review
    from clearterm.storage.reviews import ConflictError

    action, note = _action(approve, object_ground, exclude_reason, defer, undo, served, note)
    store = store_for_command(ctx, create=False)
    who = actor_for(store, "reviewer", explicit=reviewer)
    with store:
        try:
            case_ref = review.resolve_case(store.conn, case, person)
            version = expect_version
            if version is None:
                from clearterm.storage.reviews import current_version

                version = current_version(store.conn, case_ref.id)
            rec = review.act(store, case_ref.id, action, reviewer=who, expected_version=version,
                             ground=object_ground, note=note, served=served)
        except ConflictError as exc:
            raise fail(f"conflict: {exc}", 3) from None
        except review.ReviewError as exc:
            raise fail(str(exc)) from None
    _report(rec, review.deadline_of)


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
            err.print(f"warning: the objection deadline {dl.isoformat()} has passed", markup=False)


# -- queue -------------------------------------------------------------------------------------
def queue(
    ctx: typer.Context,
    track: Annotated[Optional[str], typer.Option(help="automatic, petition or review.")] = None,
    tranche: Annotated[Optional[int], typer.Option(help="1, 2 or 3 (99: none).")] = None,
    status_: Annotated[Optional[str], typer.Option("--status", help="pending, approved, objected, excluded "
                                                   "or deferred.")] = None,
    search: Annotated[Optional[str], typer.Option(help="Words of a case number, person id or name.")] = None,
    overdue: Annotated[bool, typer.Option("--overdue", help="Petitions past their objection deadline "
                                          "with no decision.")] = False,
    state: Annotated[Optional[str], typer.Option("--state", help="The state after the decision: batched, signed, "
                                                 "filed, continued, granted, denied, stricken, withdrawn, "
                                                 "notified or agencies_told.")] = None,
    after: Annotated[int, typer.Option(help="Start after this case id (keyset paging).")] = 0,
    limit: Annotated[int, typer.Option(min=1, max=10_000, help="Rows to show.")] = 50,
) -> None:
    """The review queue: newest tranche first; case numbers and person ids only."""
    from rich.table import Table

    from clearterm.storage.reviews import STATUSES, TRACKS, queue_page, refresh_search_index, search_index_stale

    if track is not None and track not in TRACKS:
        raise fail(f"--track must be one of {', '.join(TRACKS)}")
    if status_ is not None and status_ not in STATUSES:
        raise fail(f"--status must be one of {', '.join(STATUSES)}")
    from clearterm.storage.lifecycle import LIFECYCLE_STATES

    if state is not None and state not in LIFECYCLE_STATES:
        raise fail(f"--state must be one of {', '.join(LIFECYCLE_STATES)}")
    store = store_for_command(ctx, create=False)
    actor_for(store)  # it prints case numbers and person ids: a known user only (exit 4)
    with store:
        if search is not None and search_index_stale(store.conn):
            refresh_search_index(store)
        rows = queue_page(store.conn, after_id=after, limit=limit, track=track, tranche=tranche,
                          status=status_, search=search, overdue_only=overdue, life=state)
    t = Table("id", "case", "person", "track", "tranche", "charges", "status", "version", "served", "due",
              "days left", title="Review queue")
    for r in rows:
        t.add_row(str(r.case_id), r.case_number, r.person_id, r.track or "", str(r.tranche or ""),
                  str(r.charges), r.life or r.status, str(r.version), r.service_date or "", r.deadline or "",
                  "" if r.days_left is None else str(r.days_left))  # a batched case: its state (issue 16)
    out.print(t)
    if len(rows) == limit:
        say(f"more: --after {rows[-1].case_id}")
