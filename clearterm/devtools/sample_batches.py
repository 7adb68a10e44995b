"""Synthetic, deterministic batches for tests, demos and the benchmark.

Every name, address and case number here is invented.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from clearterm.documents.model import Batch, Case, Charge, Office, Person

CREATED_AT = datetime(2024, 3, 15, 14, 30, tzinfo=timezone.utc)

DEMO_OFFICE = Office(
    unit="Cannabis Expungement Unit (demo)",
    phone="(312) 555-0100",
    email="expungement.demo@example.org",
    attorney_code="99500",  # demo: a real office prints its Cook County Attorney No.
)

_FIRST = ("Seamus", "María José", "Nguyễn Thị", "Aaliyah", "Zoë", "Tomasz", "DeShawn", "Siobhán",
          "Chloé", "Björn", "Renée", "Oluwaseun", "Ana", "José", "Łukasz", "Mary-Kate")
_LAST = ("O'Brien", "Muñoz", "Nguyễn", "Washington", "Kowalczyk", "D'Angelo", "García-López",
         "Smith", "Jørgensen", "Ó Súilleabháin", "Johnson", "Pérez", "Lee", "Dvořák",
         "Martínez", "Brown")
_STREETS = ("N. Milwaukee Ave.", "S. Halsted St.", "W. 63rd St.", "N. Clark St.",
            "S. Pulaski Rd.", "W. Belmont Ave.", "E. 79th St.", "N. Sheridan Rd.")
_AGENCIES = ("Chicago Police Department", "Cook County Sheriff's Office",
             "Evanston Police Department", "Cicero Police Department",
             "Illinois State Police")
_STATUTES = (("720 ILCS 550/4(a)", "C", "Possession of cannabis, not more than 2.5 g"),
             ("720 ILCS 550/4(b)", "B", "Possession of cannabis, 2.5 g to 10 g"),
             ("720 ILCS 550/4(c)", "A", "Possession of cannabis, 10 g to 30 g"),
             ("720 ILCS 550/5(a)", "B", "Manufacture/delivery of cannabis, not more than 2.5 g"),
             ("720 ILCS 550/4(c)", "4", "Possession of cannabis, 10 g to 30 g, subsequent offense"))
#: Petition-track charges: a misdemeanor or Class 4 conviction that is not a minor cannabis offense
#: (more than 30 g: CRTA-RULES.md step 25); the automatic ones above are all 30 g or less (step 24).
_PETITION_STATUTES = (("720 ILCS 550/4(d)", "4", "Possession of cannabis, 30 g to 500 g"),)
GROUNDS = (("retain_records", "Law enforcement has given reasons to retain the records"),
           ("sentence_incomplete", "The sentence imposed has not been completed"),
           ("not_eligible", "The conviction is not a minor cannabis offense eligible for relief"))


def sample_person(i: int) -> Person:
    first = _FIRST[i % len(_FIRST)]
    last = _LAST[(i * 7 + i // len(_LAST)) % len(_LAST)]
    return Person(
        person_id=f"P{100000 + i}",
        last_name=last,
        first_name=first,
        middle_name="" if i % 3 else "Q.",
        date_of_birth=date(1960 + i % 40, 1 + i % 12, 1 + i % 28),
        address_line1=f"{100 + (i * 37) % 9000} {_STREETS[i % len(_STREETS)]}",
        address_line2="Apt. 2R" if i % 5 == 0 else "",
        city="Chicago" if i % 4 else "Evanston",
        state="IL",
        zip=f"606{(i * 13) % 100:02d}",
    )


def sample_case(i: int, track: str = "automatic", outcome: str = "approved",
                person: Person | None = None, charges: int | None = None) -> Case:
    person = person or sample_person(i)
    n = charges if charges is not None else 1 + (i % 4 == 3)
    arrest = date(2005, 1, 1) + timedelta(days=(i * 97) % 4000)
    chs = []
    for k in range(n):
        table = _STATUTES if track == "automatic" else _PETITION_STATUTES
        statute, cls, desc = table[(i + k) % len(table)]
        chs.append(Charge(
            record_id=f"R{i:06d}-{k + 1}",
            statute_cite=statute, offense_class=cls, offense_description=desc,
            disposition="Guilty" if (i + k) % 3 else "Plea of guilty",
            disposition_date=arrest + timedelta(days=60 + 7 * k),
            arrest_date=arrest,
            arresting_agency=_AGENCIES[i % len(_AGENCIES)],
            category="possession" if "Possession" in desc else "delivery",
            reasons=("class-c-misdemeanor",) if cls == "C" else ("eligible",),
        ))
    ground_key, ground_label = GROUNDS[i % len(GROUNDS)]
    objected = outcome == "objected"
    return Case(
        case_number=(f"{arrest.year % 100:02d}CR{(i * 7919) % 100000:05d}"
                     if chs[0].offense_class == "4"
                     else f"{arrest.year}-MC1-{(i * 7919) % 1000000:06d}"),
        person=person,
        charges=tuple(chs),
        track=track,
        outcome=outcome,
        objection_ground=ground_key if objected else "",
        objection_ground_label=ground_label if objected else "",
        objection_facts=(
            "The Chicago Police Department asked on February 2, 2024 that the records be "
            "retained because the arrest is part of an open investigation.\n\n"
            "Court records show that the term of supervision ends on June 30, 2024."
            if objected else ""),
        service_date=date(2024, 3, 14) if track == "petition" else None,
        parties_served=(f"{person.full_name}, petitioner, by U.S. mail to the address of record",
                        "Clerk of the Circuit Court of Cook County, by hand delivery") if track == "petition" else (),
        reviewers=("A. Reviewer", "B. Reviewer") if i % 2 else ("A. Reviewer",),
    )


def sample_batch(n_cases: int = 3, track: str = "automatic", *, batch_id: str | None = None,
                 created_at: datetime = CREATED_AT, signer_name: str = "Jane Q. Prosecutor",
                 office: Office = DEMO_OFFICE) -> Batch:
    """A batch of ``n_cases``; petition batches alternate approved / objected cases."""
    cases = []
    for i in range(n_cases):
        if track == "automatic":
            cases.append(sample_case(i))
        else:
            cases.append(sample_case(i, track="petition",
                                     outcome="objected" if i % 2 else "approved"))
    return Batch(
        batch_id=batch_id or f"B-2024-{'A' if track == 'automatic' else 'P'}{n_cases:05d}",
        track=track,
        created_at=created_at,
        cases=tuple(cases),
        signer_name=signer_name,
        office=office,
        audit_head_hash="9f2c1e0b" * 8,
        audit_head_seq=4211,
    )


def golden_batches() -> tuple[Batch, Batch]:
    """The two small batches the golden-text tests render (automatic, petition).

    Names with apostrophes and accents on purpose: O'Brien, Muñoz, Nguyễn, D'Arcy, Ramírez.
    """
    return _golden_automatic(), _golden_petition()


_CPD, _CCSO, _EPD = ("Chicago Police Department", "Cook County Sheriff's Office", "Evanston Police Department")


def _golden_charge(rid, statute, cls, desc, disp, ddate, adate, agency) -> Charge:
    return Charge(rid, statute, cls, desc, disp, ddate, adate, agency, "possession", ("eligible",),
                  statute=statute, offense_date=adate)


def _golden_automatic() -> Batch:
    charge, cpd, ccso, epd = _golden_charge, _CPD, _CCSO, _EPD
    obrien = Person("P-0001", "O'Brien", "Seamus", "Patrick", date(1979, 4, 2),
                    "1234 N. Milwaukee Ave.", "Apt. 3F", "Chicago", "IL", "60622", language="en")
    munoz = Person("P-0002", "Muñoz", "María José", "", date(1988, 11, 23),
                   "4410 S. Ashland Ave.", "", "Chicago", "IL", "60609", language="es")
    nguyen = Person("P-0003", "Nguyễn", "Minh", "Thị", date(1992, 6, 7),
                    "915 Emerson St.", "", "Evanston", "IL", "60201")
    return Batch(
        batch_id="B-2024-0042",
        track="automatic",
        created_at=CREATED_AT,
        signer_name="Jane Q. Prosecutor",
        office=DEMO_OFFICE,
        audit_head_hash="3a1f" * 16,
        audit_head_seq=1207,
        cases=(
            Case("2009-MC1-104233", obrien, (
                charge("R-1", "720 ILCS 550/4(a)", "C", "Possession of cannabis, not more than 2.5 g",
                       "Guilty", date(2009, 8, 14), date(2009, 6, 1), cpd),),
                reviewers=("A. Reviewer",)),
            # a Class 4 felony in the State's Attorney's own motion: 4(c), 10-30 g, a subsequent offense
            # (CRTA-RULES.md: 4(c) allows A, or 4; 30 g or less is a minor cannabis offense, step 24)
            Case("11CR0654321", munoz, (
                charge("R-2", "720 ILCS 550/4(c)", "4", "Possession of cannabis, 10 g to 30 g, subsequent offense",
                       "Plea of guilty", date(2011, 9, 30), date(2011, 3, 17), ccso),
                charge("R-3", "720 ILCS 550/5(a)", "B", "Delivery of cannabis, not more than 2.5 g",
                       "Guilty", date(2011, 9, 30), date(2011, 3, 17), ccso)),
                reviewers=("A. Reviewer", "B. Reviewer")),
            Case("2015-MC2-000731", nguyen, (
                charge("R-4", "720 ILCS 550/4(b)", "B", "Possession of cannabis, 2.5 g to 10 g",
                       "Guilty", date(2015, 12, 2), date(2015, 10, 20), epd),),
                reviewers=("B. Reviewer",)),
            Case("2012-MC1-009876", obrien, (
                charge("R-5", "720 ILCS 550/4(a)", "C", "Possession of cannabis, not more than 2.5 g",
                       "Guilty", date(2012, 2, 9), date(2012, 1, 5), cpd),),
                reviewers=("A. Reviewer",)),
        ),
    )


def _golden_petition() -> Batch:
    charge, cpd = _golden_charge, _CPD
    darcy = Person("P-0004", "D'Arcy", "Aoife", "", date(1990, 1, 15),
                   "77 W. Huron St.", "Unit 1203", "Chicago", "IL", "60654", language="en")
    ramirez = Person("P-0005", "Ramírez", "José", "Luis", date(1985, 5, 30), language="es")  # no address
    return Batch(
        batch_id="B-2024-0043",
        track="petition",
        created_at=CREATED_AT,
        signer_name="Jane Q. Prosecutor",
        office=DEMO_OFFICE,
        audit_head_hash="3a1f" * 16,
        audit_head_seq=1219,
        cases=(
            # petition track: not minor cannabis offenses (more than 30 g, CRTA-RULES.md step 25).
            # 4(c) on or after 2016-07-29 is 30-100 g, a Class A misdemeanor
            Case("2016-MC1-220014", darcy, (
                charge("R-6", "720 ILCS 550/4(c)", "A", "Possession of cannabis, 30 g to 100 g",
                       "Guilty", date(2016, 12, 12), date(2016, 10, 2), cpd),),
                track="petition", outcome="approved", service_date=date(2024, 3, 14),
                parties_served=("Aoife D'Arcy, petitioner, 77 W. Huron St., Unit 1203, "
                                "Chicago, IL 60654, by U.S. mail",),
                reviewers=("C. Reviewer",)),
            # 4(d) before 2016-07-29: 30-500 g, a Class 4 felony
            Case("13CR0100200", ramirez, (
                charge("R-7", "720 ILCS 550/4(d)", "4", "Possession of cannabis, 30 g to 500 g",
                       "Guilty", date(2013, 10, 1), date(2013, 4, 22), cpd),),
                track="petition", outcome="objected", objection_ground="law_enforcement",
                objection_ground_label="Law enforcement has given reasons to retain the records",
                objection_facts=(
                    "On February 2, 2024 the Chicago Police Department asked in writing that the "
                    "records be retained because the arrest is part of an open investigation "
                    "(RD No. JA-123456).\n\nThe People will present the request and supporting "
                    "evidence at the hearing on the motion."),
                service_date=date(2024, 3, 14),
                parties_served=("José Luis Ramírez, petitioner, by e-mail to the address on the motion",
                                "Chicago Police Department, Office of Legal Affairs, by U.S. mail",
                                "Illinois State Police, Bureau of Identification, by U.S. mail"),
                reviewers=("C. Reviewer", "D. Reviewer")),
        ),
    )
