"""History: today's invoices, opening one, reprinting, and following up the exceptions."""

from __future__ import annotations

from pos.core.invoice import EXPIRED, PAID_LATE, PAID_OVER, SETTLED
from pos.ui.dialogs.invoice import REFUND_NOTE, InvoiceDialog
from pos.ui.dialogs.pin import PinDialog
from pos.ui.screens.charge import ChargeScreen
from pos.ui.screens.history import HistoryScreen
from tests.ui.conftest import answer, charge, message, poll, running, settle, staffed
from tests.ui.test_refund import start_shift


async def to_history(pilot) -> HistoryScreen:
    await pilot.press("f9")
    await settle(pilot)
    assert isinstance(pilot.app.screen, HistoryScreen)
    return pilot.app.screen


def rows(screen: HistoryScreen) -> list[list[str]]:
    table = screen.query_one("#history")
    return [[str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]


async def test_history_lists_todays_invoices_newest_first_with_state_and_marks(english) -> None:
    async with running(english) as pilot:
        first = await charge(pilot, "BREAD-01")
        await pilot.press("f8", "y")
        await settle(pilot)
        second = await charge(pilot, "MILK-01")
        english.watcher.pay(second.address, second.amount_sat + 500, height=english.watcher.tip)
        await poll(pilot)
        await pilot.press("enter")  # Done -> new sale
        screen = await to_history(pilot)
        assert [(r[1], r[2], r[3]) for r in rows(screen)] == [(second.id, "paid", "overpaid"),
                                                               (first.id, "cancelled", "")]
        assert rows(screen)[0][0] == "10:00"  # Asia/Almaty local time


async def test_open_reprint_and_note_a_refunded_overpayment(english) -> None:
    async with running(english) as pilot:
        invoice = await charge(pilot, "MILK-01")
        english.watcher.pay(invoice.address, invoice.amount_sat + 500, height=english.watcher.tip)
        await poll(pilot)
        await pilot.press("enter")
        await to_history(pilot)
        await pilot.press("enter")
        assert isinstance(pilot.app.screen, InvoiceDialog)
        await pilot.press("p")
        await settle(pilot)
        assert len(english.printer.receipts()) == 2  # the original on settle, then the copy
        await pilot.press("enter", "f", *"1234", "enter")
        await settle(pilot)
        stored = english.store.get_invoice(invoice.id)
        assert PAID_OVER in stored.marks and stored.history[-1].cause == f"{REFUND_NOTE} (noted by the manager)"


async def test_a_late_payment_is_settled_by_the_manager_after_checking_it(english) -> None:
    async with running(english) as pilot:
        invoice = await charge(pilot, "TEA-01")
        english.clock.advance(minutes=20)
        await poll(pilot)
        await pilot.press("enter")  # expired: back to the sale
        english.watcher.pay(invoice.address, invoice.amount_sat, height=english.watcher.tip)
        await poll(pilot)
        late = english.store.get_invoice(invoice.id)
        assert late.state == EXPIRED and PAID_LATE in late.marks
        await to_history(pilot)
        await pilot.press("enter", "f")
        assert isinstance(pilot.app.screen, PinDialog)
        await pilot.press(*"1234", "enter")
        await settle(pilot)
        assert english.store.get_invoice(invoice.id).state == SETTLED
        assert rows(pilot.app.screen)[0][2] == "paid"


async def test_once_the_shop_has_a_manager_a_late_payment_is_settled_with_their_own_pin_and_name() -> None:
    """The terminal's manager PIN names nobody: with people on the till, a cashier cannot settle and
    the manager who does is on the invoice's record."""
    services = staffed()
    async with running(services) as pilot:
        await start_shift(pilot)
        invoice = await charge(pilot, "TEA-01")
        services.clock.advance(minutes=20)
        await poll(pilot)
        await pilot.press("enter")
        services.watcher.pay(invoice.address, invoice.amount_sat, height=services.watcher.tip)
        await poll(pilot)
        await to_history(pilot)
        await pilot.press("enter", "f")
        await settle(pilot)
        assert not isinstance(pilot.app.screen, PinDialog)
        await answer(pilot, "Aigerim", "1111")
        assert "manager" in message(pilot)
        assert services.store.get_invoice(invoice.id).state == EXPIRED
        await pilot.press("enter", "f")
        await answer(pilot, "Dana", "2222")
        settled = services.store.get_invoice(invoice.id)
        assert settled.state == SETTLED
        assert settled.history[-1].cause == "settled by Dana after checking the payment"
        await pilot.press("enter")
        assert isinstance(pilot.app.screen, InvoiceDialog)
        assert "settled by the manager after checking the payment (Dana)" in pilot.app.screen.details()


async def test_an_underpaid_invoice_can_be_shown_again_to_collect_the_rest(english) -> None:
    async with running(english) as pilot:
        invoice = await charge(pilot, "TEA-01")
        english.watcher.pay(invoice.address, 1000)
        await poll(pilot)
        await pilot.press("f8")  # a payment was seen: cancel is not offered
        assert isinstance(pilot.app.screen, ChargeScreen)
        pilot.app.back_to_sale()
        await to_history(pilot)
        await pilot.press("enter", "f")
        await settle(pilot)
        assert isinstance(pilot.app.screen, ChargeScreen)
        assert pilot.app.screen.invoice.id == invoice.id
