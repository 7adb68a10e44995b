"""Reading source files row by row without ever losing one.

A file is read as bytes, line by line, so that one bad line (undecodable bytes,
an unterminated quote, a 10 MB field) costs that line only and never the rest of
the file. Each yielded :class:`RawRow` carries its 1-based starting line number.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import hashlib
import itertools
import json
import re
import zlib
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

MAX_FIELD_CHARS = 65_536
MAX_QUOTED_LINES = 200  # a quoted field may span lines, but not more than this
_SNIFF_BYTES = 4 << 20  # the first 4 MiB of data are checked for the file's encoding
_GZIP_MAGIC = b"\x1f\x8b"
# C0 control characters other than tab, line feed and carriage return, DEL, and the C1 controls
# (U+0080-U+009F: U+009B is a terminal's CSI): never stored, as they can drive a terminal.
_CONTROL_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# A lone UTF-16 surrogate: JSON's \\ud800 escape decodes to one; it is not text and cannot be stored.
_SURROGATE_RE = re.compile("[\ud800-\udfff]")
_KEY_RE = re.compile(r"[a-z0-9_]{1,64}\Z")
#: Reading marks a multi-line CSV record it has yielded as unusable when sent this (see :func:`iter_rows`).
SPLIT = "split"

csv.field_size_limit(2**31 - 1)


class InputError(Exception):
    """The file as a whole cannot be read; nothing is stored. The message names the file."""


class DataStops(InputError):
    """A compressed file ends early or is damaged at ``line``: the rows before it are stored."""

    def __init__(self, name: str, line: int):
        super().__init__(
            f"{name}: the compressed data stops in line {line:,} (the .gz file is truncated or damaged); "
            f"the rows before line {line:,} are stored, nothing after it can be read")
        self.line = line
        self.result = None  # the ingest's result (rows and lines stored before the stop), when known


@dataclass(slots=True)
class RawRow:
    line: int
    fields: list[str] | None  # CSV: the values in header order; JSONL: None; a blank line: []
    obj: dict | None  # JSONL: the decoded object
    problem: tuple[str | None, str] | None  # (field, message) when the row cannot be read
    raw: str
    nlines: int = 1  # the physical lines the row spans (a CSV record with quoted line breaks: more)


class ReadStats:
    """Filled in while a file (or segment) is read: the number of its last physical line."""

    __slots__ = ("last_line",)

    def __init__(self) -> None:
        self.last_line = 0


@dataclass
class SourceFile:
    path: Path
    sha256: str
    size: int
    gzipped: bool
    kind: str  # "csv" or "jsonl"
    header: list[str]  # lower-cased, stripped; for JSONL the keys of the first object
    approx_lines: int = 0  # newline count of a plain file, 0 when unknown (gzip)
    encoding: str = "utf-8"  # the text encoding every line is decoded with (strict)

    @property
    def header_lines(self) -> int:
        """Physical lines before the data: a CSV file's header line; none in JSON Lines."""
        return 1 if self.kind == "csv" else 0

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


def _decode(b: bytes, encoding: str = "utf-8") -> str | None:
    try:
        return b.decode(encoding)
    except UnicodeDecodeError:
        return None


def check_encoding(name: str | None) -> str | None:
    """The codec name for ``--encoding NAME`` (None: UTF-8 with detection of other encodings).

    Lines are split on the byte ``\\n`` and fields on ``,`` and ``"``, so only encodings that
    spell ASCII as ASCII (UTF-8, cp1252, latin-1, ...) are accepted.
    """
    if name is None:
        return None
    try:
        info = codecs.lookup(name)
    except LookupError:
        raise InputError(f"unknown encoding {name!r}; use for example utf-8, cp1252 or latin-1") from None
    probe = '\n\r,";{}[]az09'
    try:
        same = probe.encode(info.name) == probe.encode("ascii") and b"\n".decode(info.name) == "\n"
    except (UnicodeError, LookupError):
        same = False
    if not same or info.name == "utf-7":  # UTF-7 also decodes "+2AA-" to a lone surrogate
        raise InputError(f"encoding {name!r} is not supported (it does not spell ASCII as ASCII);"
                         " use for example utf-8, cp1252 or latin-1")
    return info.name


def _read_head(src: SourceFile, name: str) -> bytes:
    """Up to :data:`_SNIFF_BYTES` of data; a truncated .gz gives what it holds (its rows are read later)."""
    out = bytearray()
    try:
        with src.open_binary() as fh:
            while len(out) < _SNIFF_BYTES:
                block = fh.read1(min(1 << 16, _SNIFF_BYTES - len(out)))
                if not block:
                    break
                out += block
    except (OSError, EOFError, zlib.error) as exc:
        if not out:
            raise InputError(f"{name}: cannot be read as gzip ({exc})") from None
    return bytes(out)


