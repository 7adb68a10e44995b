"""The ingest pipeline: every row ends stored exactly once or quarantined.

Rows are processed in chunks; each chunk's records, quarantine entries and the
source's counters are committed in one transaction, so a run killed at any
moment resumes from its last committed chunk when the same command is rerun.

Reconciliation: ``rows_read = inserted + updated + unchanged + quarantined``.

Where one charge appears on several rows of a file (CCSAO sentencing), those rows
are applied in priority order (not-current first, the current sentence, else the
latest disposition, last), so the chosen row is the record and the others are
kept in ``record_history``.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timezone

from clearterm.ingest.adapters import COL, COLUMNS, Adapter, RowProblem, choose_adapter
from clearterm.ingest.readers import RawRow, SourceFile, iter_rows, open_source
from clearterm.ingest.validate import validate
from clearterm.storage.store import Store

CHUNK_ROWS = 10_000
_RID = COL["record_id"]
_COLS_SQL = ", ".join(COLUMNS)
_INSERT_SQL = (
    f"INSERT INTO records ({_COLS_SQL}, row_hash, version, source_id, source_line) "
    f"VALUES ({', '.join('?' * len(COLUMNS))}, ?, 1, ?, ?)"
)
_UPDATE_SQL = (
    "UPDATE records SET " + ", ".join(f"{c} = ?" for c in COLUMNS)
    + ", row_hash = ?, version = version + 1, source_id = ?, source_line = ? WHERE record_id = ?"
)
_SELECT_SQL = f"SELECT {_COLS_SQL}, row_hash, version, source_id, source_line FROM records WHERE record_id IN "


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def row_hash(values: list) -> str:
    text = "\x1f".join("" if v is None else str(v) for v in values)
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


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

    @property
    def balanced(self) -> bool:
        return self.rows_read == self.inserted + self.updated + self.unchanged + self.quarantined

    def summary(self) -> str:
        head = f"{self.file_name}: read {self.rows_read:,} = inserted {self.inserted:,} + updated {self.updated:,} + unchanged {self.unchanged:,} + quarantined {self.quarantined:,}"
        if self.already:
            head += f"  (already ingested as source {self.source_id}; nothing changed)"
        elif self.resumed:
            head += "  (resumed an interrupted run)"
        return head


@dataclass
class _Item:
    line: int
    values: list | None  # typed canonical values, or None for a quarantined row
    field: str | None = None
    message: str = ""
    raw: str = ""


class _Run:
    """State of one file's ingest: counters, and the chunk writer."""

    def __init__(self, store: Store, src: SourceFile, adapter: Adapter, result: IngestResult, today_iso: str):
        self.store = store
        self.src = src
        self.adapter = adapter
        self.r = result
        self.today_iso = today_iso
        self.present = adapter.present
        self.full = all(adapter.present)

    # -- mapping -----------------------------------------------------------------------------
    def item(self, row: RawRow) -> _Item:
        if row.problem:
            field, message = row.problem
            return _Item(row.line, None, field, message, row.raw)
        try:
            values = validate(self.adapter.map_row(row), self.today_iso)
        except RowProblem as p:
            return _Item(row.line, None, p.field, p.message, row.raw)
        return _Item(row.line, values, raw=row.raw)

    # -- writing -----------------------------------------------------------------------------
    def _existing(self, conn, ids: list[str]) -> dict[str, tuple]:
        found: dict[str, tuple] = {}
        for i in range(0, len(ids), 500):
            part = ids[i:i + 500]
            sql = _SELECT_SQL + "(" + ",".join("?" * len(part)) + ")"
            for row in conn.execute(sql, part):
                found[row[_RID]] = row
        return found

    def _merge(self, values: list, old: tuple) -> list:
        if self.full:
            return values
        return [v if p else old[i] for i, (v, p) in enumerate(zip(values, self.present))]

    def _history(self, conn, old: tuple, why: str) -> None:
        n = len(COLUMNS)
        conn.execute(
            "INSERT INTO record_history (record_id, version, row_json, row_hash, source_id, source_line,"
            " replaced_by_source_id, replaced_at, why) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (old[_RID], old[n + 1], json.dumps(dict(zip(COLUMNS, old[:n])), ensure_ascii=False),
             old[n], old[n + 2], old[n + 3], self.r.source_id, _now(), why),
        )

    def _quarantine(self, quarantine: list[tuple], it: _Item) -> None:
        quarantine.append((self.r.source_id, self.src.path.name, it.line, it.field, it.message, it.raw[:2000]))
        self.r.quarantined += 1

    def write_chunk(self, items: list[_Item], lines_done: int, *, grouped: bool = False,
                    finish: bool = False) -> None:
        n = len(COLUMNS)
        sid = self.r.source_id
        with self.store.write() as conn:
            before = (self.r.rows_read, self.r.inserted, self.r.updated, self.r.unchanged, self.r.quarantined)
            try:
                ids = [it.values[_RID] for it in items if it.values is not None]
                existing = self._existing(conn, ids) if ids else {}
                inserts: list[tuple] = []
                quarantine: list[tuple] = []
                seen: dict[str, int] = {}
                for it in items:
                    self.r.rows_read += 1
                    if it.values is None:
                        self._quarantine(quarantine, it)
                        continue
                    rid = it.values[_RID]
                    if not grouped and rid in seen:
                        it.field, it.message = "record_id", f"record_id {rid} repeats line {seen[rid]} of this file"
                        self._quarantine(quarantine, it)
                        continue
                    old = existing.get(rid)
                    if old is not None and not grouped and old[n + 2] == sid:
                        it.field, it.message = "record_id", f"record_id {rid} repeats line {old[n + 3]} of this file"
                        self._quarantine(quarantine, it)
                        continue
                    seen[rid] = it.line
                    if old is None:
                        values = it.values
                        h = row_hash(values)
                        if grouped:
                            conn.execute(_INSERT_SQL, (*values, h, sid, it.line))
                            existing[rid] = (*values, h, 1, sid, it.line)
                        else:
                            inserts.append((*values, h, sid, it.line))
                        self.r.inserted += 1
                        continue
                    values = self._merge(it.values, old)
                    h = row_hash(values)
                    if h == old[n]:
                        self.r.unchanged += 1
                        continue
                    why = f"replaced by line {it.line} of {self.src.path.name}"
                    self._history(conn, old, why)
                    conn.execute(_UPDATE_SQL, (*values, h, sid, it.line, rid))
                    existing[rid] = (*values, h, old[n + 1] + 1, sid, it.line)
                    self.r.updated += 1
                if inserts:
                    conn.executemany(_INSERT_SQL, inserts)
                if quarantine:
                    conn.executemany(
                        "INSERT INTO quarantine (source_id, file_name, line, field, message, raw)"
                        " VALUES (?, ?, ?, ?, ?, ?)", quarantine)
                conn.execute(
                    "UPDATE sources SET lines_done = ?, rows_read = ?, inserted = ?, updated = ?,"
                    " unchanged = ?, quarantined = ?, status = ?, finished_at = ? WHERE id = ?",
                    (lines_done, self.r.rows_read, self.r.inserted, self.r.updated, self.r.unchanged,
                     self.r.quarantined, "complete" if finish else "running",
                     _now() if finish else None, sid),
                )
            except BaseException:
                (self.r.rows_read, self.r.inserted, self.r.updated, self.r.unchanged,
                 self.r.quarantined) = before
                raise


