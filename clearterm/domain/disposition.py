"""Reading dispositions and sentences (CRTA-RULES.md rules v2, "Reading a disposition").

Dispositions. The vocabulary is closed: a text is read only if it is (after normalising case,
punctuation and spacing) one of the phrases the spec lists or an obvious variant of one (e.g.
"Plea of Guilty - Lesser Included"). Anything else is ``UNRECOGNIZED`` and goes to a person;
nothing is guessed from keywords.

Diversion referrals (v2). A disposition of the exact form ``Diversion referral (PROGRAM): RESULT``
(what the CCSAO diversion adapter writes; case-insensitive, any spacing around the parentheses and
the colon) is read by program and result (:func:`read_diversion`). A pre-plea program (``DS``,
``DDPP``, ``BR9``, ``RJCC``: they end in dismissal without a plea) whose result is ``Graduated`` or
``Completed`` is ``DIVERSION_COMPLETED`` (step 6a, non-conviction); every other referral (failed,
open or blank result, a post-plea program or any program not listed) is ``DIVERSION_OTHER``
(step 10a, review code ``DIVERSION_OUTCOME``). The program is matched on its exact code (``DSX`` is
not ``DS``). A text without that form ("Diversion", "Diversion referral DS Graduated") stays
``UNRECOGNIZED``.

Sentences (sentence type and commitment type together). "Supervision" is supervision unless the
text says it was revoked, violated, vacated, failed, not completed or terminated (unsatisfactorily,
or without saying it ended well), or that a judgment or conviction was entered: then
``SUPERVISION_REVOKED``. Qualified (dismissible) probation is any of "710", "410", "Section 10" /
"Sec. 10" / "Sec 10", "First Offender", "2nd Chance" / "Second Chance", "TASC" (20 ILCS
301/40-10 treatment probation), each as whole words: "1710", "Section 10.1", "Sec 100" and "TASCO"
are not.
"""

from __future__ import annotations

import enum
import functools
import re
from dataclasses import dataclass
from datetime import date

__all__ = [
    "DispositionKind", "SentenceKind", "DiversionReferral", "PRE_PLEA_PROGRAMS", "POST_PLEA_PROGRAMS",
    "read_disposition", "read_diversion", "read_sentence", "normalise_phrase",
]


class DispositionKind(enum.Enum):
    CONVICTION = "conviction"
    NON_CONVICTION = "non_conviction"
    #: the disposition itself says supervision (step 8); not a conviction
    SUPERVISION = "supervision"
    PENDING = "pending"
    #: a pre-plea diversion program graduated or completed (v2 step 6a): a non-conviction
    DIVERSION_COMPLETED = "diversion_completed"
    #: any other diversion referral (v2 step 10a, review): failed, open, blank result, post-plea program
    DIVERSION_OTHER = "diversion_other"
    UNRECOGNIZED = "unrecognized"


class SentenceKind(enum.Enum):
    SUPERVISION = "supervision"
    #: supervision that was revoked or ended unsatisfactorily: a conviction may have been entered
    SUPERVISION_REVOKED = "supervision_revoked"
    #: dismissible probation: "710", "410", "Section 10", "First Offender", "2nd Chance", "TASC"
    QUALIFIED_PROBATION = "qualified_probation"
    OTHER = "other"
    NONE = "none"


_NON_ALNUM = re.compile(r"[^0-9A-Z]+")


def normalise_phrase(text: str) -> str:
    """Upper case, every run of punctuation/space -> one space: "Verdict-Not Guilty" -> "VERDICT NOT GUILTY"."""
    return _NON_ALNUM.sub(" ", text.upper()).strip()


# -- vocabulary ------------------------------------------------------------------------------

_CONVICTION_BASES = (
    "PLEA OF GUILTY", "PLEA GUILTY", "GUILTY PLEA", "PLED GUILTY", "PLEAD GUILTY",
    "FINDING GUILTY", "FINDING OF GUILTY", "FOUND GUILTY",
    "VERDICT GUILTY", "VERDICT OF GUILTY", "JURY VERDICT GUILTY",
    "GUILTY", "CONVICTED", "CONVICTION", "PG", "FG",
)
_CONVICTION_SUFFIXES = ("AMENDED CHARGE", "LESSER INCLUDED", "LESSER INCLUDED OFFENSE", "BUT MENTALLY ILL")

