"""The published JSON Schema, the docs and the canonical record agree."""

from __future__ import annotations

import json
import re

from clearterm.domain.record import CANONICAL_FIELDS, PII_FIELDS, REQUIRED_FIELDS
from conftest import REPO


def test_schema_matches_record():
    schema = json.loads((REPO / "schemas" / "charge-record.schema.json").read_text())
    assert list(schema["properties"]) == list(CANONICAL_FIELDS)
    assert schema["required"] == list(REQUIRED_FIELDS)
    assert {k for k, v in schema["properties"].items() if v.get("x-personal-data")} == PII_FIELDS


def test_docs_list_every_header():
    doc = (REPO / "docs" / "canonical-format.md").read_text()
    for f in CANONICAL_FIELDS:
        assert f"`{f}`" in doc, f


def test_ruling_schema_matches_the_rulings_import():
    from clearterm.services.rulings import COLUMNS, REQUIRED
    from clearterm.storage.lifecycle import RULINGS

    schema = json.loads((REPO / "schemas" / "ruling.schema.json").read_text())
    assert list(schema["properties"]) == list(COLUMNS)
    assert schema["required"] == list(REQUIRED)
    assert all(re.search(schema["properties"]["ruling"]["pattern"], r) for r in RULINGS)  # any case: test_rulings_schema
    doc = (REPO / "docs" / "lifecycle.md").read_text()
    for f in COLUMNS:
        assert f"`{f}`" in doc, f
