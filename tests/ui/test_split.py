"""A split at the till (F7, then F4): the cash part, the cash handed over (the change said), then the
rest charged in Bitcoin exactly as F10 charges - the Charge screen with its QR, hand-over, Done
(listing both tenders), cancel (the cash given back) and resume after a restart."""

from __future__ import annotations

import dataclasses
from contextlib import asynccontextmanager

from pos.core.invoice import CANCELLED
from pos.core.tender import BitcoinTender, CashTender
from pos.sale.till import Till
from pos.ui.dialogs.prompt import PromptDialog
from pos.ui.screens.charge import ChargeScreen
from pos.ui.screens.done import DoneScreen
from pos.ui.screens.sale import SaleScreen
from tests.ui.conftest import make_config, make_services, message, poll, running, scan, settle, shown
from tests.ui.qr_decode import decode_svg
from tests.ui.test_tender import open_shift, sales_today


@asynccontextmanager
async def selling(services, *codes: str, events=None):
    """The English till with Aigerim's shift open and `codes` scanned."""
    async with running(services, events=events) as pilot:
        await open_shift(pilot, services)
        await scan(pilot, *codes)
        yield pilot


def restarted(services):
    """The same store, chain and clock with a new till, as a start after a stop builds them."""
    till = Till(store=services.store, checkout=services.checkout, watcher=services.watcher,
                policy=services.till.policy, clock=services.clock, cashier=services.till.cashier)
    return dataclasses.replace(services, till=till)


async def split(pilot, cash: str, tendered: str) -> None:
    await pilot.press("f7", "f4", *cash, "enter", *tendered, "enter")
    await settle(pilot)


async def test_a_split_charges_the_rest_on_the_charge_screen_and_records_both_tenders_when_paid() -> None:
    services = make_services(make_config(ui={"language": "en"}))
    events: list[tuple[str, dict]] = []
    async with selling(services, "TEA-01", "BREAD-01", events=lambda name, fields: events.append((name, fields))) \
            as pilot:
        total = pilot.app.cart.totals().total
        await split(pilot, "500", "1000")
        screen = pilot.app.screen
        assert isinstance(screen, ChargeScreen), message(pilot)
        invoice = screen.invoice
        assert invoice.total_tiyn == total - 500_00 and services.till.on_screen_id == invoice.id
        assert f"{pilot.app.kzt(total - 500_00)}" in shown(pilot, "#amounts")
        assert decode_svg(pilot.app.export_screenshot()) == [invoice.uri]  # the Bitcoin part's QR
        assert message(pilot) == (f"Cash {pilot.app.kzt(500_00)} taken. CHANGE: {pilot.app.kzt(500_00)}. "
                                  f"The rest, {pilot.app.kzt(total - 500_00)}, in Bitcoin")
        assert ("drawer_open", {"reason": "split sale", "sale": "T01-S000001", "invoice": invoice.id}) in events
        assert sales_today(services) == []

        services.watcher.pay(invoice.address, invoice.amount_sat)
        await poll(pilot)
        assert isinstance(pilot.app.screen, DoneScreen)
        details = shown(pilot, "#done-details")
        assert f"Sale: {pilot.app.kzt(total)}" in details
        assert f"Cash: {pilot.app.kzt(500_00)}\nChange: {pilot.app.kzt(500_00)}" in details
        assert f"Bitcoin: {pilot.app.kzt(total - 500_00)}" in details
        [sale] = sales_today(services)
        assert sale.tenders == (CashTender(500_00, 1000_00), BitcoinTender(total - 500_00, invoice.id))
        assert ("sale_recorded", {"sale": sale.id, "total_tiyn": total, "change_tiyn": 500_00}) in events
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(pilot.app.screen, SaleScreen) and pilot.app.cart.lines == []


async def test_f8_on_a_splits_charge_gives_the_cash_part_back_and_keeps_the_cart() -> None:
    services = make_services(make_config(ui={"language": "en"}))
    events: list[tuple[str, dict]] = []
    async with selling(services, "TEA-01", events=lambda name, fields: events.append((name, fields))) as pilot:
        await split(pilot, "500", "500")
        invoice = pilot.app.screen.invoice
        await pilot.press("f8", "y")
        await settle(pilot)
        assert isinstance(pilot.app.screen, SaleScreen) and len(pilot.app.cart.lines) == 1
        assert ("split_void", {"sale": "T01-S000001", "invoice": invoice.id, "cash_tiyn": 500_00}) in events
        assert ("drawer_open", {"reason": "split cash back", "sale": "T01-S000001", "invoice": invoice.id}) in events
        toasts = [n.message for n in pilot.app._notifications]
        assert f"Sale T01-S000001 was not paid in Bitcoin: GIVE BACK {pilot.app.kzt(500_00)} in cash" in toasts
        assert sales_today(services) == []


async def test_a_cash_part_not_below_the_total_is_asked_again() -> None:
    services = make_services(make_config(ui={"language": "en"}))
    async with selling(services, "TEA-01") as pilot:
        total = pilot.app.cart.totals().total
        await pilot.press("f7", "f4", *str(total // 100), "enter")
        await settle(pilot)
        assert isinstance(pilot.app.screen, PromptDialog)
        assert message(pilot) == f"The cash part is more than 0 and less than {pilot.app.kzt(total)}"


async def test_after_a_restart_the_splits_charge_comes_back_and_its_payment_records_the_sale() -> None:
    services = make_services(make_config(ui={"language": "en"}))
    async with selling(services, "TEA-01") as pilot:
        await split(pilot, "500", "500")
        invoice = pilot.app.screen.invoice
    async with running(restarted(services)) as pilot:
        assert isinstance(pilot.app.screen, ChargeScreen) and pilot.app.screen.invoice.id == invoice.id
        services.watcher.pay(invoice.address, invoice.amount_sat)
        await poll(pilot)
        assert isinstance(pilot.app.screen, DoneScreen)
        assert f"Cash: {pilot.app.kzt(500_00)}" in shown(pilot, "#done-details")
        [sale] = sales_today(services)
        assert [t.amount_tiyn for t in sale.tenders] == [500_00, invoice.total_tiyn]


async def test_a_split_charged_but_never_shown_before_a_stop_gives_its_cash_back_at_the_next_start() -> None:
    services = make_services(make_config(ui={"language": "en"}))
    async with selling(services, "TEA-01") as pilot:
        day = pilot.app.day
        invoice = day.charge_split(pilot.app.till.cart_copy(), day.split(pilot.app.cart, 500_00, 500_00))
    events: list[tuple[str, dict]] = []  # the stop came before the invoice was on screen
    async with running(restarted(services), events=lambda name, fields: events.append((name, fields))) as pilot:
        assert isinstance(pilot.app.screen, SaleScreen) and len(pilot.app.cart.lines) == 1
        assert services.store.get_invoice(invoice.id).state == CANCELLED  # nobody can pay it now
        assert ("split_void", {"sale": "T01-S000001", "invoice": invoice.id, "cash_tiyn": 500_00}) in events
        toasts = [n.message for n in pilot.app._notifications]
        assert f"Sale T01-S000001 was not paid in Bitcoin: GIVE BACK {pilot.app.kzt(500_00)} in cash" in toasts
