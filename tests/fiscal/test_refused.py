"""A receipt the register refuses is held in the queue with its reason, later receipts still go, and a
person sees it: the status bar names the receipt, the Manager screen says "fiscal receipt <id>
refused: <reason>" in the register's own words (shown literally) beside how many wait."""

from __future__ import annotations

import pytest

from pos.fiscal.webkassa import Webkassa
from pos.i18n import Translator
from pos.sale.day import Day
from pos.sale.fiscal_sender import FiscalSender
from pos.ui.screens.manager import ManagerScreen
from tests.fiscal.conftest import settings_for
from tests.fiscal.test_queue import registered, sell
from tests.ui.conftest import make_config, make_services, running, settle, shown
from tests.ui.test_manager import open_manager

pytestmark = pytest.mark.usefixtures("bitcoinlib_home")
#: The register's words, with what must never reach the screen as such: markup and a control character.
REASON = "Сумма оплаты [b]не[/b] совпадает\x1b[31m"


class Till:
    """`services` with Aigerim in a shift of her own: test_queue.sell makes its cash sales."""

    def __init__(self, services) -> None:
        self.services = services
        self.day = Day(store=services.store, checkout=services.checkout, config=services.config,
                       clock=services.clock, tr=Translator("en"))
        self.day.open_shift(self.day.add_cashier("Aigerim", "cashier", "1111"), 0)


def test_a_refused_receipt_is_held_with_its_reason_and_the_queue_goes_on(fake):
    services = make_services(make_config(fiscal={"provider": "webkassa"}))
    sender, till = FiscalSender(services.store, Webkassa(settings_for(fake))), Till(services)
    fake.refusal = REASON
    [refused] = sell(till, 1)
    assert sender.send_pending() == 0
    [(receipt, note)] = sender.state.refused
    assert receipt == refused and "error 9" in note and "не" in note and "\x1b" not in note
    assert sender.state.waiting == 0 and refused in sender.last_error
    fake.refusal = ""
    later = sell(till, 2)
    assert sender.send_pending() == 2  # the refused one is not sent again by itself, nor in the way
    assert registered(fake) == later
    assert sender.state.refused == ((refused, note),) and sender.state.last_error == ""


async def test_a_person_sees_the_refused_receipt_and_the_queue(fake) -> None:
    services = make_services(make_config(ui={"language": "en"}, fiscal={"provider": "webkassa"}))
    services.fiscal = sender = FiscalSender(services.store, Webkassa(settings_for(fake)))
    till = Till(services)
    fake.refusal = REASON
    [refused] = sell(till, 1)
    sender.send_pending()
    fake.go_down()
    sell(till, 2)
    sender.send_pending()
    try:
        async with running(services) as pilot:
            pilot.app.follow_fiscal()  # as its timer does
            await settle(pilot)
            assert f"FISCAL RECEIPT {refused} REFUSED" in shown(pilot, "StatusBar")
            await open_manager(pilot)
            assert isinstance(pilot.app.screen, ManagerScreen)
            text = shown(pilot, "#fiscal-info")
            assert "Fiscal register: 2 receipts waiting" in text
            assert "Fiscal register, last error: " in text and "no answer" in text
            line = next(line for line in text.splitlines() if line.startswith(f"fiscal receipt {refused} refused: "))
            assert "Сумма оплаты [b]не[/b] совпадает" in line and "\x1b" not in line  # literal, no markup
    finally:
        sender.stop()
