"""A typed view of the running PosApp for screens, dialogs and widgets."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

if TYPE_CHECKING:
    from pos.ui.app import PosApp


class PosNode:
    """Mixed into Textual nodes: `self.pos` is `self.app`, typed as the cashier terminal."""

    @property
    def pos(self) -> "PosApp":
        return cast("PosApp", self.app)  # type: ignore[attr-defined]
