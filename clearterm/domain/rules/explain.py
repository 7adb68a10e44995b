"""The texts of the rules: each decision's one-paragraph explanation (built once per distinct
shape and cached), and what each step checks and what the record shows (the trail of
:func:`clearterm.domain.rules.trail.explain_lines`). No personal data is quoted.
"""

from __future__ import annotations

from clearterm.domain.county import describe_county
from clearterm.domain.decision import REASONS, Category
from clearterm.domain.disposition import DispositionKind, read_diversion, read_sentence
from clearterm.domain.policy import Policy
from clearterm.domain.record import ChargeRecord
from clearterm.domain.rules.tables import (
    _CONV, _DIV_DONE, _DIV_OTHER, _GT, _K18, _K_CANNABIS, _LE, _NONCONV, _PEND, _SUPV, _UNREC,
    _F_CONV, _F_CONV_UNKNOWN, _F_UNDETERMINED, _F_VIOLENT, CIVIL_VIOLATION_DATE, STEP_ORDER, _clean, _Facts, _read_class, _table, _usable_weight, _weight_side, _years,
    age_at_offense,
)

# -- explanations -----------------------------------------------------------------------------

def _holds_personal(text: str, r: ChargeRecord) -> bool:
    """Does ``text`` hold one of the record's own names, address parts or date of birth (a column
    shifted into the statute or disposition)? Such a text is never quoted."""
    t = text.casefold()
    for v in (r.last_name, r.first_name, r.middle_name, r.address_line1, r.address_line2, r.zip):
        if v and len(v.strip()) >= 2 and v.strip().casefold() in t:
            return True
    dob = r.date_of_birth
    if dob is not None:
        forms = (dob.isoformat(), f"{dob.month}/{dob.day}/{dob.year}", f"{dob.month:02}/{dob.day:02}/{dob.year}")
        return any(x in t for x in forms)
    return False


def _citation_head(f: "_Facts", r: ChargeRecord) -> str:
    """The statute as an explanation names it: the normalised citation (a pre-1993 one as written,
    with its ILCS form beside it); an unreadable one quoted as written."""
    if f.shown is not None:
        return f.shown
    if f.written and not _holds_personal(f.written, r):
        return f'Statute citation "{f.written}" (as written) unreadable'
    return "Statute citation unreadable"


_DISP_WORD = {
    _CONV: "convicted", _NONCONV: "not convicted", _SUPV: "supervision", _PEND: "pending",
    _UNREC: "disposition not in the vocabulary", _DIV_DONE: "completed pre-plea diversion",
    _DIV_OTHER: "diversion referral",
}
_DISP_WORD_BY_VALUE = {k.value: v for k, v in _DISP_WORD.items()}  # str keys: enum hashing is slow
#: codes that say a guilty plea or finding is not a conviction: the explanation says so, not "convicted"
_GUILTY_NOT_CONVICTED = frozenset({"CIVIL_VIOLATION", "SUPERVISION"})
_GUILTY = "guilty plea or finding"


def _disp_text(dk: DispositionKind, r: ChargeRecord, first: str) -> str:
    """How the explanation names the disposition: an unrecognized one, and a diversion referral,
    quoted as written (unless the text holds the record's own personal data)."""
    if dk is _CONV:
        return _GUILTY if first in _GUILTY_NOT_CONVICTED else "convicted"
    if dk is _UNREC or dk is _DIV_OTHER:
        raw = r.disposition or ""
        if not raw.strip():
            return "no disposition text, though a disposition date is given"
        text = _clean(raw, 80)
        if _holds_personal(text, r):
            return _DISP_WORD[dk]
        return f'disposition "{text}" not in the vocabulary' if dk is _UNREC else f'disposition "{text}"'
    return _DISP_WORD[dk]


def _phrase(code: str) -> str:
    s = REASONS[code].sentence.rstrip(".")
    return s[0].lower() + s[1:]


_PHRASE = {code: _phrase(code) for code in REASONS}


def _class_text(raw: str | None, cls: str | None) -> str:
    if cls is not None:
        return f"class {cls}"
    if not raw or not raw.strip():
        return "class not given"
    return "class missing" if _read_class(raw)[1] else "class unreadable"


_EXPL_CACHE: dict[tuple, str] = {}
_NO_AGE = " Age at the offense unknown (no date of birth or age): step 18 (juvenile) could not be applied."


