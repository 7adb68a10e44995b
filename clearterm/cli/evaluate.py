"""Decision commands: ``evaluate`` (decide every record under the CRTA rules), ``explain`` (one
record's decision trail) and ``stats`` (the decisions in force, counted).

Registered on the root app by :mod:`clearterm.cli.main`. Exit codes: 0 done; 2 a bad option, a
store problem or nothing to show; 4 access denied (a known user; a change of policy: an admin).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.text import Text

from clearterm.cli.common import actor_for, fail, out, progress_bar, say, store_for_command
from clearterm.cli.listing import FormatOption, Listing, OutputFormat, emit, prose_to_stderr


def _as_of(value: str | None) -> date:
    from clearterm.domain.dates import DateError, parse_date

    if not value:
        return date.today()
    try:
        d = parse_date(value)
    except DateError as exc:
        raise fail(f"--as-of {exc}; give the date as YYYY-MM-DD, e.g. 2026-11-21") from None
    assert d is not None
    return d


def _policy(path: Path | None):
    from clearterm.domain.policy import PolicyError
    from clearterm.settings import load_policy

    try:
        return load_policy(path)
    except (PolicyError, OSError) as exc:
        raise fail(str(exc)) from None


def evaluate(
    ctx: typer.Context,
    as_of: Annotated[Optional[str], typer.Option("--as-of", help="The as-of date recorded with every decision (default: today).")] = None,
    policy_file: Annotated[Optional[Path], typer.Option("--policy", help=(
        "Policy settings (TOML). Default: the policy in force (the last evaluation's), else the spec's "
        "defaults. A policy other than the one in force needs the admin role and is audited."))] = None,
) -> None:
    """Evaluate every record against the CRTA rules; decisions are appended, never overwritten."""
    from clearterm.services.evaluate import evaluate_store
    from clearterm.services.access import record_event
    from clearterm.storage.reports import last_decision_id

    requested = _policy(policy_file) if policy_file is not None else None
    day = _as_of(as_of)
    store = store_for_command(ctx, create=False, synchronous="NORMAL")
    who = actor_for(store)  # records staff: any known user; a change of policy needs an admin
    with store:
        policy = _policy_to_use(store, who, requested)
        with progress_bar("evaluate") as update:
            res = evaluate_store(store, policy, day, progress=update)
        record_event(store, actor=who, event="evaluate",
                     detail={"as_of": day.isoformat(), "policy": policy.hash, "rules_version": _rules_version(),
                             "records": res.records, "new_decisions": res.new_decisions,
                             # the last decision this evaluation leaves: ``audit verify`` flags any later one
                             "decisions_through": last_decision_id(store.conn)})
    cats = ", ".join(f"{k} {v:,}" for k, v in sorted(res.categories.items()))
    say(f"evaluated {res.records:,} records as of {day.isoformat()} (rules v{_rules_version()}, policy "
        f"{policy.hash[:12]}): {res.new_decisions:,} new decisions; {cats}")


def _policy_to_use(store, who: str, requested):
    """``requested`` (``--policy``), else the policy in force; a change of policy is recorded
    (admin only: else exit 4)."""
    from clearterm.domain.policy import Policy
    from clearterm.services.access import AccessDenied, EXIT_DENIED, policy_in_force, record_policy_change

    in_force_hash = policy_in_force(store.conn)
    in_force = _stored_policy(store.conn, in_force_hash) if in_force_hash else Policy()
    policy = requested or in_force
    if policy.hash != in_force.hash:
        try:
            record_policy_change(store, actor=who, old_hash=in_force.hash, new_hash=policy.hash)
        except AccessDenied as exc:
            raise fail(f"{exc} (--policy differs from the policy in force {in_force.hash[:12]})",
                       EXIT_DENIED) from None
    return policy


def _stored_policy(conn, policy_hash: str):
    """The policy in force, recorded under ``policy_hash`` (refused if the stored copy is missing
    or no longer matches its hash)."""
    from clearterm.storage.decisions import recorded_policy

    policy = recorded_policy(conn, policy_hash)
    if policy is None:
        raise fail(f"the policy in force ({policy_hash[:12]}) is missing or altered in the store; "
                   "an admin must evaluate with --policy FILE")
    return policy


def _rules_version() -> str:
    from clearterm.domain.decision import RULES_VERSION

    return RULES_VERSION


def explain(ctx: typer.Context, record_id: Annotated[str, typer.Argument(metavar="RECORD_ID", help="The record's record_id.")]) -> None:
    """The decision trail of one record, step by step, with statute citations."""
    from clearterm.domain.rules import display_cite, explain_lines
    from clearterm.storage.decisions import current_decision, decision_history
    from clearterm.storage.decisions import recorded_policy
    from clearterm.storage.records import load_co_charges, load_record

    store = store_for_command(ctx, create=False)
    actor_for(store)  # a known user only (exit 4)
    with store:
        rec = load_record(store.conn, record_id)
        if rec is None:
            raise fail(f"no record with record_id {record_id}")
        dec = current_decision(store.conn, record_id)
        if dec is None:
            raise fail(f"record {record_id} has not been evaluated; run 'clearterm evaluate'")
        out.print(Text.assemble((record_id, "bold"), f"  case {rec.case_number}  "
                                f"{display_cite(rec.statute, rec.enhancement)}"))
        out.print(Text.assemble((f"{dec.category}", "bold"), f": {dec.explanation}"), soft_wrap=True)
        say(f"rules v{dec.rules_version}, policy {dec.policy_hash[:12]}, as of {dec.as_of.isoformat()},"
            f" tranche {dec.tranche if dec.tranche is not None else 'none'}")
        say("")
        # the trail is told under the policy the decision was made under (if the store lost it,
        # the trail says whose dates it shows)
        co_charges = load_co_charges(store.conn, rec)
        for line in explain_lines(rec, dec, recorded_policy(store.conn, dec.policy_hash), co_charges):
            say(line)
        history = decision_history(store.conn, record_id)
        if len(history) > 1:
            say("\nearlier decisions:")
            for h in history[:-1]:
                say(f"  {h.as_of.isoformat()} rules v{h.rules_version} policy {h.policy_hash[:12]}: "
                    f"{h.category} ({';'.join(h.reasons)})")


def stats(ctx: typer.Context, fmt: FormatOption = OutputFormat.table) -> None:
    """Counts of decisions in force by category, deciding reason and tranche."""
    from clearterm.storage import reports

    store = store_for_command(ctx, create=False)
    with store:
        total = reports.decisions_in_force(store.conn)
        if not total:  # an empty store: said as every empty listing is (exit 0); tools get empty tables
            empty = [Listing(key, title, cols, [], empty="no decisions yet; run: clearterm evaluate")
                     for key, title, cols in (("categories", "Decisions in force", ("category", "records", "share")),
                                              ("reasons", "By deciding reason", ("deciding reason", "category", "records")),
                                              ("tranches", "By tranche", ("tranche", "automatic", "petition", "review",
                                                                          "all")))]
            emit(empty[:1] if fmt is OutputFormat.table else empty, fmt)
            return
        listings = [
            Listing("categories", f"Decisions in force ({total:,} records)", ("category", "records", "share"),
                    [(cat, n, f"{100 * n / total:.1f}%") for cat, n in reports.category_counts(store.conn)]),
            Listing("reasons", "By deciding reason", ("deciding reason", "category", "records"),
                    [tuple(row) for row in reports.deciding_reason_counts(store.conn)]),
            Listing("tranches", "By tranche", ("tranche", "automatic", "petition", "review", "all"),
                    [tuple(row) for row in reports.tranche_counts(store.conn)])]
        research, petitions = _research_stats(store.conn)
    with prose_to_stderr(fmt):
        emit([*listings, research], fmt)
        if petitions:
            say(petitions)


def _research_stats(conn) -> tuple[Listing, str | None]:
    """Cases that need research (data missing before filing), by what is missing (issue 16), and
    the line on served petitions that match no case (None when there are none)."""
    from clearterm.domain.research import MISSING_ITEMS
    from clearterm.services.research import open_petitions, research_counts

    total, by = research_counts(conn)
    petitions = len(open_petitions(conn))
    line = f"{petitions:,} served petition(s) match no case or more than one person: see 'clearterm research'"
    return (Listing("research", f"Needs research ({total:,} cases)", ("missing", "cases"),
                    [(item, by.get(item, 0)) for item in MISSING_ITEMS]), line if petitions else None)
