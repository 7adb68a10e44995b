"""The ingest pipeline: every row ends stored exactly once or quarantined.

Rows are processed in chunks; each chunk's records, quarantine entries and the
source's counters are committed in one transaction, so a run killed at any
moment resumes from its last committed chunk when the same command is rerun.

Reconciliation, of rows and of physical lines (docs/canonical-format.md):
``rows_read = inserted + updated + unchanged + quarantined`` and
``lines = header + lines stored + lines quarantined + blank lines``, where a row's lines are the
physical lines it spans (one, or more for a CSV record with quoted line breaks) and "lines
stored" are those of rows inserted, updated or unchanged. ``lines`` is counted by the reader,
independently of the rows, so the second sum proves that no line was skipped.

Where one charge appears on several rows of a file (CCSAO sentencing), those rows
are applied in priority order (not-current first; the current sentence, else the
latest disposition, last), so the chosen row is the record and the others are
kept in ``record_history``.

Both cores are used on large files: a forked producer process reads, maps and
validates rows while this process binds and writes them to SQLite.
"""

from __future__ import annotations

import sys
import time
from collections import Counter, deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date

from clearterm.domain.dates import utc_now_iso
from clearterm.services.bulk import gc_paused, produced, produced_by_many
from clearterm.ingest.adapters import COL, COLUMNS, Adapter, RowProblem, choose_adapter
from clearterm.ingest.readers import (
    SPLIT,
    DataStops,
    RawRow,
    ReadStats,
    Segment,
    SourceFile,
    iter_rows,
    open_source,
    split_segments,
)
from clearterm.ingest.validate import validate
from clearterm.storage import sources
from clearterm.storage.staging import Staging
from clearterm.storage.store import Store

CHUNK_ROWS = 10_000
COMMIT_ROWS = 100_000
STAGED_CHUNK_ROWS = 50_000
PRODUCERS = 2  # producer processes for a large plain file (reading and validating outweigh writing)
SEGMENT_MIN_BYTES = 32 << 20  # rows per staged chunk (one transaction each) on the parallel path
COMMIT_SECONDS = 1.0  # ...or sooner: other writers (reviewers) wait no longer than this
PARALLEL_MIN_BYTES = 4 << 20  # below this, a producer process costs more than it saves
_N = len(COLUMNS)
_RID = COL["record_id"]
assert tuple(COLUMNS) == tuple(sources.COLUMNS)  # the rows handed to storage.sources are in its order
# An item is (line, values, field, message, raw, nlines): values is the typed canonical row
# (a list aligned with COLUMNS), or None for a quarantined row with field/message/raw; nlines is
# the number of physical lines the row spans.
Item = tuple


@dataclass
class IngestResult:
    file_name: str
    sha256: str
    source_id: int
    format: str
    rows_read: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    quarantined: int = 0
    already: bool = False
    resumed: bool = False
    # physical lines: ``lines`` (all, counted by the reader; None until the run is complete)
    # = header_lines + lines_stored + lines_quarantined + blank_lines
    lines: int | None = None
    header_lines: int = 0
    blank_lines: int = 0
    row_lines: int = 0  # the lines of every row read
    lines_quarantined: int = 0
    stopped_line: int | None = None  # a compressed file's data stops in this line
    encoding: str = "utf-8"

    @property
    def lines_stored(self) -> int:
        """Lines of rows inserted, updated or unchanged."""
        return self.row_lines - self.lines_quarantined

    @property
    def balanced(self) -> bool:
        rows = self.rows_read == self.inserted + self.updated + self.unchanged + self.quarantined
        if self.lines is None:
            return rows
        return rows and self.lines == (self.header_lines + self.lines_stored + self.lines_quarantined
                                       + self.blank_lines)

    def summary(self) -> str:
        head = (f"{self.file_name}: read {self.rows_read:,} = inserted {self.inserted:,} + updated "
                f"{self.updated:,} + unchanged {self.unchanged:,} + quarantined {self.quarantined:,}")
        if self.already:
            head += f"  (already ingested as source {self.source_id}; nothing changed)"
        elif self.resumed:
            head += "  (resumed an interrupted run)"
        if self.lines is not None:
            head += (f"\n{self.file_name}: lines {self.lines:,} = header {self.header_lines:,} + stored "
                     f"{self.lines_stored:,} + quarantined {self.lines_quarantined:,} + blank {self.blank_lines:,}")
        return head


