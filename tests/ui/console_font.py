"""The kiosk's console font and the screen painted with it, cell by cell, as tty1 shows it.

The kiosk (README, "Kiosk on a Raspberry Pi") runs on the Linux console with the font
named below from Debian's console-setup-linux package (tests/setup-and-run.sh installs
it; a missing font fails the test that needs it, naming the package). The screen's cells
come from the app's own compositor, their colours as Rich writes them for TERM=linux
(the 16 ANSI colours); the Pi's framebuffer console then shows them as vt.c and fbcon do:
  * the foreground in all 16 colours; the background in eight: SGR 100-107 set the plain
    one, and a 512-glyph font leaves no bit for a bright one (number & 7);
  * a character the font has no glyph for is drawn as U+FFFD's glyph or, when the font
    lacks that too, as an inverse "?".
So a QR drawn with a glyph the font lacks comes out wrong in the picture, as on the Pi.
"""

from __future__ import annotations

import gzip
import struct
import zlib
from dataclasses import dataclass
from pathlib import Path

import pytest
from rich.color import Color, ColorSystem
from rich.style import Style
from textual.app import App

FONT_DIR = Path("/usr/share/consolefonts")
#: README's kiosk step 4: CODESET="FullCyrAsia", FONTFACE="Fixed", FONTSIZE="8x16".
KIOSK_FONT = "FullCyrAsia-Fixed16"
PACKAGE = "console-setup-linux"

PSF1_MAGIC = b"\x36\x04"
PSF2_MAGIC = b"\x72\xb5\x4a\x86"
PSF1_MODE512, PSF1_MODEHASTAB = 0x01, 0x02
PSF2_HAS_UNICODE_TABLE = 0x01

#: The console's default palette, in ANSI order: black, red, green, brown, blue, magenta, cyan,
#: grey, then their bright forms.
PALETTE = ((0x00, 0x00, 0x00), (0xAA, 0x00, 0x00), (0x00, 0xAA, 0x00), (0xAA, 0x55, 0x00),
           (0x00, 0x00, 0xAA), (0xAA, 0x00, 0xAA), (0x00, 0xAA, 0xAA), (0xAA, 0xAA, 0xAA),
           (0x55, 0x55, 0x55), (0xFF, 0x55, 0x55), (0x55, 0xFF, 0x55), (0xFF, 0xFF, 0x55),
           (0x55, 0x55, 0xFF), (0xFF, 0x55, 0xFF), (0x55, 0xFF, 0xFF), (0xFF, 0xFF, 0xFF))
BACKGROUNDS = 8
DEFAULT_FG, DEFAULT_BG = 7, 0


