"""The printer code pages a slip may be encoded in, with the ESC t table each usually is.

Only single-byte code pages that keep ASCII where ASCII is: with any other Python codec
(utf-16-le, say) ordinary letters of a product name turn into bytes below 0x20, which
the printer reads as commands (reset, cut). `[printer] codec` and the ESC/POS encoder's
profile accept these names only. Tables are Epson's numbering; other makes differ, so
`[printer] code_table` stays a separate setting.
"""

from __future__ import annotations

CODE_PAGES: dict[str, int] = {
    "cp437": 0,     # PC437, USA / standard Europe
    "cp850": 2,     # PC850, multilingual
    "cp860": 3,     # PC860, Portuguese
    "cp863": 4,     # PC863, Canadian French
    "cp865": 5,     # PC865, Nordic
    "cp1252": 16,   # WPC1252, Latin 1
    "cp866": 17,    # PC866, Cyrillic #2 (most printers sold in Kazakhstan)
    "cp852": 18,    # PC852, Latin 2
    "cp858": 19,    # PC858, Euro
    "cp1251": 46,   # WPC1251, Cyrillic
    "kz1048": 53,   # KZ-1048, Kazakh (Epson TM-T20II/III, TM-L90)
}


def known_code_page(codec: str) -> bool:
    return codec in CODE_PAGES