# -- producing items (runs in the producer process for large files) ---------------------------
def _item(adapter: Adapter, row: RawRow, today_iso: str) -> Item:
    if row.problem:
        return (row.line, None, row.problem[0], row.problem[1], row.raw, row.nlines)
    try:
        values = validate(adapter.map_row(row), today_iso)
    except RowProblem as p:
        return (row.line, None, p.field, p.message, row.raw, row.nlines)
    except Exception as exc:  # noqa: BLE001 - any failure on one row costs that row only
        # (the exception's text may quote the value: only its type is kept)
        return (row.line, None, None, f"the row cannot be read ({type(exc).__name__})", row.raw, row.nlines)
    return (row.line, values, None, "", "", row.nlines)


def _read(src: SourceFile, adapter: Adapter, today_iso: str, segment: Segment | None,
          stats: ReadStats) -> Iterator[tuple[RawRow, Item | None]]:
    """(row, item) for every row of the file or segment (blank lines too, as ``fields == []``).

    A record that spans lines is validated at once (item given, else None): when it fails, only
    its first line is quarantined and its other lines are read again on their own, so a stray
    quote that joined good rows into one bad record costs one line, not the rows it swallowed.
    """
    rows = iter_rows(src, segment, stats)
    verdict = None
    while True:
        try:
            row = next(rows) if verdict is None else rows.send(verdict)
        except StopIteration:
            return
        verdict = None
        if row.nlines == 1:
            yield row, None
            continue
        item = _item(adapter, row, today_iso)
        if item[1] is not None:
            yield row, item
            continue
        verdict = SPLIT
        last = row.line + row.nlines - 1
        message = (f"{item[3]} (in a record over lines {row.line:,}-{last:,}: this first line is quarantined,"
                   " the lines after it are read on their own)")
        first = row.raw.split("\n", 1)[0]
        yield (RawRow(row.line, None, None, (item[2], message), first),
               (row.line, None, item[2], message, first, 1))


def produce(src: SourceFile, adapter: Adapter, lines_done: int, today_iso: str,
            chunk_rows: int, stage: Staging | None = None,
            segment: Segment | None = None) -> Iterator[tuple[str, object, int]]:
    """Yield ("chunk", (items, blank_lines), last_line) in file order, then
    ("groups", (items, blank_lines, last_physical_line, stopped_line), last_line).

    Rows at or before ``lines_done`` were committed by an interrupted run and are
    skipped, except rows of charges that appear more than once: those are always
    applied together, in the final transaction. Blank lines are counted with the chunk they
    fall in (those at or before ``lines_done`` were counted by the interrupted run).
    ``stopped_line``: where a compressed file's data stops (the rows before it are yielded).

    With ``stage``, a chunk's valid rows go into the staging file instead, and the message is
    ("staged", (first_rowid, last_rowid, quarantined_items, lines_of_staged_rows, blank_lines),
    last_line). With ``segment`` (files without repeated charges only), only that part of the
    file is read.
    """
    emit = _stager(stage) if stage is not None else (lambda chunk, blanks, last: ("chunk", (chunk, blanks), last))
    dup_keys: set[str] = set()
    if adapter.group is not None:
        counts: Counter[str] = Counter()
        try:
            for row, _ in _read(src, adapter, today_iso, None, ReadStats()):
                if row.problem is None and row.fields != []:
                    counts[adapter.group(row)[0]] += 1
        except DataStops:
            pass  # the rows before it are counted; the reading pass below stops there too
        dup_keys = {k for k, c in counts.items() if c > 1}
        del counts
    groups: dict[str, list[tuple[tuple, RawRow, Item | None]]] = {}
    chunk: list[Item] = []
    last_line = lines_done
    blanks = 0  # blank lines since the last chunk (those at or before lines_done were counted before)
    stats = ReadStats()
    stopped: int | None = None
    try:
        for row, item in _read(src, adapter, today_iso, segment, stats):
            if row.fields == []:  # a blank line is not a row
                if row.line > lines_done:
                    blanks += 1
                continue
            if dup_keys and row.problem is None:
                key, prio = adapter.group(row)
                if key in dup_keys:
                    groups.setdefault(key, []).append((prio, row, item))
                    continue
            if row.line <= lines_done:
                continue
            chunk.append(item or _item(adapter, row, today_iso))
            last_line = row.line
            if len(chunk) >= chunk_rows:
                yield emit(chunk, blanks, last_line)
                chunk = []
                blanks = 0
    except DataStops as exc:
        stopped = exc.line
    if chunk:
        yield emit(chunk, blanks, last_line)
        blanks = 0
    ordered = [item or _item(adapter, row, today_iso)
               for key in sorted(groups) for _prio, row, item in sorted(groups[key], key=lambda x: x[0])]
    yield "groups", (ordered, blanks, stats.last_line, stopped), last_line


