"""The Linux console (TERM=linux): eight colours, no tenge sign; and the kiosk's systemd unit."""

from __future__ import annotations

import re
from pathlib import Path

from rich.color import Color, ColorSystem

from pos.ui.format import currency_symbol
from pos.ui.theme import BLACK, BLUE, BROWN, CYAN, GREEN, GREY, MAGENTA, RED
from pos.ui.widgets.qr_view import DARK, LIGHT

VGA = {BLACK, BLUE, GREEN, CYAN, RED, MAGENTA, BROWN, GREY}
UI = Path("pos/ui")


def test_every_colour_the_screens_use_is_one_of_the_consoles_eight() -> None:
    sources = [*UI.rglob("*.tcss"), *UI.rglob("*.py")]
    used = {c.lower() for path in sources for c in re.findall(r"#[0-9a-fA-F]{6}\b", path.read_text("utf-8"))}
    assert used - VGA - {DARK, LIGHT} == set()
    for colour in VGA:  # and each is exactly a colour of the console's palette
        assert Color.parse(colour).downgrade(ColorSystem.STANDARD).number in range(8)


def test_the_qr_stays_black_on_white_on_the_console() -> None:
    assert Color.parse(DARK).downgrade(ColorSystem.STANDARD).number == 0
    assert Color.parse(LIGHT).downgrade(ColorSystem.STANDARD).number in (7, 15)  # grey or white: both light


def test_the_console_gets_kzt_instead_of_the_tenge_sign() -> None:
    assert currency_symbol({"TERM": "linux"}) == "KZT"
    assert currency_symbol({"TERM": "xterm-256color"}) == "₸"


def test_the_systemd_unit_runs_the_kiosk_on_tty1_with_a_utf8_locale_and_restarts() -> None:
    unit = Path("deploy/cryptocity-pos.service").read_text(encoding="utf-8")
    lines = [line.strip() for line in unit.splitlines() if line.strip() and not line.startswith("#")]
    assert "TTYPath=/dev/tty1" in lines and "StandardInput=tty-force" in lines
    assert "Conflicts=getty@tty1.service" in lines
    assert "Restart=always" in lines and "StartLimitIntervalSec=0" in lines
    assert any(line.startswith("ExecStart=") and line.endswith("pos --kiosk") for line in lines)
    env = " ".join(line for line in lines if line.startswith("Environment="))
    assert "LANG=C.UTF-8" in env and "LC_ALL=C.UTF-8" in env and "POS_CONFIG=" in env
    keymap = Path("deploy/kiosk.keymap").read_text(encoding="utf-8")
    assert "alt keycode 59 = VoidSymbol" in keymap and "control alt keycode 111 = VoidSymbol" in keymap