@dataclass(frozen=True)
class ConsoleFont:
    """A PSF font: glyph bitmaps (rows of bytes, MSB first) and which character uses which glyph."""

    name: str
    width: int
    height: int
    glyphs: tuple[bytes, ...]
    index: dict[str, int]

    def __contains__(self, char: str) -> bool:
        return char in self.index

    def glyph(self, char: str) -> tuple[int, bool]:
        """(glyph number, drawn inverse) for a character, with vt.c's stand-ins for a missing one."""
        if char in self.index:
            return self.index[char], False
        if "\ufffd" in self.index:
            return self.index["\ufffd"], False
        return self.index.get("?", ord("?")), True

    def lit(self, glyph: int, x: int, y: int) -> bool:
        row_bytes = (self.width + 7) // 8
        row = self.glyphs[glyph][y * row_bytes:(y + 1) * row_bytes]
        return bool(row[x // 8] & (0x80 >> (x % 8)))


def load_font(name: str = KIOSK_FONT) -> ConsoleFont:
    path = FONT_DIR / f"{name}.psf.gz"
    if not path.exists():
        pytest.fail(f"console font {path} is missing: apt-get install {PACKAGE} (tests/setup-and-run.sh does it)")
    return read_psf(name, gzip.decompress(path.read_bytes()))


def read_psf(name: str, data: bytes) -> ConsoleFont:
    """PSF1 (what console-setup ships) or PSF2; the unicode table follows the glyphs."""
    if data[:2] == PSF1_MAGIC:
        mode, height = data[2], data[3]
        count, width, size, start = (512 if mode & PSF1_MODE512 else 256), 8, height, 4
        has_table = bool(mode & PSF1_MODEHASTAB)
    elif data[:4] == PSF2_MAGIC:
        _, _, start, flags, count, size, height, width = struct.unpack_from("<8I", data)
        has_table = bool(flags & PSF2_HAS_UNICODE_TABLE)
    else:
        raise ValueError(f"{name}: not a PSF font (starts {data[:4].hex()})")
    glyphs = tuple(data[start + i * size:start + (i + 1) * size] for i in range(count))
    table = data[start + count * size:]
    if not has_table:
        raise ValueError(f"{name}: no unicode table, so no character can be looked up")
    index = _psf1_table(table) if data[:2] == PSF1_MAGIC else _psf2_table(table)
    return ConsoleFont(name, width, height, glyphs, index)


def _psf1_table(table: bytes) -> dict[str, int]:
    """Per glyph: UCS-2 values, then sequences after 0xFFFE, ended by 0xFFFF (sequences skipped)."""
    index: dict[str, int] = {}
    glyph, in_sequence = 0, False
    for (value,) in struct.iter_unpack("<H", table[:len(table) // 2 * 2]):
        if value == 0xFFFF:
            glyph, in_sequence = glyph + 1, False
        elif value == 0xFFFE:
            in_sequence = True
        elif not in_sequence:
            index.setdefault(chr(value), glyph)
    return index


def _psf2_table(table: bytes) -> dict[str, int]:
    """Per glyph: UTF-8 characters, then sequences after 0xFE, ended by 0xFF (sequences skipped)."""
    index: dict[str, int] = {}
    for glyph, entry in enumerate(table.split(b"\xff")):
        for char in entry.split(b"\xfe")[0].decode("utf-8"):
            index.setdefault(char, glyph)
    return index


@dataclass(frozen=True)
class Cell:
    char: str
    fg: int  # the console's colour numbers: 0-15 for the foreground, 0-7 for the background
    bg: int


def _colour(style_colour: Color | None, default: int) -> int:
    if style_colour is None or style_colour.is_default:
        return default
    number = style_colour.downgrade(ColorSystem.STANDARD).number
    assert number is not None
    return number


def _inverse(fg: int, bg: int) -> tuple[int, int]:
    """vt.c's reverse video: the colours swap, the foreground's bright bit stays where it is."""
    return bg | (fg & BACKGROUNDS), fg % BACKGROUNDS


def _cell(char: str, style: Style | None) -> Cell:
    style = style or Style()
    fg, bg = _colour(style.color, DEFAULT_FG), _colour(style.bgcolor, DEFAULT_BG) % BACKGROUNDS
    return Cell(char, *_inverse(fg, bg)) if style.reverse else Cell(char, fg, bg)


def screen_cells(app: App) -> list[list[Cell]]:
    """The current screen (dialogs over it included), one row of cells per line, as the app draws it."""
    update = app.screen._compositor.render_update(full=True, screen_stack=app._background_screens)
    rows = []
    for strips in update.strips:
        row = [_cell(char, segment.style) for strip in strips for segment in strip if not segment.control
               for char in segment.text]
        rows.append(row)
    return rows


def missing_glyphs(rows: list[list[Cell]], font: ConsoleFont) -> set[str]:
    return {cell.char for row in rows for cell in row if cell.char not in font}


def invisible_text(rows: list[list[Cell]]) -> list[str]:
    """Lines with text drawn in its own background's colour, with the invisible characters
    and '.' elsewhere."""
    lines = ["".join(cell.char if cell.char.strip() and cell.fg == cell.bg else "." for cell in row)
             for row in rows]
    return [line for line in lines if line.strip(".")]


def paint(rows: list[list[Cell]], font: ConsoleFont) -> bytes:
    """The cells as the console shows them, as an RGB PNG (one pixel per font pixel)."""
    width = len(rows[0]) * font.width
    assert all(len(row) == len(rows[0]) for row in rows), "the compositor's lines differ in length"
    lines = []
    for row in rows:
        drawn = []
        for cell in row:
            glyph, inverse = font.glyph(cell.char)
            fg, bg = _inverse(cell.fg, cell.bg) if inverse else (cell.fg, cell.bg)
            drawn.append((glyph, bytes(PALETTE[fg]), bytes(PALETTE[bg])))
        for y in range(font.height):
            line = b"".join(fg if font.lit(glyph, x, y) else bg
                            for glyph, fg, bg in drawn for x in range(font.width))
            lines.append(line)
    return _png(width, len(lines), lines)


def _png(width: int, height: int, lines: list[bytes]) -> bytes:
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    pixels = zlib.compress(b"".join(b"\x00" + line for line in lines))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
