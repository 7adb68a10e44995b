"""User keymaps: rebind the workstation's keys by binding id (as Posting does).

A TOML file maps binding ids to keys, either at the top level or under ``[keys]``::

    [keys]
    approve = "y"
    next = ["j", "down"]      # several keys: a list, or "j,down"

Its path comes from :func:`clearterm.settings.keymap_path` (``$CLEARTERM_KEYMAP``, else
``$XDG_CONFIG_HOME/clearterm/keymap.toml``, ``~/.config/clearterm/keymap.toml``), passed in by
:func:`clearterm.tui.run_review`; it is applied with :meth:`textual.app.App.set_keymap`.
An unknown id or a malformed file is refused with one line naming the file and the problem.
"""

from __future__ import annotations

from pathlib import Path

from clearterm.settings import ConfigError, read_toml


class KeymapError(Exception):
    """The keymap file cannot be used (the message names the file and the problem)."""


def load_keymap(path: Path | None, known_ids: set[str]) -> dict[str, str]:
    """``{binding id: "key1,key2"}`` from the file at ``path`` (``{}`` for none)."""
    if path is None:
        return {}
    try:
        data = read_toml(path, "keymap")
    except ConfigError as exc:
        raise KeymapError(str(exc)) from None
    table = data.get("keys", data)
    if not isinstance(table, dict):
        raise KeymapError(f"keymap {path}: [keys] must be a table")
    out: dict[str, str] = {}
    for bid, keys in table.items():
        if bid not in known_ids:
            raise KeymapError(f"keymap {path}: unknown binding id {bid!r} (known: {', '.join(sorted(known_ids))})")
        if isinstance(keys, str):
            keys = [k for k in keys.split(",")]
        if not isinstance(keys, list) or not keys or not all(isinstance(k, str) and k.strip() for k in keys):
            raise KeymapError(f"keymap {path}: {bid} must be a key or a list of keys")
        bad = [k for k in keys if k.strip().startswith("alt+")]
        if bad:
            raise KeymapError(f"keymap {path}: {bid}: Alt keys do not reach the terminal reliably over SSH")
        out[bid] = ",".join(k.strip() for k in keys)
    return out
