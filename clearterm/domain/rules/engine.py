"""The CRTA eligibility procedure, rules v2 (``CRTA-RULES.md`` in ``shared/law``).

Per charge, steps 1 to 25 (with v2's 3a, 6a, 10a, 10b and 22a) in order, first match wins
(:func:`evaluate_charge`); then per case, C1, C1a, C2 and C2a (:func:`apply_case_rules`);
:func:`evaluate_records` does both for a batch. Pure functions: the policy and the as-of date are inputs,
nothing reads the clock, the file system (except the packaged violent-crime list,
once, at import) or a database.

``as_of`` is recorded on every decision (the date the evaluation speaks for);
the steps themselves use only the fixed statutory dates and the policy dates, so
``as_of`` never changes an outcome.

Speed: the citation facts, dispositions, sentences, classes and counties are read
once per distinct spelling and cached; the per-record path is dictionary lookups
and date comparisons. The names the per-record loops use are imported into this module or bound
to locals (no module-attribute lookups per record).
"""

from __future__ import annotations

import dataclasses
import gc
from collections.abc import Iterable, Sequence
from datetime import date

from clearterm.domain.county import CountyReading, read_county
from clearterm.domain.deadlines import TRANCHE_1_END, TRANCHE_1_START, TRANCHE_2_START, tranche_of
from clearterm.domain.decision import RULES_VERSION, Category, Decision
from clearterm.domain.disposition import DispositionKind, read_disposition, read_sentence, says_not_ended_well
from clearterm.domain.policy import Policy
from clearterm.domain.record import ChargeRecord
from clearterm.domain.rules.explain import (
    _DISP_WORD_BY_VALUE, _EXPL_CACHE, _GUILTY, _GUILTY_NOT_CONVICTED, _case_explanation, _class_text,
    _explanation, _record_explanation,
)
from clearterm.domain.rules.tables import (
    _ABOVE_4, _CONV, _DIV_DONE, _DIV_OTHER, _F_CONV, _F_CONV_UNKNOWN, _F_UNDETERMINED, _F_VIOLENT, _FACTS,
    _K, _K18, _K_OTHER_ACT, _K_UNPARSED, _LE, _NONCONV, _PEND, _S_QUAL, _S_REVOKED, _S_SUPV, _STEPS,
    _SUPV, _UNREC, _V_UNKNOWN, _V_YES, CIVIL_VIOLATION_DATE, _facts, _Facts, _read_class, _table,
    _usable_weight, _weight_side, _years, normalise_class,
)

# -- policy context ---------------------------------------------------------------------------


class _Ctx:
    """The policy values the procedure reads, as plain slots (read per record)."""

    __slots__ = ("policy", "county", "legal", "cutoff", "poss", "deliv", "hash")

    def __init__(self, p: Policy):
        self.policy = p
        self.county = p.office_county
        self.legal = p.legalization_date
        self.cutoff = p.crta_cutoff_date
        self.poss = p.possession_schedule_date
        self.deliv = p.delivery_schedule_date
        self.hash = p.hash


_CTX: dict[Policy, _Ctx] = {}


def _ctx(p: Policy) -> _Ctx:
    c = _CTX.get(p)
    if c is None:
        c = _Ctx(p)
        if len(_CTX) < 64:
            _CTX[p] = c
    return c


# -- the per-charge procedure -----------------------------------------------------------------

_A, _P, _R, _N, _I = (Category.AUTOMATIC, Category.PETITION, Category.REVIEW,
                      Category.NON_CONVICTION, Category.INELIGIBLE)
_ARREST = ("DATE_FROM_ARREST",)
_INFERRED = ("CLASS_INFERRED",)


_OTHER_COUNTY, _COUNTY_UNCLEAR = CountyReading.OTHER, CountyReading.UNCLEAR