STAGE_SCHEMA = sources.STAGE_SCHEMA


def _stager(stage: Staging):
    """A chunk emitter that writes the chunk's valid rows to the staging file (producer side)."""
    conn = stage.connect()

    def emit(chunk: list[Item], blanks: int, last_line: int) -> tuple[str, tuple, int]:
        good = [(it[0], it[5], *it[1]) for it in chunk if it[1] is not None]
        bad = [it for it in chunk if it[1] is None]
        hi = lo = 0
        if good:
            hi = sources.stage_rows(conn, good)
            lo = hi - len(good) + 1
        good_lines = len(good) + sum(g[1] - 1 for g in good if g[1] != 1)
        return "staged", (lo, hi, bad, good_lines, blanks), last_line

    return emit


def produce_segment(index: int, src: SourceFile, adapter: Adapter, today_iso: str, chunk_rows: int,
                    stage: Staging, segment: Segment) -> Iterator[tuple[int, str, object, int]]:
    """:func:`produce` over one segment, each message tagged with the segment, then an "end"."""
    last = segment.line
    for kind, payload, last in produce(src, adapter, 0, today_iso, chunk_rows, stage, segment):
        yield index, kind, payload, last
    yield index, "end", None, last


def _messages(src: SourceFile, adapter: Adapter, lines_done: int, today_iso: str, chunk_rows: int,
              stage: Staging | None) -> Iterator[tuple[str, object, int]]:
    return produced(produce, (src, adapter, lines_done, today_iso, chunk_rows, stage), parallel=stage is not None,
                    what=f"reading {src.path.name}")


