"""Adapters: map a source file's columns to the canonical record.

Each adapter turns one raw row into a list of canonical string values aligned
with :data:`~clearterm.domain.record.CANONICAL_FIELDS` (``None`` where the
source has no such column: a stored value is then left alone on update), plus an
optional *group key* and *priority* for sources where one charge can appear on
several rows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from clearterm.domain.record import CANONICAL_FIELDS, REPORT_FIELDS, REQUIRED_FIELDS
from clearterm.domain.dates import DateError, parse_date
from clearterm.ingest.readers import InputError, RawRow, SourceFile
COLUMNS: tuple[str, ...] = CANONICAL_FIELDS
COL = {name: i for i, name in enumerate(COLUMNS)}


class RowProblem(Exception):
    def __init__(self, field: str | None, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass
class Adapter:
    name: str
    present: tuple[bool, ...]  # which canonical columns this file carries
    map_row: Callable[[RawRow], list[str | None]]
    group: Callable[[RawRow], tuple[str, tuple]] | None = None  # (charge key, priority) for dedupe


def _cell(v) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float, str)):
        return str(v)
    raise RowProblem(None, "a value is a nested JSON object or array")


# -- canonical -------------------------------------------------------------------------------
def canonical_adapter(src: SourceFile) -> Adapter:
    header = src.header
    missing = [f for f in REQUIRED_FIELDS if f not in header]
    if missing:
        raise InputError(f"{src.path.name}: missing required column(s): {', '.join(missing)}")
    present = tuple(c in header for c in COLUMNS)
    if src.kind == "csv":
        idx = [header.index(c) if c in header else -1 for c in COLUMNS]

        def map_row(row: RawRow) -> list[str | None]:
            f = row.fields
            return [f[i] if i >= 0 else None for i in idx]
    else:
        def map_row(row: RawRow) -> list[str | None]:
            o = row.obj
            out: list[str | None] = []
            for c, p in zip(COLUMNS, present):
                if c in o:
                    try:
                        out.append(_cell(o[c]))
                    except RowProblem:
                        raise RowProblem(c, f"{c} is a nested JSON value, expected text or a number") from None
                else:
                    out.append("" if c in REQUIRED_FIELDS or p else None)
            return out
    return Adapter("canonical", present, map_row)


# -- CCSAO dispositions / sentencing ------------------------------------------------------------
CCSAO_REQUIRED = (
    "case_id", "case_participant_id", "charge_id", "charge_version_id",
    "disposition_charged_chapter", "disposition_charged_act", "disposition_charged_section",
    "charge_disposition", "disposition_date",
)
DIVERSION_REQUIRED = ("case_id", "case_participant_id", "statute", "diversion_program", "diversion_result")


def _getter(src: SourceFile):
    if src.kind == "csv":
        pos = {h: i for i, h in enumerate(src.header)}

        def get(row: RawRow, key: str) -> str:
            i = pos.get(key)
            return row.fields[i].strip() if i is not None else ""
    else:
        def get(row: RawRow, key: str) -> str:
            return _cell(row.obj.get(key)).strip()
    return get


def _ccsao_statute(chapter: str, act: str, section: str) -> str:
    if not (chapter or act or section):
        return ""
    if chapter and act:
        return f"{chapter} ILCS {act}/{section}"
    return "-".join(x for x in (chapter, act, section) if x)


def ccsao_charges_adapter(src: SourceFile) -> Adapter:
    header = set(src.header)
    missing = [c for c in CCSAO_REQUIRED if c not in header]
    if missing:
        raise InputError(f"{src.path.name}: missing required CCSAO column(s): {', '.join(missing)}")
    get = _getter(src)
    has_sentence = "sentence_type" in header
    carried = {
        "record_id", "case_number", "statute", "disposition", "person_id", "age_at_offense",
        "offense_date", "arrest_date", "disposition_date", "offense_class", "offense_description",
        "county", "court", "arresting_agency", *REPORT_FIELDS,
    }
    if has_sentence:
        carried.add("sentence")
    present = tuple(c in carried for c in COLUMNS)

    def map_row(row: RawRow) -> list[str | None]:
        participant = get(row, "case_participant_id")
        version = get(row, "charge_version_id")
        values: dict[str, str] = {
            "record_id": f"{participant}:{version}" if participant and version else "",
            "case_number": get(row, "case_id"),
            "person_id": participant,
            "statute": _ccsao_statute(
                get(row, "disposition_charged_chapter"),
                get(row, "disposition_charged_act"),
                get(row, "disposition_charged_section"),
            ),
            "offense_class": get(row, "disposition_charged_class"),
            "offense_description": get(row, "disposition_charged_offense_title"),
            "disposition": get(row, "charge_disposition"),
            "disposition_date": get(row, "disposition_date"),
            "offense_date": get(row, "incident_begin_date"),
            "arrest_date": get(row, "arrest_date"),
            "arresting_agency": get(row, "law_enforcement_agency"),
            "age_at_offense": get(row, "age_at_incident"),
            "court": get(row, "court_name"),
            "county": "Cook",
            # equity report only (clearterm report); never in court papers or letters
            "race": get(row, "race"),
            "gender": get(row, "gender"),
            "incident_city": get(row, "incident_city"),
        }
        if has_sentence:
            parts = [get(row, "sentence_type"), get(row, "commitment_type")]
            values["sentence"] = " / ".join(p for p in parts if p)
        return [values.get(c) if p else None for c, p in zip(COLUMNS, present)]

    def group(row: RawRow) -> tuple[str, tuple]:
        key = f"{get(row, 'case_participant_id')}:{get(row, 'charge_id')}"
        current = get(row, "current_sentence").lower() == "true"
        try:
            d = parse_date(get(row, "disposition_date"))
        except DateError:
            d = None
        return key, (current, d.isoformat() if d else "", row.line)

    return Adapter("ccsao", present, map_row, group)


def ccsao_diversion_adapter(src: SourceFile) -> Adapter:
    header = set(src.header)
    missing = [c for c in DIVERSION_REQUIRED if c not in header]
    if missing:
        raise InputError(f"{src.path.name}: missing required CCSAO diversion column(s): {', '.join(missing)}")
    get = _getter(src)
    carried = {"record_id", "case_number", "statute", "disposition", "person_id",
               "disposition_date", "offense_description", "county", "race", "gender"}
    present = tuple(c in carried for c in COLUMNS)

    def map_row(row: RawRow) -> list[str | None]:
        participant = get(row, "case_participant_id")
        count = get(row, "diversion_count") or "1"
        program = get(row, "diversion_program")
        result = get(row, "diversion_result") or "open"
        values = {
            "record_id": f"{participant}:diversion:{count}" if participant else "",
            "case_number": get(row, "case_id"),
            "person_id": participant,
            "statute": get(row, "statute"),
            "offense_description": get(row, "primary_charge_offense_title"),
            # A referral to a diversion program is not a disposition the rules know:
            # it is kept verbatim so the engine routes it to a person, never guessed.
            "disposition": f"Diversion referral ({program}): {result}",
            "disposition_date": get(row, "diversion_closed_date"),
            "county": "Cook",
            "race": get(row, "race"),  # equity report only
            "gender": get(row, "gender"),
        }
        return [values.get(c) if p else None for c, p in zip(COLUMNS, present)]

    return Adapter("ccsao-diversion", present, map_row)


@dataclass(frozen=True)
class AdapterKind:
    """One kind of source file in the registry: how to recognise it and how to build its adapter."""

    name: str
    fmt: str  # the --format value that names it
    build: Callable[[SourceFile], Adapter]
    #: ``--format auto``: the header columns that identify this kind (empty: any header).
    identify: frozenset[str] = frozenset()
    #: ``--format <fmt>``: the header columns that select this kind over the next one of the same format.
    variant: frozenset[str] = frozenset()


#: Tried in order: the first kind that matches the header is the file's.
ADAPTERS: tuple[AdapterKind, ...] = (
    AdapterKind("ccsao-diversion", "ccsao", ccsao_diversion_adapter,
                identify=frozenset({"case_participant_id", "diversion_program"}),
                variant=frozenset({"diversion_program"})),
    AdapterKind("ccsao", "ccsao", ccsao_charges_adapter,
                identify=frozenset({"case_participant_id", "charge_version_id"})),
    AdapterKind("canonical", "canonical", canonical_adapter),
)
FORMATS: tuple[str, ...] = ("auto", *sorted({kind.fmt for kind in ADAPTERS}))


def choose_adapter(src: SourceFile, fmt: str = "auto") -> Adapter:
    """Pick the adapter for ``src``; ``auto`` looks at the header."""
    if fmt not in FORMATS:
        raise InputError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    header = set(src.header)
    for kind in ADAPTERS:
        if fmt == "auto":
            matches = kind.identify <= header
        else:
            matches = kind.fmt == fmt and kind.variant <= header
        if matches:
            return kind.build(src)
    raise AssertionError("the registry ends with a kind that takes any header")  # pragma: no cover
