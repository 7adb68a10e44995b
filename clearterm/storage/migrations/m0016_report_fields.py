"""Migration 0016: the equity report's optional record fields (issue 18).

``records.race``, ``records.gender`` and ``records.incident_city``: as the source records them
(the CCSAO extracts carry them). Only ``clearterm report`` reads them, to count by group; the
rules never read them and no court paper or letter prints them.

Released: never edited; a change is a new migration.
"""

from __future__ import annotations

NAME = "0016_report_fields"

#: The columns this migration adds to ``records``, in order.
REPORT_COLUMNS_0016: tuple[tuple[str, str], ...] = (
    ("race", "TEXT"), ("gender", "TEXT"), ("incident_city", "TEXT"),
)


def migrate(db) -> None:
    db.executescript("".join(f"ALTER TABLE records ADD COLUMN {name} {typ};\n"
                             for name, typ in REPORT_COLUMNS_0016))