# -- writing --------------------------------------------------------------------------------
class _Writer:
    """Applies chunks to the store, committing every ``commit_rows`` rows or :data:`COMMIT_SECONDS`.

    Each commit carries the source's counters and ``lines_done``, so a killed run resumes from
    the last commit. Commits are spaced out because records arrive in file order while the
    record_id and case indexes take them at random places: every commit rewrites most of those
    index pages into the write-ahead log, so fewer, larger commits write far less.
    """

    def __init__(self, store: Store, src: SourceFile, adapter: Adapter, result: IngestResult,
                 commit_rows: int = COMMIT_ROWS):
        self.store = store
        self.src = src
        self.r = result
        self.present = adapter.present
        self.full = all(adapter.present)
        self.commit_rows = commit_rows
        self._tx = None  # the open write transaction (a Store.write() context), if any
        self._saved: tuple = ()  # the counters as of the last commit
        self._pending = 0
        self._since = 0.0

    def _counters(self) -> tuple:
        r = self.r
        return (r.rows_read, r.inserted, r.updated, r.unchanged, r.quarantined,
                r.blank_lines, r.row_lines, r.lines_quarantined)

    def _begin(self):
        if self._tx is None:
            self._saved = self._counters()
            self._tx = self.store.write()
            self._tx.__enter__()
            self._since = time.monotonic()
        return self.store.conn

    def commit(self) -> None:
        if self._tx is not None:
            tx, self._tx = self._tx, None
            self._pending = 0
            tx.__exit__(None, None, None)

    def abort(self, exc_info) -> None:
        """Roll back the open transaction and the counters with it."""
        if self._tx is not None:
            tx, self._tx = self._tx, None
            r = self.r
            (r.rows_read, r.inserted, r.updated, r.unchanged, r.quarantined,
             r.blank_lines, r.row_lines, r.lines_quarantined) = self._saved
            tx.__exit__(*exc_info)

    def _existing(self, conn, ids: list[str]) -> dict[str, tuple]:
        return sources.stored_records(conn, ids)

    def _merge(self, values: list, old: tuple) -> list:
        """Columns this file does not carry keep their stored value."""
        if self.full:
            return values
        return [v if p else old[i] for i, (v, p) in enumerate(zip(values, self.present))]

    def _history(self, conn, old: tuple, why: str) -> None:
        sources.insert_history(conn, old, replaced_by=self.r.source_id, at=utc_now_iso(), why=why)

    def write(self, items: list[Item], lines_done: int, *, grouped: bool = False, finish: bool = False,
              blanks: int = 0, lines: int | None = None, stopped: int | None = None) -> None:
        """Apply one chunk (in the open transaction; committed every ``commit_rows`` and at the end).

        ``blanks``: blank lines read with the chunk; ``lines`` (with ``finish``): the number of
        the file's last physical line read; ``stopped``: the line where a compressed file's data
        stops.

        New records are inserted optimistically (``ON CONFLICT DO NOTHING``); only
        rows that conflicted with a stored record are looked up and compared, so a
        fresh load does no per-row lookups.
        """
        r = self.r
        sid = r.source_id
        fname = self.src.path.name
        conn = self._begin()
        try:
            quarantine: list[tuple] = []
            r.rows_read += len(items)
            r.row_lines += sum(it[5] for it in items)
            r.blank_lines += blanks
            good: list[Item] = []
            seen: dict[str, int] = {}
            for it in items:
                if it[1] is None:
                    quarantine.append((sid, fname, it[0], it[2], it[3], it[4][:2000], it[5]))
                    continue
                rid = it[1][_RID]
                if not grouped:
                    first = seen.get(rid)
                    if first is not None:
                        quarantine.append((sid, fname, it[0], "record_id",
                                           f"record_id repeats line {first:,} of this file", "", it[5]))
                        continue
                    seen[rid] = it[0]
                good.append(it)
            if grouped:
                self._apply_slowly(conn, good, quarantine, grouped=True)
            elif good:
                inserted = sources.insert_new_records(conn, [(*it[1], sid, it[0]) for it in good])
                r.inserted += inserted
                if inserted != len(good):
                    # Some records were known: find them (their stored line is not ours).
                    mine = {it[1][_RID]: it for it in good}
                    existing = self._existing(conn, list(mine))
                    known = [mine[rid] for rid, row in existing.items()
                             if not (row[_N + 1] == sid and row[_N + 2] == mine[rid][0])]
                    self._apply_slowly(conn, known, quarantine, grouped=False, existing=existing)
            self._close_chunk(conn, quarantine, lines_done, finish, lines, stopped)
        except BaseException:
            self.abort(sys.exc_info())
            raise
        self._pending += len(items)
        if finish or self._pending >= self.commit_rows or time.monotonic() - self._since >= COMMIT_SECONDS:
            self.commit()

    def _close_chunk(self, conn, quarantine: list[tuple], lines_done: int, finish: bool,
                     lines: int | None = None, stopped: int | None = None) -> None:
        """Store the chunk's quarantined rows and the source's counters (in the chunk's transaction)."""
        r = self.r
        r.quarantined += len(quarantine)
        if quarantine:
            r.lines_quarantined += sum(q[6] for q in quarantine)
            sources.insert_quarantine(conn, [q[:6] for q in quarantine])
        if finish:
            r.lines = lines if lines is not None else 0
            r.stopped_line = stopped
        sources.update_source(
            conn, r.source_id, lines_done=lines_done, rows_read=r.rows_read, inserted=r.inserted, updated=r.updated,
            unchanged=r.unchanged, quarantined=r.quarantined, status="complete" if finish else "running",
            finished_at=utc_now_iso() if finish else None, blank_lines=r.blank_lines, lines_stored=r.lines_stored,
            lines_quarantined=r.lines_quarantined, lines_read=r.lines, stopped_line=r.stopped_line)

    def write_staged(self, lo: int, hi: int, bad: list[Item], good_lines: int, blanks: int, lines_done: int,
                     alias: str = "stage") -> None:
        """Apply one staged chunk: staging rows ``lo``..``hi`` plus the chunk's quarantined rows.

        One ``INSERT ... SELECT`` copies the new records (in file order, so a record_id's first
        row wins); rows that met a stored record (an update, or a repeat within this file) are
        then read back and applied one by one, exactly as :meth:`write` does.
        """
        r = self.r
        sid = r.source_id
        fname = self.src.path.name
        conn = self._begin()
        try:
            quarantine = [(sid, fname, it[0], it[2], it[3], it[4][:2000], it[5]) for it in bad]
            staged = hi - lo + 1 if hi else 0
            r.rows_read += staged + len(bad)
            r.row_lines += good_lines + sum(it[5] for it in bad)
            r.blank_lines += blanks
            if staged:
                visible = sources.staged_count(conn, alias, lo, hi)
                if visible != staged:  # never silently lose a row: the handoff itself is checked
                    raise RuntimeError(f"staged rows {lo}-{hi}: {visible} of {staged} readable")
                inserted = sources.copy_staged(conn, alias, sid, lo, hi)
                r.inserted += inserted
                if inserted != staged:
                    met = sources.staged_met(conn, alias, sid, lo, hi)
                    known = [(row[0], list(row[2:]), None, "", "", row[1]) for row in met]
                    self._apply_slowly(conn, known, quarantine, grouped=False)
            self._close_chunk(conn, quarantine, lines_done, False)
        except BaseException:
            self.abort(sys.exc_info())
            raise
        # A staged chunk is large already: commit it on its own, so the attached staging file
        # is read afresh by the next chunk's transaction.
        self.commit()

    def _apply_slowly(self, conn, items: list[Item], quarantine: list[tuple], *, grouped: bool,
                      existing: dict[str, tuple] | None = None) -> None:
        """Rows whose record may already be stored: insert, update (with history), or unchanged."""
        r = self.r
        sid = r.source_id
        fname = self.src.path.name
        if existing is None:
            existing = self._existing(conn, [it[1][_RID] for it in items]) if items else {}
        for line, values, _f, _m, _raw, nlines in items:
            rid = values[_RID]
            old = existing.get(rid)
            if old is None:
                sources.insert_record(conn, (*values, sid, line))
                existing[rid] = (*values, 1, sid, line)
                r.inserted += 1
                continue
            if not grouped and old[_N + 1] == sid:
                quarantine.append((sid, fname, line, "record_id",
                                   f"record_id repeats line {old[_N + 2]:,} of this file", "", nlines))
                continue
            merged = self._merge(values, old)
            if tuple(merged) == old[:_N]:
                r.unchanged += 1
                continue
            self._history(conn, old, f"replaced by line {line} of {fname}")
            sources.update_record(conn, (*merged, sid, line, rid))
            existing[rid] = (*merged, old[_N] + 1, sid, line)
            r.updated += 1