def _decide(r: ChargeRecord, ctx: _Ctx):
    """The per-charge steps, first match wins. Returns (category, reasons, k, facts, disposition
    kind, class), where STEP_ORDER[k - 1] is the deciding step."""
    f = _FACTS.get((r.statute, r.enhancement))
    if f is None:
        f = _facts(r.statute, r.enhancement)
    cls, cls_missing = _read_class(r.offense_class)
    dk = read_disposition(r.disposition, r.disposition_date)

    kind = f.kind
    if kind == _K_UNPARSED:                                                   # 1
        return _R, ("UNPARSED_STATUTE",), 1, f, dk, cls
    if kind == _K_OTHER_ACT:                                                  # 2
        return _I, ("NOT_CANNABIS",), 2, f, dk, cls
    county = r.county
    if county:
        where = read_county(county, ctx.county)
        if where is _OTHER_COUNTY:                                            # 3
            return _I, ("OUT_OF_COUNTY",), 3, f, dk, cls
        if where is _COUNTY_UNCLEAR:                                          # 3a
            return _R, ("COUNTY_UNCLEAR",), _K["3a"], f, dk, cls
    sec = f.sec
    if sec == "6":                                                            # 4
        return _R, ("CASUAL_DELIVERY",), _K["4"], f, dk, cls
    if sec != "4" and sec != "5":                                             # 5
        if sec == "7":  # a bare Section 7 citation: the underlying section is not stated
            return _R, ("ENHANCEMENT_550_7",), _K["5"], f, dk, cls
        return _I, ("SECTION_NOT_COVERED",), _K["5"], f, dk, cls
    if dk is _NONCONV:                                                        # 6
        return _N, ("NON_CONVICTION",), _K["6"], f, dk, cls
    if dk is _DIV_DONE:                                                       # 6a
        return _N, ("DIVERSION_COMPLETED",), _K["6a"], f, dk, cls
    d = r.offense_date
    from_arrest = False
    if d is None:
        d = r.arrest_date
        from_arrest = d is not None
    if cls == "O":                                                            # 7
        return _N, ("CIVIL_VIOLATION",), _K["7"], f, dk, cls
    # the spec says "offense date" here: an arrest on/after the date does not show the offense was
    # (the later steps read the arrest date as the spec says, and the 4(a) table sends it to review)
    od = r.offense_date
    if sec == "4" and f.sub == "a" and od is not None and od >= CIVIL_VIOLATION_DATE:
        return _N, ("CIVIL_VIOLATION",), _K["7"], f, dk, cls
    sk = read_sentence(r.sentence)
    if dk is _SUPV and sk is not _S_REVOKED and says_not_ended_well(r.sentence):
        sk = _S_REVOKED  # the disposition says supervision, the sentence "Revoked": not a non-conviction
    if (dk is _SUPV and sk is not _S_REVOKED) or (dk is _CONV and sk is _S_SUPV):  # 8
        return _N, ("SUPERVISION",), _K["8"], f, dk, cls
    if dk is _PEND:                                                           # 9
        return _R, ("PENDING",), _K["9"], f, dk, cls
    if dk is _UNREC:                                                          # 10
        return _R, ("UNKNOWN_DISPOSITION",), _K["10"], f, dk, cls
    if dk is _DIV_OTHER:                                                      # 10a
        return _R, ("DIVERSION_OUTCOME",), _K["10a"], f, dk, cls
    if dk is not _CONV or sk is _S_REVOKED:                                   # 10b
        # a supervision that was revoked or did not end well: a judgment may have been entered
        return _R, ("SUPERVISION_REVOKED",), _K["10b"], f, dk, cls
    if sk is _S_QUAL:                                                         # 11
        return _R, ("QUALIFIED_PROBATION",), _K["11"], f, dk, cls
    if f.attempt:                                                             # 12
        return _R, ("ATTEMPT",), _K["12"], f, dk, cls
    if f.enh:                                                                 # 13
        return _R, ("ENHANCEMENT_550_7",), _K["13"], f, dk, cls
    if d is None:                                                             # 14
        return _R, ("DATE_UNKNOWN",), _K["14"], f, dk, cls
    notes = _ARREST if from_arrest else ()
    if d >= ctx.legal:                                                        # 15
        return _I, ("AFTER_LEGALIZATION",) + notes, _K["15"], f, dk, cls
    if d >= ctx.cutoff:                                                       # 16
        return _R, ("AFTER_CRTA_CUTOFF",) + notes, _K["16"], f, dk, cls
    if (d < ctx.poss) if sec == "4" else (d < ctx.deliv):                     # 17
        return _R, ("OLD_PENALTY_SCHEDULE",) + notes, _K["17"], f, dk, cls
    return _age_class_weight(r, f, dk, cls, cls_missing, sec, d, notes)       # 18 to 25