def _age_unknown(r: ChargeRecord, k: int) -> bool:
    """The decision passed step 18 without an age to check."""
    return k > _K18 and r.age_at_offense is None and r.date_of_birth is None


def _weight_words(r: ChargeRecord, f: "_Facts") -> str:
    """WEIGHT_CONFLICT: the weight given and the band of the subsection for the date."""
    d = r.offense_date or r.arrest_date
    entry = _table(f.sec, d).get(f.sub)
    which = "offense" if r.offense_date is not None else "arrest"
    return (f"the weight given, {r.weight_grams:g} g, is outside the band of Section {f.sec}({f.sub}) for the "
            f"{which} date {d.isoformat()} ({entry.band_words()})")


def _explanation(head: str, cls_text: str, disp: str, reasons: tuple[str, ...], no_age: bool) -> str:
    key = (head, cls_text, disp, reasons, no_age)
    s = _EXPL_CACHE.get(key)
    if s is None:
        code = reasons[0]
        s = f"{head}, {cls_text}, {disp}: {_PHRASE[code]} ({REASONS[code].cite})."
        for note in reasons[1:]:
            s += f" Note: {_PHRASE[note]}."
        if no_age:
            s += _NO_AGE
        if len(_EXPL_CACHE) < 100_000:
            _EXPL_CACHE[key] = s
    return s


def _record_explanation(r: ChargeRecord, reasons: tuple[str, ...], k: int, f: "_Facts", dk: DispositionKind,
                        cls: str | None) -> tuple[str, str, str, str]:
    """(explanation, head, class text, disposition text) of one charge's per-charge decision."""
    head = f.shown if f.shown is not None else _citation_head(f, r)
    cls_text = ("class " + cls) if cls is not None else _class_text(r.offense_class, None)
    disp = _disp_text(dk, r, reasons[0])
    expl = _explanation(head, cls_text, disp, reasons, _age_unknown(r, k))
    if reasons[0] == "WEIGHT_CONFLICT":
        expl = expl.replace(f": {_PHRASE['WEIGHT_CONFLICT']} (", f": {_weight_words(r, f)}, so a person must "
                            "check the record (", 1)
    return expl, head, cls_text, disp


def _case_explanation(base: str, head, cls_text, disp, code: str, was: Category, changed: bool,
                      notes: tuple[str, ...]) -> str:
    if changed:
        s = (f"{head}, {cls_text}, {disp}: {_PHRASE[code]} ({REASONS[code].cite}); "
             f"on its own the charge would be {was.value}.")
        for note in notes:
            s += f" Note: {_PHRASE[note]}."
        return s
    return f"{base} Also: {_PHRASE[code]} ({REASONS[code].cite})."


# -- explain ----------------------------------------------------------------------------------

_STEP_CODE = {
    "1": "UNPARSED_STATUTE", "2": "NOT_CANNABIS", "3": "OUT_OF_COUNTY", "4": "CASUAL_DELIVERY",
    "5": "SECTION_NOT_COVERED", "6": "NON_CONVICTION", "7": "CIVIL_VIOLATION", "8": "SUPERVISION",
    "9": "PENDING", "10": "UNKNOWN_DISPOSITION", "11": "QUALIFIED_PROBATION", "12": "ATTEMPT",
    "13": "ENHANCEMENT_550_7", "14": "DATE_UNKNOWN", "15": "AFTER_LEGALIZATION", "16": "AFTER_CRTA_CUTOFF",
    "17": "OLD_PENALTY_SCHEDULE", "18": "JUVENILE", "19": "CLASS_ABOVE_4", "20": "CLASS_SUBSECTION_CONFLICT",
    "21": "CLASS_INFERRED", "22": "CLASS_UNKNOWN", "23": "WEIGHT_UNKNOWN", "24": "MINOR_CANNABIS_OFFENSE",
    "25": "MOTION_ELIGIBLE", "3a": "COUNTY_UNCLEAR", "6a": "DIVERSION_COMPLETED", "10a": "DIVERSION_OUTCOME",
    "10b": "SUPERVISION_REVOKED", "22a": "WEIGHT_CONFLICT",
}


def _cap(s: str) -> str:
    return s[:1].upper() + s[1:]


def _date_text(r: ChargeRecord) -> str:
    if r.offense_date is not None:
        return f"offense date {r.offense_date.isoformat()}"
    if r.arrest_date is not None:
        return f"arrest date {r.arrest_date.isoformat()} (offense date missing)"
    return "no offense or arrest date"