def open_source(path: str | Path, encoding: str | None = None) -> SourceFile:
    """Check that ``path`` is a readable CSV or JSON Lines file and read its header.

    Raises :class:`InputError` (naming the file) for a missing file, binary or
    undecodable content, or a file that is neither CSV nor JSON Lines.

    ``encoding`` None: the file must be UTF-8, and a file that looks like it was written in
    another encoding is refused whole (see :func:`_check_utf8`); a name: every line is decoded
    with that encoding, and a line it cannot decode is quarantined.
    """
    p = Path(path)
    name = p.name
    codec = check_encoding(encoding)
    if not p.is_file():
        raise InputError(f"{name}: no such file")
    sha, size, lines = _hash_file(p)
    with open(p, "rb") as fh:
        gz = fh.read(2) == _GZIP_MAGIC
    src = SourceFile(p, sha, size, gz, "csv", [], 0 if gz else lines, codec or "utf-8")
    head = _read_head(src, name)
    if head.startswith(b"\xef\xbb\xbf"):
        head = head[3:]
    if not head.strip():
        raise InputError(f"{name}: the file is empty")
    lines = head.split(b"\n")
    if len(head) == _SNIFF_BYTES and len(lines) > 1:
        lines = lines[:-1]  # the last line may be cut mid-character
    first = lines[0]
    first_text = _decode(first, src.encoding)
    if first_text is None or "\x00" in first_text:
        hint = "" if codec else ": if it was saved as cp1252 or latin-1, use --encoding cp1252"
        raise InputError(f"{name}: line 1 is not {_enc_label(src.encoding)} text (binary data or another"
                         f" encoding{hint}); expected CSV or JSON Lines")
    # Binary data: NUL bytes, which text in no encoding holds. (Bytes that are merely not UTF-8
    # are an encoding question, answered by _check_utf8; other control characters cost their row.)
    binary = sum(1 for ln in lines[:200] if b"\x00" in ln)
    undecodable = sum(1 for ln in lines[:200] if _decode(ln, src.encoding) is None) if codec else 0
    if max(binary, undecodable) * 2 > min(len(lines), 200):
        raise InputError(f"{name}: mostly undecodable or binary content; expected {_enc_label(src.encoding)}"
                         " CSV or JSON Lines")
    if codec is None:
        _check_utf8(name, lines)
    stripped = first_text.strip()
    if stripped.startswith("{"):
        src.kind = "jsonl"
        # The columns are the keys of the first line that is a JSON object: a first line that
        # is one bad row (nested too deeply, a 5,000-digit number) is quarantined like any other.
        for ln in lines[:200]:
            try:
                obj = json.loads(_decode(ln, src.encoding) or "")
            except (ValueError, RecursionError):
                continue
            if isinstance(obj, dict):
                src.header = [str(k).strip().lower() for k in obj]
                return src
        raise InputError(f"{name}: line 1 is not a valid JSON object, nor any line after it; expected JSON Lines")
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
        dupes = sorted({_key_name(h) or "(a name with other characters)" for h in src.header
                        if src.header.count(h) > 1})
        raise InputError(f"{name}: duplicate column(s) in header: {', '.join(dupes)}")
    return src


def _enc_label(encoding: str) -> str:
    return "UTF-8" if encoding == "utf-8" else encoding


#: With no ``--encoding``, a file is refused as "not UTF-8" when, in its first 4 MiB, at least
#: this many lines are not valid UTF-8 and they are not outnumbered by lines holding valid
#: UTF-8 text beyond ASCII (accented names): a spreadsheet's cp1252 export. One stray byte in
#: a UTF-8 file stays one quarantined row.
ENCODING_MIN_BAD_LINES = 2


def _check_utf8(name: str, lines: list[bytes]) -> None:
    bad: list[int] = []
    utf8 = 0
    for n, ln in enumerate(lines, start=1):
        if ln.isascii():
            continue
        try:
            ln.decode("utf-8")
            utf8 += 1
        except UnicodeDecodeError:
            bad.append(n)
    if len(bad) >= ENCODING_MIN_BAD_LINES and len(bad) >= utf8:
        raise InputError(
            f"{name}: not UTF-8 text: {len(bad):,} of the first {len(lines):,} lines are not valid UTF-8"
            f" (the first is line {bad[0]:,}); if the file was saved as cp1252 or latin-1 (a spreadsheet"
            " export), rerun with --encoding cp1252 (or --encoding utf-8 to quarantine such lines one by one)")


