"""Small-cell suppression for the public report (``clearterm report --public``).

A table of counts is published with its totals. No published value (cell or total) is under the
threshold (11: zero included); a value under it is suppressed (*primary* suppression). Then
other values are suppressed too (*complementary* suppression) until the published ones cannot
give a suppressed one back:

* every equation (a row or column of cells and its total) has no suppressed member or at least
  two;
* in an equation whose total is published, the suppressed cells add up to at least the threshold
  (so none of them is pinned to a small range by the total less the published cells);
* no suppressed value is determined by the equations (a linear-algebra check over the rationals:
  chains of suppressed cells that close no cycle are caught here).

Each extra suppression takes the smallest published cell of the equation concerned (its total
only when no cell is left). Pure: no I/O; the tables are small (tens of rows).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

#: The smallest count the public report prints.
THRESHOLD = 11

Pos = tuple[int, int]  # (row, column); the totals are row/column index -1


@dataclass(frozen=True)
class Suppressed:
    """A table as published: ``None`` where a value is suppressed."""

    cells: tuple[tuple[int | None, ...], ...]
    row_totals: tuple[int | None, ...] | None
    col_totals: tuple[int | None, ...] | None
    grand_total: int | None
    threshold: int

    @property
    def suppressed(self) -> int:
        """How many values (cells and totals) are suppressed."""
        vals = [v for row in self.cells for v in row]
        vals += list(self.row_totals or ()) + list(self.col_totals or ())
        if self.row_totals is not None and self.col_totals is not None:
            vals.append(self.grand_total)
        return sum(v is None for v in vals)


def _values(grid: Sequence[Sequence[int]], rows_add: bool, cols_add: bool) -> dict[Pos, int]:
    n_rows, n_cols = len(grid), len(grid[0]) if grid else 0
    values = {(i, j): int(grid[i][j]) for i in range(n_rows) for j in range(n_cols)}
    if rows_add:
        values.update({(i, -1): sum(grid[i]) for i in range(n_rows)})
    if cols_add:
        values.update({(-1, j): sum(grid[i][j] for i in range(n_rows)) for j in range(n_cols)})
    if rows_add and cols_add:
        values[(-1, -1)] = sum(map(sum, grid))
    return values


def _equations(n_rows: int, n_cols: int, rows_add: bool, cols_add: bool) -> list[tuple[list[Pos], Pos]]:
    """(cells, total) of each equation ``sum(cells) = total``."""
    eqs: list[tuple[list[Pos], Pos]] = []
    if rows_add:
        eqs += [([(i, j) for j in range(n_cols)], (i, -1)) for i in range(n_rows)]
    if cols_add:
        eqs += [([(i, j) for i in range(n_rows)], (-1, j)) for j in range(n_cols)]
    if rows_add and cols_add:
        eqs.append(([(-1, j) for j in range(n_cols)], (-1, -1)))
        eqs.append(([(i, -1) for i in range(n_rows)], (-1, -1)))
    return eqs


def _one_more(cells: list[Pos], total: Pos, hidden: set[Pos], values: dict[Pos, int]) -> Pos:
    shown = [p for p in cells if p not in hidden]
    if shown:
        return min(shown, key=lambda p: (values[p], p))
    return total


def _equation_rules(eqs, hidden: set[Pos], values: dict[Pos, int], threshold: int) -> bool:
    """Suppress one more value where an equation breaks a rule; True if one was."""
    for cells, total in eqs:
        members = [*cells, total]
        n_hidden = sum(p in hidden for p in members)
        if n_hidden == 0 or (n_hidden == len(members)):
            continue
        if n_hidden == 1:
            hidden.add(_one_more(cells, total, hidden, values))
            return True
        if total not in hidden and sum(values[p] for p in cells if p in hidden) < threshold:
            hidden.add(_one_more(cells, total, hidden, values))
            return True
    return False


def _rref(rows: list[list[Fraction]]) -> list[list[Fraction]]:
    """The reduced row echelon form of ``rows`` (its non-zero rows)."""
    rows = [r[:] for r in rows]
    rank, n_cols = 0, len(rows[0]) if rows else 0
    for col in range(n_cols):
        pivot = next((i for i in range(rank, len(rows)) if rows[i][col] != 0), None)
        if pivot is None:
            continue
        rows[rank], rows[pivot] = rows[pivot], rows[rank]
        lead = rows[rank][col]
        rows[rank] = [a / lead for a in rows[rank]]
        for i in range(len(rows)):
            if i != rank and rows[i][col] != 0:
                f = rows[i][col]
                rows[i] = [a - f * b for a, b in zip(rows[i], rows[rank])]
        rank += 1
    return rows[:rank]


def _rank(rows: list[list[Fraction]]) -> int:
    return len(_rref(rows))


def determined(eqs, hidden: set[Pos]) -> list[Pos]:
    """The suppressed values that the equations pin down (in a fixed order): ``e_k`` is in the
    row space of the equations over the suppressed values exactly when a row of its reduced row
    echelon form has a single non-zero entry, at ``k``."""
    order = sorted(hidden)
    index = {p: k for k, p in enumerate(order)}
    matrix = []
    for cells, total in eqs:
        row = [Fraction(0)] * len(order)
        for p in cells:
            if p in index:
                row[index[p]] += 1
        if total in index:
            row[index[total]] -= 1
        if any(row):
            matrix.append(row)
    found = []
    for row in _rref(matrix) if matrix else []:
        nonzero = [k for k, a in enumerate(row) if a != 0]
        if len(nonzero) == 1:
            found.append(order[nonzero[0]])
    return sorted(found)


def _neighbour(p: Pos, eqs, hidden: set[Pos], values: dict[Pos, int]) -> Pos:
    """The value to suppress so that ``p`` is no longer pinned: the smallest published cell of an
    equation that holds ``p`` (its total if no cell is left), else the smallest published value."""
    for cells, total in eqs:
        if p in cells or p == total:
            shown = [q for q in [*cells, total] if q not in hidden]
            if shown:
                return min(shown, key=lambda q: (q == total, values[q], q))
    return min((q for q in values if q not in hidden), key=lambda q: (values[q], q))


def suppress(grid: Sequence[Sequence[int]], *, rows_add: bool = False, cols_add: bool = True,
             threshold: int = THRESHOLD) -> Suppressed:
    """``grid`` (rows of counts) as published, with its row totals if ``rows_add`` (the cells of
    a row add up) and column totals if ``cols_add``; see the module's rules."""
    n_rows, n_cols = len(grid), len(grid[0]) if grid else 0
    if any(len(r) != n_cols for r in grid) or any(v < 0 for r in grid for v in r):
        raise ValueError("a table of counts has rows of one length and no negative count")
    values = _values(grid, rows_add, cols_add)
    eqs = _equations(n_rows, n_cols, rows_add, cols_add)
    hidden = {p for p, v in values.items() if v < threshold}
    while True:
        if _equation_rules(eqs, hidden, values, threshold):
            continue
        # One-way tables: each value is in one equation, which the rules above already keep
        # from pinning it; only a two-way table needs the linear-algebra check.
        pinned = determined(eqs, hidden) if rows_add and cols_add else []
        if not pinned or len(hidden) == len(values):
            break
        hidden.add(_neighbour(pinned[0], eqs, hidden, values))

    def get(p: Pos) -> int | None:
        return None if p in hidden else values[p]

    cells_out = tuple(tuple(get((i, j)) for j in range(n_cols)) for i in range(n_rows))
    row_t = tuple(get((i, -1)) for i in range(n_rows)) if rows_add else None
    col_t = tuple(get((-1, j)) for j in range(n_cols)) if cols_add else None
    grand = get((-1, -1)) if rows_add and cols_add else None
    return Suppressed(cells_out, row_t, col_t, grand, threshold)
