"""The CRTA eligibility rules, v2 (``CRTA-RULES.md`` in ``shared/law``; docs/rules.md).

- :mod:`.engine`: the per-charge procedure, the case steps and the batch (evaluate_charge,
  apply_case_rules, evaluate_records), and how decisions are built;
- :mod:`.tables`: the fixed dates, the violent-crime lists (``violent_crimes.toml``), the
  subsection tables and weight bands, the class reader and the cached citation facts;
- :mod:`.explain`: each decision's explanation and what each step checks;
- :mod:`.trail`: :func:`explain_lines`, the step-by-step trail of a recorded decision.

The tranche and objection facts live in :mod:`clearterm.domain.deadlines`; the names below
(tranche_for, TRANCHE_DUE, objection_deadline, OBJECTION_DAYS, OBJECTION_GROUNDS as (key, text)
pairs) are kept here for the callers that still import them from the rules.
"""

from __future__ import annotations

from clearterm.domain import deadlines as _deadlines
from clearterm.domain.deadlines import OBJECTION_DAYS, TRANCHE_DUE, objection_deadline
from clearterm.domain.rules.engine import apply_case_rules, evaluate_charge, evaluate_records, tranche_for
from clearterm.domain.rules.tables import (  # noqa: F401 (_facts, _table: read by the tests)
    CIVIL_VIOLATION_DATE, FELONY_CLASSES, POSSIBLY_VIOLENT_SECTIONS, STEP_ORDER, VIOLENT_SECTIONS, VIOLENT_SOURCE,
    _facts, _table, age_at_offense, display_cite, is_violent, normalise_class,
)
from clearterm.domain.rules.trail import explain_lines

# _facts and _table are not public; the tests of the rules read them from here.

__all__ = [
    "evaluate_charge", "apply_case_rules", "evaluate_records", "tranche_for", "TRANCHE_DUE",
    "objection_deadline", "OBJECTION_DAYS", "explain_lines", "OBJECTION_GROUNDS",
    "VIOLENT_SOURCE", "VIOLENT_SECTIONS", "POSSIBLY_VIOLENT_SECTIONS", "FELONY_CLASSES", "is_violent",
    "normalise_class", "age_at_offense", "CIVIL_VIOLATION_DATE", "STEP_ORDER", "display_cite",
]

#: The objection grounds as (key, text) pairs, in spec order (the last, "other", requires free
#: text): :data:`clearterm.domain.deadlines.OBJECTION_GROUNDS` in the shape the rules used to give.
OBJECTION_GROUNDS: tuple[tuple[str, str], ...] = tuple((g.key, g.text) for g in _deadlines.OBJECTION_GROUNDS)
