"""pos.core.text.printable: outside text loses its control characters, keeps everything else."""

import pytest

from pos.core.text import printable


@pytest.mark.parametrize("raw, shown", [
    ("Хлеб пшеничный", "Хлеб пшеничный"),
    ("Tea\x1b]0;title\x07", "Tea ]0;title "),           # OSC: the window title
    ("\x1b]52;c;cm0=\x07", " ]52;c;cm0= "),             # OSC 52: the clipboard
    ("a\x1b[2Jb", "a [2Jb"),                             # CSI: clear the screen
    ("a\x9b31mb\x85c", "a 31mb c"),                      # C1: CSI and NEL
    ("a\x7fb\x00c\td\r\ne", "a b c d  e"),               # DEL, NUL, tab, CR LF
    ("a\u2028b\u2029c", "a b c"),                        # line and paragraph separators
    ("a\ud800b", "a b"),                                 # a lone surrogate cannot be encoded
    ("1\u00a0250\u202f₸ [/b] 👩\u200d👩", "1\u00a0250\u202f₸ [/b] 👩\u200d👩"),  # spaces, markup, joiners kept
])
def test_control_characters_become_spaces_and_nothing_else_changes(raw: str, shown: str) -> None:
    assert printable(raw) == shown


def test_anything_is_shown_as_its_str() -> None:
    assert printable(ValueError("bad\x1b")) == "bad "
