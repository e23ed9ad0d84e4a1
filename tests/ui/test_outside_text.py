"""Text from outside the program (catalog names, backend errors) is shown literally and safely.

Issue 14: a product named with Rich markup (`[/]`, `[/b]`) ended the app when scanned or
listed in the search picker, a backend error with markup ended it on the Manager screen,
and escape sequences in a name reached the terminal (window title, screen clear, OSC 52
clipboard writes). These drive the real app over such a catalog.
"""

from __future__ import annotations

import dataclasses

from textual.widgets._toast import Toast

from pos.core.catalog import Product
from pos.core.ports import BackendStatus
from pos.ui.app import PosApp
from pos.ui.dialogs.picker import ProductPicker
from pos.ui.screens.manager import ManagerScreen
from tests.ui.conftest import make_config, make_services, message, running, scan, settle

HEADER = "sku,barcode,name_kk,name_ru,name_en,unit,price,vat_class\n"
#: Names a supplier's file (or an attacker) could hold: markup, and the escape sequences
#: that set the window title, clear the screen and write the terminal's clipboard.
MARKUP_NAMES = {"MARK-01": "Bread [/] fresh", "MARK-02": "Milk [/b] 1 l", "MARK-03": "[bold red]Tea[/]"}
ESCAPE_NAMES = {
    "ESC-01": "Rice \x1b]0;pwned\x07 5 kg",          # OSC 0: window title
    "ESC-02": "Salt \x1b[2J\x1b[H 1 kg",             # CSI: clear the screen
    "ESC-03": "Sugar \x1b]52;c;cm0gLXJmIH4=\x07",   # OSC 52: set the clipboard
    "ESC-04": "Flour \x9b31m\x85\x7f\x00 2 kg",      # C1 CSI, NEL, DEL, NUL
}


def catalog_services(names: dict[str, str], **config):
    """The UI rig over a catalog of just the given English names (one pcs product each, 100 KZT).

    Products are built directly rather than read from a CSV file, whose loader already
    turns control characters into spaces: here the screens themselves must hold. The
    rig's catalog object is refilled in place, so every service holding it sees them.
    """
    services = make_services(make_config(ui={"language": "en"}, **config))
    catalog = services.catalog
    catalog.products.clear()
    catalog.by_barcode.clear()
    for sku, name in names.items():
        catalog.add(Product(sku=sku, names={"en": name}, unit="pcs", price_tiyn=100_00, vat_class="standard"))
    return services


def control_characters(text: str) -> list[str]:
    """C0 and C1 control characters and DEL (newlines separate the screen's rows)."""
    return sorted({repr(ch) for ch in text if (ord(ch) < 0x20 and ch != "\n") or 0x7f <= ord(ch) <= 0x9f})


def screen_text(pilot) -> str:
    """The characters the current screen sends to the terminal, row by row (styles aside)."""
    strips = pilot.app.screen._compositor.render_strips()  # noqa: SLF001 - what the driver writes
    return "\n".join(strip.text for strip in strips)


async def test_a_product_name_with_markup_is_scanned_and_shown_as_written() -> None:
    services = catalog_services(MARKUP_NAMES)
    async with running(services) as pilot:
        for sku in MARKUP_NAMES:
            await scan(pilot, sku)
        assert [line.product.sku for line in pilot.app.cart.lines] == list(MARKUP_NAMES)
        assert "[bold red]Tea[/]" in message(pilot)
        shown = screen_text(pilot)
        for name in MARKUP_NAMES.values():
            assert name in shown
        assert pilot.app.is_running


async def test_the_search_picker_lists_names_with_markup_as_written() -> None:
    services = catalog_services(MARKUP_NAMES)
    async with running(services) as pilot:
        await scan(pilot, "[")  # no product has that code: the picker lists the names holding it
        assert isinstance(pilot.app.screen, ProductPicker)
        shown = screen_text(pilot)
        for name in MARKUP_NAMES.values():
            assert name in shown
        await pilot.press("down", "enter")
        await settle(pilot)
        assert [line.product.sku for line in pilot.app.cart.lines] == ["MARK-02"]


async def test_a_backend_error_with_markup_is_shown_on_the_manager_screen_as_written() -> None:
    services = make_services(make_config(ui={"language": "en"}))
    async with running(services) as pilot:
        pilot.app.action_manager()
        await settle(pilot)
        await pilot.press(*"1234", "enter")
        await settle(pilot)
        assert isinstance(pilot.app.screen, ManagerScreen)
        detail = "HTTP 500 [/] [/b] \x1b]0;title\x07 from [link=http://x]node[/link]"
        pilot.app.status = dataclasses.replace(pilot.app.status, backend=BackendStatus("offline", 0, None, detail))
        await settle(pilot)
        shown = screen_text(pilot)
        assert "HTTP 500 [/] [/b]" in shown
        assert control_characters(shown) == []
        assert pilot.app.is_running


async def test_escape_sequences_in_product_names_never_reach_the_terminal() -> None:
    services = catalog_services(ESCAPE_NAMES)
    async with running(services) as pilot:
        for sku in ESCAPE_NAMES:
            await scan(pilot, sku)
            assert control_characters(screen_text(pilot)) == [], sku  # the message line names it
        assert len(pilot.app.cart.lines) == len(ESCAPE_NAMES)
        await scan(pilot, "kg")  # the picker lists four of them
        assert isinstance(pilot.app.screen, ProductPicker)
        assert control_characters(screen_text(pilot)) == []
        assert pilot.app.is_running


async def test_the_message_line_shows_any_text_without_control_characters() -> None:
    services = make_services(make_config(ui={"language": "en"}))
    async with running(services) as pilot:
        pilot.app.say("printer: \x1b]52;c;cm0=\x07 [/] jammed\r\n\x1b[2J", error=True)
        await settle(pilot)
        shown = screen_text(pilot)
        assert "printer:  ]52;c;cm0=  [/] jammed" in shown
        assert control_characters(shown) == []


async def test_notifications_show_outside_text_literally() -> None:
    """Start-up warnings (catalog row errors quote the file), watcher alerts and say() over a dialog are toasts.

    run_test() hides toasts unless asked, so this runs the app with notifications on.
    """
    warning = "catalog x.csv: line 3: price: KZT amount '[/]' is not a number \x1b]0;pwned\x07"
    services = dataclasses.replace(make_services(make_config(ui={"language": "en"})), warnings=[warning])
    app = PosApp(services)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot)
        app.notify("backend: HTTP 500 [/b] \x9b2J")
        await settle(pilot)
        shown = [str(toast.render()) for toast in app.screen.query(Toast)]
        assert any("'[/]' is not a number" in text for text in shown)
        assert any("HTTP 500 [/b]" in text for text in shown)
        assert control_characters("".join(shown)) == []
    assert app.return_code in (None, 0)
