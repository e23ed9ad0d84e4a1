"""Text from outside the program, made safe to show: no control characters.

Product names, backend and rate errors, printer answers and config strings end up on
the cashier's terminal. A C0/C1 control character or DEL there is not just ugly: ESC
starts sequences that set the window title, clear the screen or write the terminal's
clipboard (OSC 52). Every such character becomes a space, as on the printed slip
(drivers.escpos). Line and paragraph separators would break one-line widgets, and a
lone surrogate cannot be encoded for the terminal at all, so they go too. Everything
else, including every kind of space and joiners in emoji, is kept.

Plain Python: the catalog (pos.core) and the UI both use it.
"""

from __future__ import annotations

import unicodedata

_UNSAFE_CATEGORIES = frozenset({"Cc", "Cs", "Zl", "Zp"})  # controls, surrogates, line/paragraph separators


def _safe(ch: str) -> bool:
    return ch.isprintable() or unicodedata.category(ch) not in _UNSAFE_CATEGORIES


def printable(text: object) -> str:
    """The text with every control character (C0, C1, DEL), separator and surrogate as a space."""
    text = str(text)
    if text.isprintable():  # the common case: nothing to replace, no per-character work
        return text
    return "".join(ch if _safe(ch) else " " for ch in text)
