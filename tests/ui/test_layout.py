"""80x24 on every main screen: resized down from a large window, nothing important is cut off."""

from __future__ import annotations

from textual.widgets import Footer

from pos.ui.screens.done import DoneScreen
from pos.ui.screens.history import HistoryScreen
from pos.ui.widgets.qr_view import QrView
from pos.ui.widgets.status_bar import StatusBar
from tests.ui.conftest import charge, running, settle
from tests.ui.qr_decode import decode_svg


def assert_fits(screen, width: int = 80, height: int = 24) -> None:
    for widget in (screen.query_one(StatusBar), screen.query_one(Footer)):
        region = widget.region
        assert region.height >= 1 and region.bottom <= height and region.right <= width, widget
    assert screen.query_one(StatusBar).region.y == 0
    assert screen.query_one(Footer).region.bottom == height


async def test_every_screen_fits_80x24_after_a_resize(english) -> None:
    async with running(english, size=(120, 40)) as pilot:
        invoice = await charge(pilot, "BREAD-01", "MILK-01")
        await pilot.resize_terminal(80, 24)
        await settle(pilot)
        assert_fits(pilot.app.screen)
        qr = pilot.app.screen.query_one(QrView).region
        assert qr.y == 1 and qr.bottom <= 24 and qr.right <= 80
        assert decode_svg(pilot.app.export_screenshot()) == [invoice.uri]
        english.watcher.pay(invoice.address, invoice.amount_sat, height=english.watcher.tip)
        pilot.app.poll_chain()
        await settle(pilot)
        assert isinstance(pilot.app.screen, DoneScreen)
        assert_fits(pilot.app.screen)
        await pilot.press("enter")
        assert_fits(pilot.app.screen)
        await pilot.press("f9")
        await settle(pilot)
        assert isinstance(pilot.app.screen, HistoryScreen)
        assert_fits(pilot.app.screen)
        await pilot.press("escape", "f12", *"1234", "enter")
        await settle(pilot)
        assert_fits(pilot.app.screen)


async def test_on_the_charge_screen_the_footer_sits_beside_the_qr(english) -> None:
    async with running(english) as pilot:
        await charge(pilot, "BREAD-01")
        footer = pilot.app.screen.query_one(Footer).region
        qr = pilot.app.screen.query_one(QrView).region
        assert footer.x >= qr.right and qr.height == 23
