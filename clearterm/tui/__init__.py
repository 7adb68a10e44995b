"""The review workstation (Textual). Headless code (domain, storage, review) never imports this.

``run_review(db_path, reviewer, today=None)`` opens the workstation on a store;
:class:`ReviewApp` is the app itself (constructible with a path or an open
:class:`~clearterm.storage.Store`, a reviewer, an injectable ``today`` and a keymap).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from clearterm.storage import Store

__all__ = ["run_review", "ReviewApp", "known_binding_ids"]


def known_binding_ids() -> set[str]:
    from clearterm.tui.bindings import binding_ids

    return binding_ids()


def run_review(db_path: str | Path | Store, reviewer: str, *, today: date | None = None,
               keymap_path: Path | None = None) -> None:
    """Open the workstation (blocks until the reviewer quits).

    ``db_path`` is the store file (or an open :class:`Store`); the keymap comes from
    ``keymap_path``, else :func:`clearterm.settings.keymap_path`
    (raises :class:`clearterm.tui.keymap.KeymapError` with one line if it is unusable).
    """
    from clearterm import settings
    from clearterm.tui.app import ReviewApp
    from clearterm.tui.keymap import load_keymap

    keymap = load_keymap(keymap_path or settings.keymap_path(), known_binding_ids())
    # freeze_heap: once the first screen is up, everything alive then (Textual, Rich, the rules,
    # the widgets) is moved out of the garbage collector's reach (gc.freeze), so a full collection
    # walks only what was made since and its pauses (up to ~100-250 ms otherwise, measured with
    # benchmarks/bench_tui.py --gc-stats) stop landing on keystrokes. One app per process here.
    ReviewApp(db_path, reviewer, today=today, keymap=keymap, freeze_heap=True,
              ansi_color=True if sixteen_colours() else None).run()


def sixteen_colours(env: dict | None = None) -> bool:
    """Whether the terminal shows only 16 colours (``TERM=xterm``, ``vt100``, ``linux``...: no
    ``256color`` in TERM and no COLORTERM): the workstation then uses the terminal's own ANSI
    colours (Textual's ``ansi-dark`` theme), whose cursor and status colours read there."""
    import os

    env = os.environ if env is None else env
    term = env.get("TERM", "")
    return bool(term) and "256color" not in term and not env.get("COLORTERM") and term != "dumb"


def __getattr__(name: str):
    if name == "ReviewApp":
        from clearterm.tui.app import ReviewApp

        return ReviewApp
    raise AttributeError(name)
