"""The step-by-step trail of a recorded decision for a lawyer (:func:`explain_lines`): each step
taken, what it checks, what the record shows, the result and the statute; the case steps, with
the co-charges that decided them; and a warning if the record would now be decided otherwise.
"""

from __future__ import annotations

from collections.abc import Sequence

from clearterm.domain.deadlines import TRANCHE_DUE
from clearterm.domain.decision import REASONS, RULES_VERSION, Category, Decision
from clearterm.domain.disposition import read_disposition
from clearterm.domain.policy import Policy
from clearterm.domain.record import ChargeRecord
from clearterm.domain.rules.engine import _charge_flags, _Ctx, _ctx, _decide
from clearterm.domain.rules.explain import (
    _CASE_STEP_TEXT, _STEP_CODE, _citation_head, _disp_text, _named, _step_text,
)
from clearterm.domain.rules.tables import (
    _F_CONV, _F_CONV_UNKNOWN, _F_UNDETERMINED, _F_VIOLENT, _STEPS, _facts, _Facts, normalise_class,
)


def _co_charges(others: Sequence[ChargeRecord], ctx: _Ctx) -> dict[int, list[str]]:
    """What the case's other charges show the case steps, by flag (_F_VIOLENT ... _F_CONV_UNKNOWN):
    each charge's citation (an unreadable one quoted as written) and its disposition."""
    found: dict[int, list[str]] = {_F_VIOLENT: [], _F_UNDETERMINED: [], _F_CONV: [], _F_CONV_UNKNOWN: []}
    for o in others:
        _cat, reasons, _k, f, dk, cls = _decide(o, ctx)
        flags = _charge_flags(f, cls, reasons[0], dk, o.sentence)
        what = f"{_citation_head(f, o)} ({_disp_text(dk, o, reasons[0])})"
        for flag, cites in found.items():
            if flags & flag:
                cites.append(what)
    return found


def _deciding_code(decision: Decision, last: str | None) -> str | None:
    """The reason code of the per-charge step that decided (None if none is among the reasons)."""
    return next((c for c in decision.reasons if REASONS[c].step == last
                 or (last == "5" and c == "ENHANCEMENT_550_7")), None)


def _charge_lines(record: ChargeRecord, decision: Decision, f: _Facts, p: Policy, per_charge: list[str],
                  deciding: str | None) -> list[str]:
    """One line per per-charge step taken."""
    cls = normalise_class(record.offense_class)
    dk = read_disposition(record.disposition, record.disposition_date)
    last = per_charge[-1] if per_charge else None
    lines = []
    for s in per_charge:
        q = _step_text(s, record, f, cls, dk, p)
        if s == last:
            code = deciding or _STEP_CODE[s]
            rs = REASONS[code]
            outcome = f"yes: {rs.category.value if rs.category else 'note'} ({code})"
            cite = rs.cite
        elif s == "21" and "CLASS_INFERRED" in decision.reasons:
            outcome, cite = "yes: continue, note CLASS_INFERRED", REASONS["CLASS_INFERRED"].cite
        elif s == "15" and "DATE_FROM_ARREST" in decision.reasons:
            outcome, cite = "no, continue (note DATE_FROM_ARREST)", REASONS["AFTER_LEGALIZATION"].cite
        else:
            outcome, cite = "no, continue", REASONS[_STEP_CODE[s]].cite
        lines.append(f"Step {s}: {q} -> {outcome}. [{cite}]")
    return lines


def _case_lines(decision: Decision, co: dict[int, list[str]] | None, case_code: str | None,
                changed: bool) -> list[str]:
    """One line per case step taken (C1 .. C2a); the one that applied names the co-charges, if known."""
    stays = f"{decision.category.value} stays {decision.category.value}"
    lines = []
    for step, code, flag, question, effect in _CASE_STEP_TEXT:
        if step not in decision.steps:
            continue
        if case_code == code:
            named = f" {_named(co[flag])}." if co and co[flag] else ""
            res = f"yes: {effect if changed else stays} ({code}).{named}"
        else:
            res = "no, continue." if step != "C2a" else "no."
        lines.append(f"Step {step}: {question} -> {res} [{REASONS[code].cite}]")
    return lines


