"""The glyphs the terminal draws: only those of the kiosk's Linux console font.

The kiosk runs on tty1 (TERM=linux) with Debian's FullCyrAsia-Fixed16 (README, kiosk
step 4): 512 glyphs with the Kazakh letters, ₸, №, box drawing and the half and full
blocks (▀ ▄ █ ▌ ▐) the QR and the toasts use, but none of the eighth blocks (▁ ▃ ▎ ▏ ▔)
that Textual draws for smooth scrollbar ends and 'tall' borders, nor ⏎. The console
shows a character it has no glyph for as an inverse '?'. Rather than a console mode,
every terminal gets the same glyphs: what the snapshots show is what tty1 shows, and
tests/ui/test_console.py checks every screen against the real font.
"""

from __future__ import annotations

from textual.scrollbar import ScrollBar, ScrollBarRender

#: Textual's key names drawn as symbols the console font lacks, as words instead.
KEY_WORDS = {"⏎": "enter", "⌫": "backspace"}


class WholeCellScrollBar(ScrollBarRender):
    """A scrollbar whose thumb starts and ends on whole cells: no eighth-block ends."""

    VERTICAL_BARS = [" "] * len(ScrollBarRender.VERTICAL_BARS)
    HORIZONTAL_BARS = [" "] * len(ScrollBarRender.HORIZONTAL_BARS)


def key_display(shown: str) -> str:
    """How the footer shows a key: Textual's own label unless the console font lacks it."""
    return KEY_WORDS.get(shown, shown)


def use_console_glyphs() -> None:
    """Every scrollbar in whole cells. Textual's documented way to change how scrollbars are
    drawn is this class attribute, which holds for the process: one terminal, one look."""
    ScrollBar.renderer = WholeCellScrollBar