def _diversion_text(r: ChargeRecord, dk: DispositionKind) -> str:
    ref = read_diversion(r.disposition)
    if ref is None:
        return f"No, the disposition reads as {dk.value.replace('_', '-')}"
    kind = "pre-plea" if ref.pre_plea else "post-plea (or not a listed pre-plea program)"
    name = f" ({ref.program_name})" if ref.program_name else ""
    return (f"Referral to program {_clean(ref.program, 20)}{name}, {kind}, result "
            f"{_clean(ref.result, 30) or 'blank'}")


class _Seen:
    """What the step texts read of one charge: the record, its facts, class and disposition, the
    policy, and the date, section and subsection they name."""

    __slots__ = ("r", "f", "cls", "dk", "p", "d", "sec", "subtxt", "entry")

    def __init__(self, r: ChargeRecord, f: _Facts, cls: str | None, dk: DispositionKind, p: Policy):
        self.r, self.f, self.cls, self.dk, self.p = r, f, cls, dk, p
        self.d = r.offense_date or r.arrest_date
        self.sec = f.sec
        self.subtxt = f"{f.sec}({f.sub})" if f.sub else f"{f.sec}"
        self.entry = None  # set for steps 20 on (the subsection's row for the date)


def _dk_text(dk: DispositionKind) -> str:
    return dk.value.replace('_', '-')


def _sk_text(r: ChargeRecord) -> str:
    return read_sentence(r.sentence).value.replace('_', ' ')


def _t1(s: _Seen) -> str:
    f, r = s.f, s.r
    if f.cit is None:
        shown = f' "{f.written}"' if f.written and not _holds_personal(f.written, r) else ""
        return f"Is the statute citation unreadable? Yes, the citation as written{shown} cannot be read."
    if f.cit.pre_1993 or f.written != f.cite:
        return f'Is the statute citation unreadable? No, as written "{f.written}", it reads {f.cite}.'
    return f"Is the statute citation unreadable? No, it reads {f.cite}."


def _t2(s: _Seen) -> str:
    return ("Is it outside the Cannabis Control Act (720 ILCS 550), and not an attempt of it? "
            + ("No." if s.f.kind == _K_CANNABIS else "Yes, another act."))


def _t3(s: _Seen) -> str:
    return (f"Is a county given that is exactly another Illinois county than {s.p.office_county}? "
            f"{describe_county(s.r.county, s.p.office_county)}.")


def _t3a(s: _Seen) -> str:
    return (f"Does the county text name {s.p.office_county} together with anything else, or no county it can be "
            f"read as? {describe_county(s.r.county, s.p.office_county)}.")


def _t7(s: _Seen) -> str:
    r = s.r
    only_arrest = " (step 7 reads the offense date only)" if r.offense_date is None and r.arrest_date else ""
    return (f"Is it class O, or Section 4(a) with an offense date on/after {CIVIL_VIOLATION_DATE.isoformat()}? "
            f"{_cap(_class_text(r.offense_class, s.cls))}, Section {s.subtxt}, {_date_text(r)}{only_arrest}.")


def _t10(s: _Seen) -> str:
    if s.dk is _UNREC:
        return f"Is the disposition outside the vocabulary? Yes, {_disp_text(s.dk, s.r, '')}."
    return f"Is the disposition outside the vocabulary? No, it reads as {_dk_text(s.dk)}."


def _t13(s: _Seen) -> str:
    f = s.f
    if f.enh and f.cit is not None and f.cit.enhancement_unnamed:
        return ("Is there a Section 7 enhancement? The enhancement column marks an enhancement without "
                "naming it; on a Cannabis Control Act charge it may be Section 7.")
    return "Is there a Section 7 enhancement? " + ("Yes." if f.enh else "No.")


def _t18(s: _Seen) -> str:
    r, d = s.r, s.d
    age, src = age_at_offense(r)
    at = " at the arrest date" if r.offense_date is None and r.date_of_birth is not None else ""
    if r.age_at_offense is not None and r.date_of_birth is not None and d is not None:
        by_dob = _years(r.date_of_birth, d)
        if by_dob != r.age_at_offense:
            return (f"Was the person under 18 at the offense? The sources disagree: age {r.age_at_offense} "
                    f"in the age column, {by_dob} from the date of birth{at}; the lower, {age}, is used.")
    return ("Was the person under 18 at the offense? "
            + (f"Age {age} (from the {src}{at if src == 'date of birth' else ''})." if age is not None
               else "Age unknown (no date of birth or age at the offense): step 18 could not be applied."))


