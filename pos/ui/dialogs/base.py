"""What every dialog shares: a centred box with a title, on top of the dimmed screen."""

from __future__ import annotations

from typing import TypeVar

from textual.binding import Binding
from textual.screen import ModalScreen

T = TypeVar("T")


class Dialog(ModalScreen[T]):
    """Escape closes the dialog with None (or False for yes/no questions)."""

    DEFAULT_CSS = """
    Dialog { align: center middle; background: #000000 50%; }
    Dialog > .dialog-box {
        width: 64; max-width: 100%; height: auto; max-height: 100%;
        background: #aaaaaa; color: #000000; padding: 1 2;
    }
    Dialog .dialog-title { text-style: bold; width: 100%; margin-bottom: 1; }
    Dialog Input { background: #000000; color: #aaaaaa; width: 100%; }
    Dialog Input:focus { background: #000000; }
    Dialog .dialog-hint { color: #0000aa; margin-top: 1; }
    """

    BINDINGS = [Binding("escape", "close", "key.close")]

    def action_close(self) -> None:
        self.dismiss(None)
