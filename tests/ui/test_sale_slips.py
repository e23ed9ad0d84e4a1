"""A sale paid in cash, by card or split prints its slip as it is recorded (F7 on the Sale screen)."""

from __future__ import annotations

from pos.core.receipt import money
from pos.fiscal.webkassa import Webkassa
from pos.sale.day import Day
from pos.sale.fiscal_sender import FiscalSender
from pos.ui.screens.done import DoneScreen
from pos.ui.screens.sale import SaleScreen
from tests.ui.conftest import make_config, make_services, poll, running, scan, settle, shown
from tests.fiscal.conftest import fake, settings_for  # noqa: F401 (the fixture)
from tests.ui.test_tender import open_shift, sales_today


def flat(text: str) -> str:
    return "".join(text.split())


def shop(**printer: bool):
    """A terminal in English with these [printer] keys (the mock driver)."""
    return make_services(make_config(ui={"language": "en"}, printer=printer))


async def sell(pilot, services, *keys: str, goods: tuple[str, ...] = ("BREAD-01",)) -> None:
    """A shift open, the goods scanned, and the keys that pay for them (F7 then cash, card or split)."""
    await open_shift(pilot, services)
    await scan(pilot, *goods)
    await pilot.press(*keys)
    await settle(pilot)


async def test_a_cash_sale_prints_a_slip_with_the_cash_tendered_and_the_change_and_opens_the_drawer() -> None:
    services = shop(cash_drawer=True)
    events: list[tuple[str, dict]] = []
    async with running(services, events=lambda name, fields: events.append((name, fields))) as pilot:
        await sell(pilot, services, "f7", "f2", *"1000", "enter")
        assert isinstance(pilot.app.screen, SaleScreen)
        [sale] = sales_today(services)
        total = sale.total_tiyn
        [slip] = services.printer.receipts()
        text = flat(slip)
        assert f"Sale{sale.id}" in text
        assert f"Cash{flat(money(total))}KZT" in text
        assert "Tendered1000.00" in text and f"Change{flat(money(1000_00 - total))}" in text
        assert services.printer.printout.drawer_kicks == 1
        assert ("receipt_printed", {"sale": sale.id}) in events
        assert services.store.pending_prints() == []


async def test_a_card_sale_prints_its_approval_code_and_leaves_the_drawer_shut() -> None:
    services = shop(cash_drawer=True)
    async with running(services) as pilot:
        await sell(pilot, services, "f7", "f3", *"A1B2C3", "enter")
        [slip] = services.printer.receipts()
        assert "Approval code" in slip and "A1B2C3" in slip and "Change" not in slip
        assert services.printer.printout.drawer_kicks == 0


async def test_without_auto_print_a_sale_prints_nothing_by_itself() -> None:
    services = shop(auto_print=False)
    async with running(services) as pilot:
        await sell(pilot, services, "f7", "f2", *"1000", "enter")
        assert len(sales_today(services)) == 1
        assert services.printer.receipts() == [] and services.store.pending_prints() == []


async def test_a_paid_split_prints_one_slip_listing_the_cash_and_the_bitcoin_part_with_its_transaction() -> None:
    services = shop(cash_drawer=True)
    async with running(services) as pilot:
        await sell(pilot, services, "f7", "f4", *"500", "enter", *"1000", "enter",
                   goods=("TEA-01", "BREAD-01"))
        invoice = pilot.app.screen.invoice
        txid = services.watcher.pay(invoice.address, invoice.amount_sat)
        await poll(pilot)
        [sale] = sales_today(services)
        [slip] = services.printer.receipts()  # the sale's: its invoice prints none of its own
        text = flat(slip)
        assert f"Sale{sale.id}" in text and f"Invoice{invoice.id}" in text
        assert "Cash500.00KZT" in text and "Tendered1000.00" in text and "Change500.00" in text
        assert f"Bitcoin{flat(money(invoice.total_tiyn))}KZT" in text and txid in text
        assert services.printer.printout.drawer_kicks == 1
        assert isinstance(pilot.app.screen, DoneScreen) and sale.id in shown(pilot, "#receipt")


async def test_with_a_fiscal_register_the_slip_prints_at_once_and_the_fiscal_receipt_once_registered(fake) -> None:
    services = make_services(make_config(ui={"language": "en"}, printer={"cash_drawer": True},
                                         fiscal={"provider": "webkassa"}))
    services.fiscal = FiscalSender(services.store, Webkassa(settings_for(fake)))
    fake.go_down()  # the register cannot be reached: the sale and its slip do not wait
    try:
        async with running(services) as pilot:
            await sell(pilot, services, "f7", "f2", *"1000", "enter")
            [sale] = sales_today(services)
            [slip] = services.printer.receipts()
            assert "Not a fiscal receipt" in slip and sale.id in slip
            assert [job.fiscal for job in services.store.pending_prints()] == [True]
            fake.come_back()
            services.fiscal.send_pending()  # (or the sender's own thread did)
            pilot.app.process_prints()
            await settle(pilot)
            [_, fiscal] = services.printer.receipts()
            [check] = fake.checks
            assert "FISCAL RECEIPT" in fiscal and sale.id in fiscal and check["Number"] in fiscal
            assert f"[QR] {check['TicketUrl']}" in fiscal
            assert services.printer.printout.drawer_kicks == 1 and services.store.pending_prints() == []
    finally:
        services.fiscal.stop()


async def test_a_sale_recorded_just_before_a_stop_gets_its_slip_at_the_next_start_and_no_other_twice() -> None:
    services = shop()
    async with running(services) as pilot:
        await sell(pilot, services, "f7", "f2", *"1000", "enter")  # printed
        cashier = pilot.app.day.cashier
    day = Day(store=services.store, checkout=services.checkout, config=services.config, clock=services.clock,
              tr=lambda key, **_: key)  # the day's record made, the terminal stopped before the slip was queued
    day.continue_shift(cashier)
    cart = services.checkout.new_cart()
    cart.add("BREAD-01")
    day.cash_sale(cart, 1000_00)
    first, second = sales_today(services)
    assert len(services.printer.receipts()) == 1
    async with running(services) as pilot:
        await settle(pilot)
        slips = services.printer.receipts()
        assert len(slips) == 2 and f"Sale{second.id}" in flat(slips[1]) and "COPY" not in slips[1]
