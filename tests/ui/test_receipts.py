"""Receipts on screen: a printer fault never blocks the sale, and the queued receipt prints once."""

from __future__ import annotations

from pos.core.ports import PrinterStatus
from pos.ui.screens.done import DoneScreen
from tests.ui.conftest import charge, message, poll, running, settle


async def test_paper_out_queues_the_receipt_which_prints_once_when_the_printer_is_back(english) -> None:
    events: list[tuple[str, dict]] = []
    async with running(english, events=lambda name, fields: events.append((name, fields))) as pilot:
        invoice = await charge(pilot, "BREAD-01")
        english.printer.fail("paper_end")
        english.watcher.pay(invoice.address, invoice.amount_sat, height=english.watcher.tip)
        pilot.app.poll_chain()
        await settle(pilot)
        assert isinstance(pilot.app.screen, DoneScreen)  # the sale is over all the same
        assert message(pilot).startswith("Receipt not printed:")
        assert pilot.app.status.printer.state == "problem"
        assert english.printer.receipts() == [] and len(english.store.pending_prints()) == 1
        english.printer.recover()
        pilot.app.process_prints()
        await settle(pilot)
        pilot.app.process_prints()  # a later retry finds nothing left to print
        await settle(pilot)
        assert len(english.printer.receipts()) == 1 and english.store.pending_prints() == []
        assert invoice.id in str(pilot.app.screen.query_one("#receipt").render())
    printed = [fields for name, fields in events if name == "receipt_printed"]
    assert printed == [{"invoice": invoice.id}]
    printer_states = [fields["state"] for name, fields in events if name == "printer_state"]
    assert printer_states == ["ok", "problem", "ok"]


async def test_a_receipt_the_printer_never_confirms_is_said_on_done_not_printed_again_and_a_copy_clears_it(
        english) -> None:
    events: list[tuple[str, dict]] = []
    async with running(english, events=lambda name, fields: events.append((name, fields))) as pilot:
        invoice = await charge(pilot, "BREAD-01")
        english.printer.set_status(PrinterStatus(None, (), "no answer to status query DLE EOT 1 within 0.5 s"))
        english.watcher.pay(invoice.address, invoice.amount_sat, height=english.watcher.tip)
        await poll(pilot)
        assert isinstance(pilot.app.screen, DoneScreen)
        assert message(pilot) == ("Receipt sent, but the printer did not confirm it: check that it printed "
                                  "(F5: a copy)")
        assert english.store.pending_prints() == [] and len(english.printer.receipts()) == 1
        pilot.app.process_prints()  # the retry timer: nothing is sent again by itself
        await settle(pilot)
        assert len(english.printer.receipts()) == 1
        english.printer.recover()
        await pilot.press("f5")  # the cashier finds no slip and asks for a copy
        await settle(pilot)
        assert len(english.printer.receipts()) == 2 and "C O P Y" in english.printer.receipts()[1]
        assert message(pilot) == ""
    assert [fields for name, fields in events if name == "receipt_unconfirmed"] == [{"invoice": invoice.id}]
    assert [fields for name, fields in events if name == "receipt_printed"] == [{"invoice": invoice.id}]  # the copy


async def test_a_printer_fault_is_said_in_the_cashiers_language(services) -> None:
    async with running(services) as pilot:  # Russian
        invoice = await charge(pilot, "BREAD-01")
        services.printer.set_status(PrinterStatus(False, ("paper_end",), "paper end"))
        services.watcher.pay(invoice.address, invoice.amount_sat, height=services.watcher.tip)
        await poll(pilot)
        assert isinstance(pilot.app.screen, DoneScreen)
        said = message(pilot)
        assert "кончилась бумага" in said and "paper end" not in said
