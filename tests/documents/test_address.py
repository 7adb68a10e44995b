"""USPS Publication 28 addresses for the window block and the mail list (issue 17)."""

from __future__ import annotations

import pytest

from clearterm.documents.address import mail_order_key, standardise
from clearterm.documents.model import Person


def addr(line1, line2="", city="Chicago", state="IL", zip_="60622", first="María José", last="Muñoz"):
    return standardise(Person("P1", last, first, "", None, line1, line2, city, state, zip_))


@pytest.mark.parametrize("line1, line2, delivery", [
    ("1234 N. Milwaukee Ave.", "Apt. 3F", "1234 N MILWAUKEE AVE APT 3F"),
    ("1600 West 63rd Street", "#2", "1600 W 63RD ST # 2"),
    ("742 Evergreen Terrace", "Unit 5", "742 EVERGREEN TER UNIT 5"),
    ("915 emerson st", "", "915 EMERSON ST"),
    ("77 W. Huron Street", "Suite 1203", "77 W HURON ST STE 1203"),
    ("P.O. Box 123", "", "PO BOX 123"),
    ("5 Avenue A", "", "5 AVENUE A"),          # a pre-type is a name, not a suffix to abbreviate
])
def test_publication_28_delivery_line(line1, line2, delivery):
    a = addr(line1, line2)
    assert a.delivery == delivery and a.standardised


def test_last_line_state_code_zip_plus_4_and_name():
    a = addr("4410 S. Ashland Ave.", city="chicago", state="Illinois", zip_="60609 1234", first="Seamus P.",
             last="O'Brien")
    assert a.last_line == "CHICAGO IL 60609-1234"
    assert a.name == "SEAMUS P O'BRIEN"
    assert a.lines == ("SEAMUS P O'BRIEN", "4410 S ASHLAND AVE", "CHICAGO IL 60609-1234")
    assert "Brien" not in repr(a) and "ASHLAND" not in repr(a)


def test_long_line_puts_the_unit_above():
    a = addr("10250 South Martin Luther King Junior Drive", "Apartment 1204")
    assert a.secondary == "APT 1204" and a.delivery.endswith("DR")
    assert a.lines[1:3] == ("APT 1204", a.delivery)


@pytest.mark.parametrize("line1, zip_", [
    ("c/o Jane, behind the store", "60622"),   # not a street address: kept as written, flagged
    ("1234 N. Milwaukee Ave.", "6062"),        # a ZIP of four digits
])
def test_unreadable_addresses_are_kept_upper_cased_and_flagged(line1, zip_):
    a = addr(line1, zip_=zip_)
    assert not a.standardised
    assert a.delivery == a.delivery.upper() and "," not in a.delivery and "." not in a.delivery


def test_mail_order_is_zip_order_with_missing_zips_last():
    rows = [addr("1 Main St", zip_=z) for z in ("60622", "", "60201", "60622-0001")]
    ordered = sorted(rows, key=lambda a: mail_order_key(a, "P"))
    assert [a.zip for a in ordered] == ["60201", "60622", "60622-0001", ""]
