"""One line telling the cashier what just happened or what went wrong."""

from __future__ import annotations

from textual.widgets import Static

from pos.core.text import printable


class MessageLine(Static):
    """Errors in red, information plain; the last message stays until the next one.

    One line usually; a longer message (a rate source's or backend's own words) wraps onto
    up to four lines rather than being cut off at 80 columns.

    Messages often carry outside text (product names, backend and printer errors), so
    the line shows them literally (no markup) and without control characters.
    """

    DEFAULT_CSS = """
    MessageLine { height: auto; max-height: 4; width: 100%; padding: 0 1; }
    MessageLine.-error { background: #aa0000; color: #aaaaaa; text-style: bold; }
    MessageLine.-info { background: #000000; color: #aaaaaa; }
    """

    def __init__(self, id: str = "message") -> None:
        super().__init__("", id=id, markup=False)
        self.text = ""

    def show(self, text: str, *, error: bool = False) -> None:
        self.text = text
        self.set_class(error, "-error")
        self.set_class(not error and bool(text), "-info")
        self.update(printable(text))

    def clear(self) -> None:
        self.show("")
