"""Reading stored records back as domain :class:`ChargeRecord` objects."""

from __future__ import annotations

from datetime import date
from typing import get_type_hints

from clearterm.domain.record import CANONICAL_FIELDS, ChargeRecord


def _sql_type(hint) -> str:
    if hint is str:
        return "TEXT NOT NULL"
    return {int | None: "INTEGER", float | None: "REAL"}.get(hint, "TEXT")


#: The ``records`` table's canonical columns and their types, from :class:`ChargeRecord`
#: (a change to the record needs a new migration: ``tests/test_migrations.py`` checks they agree).
RECORD_COLUMNS: dict[str, str] = {
    name: _sql_type(hint) for name, hint in get_type_hints(ChargeRecord).items() if name in CANONICAL_FIELDS
}
COLUMNS: tuple[str, ...] = CANONICAL_FIELDS
SELECT_COLUMNS = ", ".join(f"r.{c}" for c in COLUMNS)
_DATE_IDX = tuple(i for i, c in enumerate(COLUMNS) if c in ("date_of_birth", "offense_date", "arrest_date", "disposition_date"))
_fromiso = date.fromisoformat


def _record_builder():
    """``record_from_row``, built once: the record's slots set directly, one line per field.

    A frozen dataclass's ``__init__`` goes through ``object.__setattr__`` once per field; setting
    the slots through their descriptors makes the same immutable record in half the time, which
    matters when evaluation reads a million of them. The function is generated (as dataclasses
    generate ``__init__``) so that there is no loop over the fields per record.
    """
    env = {"_new": object.__new__, "_Record": ChargeRecord, "_fromiso": _fromiso}
    lines = ["def record_from_row(row):",
             '    """A ChargeRecord from a row whose first values are COLUMNS in order (more are ignored)."""',
             "    rec = _new(_Record)"]
    for i, name in enumerate(COLUMNS):
        env[f"_set_{name}"] = getattr(ChargeRecord, name).__set__
        value = f"_fromiso(row[{i}]) if row[{i}] else row[{i}]" if i in _DATE_IDX else f"row[{i}]"
        lines.append(f"    _set_{name}(rec, {value})")
    lines.append("    return rec")
    exec("\n".join(lines), env)  # noqa: S102 - generated from the field names above, no outside input
    return env["record_from_row"]


record_from_row = _record_builder()


def load_record(conn, record_id: str) -> ChargeRecord | None:
    row = conn.execute(f"SELECT {SELECT_COLUMNS} FROM records r WHERE r.record_id = ?", (record_id,)).fetchone()
    return None if row is None else record_from_row(row)


def load_co_charges(conn, record: ChargeRecord) -> list[ChargeRecord]:
    """The other charges the case-level steps count for ``record``: those of its case (same person
    and case number) and, under its case number, those with no person id (for a record with no
    person id, every other charge under the number)."""
    rows = conn.execute(
        f"SELECT {SELECT_COLUMNS} FROM records r WHERE r.case_number = ? AND r.record_id != ?"
        " AND (? = '' OR coalesce(r.person_id, '') IN (?, '')) ORDER BY r.id",
        (record.case_number, record.record_id, record.person_id or "", record.person_id or "")).fetchall()
    return [record_from_row(r) for r in rows]


def load_case_records(conn, case_number: str, person_id: str) -> list[ChargeRecord]:
    rows = conn.execute(
        f"SELECT {SELECT_COLUMNS} FROM records r WHERE r.case_number = ? AND coalesce(r.person_id, '') = ?"
        " ORDER BY r.id", (case_number, person_id)).fetchall()
    return [record_from_row(r) for r in rows]
