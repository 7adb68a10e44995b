"""Small-cell suppression of the public report (clearterm.domain.suppression): properties over
random tables (hypothesis) and a few worked examples."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clearterm.domain.suppression import THRESHOLD, _equations, _rank, suppress

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def tables(draw):
    n_rows = draw(st.integers(1, 6))
    n_cols = draw(st.integers(1, 5))
    value = st.one_of(st.integers(0, 15), st.integers(0, 200))
    grid = [[draw(value) for _ in range(n_cols)] for _ in range(n_rows)]
    rows_add = draw(st.booleans())
    cols_add = draw(st.booleans())
    return grid, rows_add, cols_add


def _published(t, rows_add, cols_add):
    """{position: value or None} of the published table (totals at index -1)."""
    out = {(i, j): v for i, row in enumerate(t.cells) for j, v in enumerate(row)}
    if rows_add:
        out.update({(i, -1): v for i, v in enumerate(t.row_totals)})
    if cols_add:
        out.update({(-1, j): v for j, v in enumerate(t.col_totals)})
    if rows_add and cols_add:
        out[(-1, -1)] = t.grand_total
    return out


def _truth(grid, rows_add, cols_add):
    out = {(i, j): v for i, row in enumerate(grid) for j, v in enumerate(row)}
    if rows_add:
        out.update({(i, -1): sum(row) for i, row in enumerate(grid)})
    if cols_add:
        out.update({(-1, j): sum(r[j] for r in grid) for j in range(len(grid[0]))})
    if rows_add and cols_add:
        out[(-1, -1)] = sum(map(sum, grid))
    return out


@SETTINGS
@given(tables())
def test_no_published_value_under_the_threshold_and_published_values_are_true(table):
    grid, rows_add, cols_add = table
    t = suppress(grid, rows_add=rows_add, cols_add=cols_add)
    truth = _truth(grid, rows_add, cols_add)
    for pos, v in _published(t, rows_add, cols_add).items():
        if v is not None:
            assert v >= THRESHOLD
            assert v == truth[pos]
        # every value under the threshold is suppressed
        if truth[pos] < THRESHOLD:
            assert v is None


@SETTINGS
@given(tables())
def test_no_suppressed_value_can_be_worked_out_from_the_published_ones(table):
    """No suppressed value is the only unknown of an equation, nor pinned by any combination of
    them (independent rank check: the unknown's unit vector is outside the equations' span)."""
    grid, rows_add, cols_add = table
    t = suppress(grid, rows_add=rows_add, cols_add=cols_add)
    pub = _published(t, rows_add, cols_add)
    hidden = sorted(p for p, v in pub.items() if v is None)
    eqs = _equations(len(grid), len(grid[0]), rows_add, cols_add)
    matrix = []
    for cells, total in eqs:
        members = [*cells, total]
        n_hidden = sum(pub[p] is None for p in members)
        assert n_hidden != 1, (cells, total)
        row = [Fraction((p in cells) - (p == total)) for p in hidden]
        if any(row):
            matrix.append(row)
    if matrix:
        base = _rank(matrix)
        for k in range(len(hidden)):
            unit = [Fraction(int(i == k)) for i in range(len(hidden))]
            assert _rank([*matrix, unit]) > base, hidden[k]


@SETTINGS
@given(tables())
def test_suppressed_cells_of_an_equation_with_a_published_total_add_up_to_the_threshold(table):
    """Otherwise the total less the published cells would bound each suppressed cell under 11."""
    grid, rows_add, cols_add = table
    t = suppress(grid, rows_add=rows_add, cols_add=cols_add)
    pub = _published(t, rows_add, cols_add)
    truth = _truth(grid, rows_add, cols_add)
    for cells, total in _equations(len(grid), len(grid[0]), rows_add, cols_add):
        hidden = [p for p in cells if pub[p] is None]
        if hidden and pub[total] is not None:
            assert sum(truth[p] for p in hidden) >= THRESHOLD


@SETTINGS
@given(st.lists(st.lists(st.integers(THRESHOLD, 500), min_size=3, max_size=3), min_size=1, max_size=5))
def test_a_table_of_large_counts_is_published_whole(grid):
    t = suppress(grid, rows_add=True, cols_add=True)
    assert t.suppressed == 0
    assert [list(r) for r in t.cells] == grid


def test_one_small_cell_takes_a_complement_in_its_column():
    t = suppress([[50], [5], [30], [40]], cols_add=True)
    # 5 is suppressed; the smallest other cell (30) too, so the total (125) cannot give 5 back
    assert [r[0] for r in t.cells] == [50, None, None, 40]
    assert t.col_totals == (125,)


def test_a_small_total_is_suppressed_with_its_cells():
    t = suppress([[3], [4]], cols_add=True)
    assert t.cells == ((None,), (None,)) and t.col_totals == (None,)


def test_a_ragged_or_negative_table_is_refused():
    with pytest.raises(ValueError):
        suppress([[1, 2], [3]])
    with pytest.raises(ValueError):
        suppress([[-1]])
