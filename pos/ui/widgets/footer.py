"""Textual's Footer with the binding descriptions translated (they are catalog keys) and the
keys shown in glyphs the kiosk's console font has (pos.ui.console)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Footer
from textual.widgets._footer import FooterKey
from pos.ui.base import PosNode
from pos.ui.console import key_display


class PosFooter(PosNode, Footer):
    """Bindings carry keys like "key.charge"; the footer shows them in the current language."""

    def __init__(self) -> None:
        super().__init__(show_command_palette=False, compact=True)
        self._composed: tuple | None = None  # what the keys on show were composed from

    def _keys_to_show(self) -> tuple:
        bindings = self.screen.active_bindings.values()
        return self.pos.language, tuple((b.key, b.description, enabled) for _, b, enabled, _ in bindings if b.show)

    async def language_changed(self) -> None:
        await self.recompose()

    async def recompose(self) -> None:
        """Textual recomposes the footer on every bindings refresh (focus moves, screen stack
        changes, cart changes): rebuilding seven styled keys costs a few ms each time, so only
        when the keys, their state or the language changed."""
        if not self.is_attached:
            return  # queued after a refresh, and the screen has gone since
        shown = self._keys_to_show() if self._bindings_ready else None
        if shown is not None and shown == self._composed:
            return
        self._composed = shown
        await super().recompose()
        self._forget_removed_keys()

    def _forget_removed_keys(self) -> None:
        """Textual's Footer data-binds every key it composes; the binding stays in the footer's
        watcher list until `compact` changes (never here), keeping each removed key alive. The
        Sale screen's footer recomposes on every cart change, so prune the removed ones."""
        for watchers in getattr(self, "__watchers", {}).values():
            watchers[:] = [(node, callback) for node, callback in watchers if node.is_attached]

    def compose(self) -> ComposeResult:
        tr = self.pos.tr
        for widget in super().compose():
            if isinstance(widget, FooterKey):
                widget.key_display = key_display(widget.key_display)
                if widget.description:
                    widget.description = tr(widget.description)
            yield widget
