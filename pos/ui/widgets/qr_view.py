"""The payment QR drawn with half-block characters, dark modules on a light background."""

from __future__ import annotations

from rich.segment import Segment
from rich.style import Style
from textual.geometry import Size
from textual.reactive import reactive
from textual.strip import Strip
from textual.widget import Widget

from pos.ui.qr import QrCode, make_qr

# Pure black and white: the Linux console maps them to its black and light grey, which
# scanners read as well as black and white; no theme colour leaks into the symbol.
DARK = "#000000"
LIGHT = "#ffffff"
UPPER_HALF = "\u2580"


def _cell(upper: bool, lower: bool) -> Segment:
    """Equal halves are a plain cell of background colour, so only mixed cells use a glyph."""
    colour = {True: DARK, False: LIGHT}
    if upper == lower:
        return Segment(" ", Style(bgcolor=colour[upper]))
    return Segment(UPPER_HALF, Style(color=colour[upper], bgcolor=colour[lower]))


class QrView(Widget):
    """Shows `data` as a QR code; its size follows the symbol (see pos.ui.qr)."""

    DEFAULT_CSS = """
    QrView { width: auto; height: auto; }
    """

    data: reactive[str] = reactive("", layout=True)

    def __init__(self, data: str = "", *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._code: QrCode | None = None
        self.set_reactive(QrView.data, data)

    def watch_data(self) -> None:
        self._code = None

    @property
    def code(self) -> QrCode | None:
        if self._code is None and self.data:
            self._code = make_qr(self.data)
        return self._code

    def get_content_width(self, container: Size, viewport: Size) -> int:
        return self.code.size if self.code else 0

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return self.code.height_cells if self.code else 0

    def render_line(self, y: int) -> Strip:
        code = self.code
        if code is None or y >= code.height_cells:
            return Strip.blank(self.size.width)
        row = code.cell_rows()[y]
        return Strip([_cell(upper, lower) for upper, lower in row]).crop_extend(0, self.size.width, None)
