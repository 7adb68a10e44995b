"""The adapter registry: which adapter a header and a --format choose."""

from __future__ import annotations

import pytest

from clearterm.ingest.adapters import ADAPTERS, FORMATS, choose_adapter
from clearterm.ingest.readers import InputError, open_source

CANONICAL = "record_id,case_number,statute,disposition\nR1,C1,720 ILCS 550/4(a),Dismissed\n"
CHARGES = ("case_id,case_participant_id,charge_id,charge_version_id,disposition_charged_chapter,"
           "disposition_charged_act,disposition_charged_section,charge_disposition,disposition_date\n"
           "1,2,3,4,720,550,4(a),Nolle,01/02/2011\n")
DIVERSION = ("case_id,case_participant_id,statute,diversion_program,diversion_result\n"
             "1,2,720 ILCS 550/4(a),DS,Graduated\n")


def _src(tmp_path, name, text):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return open_source(p)


@pytest.mark.parametrize(("text", "fmt", "expected"), [
    (CANONICAL, "auto", "canonical"), (CHARGES, "auto", "ccsao"), (DIVERSION, "auto", "ccsao-diversion"),
    (CANONICAL, "canonical", "canonical"), (CHARGES, "ccsao", "ccsao"), (DIVERSION, "ccsao", "ccsao-diversion"),
])
def test_header_and_format_choose_the_adapter(tmp_path, text, fmt, expected):
    assert choose_adapter(_src(tmp_path, "f.csv", text), fmt).name == expected


def test_an_explicit_format_does_not_fall_back_to_another(tmp_path):
    with pytest.raises(InputError, match="missing required CCSAO column"):
        choose_adapter(_src(tmp_path, "f.csv", CANONICAL), "ccsao")
    with pytest.raises(InputError, match="missing required column"):
        choose_adapter(_src(tmp_path, "f.csv", CHARGES), "canonical")


def test_formats_come_from_the_registry(tmp_path):
    assert FORMATS == ("auto", "canonical", "ccsao")
    assert {k.fmt for k in ADAPTERS} == set(FORMATS) - {"auto"}
    with pytest.raises(InputError, match="unknown format 'xml'; choose one of auto, canonical, ccsao"):
        choose_adapter(_src(tmp_path, "f.csv", CANONICAL), "xml")
