"""Listing commands' output: ``--format table|csv|json``, one code path for every listing.

``table`` is a Rich table for people; on a terminal it fits the terminal, and in a pipe or a file
nothing is cut (each column as wide as its widest cell). ``csv`` has a header row and cells
through :func:`clearterm.domain.text.csv_row` (formulas neutralised), booleans as ``true`` and
``false`` (as in JSON); a listing of several tables is still one CSV table: its first column,
``section``, is the table's key (the JSON key), then every table's columns in order of first
appearance, empty where a column is not that table's. ``json`` is one array of objects for a listing of one table, else an object keyed by each
table's key. An empty listing says so in words in a table (and is ``[]`` or a header only in
JSON and CSV, so scripts need no special case). In ``csv`` and ``json`` the lines a command says
around its tables go to standard error (:func:`prose_to_stderr`). Nothing from the data drives a
terminal: JSON escapes every control character (``\\u001b``, ``\\u009b``: the same text to a JSON
reader), and CSV cells on a terminal go through :func:`clearterm.domain.text.safe_text`.
"""

from __future__ import annotations

import csv
import json
import re
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from enum import Enum
from typing import Annotated

import typer

from clearterm.cli.common import out, say
from clearterm.domain.text import csv_row, safe_text


#: What json.dumps leaves as it is but a terminal interprets (C1 controls, bidirectional
#: overrides, line separators: clearterm.domain.text): written as \\uXXXX escapes, which any JSON
#: reader turns back into the same text.
_UNSAFE_IN_JSON = re.compile("[\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029\ud800-\udfff]")


class OutputFormat(str, Enum):
    table = "table"
    csv = "csv"
    json = "json"


#: The ``--format`` option of every listing command.
FormatOption = Annotated[OutputFormat, typer.Option(
    "--format", help="table (for people), csv or json (for tools).", case_sensitive=False)]


@dataclass
class Listing:
    """One table of a listing: its key (JSON), title (table, CSV), columns and rows. Cells are
    kept as typed (ints stay ints in JSON); ``empty`` is said when there are no rows."""

    key: str
    title: str
    columns: Sequence[str]
    rows: list[Sequence[object]] = field(default_factory=list)
    empty: str = "nothing to show"
    #: Names of the columns in JSON and CSV when the table's headings are abbreviated.
    keys: Sequence[str] | None = None
    #: Columns whose numbers are ids: shown without thousands separators (``--after 12345``).
    plain: frozenset[str] = frozenset()
    #: Options of the Rich table (``box``, ``show_edge``...).
    style: dict = field(default_factory=dict)

    @property
    def names(self) -> list[str]:
        """The columns' names in JSON and CSV: ``keys``, else the headings, spaces as ``_``."""
        return list(self.keys or [c.replace(" ", "_") for c in self.columns])


def _cell(value: object, plain: bool = False) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int) and not plain:
        return f"{value:,}"
    return str(value)


def _table(listing: Listing) -> None:
    from rich.table import Table

    if not listing.rows:  # every empty listing reads "Title: lower-case words", no full stop
        say(f"{listing.title}: {listing.empty.rstrip('.')}")
        return
    t = Table(*listing.columns, title=listing.title, **listing.style)
    plain = [c in listing.plain for c in listing.columns]
    cells = [[_cell(v, p) for v, p in zip(row, plain)] for row in listing.rows]
    for row in cells:
        t.add_row(*row)
    print_table(t)


def print_table(table) -> None:
    """Print a Rich table on standard output: on a terminal it fits the terminal; in a pipe or a
    file nothing is cut or wrapped (each column as wide as its widest cell, the title whole)."""
    if out.is_terminal:
        out.print(table)
        return
    from rich.cells import cell_len
    from rich.measure import Measurement

    saved = out.width
    out.width = 1 << 16  # measure unconstrained
    try:
        title = cell_len(str(table.title or ""))
        if title > Measurement.get(out, out.options, table).maximum:
            table.min_width = title  # a title is laid out in the table's width: make room for it whole
        width = Measurement.get(out, out.options, table).maximum
        out.width = max(width, saved)  # print(width=) is capped at the console's width: widen it
        out.print(table, crop=False, width=width)
    finally:
        out.width = saved


@contextmanager
def prose_to_stderr(fmt: OutputFormat) -> Iterator[None]:
    """In ``csv`` and ``json`` the lines a listing command says around its tables (summaries,
    "more: --after N") go to standard error, so standard output is the data alone."""
    if fmt is OutputFormat.table:
        yield
        return
    saved = out._file  # None: whatever sys.stdout is when printing (CliRunner swaps it)
    out.file = sys.stderr
    try:
        yield
    finally:
        out.file = saved


def emit(listings: Sequence[Listing], fmt: OutputFormat = OutputFormat.table) -> None:
    """Print ``listings`` in ``fmt`` on standard output."""
    if fmt is OutputFormat.json:
        def objects(listing: Listing) -> list[dict]:
            return [dict(zip(listing.names, row)) for row in listing.rows]
        doc = objects(listings[0]) if len(listings) == 1 else {x.key: objects(x) for x in listings}
        text = json.dumps(doc, ensure_ascii=False, indent=1, default=str)
        sys.stdout.write(_UNSAFE_IN_JSON.sub(lambda m: f"\\u{ord(m.group()):04x}", text) + "\n")
        return
    if fmt is OutputFormat.csv:
        shown = safe_text if sys.stdout.isatty() else str  # on a terminal no cell drives it; in a pipe, as stored

        def cell(v: object) -> object:
            if v is None:
                return ""
            if isinstance(v, bool):
                return "true" if v else "false"  # as in JSON
            return shown(v) if isinstance(v, str) else v

        writer = csv.writer(sys.stdout, lineterminator="\n")
        if len(listings) == 1:
            writer.writerow(csv_row(listings[0].names))
            for row in listings[0].rows:
                writer.writerow(csv_row(cell(v) for v in row))
            return
        # Several tables: one CSV all the same, its first column the table's key (as in JSON), then
        # every table's columns in order of appearance; a cell of another table's column is empty.
        columns: list[str] = []
        for listing in listings:
            columns += [n for n in listing.names if n not in columns]
        writer.writerow(csv_row(["section", *columns]))
        for listing in listings:
            at = [columns.index(n) for n in listing.names]
            for row in listing.rows:
                cells: list[object] = [""] * len(columns)
                for i, v in zip(at, row):
                    cells[i] = cell(v)
                writer.writerow(csv_row([listing.key, *cells]))
        return
    for listing in listings:
        _table(listing)
