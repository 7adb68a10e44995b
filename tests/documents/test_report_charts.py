"""The report's charts (issue 18): a long label wraps instead of being cut; a chart whose every
count is suppressed draws an axis from 0, not one around zero."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from clearterm.documents.report import _bars  # noqa: E402
from clearterm.domain.report import Table  # noqa: E402


def _draw(table: Table):
    fig, ax = plt.subplots()
    try:
        _bars(ax, table, stacked=False)
        fig.canvas.draw()
        return ax.get_xlim(), [t.get_text() for t in ax.get_yticklabels()], ax.get_xlabel()
    finally:
        plt.close(fig)


def test_long_labels_wrap_whole():
    label = "White/Black [Hispanic or Latino] as the source spells it"
    _, labels, _ = _draw(Table("t", "T", ("group", "flagged"), [(label, (40,)), ("Black", (90,))]))
    assert labels[0].replace("\n", " ") == label and "\n" in labels[0]


def test_a_fully_suppressed_chart_starts_at_zero():
    xlim, _, xlabel = _draw(Table("t", "T", ("day", "decisions"), [("2026-11-01", (None,)), ("2026-11-02", (None,))]))
    assert xlim == (0, 1) and "suppressed" in xlabel


def test_a_chart_of_counts_starts_at_zero():
    xlim, _, xlabel = _draw(Table("t", "T", ("day", "decisions"), [("2026-11-01", (None,)), ("2026-11-02", (14,))]))
    assert xlim[0] == 0 and xlim[1] >= 14 and xlabel == ""
