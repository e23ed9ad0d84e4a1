"""Serving the queue on screen: several open invoices, a payment lost after hand-over, no dead ends."""

from __future__ import annotations

from pos.core.invoice import (
    EXPIRED, INVALID, LOST_AFTER_HANDOVER, NEW, PAID_LATE, PAID_PARTIAL, PROCESSING, REFUND_OWED, SETTLED,
)
from pos.ui.dialogs.pin import PinDialog
from pos.ui.screens.charge import ChargeScreen
from pos.ui.screens.done import DoneScreen
from pos.ui.screens.history import HistoryScreen
from pos.ui.screens.sale import SaleScreen
from pos.ui.widgets.qr_view import QrView
from pos.ui.widgets.status_bar import StatusBar
from tests.ui.conftest import charge, make_config, make_services, message, poll, running, settle, shown


async def look(pilot) -> None:
    """The quick look at the invoice on screen (the app runs it every fast_poll_seconds)."""
    pilot.app.poll_on_screen()
    await settle(pilot)


async def sell(pilot, services, code: str):
    """One customer: charge, pay in full (unconfirmed), released by the quick look, next sale."""
    invoice = await charge(pilot, code)
    services.watcher.pay(invoice.address, invoice.amount_sat)
    await look(pilot)
    assert isinstance(pilot.app.screen, DoneScreen), message(pilot)
    await pilot.press("enter")
    assert isinstance(pilot.app.screen, SaleScreen)
    return invoice


async def test_three_customers_in_a_row_then_one_block_settles_them_in_the_background(english) -> None:
    async with running(english) as pilot:
        await poll(pilot)  # the quick look counts from the tip of a poll
        sold = [await sell(pilot, english, code) for code in ("BREAD-01", "MILK-01", "TEA-01")]
        assert [english.store.get_invoice(inv.id).state for inv in sold] == [PROCESSING] * 3
        assert pilot.app.status.awaiting == 3
        assert "3 awaiting conf." in str(pilot.app.screen.query_one(StatusBar).render())
        await pilot.press("f9")
        await pilot.press("f2")  # History: awaiting settlement
        assert isinstance(pilot.app.screen, HistoryScreen)
        assert {inv.id for inv in pilot.app.screen.invoices()} == {inv.id for inv in sold}
        english.watcher.mine()
        await poll(pilot)
        assert pilot.app.screen.invoices() == []
        assert [english.store.get_invoice(inv.id).state for inv in sold] == [SETTLED] * 3
        assert pilot.app.status.awaiting == 0
        assert len(english.printer.receipts()) == 3  # one original each, at hand-over


async def test_a_payment_lost_after_hand_over_alerts_until_a_manager_acknowledges_it(english) -> None:
    events = []
    async with running(english, events=lambda name, fields: events.append((name, fields))) as pilot:
        await poll(pilot)
        invoice = await sell(pilot, english, "BREAD-01")
        [txid] = [p.txid for p in english.store.get_invoice(invoice.id).payments]
        english.watcher.replace(txid)
        await poll(pilot)
        lost = english.store.get_invoice(invoice.id)
        assert lost.state == NEW and LOST_AFTER_HANDOVER in lost.marks
        assert ("alert", {"kind": "payment_lost", "invoice": invoice.id}) in events
        bar = pilot.app.screen.query_one(StatusBar)
        assert "PAYMENT LOST" in str(bar.render()) and invoice.id in str(bar.render())
        # it stays: a new sale, the expiry and later polls do not clear it
        await charge(pilot, "MILK-01")
        english.clock.advance(minutes=30)
        await poll(pilot)
        assert "PAYMENT LOST" in str(pilot.app.screen.query_one(StatusBar).render())
        await pilot.press("f8", "y")  # cancel the open charge (expired by now: back to the sale)
        await settle(pilot)
        if isinstance(pilot.app.screen, ChargeScreen):
            await pilot.press("enter")
        await pilot.press("f9", "f2", "f2")  # History: lost payments
        assert [inv.id for inv in pilot.app.screen.invoices()] == [invoice.id]
        await pilot.press("enter", "f")
        assert isinstance(pilot.app.screen, PinDialog)
        await pilot.press(*"1234", "enter")
        await settle(pilot)
        assert not english.store.get_invoice(invoice.id).alert_open
        assert LOST_AFTER_HANDOVER in english.store.get_invoice(invoice.id).marks  # still flagged for follow-up
        assert ("alert", {"kind": "acknowledged", "invoice": invoice.id}) in events
        assert "PAYMENT LOST" not in str(pilot.app.screen.query_one(StatusBar).render())


