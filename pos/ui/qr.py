"""A payment URI -> a QR module matrix -> rows of half-block cells for the screen.

Why half blocks: a terminal cell is about twice as tall as it is wide, so one cell
holding two modules (upper and lower half) draws square modules and halves the
height: a normal invoice URI (version 5, 37 modules + the 4-module quiet zone on
each side) needs 23 rows, which fits 80x24 under the status bar. Dark modules are
drawn on a light background (phones expect dark-on-light), and only full cells and
the upper half block are used: the Linux console's fonts have both.

qrcode is imported on first use, never at start-up.
"""

from __future__ import annotations

from dataclasses import dataclass

QUIET_ZONE = 4  # modules of light margin on every side, as ISO/IEC 18004 asks
# Segmentation thresholds tried: qrcode's default run-length for switching mode is not
# always the one that gives the smallest symbol; trying a few is cheap (no masking).
_OPTIMIZE_CHOICES = (4, 5, 6, 8, 12, 20, 0)


@dataclass(frozen=True)
class QrCode:
    """The modules of a symbol, quiet zone included; True = dark."""

    data: str
    version: int
    modules: tuple[tuple[bool, ...], ...]

    @property
    def size(self) -> int:
        return len(self.modules)

    def cell_rows(self) -> list[list[tuple[bool, bool]]]:
        """Pairs of module rows as (upper dark, lower dark) per column; a missing lower row is light."""
        rows = []
        for y in range(0, self.size, 2):
            upper = self.modules[y]
            lower = self.modules[y + 1] if y + 1 < self.size else (False,) * self.size
            rows.append(list(zip(upper, lower)))
        return rows

    @property
    def height_cells(self) -> int:
        return (self.size + 1) // 2


def make_qr(data: str) -> QrCode:
    """The smallest symbol (error correction L) holding the data, with its quiet zone."""
    import qrcode
    from qrcode.constants import ERROR_CORRECT_L

    best: tuple[int, int] | None = None
    for optimize in _OPTIMIZE_CHOICES:
        code = qrcode.QRCode(error_correction=ERROR_CORRECT_L, border=QUIET_ZONE)
        code.add_data(data, optimize=optimize)
        version = code.best_fit()
        if best is None or version < best[0]:
            best = (version, optimize)
    assert best is not None
    code = qrcode.QRCode(version=best[0], error_correction=ERROR_CORRECT_L, border=QUIET_ZONE)
    code.add_data(data, optimize=best[1])
    code.make(fit=False)
    matrix = tuple(tuple(bool(m) for m in row) for row in code.get_matrix())
    return QrCode(data, best[0], matrix)
