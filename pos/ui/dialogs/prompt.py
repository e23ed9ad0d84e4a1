"""Ask for one value (quantity, discount, rate); bad input is explained and the dialog stays."""

from __future__ import annotations

from typing import Callable, Generic, TypeVar

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Input, Label

from pos.core.text import printable
from pos.ui.dialogs.base import Dialog
from pos.ui.widgets.message_line import MessageLine

T = TypeVar("T")


class InputRejected(ValueError):
    """Raised by a prompt's parser; the message (already translated) is shown under the field."""


class PromptDialog(Dialog[T], Generic[T]):
    def __init__(self, title: str, parse: Callable[[str], T], *, value: str = "", hint: str = "",
                 password: bool = False) -> None:
        super().__init__()
        self._title, self._parse, self._value, self._hint, self._password = title, parse, value, hint, password

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box"):
            yield Label(printable(self._title), classes="dialog-title", markup=False)  # may name a product
            yield Input(self._value, password=self._password, compact=True, id="prompt-input",
                        select_on_focus=True)
            yield MessageLine(id="prompt-message")
            if self._hint:
                yield Label(self._hint, classes="dialog-hint", markup=False)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        try:
            result = self._parse(event.value)
        except InputRejected as exc:
            self.query_one(MessageLine).show(str(exc), error=True)
            event.input.select_all()
            return
        self.dismiss(result)
