"""Charge: QR, amounts, live payment state, underpayment, cancel, expiry, settle, receipt, resume."""

from __future__ import annotations

import threading

from pos.core.invoice import CANCELLED, EXPIRED, NEW, PAID_PARTIAL, PROCESSING, SETTLED
from pos.sale.till import CHARGE_STATE
from pos.ui.dialogs.confirm import ConfirmDialog
from pos.ui.screens.charge import ChargeScreen
from pos.ui.screens.done import DoneScreen
from pos.ui.screens.sale import SaleScreen
from pos.ui.widgets.qr_view import QrView
from tests.ui.conftest import charge, make_config, make_services, message, poll, running, settle, shown
from tests.ui.fakes import FixedKey
from tests.ui.qr_decode import decode_svg


async def test_the_qr_on_screen_decodes_to_the_invoice_uri_and_fits_80x24(english) -> None:
    async with running(english) as pilot:
        invoice = await charge(pilot, "BREAD-01", "2*MILK-01")
        qr = pilot.app.screen.query_one(QrView)
        assert qr.region.bottom <= 24 and qr.region.right <= 80
        assert qr.code.version <= 5 and qr.code.size == qr.code.version * 4 + 17 + 8  # quiet zone 4 each side
        assert decode_svg(pilot.app.export_screenshot()) == [invoice.uri]
        assert invoice.uri.startswith("BITCOIN:BCRT1Q")  # upper case: a smaller QR
        assert "1 430.00 ₸" in shown(pilot, "#amounts") and "0.00003178 BTC" in shown(pilot, "#amounts")
        assert invoice.address in shown(pilot, "#address")
        assert shown(pilot, "#countdown") == "Expires in 15:00"


async def test_the_customer_is_handed_over_when_the_payment_is_seen_and_it_settles_in_the_background(
        english) -> None:
    async with running(english) as pilot:
        invoice = await charge(pilot, "BREAD-01")
        english.watcher.pay(invoice.address, invoice.amount_sat)
        await poll(pilot)
        assert isinstance(pilot.app.screen, DoneScreen)
        assert shown(pilot, "#done-title") == "PAID, awaiting 1 confirmation(s) - thank you!"
        assert pilot.app.cart.lines == []
        assert pilot.app.status.awaiting == 1
        receipts = english.printer.receipts()
        assert len(receipts) == 1 and invoice.id in receipts[0] and "C O P Y" not in receipts[0]
        assert english.store.get_invoice(invoice.id).state == PROCESSING  # handed over is not settled
        english.watcher.mine()
        await poll(pilot)
        assert shown(pilot, "#done-title") == "PAID - thank you!"
        assert english.store.get_invoice(invoice.id).state == SETTLED
        assert pilot.app.status.awaiting == 0
        assert len(english.printer.receipts()) == 1  # settling later prints no second original
        await pilot.press("p")
        await settle(pilot)
        assert len(english.printer.receipts()) == 2 and "C O P Y" in english.printer.receipts()[1]
        await pilot.press("enter")
        assert isinstance(pilot.app.screen, SaleScreen)
        assert english.store.get_state(CHARGE_STATE) is None


async def test_with_handover_settled_the_charge_screen_waits_for_the_confirmation() -> None:
    services = make_services(make_config(ui={"language": "en"}, payment={"handover": "settled"}))
    async with running(services) as pilot:
        invoice = await charge(pilot, "BREAD-01")
        services.watcher.pay(invoice.address, invoice.amount_sat)
        await poll(pilot)
        assert pilot.app.screen.invoice.state == PROCESSING
        assert shown(pilot, "#payment-state") == "Payment seen: 0/1 confirmations"
        assert pilot.app.screen.check_action("cancel_invoice", ()) is False
        assert not pilot.app.screen.query_one(QrView).display  # the full amount is seen: no second scan
        services.watcher.mine()
        await poll(pilot)
        assert isinstance(pilot.app.screen, DoneScreen)
        assert shown(pilot, "#done-title") == "PAID - thank you!"
        assert pilot.app.cart.lines == []
        assert invoice.id in shown(pilot, "#receipt")


async def test_a_sale_above_handover_max_waits_for_settlement() -> None:
    services = make_services(make_config(ui={"language": "en"}, payment={"handover_max_kzt": 1000}))
    async with running(services) as pilot:
        small = await charge(pilot, "BREAD-01")  # 250 KZT: handed over when seen
        services.watcher.pay(small.address, small.amount_sat)
        await poll(pilot)
        assert isinstance(pilot.app.screen, DoneScreen)
        await pilot.press("enter")
        large = await charge(pilot, "TEA-01")
        assert large.total_tiyn > 1000_00
        services.watcher.pay(large.address, large.amount_sat)
        await poll(pilot)
        assert isinstance(pilot.app.screen, ChargeScreen) and pilot.app.screen.invoice.state == PROCESSING
        services.watcher.mine()
        await poll(pilot)
        assert isinstance(pilot.app.screen, DoneScreen) and pilot.app.screen.invoice.state == SETTLED


