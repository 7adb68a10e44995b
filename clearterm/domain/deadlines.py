"""The dates of the CRTA schedule and of the petition track: one home each.

- Tranches of 20 ILCS 2630/5.2(i)(1): which tranche a charge's date (offense, else arrest) falls
  in, and when each tranche was due; clearterm orders work newest tranche first.
- Petitions (5.2(i)(3)): the office's objection is due 60 days after service, and must state one
  of the grounds below (CRTA-RULES.md, "Petition deadline").

The SQL of the review queue computes the same deadline in the store; it reads
:data:`OBJECTION_DAYS` from here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

__all__ = ["TRANCHE_DUE", "TRANCHE_1_START", "TRANCHE_1_END", "TRANCHE_2_START", "tranche_of", "OBJECTION_DAYS", "objection_deadline", "ObjectionGround",
           "OBJECTION_GROUNDS", "ground"]

#: the date by which each tranche of 5.2(i)(1) had to be done
TRANCHE_DUE: dict[int, date] = {1: date(2021, 1, 1), 2: date(2023, 1, 1), 3: date(2025, 1, 1)}
TRANCHE_1_START, TRANCHE_1_END = date(2013, 1, 1), date(2019, 6, 24)
TRANCHE_2_START = date(2000, 1, 1)


def tranche_of(d: date | None) -> int | None:
    """The tranche of a charge dated ``d`` (offense date, else arrest date): 2013-01-01 ..
    2019-06-24 is 1, 2000-01-01 .. 2012-12-31 is 2, earlier is 3; later or unknown: None."""
    if d is None or d > TRANCHE_1_END:
        return None
    return 1 if d >= TRANCHE_1_START else (2 if d >= TRANCHE_2_START else 3)


OBJECTION_DAYS = 60


def objection_deadline(service_date: date) -> date:
    """The office's objection to a petition is due 60 days after service."""
    return service_date + timedelta(days=OBJECTION_DAYS)


@dataclass(frozen=True, slots=True)
class ObjectionGround:
    """A ground the reviewer may give for an objection. ``needs_text``: the ground needs free
    text of its own (other). Its wording on court papers is ``ground_<key>`` in
    ``templates/documents/labels.toml`` (the templates refuse to load without it)."""

    key: str
    text: str
    needs_text: bool = False


#: The grounds offered to the reviewer, in the spec's order; the workstation's keys 1..N, its
#: dialog, the CLI's help and the documents' labels are all made from this tuple.
OBJECTION_GROUNDS: tuple[ObjectionGround, ...] = (
    ObjectionGround("criteria_not_met", "Criteria not met (wrong section, class or date)"),
    ObjectionGround("violent_association", "Associated with a violent crime"),
    ObjectionGround("law_enforcement", "Law-enforcement reasons to retain the record"),
    ObjectionGround("age_and_time", "The person's age then and now, and the time since conviction, weigh against "
                                    "relief"),
    ObjectionGround("other", "Other (say which in the note)", needs_text=True),
)


def ground(key: str) -> ObjectionGround:
    """The ground named ``key`` (KeyError if there is none)."""
    for g in OBJECTION_GROUNDS:
        if g.key == key:
            return g
    raise KeyError(key)
