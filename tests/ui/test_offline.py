"""Honest when the world breaks: no rate, a chain that cannot be read, a refusal said in the cashier's words."""

from __future__ import annotations

from datetime import timedelta

from pos.core.invoice import INVALID, NEW, PROCESSING, SETTLED, UNVERIFIED
from pos.core.ports import RateUnavailable
from pos.ui.dialogs.confirm import ConfirmDialog
from pos.ui.dialogs.pin import PinDialog
from pos.ui.dialogs.prompt import PromptDialog
from pos.ui.screens.charge import ChargeScreen
from pos.ui.screens.done import DoneScreen
from pos.ui.screens.sale import SaleScreen
from pos.ui.receipts import receipt_preview
from tests.ui.conftest import charge, make_config, make_services, message, poll, running, scan, settle, shown

#: What the composite source said on the day the network went down (the issue's cut-off message).
SOURCES_DOWN = ("no BTC/USD price: api.coingecko.com: no answer ([Errno -3] Temporary failure in name "
                "resolution); api.kraken.com: no answer ([Errno -3] Temporary failure in name resolution)")


class SourcesDown:
    name = "composite"

    def quote(self):
        raise RateUnavailable(SOURCES_DOWN)


def dialog_text(pilot) -> str:
    return " ".join(str(label.render()) for label in pilot.app.screen.query("Label"))


def sources_down(language: str):
    """Services whose rate source (the composite one, as configured) cannot be reached."""
    services = make_services(make_config(ui={"language": language}, pricing={"rate_source": "composite"}), rate=None)
    services.checkout.rates = SourcesDown()
    return services


async def press_charge(pilot, *codes: str) -> None:
    await scan(pilot, *codes)
    await pilot.press("f10")
    await settle(pilot)


async def enter_manager_rate(pilot, rate: str = "45000000") -> None:
    """Yes to the offer, the manager's PIN, the rate."""
    await pilot.press("y")
    assert isinstance(pilot.app.screen, PinDialog)
    await pilot.press(*"1234", "enter")
    await settle(pilot)
    assert isinstance(pilot.app.screen, PromptDialog)
    await pilot.press(*rate, "enter")
    await settle(pilot)


async def test_no_rate_offers_the_managers_rate_at_once_and_charges_with_it() -> None:
    services = make_services(make_config(ui={"language": "en"}), rate=None)
    async with running(services) as pilot:
        await press_charge(pilot, "BREAD-01")
        assert isinstance(pilot.app.screen, ConfirmDialog)
        assert "No exchange rate" in dialog_text(pilot) and "no manual rate yet" in dialog_text(pilot)
        assert services.store.open_invoices() == []
        await enter_manager_rate(pilot, "45 000 000")
        assert isinstance(pilot.app.screen, ChargeScreen), message(pilot)
        assert pilot.app.screen.invoice.rate.source == "manual"
        assert pilot.app.screen.invoice.rate.tiyn_per_btc == 45_000_000_00


async def test_a_failing_source_is_explained_in_the_cashiers_language_in_full_whatever_rate_source_is() -> None:
    async with running(sources_down("ru")) as pilot:
        await press_charge(pilot, "BREAD-01")
        assert isinstance(pilot.app.screen, ConfirmDialog)
        text = dialog_text(pilot)
        assert "Нет курса: источник курса не ответил" in text
        assert "api.kraken.com: no answer ([Errno -3] Temporary failure in name resolution)" in text  # not cut off
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(pilot.app.screen, SaleScreen)
        assert message(pilot) == "Нельзя выставить счёт: нет курса. Менеджер может ввести его"
        await pilot.press("f10")
        await settle(pilot)
        await enter_manager_rate(pilot)
        assert isinstance(pilot.app.screen, ChargeScreen)
        assert pilot.app.screen.invoice.rate.source == "manual"


async def test_the_managers_rate_is_bounded_by_its_age_and_offered_again() -> None:
    services = sources_down("en")
    async with running(services) as pilot:
        await press_charge(pilot, "BREAD-01")
        await enter_manager_rate(pilot)
        first = pilot.app.screen.invoice
        await pilot.press("f8", "y")  # cancelled: back to the sale with the cart
        await settle(pilot)
        limit = services.config.pricing.rate_max_age_minutes
        services.clock.advance(minutes=limit + 1)
        await pilot.press("f10")
        await settle(pilot)
        assert isinstance(pilot.app.screen, ConfirmDialog), message(pilot)
        assert "No exchange rate" in dialog_text(pilot)
        assert [inv.id for inv in services.store.open_invoices()] == [first.id]  # the cancelled one only