async def test_underpayment_shows_the_remainder_and_a_qr_for_it(english) -> None:
    async with running(english) as pilot:
        invoice = await charge(pilot, "TEA-01")
        english.watcher.pay(invoice.address, invoice.amount_sat - 1000)
        await poll(pilot)
        shown_invoice = pilot.app.screen.invoice
        assert shown_invoice.state == NEW and PAID_PARTIAL in shown_invoice.marks
        assert "remaining 1 000 sat" in shown(pilot, "#payment-state")
        [payload] = decode_svg(pilot.app.export_screenshot())
        assert payload == invoice.uri.replace(f"amount=0.0000{invoice.amount_sat}", "amount=0.00001")
        english.watcher.pay(invoice.address, 1000)
        english.watcher.mine()
        await poll(pilot)
        assert isinstance(pilot.app.screen, DoneScreen)


async def test_cancel_while_waiting_asks_then_returns_to_the_sale_with_its_cart(english) -> None:
    async with running(english) as pilot:
        invoice = await charge(pilot, "BREAD-01", "MILK-01")
        await pilot.press("f8")
        assert isinstance(pilot.app.screen, ConfirmDialog)
        await pilot.press("n")
        assert isinstance(pilot.app.screen, ChargeScreen)
        await pilot.press("f8", "y")
        await settle(pilot)
        assert isinstance(pilot.app.screen, SaleScreen)
        assert english.store.get_invoice(invoice.id).state == CANCELLED
        assert [line.product.sku for line in pilot.app.cart.lines] == ["BREAD-01", "MILK-01"]
        assert message(pilot) == f"Invoice {invoice.id} cancelled; the sale is still here"


async def test_a_payment_arriving_before_the_cancel_is_confirmed_wins(english) -> None:
    async with running(english) as pilot:
        invoice = await charge(pilot, "BREAD-01")
        await pilot.press("f8")
        english.watcher.pay(invoice.address, invoice.amount_sat)
        english.watcher.poll_once()  # the watcher saved the payment while the question was open
        await pilot.press("y")
        await settle(pilot)
        assert english.store.get_invoice(invoice.id).state == PROCESSING
        assert isinstance(pilot.app.screen, ChargeScreen)
        assert message(pilot).startswith("Cannot cancel:")


async def test_an_expired_invoice_goes_back_to_the_sale_on_enter(english) -> None:
    async with running(english) as pilot:
        invoice = await charge(pilot, "BREAD-01")
        english.clock.advance(minutes=16)
        await poll(pilot)
        assert pilot.app.screen.invoice.state == EXPIRED
        assert shown(pilot, "#payment-state") == "Expired: not paid in time"
        await pilot.press("enter")
        assert isinstance(pilot.app.screen, SaleScreen) and len(pilot.app.cart.lines) == 1
        assert english.store.get_invoice(invoice.id).state == EXPIRED


async def test_a_restart_during_the_charge_comes_back_to_the_same_qr(english) -> None:
    async with running(english) as pilot:
        invoice = await charge(pilot, "BREAD-01")
    async with running(english) as pilot:
        assert isinstance(pilot.app.screen, ChargeScreen)
        assert pilot.app.screen.invoice.id == invoice.id
        assert pilot.app.screen.query_one(QrView).data == invoice.uri
        english.watcher.pay(invoice.address, invoice.amount_sat, height=english.watcher.tip)
        await poll(pilot)
        assert isinstance(pilot.app.screen, DoneScreen)
        assert english.store.get_invoice(invoice.id).state == SETTLED


async def test_a_second_charge_key_while_charging_makes_no_second_invoice(english) -> None:
    class SlowKey(FixedKey):
        """Derives nothing until the test opens the gate: the charge is still running meanwhile."""

        gate = threading.Event()

        def address(self, index: int) -> str:
            assert self.gate.wait(10)
            return super().address(index)

    english.checkout.key = SlowKey
    async with running(english) as pilot:
        await pilot.press(*"BREAD-01", "enter")
        await pilot.press("f10", "f10")
        await pilot.press(*"MILK-01", "enter")  # the cart is frozen while the invoice is made from it
        assert message(pilot) == "Creating the invoice..."
        assert pilot.app.screen.check_action("void", ()) is None
        SlowKey.gate.set()
        await settle(pilot)
        assert isinstance(pilot.app.screen, ChargeScreen)
        assert len(english.store.open_invoices()) == 1
        assert [line.product.sku for line in pilot.app.cart.lines] == ["BREAD-01"]


async def test_settled_while_a_dialog_is_open_finishes_once_the_dialog_closes(english) -> None:
    async with running(english) as pilot:
        invoice = await charge(pilot, "BREAD-01")
        await pilot.press("f8")  # the cashier is asked whether to cancel...
        english.watcher.pay(invoice.address, invoice.amount_sat, height=english.watcher.tip)
        pilot.app.poll_chain()  # ...while the payment confirms
        await settle(pilot)
        assert isinstance(pilot.app.screen, ConfirmDialog)
        await pilot.press("y")
        await settle(pilot)
        assert isinstance(pilot.app.screen, DoneScreen)
        assert english.store.get_invoice(invoice.id).state == SETTLED
