"""Unexpected errors told without their data: the one place that turns an exception into what
may be shown (its type and the frames it went through, never its message or locals).

A message can quote the data being processed (a KeyError on a name, a ValueError quoting a row),
so the command line (:func:`clearterm.cli.common.internal_error_text`) and the workstation
(:func:`clearterm.tui.app.safe_error_text`) show only these frames.
"""

from __future__ import annotations

import traceback
from pathlib import Path


def error_frames(exc: BaseException | None, limit: int) -> list[tuple[str, int | None, str]]:
    """The last ``limit`` frames ``exc`` went through, oldest first: (file name, line, function)."""
    tb = exc.__traceback__ if exc is not None else None
    if tb is None:
        return []
    return [(Path(f.filename).name, f.lineno, f.name) for f in traceback.extract_tb(tb)[-limit:]]
