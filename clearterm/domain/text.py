"""Text from the data made safe to show (:func:`safe_text`) and to export as CSV (:func:`csv_safe`).

Pure functions, no I/O: the CLI's console, the workstation's line filter and every CSV writer
call them, so a record can neither drive the reviewer's terminal nor plant a formula in the
reviewer's spreadsheet (docs/review.md, "Guarantees: output").

**Shown text.** Nothing a terminal interprets survives :func:`safe_text`:

- C0 controls (``\\x00``-``\\x1f``: ESC, BEL, backspace, CR, tab, line feed...) and DEL become
  their Unicode *Control Pictures* (``\\x1b`` -> ``␛``, ``\\x07`` -> ``␇``, ``\\r`` -> ``␍``,
  ``\\x7f`` -> ``␡``): visible, and one cell wide each, so a table keeps its columns and the
  reviewer sees that the value holds a control character;
- C1 controls (``\\x80``-``\\x9f``: CSI ``\\x9b``, OSC ``\\x9d``, NEL...), the bidirectional
  overrides and isolates (which reorder what is shown: U+202A-U+202E, U+2066-U+2069, U+200E,
  U+200F, U+061C), the line and paragraph separators (U+2028, U+2029) and lone surrogates
  (which cannot be encoded at all) become U+FFFD ``�``.

Everything else, including ordinary non-ASCII text, is kept as it is. The mapping is one
character for one character and idempotent; it is for the eye, not reversible.

**CSV cells.** :func:`csv_safe` prefixes ``'`` to any cell that begins with ``=``, ``+``, ``-``,
``@``, a tab or a carriage return (the OWASP "CSV injection" list), so a spreadsheet shows the
cell as text instead of evaluating it. This includes negative numbers (``-3`` is written
``'-3``): OWASP's rule is by first character, and no column clearterm exports holds a
negative number in practice (tranches, versions and counts are not negative).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

#: Characters that are never shown as they are (see the module docstring), besides C0.
_NOT_C0 = "\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029\ud800-\udfff"
_UNSAFE = re.compile(f"[\x00-\x1f{_NOT_C0}]")
#: The same, but a line feed is kept (for text clearterm composed itself, over several lines).
_UNSAFE_BUT_NEWLINE = re.compile(f"[\x00-\x09\x0b-\x1f{_NOT_C0}]")

REPLACEMENT = "\ufffd"


def _picture(ch: str) -> str:
    code = ord(ch)
    if code < 0x20:
        return chr(0x2400 + code)  # CONTROL PICTURES: U+2400 NUL ... U+241F US
    if code == 0x7F:
        return "\u2421"  # SYMBOL FOR DELETE
    return REPLACEMENT


def _sub(match: re.Match) -> str:
    return _picture(match.group())


def safe_text(s: str, *, keep_newlines: bool = False) -> str:
    """``s`` with every character a terminal would interpret replaced by a visible one.

    ``keep_newlines`` keeps ``\\n`` (for multi-line text clearterm composed; a value from the
    data should be shown with it off, so it stays on one line).
    """
    if not isinstance(s, str):
        s = str(s)
    pattern = _UNSAFE_BUT_NEWLINE if keep_newlines else _UNSAFE
    if pattern.search(s) is None:
        return s
    return pattern.sub(_sub, s)


def is_safe_text(s: str) -> bool:
    """Whether ``s`` holds nothing :func:`safe_text` would replace."""
    return _UNSAFE.search(s) is None


#: First characters that make a spreadsheet treat a cell as a formula (OWASP, CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value: object) -> str:
    """One CSV cell: ``None`` as empty, anything else as text, with ``'`` before a formula start."""
    if value is None:
        return ""
    s = value if isinstance(value, str) else str(value)
    return "'" + s if s.startswith(FORMULA_STARTS) else s


def csv_row(values: Iterable[object]) -> list[str]:
    """A row of cells through :func:`csv_safe` (what every CSV writer of clearterm writes)."""
    return [csv_safe(v) for v in values]
