"""ESC/POS encoding, from the Epson command reference: receipt document + profile -> bytes.

Pure: no port, no clock, no state between calls. Every command is written once
here; the transports (serial, file, mock) only move the bytes.

Text goes through the profile's code table and codec. A character the code page
lacks is never sent as '?': Kazakh letters are transliterated the way Kazakh
names are written in Russian (Әділ -> Адил), the tenge sign becomes KZT,
typographic punctuation its ASCII look-alike, accented Latin its base letter,
and anything else '*'. Control characters in text become spaces, so a product
name cannot smuggle a command to the printer.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Protocol

from pos.core.codepages import CODE_PAGES
from pos.core.receipt import CENTER, LEFT, QR, RIGHT, Cut, Feed, Receipt, Rule, Text

ESC, GS, DLE = b"\x1b", b"\x1d", b"\x10"
LF = b"\n"
INIT = ESC + b"@"
#: GS V 66 0: feed to the cutter, then a partial cut (leaves a hinge, the slip stays put).
PARTIAL_CUT = GS + b"VB\x00"
#: ESC p 0 25 250: pulse drawer pin 2 for 50 ms, then 500 ms off.
DRAWER_KICK = ESC + b"p\x00\x19\xfa"

ALIGN_CODES = {LEFT: 0, CENTER: 1, RIGHT: 2}
QR_ERROR_LEVELS = {"L": 48, "M": 49, "Q": 50, "H": 51}
QR_ERROR_LEVEL = "M"
QR_MODULE_DOTS = 6
#: Raster QRs use smaller modules (0.5 mm, still easy for a phone): the image is bytes on a slow line.
RASTER_MODULE_DOTS = 4

#: Letters and signs most code pages lack, and what is printed instead.
TRANSLITERATION: dict[str, str] = {
    "Ә": "А", "ә": "а", "Ғ": "Г", "ғ": "г", "Қ": "К", "қ": "к", "Ң": "Н", "ң": "н",
    "Ө": "О", "ө": "о", "Ұ": "У", "ұ": "у", "Ү": "У", "ү": "у", "Һ": "Х", "һ": "х",
    "І": "И", "і": "и",
    "₸": "KZT",
    "«": '"', "»": '"', "„": '"', "“": '"', "”": '"', "‘": "'", "’": "'",
    "—": "-", "–": "-", "−": "-", "…": "...", "\u00a0": " ", "\u202f": " ",
}
UNPRINTABLE = "*"


class ProfileError(ValueError):
    """A printer profile that cannot work (a codec that is not a printer code page)."""


class ProfileOptions(Protocol):
    """What a profile is made from: the part of a pos.config.Printer section it reads.

    A Protocol, so that drivers need not import the app's configuration; read-only
    properties, so that a frozen dataclass (or a property, as `columns`) matches.
    """

    @property
    def columns(self) -> int: ...
    @property
    def code_table(self) -> int: ...
    @property
    def codec(self) -> str: ...
    @property
    def native_qr(self) -> bool: ...
    @property
    def cash_drawer(self) -> bool: ...


@dataclass(frozen=True)
class Profile:
    """What the printer can do: paper width, code table and its codec, native QR, drawer."""

    columns: int = 48
    code_table: int = 17
    codec: str = "cp866"
    native_qr: bool = True
    cash_drawer: bool = False

    def __post_init__(self) -> None:
        # Only the code pages in pos.core.codepages: another Python codec (utf-16-le) turns
        # letters into command bytes.
        if self.codec not in CODE_PAGES:
            raise ProfileError(f"printer codec {self.codec!r} is not a known Python codec of a printer code page "
                               f"(cp866 for table 17, kz1048 for table 53; all: {', '.join(CODE_PAGES)})")

    @property
    def dots(self) -> int:
        """Printable width in dots at 203 dpi: 384 on 58 mm paper, 576 on 80 mm."""
        return 384 if self.columns == 32 else 576

    @classmethod
    def from_config(cls, printer: ProfileOptions) -> "Profile":
        """From a pos.config.Printer section."""
        return cls(columns=printer.columns, code_table=printer.code_table, codec=printer.codec,
                   native_qr=printer.native_qr, cash_drawer=printer.cash_drawer)


# ---- text --------------------------------------------------------------------
def _fits(ch: str, codec: str) -> bool:
    try:
        ch.encode(codec)
    except UnicodeEncodeError:
        return False
    return True


def _substitute(ch: str, codec: str) -> str:
    if ch in TRANSLITERATION:
        return TRANSLITERATION[ch]
    base = "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c))
    if base and base != ch and all(_fits(c, codec) for c in base):
        return base
    return UNPRINTABLE


def printable(text: str, codec: str) -> str:
    """The text as this code page will show it (see the module docstring for the rules)."""
    text = "".join(ch if ch.isprintable() else " " for ch in text)
    try:
        text.encode(codec)
        return text
    except UnicodeEncodeError:
        return "".join(ch if _fits(ch, codec) else _substitute(ch, codec) for ch in text)


def encode_text(text: str, codec: str) -> bytes:
    return printable(text, codec).encode(codec)


# ---- commands ----------------------------------------------------------------
def select_code_table(n: int) -> bytes:
    """ESC t n: 17 = PC866 (Cyrillic), 53 = KZ-1048 (Kazakh) on Epson TM-T20II/III, TM-L90."""
    return ESC + b"t" + bytes([n])


def align(where: str) -> bytes:
    return ESC + b"a" + bytes([ALIGN_CODES[where]])


def bold(on: bool) -> bytes:
    return ESC + b"E" + bytes([int(on)])


def size(wide: bool, tall: bool) -> bytes:
    """GS ! n: width multiplier in the high nibble, height in the low one (x1 or x2)."""
    return GS + b"!" + bytes([(0x10 if wide else 0) | (0x01 if tall else 0)])


def feed(lines: int) -> bytes:
    return ESC + b"d" + bytes([lines])


def _qr_function(fn: int, params: bytes) -> bytes:
    """GS ( k pL pH cn=49 fn params: one QR code function."""
    length = len(params) + 2
    return GS + b"(k" + bytes([length % 256, length // 256, 49, fn]) + params


def qr_native(payload: str, module: int = QR_MODULE_DOTS, level: str = QR_ERROR_LEVEL) -> bytes:
    """The printer draws the QR itself: about a hundred bytes for a txid."""
    return (_qr_function(65, bytes([50, 0]))                        # model 2
            + _qr_function(67, bytes([module]))                     # module size in dots
            + _qr_function(69, bytes([QR_ERROR_LEVELS[level]]))    # error correction
            + _qr_function(80, b"0" + payload.encode("utf-8"))      # store the data (m = 48)
            + _qr_function(81, b"0"))                               # print it


def raster(rows: list[bytes], width_bytes: int) -> bytes:
    """GS v 0: a 1-bit image, MSB leftmost, 1 = black (the layout of a PBM P4 file)."""
    height = len(rows)
    return (GS + b"v0\x00" + bytes([width_bytes % 256, width_bytes // 256, height % 256, height // 256])
            + b"".join(rows))


def qr_matrix(payload: str, level: str = QR_ERROR_LEVEL) -> list[list[bool]]:
    """The QR modules, quiet zone included (qrcode is imported only when a raster is needed)."""
    import qrcode
    from qrcode import constants

    levels = {"L": constants.ERROR_CORRECT_L, "M": constants.ERROR_CORRECT_M,
              "Q": constants.ERROR_CORRECT_Q, "H": constants.ERROR_CORRECT_H}
    qr = qrcode.QRCode(error_correction=levels[level], border=4)
    qr.add_data(payload.encode("utf-8"))
    qr.make(fit=True)
    return qr.get_matrix()


def qr_raster(payload: str, dots: int, module: int = RASTER_MODULE_DOTS, level: str = QR_ERROR_LEVEL) -> bytes:
    """The QR as an image, for printers without GS ( k: kilobytes instead of a hundred bytes."""
    matrix = qr_matrix(payload, level)
    scale = max(1, min(module, dots // len(matrix)))
    width_bytes = (len(matrix) * scale + 7) // 8
    rows: list[bytes] = []
    for modules in matrix:
        bits = "".join(("1" if dark else "0") * scale for dark in modules).ljust(width_bytes * 8, "0")
        rows.extend([int(bits, 2).to_bytes(width_bytes, "big")] * scale)
    return raster(rows, width_bytes)


# ---- the receipt ---------------------------------------------------------------
@dataclass
class _Style:
    align: str = LEFT
    bold: bool = False
    wide: bool = False
    tall: bool = False

    def switch_to(self, text: Text) -> bytes:
        """Only the commands whose setting changes: a receipt stays short on a 9600-baud line."""
        out = b""
        if text.align != self.align:
            out += align(text.align)
        if text.bold != self.bold:
            out += bold(text.bold)
        if (text.wide, text.tall) != (self.wide, self.tall):
            out += size(text.wide, text.tall)
        self.align, self.bold, self.wide, self.tall = text.align, text.bold, text.wide, text.tall
        return out


def encode_receipt(receipt: Receipt, profile: Profile) -> bytes:
    out = bytearray(INIT + select_code_table(profile.code_table))
    style = _Style()  # what ESC @ leaves: left, regular, normal size
    for block in receipt.blocks:
        if isinstance(block, Rule):
            block = Text(block.char * receipt.columns)
        if isinstance(block, Text):
            out += style.switch_to(block) + encode_text(block.text, profile.codec) + LF
        elif isinstance(block, Feed):
            out += feed(block.lines)
        elif isinstance(block, QR):
            out += style.switch_to(Text("", align=CENTER))
            out += qr_native(block.payload) if profile.native_qr else qr_raster(block.payload, profile.dots)
        elif isinstance(block, Cut):
            out += PARTIAL_CUT
            if profile.cash_drawer and receipt.open_drawer and not receipt.copy:  # cash taken: never a COPY
                out += DRAWER_KICK
    return bytes(out)