def _result_lines(decision: Decision, deciding: str | None, changed: bool, last: str | None) -> list[str]:
    """The result, the further reasons, and the rules, policy, date and tranche it was made under."""
    first = REASONS[decision.reasons[0]]
    lines = [f"Result: {decision.category.value} ({first.code}): {first.sentence} [{first.cite}]"]
    alone: Category | None = REASONS[deciding].category if deciding else None
    for code in decision.reasons[1:]:
        rs = REASONS[code]
        if changed and code == deciding and alone is not None:
            lines.append(f"On its own (steps 1 to {last}) the charge would be {alone.value}, {code}: {rs.sentence} "
                         f"[{rs.cite}]")
        else:
            lines.append(f"Also {code}: {rs.sentence} [{rs.cite}]")
    t = decision.tranche
    tr = f"tranche {t} (due {TRANCHE_DUE[t].isoformat()})" if t else "no tranche"
    lines.append(f"Rules v{decision.rules_version}; policy {decision.policy_hash[:12]}; "
                 f"as of {decision.as_of.isoformat()}; {tr}.")
    return lines


def _recheck_lines(record: ChargeRecord, decision: Decision, p: Policy, per_charge: list[str]) -> list[str]:
    """The trail describes the recorded decision; say so if the record now decides otherwise."""
    now = _decide(record, _ctx(p))
    older_rules = decision.rules_version != RULES_VERSION
    if _STEPS[now[2]] != tuple(per_charge) or now[1][0] not in decision.reasons:
        why = (f"the rules (v{decision.rules_version} then, v{RULES_VERSION} now), the record or the policy have"
               if older_rules else "the record or the policy has")
        return ["Warning: re-evaluating this record now gives a different per-charge result "
                f"(step {now[2]}, {now[1][0]}); {why} changed since the decision."]
    if older_rules:
        return [f"Note: decided under rules v{decision.rules_version}; the steps above are read with "
                f"rules v{RULES_VERSION}, which decide this record the same way."]
    return []


def explain_lines(record: ChargeRecord, decision: Decision, policy: Policy | None = None,
                  case_charges: Sequence[ChargeRecord] | None = None) -> list[str]:
    """The step-by-step trail of ``decision`` for a lawyer: each step taken, what it checks,
    what the record shows, the result and the statute. No personal data is included.

    ``policy`` is the policy the decision was made under (callers pass the one recorded in the
    store). Without it the default policy is used if the decision was made under it; otherwise
    the trail says the policy is not available, shows the default dates, and does not re-check
    the decision. ``case_charges``, if given, are the other charges the case-level steps counted
    (the same case, and charges with no person id under its number): the C1 and C2 lines then
    name the ones that decided."""
    lines: list[str] = []
    p = policy
    policy_known = True
    if p is None:
        p = Policy()
        if p.hash != decision.policy_hash:
            policy_known = False
            lines.append(f"(Policy {decision.policy_hash[:12]}, under which this decision was made, is not "
                         "available here; the dates shown are the defaults, which may not be the ones used.)")
    f = _facts(record.statute, record.enhancement)
    per_charge = [s for s in decision.steps if not s.startswith("C")]
    last = per_charge[-1] if per_charge else None
    deciding = _deciding_code(decision, last)
    lines += _charge_lines(record, decision, f, p, per_charge, deciding)
    case_codes = [c for c in decision.reasons if REASONS[c].step.startswith("C")]
    changed = bool(case_codes) and decision.reasons[0] in case_codes  # the case steps changed the category
    co = _co_charges(case_charges, _ctx(p)) if case_charges is not None else None
    lines += _case_lines(decision, co, case_codes[0] if case_codes else None, changed)
    lines += _result_lines(decision, deciding, changed, last)
    if policy_known:  # the trail cannot be checked against a policy it does not have
        lines += _recheck_lines(record, decision, p, per_charge)
    return lines