def _start(store: Store, src: SourceFile, adapter: Adapter) -> tuple[IngestResult, int]:
    row = sources.source_by_sha256(store.conn, src.sha256)
    if row is None:
        with store.write() as conn:
            sid = sources.insert_source(conn, file_name=src.path.name, sha256=src.sha256, size_bytes=src.size,
                                        fmt=adapter.name, started_at=utc_now_iso(), header_lines=src.header_lines,
                                        encoding=src.encoding)
        res = IngestResult(src.path.name, src.sha256, sid, adapter.name, header_lines=src.header_lines,
                           encoding=src.encoding)
        return res, 0
    (sid, status, read, ins, upd, unch, quar, lines_done, header, blank, lstored, lquar, lines,
     stopped, encoding) = row
    res = IngestResult(src.path.name, src.sha256, sid, adapter.name, read, ins, upd, unch, quar,
                       lines=lines, header_lines=src.header_lines if header is None else header,
                       blank_lines=blank or 0, row_lines=(lstored or 0) + (lquar or 0),
                       lines_quarantined=lquar or 0, stopped_line=stopped, encoding=encoding or "utf-8")
    if status == "complete":
        res.already = True
    else:
        res.resumed = True
    return res, lines_done


def ingest_file(
    store: Store,
    path,
    fmt: str = "auto",
    *,
    today: date,
    progress: Callable[[int], None] | None = None,
    chunk_rows: int | None = None,
    parallel: bool | None = None,
) -> IngestResult:
    """Ingest one file (a path, or a :class:`SourceFile` already opened and checked) into ``store``.

    ``today`` bounds dates (later ones are quarantined).

    Raises :class:`~clearterm.ingest.readers.InputError` before writing anything
    when the file as a whole cannot be read. ``parallel`` (default: files over
    4 MiB) reads in a producer process.
    """
    src = path if isinstance(path, SourceFile) else open_source(path)
    adapter = choose_adapter(src, fmt)
    result, lines_done = _start(store, src, adapter)
    if result.already:
        if result.stopped_line:
            raise _stopped(src, result)
        return result
    if parallel is None:
        parallel = src.size >= PARALLEL_MIN_BYTES
    writer = _Writer(store, src, adapter, result)
    segments = _segments(src, adapter, lines_done) if parallel else []
    if len(segments) > 1:
        _ingest_segments(store, src, adapter, writer, segments, today.isoformat(), chunk_rows, progress)
        return result
    stage = Staging(store.path, "ingest", STAGE_SCHEMA) if parallel else None
    try:
        if stage is not None:
            stage.attach(store.conn)
        with gc_paused():
            if chunk_rows is None:
                chunk_rows = STAGED_CHUNK_ROWS if stage is not None else CHUNK_ROWS
            for kind, payload, last in _messages(src, adapter, lines_done, today.isoformat(), chunk_rows, stage):
                if kind == "staged":
                    writer.write_staged(*payload, last)
                elif kind == "chunk":
                    writer.write(payload[0], last, blanks=payload[1])
                else:
                    items, blanks, lines, stopped = payload
                    writer.write(items, last, grouped=True, finish=True, blanks=blanks, lines=lines, stopped=stopped)
                if progress:
                    progress(last)
        writer.commit()
        if result.stopped_line:
            raise _stopped(src, result)
    except BaseException:
        writer.abort(sys.exc_info())
        raise
    finally:
        if stage is not None:
            stage.detach(store.conn)
            stage.remove()
    return result