async def test_an_underpaid_invoice_closes_as_refund_owed_with_the_pin_and_keeps_the_cart(english) -> None:
    async with running(english) as pilot:
        invoice = await charge(pilot, "TEA-01")
        assert pilot.app.screen.check_action("refund_owed", ()) is False  # nothing paid: cancel instead
        english.watcher.pay(invoice.address, invoice.amount_sat - 1000)
        await poll(pilot)
        assert PAID_PARTIAL in pilot.app.screen.invoice.marks
        assert pilot.app.screen.check_action("refund_owed", ()) is True
        await pilot.press("f4")
        assert isinstance(pilot.app.screen, PinDialog)
        await pilot.press(*"1234", "enter")
        await settle(pilot)
        assert isinstance(pilot.app.screen, SaleScreen)
        assert [line.product.sku for line in pilot.app.cart.lines] == ["TEA-01"]
        closed = english.store.get_invoice(invoice.id)
        assert closed.state == INVALID and REFUND_OWED in closed.marks
        assert invoice.id in message(pilot)


async def test_a_payment_after_the_expiry_is_shown_on_the_charge_screen_without_a_qr(english) -> None:
    async with running(english) as pilot:
        invoice = await charge(pilot, "BREAD-01")
        english.clock.advance(minutes=16)
        await poll(pilot)
        assert pilot.app.screen.invoice.state == EXPIRED
        assert not pilot.app.screen.query_one(QrView).display  # expired: nothing left to scan
        english.watcher.pay(invoice.address, invoice.amount_sat)
        await poll(pilot)
        assert isinstance(pilot.app.screen, ChargeScreen)
        assert PAID_LATE in pilot.app.screen.invoice.marks
        assert shown(pilot, "#payment-state").startswith("Paid after the expiry")


async def test_an_overpayment_is_said_on_done(english) -> None:
    async with running(english) as pilot:
        await poll(pilot)
        invoice = await charge(pilot, "BREAD-01")
        english.watcher.pay(invoice.address, invoice.amount_sat + 700)
        await look(pilot)
        assert isinstance(pilot.app.screen, DoneScreen)
        assert "Overpaid by 700 sat: refund owed" in shown(pilot, "#done-details")


async def test_the_qr_goes_as_soon_as_the_full_amount_is_seen_when_the_till_waits_for_settlement() -> None:
    services = make_services(make_config(ui={"language": "en"}, payment={"handover": "settled"}))
    async with running(services) as pilot:
        invoice = await charge(pilot, "BREAD-01")
        assert pilot.app.screen.query_one(QrView).display
        services.watcher.pay(invoice.address, invoice.amount_sat)
        await poll(pilot)
        assert isinstance(pilot.app.screen, ChargeScreen)
        assert not pilot.app.screen.query_one(QrView).display


async def test_a_restart_after_hand_over_comes_back_to_done_not_to_the_qr(english) -> None:
    async with running(english) as pilot:
        await poll(pilot)
        invoice = await charge(pilot, "BREAD-01")
        english.watcher.pay(invoice.address, invoice.amount_sat)
        await look(pilot)
    async with running(english) as pilot:  # the same store: the power came back
        assert isinstance(pilot.app.screen, DoneScreen) and pilot.app.screen.invoice.id == invoice.id
        assert pilot.app.cart.lines == []
