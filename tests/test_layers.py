"""Domain, storage and ingest never import Textual (nor the TUI)."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import clearterm

HEADLESS = ("clearterm.domain", "clearterm.storage", "clearterm.ingest", "clearterm.devtools.synth",
            "clearterm.documents", "clearterm.services.evaluate", "clearterm.services.bulk", "clearterm.services.review",
            "clearterm.services.batches", "clearterm.services.access", "clearterm.services.anchors")


def headless_modules() -> list[str]:
    names = []
    for m in pkgutil.walk_packages(clearterm.__path__, "clearterm."):
        if m.name.startswith(HEADLESS):
            names.append(m.name)
    return names


def test_there_are_headless_modules_to_check():
    names = headless_modules()
    assert "clearterm.domain.record" in names
    assert "clearterm.storage.store" in names
    assert "clearterm.ingest.pipeline" in names
    assert {"clearterm.services.evaluate", "clearterm.services.bulk", "clearterm.services.review", "clearterm.documents.render",
            "clearterm.services.batches", "clearterm.services.access"} <= set(names)


def test_headless_modules_never_import_textual():
    names = headless_modules()
    code = (
        "import importlib, sys\n"
        f"for n in {names!r}:\n"
        "    importlib.import_module(n)\n"
        "bad = sorted(m for m in sys.modules if m == 'textual' or m.startswith(('textual.', 'clearterm.tui')))\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "", f"headless modules imported: {out.stdout.strip()}"
