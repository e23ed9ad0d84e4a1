"""Textual's Footer with the binding descriptions translated (they are catalog keys)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Footer
from textual.widgets._footer import FooterKey
from pos.ui.base import PosNode


class PosFooter(PosNode, Footer):
    """Bindings carry keys like "key.charge"; the footer shows them in the current language."""

    def __init__(self) -> None:
        super().__init__(show_command_palette=False, compact=True)

    async def language_changed(self) -> None:
        await self.recompose()

    async def recompose(self) -> None:
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
            if isinstance(widget, FooterKey) and widget.description:
                widget.description = tr(widget.description)
            yield widget
