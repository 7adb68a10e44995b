"""``clearterm rulings import``: the Clerk's or courtroom's list of rulings, CSV or JSON Lines.

Columns (``schemas/ruling.schema.json``, ``docs/lifecycle.md``): ``batch`` (label, optional),
``case_number``, ``person_id`` (optional; needed when the case number has several defendants),
``ruling`` (granted, denied, continued, stricken, withdrawn), ``ruling_date``, ``judge``
(optional), ``next_court_date`` (continued only), ``order_number`` (optional).

The guarantees of ``ingest``: the file is read with the ingest readers (:mod:`clearterm.ingest.readers`:
every physical line, a bad line costs that line only) and recorded as a source of kind
``rulings``; every row is applied, found already applied (the same ruling again), or
quarantined with its line, field and reason (``clearterm quarantine``); the line reconciliation
``lines = header + lines stored + lines quarantined + blank lines`` is stored with the source.
Rows go in chunks, each one write transaction holding its rulings, quarantine entries, the
refreshed ``case_lifecycle`` rows, the source's counters and one ``rulings_imported`` audit entry
(with a SHA-256 over the rulings it applied); a run killed at any moment resumes from its last
chunk when rerun, and the same file again (``sources.sha256`` is unique) changes nothing.
Each row is checked by :func:`clearterm.services.lifecycle.check_ruling`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from clearterm.domain.dates import utc_now_iso
from clearterm.ingest.readers import (
    SPLIT, InputError, RawRow, ReadStats, SourceFile, iter_rows, named_problem, open_source,
)
from clearterm.services import lifecycle as life
from clearterm.storage import audit
from clearterm.storage import lifecycle as sl
from clearterm.storage import sources
from clearterm.storage.audit import canonical, sha256_hex
from clearterm.storage.store import Store

COLUMNS = ("batch", "case_number", "person_id", "ruling", "ruling_date", "judge", "next_court_date",
           "order_number")
REQUIRED = ("case_number", "ruling", "ruling_date")
CHUNK_ROWS = 5_000


@dataclass
class RulingsImportResult:
    file_name: str
    sha256: str
    source_id: int
    rows_read: int = 0
    applied: int = 0
    unchanged: int = 0  # the same ruling was recorded already
    quarantined: int = 0
    lines: int | None = None  # every physical line (None until complete)
    header_lines: int = 0
    blank_lines: int = 0
    row_lines: int = 0
    lines_quarantined: int = 0
    already: bool = False
    resumed: bool = False

    @property
    def lines_stored(self) -> int:
        return self.row_lines - self.lines_quarantined

    @property
    def balanced(self) -> bool:
        rows = self.rows_read == self.applied + self.unchanged + self.quarantined
        if self.lines is None:
            return rows
        return rows and self.lines == self.header_lines + self.lines_stored + self.lines_quarantined + self.blank_lines

    def summary(self) -> str:
        head = (f"{self.file_name}: read {self.rows_read:,} = applied {self.applied:,} + already recorded "
                f"{self.unchanged:,} + quarantined {self.quarantined:,}")
        if self.already:
            head += f"  (already imported as source {self.source_id}; nothing changed)"
        elif self.resumed:
            head += "  (resumed an interrupted run)"
        if self.lines is not None:
            head += (f"\n{self.file_name}: lines {self.lines:,} = header {self.header_lines:,} + stored "
                     f"{self.lines_stored:,} + quarantined {self.lines_quarantined:,} + blank {self.blank_lines:,}")
        return head


def open_rulings(path: str | Path, encoding: str | None = None) -> SourceFile:
    """The file checked as a rulings file: readable, CSV or JSON Lines; a CSV header must hold the
    required columns and no unknown one (:class:`InputError` naming the file, nothing stored)."""
    src = open_source(path, encoding)
    if src.kind == "csv":
        unknown = [c for c in src.header if c not in COLUMNS]
        missing = [c for c in REQUIRED if c not in src.header]
        if unknown:
            raise InputError(f"{src.path.name}: line 1: unknown column(s) {', '.join(unknown)}; a rulings file has "
                             + ", ".join(COLUMNS))
        if missing:
            raise InputError(f"{src.path.name}: line 1: missing column(s) {', '.join(missing)}")
    return src


# -- one row -----------------------------------------------------------------------------------------
def _values(src: SourceFile, row: RawRow) -> dict[str, str | None]:
    """The row's columns as text (None: empty); :class:`RulingProblem` for a malformed row."""
    if src.kind == "csv":
        data = dict(zip(src.header, row.fields or []))
    else:
        data = row.obj or {}
        for key in data:
            if key not in COLUMNS:
                raise life.RulingProblem(None, "the row has an unknown key (" + ", ".join(COLUMNS) + " only)")
    out: dict[str, str | None] = {}
    for col in COLUMNS:
        v = data.get(col)
        if v is None or v == "":
            out[col] = None
        elif isinstance(v, bool) or not isinstance(v, (str, int)):
            raise life.RulingProblem(col, f"{col} is not text")
        else:
            out[col] = str(v).strip() or None
    for col in REQUIRED:
        if out[col] is None:
            raise life.RulingProblem(col, f"{col} is required")
    return out