_NON_CONVICTION = [
    # nolle prosequi
    "NOLLE", "NOLLE PROS", "NOLLE PROSEQUI", "NOLLE PROSECUTION", "NOLLE PROSSED", "NOLLE ON REMAND",
    # dismissal
    "CASE DISMISSED", "DISMISSED", "DISMISSAL", "CHARGE DISMISSED", "CHARGES DISMISSED",
    "CHARGE VACATED", "CHARGE REVERSED",
    # acquittal
    "FNG", "FINDING NOT GUILTY", "FINDING OF NOT GUILTY", "VERDICT NOT GUILTY", "VERDICT OF NOT GUILTY",
    "JURY VERDICT NOT GUILTY", "NOT GUILTY", "ACQUITTED", "ACQUITTAL",
    # no probable cause
    "FNPC", "FINDING NO PROBABLE CAUSE", "FINDING OF NO PROBABLE CAUSE", "NO PROBABLE CAUSE",
    # stricken off with leave
    "SOL", "SOLW", "STRICKEN OFF WITH LEAVE", "STRICKEN OFF WITH LEAVE TO REINSTATE",
    # others
    "DEATH SUGGESTED CAUSE ABATED", "WITHDRAWN", "CHARGE WITHDRAWN", "CHARGE REJECTED", "NO BILL",
    "NO TRUE BILL",
]
_NOLLE_SUFFIX = ("AONIC",)

_PENDING = ("BFW", "BOND FORFEITURE WARRANT", "PENDING", "HOLD PENDING INTERLOCUTORY")

_SUPERVISION = ("SUPERVISION", "COURT SUPERVISION")


def _build_vocab() -> dict[str, DispositionKind]:
    v: dict[str, DispositionKind] = {}
    for base in _CONVICTION_BASES:
        v[base] = DispositionKind.CONVICTION
        for s1 in _CONVICTION_SUFFIXES:
            v[f"{base} {s1}"] = DispositionKind.CONVICTION
            for s2 in _CONVICTION_SUFFIXES:
                if s2 != s1:
                    v[f"{base} {s1} {s2}"] = DispositionKind.CONVICTION
        for sup in _SUPERVISION:
            v[f"{base} {sup}"] = DispositionKind.SUPERVISION
    for sup in _SUPERVISION:
        v[sup] = DispositionKind.SUPERVISION
    for p in _NON_CONVICTION:
        v[p] = DispositionKind.NON_CONVICTION
        if p.startswith("NOLLE"):
            for s in _NOLLE_SUFFIX:
                v[f"{p} {s}"] = DispositionKind.NON_CONVICTION
    for p in _PENDING:
        v[p] = DispositionKind.PENDING
    return v


VOCABULARY: dict[str, DispositionKind] = _build_vocab()


# -- diversion referrals (v2) ----------------------------------------------------------------

#: programs that end in dismissal without a plea (CRTA-RULES.md, "Diversion referrals")
PRE_PLEA_PROGRAMS: dict[str, str] = {
    "DS": "Drug School",
    "DDPP": "Deferred Prosecution",
    "BR9": "Branch 9 misdemeanor deferred prosecution",
    "RJCC": "Restorative Justice Community Court",
}
#: programs entered after a plea; any program not listed anywhere counts as post-plea too
POST_PLEA_PROGRAMS: dict[str, str] = {
    "DC": "Drug Court",
    "MHC": "Mental Health Court",
    "VC": "Veterans Court",
    "ARI": "Adult Redeploy Illinois",
    "ACT": "ACT",
}
_COMPLETED_RESULTS = frozenset({"GRADUATED", "COMPLETED"})
_DIVERSION_FORM = re.compile(r"\s*diversion\s+referral\s*\(\s*([^()]*?)\s*\)\s*:\s*(.*?)\s*",
                             re.IGNORECASE | re.DOTALL)


@dataclass(frozen=True, slots=True)
class DiversionReferral:
    """A disposition read as a diversion referral."""

    #: the program code, upper case ("DS"); may be "" if the text gave none
    program: str
    #: the result as written, trimmed ("Graduated", "Failed", "open"; "" if blank)
    result: str
    #: the program is one of the pre-plea programs (an unlisted program counts as post-plea)
    pre_plea: bool
    #: a pre-plea program whose result is Graduated or Completed (step 6a)
    completed: bool
    #: the program's name ("Drug School"), or None for a program the spec does not list
    program_name: str | None

    @property
    def kind(self) -> DispositionKind:
        return DispositionKind.DIVERSION_COMPLETED if self.completed else DispositionKind.DIVERSION_OTHER


@functools.lru_cache(maxsize=4096)
def read_diversion(text: str | None) -> DiversionReferral | None:
    """Read ``Diversion referral (PROGRAM): RESULT``; None if the text does not have that form."""
    if not text:
        return None
    m = _DIVERSION_FORM.fullmatch(text)
    if m is None:
        return None
    program = m.group(1).upper()
    result = m.group(2)
    pre_plea = program in PRE_PLEA_PROGRAMS
    completed = pre_plea and result.upper() in _COMPLETED_RESULTS
    name = PRE_PLEA_PROGRAMS.get(program) or POST_PLEA_PROGRAMS.get(program)
    return DiversionReferral(program, result, pre_plea, completed, name)


