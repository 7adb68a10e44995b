"""Mailing addresses in the USPS Publication 28 form: upper case, standard abbreviations, no
punctuation, the secondary unit on the delivery line, ``CITY ST 60601-1234`` (issue 17).

The street line is parsed with ``usaddress`` (DataMade's conditional-random-field parser of US
addresses, trained on real address strings: it tells "North" the direction from "North" a street
name, and "Apt 3F", "#3F" and "Unit 3F" apart, which a hand-written splitter gets wrong); the
abbreviations are the Publication 28 tables below (appendix C1 street suffixes, C2 secondary unit
designators, directionals, state codes). An address the parser cannot read with confidence is
printed upper-cased as written, without punctuation, each source line on its own line (the one
that starts with a house number or a box last, as the delivery line), and marked not
standardised, so the mail list shows which addresses a person should look at; nothing is ever
invented or dropped. A delivery or unit line longer than :data:`DELIVERY_LINE_MAX` is marked not
standardised too: the window block wraps any line wider than the window (never past its edge).

Only the layout of an address is changed here; whether it is deliverable is the mail house's
CASS check.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .model import Person

DIRECTIONALS = {"NORTH": "N", "SOUTH": "S", "EAST": "E", "WEST": "W", "NORTHEAST": "NE",
                "NORTHWEST": "NW", "SOUTHEAST": "SE", "SOUTHWEST": "SW", "NORTE": "N", "SUR": "S",
                "ESTE": "E", "OESTE": "W"}
# Publication 28 appendix C1: the street suffixes met in Cook County and their common spellings.
SUFFIXES = {
    "ALLEY": "ALY", "ALLEE": "ALY", "ALLY": "ALY", "AVENUE": "AVE", "AV": "AVE", "AVEN": "AVE",
    "AVENU": "AVE", "AVN": "AVE", "AVNUE": "AVE", "BOULEVARD": "BLVD", "BOUL": "BLVD", "BOULV": "BLVD",
    "CIRCLE": "CIR", "CIRC": "CIR", "CIRCL": "CIR", "CRCL": "CIR", "CRCLE": "CIR", "COURT": "CT",
    "CRT": "CT", "COVE": "CV", "CRESCENT": "CRES", "CRSENT": "CRES", "CROSSING": "XING",
    "CRSSNG": "XING", "DRIVE": "DR", "DRIV": "DR", "DRV": "DR", "ESTATES": "ESTS", "EXPRESSWAY": "EXPY",
    "EXPRESS": "EXPY", "EXPW": "EXPY", "FREEWAY": "FWY", "FREEWY": "FWY", "FRWAY": "FWY", "FRWY": "FWY",
    "GARDENS": "GDNS", "HEIGHTS": "HTS", "HT": "HTS", "HIGHWAY": "HWY", "HIGHWY": "HWY", "HIWAY": "HWY",
    "HIWY": "HWY", "HWAY": "HWY", "LANE": "LN", "PARKWAY": "PKWY", "PARKWY": "PKWY", "PKWAY": "PKWY",
    "PKY": "PKWY", "PLACE": "PL", "PLAZA": "PLZ", "PLZA": "PLZ", "POINT": "PT", "ROAD": "RD",
    "ROUTE": "RTE", "SQUARE": "SQ", "SQR": "SQ", "SQRE": "SQ", "SQU": "SQ", "STREET": "ST",
    "STRT": "ST", "STR": "ST", "TERRACE": "TER", "TERR": "TER", "TRAIL": "TRL", "TRAILS": "TRL",
    "TRLS": "TRL", "TURNPIKE": "TPKE", "TRNPK": "TPKE", "TURNPK": "TPKE", "WAY": "WAY",
}
# Publication 28 appendix C2: secondary unit designators.
UNITS = {
    "APARTMENT": "APT", "APT": "APT", "BASEMENT": "BSMT", "BUILDING": "BLDG", "BLDG": "BLDG",
    "DEPARTMENT": "DEPT", "FLOOR": "FL", "FLR": "FL", "FRONT": "FRNT", "HANGAR": "HNGR", "LOBBY": "LBBY",
    "LOT": "LOT", "LOWER": "LOWR", "OFFICE": "OFC", "PENTHOUSE": "PH", "REAR": "REAR", "ROOM": "RM",
    "SIDE": "SIDE", "SLIP": "SLIP", "SPACE": "SPC", "STOP": "STOP", "SUITE": "STE", "TRAILER": "TRLR",
    "UNIT": "UNIT", "UPPER": "UPPR", "#": "#", "NO": "#", "NUMBER": "#",
    "APARTAMENTO": "APT", "DEPTO": "APT", "DEPARTAMENTO": "APT", "PISO": "FL",
}
STATES = {
    "ALABAMA": "AL", "ALASKA": "AK", "ARIZONA": "AZ", "ARKANSAS": "AR", "CALIFORNIA": "CA",
    "COLORADO": "CO", "CONNECTICUT": "CT", "DELAWARE": "DE", "DISTRICT OF COLUMBIA": "DC",
    "FLORIDA": "FL", "GEORGIA": "GA", "HAWAII": "HI", "IDAHO": "ID", "ILLINOIS": "IL", "ILL": "IL",
    "INDIANA": "IN", "IOWA": "IA", "KANSAS": "KS", "KENTUCKY": "KY", "LOUISIANA": "LA", "MAINE": "ME",
    "MARYLAND": "MD", "MASSACHUSETTS": "MA", "MICHIGAN": "MI", "MINNESOTA": "MN", "MISSISSIPPI": "MS",
    "MISSOURI": "MO", "MONTANA": "MT", "NEBRASKA": "NE", "NEVADA": "NV", "NEW HAMPSHIRE": "NH",
    "NEW JERSEY": "NJ", "NEW MEXICO": "NM", "NEW YORK": "NY", "NORTH CAROLINA": "NC",
    "NORTH DAKOTA": "ND", "OHIO": "OH", "OKLAHOMA": "OK", "OREGON": "OR", "PENNSYLVANIA": "PA",
    "PUERTO RICO": "PR", "RHODE ISLAND": "RI", "SOUTH CAROLINA": "SC", "SOUTH DAKOTA": "SD",
    "TENNESSEE": "TN", "TEXAS": "TX", "UTAH": "UT", "VERMONT": "VT", "VIRGINIA": "VA",
    "WASHINGTON": "WA", "WEST VIRGINIA": "WV", "WISCONSIN": "WI", "WYOMING": "WY",
}
_STATE_CODES = frozenset(STATES.values())
#: Longest delivery line that keeps its secondary unit on the same line in the window (characters).
DELIVERY_LINE_MAX = 40

_ZIP = re.compile(r"(\d{5})(?:[- ]?(\d{4}))?\Z")
_PUNCT = re.compile(r"[^\w#/&\- ]+")
_SPACES = re.compile(r"\s+")
_NAME_DROP = re.compile(r"[.,;:\"()]+")
#: A line that reads as a delivery line: a house number or a post office box first.
_LOOKS_LIKE_DELIVERY = re.compile(r"(?:\d|P ?O BOX\b|RR\b|HC\b)")


@dataclass(frozen=True, slots=True)
class MailingAddress:
    """An address in Publication 28 form: the window block's lines and the mail list's fields."""

    name: str
    secondary: str        # the unit line printed above the delivery line, when too long for it
    delivery: str         # number, street (and unit, when it fits)
    city: str
    state: str
    zip5: str
    zip4: str
    standardised: bool    # parsed and abbreviated; False: upper-cased as written (check it)

    @property
    def zip(self) -> str:
        return f"{self.zip5}-{self.zip4}" if self.zip4 else self.zip5

    @property
    def last_line(self) -> str:
        return " ".join(x for x in (self.city, self.state, self.zip) if x)

    @property
    def lines(self) -> tuple[str, ...]:
        return tuple(x for x in (self.name, self.secondary, self.delivery, self.last_line) if x)

    def __repr__(self) -> str:  # never leak personal data through a repr
        return f"MailingAddress(zip5={self.zip5!r}, standardised={self.standardised})"


def _clean(text: str) -> str:
    return _SPACES.sub(" ", _PUNCT.sub(" ", text.upper().replace(".", ""))).strip()


def _word(text: str, table: dict[str, str]) -> str:
    t = _clean(text)
    return table.get(t, t)


def mailing_name(person: Person) -> str:
    """The name line: upper case, no periods or commas (apostrophes and hyphens stay)."""
    return _SPACES.sub(" ", _NAME_DROP.sub(" ", person.full_name.upper())).strip()


def _street(tags: dict[str, str]) -> str:
    if "USPSBoxID" in tags:
        return f"PO BOX {_clean(tags['USPSBoxID'])}"
    parts = [_clean(tags.get("AddressNumberPrefix", "")), _clean(tags.get("AddressNumber", "")),
             _clean(tags.get("AddressNumberSuffix", "")), _clean(tags.get("StreetNamePreModifier", "")),
             _word(tags.get("StreetNamePreDirectional", ""), DIRECTIONALS),
             _clean(tags.get("StreetNamePreType", "")), _clean(tags.get("StreetName", "")),
             _word(tags.get("StreetNamePostType", ""), SUFFIXES),
             _word(tags.get("StreetNamePostDirectional", ""), DIRECTIONALS)]
    return " ".join(p for p in parts if p)


def _unit(tags: dict[str, str]) -> str:
    kind, ident = tags.get("OccupancyType", ""), _clean(tags.get("OccupancyIdentifier", ""))
    if ident.startswith("#"):
        kind, ident = kind or "#", ident.lstrip("# ")
    if not (kind or ident):
        return ""
    code = _word(kind, UNITS) if kind else "#"
    return " ".join(x for x in (code, ident) if x)


_ALLOWED = frozenset({
    "AddressNumberPrefix", "AddressNumber", "AddressNumberSuffix", "StreetNamePreModifier",
    "StreetNamePreDirectional", "StreetNamePreType", "StreetName", "StreetNamePostType",
    "StreetNamePostDirectional", "OccupancyType", "OccupancyIdentifier", "USPSBoxType", "USPSBoxID",
    "PlaceName", "StateName", "ZipCode"})


def _parse_street(line1: str, line2: str) -> tuple[str, str] | None:
    """(street, unit) read by usaddress, or None when it cannot read them with confidence."""
    import usaddress  # here: the parser's model loads only when letters are made

    text = ", ".join(x for x in (line1.strip(), line2.strip()) if x)
    try:
        tags, kind = usaddress.tag(text)
    except usaddress.RepeatedLabelError:
        return None
    if kind not in ("Street Address", "PO Box") or not set(tags) <= _ALLOWED:
        return None
    if "PlaceName" in tags or "StateName" in tags or "ZipCode" in tags:
        return None  # the street lines held more than a street: keep them as written
    street = _street(tags)
    if not street or ("USPSBoxID" not in tags and not (tags.get("AddressNumber") and tags.get("StreetName"))):
        return None
    return street, _unit(tags)


def standardise(person: Person) -> MailingAddress:
    """``person``'s mailing address in Publication 28 form (see the module docstring)."""
    zm = _ZIP.match(person.zip.strip())
    zip5, zip4 = (zm.group(1), zm.group(2) or "") if zm else (_clean(person.zip), "")
    state = _word(person.state, STATES)
    city = _clean(person.city)
    parsed = _parse_street(person.address_line1, person.address_line2) if person.address_line1.strip() else None
    ok = parsed is not None and zm is not None and state in _STATE_CODES and bool(city)
    if parsed is None:
        # never joined into one line (it would run out of the envelope's window): each source
        # line stays a line. The one that looks like the street (a house number, a box) is the
        # delivery line, the other goes above it, as Publication 28 places a secondary line
        line1, line2 = _clean(person.address_line1), _clean(person.address_line2)
        if line1 and line2 and not _LOOKS_LIKE_DELIVERY.match(line1) and _LOOKS_LIKE_DELIVERY.match(line2):
            secondary, delivery = line1, line2
        else:
            secondary, delivery = (line2, line1) if line1 else ("", line2)
    else:
        street, unit = parsed
        delivery = f"{street} {unit}".strip()
        secondary = ""
        if unit and len(delivery) > DELIVERY_LINE_MAX:
            secondary, delivery = unit, street
    # a delivery or unit line still too long for the window is wrapped there: a person checks it
    ok = ok and len(delivery) <= DELIVERY_LINE_MAX and len(secondary) <= DELIVERY_LINE_MAX
    return MailingAddress(name=mailing_name(person), secondary=secondary, delivery=delivery, city=city,
                          state=state, zip5=zip5, zip4=zip4, standardised=ok)


def mail_order_key(address: MailingAddress, person_id: str) -> tuple:
    """Sort key of the mail list: ZIP order (ZIP+4 within a ZIP), then street, then reference;
    addresses without a ZIP last."""
    return (address.zip5 == "" or not address.zip5.isdigit(), address.zip5, address.zip4,
            address.delivery, person_id)