def _request(values: dict) -> life.RulingRequest:
    return life.make_request(values["ruling"], values["ruling_date"], values["next_court_date"], values["judge"],
                             values["order_number"])


def _context(conn, values: dict) -> life.CaseContext:
    """The one case the row names; :class:`RulingProblem` for none, or more than one."""
    rows = sl.ruling_context(conn, values["case_number"], values["person_id"])
    if not rows:
        what = "case_number and person_id are" if values["person_id"] else "case_number is"
        raise life.RulingProblem("case_number", f"{what} not a case in the store (unknown case)")
    label = values["batch"]
    if label is not None:
        mine = [r for r in rows if r[4] == label]
        if not mine:
            raise life.RulingProblem("batch", "batch is not the batch of this case")
        rows = mine
    if len(rows) > 1:
        raise life.RulingProblem("person_id", f"person_id is required: the case number has {len(rows)} defendants")
    return life.context_of(rows[0])


# -- the file ----------------------------------------------------------------------------------------
def _start(store: Store, src: SourceFile) -> tuple[RulingsImportResult, int]:
    found = sl.source_kind_by_sha256(store.conn, src.sha256)
    if found is None:
        with store.write() as conn:
            sid = sl.insert_rulings_source(conn, file_name=src.path.name, sha256=src.sha256, size_bytes=src.size,
                                           fmt=src.kind, started_at=utc_now_iso(), header_lines=src.header_lines,
                                           encoding=src.encoding)
        return RulingsImportResult(src.path.name, src.sha256, sid, header_lines=src.header_lines), 0
    sid, kind = found
    if kind != "rulings":
        raise InputError(f"{src.path.name}: this file was loaded as {kind} (source {sid}), not as rulings")
    (sid, status, read, ins, _upd, unch, quar, lines_done, header, blank, lstored, lquar, lines,
     _stopped, _enc) = sources.source_by_sha256(store.conn, src.sha256)
    res = RulingsImportResult(src.path.name, src.sha256, sid, read, ins, unch, quar, lines,
                              src.header_lines if header is None else header, blank or 0,
                              (lstored or 0) + (lquar or 0), lquar or 0)
    res.already, res.resumed = status == "complete", status != "complete"
    return res, lines_done


def _rows(src: SourceFile, stats: ReadStats, lines_done: int) -> Iterator[RawRow]:
    """Every row after ``lines_done``; a record over several lines whose values cannot be read is
    split (its first line comes back as a bad row, the others are read on their own)."""
    rows = iter_rows(src, None, stats)
    verdict = None
    while True:
        try:
            row = next(rows) if verdict is None else rows.send(verdict)
        except StopIteration:
            return
        verdict = None
        if row.line <= lines_done:
            continue
        if row.nlines > 1 and not row.problem:
            try:
                _request(_values(src, row))
            except life.RulingProblem as exc:
                verdict = SPLIT
                first = row.raw.split("\n", 1)[0]
                row = RawRow(row.line, None, None, (exc.field, f"{exc} (in a record over {row.nlines} lines: this "
                                                               "first line is quarantined, the others read on "
                                                               "their own)"), first)
        yield row


class _Chunk:
    """One chunk's outcome, applied in one transaction."""

    def __init__(self) -> None:
        self.rows: list[RawRow] = []
        self.blanks = 0
        self.last_line = 0


def _resolve(conn, src: SourceFile, chunk: _Chunk, cache: dict, quarantine: list) -> list[tuple]:
    """(row, request, case) for each row that reads and names one case; the others to ``quarantine``.

    A filed case's context is cached for the whole run: its batch is signed (frozen) and its
    filing is unique, so what the checks read of it cannot change."""
    out = []
    for row in chunk.rows:
        try:
            if row.problem:
                raise life.RulingProblem(*named_problem(src, row))
            values = _values(src, row)
            req = _request(values)
            key = (values["case_number"], values["person_id"], values["batch"])
            ctx = cache.get(key)
            if ctx is None:
                ctx = _context(conn, values)
                if ctx.filed_date is not None:
                    cache[key] = ctx
        except life.RulingProblem as exc:
            quarantine.append((row.line, exc.field, str(exc), row.raw, row.nlines))
            continue
        out.append((row, req, ctx))
    return out


