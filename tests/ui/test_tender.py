"""Cash and card at the Sale screen (F7, then F2 cash or F3 card); F10 still charges in Bitcoin."""

from __future__ import annotations

from contextlib import asynccontextmanager

from pos.core.localtime import business_day
from pos.core.tender import CardTender, CashTender
from pos.sale.day import add_cashier
from pos.ui.dialogs.tender import TenderDialog
from pos.ui.screens.charge import ChargeScreen
from pos.ui.screens.sale import SaleScreen
from tests.ui.conftest import charge, make_config, make_services, message, running, scan, settle


async def open_shift(pilot, services) -> None:
    pilot.app.day.open_shift(add_cashier(services.store, "Aigerim", "cashier", "1111", services.clock()), 0)


def sales_today(services):
    return services.store.sales_for_day(business_day(services.clock()))


async def test_cash_records_the_sale_says_the_change_opens_the_drawer_and_empties_the_cart() -> None:
    services = make_services(make_config(ui={"language": "en"}))
    events: list[tuple[str, dict]] = []
    async with running(services, events=lambda name, fields: events.append((name, fields))) as pilot:
        await open_shift(pilot, services)
        drawer = []
        pilot.app.day.subscribe(lambda event: drawer.append(event.name) if event.name == "drawer_open" else None)
        await scan(pilot, "BREAD-01")
        total = pilot.app.cart.totals().total
        await pilot.press("f7")
        assert isinstance(pilot.app.screen, TenderDialog)
        await pilot.press("f2", *"1000", "enter")
        await settle(pilot)
        assert isinstance(pilot.app.screen, SaleScreen)
        [sale] = sales_today(services)
        assert sale.tenders == (CashTender(total, 1000_00),)
        assert message(pilot) == (f"Sale {sale.id}: {pilot.app.kzt(total)} in cash. "
                                  f"CHANGE: {pilot.app.kzt(1000_00 - total)}")
        assert drawer == ["drawer_open"]
        assert pilot.app.cart.lines == []


async def test_too_little_cash_is_refused_and_the_cart_is_kept() -> None:
    services = make_services(make_config(ui={"language": "en"}))
    async with running(services) as pilot:
        await open_shift(pilot, services)
        await scan(pilot, "BREAD-01")
        await pilot.press("f7", "f2", *"1", "enter")
        await settle(pilot)
        assert message(pilot).startswith("Payment refused:")
        assert sales_today(services) == [] and len(pilot.app.cart.lines) == 1


async def test_card_records_the_approval_code() -> None:
    services = make_services(make_config(ui={"language": "en"}))
    async with running(services) as pilot:
        await open_shift(pilot, services)
        await scan(pilot, "BREAD-01")
        total = pilot.app.cart.totals().total
        await pilot.press("f7", "f3", "enter")  # an empty code is asked again
        assert message(pilot) == "Type the approval code printed on the bank terminal's slip"
        await pilot.press(*"A1B2C3", "enter")
        await settle(pilot)
        [sale] = sales_today(services)
        assert sale.tenders == (CardTender(total, "A1B2C3"),)
        assert message(pilot) == f"Sale {sale.id}: {pilot.app.kzt(total)} by card"


async def test_without_an_open_shift_cash_is_refused_and_bitcoin_still_charges_on_f10() -> None:
    services = make_services(make_config(ui={"language": "en"}))
    async with running(services) as pilot:
        await scan(pilot, "BREAD-01")
        await pilot.press("f7", "f2", *"1000", "enter")
        await settle(pilot)
        assert message(pilot) == "No shift is open: the manager opens one (F12, F6)"
        assert sales_today(services) == []
        invoice = await charge(pilot)
        assert invoice.total_tiyn == pilot.app.cart.totals().total


@asynccontextmanager
async def restarted_with_the_shift_open():
    """A till whose shift Aigerim opened before a restart (nobody signed in since), a bread scanned."""
    services = make_services(make_config(ui={"language": "en"}, terminal={"cashier": "Till 1"}))
    async with running(services) as pilot:
        await open_shift(pilot, services)
    async with running(services) as pilot:
        await scan(pilot, "BREAD-01")
        yield pilot, services


async def test_after_a_restart_with_the_shift_open_the_cashier_signs_in_before_taking_cash() -> None:
    async with restarted_with_the_shift_open() as (pilot, services):
        await pilot.press("f7", *"Aigerim", "enter", *"1111", "enter")
        await settle(pilot)
        assert isinstance(pilot.app.screen, TenderDialog)
        await pilot.press("f2", *"1000", "enter")
        await settle(pilot)
        [sale] = sales_today(services)
        assert sale.cashier == "Aigerim" and sale.shift == 1


async def test_after_a_restart_with_the_shift_open_the_cashier_signs_in_before_a_bitcoin_charge() -> None:
    async with restarted_with_the_shift_open() as (pilot, _):
        await pilot.press("f10", *"Aigerim", "enter", *"1111", "enter")
        await settle(pilot)
        assert isinstance(pilot.app.screen, ChargeScreen), message(pilot)
        assert pilot.app.screen.invoice.cashier == "Aigerim"  # not the till's own name
