"""Reading stored records back as domain :class:`ChargeRecord` objects."""

from __future__ import annotations

from datetime import date

from clearterm.domain.record import ChargeRecord
from clearterm.storage.migrations import RECORD_COLUMNS

COLUMNS = tuple(RECORD_COLUMNS)
SELECT_COLUMNS = ", ".join(f"r.{c}" for c in COLUMNS)
_DATE_IDX = tuple(i for i, c in enumerate(COLUMNS) if c in ("date_of_birth", "offense_date", "arrest_date", "disposition_date"))
_fromiso = date.fromisoformat
# The record's slot setters, in COLUMNS order. A frozen dataclass's __init__ goes through
# object.__setattr__ once per field; setting the slots directly builds the same immutable
# record in half the time, which matters when evaluation reads a million of them.
_SETTERS = tuple(getattr(ChargeRecord, c).__set__ for c in COLUMNS)
_DATE_SETTERS = tuple((i, _SETTERS[i]) for i in _DATE_IDX)
_new = object.__new__


def record_from_row(row) -> ChargeRecord:
    """A ChargeRecord from a row whose first values are :data:`COLUMNS` in order (more are ignored)."""
    rec = _new(ChargeRecord)
    for put, value in zip(_SETTERS, row):
        put(rec, value)
    for i, put in _DATE_SETTERS:
        if row[i]:
            put(rec, _fromiso(row[i]))
    return rec


def load_record(conn, record_id: str) -> ChargeRecord | None:
    row = conn.execute(f"SELECT {SELECT_COLUMNS} FROM records r WHERE r.record_id = ?", (record_id,)).fetchone()
    return None if row is None else record_from_row(row)


def load_case_records(conn, case_number: str, person_id: str) -> list[ChargeRecord]:
    rows = conn.execute(
        f"SELECT {SELECT_COLUMNS} FROM records r WHERE r.case_number = ? AND coalesce(r.person_id, '') = ?"
        " ORDER BY r.id", (case_number, person_id)).fetchall()
    return [record_from_row(r) for r in rows]