def _stopped(src: SourceFile, result: IngestResult) -> DataStops:
    exc = DataStops(src.path.name, result.stopped_line or 0)
    exc.result = result
    return exc


def _segments(src: SourceFile, adapter: Adapter, lines_done: int) -> list[Segment]:
    """How to split a large file between producers: only a fresh run of a plain file whose rows
    are independent (no charge repeated over several rows to group), and big enough to gain."""
    if lines_done or adapter.group is not None or src.gzipped or src.size < SEGMENT_MIN_BYTES:
        return []
    return split_segments(src, PRODUCERS)


def _ingest_segments(store: Store, src: SourceFile, adapter: Adapter, writer: _Writer,
                     segments: list[Segment], today_iso: str, chunk_rows: int | None,
                     progress: Callable[[int], None] | None) -> None:
    """Several producers, one per segment, each staging into its own scratch file.

    The writer applies the chunks strictly in file order (all of the first segment's, then the
    next one's), buffering the messages (not the rows, which wait in the scratch files) of
    producers that run ahead. So ``lines_done`` keeps meaning "every row up to here is stored",
    and a killed run resumes exactly as a single-producer run does.
    """
    stages = [Staging(store.path, f"ingest{i}", STAGE_SCHEMA) for i in range(len(segments))]
    chunk_rows = chunk_rows or STAGED_CHUNK_ROWS
    waiting: list[deque] = [deque() for _ in segments]
    current = 0
    try:
        for i, st in enumerate(stages):
            st.attach(store.conn, f"stage{i}")
        args = [(i, src, adapter, today_iso, chunk_rows, st, seg) for i, (st, seg) in enumerate(zip(stages, segments))]
        with gc_paused():
            for message in produced_by_many(produce_segment, args, what=f"reading {src.path.name}"):
                waiting[message[0]].append(message)
                while current < len(segments) and waiting[current]:
                    index, kind, payload, last = waiting[current].popleft()
                    if kind == "end":
                        current += 1
                        continue
                    if kind == "staged":
                        writer.write_staged(*payload, last, alias=f"stage{index}")
                    elif kind == "groups":
                        items, blanks, lines, stopped = payload
                        assert not items and stopped is None, "segments: plain files without grouped rows only"
                        if index == len(segments) - 1:
                            writer.write([], last, grouped=True, finish=True, blanks=blanks, lines=lines)
                        else:
                            writer.write([], last, blanks=blanks)
                    if progress:
                        progress(last)
        writer.commit()
    except BaseException:
        writer.abort(sys.exc_info())
        raise
    finally:
        for i, st in enumerate(stages):
            st.detach(store.conn, f"stage{i}")
            st.remove()