def _age_class_weight(r: ChargeRecord, f: _Facts, dk: DispositionKind, cls: str | None, cls_missing: bool, sec: str,
                      d: date, notes: tuple[str, ...]):
    """Steps 18 to 25 of :func:`_decide` (age, class, subsection and weight), for a conviction
    dated inside the CRTA window; same result shape."""
    age = r.age_at_offense                                                    # 18
    dob = r.date_of_birth
    if dob is not None:  # either source under 18 is enough: a disagreement goes to a person
        by_dob = _years(dob, d)
        if age is None or by_dob < age:
            age = by_dob
    if age is not None and age < 18:
        return _R, ("JUVENILE",) + notes, _K["18"], f, dk, cls
    if cls in _ABOVE_4:                                                       # 19
        return _I, ("CLASS_ABOVE_4",) + notes, _K["19"], f, dk, cls
    sub = f.sub
    entry = _table(sec, d).get(sub) if sub else None
    if cls is not None:                                                       # 20 (cls is C, B, A or 4 here)
        if entry is not None and cls not in entry.allowed:
            return _R, ("CLASS_SUBSECTION_CONFLICT",) + notes, _K["20"], f, dk, cls
    elif cls_missing and entry is not None and entry.inferable:               # 21
        notes = notes + _INFERRED
    else:                                                                     # 22
        return _R, ("CLASS_UNKNOWN",) + notes, _K["22"], f, dk, cls
    w = r.weight_grams
    if w is not None and entry is not None and _usable_weight(w) and not entry.holds(w):  # 22a
        return _R, ("WEIGHT_CONFLICT",) + notes, _K["22a"], f, dk, cls
    side = _weight_side(w, entry, sec, cls, d)                                # 23
    if side == 0:
        return _R, ("WEIGHT_UNKNOWN",) + notes, _K["23"], f, dk, cls
    if side == _LE:                                                           # 24
        return _A, ("MINOR_CANNABIS_OFFENSE",) + notes, _K["24"], f, dk, cls
    return _P, ("MOTION_ELIGIBLE",) + notes, _K["25"], f, dk, cls            # 25


# -- fast Decision construction ----------------------------------------------------------------
# A frozen dataclass's generated __init__ calls object.__setattr__ once per field; setting the
# slots through their descriptors builds the identical object in about two thirds of the time.
_DECISION_FIELDS = ("record_id", "category", "reasons", "steps", "explanation", "tranche",
                    "rules_version", "policy_hash", "as_of", "statute_cite")
assert tuple(f.name for f in dataclasses.fields(Decision)) == _DECISION_FIELDS
(_s_rid, _s_cat, _s_rs, _s_st, _s_ex, _s_tr, _s_rv, _s_ph, _s_ao, _s_sc) = (
    getattr(Decision, n).__set__ for n in _DECISION_FIELDS)
_new = object.__new__


def _decision(rid, cat, reasons, steps, expl, tranche, version, phash, as_of, cite, _D=Decision) -> Decision:
    o = _new(_D)
    _s_rid(o, rid)
    _s_cat(o, cat)
    _s_rs(o, reasons)
    _s_st(o, steps)
    _s_ex(o, expl)
    _s_tr(o, tranche)
    _s_rv(o, version)
    _s_ph(o, phash)
    _s_ao(o, as_of)
    _s_sc(o, cite)
    return o


