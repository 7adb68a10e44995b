"""Built-in lists for :mod:`clearterm.devtools.synth`: names, streets, cities and agencies.

All values are invented or common public words; no list entry describes a real
person. Names deliberately include accents, apostrophes, hyphens and spaces so
that everything downstream (CSV, database, PDF, terminal) is exercised with them.
"""

from __future__ import annotations

FIRST_NAMES: tuple[str, ...] = (
    # common US first names
    "James", "John", "Robert", "Michael", "William", "David", "Richard", "Joseph", "Thomas",
    "Charles", "Christopher", "Daniel", "Matthew", "Anthony", "Mark", "Donald", "Steven", "Paul",
    "Andrew", "Joshua", "Kevin", "Brian", "George", "Timothy", "Ronald", "Jason", "Edward",
    "Jeffrey", "Ryan", "Jacob", "Gary", "Nicholas", "Eric", "Jonathan", "Stephen", "Larry",
    "Justin", "Scott", "Brandon", "Benjamin", "Samuel", "Gregory", "Alexander", "Patrick",
    "Frank", "Raymond", "Jack", "Dennis", "Jerry", "Tyler", "Aaron", "Adam", "Nathan", "Henry",
    "Mary", "Patricia", "Jennifer", "Linda", "Elizabeth", "Barbara", "Susan", "Jessica", "Sarah",
    "Karen", "Lisa", "Nancy", "Betty", "Sandra", "Margaret", "Ashley", "Kimberly", "Emily",
    "Donna", "Michelle", "Carol", "Amanda", "Melissa", "Deborah", "Stephanie", "Rebecca",
    "Sharon", "Laura", "Cynthia", "Amy", "Angela", "Brenda", "Nicole", "Samantha", "Katherine",
    "Christine", "Rachel", "Heather", "Tiffany", "Crystal", "Danielle", "Megan", "Brittany",
    # names common in Chicago's neighbourhoods
    "Jamal", "DeShawn", "Tyrone", "Darnell", "Marquis", "Terrell", "Lamont", "Andre", "Malik",
    "Keisha", "LaToya", "Tanisha", "Shanice", "Aaliyah", "Imani", "Jasmine", "Ebony", "Dominique",
    "D'Andre", "Da'Quan", "De'Aaron", "Ja'Nae", "Ke'Shawn", "Sha'Kira",
    "José", "María", "Jesús", "Juan", "Luis", "Carlos", "Miguel", "Alejandro", "Javier", "Raúl",
    "Sofía", "Lucía", "Guadalupe", "Verónica", "Ramón", "Martín", "Andrés", "Inés", "Ángel",
    "Óscar", "Iván", "Rubén", "Héctor", "Begoña",
    "Nguyễn Văn", "Thị", "Minh", "Huỳnh", "Đức", "Bảo", "Lan",
    "Łukasz", "Paweł", "Wojciech", "Małgorzata", "Agnieszka", "Grzegorz", "Zbigniew",
    "François", "Renée", "Zoë", "Chloé", "André", "Hélène", "Noël", "Siobhán", "Seán", "Niamh",
    "Jürgen", "Björn", "Søren", "Ólafur", "Sigríður", "Ahmed", "Fatima", "Mohammed", "Aisha",
    "Olúwaseun", "Chidi", "Ngozi", "Priya", "Rahul", "Anaïs", "Joël",
)

MIDDLE_NAMES: tuple[str, ...] = (
    "Lee", "Ann", "Marie", "James", "Lynn", "Michael", "Jean", "Ray", "Louise", "Edward", "Rose",
    "Allen", "Mae", "José", "María", "Renée", "Dwayne", "Ángel", "Thị", "Jo", "De'Von",
)

