"""How a case is named to people: one home for its label.

A case is one case number for one person. Its label is ``CASE_NUMBER/PERSON_ID``, or the case
number alone when the row has no person id; ``clearterm decide CASE`` reads the same form back
(:func:`clearterm.services.review.resolve_case`). Case numbers and person ids only: never a name.
"""

from __future__ import annotations

__all__ = ["case_label"]


def case_label(case_number: str, person_id: str | None) -> str:
    """``CASE_NUMBER/PERSON_ID``, or the case number alone when there is no person id."""
    return f"{case_number}/{person_id}" if person_id else case_number
