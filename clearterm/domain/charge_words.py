"""Plain words for a cannabis charge: "possession of cannabis, 10 to 30 grams" (issue 17).

Letters never print the clerk's abbreviation ("MFG/DEL CANNABIS/2.5-10 GRAMS"): the words come
from the statute, its subsection and the date regime of the offense (CRTA-RULES.md, "Which class
each subsection allows, and its weight band"):

* Cannabis Control Act section 4 (possession), offenses before 2016-07-29: 4(a) up to 2.5 g,
  4(b) 2.5-10 g, 4(c) 10-30 g, 4(d) 30-500 g; from 2016-07-29 (P.A. 99-0697): 4(a) up to 10 g,
  4(b) 10-30 g, 4(c) 30-100 g, 4(d) 100-500 g; 4(e)-(g) the same in both: 500-2,000 g,
  2,000-5,000 g, over 5,000 g.
* Section 5 (manufacture or delivery): 5(a) up to 2.5 g ... 5(g) over 5,000 g (unchanged since
  1983).
* Any other section of the Act: its subject (cultivation, paraphernalia...) without an amount.

Where the amount cannot be known -- no subsection, or a section 4 subsection whose band changed
in 2016 with no offense date -- the words name the offense without an amount rather than guess.

Pure: :func:`plain_charge` reads a citation and a date; :func:`charge_words` turns the result
into words with the phrases of one language (the letters' ``labels.toml``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from clearterm.domain.citation import CitationError, parse_citation

#: P.A. 99-0697: the section 4 bands moved for offenses on or after this day.
POSSESSION_BANDS_CHANGED = date(2016, 7, 29)

Band = tuple[float | None, float | None]  # (more than, not more than) grams; None: no bound

_HIGH: dict[str, Band] = {"e": (500, 2000), "f": (2000, 5000), "g": (5000, None)}
_POSSESSION_BEFORE: dict[str, Band] = {"a": (None, 2.5), "b": (2.5, 10), "c": (10, 30), "d": (30, 500), **_HIGH}
_POSSESSION_AFTER: dict[str, Band] = {"a": (None, 10), "b": (10, 30), "c": (30, 100), "d": (100, 500), **_HIGH}
_DELIVERY: dict[str, Band] = _POSSESSION_BEFORE

#: The subject of each section of the Cannabis Control Act that a letter may name (phrase keys).
SECTION_OFFENSES: dict[str, str] = {
    "4": "possession", "5": "delivery", "5.1": "delivery_near_school", "5.2": "delivery_to_minor",
    "8": "cultivation", "9": "conspiracy",
}


@dataclass(frozen=True, slots=True)
class PlainCharge:
    """What a charge was, in parts a language can word: the offense (a phrase key such as
    ``possession``), the amount band in grams when known, and whether it was an attempt."""

    offense: str
    low: float | None = None
    high: float | None = None
    attempt: bool = False

    @property
    def has_amount(self) -> bool:
        return self.low is not None or self.high is not None


def plain_charge(statute: str, offense_date: date | None) -> PlainCharge:
    """The parts of the plain words for a charge under ``statute`` on ``offense_date``."""
    try:
        cit = parse_citation(statute)
    except CitationError:
        return PlainCharge("other")
    if not cit.is_cannabis:
        return PlainCharge("other", attempt=cit.attempt)
    offense = SECTION_OFFENSES.get(cit.section or "", "cannabis")
    sub = (cit.subsection or "").lower()
    band: Band | None = None
    if cit.section == "4" and sub:
        if sub in _HIGH:
            band = _HIGH[sub]
        elif offense_date is not None:
            table = _POSSESSION_AFTER if offense_date >= POSSESSION_BANDS_CHANGED else _POSSESSION_BEFORE
            band = table.get(sub)
    elif cit.section == "5" and sub:
        band = _DELIVERY.get(sub)
    low, high = band if band else (None, None)
    return PlainCharge(offense, low, high, cit.attempt)


#: The phrase keys a language must define for :func:`charge_words` (checked by the tests).
PHRASE_KEYS: tuple[str, ...] = (
    *(f"charge_{v}" for v in dict.fromkeys(SECTION_OFFENSES.values())), "charge_cannabis", "charge_other",
    "charge_attempt", "charge_with_amount", "amount_up_to", "amount_range", "amount_over",
    "decimal_mark", "thousands_mark",
)


def _number(x: float, phrases: Mapping[str, str]) -> str:
    whole, frac = divmod(round(x * 10), 10)
    text = f"{int(whole):,}".replace(",", phrases["thousands_mark"])
    return f"{text}{phrases['decimal_mark']}{frac}" if frac else text


def charge_words(pc: PlainCharge, phrases: Mapping[str, str]) -> str:
    """``pc`` in words, from ``phrases`` (a language's ``charge_*`` and ``amount_*`` labels with
    ``$offense``, ``$amount``, ``$low`` and ``$high`` placeholders)."""
    from string import Template

    text = phrases[f"charge_{pc.offense}"]
    if pc.attempt:
        text = Template(phrases["charge_attempt"]).substitute(offense=text)
    if pc.has_amount:
        low = _number(pc.low, phrases) if pc.low is not None else ""
        high = _number(pc.high, phrases) if pc.high is not None else ""
        key = "amount_range" if low and high else ("amount_up_to" if high else "amount_over")
        amount = Template(phrases[key]).substitute(low=low, high=high)
        text = Template(phrases["charge_with_amount"]).substitute(offense=text, amount=amount)
    return text