def _bad_text(text: str) -> str | None:
    if "\x00" in text:
        return "contains binary data (NUL bytes)"
    if _CONTROL_RE.search(text):
        return "contains control characters (binary data or terminal escapes?)"
    return None


def bad_text_field(src: SourceFile, row: RawRow) -> str | None:
    """The column of a CSV row refused whole for control characters (``row.problem`` with no
    field) that holds them: the first such column by the header, or None when the line cannot be
    split into the header's columns. Rulings and petitions imports name it in their quarantine."""
    if src.kind != "csv" or not row.problem or row.problem[0] is not None or not _CONTROL_RE.search(row.raw):
        return None
    try:
        fields = next(csv.reader([row.raw]))
    except (csv.Error, StopIteration):
        return None
    if len(fields) != len(src.header):
        return None
    return next((h for h, v in zip(src.header, fields) if _CONTROL_RE.search(v)), None)


def named_problem(src: SourceFile, row: RawRow) -> tuple[str | None, str]:
    """``row.problem`` (field, message), the field named by :func:`bad_text_field` when the reader
    could not name it (the message then starts with it)."""
    field, message = row.problem
    if field is None:
        field = bad_text_field(src, row)
        if field is not None:
            message = f"{field} {message}"
    return field, message


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


def iter_rows(src: SourceFile, segment: Segment | None = None,
              stats: ReadStats | None = None) -> Iterator[RawRow]:
    """Every data row of the file (or of one segment), good or bad, with its line number.

    A blank line comes as a row with ``fields == []`` (it is not a row: the caller counts it).
    Physical lines are counted on ``\\n``; the number of the last one read goes into ``stats``.

    A CSV record that spans lines (a quoted line break) comes as one row with ``nlines > 1``. A
    caller that cannot use such a record (a value fails validation) sends :data:`SPLIT` back
    (``rows.send(SPLIT)``, which returns the next row): the record's first line is then the
    caller's to quarantine, and its other lines are read again, each as the start of a row.
    So a stray quote never takes good rows with it. Raises :class:`DataStops` where a
    compressed file ends early.
    """
    if src.kind == "jsonl":
        return _iter_jsonl(src, segment, stats)
    return _iter_csv(src, segment, stats)


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


def _physical_lines(src: SourceFile, segment: Segment | None,
                    stats: ReadStats | None = None) -> Iterator[tuple[int, bytes]]:
    """Every physical line with its number (the first line too), limited to ``segment``."""
    n = segment.line - 1 if segment is not None else 0
    try:
        with src.open_binary() as fh:
            if segment is None:
                if src.gzipped:
                    yield from _gz_lines(src, fh, stats)
                    return
                counter = itertools.count(1)
                yield from zip(counter, fh)  # (C-level iteration: the common path, kept fast)
                n = next(counter) - 2  # zip drew one number more before it saw the end of the file
                return
            fh.seek(segment.start)
            left = segment.end - segment.start if segment.end is not None else None
            for n, b in enumerate(fh, start=segment.line):
                if left is not None:
                    if left <= 0:
                        n -= 1
                        return
                    left -= len(b)
                yield n, b
    finally:
        if stats is not None and not src.gzipped:
            stats.last_line = n


def _gz_lines(src: SourceFile, fh, stats: ReadStats | None) -> Iterator[tuple[int, bytes]]:
    lines = iter(fh)
    n = 0
    while True:
        try:
            b = next(lines)
        except StopIteration:
            break
        except (EOFError, OSError, zlib.error):
            raise DataStops(src.path.name, n + 1) from None
        n += 1
        if stats is not None:
            stats.last_line = n
        yield n, b


def _iter_jsonl(src: SourceFile, segment: Segment | None = None,
                stats: ReadStats | None = None) -> Iterator[RawRow]:
    # The first line is data too in JSON Lines.
    enc = src.encoding
    label = _enc_label(enc)
    for n, b in _physical_lines(src, segment, stats):
        b = b.rstrip(b"\r\n")
        if n == 1 and b.startswith(b"\xef\xbb\xbf"):
            b = b[3:]
        if not b.strip():
            yield RawRow(n, [], None, None, "")
            continue
        try:
            text = b.decode(enc)
        except UnicodeDecodeError:
            yield RawRow(n, None, None, (None, f"not valid {label} text"), b.decode(enc, "replace"))
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
        except RecursionError:
            yield RawRow(n, None, None, (None, "not usable JSON (nested too deeply)"), text[:2000])
            continue
        except ValueError:  # a number of more than 4,300 digits (Python's limit)
            yield RawRow(n, None, None, (None, "not usable JSON (a number with too many digits)"), text[:2000])
            continue
        if not isinstance(obj, dict):
            yield RawRow(n, None, None, (None, "not a JSON object"), text)
            continue
        if "\\" in text:  # only an escape (\u0000, \b, \ud800) can make a control character or a surrogate
            problem = _bad_json_text(obj)
            if problem:
                yield RawRow(n, None, None, problem, text)
                continue
        out = {str(k).strip().lower(): v for k, v in obj.items()}
        if len(out) != len(obj):
            yield RawRow(n, None, None, (None, _twin_keys(obj)), text)
            continue
        yield RawRow(n, None, out, None, text)