# -- public: per charge -----------------------------------------------------------------------


def tranche_for(record: ChargeRecord) -> int | None:
    """Tranche of 5.2(i)(1) by offense date (else arrest date): 1, 2, 3 or None
    (:func:`clearterm.domain.deadlines.tranche_of`)."""
    return tranche_of(record.offense_date or record.arrest_date)


def evaluate_charge(record: ChargeRecord, policy: Policy, as_of: date) -> Decision:
    """The per-charge steps for one charge, first match wins (no case-level steps)."""
    ctx = _ctx(policy)
    cat, reasons, k, f, dk, cls = _decide(record, ctx)
    expl = _record_explanation(record, reasons, k, f, dk, cls)[0]
    return Decision(record.record_id, cat, reasons, _STEPS[k], expl, tranche_for(record),
                    RULES_VERSION, ctx.hash, as_of, f.cite)


# -- case level -------------------------------------------------------------------------------

def _charge_flags(f: "_Facts", cls: str | None, first: str, dk: DispositionKind, sentence: str | None) -> int:
    """The case-step flags one charge raises for the other charges of its case. A charge that can
    come out automatic/petition is itself under 720 ILCS 550 and on neither list, so it raises none:
    "another charge" needs no self-exclusion."""
    v = f.violent_for(cls)
    flags = _F_VIOLENT if v == _V_YES else (_F_UNDETERMINED if v == _V_UNKNOWN else 0)
    if first == "NOT_CANNABIS":
        if dk is _CONV or dk is _SUPV:
            sk = read_sentence(sentence)
            if sk is _S_REVOKED or (dk is _SUPV and says_not_ended_well(sentence)):
                # revoked supervision counts as a conviction
                flags |= _F_CONV
            elif dk is _CONV and sk is not _S_SUPV:  # supervision is not a conviction (730 ILCS 5/5-6-3.1(f))
                flags |= _F_CONV
        elif dk is _UNREC or dk is _PEND or dk is _DIV_OTHER:
            flags |= _F_CONV_UNKNOWN
    return flags


_C1, _C1A, _C2, _C2A = ("C1",), ("C1", "C1a"), ("C1", "C1a", "C2"), ("C1", "C1a", "C2", "C2a")


def _case_effect(cat: Category, flags: int) -> tuple[Category, str | None, tuple[str, ...]]:
    """C1, C1a, C2, C2a in order for one automatic/petition charge: (new category, code or None,
    case steps taken)."""
    if flags & _F_VIOLENT:
        return _P, "VIOLENT_ASSOCIATION", _C1
    to_review = _R if cat is _A else cat  # automatic -> review; petition stays
    if flags & _F_UNDETERMINED:
        return to_review, "VIOLENT_UNDETERMINED", _C1A
    if flags & _F_CONV:
        return to_review, "COCHARGED_CONVICTION", _C2
    if flags & _F_CONV_UNKNOWN:
        return to_review, "COCHARGE_UNDETERMINED", _C2A
    return cat, None, _C2A


def _apply_effect(cat, reasons, steps, expl, head, cls_text, disp, flags):
    new_cat, code, added = _case_effect(cat, flags)
    steps = steps + added
    if code is None:
        return cat, reasons, steps, expl
    if new_cat is not cat:
        return (new_cat, (code,) + reasons, steps,
                _case_explanation(expl, head, cls_text, disp, code, cat, True, reasons[1:]))
    return cat, reasons + (code,), steps, _case_explanation(expl, head, cls_text, disp, code, cat, False, ())


