"""History lists the sales paid in cash, by card or split beside the invoices (a merchant looks for
the day's takings there), reprints a sale's slip as a COPY and refunds it with F3; the invoice of a
split reprints its sale's slip (listing each tender), from Done and from History."""

from __future__ import annotations

from dataclasses import replace

import pytest
from textual.widgets import DataTable, Footer
from textual.widgets._footer import FooterKey

from pos.core.fiscal import FiscalJob
from pos.core.localtime import business_day
from pos.ui.screens.done import DoneScreen
from pos.ui.format import sats
from pos.ui.screens.refund import RefundScreen
from tests.ui.conftest import charge, make_config, make_services, message, poll, running, scan, settle
from tests.ui.test_history import rows, to_history
from tests.ui.test_sale_slips import flat, sell
from tests.ui.test_tender import sales_today


async def a_day(pilot, services) -> None:
    """A cash sale, a card sale three minutes later, a Bitcoin sale three minutes after that."""
    await sell(pilot, services, "f7", "f2", *"1000", "enter")
    services.clock.advance(minutes=3)
    await scan(pilot, "MILK-01")
    await pilot.press("f7", "f3", *"A1B2C3", "enter")
    await settle(pilot)
    services.clock.advance(minutes=3)
    invoice = await charge(pilot, "TEA-01")
    services.watcher.pay(invoice.address, invoice.amount_sat)
    await poll(pilot)
    await pilot.press("enter")
    await settle(pilot)


@pytest.mark.parametrize("language, cash, card", [("en", "cash", "card"), ("ru", "наличные", "карта"),
                                                  ("kk", "қолма-қол", "карта")])
async def test_history_lists_todays_cash_and_card_sales_with_their_time_number_tender_and_total_within_80_columns(
        language, cash, card) -> None:
    services = make_services(make_config(ui={"language": language}))
    async with running(services) as pilot:
        await a_day(pilot, services)
        screen = await to_history(pilot)
        paid_in_cash, by_card = sales_today(services)
        [invoice] = services.store.invoices_for_day(business_day(services.clock()))
        app = pilot.app
        assert rows(screen) == [
            ["10:06", invoice.id, app.tr("state." + invoice.state), "", app.kzt(invoice.total_tiyn),
             sats(invoice.amount_sat)],
            ["10:03", by_card.id, card, "", app.kzt(by_card.total_tiyn), ""],
            ["10:00", paid_in_cash.id, cash, "", app.kzt(paid_in_cash.total_tiyn), ""],
        ]
        table = screen.query_one(DataTable)
        assert table.virtual_size.width <= 80 and table.region.right <= 80
        assert screen.query(FooterKey).last().region.right <= 80
        assert screen.query_one(Footer).region.bottom == 24


async def test_f5_on_a_sales_row_reprints_its_slip_as_a_copy_and_f3_opens_its_refund() -> None:
    services = make_services(make_config(ui={"language": "en"}, printer={"cash_drawer": True}))
    async with running(services) as pilot:
        await sell(pilot, services, "f7", "f2", *"1000", "enter")
        [sale] = sales_today(services)
        await to_history(pilot)
        await pilot.press("f5")
        await settle(pilot)
        original, copy = services.printer.receipts()
        assert "C O P Y" in copy and "C O P Y" not in original
        assert f"Sale{sale.id}" in flat(copy) and "Tendered1000.00" in flat(copy)
        assert "ReceiptNo000001" in flat(original) and "ReceiptNo000001" in flat(copy)
        assert services.printer.printout.drawer_kicks == 1  # a copy never opens the drawer
        await pilot.press("f3")
        await settle(pilot)
        assert isinstance(pilot.app.screen, RefundScreen) and pilot.app.screen.sale == sale


async def test_a_splits_invoice_reprints_its_sales_slip_listing_each_tender_as_a_copy_from_done_and_history() -> None:
    services = make_services(make_config(ui={"language": "en"}, printer={"cash_drawer": True}))
    async with running(services) as pilot:
        await sell(pilot, services, "f7", "f4", *"500", "enter", *"1000", "enter", goods=("TEA-01", "BREAD-01"))
        invoice = pilot.app.screen.invoice
        services.watcher.pay(invoice.address, invoice.amount_sat)
        await poll(pilot)
        [sale] = sales_today(services)
        assert isinstance(pilot.app.screen, DoneScreen)
        await pilot.press("p")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        screen = await to_history(pilot)
        assert [row[1] for row in rows(screen)] == [invoice.id, sale.id]
        await pilot.press("f5")  # on the invoice's row
        await settle(pilot)
        original, *copies = services.printer.receipts()
        assert len(copies) == 2
        for copy in copies:
            text = flat(copy)
            assert "C O P Y" in copy and f"Sale{sale.id}" in text and f"Invoice{invoice.id}" in text
            assert "Cash500.00KZT" in text and "Change500.00" in text and "ReceiptNo000001" in text
        assert "C O P Y" not in original and services.printer.printout.drawer_kicks == 1


async def test_a_fiscal_receipt_the_register_refused_leaves_the_print_queue_and_the_cashier_is_told() -> None:
    services = make_services(make_config(ui={"language": "en"}, fiscal={"provider": "webkassa"}))
    async with running(services) as pilot:  # no sender: the register never answers here
        await sell(pilot, services, "f7", "f2", *"1000", "enter")
        [sale] = sales_today(services)
        assert [job.fiscal for job in services.store.pending_prints()] == [True]  # waits for the register
        refused: FiscalJob = replace(services.store.fiscal_job(sale), note="9: Positions[0].Price is invalid")
        services.store.save_fiscal(refused)
        pilot.app.process_prints()
        await settle(pilot)
        assert services.store.pending_prints() == []
        assert message(pilot) == (f"Fiscal receipt of sale {sale.id} will not print: the register refused it "
                                  "(9: Positions[0].Price is invalid). Its slip was printed; register the sale in "
                                  "the provider's cabinet")
        assert len(services.printer.receipts()) == 1  # the slip
