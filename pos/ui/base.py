"""A typed view of the running PosApp for screens, dialogs and widgets."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

if TYPE_CHECKING:
    from textual.app import App

    from pos.ui.app import PosApp


class PosNode:
    """Mixed into Textual nodes: `self.pos` is `self.app`, typed as the cashier terminal."""

    app: App[object]  # declared only: the node it is mixed into has it (textual's MessagePump.app)

    @property
    def pos(self) -> PosApp:
        return cast("PosApp", self.app)
