"""With a fiscal register, a refund of a sale prints its refund slip at once and its fiscal return
receipt once the register has registered the return (the QR of the return's TicketUrl, read by
zbarimg from the raster a printer without native QR gets); a return the register refuses is said and
its print dropped; a refund recorded just before a stop gets its return receipt at the next start."""

from __future__ import annotations

from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from drivers.decode import Image
from pos.fiscal.webkassa import Webkassa
from pos.sale.day import Day, add_cashier
from pos.sale.fiscal_sender import FiscalSender
from pos.sale.refunds import Refunds
from tests.fiscal.conftest import fake, settings_for  # noqa: F401 (the fixture)
from tests.ui.conftest import make_config, make_services, message, running, settle
from tests.ui.qr_decode import decode_png
from tests.ui.test_refund import cart, open_refund, refunds_today, start_shift

pytestmark = pytest.mark.usefixtures("bitcoinlib_home")


def fiscal_shop(fake):
    """An English terminal with the fake register, a raster-QR printer (the mock driver) and Aigerim
    (cashier, PIN 1111) allowed refunds up to 100 000 KZT."""
    services = make_services(make_config(ui={"language": "en"}, printer={"native_qr": False},
                                         fiscal={"provider": "webkassa"}, shift={"cashier_refund_max_kzt": 100_000}))
    add_cashier(services.store, "Aigerim", "cashier", "1111", services.clock())
    services.fiscal = FiscalSender(services.store, Webkassa(settings_for(fake)))
    return services


def read_qr(image: Image, folder: Path) -> list[str]:
    """What a phone reads from a printed raster QR (GS v 0 rows are exactly a PBM P4 body)."""
    pbm = folder / "qr.pbm"
    pbm.write_bytes(b"P4\n%d %d\n" % (image.width_bytes * 8, len(image.rows)) + b"".join(image.rows))
    return decode_png(pbm)


def return_check(fake, refund_id: str) -> dict:
    [check] = [c for c in fake.checks if c["ExternalCheckNumber"] == refund_id]
    assert check["OperationType"] == 3
    return check


async def registered_and_printed(pilot, services) -> None:
    """The sender's round (or its own thread's), then the print worker."""
    services.fiscal.send_pending()
    pilot.app.process_prints()
    await settle(pilot)


@asynccontextmanager
async def sold_and_registered(fake, events=None):
    """The terminal running (fiscal_shop) with a cash sale (bread and milk) registered, its slip and
    fiscal receipt printed and the paper cleared: (pilot, services, sale)."""
    services = fiscal_shop(fake)
    try:
        async with running(services, events=events) as pilot:
            await start_shift(pilot)
            sale = pilot.app.day.cash_sale(cart(pilot, "BREAD-01", "MILK-01"), 5000_00)
            await registered_and_printed(pilot, services)
            assert len(services.printer.receipts()) == 2 and services.store.pending_prints() == []
            services.printer.clear()
            yield pilot, services, sale
    finally:
        services.fiscal.stop()


async def refund_whole(pilot, sale):
    await open_refund(pilot, sale.id)
    await pilot.press("enter")
    await settle(pilot)
    [refund] = refunds_today(pilot.app.services)
    return refund


async def test_a_cash_refund_prints_its_slip_at_once_and_its_fiscal_return_receipt_once_registered(
        fake, tmp_path) -> None:
    events: list[tuple[str, dict]] = []
    async with sold_and_registered(fake, lambda name, fields: events.append((name, fields))) as (pilot, services,
                                                                                                sale):
        fake.go_down()  # the register cannot be reached: the refund and its slip do not wait
        refund = await refund_whole(pilot, sale)
        [slip] = services.printer.receipts()
        assert "REFUND" in slip and "Not a fiscal receipt" in slip and refund.id in slip
        [waiting] = services.store.pending_prints()
        assert waiting.fiscal and waiting.refund == refund
        fake.come_back()
        await registered_and_printed(pilot, services)
        [_, fiscal] = services.printer.receipts()
        check = return_check(fake, refund.id)
        assert "RETURN OF SALE" in fiscal and "FISCAL RECEIPT" in fiscal and "Not a fiscal" not in fiscal
        assert refund.id in fiscal and sale.id in fiscal and check["Number"] in fiscal
        assert read_qr(services.printer.printout.images[-1], tmp_path) == [check["TicketUrl"]]
        assert ("receipt_printed", {"refund": refund.id}) in events
        assert services.store.pending_prints() == []
        await registered_and_printed(pilot, services)  # nothing prints twice
        assert len(services.printer.receipts()) == 2


async def test_a_return_the_register_refuses_is_said_and_its_print_dropped(fake) -> None:
    async with sold_and_registered(fake) as (pilot, services, sale):
        fake.refusal = "Сумма возврата превышает сумму чека"
        refund = await refund_whole(pilot, sale)
        await registered_and_printed(pilot, services)
        assert message(pilot) == (
            f"Fiscal return receipt of refund {refund.id} will not print: the register refused it (Webkassa "
            "check: error 9: Сумма возврата превышает сумму чека). The refund slip was printed; register the "
            "return in the provider's cabinet")
        [slip] = services.printer.receipts()
        assert "REFUND" in slip and services.store.pending_prints() == []


async def test_a_refund_recorded_just_before_a_stop_gets_its_return_receipt_at_the_next_start(fake) -> None:
    async with sold_and_registered(fake) as (pilot, services, sale):
        cashier = pilot.app.day.cashier
    day = Day(store=services.store, checkout=services.checkout, config=services.config, clock=services.clock,
              tr=lambda key, **_: key)  # the refund recorded, the terminal stopped before its queueing
    day.continue_shift(cashier)
    refunds = Refunds(day=day, store=services.store, config=services.config, clock=services.clock,
                      rate=services.checkout.usable_rate, chain=services.refund_chain)
    [refund] = refunds.refund_sale(sale)
    assert services.store.pending_prints() == []
    async with running(services) as pilot:  # (the sender stopped: its rounds are the test's)
        await registered_and_printed(pilot, services)
        [fiscal] = services.printer.receipts()  # the sale's slip and fiscal receipt not again
        assert "RETURN OF SALE" in fiscal and return_check(fake, refund.id)["Number"] in fiscal