async def test_an_offline_backend_says_payments_cannot_be_seen_never_waiting(english) -> None:
    async with running(english) as pilot:
        invoice = await charge(pilot, "BREAD-01")
        assert shown(pilot, "#payment-state") == "Waiting for payment"
        english.watcher.state = "offline"
        await poll(pilot)
        state = shown(pilot, "#payment-state")
        assert state.startswith("Payments cannot be seen right now: the chain backend is OFFLINE")
        assert "Waiting" not in state and "F3" not in state  # unverified_max_kzt = 0: never
        assert pilot.app.screen.check_action("hand_over_unverified", ()) is False
        english.watcher.state = "online"
        await poll(pilot)
        assert shown(pilot, "#payment-state") == "Waiting for payment"
        assert english.store.get_invoice(invoice.id).state == NEW


def unverified_services(limit_kzt: int = 5000):
    return make_services(make_config(ui={"language": "en"}, payment={"unverified_max_kzt": limit_kzt}))


async def hand_over_unverified(pilot) -> None:
    await pilot.press("f3")
    assert isinstance(pilot.app.screen, ConfirmDialog)
    await pilot.press("y")
    assert isinstance(pilot.app.screen, PinDialog)
    await pilot.press(*"1234", "enter")
    await settle(pilot)


async def test_the_manager_hands_over_unverified_and_the_payment_is_checked_when_the_chain_is_back() -> None:
    services = unverified_services()
    async with running(services) as pilot:
        invoice = await charge(pilot, "BREAD-01")
        services.watcher.state = "offline"
        await poll(pilot)
        assert "F3: the manager may hand over UNVERIFIED" in shown(pilot, "#payment-state")
        await hand_over_unverified(pilot)
        assert isinstance(pilot.app.screen, DoneScreen)
        assert shown(pilot, "#done-title") == "Handed over UNVERIFIED: the payment is checked when the chain is back"
        assert pilot.app.cart.lines == []
        handed = services.store.get_invoice(invoice.id)
        assert UNVERIFIED in handed.marks and handed.handed_over and "by the manager" in handed.history[-1].cause
        assert "UNVERIFIED" in receipt_preview(services.printer, invoice.id)
        assert pilot.app.status.awaiting == 1
        services.watcher.state = "online"
        services.watcher.pay(invoice.address, invoice.amount_sat)
        services.clock.advance(minutes=30)  # back after the expiry: still not "paid late"
        await poll(pilot)
        assert services.store.get_invoice(invoice.id).state == PROCESSING
        services.watcher.mine()
        await poll(pilot)
        assert services.store.get_invoice(invoice.id).state == SETTLED
        assert pilot.app.status.awaiting == 0 and pilot.app.status.alerts == ()


async def test_an_unverified_payment_not_found_in_the_window_raises_the_alert_even_offline() -> None:
    events = []
    services = unverified_services()
    async with running(services, events=lambda name, fields: events.append((name, fields))) as pilot:
        invoice = await charge(pilot, "BREAD-01")
        services.watcher.state = "offline"
        await poll(pilot)
        await hand_over_unverified(pilot)
        services.clock.advance(hours=25)  # past the monitoring window, the chain still unreadable
        await poll(pilot)
        lost = services.store.get_invoice(invoice.id)
        assert lost.state == INVALID and lost.alert_open
        assert ("alert", {"kind": "payment_lost", "invoice": invoice.id}) in events
        assert pilot.app.status.alerts == (invoice.id,)


async def test_above_the_limit_or_with_the_chain_readable_there_is_no_unverified_hand_over() -> None:
    services = unverified_services(limit_kzt=100)
    async with running(services) as pilot:
        await charge(pilot, "BREAD-01")  # 230 KZT, above 100
        services.watcher.state = "offline"
        await poll(pilot)
        assert pilot.app.screen.check_action("hand_over_unverified", ()) is False
    services = unverified_services()
    async with running(services) as pilot:
        await charge(pilot, "BREAD-01")
        assert pilot.app.screen.check_action("hand_over_unverified", ()) is False  # online: wait for the payment


async def test_a_refused_charge_says_why_in_the_cashiers_language() -> None:
    services = make_services(make_config(ui={"language": "ru"}), rate="9000000000000")  # a sale under dust
    async with running(services) as pilot:
        await press_charge(pilot, "BREAD-01")
        assert isinstance(pilot.app.screen, SaleScreen)
        said = message(pilot)
        assert said.startswith("Нельзя выставить счёт: ") and "меньше 546 сат" in said
        assert "below" not in said and "carry" not in said
