"""With a fiscal register, a sale paid in Bitcoin alone prints its slip at hand-over (not fiscal) and
then, once the register has registered the sale, its fiscal receipt, by itself and once: the
customer no longer needs a reprint from History to get it. Without a register no fiscal job is queued."""

from __future__ import annotations

from pos.fiscal.webkassa import Webkassa
from pos.sale.fiscal_sender import FiscalSender
from tests.fiscal.conftest import fake, settings_for  # noqa: F401 (the fixture)
from tests.ui.conftest import charge, make_config, make_services, poll, running, settle
from tests.ui.test_tender import open_shift


def fiscal_shop(fake):
    """A terminal in English whose sales the fake Webkassa registers."""
    services = make_services(make_config(ui={"language": "en"}, fiscal={"provider": "webkassa"}))
    services.fiscal = FiscalSender(services.store, Webkassa(settings_for(fake)))
    return services


async def pay_in_bitcoin(pilot, services):
    """A shift open, bread charged and paid in full: the till hands the invoice over."""
    await open_shift(pilot, services)
    invoice = await charge(pilot, "BREAD-01")
    services.watcher.pay(invoice.address, invoice.amount_sat)
    await poll(pilot)
    return invoice


async def test_a_bitcoin_sale_prints_its_slip_then_its_fiscal_receipt_once_registered(fake) -> None:
    services = fiscal_shop(fake)
    fake.go_down()  # the register cannot be reached while the customer pays
    try:
        async with running(services) as pilot:
            invoice = await pay_in_bitcoin(pilot, services)
            [slip] = services.printer.receipts()
            assert "Not a fiscal receipt" in slip and invoice.id in slip
            assert [job.fiscal for job in services.store.pending_prints()] == [True]
            fake.come_back()
            services.fiscal.send_pending()  # (or the sender's own thread did)
            pilot.app.process_prints()
            await settle(pilot)
            pilot.app.process_prints()  # a later round prints nothing more
            await settle(pilot)
            [check] = fake.checks
            assert check["ExternalCheckNumber"] == invoice.id
            [_, fiscal] = services.printer.receipts()
            assert "FISCAL RECEIPT" in fiscal and invoice.id in fiscal and check["Number"] in fiscal
            assert f"[QR] {check['TicketUrl']}" in fiscal
            assert services.store.pending_prints() == []
    finally:
        services.fiscal.stop()


async def test_without_a_fiscal_register_a_bitcoin_sale_queues_no_fiscal_receipt() -> None:
    services = make_services(make_config(ui={"language": "en"}))
    async with running(services) as pilot:
        invoice = await pay_in_bitcoin(pilot, services)
        [slip] = services.printer.receipts()
        assert "Not a fiscal receipt" in slip and invoice.id in slip
        assert services.store.pending_prints() == []


async def test_a_slip_printed_after_the_registration_leaves_the_fiscal_block_to_its_fiscal_receipt(fake) -> None:
    services = fiscal_shop(fake)
    try:
        async with running(services) as pilot:
            services.printer.fail("paper_end")  # the slip waits for paper; the register does not wait
            invoice = await pay_in_bitcoin(pilot, services)
            services.fiscal.send_pending()
            [check] = fake.checks
            services.printer.recover()
            pilot.app.process_prints()
            await settle(pilot)
            [slip, fiscal] = services.printer.receipts()
            assert "Not a fiscal receipt" in slip and check["Number"] not in slip
            assert "FISCAL RECEIPT" in fiscal and invoice.id in fiscal and f"[QR] {check['TicketUrl']}" in fiscal
            assert services.store.pending_prints() == []
    finally:
        services.fiscal.stop()
