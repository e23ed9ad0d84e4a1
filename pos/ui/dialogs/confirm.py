"""A yes/no question; Enter or Y says yes, Escape or N says no."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Label

from pos.core.text import printable
from pos.ui.dialogs.base import Dialog
from pos.ui.base import PosNode


class ConfirmDialog(PosNode, Dialog[bool]):
    BINDINGS = [
        Binding("y,enter", "answer(True)", "key.yes"),
        Binding("n,escape", "answer(False)", "key.no"),
    ]

    def __init__(self, question: str, detail: str = "") -> None:
        super().__init__()
        self._question = question
        self._detail = detail  # outside text (a source's error): shown literally, wrapped, in full

    def compose(self) -> ComposeResult:
        tr = self.pos.tr
        with Vertical(classes="dialog-box"):
            yield Label(printable(self._question), classes="dialog-title", markup=False)
            if self._detail:
                yield Label(printable(self._detail), classes="dialog-detail", markup=False)
            yield Label(tr("confirm.hint"), classes="dialog-hint", markup=False)

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)

    def action_close(self) -> None:
        self.dismiss(False)
