"""Reading source files row by row without ever losing one.

A file is read as bytes, line by line, so that one bad line (undecodable bytes,
an unterminated quote, a 10 MB field) costs that line only and never the rest of
the file. Each yielded :class:`RawRow` carries its 1-based starting line number.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import json
import re
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

MAX_FIELD_CHARS = 65_536
MAX_QUOTED_LINES = 200  # a quoted field may span lines, but not more than this
_SNIFF_BYTES = 64 * 1024
_GZIP_MAGIC = b"\x1f\x8b"
_CONTROL_RE = re.compile(r"[\x01-\x08\x0b\x0c\x0e-\x1f\x7f]")

csv.field_size_limit(2**31 - 1)


class InputError(Exception):
    """The file as a whole cannot be read; nothing is stored. The message names the file."""


@dataclass(slots=True)
class RawRow:
    line: int
    fields: list[str] | None  # CSV: the values in header order; JSONL: None
    obj: dict | None  # JSONL: the decoded object
    problem: tuple[str | None, str] | None  # (field, message) when the row cannot be read
    raw: str


@dataclass
class SourceFile:
    path: Path
    sha256: str
    size: int
    gzipped: bool
    kind: str  # "csv" or "jsonl"
    header: list[str]  # lower-cased, stripped; for JSONL the keys of the first object
    approx_lines: int = 0  # newline count of a plain file, 0 when unknown (gzip)

    def open_binary(self):
        raw = open(self.path, "rb")  # noqa: SIM115 - closed by caller
        return gzip.GzipFile(fileobj=raw, mode="rb") if self.gzipped else raw


def _hash_file(path: Path) -> tuple[str, int, int]:
    """sha256, size in bytes and number of newlines (a progress estimate)."""
    h = hashlib.sha256()
    size = lines = 0
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            h.update(chunk)
            size += len(chunk)
            lines += chunk.count(b"\n")
    return h.hexdigest(), size, lines


def _decode(b: bytes) -> str | None:
    try:
        return b.decode("utf-8")
    except UnicodeDecodeError:
        return None


def open_source(path: str | Path) -> SourceFile:
    """Check that ``path`` is a readable CSV or JSON Lines file and read its header.

    Raises :class:`InputError` (naming the file) for a missing file, binary or
    undecodable content, or a file that is neither CSV nor JSON Lines.
    """
    p = Path(path)
    name = p.name
    if not p.is_file():
        raise InputError(f"{name}: no such file")
    sha, size, lines = _hash_file(p)
    with open(p, "rb") as fh:
        gz = fh.read(2) == _GZIP_MAGIC
    src = SourceFile(p, sha, size, gz, "csv", [], 0 if gz else lines)
    try:
        with src.open_binary() as fh:
            head = fh.read(_SNIFF_BYTES)
    except (OSError, EOFError) as exc:
        raise InputError(f"{name}: cannot be read as gzip ({exc})") from None
    if head.startswith(b"\xef\xbb\xbf"):
        head = head[3:]
    if not head.strip():
        raise InputError(f"{name}: the file is empty")
    lines = head.split(b"\n")
    if len(head) == _SNIFF_BYTES and len(lines) > 1:
        lines = lines[:-1]  # the last line may be cut mid-character
    first = lines[0]
    first_text = _decode(first)
    if first_text is None or "\x00" in first_text:
        raise InputError(
            f"{name}: not UTF-8 text (binary data or another encoding); expected CSV or JSON Lines"
        )
    bad = sum(1 for ln in lines[:200] if _decode(ln) is None or b"\x00" in ln)
    if bad * 2 > min(len(lines), 200):
        raise InputError(f"{name}: mostly undecodable or binary content; expected UTF-8 CSV or JSON Lines")
    stripped = first_text.strip()
    if stripped.startswith("{"):
        src.kind = "jsonl"
        try:
            obj = json.loads(stripped)
        except json.JSONDecodeError:
            raise InputError(f"{name}: line 1 is not valid JSON; expected JSON Lines") from None
        if not isinstance(obj, dict):
            raise InputError(f"{name}: line 1 is not a JSON object; expected JSON Lines")
        src.header = [str(k).strip().lower() for k in obj]
        return src
    if stripped.startswith("[") or stripped.startswith("<") or stripped.startswith("%PDF"):
        raise InputError(f"{name}: not CSV or JSON Lines (looks like a JSON array, XML/HTML or PDF)")
    header = next(csv.reader([first_text.lstrip("\ufeff")]))
    if len(header) == 1:
        for delim, label in ((";", "semicolons"), ("\t", "tabs"), ("|", "pipes")):
            if delim in header[0]:
                raise InputError(
                    f"{name}: the header is separated by {label}; expected comma-separated values"
                )
    src.header = [h.strip().lower() for h in header]
    if len(set(src.header)) != len(src.header):
        dupes = sorted({h for h in src.header if src.header.count(h) > 1})
        raise InputError(f"{name}: duplicate column(s) in header: {', '.join(dupes)}")
    return src


def _bad_text(text: str) -> str | None:
    if "\x00" in text:
        return "contains binary data (NUL bytes)"
    if _CONTROL_RE.search(text):
        return "contains control characters (binary data?)"
    return None


@dataclass(frozen=True)
class Segment:
    """A part of a plain file that starts at a record boundary: bytes [start, end), first line number."""

    start: int
    line: int
    end: int | None  # None: to the end of the file


def iter_lines(src: SourceFile, segment: Segment | None = None) -> Iterator[tuple[int, bytes]]:
    """(line number, bytes without the line ending) for every physical line after the header."""
    for n, b in _physical_lines(src, segment):
        if n != 1:
            yield n, b.rstrip(b"\r\n")


def iter_rows(src: SourceFile, segment: Segment | None = None) -> Iterator[RawRow]:
    """Every data row of the file (or of one segment), good or bad, with its line number.

    Blank lines are skipped.
    """
    if src.kind == "jsonl":
        yield from _iter_jsonl(src, segment)
    else:
        yield from _iter_csv(src, segment)


def split_segments(src: SourceFile, parts: int) -> list[Segment]:
    """Cut a plain (not gzipped) file into ``parts`` segments that each start at a record boundary.

    JSON Lines: any line starts a record. CSV: a quoted field may span lines, so a cut is made only
    where it cannot fall inside a record: a record that starts on a line with an odd number of
    quotes joins the following lines until the quotes balance, and never more than
    :data:`MAX_QUOTED_LINES` lines in all (an unbalanced record is cut back to its first line and
    the rest re-read). A record that starts before a run of ``MAX_QUOTED_LINES`` lines with an even
    number of quotes therefore ends before the run's last line, and no line of the run opens a
    record: the run's last line starts a record whatever came before. Where no such run exists
    near a cut, the file gets fewer segments.
    """
    if src.gzipped or parts < 2 or src.size == 0:
        return [Segment(0, 1, None)]
    cuts: list[tuple[int, int]] = []  # (byte offset, line number) of each later segment's first line
    with open(src.path, "rb") as fh:
        for k in range(1, parts):
            target = src.size * k // parts
            if cuts and target <= cuts[-1][0]:
                continue
            fh.seek(target)
            fh.readline()  # to the start of the next line
            pos = fh.tell()
            even_run = 0
            found = None
            while True:
                b = fh.readline()
                if not b:
                    break
                if src.kind == "jsonl" or b.count(b'"') % 2 == 0:
                    even_run += 1
                    if src.kind == "jsonl" or even_run >= MAX_QUOTED_LINES:
                        found = pos
                        break
                else:
                    even_run = 0
                pos += len(b)
                if pos - target > (64 << 20):  # no safe place within 64 MB: give up on this cut
                    break
            if found is not None and found > 0:
                cuts.append((found, 0))
        if not cuts:
            return [Segment(0, 1, None)]
        # line numbers: count the newlines before each cut
        fh.seek(0)
        numbered: list[tuple[int, int]] = []
        pos = newlines = 0
        for offset, _ in cuts:
            while pos < offset:
                block = fh.read(min(1 << 20, offset - pos))
                if not block:
                    break
                newlines += block.count(b"\n")
                pos += len(block)
            numbered.append((offset, newlines + 1))
    starts = [(0, 1)] + numbered
    ends = [off for off, _ in numbered] + [None]
    return [Segment(off, line, end) for (off, line), end in zip(starts, ends)]


def _physical_lines(src: SourceFile, segment: Segment | None) -> Iterator[tuple[int, bytes]]:
    """Every physical line with its number (the first line too), limited to ``segment``."""
    with src.open_binary() as fh:
        if segment is None:
            yield from enumerate(fh, start=1)
            return
        fh.seek(segment.start)
        left = segment.end - segment.start if segment.end is not None else None
        for n, b in enumerate(fh, start=segment.line):
            if left is not None:
                if left <= 0:
                    return
                left -= len(b)
            yield n, b


def _iter_jsonl(src: SourceFile, segment: Segment | None = None) -> Iterator[RawRow]:
    # The first line is data too in JSON Lines.
    for n, b in _physical_lines(src, segment):
        b = b.rstrip(b"\r\n")
        if n == 1 and b.startswith(b"\xef\xbb\xbf"):
            b = b[3:]
        if not b.strip():
            continue
        text = _decode(b)
        if text is None:
            yield RawRow(n, None, None, (None, "not valid UTF-8 text"), b.decode("utf-8", "replace"))
            continue
        problem = _bad_text(text)
        if problem:
            yield RawRow(n, None, None, (None, problem), text)
            continue
        try:
            obj = json.loads(text)
        except json.JSONDecodeError as exc:
            yield RawRow(n, None, None, (None, f"not valid JSON ({exc.msg} at column {exc.colno})"), text)
            continue
        if not isinstance(obj, dict):
            yield RawRow(n, None, None, (None, "not a JSON object"), text)
            continue
        yield RawRow(n, None, {str(k).strip().lower(): v for k, v in obj.items()}, None, text)


def _iter_csv(src: SourceFile, segment: Segment | None = None) -> Iterator[RawRow]:
    """CSV rows; a quoted field may span lines.

    A line with an odd number of quotes opens a multi-line record. If the joined
    record does not parse to the header's width (an unterminated quote swallowed
    the lines after it), only its first line is quarantined and the following
    lines are read again on their own, so one stray quote costs one row.
    """
    width = len(src.header)
    lines = iter_lines(src, segment)
    pushed: deque[tuple[int, bytes]] = deque()

    def next_line() -> tuple[int, bytes] | None:
        if pushed:
            return pushed.popleft()
        return next(lines, None)

    while (item := next_line()) is not None:
        n, b = item
        if b.count(b'"') % 2 == 0:
            yield _csv_row(n, b, width)
            continue
        acc = [item]
        quotes = b.count(b'"')
        size = len(b)
        while quotes % 2 and len(acc) < MAX_QUOTED_LINES and size <= 4 * MAX_FIELD_CHARS * width:
            more = next_line()
            if more is None:
                break
            acc.append(more)
            quotes += more[1].count(b'"')
            size += len(more[1])
        if quotes % 2 == 0:
            row = _csv_row(n, b"\n".join(x for _, x in acc), width)
            if row.problem is None or not row.problem[1].startswith(("expected ", "malformed CSV")):
                yield row
                continue
        yield RawRow(n, None, None, (None, "unterminated quoted field"), b.decode("utf-8", "replace")[:2000])
        pushed.extendleft(reversed(acc[1:]))


def _csv_row(n: int, b: bytes, width: int) -> RawRow:
    text = _decode(b)
    if text is None:
        return RawRow(n, None, None, (None, "not valid UTF-8 text"), b.decode("utf-8", "replace")[:2000])
    if not text.strip():
        return RawRow(n, [], None, None, "")  # blank line, dropped by the caller
    if "\x00" in text or _CONTROL_RE.search(text):
        return RawRow(n, None, None, (None, _bad_text(text) or "binary data"), text[:2000])
    if '"' not in text:
        fields = text.split(",")  # no quoting: identical to what the csv module would read
    else:
        try:
            fields = next(csv.reader([text], strict=True))
        except csv.Error as exc:
            return RawRow(n, None, None, (None, f"malformed CSV ({exc})"), text[:2000])
    if len(fields) != width:
        hint = ""
        if len(fields) == 1 and any(d in text for d in (";", "\t", "|")):
            hint = " (wrong delimiter?)"
        elif len(fields) < width:
            hint = " (truncated line?)"
        return RawRow(n, None, None,
                      (None, f"expected {width} fields, found {len(fields)}{hint}"), text[:2000])
    return RawRow(n, fields, None, None, text if len(text) <= 2000 else text[:2000])
