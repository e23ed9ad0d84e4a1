"""Read an ESC/POS byte stream back into what the paper shows.

The mock printer keeps its receipts' text this way, and the test printer simulator
checks what really went down the wire: text lines with their style, QR payloads
(from the GS ( k store function), raster images, cuts and drawer kicks. Bytes it
cannot read are listed in `unknown`, never silently dropped.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pos.core.receipt import CENTER, LEFT, QR, RIGHT, Block, Cut, Feed, Text, render_text

ALIGNMENTS = {0: LEFT, 1: CENTER, 2: RIGHT, 48: LEFT, 49: CENTER, 50: RIGHT}
#: ESC commands with one parameter byte that only change how things look.
ESC_ONE_PARAM = set(b"-3JMGVR{ ")
#: GS commands with one parameter byte.
GS_ONE_PARAM = set(b"BHhwfaLW")


@dataclass(frozen=True)
class Image:
    """A GS v 0 raster: rows of packed bits, MSB leftmost, 1 = black."""

    width_bytes: int
    rows: tuple[bytes, ...]

    def pixels(self) -> list[list[bool]]:
        return [[bool(row[x // 8] & (0x80 >> x % 8)) for x in range(self.width_bytes * 8)] for row in self.rows]


@dataclass
class Printout:
    blocks: list[Block] = field(default_factory=list)
    images: list[Image] = field(default_factory=list)
    code_tables: list[int] = field(default_factory=list)
    drawer_kicks: int = 0
    status_queries: list[int] = field(default_factory=list)
    unknown: list[int] = field(default_factory=list)  # offsets of bytes that were not understood

    def text(self, columns: int) -> str:
        return render_text(self.blocks, columns)

    @property
    def lines(self) -> list[str]:
        return [b.text for b in self.blocks if isinstance(b, Text)]

    @property
    def qr_payloads(self) -> list[str]:
        return [b.payload for b in self.blocks if isinstance(b, QR)]

    def receipts(self) -> list[list[Block]]:
        """The blocks of each receipt that was cut off; an uncut tail is not a receipt yet."""
        out, current = [], []
        for block in self.blocks:
            current.append(block)
            if isinstance(block, Cut):
                out.append(current)
                current = []
        return out


class _Reader:
    def __init__(self, data: bytes, codec: str) -> None:
        self.data, self.codec, self.pos = data, codec, 0
        self.out = Printout()
        self.align, self.bold, self.wide, self.tall = LEFT, False, False, False
        self.line = bytearray()
        self.qr_data = ""

    def take(self, n: int) -> bytes | None:
        """The next n bytes, or None (and nothing consumed) when the stream ends first."""
        if self.pos + n > len(self.data):
            return None
        chunk = self.data[self.pos:self.pos + n]
        self.pos += n
        return chunk

    def end_line(self) -> None:
        text = self.line.decode(self.codec, errors="replace")
        self.out.blocks.append(Text(text, self.align, self.bold, self.wide, self.tall))
        self.line.clear()

    def run(self) -> Printout:
        while self.pos < len(self.data):
            start = self.pos
            byte = self.data[self.pos]
            self.pos += 1
            if byte == 0x0A:
                self.end_line()
            elif byte == 0x0D:
                continue
            elif byte == 0x1B:
                self.esc(start)
            elif byte == 0x1D:
                self.gs(start)
            elif byte == 0x10:
                self.dle(start)
            elif byte == 0x1C:
                self.take(1)  # FS . / FS & (Kanji mode on/off): nothing to show
            elif byte < 0x20:
                self.out.unknown.append(start)
            else:
                self.line.append(byte)
        if self.line:
            self.end_line()
        return self.out

    def esc(self, start: int) -> None:
        cmd = self.take(1)
        if cmd is None:
            self.out.unknown.append(start)
        elif cmd == b"@":
            self.align, self.bold, self.wide, self.tall = LEFT, False, False, False
        elif cmd == b"2":
            pass  # default line spacing
        elif cmd == b"p":
            if self.take(3) is not None:
                self.out.drawer_kicks += 1
        elif cmd[0] in ESC_ONE_PARAM or cmd in (b"t", b"a", b"E", b"!", b"d"):
            param = self.take(1)
            if param is None:
                self.out.unknown.append(start)
            elif cmd == b"t":
                self.out.code_tables.append(param[0])
            elif cmd == b"a":
                self.align = ALIGNMENTS.get(param[0], LEFT)
            elif cmd == b"E":
                self.bold = bool(param[0] & 1)
            elif cmd == b"!":
                self.bold, self.tall, self.wide = bool(param[0] & 0x08), bool(param[0] & 0x10), bool(param[0] & 0x20)
            elif cmd == b"d":
                if self.line:
                    self.end_line()
                    if param[0] > 1:
                        self.out.blocks.append(Feed(param[0] - 1))
                elif param[0]:
                    self.out.blocks.append(Feed(param[0]))
        else:
            self.out.unknown.append(start)

    def gs(self, start: int) -> None:
        cmd = self.take(1)
        if cmd is None:
            self.out.unknown.append(start)
        elif cmd == b"!":
            param = self.take(1)
            if param is not None:
                self.wide, self.tall = bool(param[0] & 0x70), bool(param[0] & 0x07)
        elif cmd == b"V":
            mode = self.take(1)
            if mode is not None and mode[0] in (65, 66, 97, 98, 103, 104):
                self.take(1)
            self.out.blocks.append(Cut())
        elif cmd == b"(":
            self.function(start)
        elif cmd == b"v":
            self.image(start)
        elif cmd[0] in GS_ONE_PARAM:
            self.take(1)
        else:
            self.out.unknown.append(start)

    def function(self, start: int) -> None:
        head = self.take(3)
        if head is None:
            self.out.unknown.append(start)
            return
        body = self.take(head[1] + 256 * head[2])
        if body is None:
            self.out.unknown.append(start)
            return
        if head[0:1] == b"k" and len(body) >= 2 and body[0] == 49:
            if body[1] == 80:
                self.qr_data = body[3:].decode("utf-8", errors="replace")
            elif body[1] == 81:
                self.out.blocks.append(QR(self.qr_data))

    def image(self, start: int) -> None:
        head = self.take(6)
        if head is None or head[0:1] != b"0":
            self.out.unknown.append(start)
            return
        width_bytes, height = head[2] + 256 * head[3], head[4] + 256 * head[5]
        body = self.take(width_bytes * height)
        if body is None:
            self.out.unknown.append(start)
            return
        rows = tuple(body[i * width_bytes:(i + 1) * width_bytes] for i in range(height))
        self.out.images.append(Image(width_bytes, rows))
        self.out.blocks.append(Text(f"[image {width_bytes * 8}x{height}]", CENTER))

    def dle(self, start: int) -> None:
        cmd = self.take(2)
        if cmd is not None and cmd[0] == 0x04:
            self.out.status_queries.append(cmd[1])
        else:
            self.out.unknown.append(start)


def decode(data: bytes, codec: str) -> Printout:
    return _Reader(data, codec).run()
