"""The report's PDF (fpdf2, Liberation Serif) and its charts as PNG (matplotlib, Agg backend).

matplotlib because the charts are ordinary bar charts that must come out the same on a server
without a display: its Agg backend draws them to PNG with no GUI toolkit, it is the most widely
kept plotting library for Python, and fpdf2 embeds its PNGs as they are. A suppressed value
(public report) is drawn as no bar and marked ``*``.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

from fpdf import FPDF
from fpdf.fonts import FontFace

from clearterm.documents.fonts import FAMILY, FACES, font_path
from clearterm.domain.report import STAGES, SUPPRESSED, Table, cell_text
from clearterm.domain.text import safe_text

#: The charts: (file name, table key, title, stacked: the series are parts of one whole).
CHARTS = (
    ("stages_by_tranche.png", "convictions_by_tranche", "Flagged convictions by tranche and stage", False),
    ("flagged_by_race.png", "convictions_by_race", "Flagged convictions by race/ethnicity and stage", False),
    ("backlog.png", "backlog", "Backlog by track and tranche, by objection deadline", True),
    ("decisions_per_day.png", "reviewer_daily", "Review decisions per day", False),
)


#: Characters per line of a bar's label (longer labels wrap onto more lines, never cut).
LABEL_WIDTH = 24


def _label(text: str) -> str:
    return textwrap.fill(safe_text(text), LABEL_WIDTH, break_long_words=True) or " "


def _bars(ax, table: Table, stacked: bool) -> None:
    labels = [_label(str(g)) for g, _ in table.rows]
    series = table.columns[1:]
    height = 0.8 if stacked else 0.8 / max(1, len(series))
    left = [0] * len(labels)
    for k, name in enumerate(series):
        vals = [v[k] if v[k] is not None else 0 for _, v in table.rows]
        ys = list(range(len(labels))) if stacked else [i + k * height for i in range(len(labels))]
        bars = ax.barh(ys, vals, height, left=left if stacked else None, label=name)
        if stacked:
            left = [a + b for a, b in zip(left, vals)]
        for bar, (_, v) in zip(bars, table.rows):
            if v[k] is None:
                ax.annotate(SUPPRESSED, (0, bar.get_y() + bar.get_height() / 2), va="center", fontsize=7)
    offset = 0 if stacked else height * (len(series) - 1) / 2
    ax.set_yticks([i + offset for i in range(len(labels))], labels, fontsize=7)
    ax.invert_yaxis()
    shown = [v for _, vals in table.rows for v in vals if v is not None]
    if not any(shown):
        # nothing to scale (every count suppressed or zero): an axis from 0, no ticks to misread
        ax.set_xlim(0, 1)
        ax.set_xticks([])
        if not shown:
            ax.set_xlabel(f"every count is suppressed ({SUPPRESSED})", fontsize=8)
    else:
        ax.set_xlim(left=0)
    if len(series) > 1:
        ax.legend(fontsize=7)


def _day_totals(table: Table) -> Table:
    days: dict[str, int | None] = {}
    for label, (n,) in table.rows:
        day = label.split(",")[0]
        days[day] = None if n is None or days.get(day, 0) is None else days.get(day, 0) + n
    return Table(table.key, table.title, ("day", "decisions"), [(d, (n,)) for d, n in sorted(days.items())][-30:])


def render_charts(report, out_dir: Path) -> list[Path]:
    """The report's charts as PNG files in ``out_dir``; the paths written."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    paths = []
    for name, key, title, stacked in CHARTS:
        table = report.table(key)
        if key == "reviewer_daily":
            table = _day_totals(table)
        bars = len(table.rows) * (1 if stacked else max(1, len(table.columns) - 1))
        bars = max(bars, sum(_label(str(g)).count("\n") + 1 for g, _ in table.rows))
        fig, ax = plt.subplots(figsize=(7, min(9.0, 1.2 + 0.12 * max(10, bars))), dpi=110)
        if table.rows:
            _bars(ax, table, stacked)
        else:
            ax.text(0.5, 0.5, "nothing to show yet", ha="center", va="center")
            ax.set_axis_off()
        ax.set_title(title, fontsize=10)
        fig.tight_layout()
        path = out_dir / name
        fig.savefig(path, format="png")
        plt.close(fig)
        paths.append(path)
    return paths


def _table(pdf: FPDF, table: Table) -> None:
    pdf.set_font(FAMILY, "B", 10)
    pdf.multi_cell(0, 5, safe_text(table.title), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FAMILY, "", 8)
    if not table.rows:
        pdf.multi_cell(0, 5, "None yet.", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(2)
        return
    first = 2.2 if len(table.columns) > 4 else 3
    widths = (first, *([1] * (len(table.columns) - 1)))
    with pdf.table(col_widths=widths, text_align=("LEFT", *["RIGHT"] * (len(table.columns) - 1)),
                   headings_style=FontFace(emphasis="BOLD"), line_height=4.2, padding=0.8) as t:
        t.row([safe_text(c) for c in table.columns])
        for label, vals in table.rows:
            t.row([safe_text(str(label)), *(cell_text(v) for v in vals)])
        if table.totals is not None:
            t.row(["all", *(cell_text(v) for v in table.totals)], style=FontFace(emphasis="BOLD"))
    if table.note:
        pdf.set_font(FAMILY, "", 7)
        pdf.multi_cell(0, 4, safe_text(table.note), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)


def render_pdf(report, path: Path, charts: list[Path]) -> Path:
    """The report as a PDF at ``path``: headline, notes, each section's tables, then the charts."""
    pdf = FPDF(unit="mm", format="letter")
    pdf.set_creator("clearterm")
    pdf.set_title("clearterm report" + (" (public)" if report.public else ""))
    for style in FACES:
        pdf.add_font(FAMILY, style, str(font_path(style)))
    pdf.set_auto_page_break(True, 15)
    pdf.add_page()
    pdf.set_font(FAMILY, "B", 16)
    title = "Cannabis conviction relief: report" + (" (public)" if report.public else "")
    pdf.multi_cell(0, 8, title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FAMILY, "", 10)
    pdf.multi_cell(0, 5, f"As of {report.today.isoformat()}.", new_x="LMARGIN", new_y="NEXT")
    for note in report.notes:
        pdf.multi_cell(0, 5, note, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    pdf.set_font(FAMILY, "", 10)
    for label, value in report.headline.items():
        pdf.multi_cell(0, 5, f"{label}: {cell_text(value)}", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    for title, tables in report.sections:
        pdf.set_font(FAMILY, "B", 13)
        pdf.multi_cell(0, 7, title, new_x="LMARGIN", new_y="NEXT")
        for table in tables:
            _table(pdf, table)
    for chart in charts:
        pdf.add_page()
        pdf.image(str(chart), x=pdf.l_margin, y=pdf.t_margin, w=pdf.epw, h=pdf.eph - 5, keep_aspect_ratio=True)
    pdf.output(str(path))
    return path


__all__ = ["CHARTS", "STAGES", "render_charts", "render_pdf"]