LAST_NAMES: tuple[str, ...] = (
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez",
    "Martinez", "Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas", "Taylor",
    "Moore", "Jackson", "Martin", "Lee", "Perez", "Thompson", "White", "Harris", "Sanchez",
    "Clark", "Ramirez", "Lewis", "Robinson", "Walker", "Young", "Allen", "King", "Wright",
    "Scott", "Torres", "Nguyen", "Hill", "Flores", "Green", "Adams", "Nelson", "Baker", "Hall",
    "Rivera", "Campbell", "Mitchell", "Carter", "Roberts", "Washington", "Jefferson", "Freeman",
    "Coleman", "Hayes", "Bryant", "Banks", "Dixon", "Gibson", "Ellis", "Woods", "Holmes",
    "O'Brien", "O'Connor", "O'Neill", "O'Malley", "O'Hara", "McCarthy", "McDonald", "Murphy",
    "Sullivan", "Kelly", "D'Angelo", "D'Souza", "DiMaggio", "DeLuca", "Russo", "Esposito",
    "Muñoz", "Peña", "Núñez", "Gómez", "Hernández", "Rodríguez", "Martínez", "Pérez", "Sánchez",
    "Ramírez", "Ibáñez", "Ordóñez", "Castañeda", "Nuñez", "García-López", "De La Cruz",
    "Del Río", "Santa María",
    "Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Võ", "Đặng", "Bùi",
    "Kowalski", "Nowak", "Wiśniewski", "Wójcik", "Kowalczyk", "Zieliński", "Szymański",
    "Woźniak", "Dąbrowski", "Müller", "Schröder", "Böhm", "Weiß", "Ólafsdóttir", "Jónsson",
    "Sigurðsson", "Øster", "Åberg", "Léger", "Lefèvre", "Côté", "Bélanger", "Gagné",
    "St. John", "Van Buren", "Van der Berg", "Al-Rashid", "Abdul-Jabbar", "Okonkwo",
    "Adébáyọ̀", "Patel", "Shah", "Kim", "Park", "Choi", "Wang", "Li", "Zhang", "Chen",
)

#: Streets for Chicago addresses (with the grid's direction prefix) ...
CHICAGO_STREETS: tuple[str, ...] = (
    "W Madison St", "S Halsted St", "N Milwaukee Ave", "W North Ave", "S Ashland Ave",
    "S Western Ave", "W Chicago Ave", "N Clark St", "S State St", "W Roosevelt Rd",
    "S Cicero Ave", "W 63rd St", "W 79th St", "S Pulaski Rd", "N Broadway", "W Division St",
    "S Kedzie Ave", "W Belmont Ave", "W Fullerton Ave", "N Sheridan Rd", "S Cottage Grove Ave",
    "S Michigan Ave", "W Cermak Rd", "S Dr Martin Luther King Jr Dr", "W Irving Park Rd",
    "N Lincoln Ave", "S Stony Island Ave", "W 47th St", "W Garfield Blvd", "S Racine Ave",
    "N Kostner Ave", "W Augusta Blvd", "S Damen Ave", "W Jackson Blvd", "N Pulaski Rd",
    "W Lawrence Ave", "W 26th St", "S Muñoz Marín Dr", "W Ogden Ave", "E 71st St",
)

#: ... and for everywhere else.
SUBURB_STREETS: tuple[str, ...] = (
    "Main St", "Oak St", "Maple Ave", "Elm St", "Washington St", "Lake St", "Park Ave",
    "Ridge Rd", "Harlem Ave", "Ogden Ave", "Dempster St", "Golf Rd", "Sibley Blvd",
    "Halsted St", "Lincoln Hwy", "Cermak Rd", "Roosevelt Rd", "Higgins Rd", "Touhy Ave",
    "Central Ave", "Madison St", "Cicero Ave", "Kedzie Ave", "1st Ave", "17th Ave",
    "Des Plaines Ave", "Chicago Rd", "Plum Grove Rd", "La Grange Rd", "Côte Ct",
)

#: (city, weight, zips). Chicago dominates; suburbs of Cook and the collar counties follow.
CITIES: tuple[tuple[str, int, tuple[str, ...]], ...] = (
    ("Chicago", 700, tuple(f"606{n:02d}" for n in (
        1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24,
        25, 26, 28, 29, 30, 31, 32, 33, 34, 36, 37, 38, 39, 40, 41, 42, 43, 44, 45, 46, 47,
        49, 51, 52, 53, 54, 55, 56, 57, 59, 60, 61)) + ("60707", "60827")),
    ("Cicero", 25, ("60804",)),
    ("Berwyn", 20, ("60402",)),
    ("Evanston", 20, ("60201", "60202")),
    ("Oak Lawn", 18, ("60453",)),
    ("Skokie", 15, ("60076", "60077")),
    ("Calumet City", 18, ("60409",)),
    ("Maywood", 15, ("60153",)),
    ("Harvey", 15, ("60426",)),
    ("Chicago Heights", 15, ("60411",)),
    ("Schaumburg", 12, ("60193", "60194")),
    ("Des Plaines", 12, ("60016", "60018")),
    ("Oak Park", 12, ("60302", "60304")),
    ("Blue Island", 10, ("60406",)),
    ("Bellwood", 10, ("60104",)),
    ("Dolton", 10, ("60419",)),
    ("Park Forest", 8, ("60466",)),
    ("Arlington Heights", 8, ("60004", "60005")),
    ("Palatine", 8, ("60067", "60074")),
    ("Orland Park", 8, ("60462", "60467")),
    ("Naperville", 6, ("60540", "60563", "60565")),
    ("Aurora", 6, ("60505", "60506")),
    ("Waukegan", 6, ("60085", "60087")),
    ("Joliet", 6, ("60432", "60435", "60436")),
    ("Gary", 3, ("46402", "46404")),
)