def apply_case_rules(records: Sequence[ChargeRecord], decisions: Sequence[Decision],
                     policy: Policy, as_of: date,
                     others: Sequence[tuple[ChargeRecord, Decision]] = ()) -> list[Decision]:
    """C1, C1a, C2 and C2a for the charges of ONE case (same person and case number).

    ``decisions`` are the per-charge decisions aligned with ``records``; returns a new
    aligned list. Decisions that already carry a case step are returned unchanged.
    ``others`` are further charges that count as "another charge in the same case" without
    being decided here: under the same case number, those with no person id (for a case with
    no person id, every other person's), as :func:`evaluate_records` counts them."""
    if len(records) != len(decisions):
        raise ValueError("records and decisions must be aligned")
    ctx = _ctx(policy)
    flags = 0
    for r, dec in [*zip(records, decisions), *others]:
        f = _facts(r.statute, r.enhancement)
        flags |= _charge_flags(f, normalise_class(r.offense_class), dec.reasons[0],
                               read_disposition(r.disposition, r.disposition_date), r.sentence)
    out: list[Decision] = []
    for r, dec in zip(records, decisions):
        if dec.category not in (_A, _P) or "C1" in dec.steps:
            out.append(dec)
            continue
        _cat, reasons, k, f, dk, cls = _decide(r, ctx)
        _expl, head, cls_text, disp = _record_explanation(r, reasons, k, f, dk, cls)
        cat, reasons, steps, expl = _apply_effect(dec.category, dec.reasons, dec.steps, dec.explanation, head,
                                                  cls_text, disp, flags)
        out.append(Decision(dec.record_id, cat, reasons, steps, expl, dec.tranche, dec.rules_version,
                            dec.policy_hash, dec.as_of, dec.statute_cite))
    return out


def evaluate_records(records: Iterable[ChargeRecord], policy: Policy, as_of: date) -> list[Decision]:
    """Both levels for a batch: decisions in input order, independent of record order.

    The cyclic garbage collector is paused for the duration of the call (the engine creates
    no reference cycles; pausing it keeps a million-record batch from re-scanning the
    caller's heap over and over) and restored afterwards."""
    recs = records if isinstance(records, list) else list(records)
    ctx = _ctx(policy)
    gc_was_enabled = gc.isenabled()
    if gc_was_enabled:
        gc.disable()
    try:
        return _evaluate_batch(recs, ctx, as_of)
    finally:
        if gc_was_enabled:
            gc.enable()


def _evaluate_batch(recs: list[ChargeRecord], ctx: _Ctx, as_of: date) -> list[Decision]:
    decide = _decide
    results = [decide(r, ctx) for r in recs]
    out: list = [None] * len(recs)
    groups, unknown_person = _case_groups(recs, results)
    if groups:
        _decide_cases(recs, results, groups, _number_flags(recs, results, unknown_person), out, ctx.hash, as_of)
    _decide_alone(recs, results, out, ctx.hash, as_of)
    return out


def _case_groups(recs: list[ChargeRecord], results: list) -> tuple[dict[tuple[str, str], list[int]],
                                                                 dict[str, list[int]]]:
    """The charges of each case (person id, case number) that has an automatic/petition charge,
    and, if there is such a case, the charges with no person id by case number."""
    groups: dict[tuple[str, str], list[int]] = {}
    a, p = _A, _P
    for res, r in zip(results, recs):
        c = res[0]
        if c is a or c is p:
            groups[(r.person_id or "", r.case_number)] = []
    unknown_person: dict[str, list[int]] = {}
    if groups:
        get = groups.get
        for i, r in enumerate(recs):
            person = r.person_id or ""
            g = get((person, r.case_number))
            if g is not None:
                g.append(i)
            if not person:
                unknown_person.setdefault(r.case_number, []).append(i)
    return groups, unknown_person


def _flags_over(recs: list[ChargeRecord], results: list, idx: list[int]) -> int:
    """The case-step flags the charges ``idx`` raise (automatic/petition charges raise none)."""
    flags = 0
    for j in idx:
        cat, reasons, _k, f, dk, cls = results[j]
        if cat is not _A and cat is not _P:
            flags |= _charge_flags(f, cls, reasons[0], dk, recs[j].sentence)
    return flags