def _check_all(conn, resolved: list[tuple], today: date, quarantine: list) -> tuple[list[tuple], int]:
    """Check the rows in file order against the stored rulings and the ones before them in the
    chunk; (the new rulings as (row, request, case), how many were recorded already)."""
    have = sl.rulings_of_cases(conn, (ctx.case_id for _, _, ctx in resolved))
    new, unchanged = [], 0
    for row, req, ctx in resolved:
        mine = have.setdefault(ctx.case_id, [])
        try:
            fresh = life.check_ruling(req, ctx, mine, today)
        except life.RulingProblem as exc:
            quarantine.append((row.line, exc.field, str(exc), row.raw, row.nlines))
            continue
        if not fresh:
            unchanged += 1
            continue
        nxt = req.next_court_date.isoformat() if req.next_court_date else None
        mine.append((None, req.ruling, req.ruling_date.isoformat(), nxt))
        new.append((row, req, ctx))
    return new, unchanged


def _apply_chunk(store: Store, src: SourceFile, res: RulingsImportResult, chunk: _Chunk, *, actor: str,
                 today: date, finish: bool, lines: int | None, cache: dict) -> None:
    at = utc_now_iso()
    with store.write() as conn:
        quarantine: list[tuple] = []
        new, unchanged = _check_all(conn, _resolve(conn, src, chunk, cache, quarantine), today, quarantine)
        rows = [(ctx.case_id, ctx.batch_id, req.ruling, req.ruling_date.isoformat(), req.judge,
                 req.next_court_date.isoformat() if req.next_court_date else None, req.order_number,
                 res.source_id, row.line, actor, at) for row, req, ctx in new]
        sl.insert_rulings(conn, rows)
        sources.insert_quarantine(conn, [(res.source_id, src.path.name, *q[:4]) for q in quarantine])
        sl.refresh_lifecycle(conn, {r[0] for r in rows}, at=at)
        _count(res, chunk, len(rows), unchanged, quarantine, finish, lines)
        sources.update_source(
            conn, res.source_id, lines_done=chunk.last_line, rows_read=res.rows_read, inserted=res.applied,
            updated=0, unchanged=res.unchanged, quarantined=res.quarantined,
            status="complete" if finish else "running", finished_at=at if finish else None,
            blank_lines=res.blank_lines, lines_stored=res.lines_stored, lines_quarantined=res.lines_quarantined,
            lines_read=res.lines, stopped_line=None)
        applied = [[r[0], r[2], r[3], r[5], r[6], r[8]] for r in rows]  # case, ruling, date, next, order, line
        audit.append(conn, at=at, actor=actor, event="rulings_imported", detail={
            "source_id": res.source_id, "file": src.path.name, "sha256": src.sha256,
            "first_line": chunk.rows[0].line if chunk.rows else None, "last_line": chunk.last_line,
            "applied": len(rows), "unchanged": unchanged, "quarantined": len(quarantine),
            "rulings_sha256": sha256_hex(canonical({"rulings": applied})), "complete": finish,
            "today": today.isoformat()})


def _count(res: RulingsImportResult, chunk: _Chunk, applied: int, unchanged: int, quarantine: list,
           finish: bool, lines: int | None) -> None:
    res.rows_read += len(chunk.rows)
    res.applied += applied
    res.unchanged += unchanged
    res.quarantined += len(quarantine)
    res.blank_lines += chunk.blanks
    res.row_lines += sum(r.nlines for r in chunk.rows)
    res.lines_quarantined += sum(q[4] for q in quarantine)
    if finish:
        res.lines = lines


def import_rulings(store: Store, path: str | Path | SourceFile, *, actor: str, today: date,
                   chunk_rows: int = CHUNK_ROWS, progress: Callable[[int], None] | None = None
                   ) -> RulingsImportResult:
    """Apply a rulings file (module docstring). ``actor`` must hold the reviewer role.

    Raises :class:`InputError` before writing anything when the file as a whole cannot be read,
    :class:`clearterm.services.lifecycle.LifecycleDenied` when the actor may not.
    """
    src = path if isinstance(path, SourceFile) else open_rulings(path)
    life.require_reviewer(store.conn, actor)
    res, lines_done = _start(store, src)
    if res.already:
        return res
    stats = ReadStats()
    cache: dict = {}
    chunk = _Chunk()
    chunk.last_line = lines_done
    for row in _rows(src, stats, lines_done):
        chunk.last_line = row.line + row.nlines - 1
        if row.fields == []:  # a blank line is not a row
            chunk.blanks += 1
            continue
        chunk.rows.append(row)
        if len(chunk.rows) >= chunk_rows:
            _apply_chunk(store, src, res, chunk, actor=actor, today=today, finish=False, lines=None, cache=cache)
            if progress:
                progress(chunk.last_line)
            last, chunk = chunk.last_line, _Chunk()
            chunk.last_line = last
    _apply_chunk(store, src, res, chunk, actor=actor, today=today, finish=True,
                 lines=max(stats.last_line, chunk.last_line), cache=cache)
    return res