#: Cook County: (arresting agency, weight, court). ``None`` court = any district.
COOK_AGENCIES: tuple[tuple[str, int, str | None], ...] = (
    ("CHICAGO PD", 620, "District 1 - Chicago"),
    ("ILLINOIS STATE POLICE", 25, None),
    ("COOK COUNTY SHERIFF (IL0160000)", 30, None),
    ("ISP DISTRICT CHICAGO", 8, "District 1 - Chicago"),
    ("CTA POLICE", 4, "District 1 - Chicago"),
    ("SKOKIE PD", 12, "District 2 - Skokie"),
    ("EVANSTON PD", 12, "District 2 - Skokie"),
    ("WHEELING PD", 8, "District 2 - Skokie"),
    ("NILES PD", 6, "District 2 - Skokie"),
    ("SCHAUMBURG PD", 14, "District 3 - Rolling Meadows"),
    ("ARLINGTON HEIGHTS PD", 10, "District 3 - Rolling Meadows"),
    ("PALATINE PD", 9, "District 3 - Rolling Meadows"),
    ("MOUNT PROSPECT PD", 9, "District 3 - Rolling Meadows"),
    ("DES PLAINES PD", 8, "District 3 - Rolling Meadows"),
    ("ROSEMONT PD", 8, "District 3 - Rolling Meadows"),
    ("CICERO PD", 14, "District 4 - Maywood"),
    ("BERWYN PD", 10, "District 4 - Maywood"),
    ("MAYWOOD PD", 10, "District 4 - Maywood"),
    ("OAK PARK PD", 8, "District 4 - Maywood"),
    ("BELLWOOD PD", 7, "District 4 - Maywood"),
    ("FRANKLIN PARK PD", 7, "District 4 - Maywood"),
    ("FOREST PARK PD", 6, "District 4 - Maywood"),
    ("OAK LAWN PD", 14, "District 5 - Bridgeview"),
    ("ORLAND PARK PD", 12, "District 5 - Bridgeview"),
    ("CHICAGO RIDGE PD", 8, "District 5 - Bridgeview"),
    ("EVERGREEN PARK PD", 8, "District 5 - Bridgeview"),
    ("BRIDGEVIEW PD", 6, "District 5 - Bridgeview"),
    ("CALUMET CITY PD", 12, "District 6 - Markham"),
    ("CHICAGO HEIGHTS PD", 12, "District 6 - Markham"),
    ("HARVEY PD", 10, "District 6 - Markham"),
    ("PARK FOREST PD", 7, "District 6 - Markham"),
    ("HOMEWOOD PD", 7, "District 6 - Markham"),
    ("MATTESON PD", 7, "District 6 - Markham"),
    ("MARKHAM PD", 5, "District 6 - Markham"),
)

COOK_DISTRICTS: tuple[str, ...] = (
    "District 1 - Chicago", "District 2 - Skokie", "District 3 - Rolling Meadows",
    "District 4 - Maywood", "District 5 - Bridgeview", "District 6 - Markham",
)

#: Other counties: (county, weight, court, agencies).
OTHER_COUNTIES: tuple[tuple[str, int, str, tuple[str, ...]], ...] = (
    ("DuPage", 12, "18th Judicial Circuit - Wheaton",
     ("NAPERVILLE PD", "WHEATON PD", "DUPAGE COUNTY SHERIFF", "ILLINOIS STATE POLICE", "LOMBARD PD")),
    ("Lake", 9, "19th Judicial Circuit - Waukegan",
     ("WAUKEGAN PD", "NORTH CHICAGO PD", "LAKE COUNTY SHERIFF", "ILLINOIS STATE POLICE")),
    ("Will", 9, "12th Judicial Circuit - Joliet",
     ("JOLIET PD", "BOLINGBROOK PD", "WILL COUNTY SHERIFF", "ILLINOIS STATE POLICE")),
)