def _number_flags(recs: list[ChargeRecord], results: list,
                  unknown_person: dict[str, list[int]]) -> dict[str, tuple[int, int]]:
    """Case number -> (flags of its charges with no person id, flags of all its charges), for the
    numbers that have a charge with no person id (``unknown_person``).

    A charge with no person id may be any person's in its case number (a gap in the data, not a
    co-defendant we can tell apart): it counts as another charge in each of that number's cases,
    and they all count for it (so a violent co-charge is never lost to a missing id). The flags
    of those charges, and of whole numbers, are worked out once per number."""
    if not unknown_person:
        return {}
    by_number: dict[str, list[int]] = {}
    for i, r in enumerate(recs):
        if r.case_number in unknown_person:
            by_number.setdefault(r.case_number, []).append(i)
    return {number: (_flags_over(recs, results, idx), _flags_over(recs, results, by_number[number]))
            for number, idx in unknown_person.items()}


def _decide_cases(recs: list[ChargeRecord], results: list, groups: dict[tuple[str, str], list[int]],
                  number_flags: dict[str, tuple[int, int]], out: list, h: str, as_of: date) -> None:
    """C1 to C2a for the automatic/petition charges of ``groups``: their decisions into ``out``."""
    t1_end, t1_start, t2_start = TRANCHE_1_END, TRANCHE_1_START, TRANCHE_2_START
    for (person, number), idx in groups.items():
        if person or number not in number_flags:
            flags = _flags_over(recs, results, idx)
        else:
            flags = number_flags[number][1]
        if person and number in number_flags:  # this person's charges and those with no person id
            flags |= number_flags[number][0]
        for j in idx:
            cat, reasons, k, f, dk, cls = results[j]
            if cat is not _A and cat is not _P:
                continue
            r = recs[j]
            expl, head, cls_text, disp = _record_explanation(r, reasons, k, f, dk, cls)
            cat, reasons, steps, expl = _apply_effect(cat, reasons, _STEPS[k], expl, head, cls_text, disp, flags)
            d = r.offense_date or r.arrest_date  # tranche_of, inlined
            tranche = None if d is None or d > t1_end else (1 if d >= t1_start else (2 if d >= t2_start else 3))
            out[j] = _decision(r.record_id, cat, reasons, steps, expl, tranche, RULES_VERSION, h, as_of, f.cite)


def _decide_alone(recs: list[ChargeRecord], results: list, out: list, h: str, as_of: date) -> None:
    """The decisions of the charges the case steps leave as they are (every one not yet in ``out``)."""
    steps_for = _STEPS
    make = _decision
    explain = _record_explanation
    expl_cache = _EXPL_CACHE
    words = _DISP_WORD_BY_VALUE
    k18 = _K18
    version = RULES_VERSION
    t1_end, t1_start, t2_start = TRANCHE_1_END, TRANCHE_1_START, TRANCHE_2_START
    for i, res in enumerate(results):
        if out[i] is not None:
            continue
        r = recs[i]
        cat, reasons, k, f, dk, cls = res
        head = f.shown
        first = reasons[0]
        if head is None or dk is _UNREC or dk is _DIV_OTHER or first == "WEIGHT_CONFLICT":
            expl = explain(r, reasons, k, f, dk, cls)[0]  # texts quoted per record
        else:  # _record_explanation's common case, inlined: a million records go through here
            cls_text = ("class " + cls) if cls is not None else _class_text(r.offense_class, None)
            disp = _GUILTY if dk is _CONV and first in _GUILTY_NOT_CONVICTED else words[dk._value_]
            no_age = k > k18 and r.age_at_offense is None and r.date_of_birth is None
            expl = expl_cache.get((head, cls_text, disp, reasons, no_age))
            if expl is None:
                expl = _explanation(head, cls_text, disp, reasons, no_age)
        d = r.offense_date or r.arrest_date  # tranche_of, inlined
        if d is None or d > t1_end:
            tranche = None
        else:
            tranche = 1 if d >= t1_start else (2 if d >= t2_start else 3)
        out[i] = make(r.record_id, cat, reasons, steps_for[k], expl, tranche, version, h, as_of, f.cite)
