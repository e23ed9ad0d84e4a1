"""The manager PIN, asked before the Manager screen and, in kiosk mode, before leaving."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Input, Label

from pos.ui.dialogs.base import Dialog
from pos.ui.widgets.message_line import MessageLine
from pos.ui.base import PosNode


class PinDialog(PosNode, Dialog[bool]):
    """Dismisses with True once the app accepts the PIN; wrong PINs count towards the lockout."""

    def compose(self) -> ComposeResult:
        tr = self.pos.tr
        with Vertical(classes="dialog-box"):
            yield Label(tr("pin.title"), classes="dialog-title")
            yield Input(password=True, compact=True, id="pin-input", max_length=12)
            yield MessageLine(id="pin-message")

    def on_mount(self) -> None:
        locked = self.pos.pin_guard.locked_message()
        if locked:
            self.query_one(MessageLine).show(locked, error=True)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        ok, message = self.pos.pin_guard.check(event.value)
        if ok:
            self.dismiss(True)
            return
        event.input.value = ""
        if message:  # none for an empty PIN: nothing was guessed
            self.query_one(MessageLine).show(message, error=True)

    def action_close(self) -> None:
        self.dismiss(False)