def _key_name(key: str) -> str | None:
    k = key.strip().lower()
    return k if _KEY_RE.match(k) else None


def _bad_json_text(obj: dict) -> tuple[str | None, str] | None:
    """(field, message) for a key or a top-level text value holding a control character or a lone
    surrogate (nested values are refused later, when the row is mapped)."""
    for k, v in obj.items():
        for text, what in ((k, "a key"), (v, None)):
            if not isinstance(text, str):
                continue
            field = None if what else _key_name(k)
            name = what or (field or "a value")
            if _SURROGATE_RE.search(text):
                return field, f"{name} is not valid text (a lone UTF-16 surrogate escape)"
            if _CONTROL_RE.search(text):
                return field, f"{name} contains control characters (binary data or terminal escapes?)"
    return None


def _twin_keys(obj: dict) -> str:
    seen: dict[str, int] = {}
    for k in obj:
        key = str(k).strip().lower()
        seen[key] = seen.get(key, 0) + 1
    twins = [k for k, c in seen.items() if c > 1]
    shown = _key_name(twins[0]) if twins else None
    what = f"keys for {shown}" if shown else "two keys"
    return f"ambiguous row: {what} differ only in case or spaces"


def _iter_csv(src: SourceFile, segment: Segment | None = None,
              stats: ReadStats | None = None) -> Iterator[RawRow]:
    """CSV rows; a quoted field may span lines.

    A line with an odd number of quotes opens a multi-line record. If the joined record
    cannot be read (an unterminated quote swallowed the lines after it, or one of its lines is
    not text), a line inside it has the shape of a whole row (as many commas as the header: a
    second stray quote closed the first), or the caller sends :data:`SPLIT` for it, only its
    first line is a (quarantined) row and the following lines are read again on their own, so
    one stray quote costs one row.
    """
    width = len(src.header)
    enc = src.encoding
    lines = (
        (n, b.rstrip(b"\r\n")) for n, b in _physical_lines(src, segment, stats) if n != 1
    )
    pushed: deque[tuple[int, bytes]] = deque()

    def next_line() -> tuple[int, bytes] | None:
        if pushed:
            return pushed.popleft()
        return next(lines, None)

    while (item := next_line()) is not None:
        n, b = item
        if b.count(b'"') % 2 == 0:
            yield _csv_row(n, b, width, enc)
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
        if quotes % 2 == 0 and not (width >= 3 and any(x.count(b",") >= width - 1 for _, x in acc[1:-1])):
            # (a line wholly inside the quoted field with the shape of a whole row, as many commas as
            # the header: two stray quotes framing good rows, never a real record's text)
            row = _csv_row(n, b"\n".join(x for _, x in acc), width, enc)
            row.nlines = len(acc)
            if row.problem is None:
                if (yield row) == SPLIT:
                    pushed.extendleft(reversed(acc[1:]))
                continue
        first = _csv_row(n, b, width, enc)  # the line alone: is it text at all?
        if first.problem is None or first.problem[1].startswith(("expected ", "malformed CSV")):
            first = RawRow(n, None, None, (None, UNTERMINATED), b.decode(enc, "replace")[:2000])
        first.fields = None
        yield first
        pushed.extendleft(reversed(acc[1:]))


UNTERMINATED = ("unterminated quoted field: the quote opened on this line closes no valid record"
                " (a stray quote?); the lines after it are read on their own")


def _csv_row(n: int, b: bytes, width: int, enc: str = "utf-8") -> RawRow:
    try:
        text = b.decode(enc)
    except UnicodeDecodeError:
        return RawRow(n, None, None, (None, f"not valid {_enc_label(enc)} text"), b.decode(enc, "replace")[:2000])
    if _CONTROL_RE.search(text):
        return RawRow(n, None, None, (None, _bad_text(text) or "binary data"), text[:2000])
    if not text.strip():
        return RawRow(n, [], None, None, "")  # blank line, dropped by the caller
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
