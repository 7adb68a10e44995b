"""Decisions and the reason-code catalogue (CRTA-RULES.md, rules v2).

Every reason code the procedure can emit is in :data:`REASONS`, with a
plain-English sentence and the statute it rests on. ``docs/rules.md`` lists them
for counsel; a test checks the two agree.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date

from clearterm.domain.deadlines import OBJECTION_DAYS

__all__ = [
    "RULES_VERSION", "Category", "Reason", "REASONS", "NOTE_CODES", "CASE_CODES", "Decision",
]

#: The specification is rules v2, implemented as rules version "2". Earlier versions: "1" (rules v1)
#: and "1.1" (clearterm's second reading of v1). A store evaluated under an earlier version gets new
#: decisions on its next evaluation, and keeps the old ones (docs/rules.md, "Rules versions").
RULES_VERSION = "2"


class Category(str, enum.Enum):
    AUTOMATIC = "automatic"
    PETITION = "petition"
    REVIEW = "review"
    NON_CONVICTION = "non_conviction"
    INELIGIBLE = "ineligible"

    def __str__(self) -> str:  # "automatic", not "Category.AUTOMATIC"
        return self.value


@dataclass(frozen=True, slots=True)
class Reason:
    code: str
    sentence: str   # plain English, one sentence
    cite: str       # the statute it rests on
    step: str       # the spec step that emits it
    category: Category | None  # the category it decides; None for a note


_MCO = "20 ILCS 2630/5.2(a)(1)(G)"
_C = Category

_REASON_LIST: tuple[Reason, ...] = (
    Reason("UNPARSED_STATUTE",
           "The statute citation could not be read, so a person must identify the offense.",
           _MCO, "1", _C.REVIEW),
    Reason("NOT_CANNABIS",
           "The charge is not under the Cannabis Control Act, so CRTA cannabis relief does not apply to it.",
           f"{_MCO}; 720 ILCS 550", "2", _C.INELIGIBLE),
    Reason("OUT_OF_COUNTY",
           "The charge was brought in another county, so only that county's State's Attorney can act on it.",
           "20 ILCS 2630/5.2(i)(3), (i)(4)", "3", _C.INELIGIBLE),
    Reason("COUNTY_UNCLEAR",
           "The county text names the office's county together with something else, or cannot be read as any "
           "Illinois county, and only the State's Attorney of the county of conviction can move, so a person "
           "must check the county.",
           "20 ILCS 2630/5.2(i)(3), (i)(4)", "3a", _C.REVIEW),
    Reason("CASUAL_DELIVERY",
           "Casual delivery under Section 6 may not be a violation of Section 4 or 5, which is unsettled, "
           "so a person must decide.",
           f"720 ILCS 550/6; {_MCO}", "4", _C.REVIEW),
    Reason("SECTION_NOT_COVERED",
           "Only Sections 4 and 5 of the Cannabis Control Act qualify, and this charge is under another section.",
           f"{_MCO}; 20 ILCS 2630/5.2(i)(3)", "5", _C.INELIGIBLE),
    Reason("NON_CONVICTION",
           "The charge did not end in a conviction, so police and State Police records are expunged "
           "automatically and no vacatur is needed.",
           "20 ILCS 2630/5.2(i)(1)", "6", _C.NON_CONVICTION),
    Reason("DIVERSION_COMPLETED",
           "The charge was referred to a pre-plea diversion program that the person completed, which ends in "
           "dismissal without a plea, so police and State Police records are expunged automatically and no "
           "vacatur is needed.",
           "20 ILCS 2630/5.2(i)(1)", "6a", _C.NON_CONVICTION),
    Reason("CIVIL_VIOLATION",
           "The charge is a civil law violation (class O, or possession under Section 4(a) on or after "
           "29 July 2016), not a conviction, so its records are expunged automatically.",
           "720 ILCS 550/4(a) (P.A. 99-0697); 20 ILCS 2630/5.2(i)(1)", "7", _C.NON_CONVICTION),
    Reason("SUPERVISION",
           "Supervision is not a conviction, so the records are expunged automatically and no vacatur is needed.",
           "20 ILCS 2630/5.2(i)(1); 730 ILCS 5/5-6-3.1", "8", _C.NON_CONVICTION),
    Reason("PENDING",
           "The charge is still pending, so there is nothing to vacate yet and a person must follow it.",
           "20 ILCS 2630/5.2(i)", "9", _C.REVIEW),
    Reason("UNKNOWN_DISPOSITION",
           "The disposition is not in the vocabulary of convictions, non-convictions and pending charges, so a "
           "person must check how the charge ended.",
           "20 ILCS 2630/5.2(i)", "10", _C.REVIEW),
    Reason("DIVERSION_OUTCOME",
           "The charge was referred to a diversion program that did not end in a completed pre-plea program "
           "(it failed, is open, or is a post-plea program whose outcome only the court record shows), so a "
           "person must check how it ended.",
           "20 ILCS 2630/5.2(i)(1); 20 ILCS 2630/5.2(i)(3)", "10a", _C.REVIEW),
    Reason("SUPERVISION_REVOKED",
           "The sentence was supervision that was revoked, violated, vacated or unsatisfactorily terminated, "
           "or a judgment was entered on it, so a judgment of conviction may stand, and a person must check "
           "how the case ended.",
           "730 ILCS 5/5-6-3.1(e); 730 ILCS 5/5-6-4", "10b", _C.REVIEW),
    Reason("QUALIFIED_PROBATION",
           "The sentence is qualified probation (Section 10 or 710, 410, First Offender, Second Chance or TASC), "
           "which ends in dismissal when completed, so a person must check how it ended.",
           "720 ILCS 550/10; 720 ILCS 570/410; 730 ILCS 5/5-6-3.4; 20 ILCS 301/40-10", "11", _C.REVIEW),
    Reason("ATTEMPT",
           "Whether an attempt is a violation of Section 4 or 5 is unsettled, so a person must decide.",
           f"720 ILCS 5/8-4; {_MCO}", "12", _C.REVIEW),
    Reason("ENHANCEMENT_550_7",
           "A Section 7 enhancement excludes a minor cannabis offense and whether it may go in the office's "
           "motion is unsettled, so a person must decide.",
           f"720 ILCS 550/7; {_MCO}", "13", _C.REVIEW),
    Reason("DATE_UNKNOWN",
           "Neither the offense date nor the arrest date is known, so the date rules cannot be applied.",
           "20 ILCS 2630/5.2(i)(1)", "14", _C.REVIEW),
    Reason("AFTER_LEGALIZATION",
           "The offense is on or after the date adult-use cannabis became legal (policy, default 1 January 2020), "
           "which CRTA record relief does not reach.",
           "410 ILCS 705/10-5; 20 ILCS 2630/5.2(i)", "15", _C.INELIGIBLE),
    Reason("AFTER_CRTA_CUTOFF",
           "The offense is on or after the CRTA cutoff (policy, default 25 June 2019, the Act's effective date) "
           "but before the legalization date (policy, default 1 January 2020), and whether CRTA relief reaches "
           "it is unsettled, so a person must decide.",
           "20 ILCS 2630/5.2(i) (P.A. 101-0027, P.A. 101-0593)", "16", _C.REVIEW),
    Reason("OLD_PENALTY_SCHEDULE",
           "The offense predates the current penalty schedule (possession before 15 August 1997, delivery "
           "before 24 September 1983, by policy), so the 30 g line cannot be read from the subsection.",
           "720 ILCS 550/4, 550/5 (earlier versions)", "17", _C.REVIEW),
    Reason("JUVENILE",
           "The person was under 18 at the offense, so juvenile expungement law applies and a person must decide.",
           "705 ILCS 405/5-915; 20 ILCS 2630/5.2(i)", "18", _C.REVIEW),
    Reason("CLASS_ABOVE_4",
           "The offense is class 3, 2, 1, X or M, and only misdemeanors and Class 4 felonies qualify.",
           "20 ILCS 2630/5.2(i)(3)", "19", _C.INELIGIBLE),
    Reason("CLASS_SUBSECTION_CONFLICT",
           "The recorded class is not one the subsection allows on the date (offense, else arrest), so the record "
           "must be checked.",
           "720 ILCS 550/4, 550/5", "20", _C.REVIEW),
    Reason("CLASS_INFERRED",
           "The class is missing, so it was taken from the subsection, which allows only misdemeanor or "
           "Class 4 classes.",
           "720 ILCS 550/4, 550/5", "21", None),
    Reason("CLASS_UNKNOWN",
           "The class is missing or cannot be read, and cannot safely be taken from the subsection, so a person "
           "must check it.",
           "20 ILCS 2630/5.2(i)(3)", "22", _C.REVIEW),
    Reason("WEIGHT_CONFLICT",
           "The weight given is outside the weight band of the subsection of conviction for the offense date, "
           "so the record contradicts itself and a person must check it.",
           "720 ILCS 550/4, 550/5", "22a", _C.REVIEW),
    Reason("WEIGHT_UNKNOWN",
           "The amount cannot be placed on either side of 30 grams from the weight, subsection or class.",
           _MCO, "23", _C.REVIEW),
    Reason("MINOR_CANNABIS_OFFENSE",
           "30 g or less, a minor cannabis offense the office moves to vacate.",
           "20 ILCS 2630/5.2(a)(1)(G); 20 ILCS 2630/5.2(i)(4)", "24", _C.AUTOMATIC),
    Reason("MOTION_ELIGIBLE",
           "More than 30 g, so not a minor cannabis offense, but the person may move to vacate and the "
           f"office may object within {OBJECTION_DAYS} days of service.",
           "20 ILCS 2630/5.2(i)(3)", "25", _C.PETITION),
    Reason("DATE_FROM_ARREST",
           "The offense date is missing, so the arrest date was used in its place.",
           "20 ILCS 2630/5.2(i)(1)", "15", None),
    # -- case level ----------------------------------------------------------------------------
    Reason("VIOLENT_ASSOCIATION",
           "Another charge in the same case is on the violent-crime list, so this is not a minor cannabis "
           "offense and relief comes only on the person's motion.",
           f"{_MCO}; 725 ILCS 120/3(c)", "C1", _C.PETITION),
    Reason("VIOLENT_UNDETERMINED",
           "Another charge in the same case cannot be cleared of the violent-crime list (its citation cannot "
           "be read, it is an offense that is violent only when force was used or harm resulted, or it matches "
           "a listed offense once a stray letter or zero is set aside), so a person must check it.",
           f"{_MCO}; 725 ILCS 120/3(c)", "C1a", _C.REVIEW),
    Reason("COCHARGED_CONVICTION",
           "Another charge in the same case, not under the Cannabis Control Act, ended in a conviction, and "
           "whether partial relief is possible is unsettled.",
           "20 ILCS 2630/5.2(i)(4)", "C2", _C.REVIEW),
    Reason("COCHARGE_UNDETERMINED",
           "Another charge in the same case, not under the Cannabis Control Act, is pending, has a disposition "
           "not in the vocabulary, or was referred to diversion with no completed pre-plea program, so a "
           "conviction cannot be ruled out.",
           "20 ILCS 2630/5.2(i)(4)", "C2a", _C.REVIEW),
)

REASONS: dict[str, Reason] = {r.code: r for r in _REASON_LIST}

#: codes that annotate a decision without deciding it
NOTE_CODES: frozenset[str] = frozenset({"DATE_FROM_ARREST", "CLASS_INFERRED"})
#: codes added by the case-level steps C1/C2
CASE_CODES: frozenset[str] = frozenset(
    {"VIOLENT_ASSOCIATION", "VIOLENT_UNDETERMINED", "COCHARGED_CONVICTION", "COCHARGE_UNDETERMINED"}
)


@dataclass(frozen=True, slots=True)
class Decision:
    record_id: str
    category: Category
    reasons: tuple[str, ...]   # deciding reason first, then notes / case-level codes
    steps: tuple[str, ...]     # spec steps evaluated, in order; the last per-charge one matched
    explanation: str           # one line naming the statute; never personal data
    tranche: int | None
    rules_version: str
    policy_hash: str
    as_of: date
    statute_cite: str | None

    @property
    def deciding_reason(self) -> str:
        return self.reasons[0]