_DISP_CACHE: dict[str, DispositionKind] = {}


def _read_disposition(text: str) -> DispositionKind:
    k = VOCABULARY.get(normalise_phrase(text))
    if k is not None:
        return k
    referral = read_diversion(text)
    return referral.kind if referral is not None else DispositionKind.UNRECOGNIZED


def read_disposition(text: str | None, disposition_date: date | None) -> DispositionKind:
    """Classify a disposition text. Empty with no date: pending; empty with a date: unrecognized."""
    if text is None or not text.strip():
        return DispositionKind.PENDING if disposition_date is None else DispositionKind.UNRECOGNIZED
    k = _DISP_CACHE.get(text)
    if k is None:
        k = _read_disposition(text)
        if len(_DISP_CACHE) < 100_000:
            _DISP_CACHE[text] = k
    return k


# -- sentences --------------------------------------------------------------------------------

_SENT_CACHE: dict[str, SentenceKind] = {}
#: word beginnings that say a supervision did not end well ("Supervision Revoked", "Supervision
#: Violated", "Supervision Vacated", "Supervision Terminated Unsatisfactorily", "Judgment Entered
#: on Supervision", "Supervision - Unsat", "Supervision Failed"): a judgment of conviction may then
#: have been entered, so it is not read as supervision
_REVOKED_PREFIXES = ("REVOK", "REVOC", "UNSAT", "UNSUCC", "VIOLAT", "VACAT", "JUDG", "CONVICT", "VOP",
                     "ADJUDG", "FAIL", "INCOMPLET", "UNCOMPLET")
_WELL_ENDED_PREFIXES = ("SATISF", "SUCCESS", "COMPLET")
_NEGATIONS = frozenset({"NOT", "NON"})


def _supervision_revoked(tokens: list[str]) -> bool:
    if any(t.startswith(_REVOKED_PREFIXES) for t in tokens):
        return True
    # "Not Satisfactorily Terminated", "Not Completed", "Non-Successful": did not end well
    # ("Non-Reporting Supervision" is a kind of supervision, so only a negated well-ended word counts)
    if any(t in _NEGATIONS and nxt.startswith(_WELL_ENDED_PREFIXES) for t, nxt in zip(tokens, tokens[1:])):
        return True
    # "Supervision Terminated" / "Termination of Supervision" without saying it ended well
    return (any(t.startswith("TERMINAT") for t in tokens)
            and not any(t.startswith(_WELL_ENDED_PREFIXES) for t in tokens))


# Whole words: not next to a letter or digit, and a number is not part of a decimal ("Section 10.1",
# "710.5"). Case-insensitive, any spacing or a hyphen between the words of a phrase.
_B = r"(?<![0-9A-Za-z])(?<![0-9]\.)"
_E = r"(?![0-9A-Za-z])(?!\.[0-9])"
_QUALIFIED = re.compile(
    _B + r"(?:710|410|SEC(?:TION|\.)?[\s.-]*10|FIRST[\s-]*OFFENDER|(?:2ND|SECOND)[\s-]*CHANCE|TASC)" + _E,
    re.IGNORECASE,
)


def _read_sentence(text: str) -> SentenceKind:
    n = normalise_phrase(text)
    if not n:
        return SentenceKind.NONE
    tokens = n.split()
    if "SUPERVISION" in tokens:
        if _supervision_revoked(tokens):
            return SentenceKind.SUPERVISION_REVOKED
        return SentenceKind.SUPERVISION
    if _QUALIFIED.search(text):
        return SentenceKind.QUALIFIED_PROBATION
    return SentenceKind.OTHER


def read_sentence(text: str | None) -> SentenceKind:
    """Sentence type and commitment type together, e.g. "Probation / 710/410 Probation"."""
    if not text:
        return SentenceKind.NONE
    k = _SENT_CACHE.get(text)
    if k is None:
        k = _read_sentence(text)
        if len(_SENT_CACHE) < 100_000:
            _SENT_CACHE[text] = k
    return k


_REVOKED_CACHE: dict[str, bool] = {}


def says_not_ended_well(text: str | None) -> bool:
    """Does a sentence text say a supervision did not end well (revoked, violated, vacated,
    unsatisfactorily terminated, judgment entered), even without the word "supervision"? Read
    when the disposition itself says supervision: "Revoked" alone is then a revoked supervision."""
    if not text:
        return False
    hit = _REVOKED_CACHE.get(text)
    if hit is None:
        hit = _supervision_revoked(normalise_phrase(text).split())
        if len(_REVOKED_CACHE) < 10_000:
            _REVOKED_CACHE[text] = hit
    return hit
