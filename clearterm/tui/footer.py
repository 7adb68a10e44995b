"""A footer that rebuilds its keys only when they change.

Textual's :class:`~textual.widgets.Footer` recomposes (unmounts and mounts every key widget,
restyling each) on every bindings refresh: each cursor move in the queue, each case shown,
each focus change. On the workstation that was most of a keystroke's time. This footer
compares what it would show with what it shows: the same keys, descriptions and tooltips
mean no rebuild, and a key that only became enabled or disabled (``o`` on a petition row or
not) is updated in place.
"""

from __future__ import annotations

from textual.screen import Screen
from textual.widgets import Footer
from textual.widgets._footer import FooterKey


class KeysFooter(Footer):
    _shown: tuple | None = None

    def _wanted(self) -> tuple[tuple, dict[str, bool]]:
        """(what the keys are, which actions are enabled), as :meth:`Footer.compose` reads them."""
        first: dict[str, tuple] = {}
        enabled: dict[str, bool] = {}
        for _node, binding, on, tooltip in self.screen.active_bindings.values():
            if binding.show and binding.action not in first:
                first[binding.action] = (binding.action, binding.key, self.app.get_key_display(binding),
                                         binding.description, tooltip, binding.group)
                enabled[binding.action] = on
        return (tuple(first.values()), self.show_command_palette, self.compact), enabled

    def bindings_changed(self, screen: Screen) -> None:
        self._bindings_ready = True
        if not screen.app.app_focus:
            return
        if self.is_attached and screen is self.screen:
            self.call_after_refresh(self._sync)

    async def _sync(self) -> None:
        if not self.is_attached:
            return
        shown, enabled = self._wanted()
        if shown != self._shown:
            self._shown = shown
            await self.recompose()
            return
        for key in self.query(FooterKey):  # same keys: only enabled / disabled may have changed
            on = enabled.get(key.action, True)
            if key.disabled == on:
                key.disabled = not on