def _t20(s: _Seen) -> str:
    entry = s.entry
    if entry is None:
        allow = "no subsection, so no class check"
    else:
        allow = ("subsection allows class " + " or ".join(c for c in "CBA4321X" if c in entry.allowed)) if entry.allowed \
            else "subsection is a civil violation"
    return (f"Is the class one Section {s.subtxt} does not allow on that date? "
            f"{_cap(_class_text(s.r.offense_class, s.cls))}; {allow}.")


def _t21(s: _Seen) -> str:
    if s.cls is not None:
        found = "No, the class is given"
    elif not _read_class(s.r.offense_class)[1]:
        found = "The class text cannot be read (it is not blank, Z, U or P), so it is not taken from the subsection"
    elif s.entry is not None and s.entry.inferable:
        found = "Yes, the class is taken from the subsection"
    else:
        found = "The class is missing, but the subsection does not settle it"
    return f"Class missing or unreadable, and does Section {s.subtxt} allow only C/B/A/4? {found}."


def _t22(s: _Seen) -> str:
    cls, entry, subtxt, raw = s.cls, s.entry, s.subtxt, s.r.offense_class
    shown = _cap(_class_text(raw, cls))
    if cls is None and _read_class(raw)[1] and entry is not None and entry.inferable:
        allowed = " or ".join(c for c in "CBA4" if c in entry.allowed)
        return (f"Class missing or unreadable otherwise? {shown}, but taken from Section {subtxt} at step 21 "
                f"(class {allowed}).")
    if cls is None and not _read_class(raw)[1]:
        return (f"Class missing or unreadable otherwise? {shown}: the text is not blank, Z, U or P and may "
                "name a class above 4, so it is not taken from the subsection.")
    if cls is None and entry is not None:
        allowed = " or ".join(c for c in "CBA4321X" if c in entry.allowed) or "no class (civil violation)"
        return (f"Class missing or unreadable otherwise? {shown}, and Section {subtxt} allows class {allowed}"
                ", not only C, B, A or 4, so it is not taken from the subsection.")
    if cls is None:
        return f"Class missing or unreadable otherwise? {shown}, and no subsection to take it from."
    return f"Class missing or unreadable otherwise? {shown}."


def _t22a(s: _Seen) -> str:
    w, entry = s.r.weight_grams, s.entry
    if w is None:
        return "Is the weight given outside the subsection's band for the date? No weight is given."
    if entry is None:
        return "Is the weight given outside the subsection's band for the date? No subsection, so no band."
    if not _usable_weight(w):
        return "Is the weight given outside the subsection's band for the date? It is not a weight in grams."
    inside = "No, it is inside" if entry.holds(w) else "Yes, it is outside"
    return (f"Is the weight given outside Section {s.subtxt}'s band for the date ({entry.band_words()})? "
            f"Weight {w:g} g: {inside}.")


_WHERE = {_LE: "30 g or less", _GT: "more than 30 g", 0: "cannot be placed"}


def _side_texts(s: _Seen) -> tuple[str, str]:
    """Steps 23 to 25: how the amount is known, and which side of 30 g it is on."""
    w, entry = s.r.weight_grams, s.entry
    if w is not None:
        how = (f"weight {w:g} g given" if _usable_weight(w) else "a weight is given but it is not a weight in grams")
    elif entry is not None:
        how = f"Section {s.subtxt} band for that date: {entry.band}"
    else:
        how = f"no subsection; {_class_text(s.r.offense_class, s.cls)} and the date decide"
    return how, _WHERE[_weight_side(w, entry, s.sec, s.cls, s.d)]


def _t23(s: _Seen) -> str:
    how, where = _side_texts(s)
    return f"Can the amount be placed on a side of 30 g? {_cap(how)}: {where}."


def _t24(s: _Seen) -> str:
    return f"Is it 30 g or less? {_cap(_side_texts(s)[1])}."


def _t25(s: _Seen) -> str:
    return f"Is it more than 30 g? {_cap(_side_texts(s)[1])}."


