"""Every Textual message of the workstation is defined in clearterm.tui.messages."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

from textual.message import Message

import clearterm.tui
from clearterm.tui import messages


def _tui_modules():
    for info in pkgutil.walk_packages(clearterm.tui.__path__, "clearterm.tui."):
        yield importlib.import_module(info.name)


def _message_classes(obj, seen):
    for value in vars(obj).values():
        if inspect.isclass(value) and value not in seen and value.__module__.startswith("clearterm."):
            seen.add(value)
            if issubclass(value, Message):
                yield value
            yield from _message_classes(value, seen)  # nested classes (a widget's own messages)


def test_every_message_lives_in_messages_module():
    seen: set[type] = set()
    found = {cls for module in _tui_modules() for cls in _message_classes(module, seen)}
    assert {c.__module__ for c in found} == {"clearterm.tui.messages"}
    declared = {v for v in vars(messages).values() if inspect.isclass(v) and issubclass(v, Message)
                and v.__module__ == messages.__name__}
    assert found == declared
    names = [c.__name__ for c in declared]
    assert len(names) == len(set(names)) and not any(n.endswith("_") for n in names)