def _start(store: Store, src: SourceFile, adapter: Adapter) -> IngestResult:
    row = store.conn.execute(
        "SELECT id, status, rows_read, inserted, updated, unchanged, quarantined, lines_done"
        " FROM sources WHERE sha256 = ?", (src.sha256,)).fetchone()
    if row is None:
        with store.write() as conn:
            cur = conn.execute(
                "INSERT INTO sources (file_name, sha256, size_bytes, format, status, started_at)"
                " VALUES (?, ?, ?, ?, 'running', ?)",
                (src.path.name, src.sha256, src.size, adapter.name, _now()))
            sid = cur.lastrowid
        return IngestResult(src.path.name, src.sha256, sid, adapter.name)
    sid, status, read, ins, upd, unch, quar, _lines = row
    res = IngestResult(src.path.name, src.sha256, sid, adapter.name, read, ins, upd, unch, quar)
    if status == "complete":
        res.already = True
    else:
        res.resumed = True
    return res


def ingest_file(
    store: Store,
    path,
    fmt: str = "auto",
    *,
    today: date,
    progress: Callable[[int], None] | None = None,
    chunk_rows: int = CHUNK_ROWS,
) -> IngestResult:
    """Ingest one file into ``store``. ``today`` bounds dates (later ones are quarantined).

    Raises :class:`~clearterm.ingest.readers.InputError` before writing anything
    when the file as a whole cannot be read.
    """
    src = open_source(path)
    adapter = choose_adapter(src, fmt)
    result = _start(store, src, adapter)
    if result.already:
        return result
    lines_done = int(store.scalar("SELECT lines_done FROM sources WHERE id = ?", (result.source_id,)))
    run = _Run(store, src, adapter, result, today.isoformat())

    dup_keys: set[str] = set()
    if adapter.group is not None:
        counts: Counter[str] = Counter()
        for row in iter_rows(src):
            if row.problem is None and row.fields != []:
                counts[adapter.group(row)[0]] += 1
        dup_keys = {k for k, c in counts.items() if c > 1}
        del counts

    groups: dict[str, list[tuple[tuple, RawRow]]] = {}
    chunk: list[_Item] = []
    last_line = lines_done
    for row in iter_rows(src):
        if row.fields == []:
            continue  # a blank line is not a row
        if dup_keys and row.problem is None:
            key, prio = adapter.group(row)
            if key in dup_keys:
                groups.setdefault(key, []).append((prio, row))
                continue
        if row.line <= lines_done:
            continue
        chunk.append(run.item(row))
        last_line = row.line
        if len(chunk) >= chunk_rows:
            run.write_chunk(chunk, last_line)
            chunk = []
            if progress:
                progress(last_line)
    if chunk:
        run.write_chunk(chunk, last_line)
        if progress:
            progress(last_line)
    # Rows of one charge that appear more than once: lowest priority first, so the
    # chosen row is applied last and becomes the record; the others go to history.
    ordered: list[_Item] = []
    for key in sorted(groups):
        for _prio, row in sorted(groups[key], key=lambda x: x[0]):
            ordered.append(run.item(row))
    run.write_chunk(ordered, last_line, grouped=True, finish=True)
    if progress:
        progress(last_line)
    return result
