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

    def on_mount(self) -> None:
        self.watch(self.app, "language", lambda _: self.recompose(), init=False)

    def compose(self) -> ComposeResult:
        tr = self.pos.tr
        for widget in super().compose():
            if isinstance(widget, FooterKey) and widget.description:
                widget.description = tr(widget.description)
            yield widget