#: what each step checks and what the record shows, by step
_STEP_TEXT = {
    "1": _t1, "2": _t2, "3": _t3, "3a": _t3a,
    "4": lambda s: f"Is it Section 6 (casual delivery)? Section {s.sec}.",
    "5": lambda s: f"Is it a section other than 4 or 5? Section {s.sec}.",
    "6": lambda s: f"Did the charge end without a conviction? The disposition reads as {_dk_text(s.dk)}.",
    "6a": lambda s: f"Was it a completed pre-plea diversion program? {_diversion_text(s.r, s.dk)}.",
    "7": _t7,
    "8": lambda s: (f"Supervision (sentence with a conviction, or the disposition)? Disposition "
                    f"{_dk_text(s.dk)}, sentence {_sk_text(s.r)}."),
    "9": lambda s: f"Is the charge pending? The disposition reads as {_dk_text(s.dk)}.",
    "10": _t10,
    "10a": lambda s: f"Is it any other diversion referral? {_diversion_text(s.r, s.dk)}.",
    "10b": lambda s: ("Was the supervision revoked, violated, vacated or unsatisfactorily terminated, or a judgment "
                      f"entered? Sentence reads as {_sk_text(s.r)}."),
    "11": lambda s: (f"Conviction with qualified probation (Section 10 or 710, 410, First Offender, Second Chance, "
                     f"TASC)? Sentence reads as {_sk_text(s.r)}."),
    "12": lambda s: "Is it an attempt (720 ILCS 5/8-4)? " + ("Yes." if s.f.attempt else "No."),
    "13": _t13,
    "14": lambda s: f"Is neither an offense date nor an arrest date known? {_cap(_date_text(s.r))}.",
    "15": lambda s: (f"Is the date on/after {s.p.legalization_date.isoformat()} (legalization)? "
                     f"{_cap(_date_text(s.r))}."),
    "16": lambda s: (f"Is the date on/after {s.p.crta_cutoff_date.isoformat()} (CRTA cutoff)? "
                     f"{_cap(_date_text(s.r))}."),
    "17": lambda s: (f"Section 4 before {s.p.possession_schedule_date.isoformat()}, or Section 5 before "
                     f"{s.p.delivery_schedule_date.isoformat()}? Section {s.sec}, {_date_text(s.r)}."),
    "18": _t18,
    "19": lambda s: f"Is it class 3, 2, 1, X or M? {_cap(_class_text(s.r.offense_class, s.cls))}.",
    # steps 20 on read the subsection's row for the date: reached only with a date and Section 4 or 5
    "20": _t20, "21": _t21, "22": _t22, "22a": _t22a, "23": _t23, "24": _t24, "25": _t25,
}
_EARLY = frozenset(STEP_ORDER[:STEP_ORDER.index("20")])


def _step_text(step: str, r: ChargeRecord, f: _Facts, cls: str | None, dk: DispositionKind,
               p: Policy) -> str:
    """What step ``step`` checks, and what the record shows."""
    s = _Seen(r, f, cls, dk, p)
    if step not in _EARLY:
        if s.d is None or s.sec not in ("4", "5"):
            return "(not reached)"
        s.entry = _table(s.sec, s.d).get(f.sub) if f.sub else None
    return _STEP_TEXT.get(step, _t25)(s)


_CASE_STEP_TEXT = (
    ("C1", "VIOLENT_ASSOCIATION", _F_VIOLENT,
     "Is another charge in the same case on the violent-crime list (any disposition)?", "automatic becomes petition"),
    ("C1a", "VIOLENT_UNDETERMINED", _F_UNDETERMINED,
     "Otherwise, can another charge not be cleared of the violent-crime list (its citation cannot be read, it is "
     "on the possibly violent list, or it matches a listed section once a stray letter or zero is set aside)?",
     "automatic becomes review"),
    ("C2", "COCHARGED_CONVICTION", _F_CONV,
     "Otherwise, did another charge in the case, not under the Cannabis Control Act, end in a conviction (a "
     "revoked supervision counts; a supervision does not)?", "automatic becomes review"),
    ("C2a", "COCHARGE_UNDETERMINED", _F_CONV_UNKNOWN,
     "Otherwise, is another charge not under the Cannabis Control Act pending, outside the disposition "
     "vocabulary, or a diversion referral other than a completed pre-plea program?", "automatic becomes review"),
)


def _named(cites: list[str]) -> str:
    return "; ".join(cites[:3]) + (f"; and {len(cites) - 3} more" if len(cites) > 3 else "")

