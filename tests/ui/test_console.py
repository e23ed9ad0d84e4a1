"""The Linux console (TERM=linux) as the kiosk's screen: eight colours, the glyphs of the kiosk's
console font (the real font from console-setup-linux, see console_font.py), the QR that scans
off it, and the kiosk's systemd unit and README steps."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

import pytest
from rich.color import Color, ColorSystem

from pos.core.cart import MILLI
from pos.core.catalog import Product
from pos.ui.dialogs.invoice import InvoiceDialog
from pos.ui.format import SUM_WIDTH, TENGE
from pos.ui.screens.charge import ChargeScreen
from pos.ui.screens.done import DoneScreen
from pos.ui.theme import BLACK, BLUE, BROWN, CYAN, GREEN, GREY, MAGENTA, RED
from pos.ui.widgets.qr_view import DARK, LIGHT, UPPER_HALF
from tests.ui.conftest import charge, make_config, make_services, message, running, scan, settle
from tests.ui.console_font import (KIOSK_FONT, Cell, invisible_text, load_font, missing_glyphs, paint,
                                   screen_cells)
from tests.ui.qr_decode import decode_png

VGA = {BLACK, BLUE, GREEN, CYAN, RED, MAGENTA, BROWN, GREY}
UI = Path("pos/ui")
KAZAKH = "ӘҒҚҢӨҰҮҺІәғқңөұүһі"


def test_every_colour_the_screens_use_is_one_of_the_consoles_eight() -> None:
    sources = [*UI.rglob("*.tcss"), *UI.rglob("*.py")]
    used = {c.lower() for path in sources for c in re.findall(r"#[0-9a-fA-F]{6}\b", path.read_text("utf-8"))}
    assert used - VGA - {DARK, LIGHT} == set()
    for colour in VGA:  # and each is exactly a colour of the console's palette
        assert Color.parse(colour).downgrade(ColorSystem.STANDARD).number in range(8)


def test_the_qr_stays_black_on_white_on_the_console() -> None:
    assert Color.parse(DARK).downgrade(ColorSystem.STANDARD).number == 0
    assert Color.parse(LIGHT).downgrade(ColorSystem.STANDARD).number in (7, 15)  # grey or white: both light


def test_the_kiosk_font_has_the_kazakh_letters_the_tenge_sign_and_the_qr_half_block() -> None:
    font = load_font()
    assert [char for char in KAZAKH + TENGE + UPPER_HALF + "№" if char not in font] == []


def text(rows: list[list[Cell]]) -> list[str]:
    return ["".join(cell.char for cell in row) for row in rows]


def wide_catalog(services, count: int) -> list[str]:
    """Products P-00.. at 2 500.00 each: enough different lines to make the cart scroll."""
    for n in range(count):
        services.catalog.add(Product(sku=f"P-{n:02d}", names={"en": f"Product {n}"}, unit="pcs",
                                     price_tiyn=250_000, vat_class="standard"))
    return [f"P-{n:02d}" for n in range(count)]


async def fill_cart(pilot, skus: list[str]) -> None:
    """One line each, straight into the cart (scanning twenty codes key by key takes seconds)."""
    for sku in skus:
        pilot.app.cart.add(sku, MILLI)
    pilot.app.screen.cart_changed()
    await settle(pilot)


@pytest.mark.parametrize("language", ["kk", "ru"])
async def test_every_screen_draws_only_glyphs_the_kiosk_font_has_in_colours_the_console_shows(language: str) -> None:
    """Footers, dialogs, scrollbars (the cart's, the receipt's, History's), the QR, toasts, and
    the inputs' placeholders (no text in its own background's colour)."""
    font = load_font()
    services = make_services(make_config(ui={"language": language}))
    skus = wide_catalog(services, 20)
    missing: dict[str, set[str]] = {}
    unseen: dict[str, list[str]] = {}

    def look(where: str) -> None:
        rows = screen_cells(pilot.app)
        if lacking := missing_glyphs(rows, font):
            missing[where] = lacking
        if hidden := invisible_text(rows):
            unseen[where] = hidden

    async with running(services) as pilot:
        look("empty sale")
        await fill_cart(pilot, skus)
        pilot.app.notify("toast", severity="warning")
        await settle(pilot)
        look("sale with a scrolling cart and a toast")
        await scan(pilot, "a")
        look("product picker")
        await pilot.press("escape", "f2")
        look("quantity dialog")
        await pilot.press("escape", "f10")
        await settle(pilot)
        assert isinstance(pilot.app.screen, ChargeScreen), message(pilot)
        look("charge")
        invoice = pilot.app.screen.invoice
        services.watcher.pay(invoice.address, invoice.amount_sat, txid="ab" * 32, height=services.watcher.tip)
        pilot.app.poll_chain()
        await settle(pilot)
        assert isinstance(pilot.app.screen, DoneScreen)
        look("done, with the receipt scrolling")
        await pilot.press("enter", "f9")
        await settle(pilot)
        look("history")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(pilot.app.screen, InvoiceDialog)
        look("invoice dialog")
        await pilot.press("escape", "escape", "f12")
        look("PIN dialog")
        await pilot.press(*"1234", "enter")
        await settle(pilot)
        look("manager")
    assert missing == {}
    assert unseen == {}


async def test_the_qr_decodes_from_the_screen_drawn_with_the_kiosk_fonts_glyphs() -> None:
    services = make_services(make_config(ui={"language": "kk"}))
    async with running(services) as pilot:
        invoice = await charge(pilot, "BREAD-01", "MILK-01")
        rows = screen_cells(pilot.app)
    assert decode_console(rows, KIOSK_FONT) == [invoice.uri]


async def test_with_a_font_that_lacks_the_upper_half_block_the_qr_does_not_scan() -> None:
    """CyrAsia (the font README named before) has no ▀: the console draws U+FFFD instead."""
    async with running(make_services()) as pilot:
        await charge(pilot, "BREAD-01")
        rows = screen_cells(pilot.app)
    assert UPPER_HALF not in load_font("CyrAsia-Terminus16")
    assert decode_console(rows, "CyrAsia-Terminus16") == []


def decode_console(rows: list[list[Cell]], font_name: str) -> list[str]:
    with tempfile.TemporaryDirectory() as tmp:
        png = Path(tmp, "tty1.png")
        png.write_bytes(paint(rows, load_font(font_name)))
        return decode_png(png)


def test_a_character_the_font_lacks_is_drawn_as_an_inverse_question_mark() -> None:
    """As vt.c does when the font has no U+FFFD either (the FullCyrAsia fonts have none)."""
    font = load_font()
    assert "⏎" not in font and "\ufffd" not in font
    assert paint([[Cell("⏎", fg=7, bg=4)]], font) == paint([[Cell("?", fg=4, bg=7)]], font)


async def test_the_sum_column_shows_every_sum_up_to_the_largest_sale_at_80x24() -> None:
    services = make_services(make_config(ui={"language": "ru"}))
    skus = wide_catalog(services, 19)
    services.catalog.add(Product(sku="GOLD-01", names={"ru": "Золото"}, unit="pcs", price_tiyn=500_000_000,
                                 vat_class="standard"))
    async with running(services) as pilot:
        await fill_cart(pilot, skus[1:])
        await scan(pilot, "45*P-00")  # 112 500.00, in a cart long enough for a scrollbar
        screen = text(screen_cells(pilot.app))
        assert any(f"Сумма, {TENGE}" in row for row in screen), screen
        assert any(row.rstrip().endswith("112 500.00") for row in screen), screen
    async with running(make_services(make_config(ui={"language": "ru"}))) as pilot:
        pilot.app.services.catalog.add(services.catalog.lookup("GOLD-01"))
        await scan(pilot, "2000*GOLD-01")
        screen = text(screen_cells(pilot.app))
        assert len("10 000 000 000.00") == SUM_WIDTH
        assert any(row.rstrip().endswith("10 000 000 000.00") for row in screen), screen


README = Path("README.md")


def kiosk_section() -> str:
    readme = README.read_text(encoding="utf-8")
    return readme[readme.index("## Kiosk on a Raspberry Pi"):].split("\n## ", 1)[0]


def test_readme_sets_up_the_console_font_the_tests_check() -> None:
    codeset, face, size = re.fullmatch(r"(\w+)-([A-Za-z]+)(\d+)", KIOSK_FONT).groups()
    kiosk = kiosk_section()
    assert f'CODESET="{codeset}"' in kiosk and f'FONTFACE="{face}"' in kiosk and f'FONTSIZE="8x{size}"' in kiosk
    assert "console-setup-linux" in Path("tests/setup-and-run.sh").read_text(encoding="utf-8")


def test_the_kiosk_keeps_its_configuration_outside_the_clone_and_installs_the_regtest_node() -> None:
    """The clone's config.toml is tracked: copied over, it would be lost or conflict on the next pull."""
    unit = Path("deploy/cryptocity-pos.service").read_text(encoding="utf-8")
    clone = re.search(r"^WorkingDirectory=(\S+)$", unit, re.M).group(1)
    config = re.search(r"POS_CONFIG=(\S+)", unit).group(1)
    assert not config.startswith(clone + "/"), config
    kiosk = kiosk_section()
    assert config in kiosk and not re.search(rf"\bcp \S+ {re.escape(clone)}/config\.toml", kiosk)
    assert "npm ci --prefix pos/regtest" in kiosk


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
