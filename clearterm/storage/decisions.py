"""Reading decisions back from the store."""

from __future__ import annotations

from datetime import date

from clearterm.domain.decision import Category, Decision

_COLS = ("record_id, category, reasons, steps, explanation, tranche, rules_version, policy_hash, as_of,"
         " statute_cite")


def _decision(row) -> Decision:
    rid, cat, reasons, steps, expl, tranche, rv, ph, as_of, cite = row
    return Decision(rid, Category(cat), tuple(reasons.split(";")) if reasons else (),
                    tuple(steps.split(",")) if steps else (), expl, tranche, rv, ph,
                    date.fromisoformat(as_of), cite)


def current_decision(conn, record_id: str) -> Decision | None:
    row = conn.execute(
        f"SELECT {_COLS} FROM decisions WHERE id = (SELECT decision_id FROM decision_current WHERE record_id = ?)",
        (record_id,)).fetchone()
    return None if row is None else _decision(row)


def decision_history(conn, record_id: str) -> list[Decision]:
    """Every decision ever made for the record, oldest first."""
    return [_decision(r) for r in conn.execute(
        f"SELECT {_COLS} FROM decisions WHERE record_id = ? ORDER BY id", (record_id,))]


def recorded_policy(conn, policy_hash: str):
    """The policy recorded under ``policy_hash`` (every evaluation records its policy), or None if
    it is missing or its stored copy no longer matches the hash."""
    import json

    from clearterm.domain.policy import _DATE_KEYS, Policy, PolicyError

    row = conn.execute("SELECT json FROM policies WHERE hash = ?", (policy_hash,)).fetchone()
    try:
        data = json.loads(row[0]) if row else None
        policy = Policy(**{k: date.fromisoformat(v) if k in _DATE_KEYS else v for k, v in data.items()})
    except (TypeError, ValueError, AttributeError, PolicyError):
        return None
    return policy if policy.hash == policy_hash else None
