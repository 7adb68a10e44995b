"""Reading dispositions and sentences (CRTA-RULES.md, "Reading a disposition").

The vocabulary is closed: a text is read only if it is (after normalising case,
punctuation and spacing) one of the phrases the spec lists or an obvious variant
of one (e.g. "Plea of Guilty - Lesser Included"). Anything else is
``UNRECOGNIZED`` and goes to a person; nothing is guessed from keywords.
"""

from __future__ import annotations

import enum
import re
from datetime import date

__all__ = [
    "DispositionKind", "SentenceKind", "read_disposition", "read_sentence", "normalise_phrase",
]


class DispositionKind(enum.Enum):
    CONVICTION = "conviction"
    NON_CONVICTION = "non_conviction"
    #: the disposition itself says supervision (step 8); not a conviction
    SUPERVISION = "supervision"
    PENDING = "pending"
    UNRECOGNIZED = "unrecognized"


class SentenceKind(enum.Enum):
    SUPERVISION = "supervision"
    #: supervision that was revoked or ended unsatisfactorily: a conviction may have been entered
    SUPERVISION_REVOKED = "supervision_revoked"
    #: first-offender probation that ends in dismissal: "710", "410", "2nd Chance Probation"
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

_DISP_CACHE: dict[str, DispositionKind] = {}


def read_disposition(text: str | None, disposition_date: date | None) -> DispositionKind:
    """Classify a disposition text. Empty with no date: pending; empty with a date: unrecognized."""
    if text is None or not text.strip():
        return DispositionKind.PENDING if disposition_date is None else DispositionKind.UNRECOGNIZED
    k = _DISP_CACHE.get(text)
    if k is None:
        k = VOCABULARY.get(normalise_phrase(text), DispositionKind.UNRECOGNIZED)
        if len(_DISP_CACHE) < 100_000:
            _DISP_CACHE[text] = k
    return k


_SENT_CACHE: dict[str, SentenceKind] = {}
#: word beginnings that say a supervision did not end well ("Supervision Revoked", "Supervision
#: Terminated Unsatisfactorily", "Supervision / Judgment Entered", "Supervision - Unsat"): a
#: judgment of conviction may then have been entered, so it is not read as supervision
_REVOKED_PREFIXES = ("REVOK", "REVOC", "UNSAT", "UNSUCC", "VIOLAT", "VACAT", "JUDG", "CONVICT", "VOP", "ADJUDG")
_WELL_ENDED_PREFIXES = ("SATISF", "SUCCESS", "COMPLET")


def _supervision_revoked(tokens: list[str]) -> bool:
    if any(t.startswith(_REVOKED_PREFIXES) for t in tokens):
        return True
    # "Supervision Terminated" without saying it ended well
    return "TERMINATED" in tokens and not any(t.startswith(_WELL_ENDED_PREFIXES) for t in tokens)


def _read_sentence(text: str) -> SentenceKind:
    n = normalise_phrase(text)
    if not n:
        return SentenceKind.NONE
    tokens = n.split()
    if "SUPERVISION" in tokens:
        if _supervision_revoked(tokens):
            return SentenceKind.SUPERVISION_REVOKED
        return SentenceKind.SUPERVISION
    padded = f" {n} "
    if "710" in tokens or "410" in tokens or " 2ND CHANCE PROBATION " in padded \
            or " SECOND CHANCE PROBATION " in padded:
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
