"""The embedded serif font (Liberation Serif 2.1.5, SIL OFL 1.1; see fonts/).

fpdf2 parses and subsets a TrueType font for every document it writes. With
the full Liberation Serif (2,600 glyphs, OpenType layout tables) that costs
about 40 ms per font per document, more than laying the page out. For
batches of thousands of one-page orders we therefore:

* derive once per process, in memory, a *working copy* of each face holding
  only the Latin, Latin-extended (incl. Vietnamese), combining-mark and
  punctuation glyphs, without hinting or layout tables (the committed .ttf
  files are never modified; fpdf2 subsets again for each PDF, as the licence
  expects of embedded fonts);
* build fpdf2's font object once and give each new document a cheap clone of
  it with its own glyph subset.

A document whose text has a character outside the working copy (Greek,
Cyrillic, ...) is set with the full font instead, and if fpdf2's internals
ever change shape the code falls back to plain ``FPDF.add_font``.
"""

from __future__ import annotations

import copy
import io
import logging
from functools import lru_cache
from pathlib import Path

from fpdf import FPDF

FONT_DIR = Path(__file__).resolve().parent / "fonts"
FAMILY = "serif"
FACES = {"": "LiberationSerif-Regular.ttf", "B": "LiberationSerif-Bold.ttf"}

_LOG = logging.getLogger(__name__)

#: Code points kept in the working copy.
WORKING_RANGES: tuple[tuple[int, int], ...] = (
    (0x0020, 0x007E),  # ASCII
    (0x00A0, 0x024F),  # Latin-1 supplement, Latin extended A and B
    (0x0250, 0x02FF),  # IPA extensions, spacing modifier letters (ʻ ʼ ˆ ...)
    (0x0300, 0x036F),  # combining diacritical marks
    (0x1E00, 0x1EFF),  # Latin extended additional (Vietnamese)
    (0x2000, 0x206F),  # general punctuation (’ “ ” – — … •)
    (0x20A0, 0x20CF),  # currency symbols
    (0x2100, 0x214F),  # letterlike symbols (№ ™)
)


def font_path(style: str = "") -> Path:
    return FONT_DIR / FACES[style]


@lru_cache(maxsize=None)
def _full_cmap(style: str) -> frozenset[int]:
    from fontTools.ttLib import TTFont

    with TTFont(font_path(style), lazy=True) as font:
        return frozenset(font.getBestCmap())


@lru_cache(maxsize=None)
def _working_copy(style: str) -> tuple[bytes, frozenset[int]]:
    """The reduced face as TTF bytes, and the code points it maps."""
    from fontTools import subset as ftsubset
    from fontTools.ttLib import TTFont

    wanted = [cp for lo, hi in WORKING_RANGES for cp in range(lo, hi + 1)]
    font = TTFont(font_path(style), recalcTimestamp=False)
    options = ftsubset.Options()
    options.hinting = False
    options.layout_features = []
    options.drop_tables += ["FFTM", "GSUB", "GPOS", "GDEF", "kern", "gasp", "DSIG"]
    options.notdef_outline = True
    options.recommended_glyphs = True
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    options.glyph_names = True
    subsetter = ftsubset.Subsetter(options)
    subsetter.populate(unicodes=wanted)
    subsetter.subset(font)
    buf = io.BytesIO()
    font.save(buf)
    cmap = frozenset(font.getBestCmap())
    font.close()
    return buf.getvalue(), cmap


def working_charset() -> frozenset[int]:
    """Code points every face of the working copy can set."""
    sets = [_working_copy(style)[1] for style in FACES]
    return frozenset.intersection(*sets)


class FontInstaller:
    """Installs the serif family into new :class:`FPDF` objects, fast."""

    def __init__(self) -> None:
        self._protos: dict[tuple[str, str], object] = {}
        self._fast_ok = True

    def install(self, pdf: FPDF, text_sample: str = "") -> str:
        """Add the family (regular and bold) to ``pdf``; returns which copy was used.

        ``text_sample`` is the variable text the document will print (names,
        addresses, charges); if any of it is outside the working copy, the full
        font is used.
        """
        working = working_charset()
        variant = "working"
        if text_sample and any(ord(ch) not in working for ch in set(text_sample)
                               if not ch.isspace()):
            variant = "full"
        if self._fast_ok:
            try:
                for style in FACES:
                    self._install_clone(pdf, variant, style)
                return variant
            except Exception as exc:  # pragma: no cover - only if fpdf2 internals change
                _LOG.warning("fast font path unavailable (%s); using FPDF.add_font", exc)
                self._fast_ok = False
                for key in [k for k in pdf.fonts if k.startswith(FAMILY)]:
                    del pdf.fonts[key]
        for style in FACES:
            pdf.add_font(FAMILY, style, str(font_path(style)))
        return "full"

    def _font_bytes(self, variant: str, style: str) -> bytes:
        if variant == "working":
            return _working_copy(style)[0]
        return _full_bytes(style)

    def _proto(self, variant: str, style: str):
        from fpdf.fonts import TTFFont

        key = (variant, style)
        proto = self._protos.get(key)
        if proto is None:
            scratch = FPDF(unit="pt", format="letter")
            proto = TTFFont(scratch, io.BytesIO(self._font_bytes(variant, style)),
                            f"{FAMILY}{style}", style)
            self._protos[key] = proto
        return proto

    def _install_clone(self, pdf: FPDF, variant: str, style: str) -> None:
        from fontTools.ttLib import TTFont
        from fpdf.fonts import SubsetMap

        proto = self._proto(variant, style)
        font = copy.copy(proto)
        font.i = len(pdf.fonts) + 1
        # fpdf2 subsets the fontTools object in place when it writes the PDF,
        # so every document gets its own (lazily parsed) copy of the face.
        font.ttfont = TTFont(io.BytesIO(self._font_bytes(variant, style)),
                             recalcTimestamp=False, recalcBBoxes=False, lazy=True)
        font.missing_glyphs = []
        font.biggest_size_pt = 0
        font._hbfont = None
        font.subset = SubsetMap(font)
        pdf.fonts[f"{FAMILY}{style}"] = font


@lru_cache(maxsize=None)
def _full_bytes(style: str) -> bytes:
    return font_path(style).read_bytes()


_INSTALLER: FontInstaller | None = None


def installer() -> FontInstaller:
    """The process-wide installer (each worker process builds its own)."""
    global _INSTALLER
    if _INSTALLER is None:
        _INSTALLER = FontInstaller()
    return _INSTALLER
