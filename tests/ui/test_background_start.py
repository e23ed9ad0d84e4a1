"""The start-up's background work (chain polls, printing, the fiscal sender) starts even when the
first key closes the screen the terminal came back to: Textual drops the after-refresh callbacks
of a screen closed before its first refresh, so the app also starts that work by a timer."""

from __future__ import annotations

from pos.ui.app import BACKGROUND_START_LATEST_SECONDS, PosApp
from pos.ui.screens.done import DoneScreen
from pos.ui.screens.sale import SaleScreen
from tests.ui.conftest import charge, make_config, make_services, running
from tests.ui.test_queue import look


async def test_enter_pressed_at_once_on_the_resumed_done_screen_still_starts_the_background_work() -> None:
    services = make_services(make_config(ui={"language": "en"}))
    async with running(services) as pilot:
        invoice = await charge(pilot, "BREAD-01")
        services.watcher.pay(invoice.address, invoice.amount_sat)
        await look(pilot)
        assert isinstance(pilot.app.screen, DoneScreen)
    app = PosApp(services)  # the power came back: Done is on screen again, and the cashier presses Enter
    async with app.run_test() as pilot:
        await pilot.press("enter")
        assert isinstance(app.screen, SaleScreen)
        await pilot.pause(BACKGROUND_START_LATEST_SECONDS + 0.5)
        assert app.background_started
