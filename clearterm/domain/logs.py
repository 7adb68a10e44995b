"""Which libraries' log lines and warnings never reach the terminal.

pyHanko logs a traceback for every certificate path it cannot build (each signature, without a
trust root) and fpdf2 quotes the characters a font lacks, which can be data (control characters
included); clearterm's own reports already say what failed. The CLI calls :func:`quiet_libraries`
before any command, and so do the signing and verifying worker processes. It lives here, not in
``documents``, so that the CLI can call it without importing the PDF libraries at start-up.
"""

from __future__ import annotations

import logging
import warnings

__all__ = ["NOISY_LOGGERS", "quiet_libraries"]

NOISY_LOGGERS = ("pyhanko", "pyhanko_certvalidator", "asn1crypto", "fpdf")


def quiet_libraries() -> None:
    """Silence the loggers and warnings of :data:`NOISY_LOGGERS` in this process."""
    for name in NOISY_LOGGERS:
        logger = logging.getLogger(name)
        logger.setLevel(logging.CRITICAL + 1)
        logger.propagate = False
        warnings.filterwarnings("ignore", module=rf"{name}(\..*)?")
