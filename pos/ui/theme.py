"""The terminal's colours: only the eight colours of the VGA text palette.

Why: the Pi's Linux console (TERM=linux) has eight background colours and renders
bright colours and box-drawing poorly. Built from those eight, the screens look the
same on tty1 as in a desktop terminal, and every state colour survives the downgrade.
"""

from __future__ import annotations

from textual.theme import Theme

BLACK, BLUE, GREEN, CYAN = "#000000", "#0000aa", "#00aa00", "#00aaaa"
RED, MAGENTA, BROWN, GREY = "#aa0000", "#aa00aa", "#aa5500", "#aaaaaa"

POS_THEME = Theme(
    name="cryptocity-vga",
    primary=CYAN,
    secondary=BLUE,
    accent=BROWN,
    warning=BROWN,
    error=RED,
    success=GREEN,
    foreground=GREY,
    background=BLUE,
    surface=BLUE,
    panel=BLACK,
    boost=BLUE,
    dark=True,
    variables={
        "footer-background": GREY,
        "footer-foreground": BLACK,
        "footer-key-foreground": BLUE,
        "footer-key-background": GREY,
        "footer-description-foreground": BLACK,
        "footer-description-background": GREY,
        "footer-item-background": GREY,
        "block-cursor-background": CYAN,
        "block-cursor-foreground": BLACK,
        "block-cursor-text-style": "none",
        "block-cursor-blurred-background": BLACK,
        "block-cursor-blurred-foreground": GREY,
        "input-cursor-background": GREY,
        "input-cursor-foreground": BLACK,
        "input-selection-background": CYAN,
        "scrollbar": CYAN,
        "scrollbar-background": BLUE,
        "border": CYAN,
        "border-blurred": BLACK,
    },
)
