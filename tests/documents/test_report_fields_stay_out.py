"""The equity report's fields (race, gender, incident city) never reach court papers or letters:
no document model carries them and no template names them (issue 18)."""

from __future__ import annotations

import dataclasses
import re

from clearterm.documents import model
from clearterm.domain.record import REPORT_FIELDS
from conftest import REPO


def test_no_document_model_has_a_report_field():
    classes = [c for c in vars(model).values() if dataclasses.is_dataclass(c)]
    assert len(classes) >= 4
    for cls in classes:
        assert not {f.name for f in dataclasses.fields(cls)} & set(REPORT_FIELDS), cls.__name__


def test_no_template_names_a_report_field():
    files = [p for p in (REPO / "templates").rglob("*") if p.is_file()]
    assert files
    pattern = re.compile(r"\b(" + "|".join(REPORT_FIELDS) + r")\b")
    for p in files:
        text = p.read_text(encoding="utf-8", errors="replace")
        placeholders = re.findall(r"\{[^{}]*\}|\$\w+|\[\[[^\]]*\]\]", text)
        assert not [ph for ph in placeholders if pattern.search(ph)], p.name
