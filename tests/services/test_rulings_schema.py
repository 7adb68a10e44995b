"""schemas/ruling.schema.json describes what ``clearterm rulings import`` accepts (audit of issue 16,
finding 10): the ruling in any case, dates in each form the importer reads.

Rows the importer applies are checked against the schema: by ``jsonschema`` when it is installed,
else by the schema's own keywords (type, required, additionalProperties, enum, format date,
pattern, maxLength, minLength) read with Python's ``re`` (the patterns use no syntax where ECMA-262 and Python differ).
"""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import pytest

from clearterm.services import rulings
from test_lifecycle import D, filed, store  # noqa: F401 (fixtures)

SCHEMA = json.loads((Path(__file__).resolve().parents[2] / "schemas" / "ruling.schema.json").read_text())
TYPES = {"object": dict, "string": str, "integer": int, "null": type(None)}

#: Rows the importer accepts, in the forms it reads (all applied below, in this order).
ACCEPTED = [
    {"case_number": "10CR1", "ruling": "continued", "ruling_date": "2027-01-20", "next_court_date": "2/1/2027",
     "judge": "Hon. A. Judge"},
    {"case_number": "10CR1", "ruling": "DENIED", "ruling_date": "2/1/2027"},
    {"case_number": "15CR5", "person_id": "P5", "ruling": " Granted ", "ruling_date": "20-jan-27",
     "order_number": 2027},
    {"case_number": "98CR8", "ruling": "Stricken", "ruling_date": "2027-01-20 09:30", "batch": None, "judge": None},
    {"case_number": "11CR9", "ruling": "WITHDRAWN", "ruling_date": "01/20/2027 10:00:00 AM"},
]


def _check(value, schema: dict, where: str) -> list[str]:
    """Problems of ``value`` against the keywords this schema uses."""
    types = schema.get("type")
    if types is not None:
        types = [types] if isinstance(types, str) else types
        if not any(isinstance(value, TYPES[t]) and not isinstance(value, bool) for t in types):
            return [f"{where}: type"]
    out = []
    if isinstance(value, dict):
        out += [f"{where}: missing {k}" for k in schema.get("required", []) if k not in value]
        for k, v in value.items():
            if k not in schema["properties"]:
                out += [] if schema.get("additionalProperties", True) else [f"{where}: unknown {k}"]
            else:
                out += _check(v, schema["properties"][k], f"{where}.{k}")
    if "enum" in schema and value not in schema["enum"]:
        out.append(f"{where}: enum")
    if isinstance(value, str):
        if schema.get("format") == "date" and not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
            out.append(f"{where}: format")
        if "pattern" in schema and not re.search(schema["pattern"], value):
            out.append(f"{where}: pattern")
        if len(value) > schema.get("maxLength", len(value)) or len(value) < schema.get("minLength", 0):
            out.append(f"{where}: length")
    return out


def problems(row: dict) -> list[str]:
    try:
        import jsonschema
    except ImportError:
        return _check(row, SCHEMA, "row")
    return [e.message for e in jsonschema.Draft202012Validator(SCHEMA).iter_errors(row)]


def test_rows_the_importer_accepts_are_valid_against_the_schema(store, filed, tmp_path):  # noqa: F811
    path = tmp_path / "accepted.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in ACCEPTED) + "\n", encoding="utf-8")
    res = rulings.import_rulings(store, path, actor="rita", today=date(2027, 2, 5))
    assert (res.applied, res.quarantined) == (len(ACCEPTED), 0)
    for row in ACCEPTED:
        assert problems(row) == [], row


@pytest.mark.parametrize("row", [
    {"case_number": "10CR1", "ruling": "vacated", "ruling_date": "2027-01-20"},
    {"case_number": "10CR1", "ruling": "granted", "ruling_date": "next week"},
    {"case_number": "10CR1", "ruling": "granted", "ruling_date": "2027/01/20"},
    {"case_number": "10CR1", "ruling": "granted"},
    {"case_number": "10CR1", "ruling": "granted", "ruling_date": "2027-01-20", "colour": "red"},
    {"case_number": "10CR1", "ruling": "granted", "ruling_date": "2027-01-20", "judge": "x\x1b[31m"},
    {"case_number": " ", "ruling": "granted", "ruling_date": "2027-01-20"},
])
def test_rows_the_importer_refuses_for_their_form_are_invalid(row, store, filed, tmp_path):  # noqa: F811
    assert problems(row) != []
    path = tmp_path / "refused.jsonl"
    path.write_text(json.dumps(row) + "\n", encoding="utf-8")
    res = rulings.import_rulings(store, path, actor="rita", today=date(2027, 2, 5))
    assert (res.applied, res.quarantined) == (0, 1)  # the importer refuses it too
