"""A small, fast typesetter on top of fpdf2 for court papers.

fpdf2's ``multi_cell`` re-measures a line for every character it adds; on
thousands of documents that dominates. Here words are measured once from the
font's width table, lines are broken greedily, and each run is placed with
``FPDF.text``. Units are PostScript points; paper is US Letter.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Callable, Iterable, Sequence

from fpdf import FPDF

from .fonts import FAMILY, installer
from .templates import Run

PAGE_W, PAGE_H = 612.0, 792.0  # US Letter, portrait
#: Every PDF is PDF/A-2U (ISO 19005-2, level U: Unicode text): fpdf2 embeds the fonts, writes the
#: XMP metadata (pdfaid part 2, conformance U) and an sRGB output intent, and refuses what the
#: standard forbids. pyHanko's incremental PAdES signature keeps it (PDF/A-2 allows incremental
#: updates and ETSI.CAdES.detached signatures).
PDFA = "PDF/A-2U"
MARGIN = 72.0
BOTTOM_MARGIN = 63.0  # the footer sits in the bottom 0.55"

_SPACE_RE = re.compile(r"([ \t\r\n]+)")  # a no-break space (U+00A0) does not break
_UNIT_RE = re.compile(r"(\d) (g|kg|mg|oz|lb)\b")
#: Characters XML 1.0 (so XMP) does not allow, and C1 controls: never printed nor put in metadata.
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def strip_controls(text: str) -> str:
    """``text`` without control characters (tabs and line breaks become spaces): what a PDF's
    metadata (XMP is XML) and its printed text may hold. A name with an escape character in it
    must not stop a batch (the store quarantines such rows; the documents layer copes anyway)."""
    return _CONTROL_RE.sub("", text.replace("\t", " ").replace("\r", " ").replace("\n", " "))


def xmp_metadata(*, title: str, subject: str, author: str, keywords: str,
                 created_at: datetime) -> str:
    """The XMP packet body of a PDF/A-2U document (dates: ``created_at``, so deterministic)."""
    from xml.sax.saxutils import escape

    def esc(text: str) -> str:
        return escape(text, {'"': "&quot;", "'": "&apos;"})

    title, subject, author, keywords = (strip_controls(x) for x in (title, subject, author, keywords))
    when = esc(created_at.isoformat(timespec="seconds"))
    parts = [
        '<x:xmpmeta xmlns:x="adobe:ns:meta/" x:xmptk="clearterm">',
        '  <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"'
        ' xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:xmp="http://ns.adobe.com/xap/1.0/"'
        ' xmlns:pdf="http://ns.adobe.com/pdf/1.3/" xmlns:pdfaid="http://www.aiim.org/pdfa/ns/id/">',
        f'    <rdf:Description rdf:about="" xmp:CreatorTool="clearterm" xmp:CreateDate="{when}"'
        f' xmp:ModifyDate="{when}" xmp:MetadataDate="{when}" pdf:Keywords="{esc(keywords)}">',
        "      <pdfaid:part>2</pdfaid:part>",
        "      <pdfaid:conformance>U</pdfaid:conformance>",
        f'      <dc:title><rdf:Alt><rdf:li xml:lang="x-default">{esc(title)}</rdf:li></rdf:Alt></dc:title>',
        f'      <dc:description><rdf:Alt><rdf:li xml:lang="x-default">{esc(subject)}</rdf:li></rdf:Alt>'
        "</dc:description>",
        f"      <dc:creator><rdf:Seq><rdf:li>{esc(author)}</rdf:li></rdf:Seq></dc:creator>",
        "    </rdf:Description>",
        "  </rdf:RDF>",
        "</x:xmpmeta>",
    ]
    return "\n".join(parts)


def bind_units(text: str) -> str:
    """Keep a number with its unit on one line ("2.5 g")."""
    return _UNIT_RE.sub("\\1\u00a0\\2", text)


class Doc:
    """One PDF being laid out; ``y`` is the top of the next line (points from the top)."""

    def __init__(self, *, title: str, subject: str, author: str, created_at: datetime,
                 text_sample: str = "", keywords: str = "") -> None:
        title, subject, author, keywords = (strip_controls(x) for x in (title, subject, author, keywords))
        pdf = FPDF(orientation="P", unit="pt", format="letter", enforce_compliance=PDFA)
        installer().install(pdf, text_sample)
        pdf.set_auto_page_break(False)
        pdf.set_margins(MARGIN, MARGIN, MARGIN)
        pdf.set_creation_date(created_at)
        pdf.set_title(title)
        pdf.set_subject(subject)
        pdf.set_author(author)
        pdf.set_creator("clearterm")
        if keywords:
            pdf.set_keywords(keywords)
        pdf.set_lang("en-US")
        # our own XMP (fpdf2's stamps the time of output, which would make the bytes differ)
        pdf.set_xmp_metadata(xmp_metadata(title=title, subject=subject, author=author,
                                          keywords=keywords, created_at=created_at))
        pdf.set_text_color(0, 0, 0)
        pdf.set_draw_color(0, 0, 0)
        self.pdf = pdf
        self._cw = {False: pdf.fonts[FAMILY].cw, True: pdf.fonts[FAMILY + "B"].cw}
        self.y = MARGIN
        self.left = MARGIN
        self.right = MARGIN
        self.top = MARGIN
        self.bottom_margin = BOTTOM_MARGIN
        self.page_w, self.page_h = PAGE_W, PAGE_H
        self.on_new_page: Callable[["Doc"], None] | None = None
        self._font: tuple[str, float] | None = None

    # -- pages --------------------------------------------------------------
    @property
    def pages(self) -> int:
        return self.pdf.pages_count

    @property
    def width(self) -> float:
        return self.page_w - self.left - self.right

    @property
    def bottom(self) -> float:
        return self.page_h - self.bottom_margin

    def add_page(self, landscape: bool | None = None) -> None:
        if landscape is None:
            landscape = self.page_w > self.page_h
        self.pdf.add_page(orientation="L" if landscape else "P")
        self.page_w, self.page_h = (PAGE_H, PAGE_W) if landscape else (PAGE_W, PAGE_H)
        self._font = None
        self.y = self.top
        if self.on_new_page is not None:
            self.on_new_page(self)

    def ensure(self, height: float) -> bool:
        """Start a new page unless ``height`` more points fit; True if it broke the page."""
        if self.y + height > self.bottom + 0.01:
            self.add_page()
            return True
        return False

    def space(self, height: float) -> None:
        self.y += height

    def goto_page(self, page: int) -> None:
        """Draw on an earlier page (footers are added once the page count is known)."""
        pdf = self.pdf
        pdf.page = page
        pdf.current_font_is_set_on_page = False
        self._font = None
        w, h = pdf.pages[page].dimensions()
        # FPDF.text() converts y with the *current* page height (unit is pt: k == 1)
        pdf.w_pt, pdf.h_pt, pdf.w, pdf.h = w, h, w, h
        self.page_w, self.page_h = w, h

    # -- measuring ----------------------------------------------------------
    def _set_font(self, style: str, size: float) -> None:
        if self._font != (style, size):
            self.pdf.set_font(FAMILY, style, size)
            # fpdf2 only re-emits Tf when it thinks the font changed on this page
            self._font = (style, size)

    def text_width(self, text: str, bold: bool = False, size: float = 12.0) -> float:
        cw = self._cw[bold]
        return sum(cw[ord(c)] for c in text) * size * 0.001

    def wrap(self, runs: Sequence[Run], width: float, size: float,
             first_indent: float = 0.0) -> list[list[Run]]:
        """Break styled runs into lines no wider than ``width`` (first line ``width - first_indent``)."""
        # words: lists of (text, bold) pieces with no space between them
        words: list[list[Run]] = []
        pending_space = False
        for text, bold in runs:
            for piece in _SPACE_RE.split(text):
                if not piece:
                    continue
                if _SPACE_RE.fullmatch(piece):
                    pending_space = True
                    continue
                if words and not pending_space:
                    words[-1].append((piece, bold))
                else:
                    words.append([(piece, bold)])
                pending_space = False
        space_w = self.text_width(" ", False, size)
        lines: list[list[Run]] = []
        line: list[Run] = []
        line_w = 0.0
        avail = width - first_indent
        for word in words:
            ww = sum(self.text_width(t, b, size) for t, b in word)
            if ww > avail and not line:
                # a single word wider than the line: break it by characters
                for chunk in self._split_long(word, avail, size):
                    lines.append(chunk)
                    avail = width
                continue
            if line and line_w + space_w + ww > avail:
                lines.append(line)
                line, line_w, avail = [], 0.0, width
                if ww > avail:
                    for chunk in self._split_long(word, avail, size):
                        lines.append(chunk)
                    continue
            if line:
                line.append((" ", line[-1][1]))
                line_w += space_w
            line.extend(word)
            line_w += ww
        if line:
            lines.append(line)
        return [_merge(line) for line in lines]

    def _split_long(self, word: list[Run], width: float, size: float) -> list[list[Run]]:
        out: list[list[Run]] = [[]]
        used = 0.0
        for text, bold in word:
            for ch in text:
                w = self.text_width(ch, bold, size)
                if used + w > width and out[-1]:
                    out.append([])
                    used = 0.0
                out[-1].append((ch, bold))
                used += w
        return [_merge(x) for x in out]

    # -- drawing ------------------------------------------------------------
    def draw_runs(self, runs: Sequence[Run], x: float, baseline: float, size: float) -> float:
        for text, bold in runs:
            if _CONTROL_RE.search(text):
                text = _CONTROL_RE.sub("", text)
            if not text:
                continue
            self._set_font("B" if bold else "", size)
            self.pdf.text(x, baseline, text)
            x += self.text_width(text, bold, size)
        return x

    def line_of(self, runs: Sequence[Run], size: float, leading: float, *,
                align: str = "L", x: float | None = None, width: float | None = None) -> None:
        """Draw one line (no wrapping) at the current y and advance."""
        x0 = self.left if x is None else x
        width = self.width - (x0 - self.left) if width is None else width
        w = sum(self.text_width(t, b, size) for t, b in runs)
        if align == "C":
            x0 += (width - w) / 2
        elif align == "R":
            x0 += width - w
        self.draw_runs(runs, x0, self.baseline(leading, size), size)
        self.y += leading

    @staticmethod
    def _baseline_offset(leading: float, size: float) -> float:
        return (leading - size) / 2 + size * 0.86

    def baseline(self, leading: float, size: float) -> float:
        return self.y + self._baseline_offset(leading, size)

    def paragraph(self, runs: Sequence[Run], *, size: float = 12.0, leading: float = 18.0,
                  indent: float = 0.0, first_indent: float = 0.0, align: str = "L",
                  space_after: float = 0.0, keep_with_next: float = 0.0,
                  x: float | None = None, width: float | None = None) -> int:
        """Wrap and draw a paragraph; returns the number of lines."""
        x0 = (self.left if x is None else x) + indent
        avail = (self.width - (x0 - self.left)) if width is None else width - indent
        lines = self.wrap(runs, avail, size, first_indent)
        # keep two lines together at a page end (no orphan first line)
        need = min(len(lines), 2) * leading + keep_with_next
        self.ensure(need)
        for i, line in enumerate(lines):
            if self.ensure(leading):
                pass
            lx = x0 + (first_indent if i == 0 else 0.0)
            lw = avail - (first_indent if i == 0 else 0.0)
            self.line_of(line, size, leading, align=align, x=lx, width=lw)
        self.y += space_after
        return len(lines)

    def rule(self, x1: float, x2: float, y: float | None = None, width: float = 0.5) -> None:
        self.pdf.set_line_width(width)
        yy = self.y if y is None else y
        self.pdf.line(x1, yy, x2, yy)

    def rect(self, x: float, y: float, w: float, h: float, width: float = 0.5) -> None:
        self.pdf.set_line_width(width)
        self.pdf.rect(x, y, w, h)

    # -- tables ---------------------------------------------------------------
    def table(self, columns: Sequence[tuple[str, float]], rows: Iterable[Sequence[str]], *,
              size: float = 9.0, leading: float = 11.0, pad: float = 3.0,
              header_size: float | None = None, x: float | None = None,
              before_header: Callable[["Doc"], None] | None = None) -> int:
        """Draw a ruled table; rows break across pages with the header repeated.

        ``columns`` are (heading, width) pairs; cell text may contain newlines.
        Returns the number of rows drawn.
        """
        x0 = self.left if x is None else x
        header_size = header_size or size
        total_w = sum(w for _, w in columns)

        def header() -> None:
            if before_header is not None:
                before_header(self)
            cells = [self._cell_lines(h, w - 2 * pad, header_size, bold=True) for h, w in columns]
            h = max(len(c) for c in cells) * leading + 2 * pad
            top = self.y
            self.pdf.set_fill_color(232, 232, 232)
            self.pdf.rect(x0, top, total_w, h, style="F")
            self._draw_cells(cells, columns, x0, top, header_size, leading, pad, bold=True)
            self.rule(x0, x0 + total_w, top, 0.8)
            self.rule(x0, x0 + total_w, top + h, 0.8)
            self.y = top + h

        header_h = leading + 2 * pad
        self.ensure(header_h + leading + 2 * pad)
        header()
        n = 0
        for row in rows:
            cells = [self._cell_lines(str(v), w - 2 * pad, size) for v, (_, w) in zip(row, columns)]
            h = max(len(c) for c in cells) * leading + 2 * pad
            if self.y + h > self.bottom:
                self.add_page()
                header()
            top = self.y
            self._draw_cells(cells, columns, x0, top, size, leading, pad)
            self.y = top + h
            self.rule(x0, x0 + total_w, self.y, 0.3)
            n += 1
        return n

    def _cell_lines(self, text: str, width: float, size: float, bold: bool = False) -> list[str]:
        out: list[str] = []
        for para in text.split("\n"):
            if not para:
                out.append("")
                continue
            for line in self.wrap([(bind_units(para), bold)], width, size):
                out.append("".join(t for t, _ in line))
        return out or [""]

    def _draw_cells(self, cells: list[list[str]], columns: Sequence[tuple[str, float]],
                    x0: float, top: float, size: float, leading: float, pad: float,
                    bold: bool = False) -> None:
        x = x0
        off = self._baseline_offset(leading, size)
        for lines, (_, w) in zip(cells, columns):
            for i, line in enumerate(lines):
                if line:
                    self.draw_runs([(line, bold)], x + pad, top + pad + i * leading + off, size)
            x += w

    # -- output ---------------------------------------------------------------
    def footer(self, first: int, last: int, make: Callable[[int, int], tuple[str, str]],
               size: float = 8.5) -> None:
        """Draw a (left, right) footer on pages ``first..last`` (1-based).

        ``make(i, n)`` gets the page's number within the range and the range's
        length; the left text is shortened with an ellipsis if it would touch
        the right one.
        """
        current = self.pdf.page
        saved_y = self.y
        n = last - first + 1
        for i, page in enumerate(range(first, last + 1), 1):
            self.goto_page(page)
            left, right = make(i, n)
            baseline = self.page_h - 40.0
            right_w = self.text_width(right, False, size)
            room = self.page_w - 2 * MARGIN - right_w - 18
            if self.text_width(left, False, size) > room:
                while left and self.text_width(left + "\u2026", False, size) > room:
                    left = left[:-1]
                left += "\u2026"
            self.rule(MARGIN, self.page_w - MARGIN, baseline - size - 3, 0.4)
            if left:
                self.draw_runs([(left, False)], MARGIN, baseline, size)
            self.draw_runs([(right, False)], self.page_w - MARGIN - right_w, baseline, size)
        self.goto_page(current)
        self.y = saved_y

    def output(self) -> bytes:
        return bytes(self.pdf.output())


def _merge(runs: list[Run]) -> list[Run]:
    out: list[Run] = []
    for text, bold in runs:
        if out and out[-1][1] == bold:
            out[-1] = (out[-1][0] + text, bold)
        else:
            out.append((text, bold))
    return out
