"""With a fiscal register, a sale split between cash and Bitcoin prints its sale's slip once its invoice
is paid (listing both tenders, not fiscal) and then, once the register has registered the sale (one
receipt, cash and the Bitcoin payment type), its fiscal receipt: the split's paper is fiscal too."""

from __future__ import annotations

from pos.fiscal.webkassa import Webkassa
from pos.sale.fiscal_sender import FiscalSender
from tests.fiscal.conftest import fake, settings_for  # noqa: F401 (the fixture)
from tests.ui.conftest import make_config, make_services, poll, running, settle
from tests.ui.test_sale_slips import sell
from tests.ui.test_tender import sales_today


async def test_a_split_sale_prints_its_slip_then_its_fiscal_receipt_once_registered(fake) -> None:
    services = make_services(make_config(ui={"language": "en"}, fiscal={"provider": "webkassa"}))
    services.fiscal = FiscalSender(services.store, Webkassa(settings_for(fake)))
    fake.go_down()  # the register cannot be reached while the customer pays
    try:
        async with running(services) as pilot:
            await sell(pilot, services, "f7", "f4", *"500", "enter", *"1000", "enter", goods=("TEA-01", "BREAD-01"))
            invoice = pilot.app.screen.invoice
            services.watcher.pay(invoice.address, invoice.amount_sat)
            await poll(pilot)
            [sale] = sales_today(services)
            [slip] = services.printer.receipts()
            assert "Not a fiscal receipt" in slip and sale.id in slip and invoice.id in slip
            fake.come_back()
            services.fiscal.send_pending()
            pilot.app.process_prints()
            await settle(pilot)
            [check] = fake.checks
            assert check["ExternalCheckNumber"] == sale.id
            assert sorted(p["PaymentType"] for p in check["Payments"]) == [0, 4]  # cash, [fiscal] bitcoin_payment_type
            [_, fiscal] = services.printer.receipts()
            assert "FISCAL RECEIPT" in fiscal and sale.id in fiscal and invoice.id in fiscal
            assert check["Number"] in fiscal and f"[QR] {check['TicketUrl']}" in fiscal
            assert services.store.pending_prints() == []
    finally:
        services.fiscal.stop()
