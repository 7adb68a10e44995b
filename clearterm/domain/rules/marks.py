"""Which co-charge decided a case step (issue 15): the case screen marks it in words.

A case step (C1 .. C2a) changes a charge's category because of *another* charge of the case: a
violent one (C1), one that cannot be cleared of the violent list (C1a), a conviction outside the
Cannabis Control Act (C2), or an unresolved one (C2a). :func:`deciding_marks` names, for each
charge of a case, the word for the step it decided for another charge, so the reviewer sees at
a glance *which* charge moved the case. Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from clearterm.domain.decision import Decision
from clearterm.domain.policy import Policy
from clearterm.domain.record import ChargeRecord
from clearterm.domain.rules.engine import _charge_flags, _ctx, _decide
from clearterm.domain.rules.tables import _F_CONV, _F_CONV_UNKNOWN, _F_UNDETERMINED, _F_VIOLENT

#: case reason code -> (the flag a co-charge raises for it, the word shown beside that co-charge)
CASE_MARKS: dict[str, tuple[int, str]] = {
    "VIOLENT_ASSOCIATION": (_F_VIOLENT, "VIOLENT"),
    "VIOLENT_UNDETERMINED": (_F_UNDETERMINED, "MAYBE VIOLENT"),
    "COCHARGED_CONVICTION": (_F_CONV, "CONVICTED"),
    "COCHARGE_UNDETERMINED": (_F_CONV_UNKNOWN, "UNRESOLVED"),
}


def deciding_marks(charges: Sequence[tuple[ChargeRecord, Decision | None]],
                   policy_of: Callable[[Decision], Policy | None]) -> dict[str, str]:
    """``{record_id: word}`` for every charge of ``charges`` that decided a case step of another
    charge among them (the first case code of that charge's decision). ``policy_of`` gives the
    policy a decision was made under (None: the default policy)."""
    marks: dict[str, str] = {}
    flags_cache: dict[tuple[str, int], int] = {}
    for rec, dec in charges:
        code = next((c for c in (dec.reasons if dec else ()) if c in CASE_MARKS), None)
        if code is None:
            continue
        flag, word = CASE_MARKS[code]
        ctx = _ctx(policy_of(dec) or Policy())
        for other, _d in charges:
            if other.record_id == rec.record_id or other.record_id in marks:
                continue
            key = (other.record_id, id(ctx))
            if key not in flags_cache:
                _cat, reasons, _k, f, dk, cls = _decide(other, ctx)
                flags_cache[key] = _charge_flags(f, cls, reasons[0], dk, other.sentence)
            if flags_cache[key] & flag:
                marks[other.record_id] = word
    return marks
