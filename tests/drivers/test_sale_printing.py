"""Sales paid in cash, by card or split go through the same print queue as invoices: in order, once,
crash-safe; with [fiscal] on the slip prints at once and the fiscal receipt once the sale is registered."""

from __future__ import annotations

import itertools
import logging
from dataclasses import replace

import pytest

from drivers.escpos import Profile
from drivers.mock import MockPrinter
from drivers.serial import SerialPrinter
from pos.core.ports import PrintJob
from pos.core.tender import BitcoinTender, CardTender, CashTender
from pos.printing import receipt_key
from tests.drivers.conftest import NOW, TXID, flat, sale, settled
from tests.drivers.test_printing import service, stored
from tests.drivers.test_sale_receipt import CASH_PART, TOTAL, a_sale, cash
from tests.fiscal.test_receipt import registered
from tests.printer_sim import PAPER_END, READY


def drawer_printer() -> MockPrinter:
    return MockPrinter(Profile(columns=48, cash_drawer=True))


def test_a_cash_sales_slip_prints_once_lists_the_change_and_opens_the_drawer():
    mock = drawer_printer()
    svc = service(mock, cash_drawer=True)
    sold = cash()
    svc.store.save_sale(sold)
    job = svc.submit_sale(sold)
    assert (job.document, job.invoice_id, job.receipt_no, job.copy) == (sold.id, "", 1, False)
    assert svc.submit_sale(sold) == job  # asked again while it waits: the same job
    [result] = svc.process_queue()
    assert result.printed and result.job == job
    [paper] = mock.receipts()
    assert "Наличные4090.00KZT" in flat(paper) and "Сдача910.00" in flat(paper)
    assert mock.printout.drawer_kicks == 1
    assert svc.submit_sale(sold).id == job.id and svc.process_queue() == []  # printed: never a second original
    assert svc.store.get_state(receipt_key(sold.id))["number"] == 1


def test_a_bitcoin_receipt_never_opens_the_drawer_and_a_card_slip_neither():
    mock = drawer_printer()
    svc = service(mock, cash_drawer=True)
    card = a_sale(CardTender(TOTAL, "A1B2C3"))
    svc.submit(stored(svc))
    svc.submit_sale(card)
    assert [r.printed for r in svc.process_queue()] == [True, True]
    assert len(mock.receipts()) == 2 and mock.printout.drawer_kicks == 0
    assert "A1B2C3" in mock.receipts()[1]


def test_invoices_and_sales_print_in_the_order_they_were_queued_each_with_its_own_number():
    mock = MockPrinter()
    svc = service(mock)
    first = stored(svc)
    sold = cash()
    jobs = [svc.submit(first), svc.submit_sale(sold), svc.submit(stored(svc, replace(settled(), id="T01-000043")))]
    assert [j.receipt_no for j in jobs] == [1, 2, 3]
    assert [r.job.document for r in svc.process_queue()] == [first.id, sold.id, "T01-000043"]
    assert [("T01-S000009" in paper, "T01-000043" in paper) for paper in mock.receipts()] == [
        (False, False), (True, False), (False, True)]


def test_a_split_sales_slip_reads_its_invoice_from_the_store_as_it_stands_when_printed():
    mock = MockPrinter()
    svc = service(mock)
    invoice = stored(svc, settled(sale(bitcoin_tiyn=TOTAL - CASH_PART)))
    sold = a_sale(CashTender(CASH_PART, CASH_PART), BitcoinTender(invoice.total_tiyn, invoice.id))
    svc.submit_sale(sold)
    svc.process_queue()
    [paper] = mock.receipts()
    assert "Bitcoin                             2 090.00 KZT" in paper
    assert TXID[:48] in paper and "5 225 sat" in paper and invoice.id in paper


def test_a_job_stored_before_sales_printed_still_reads_as_an_invoices_and_a_sales_job_round_trips():
    old = {"id": "P000001", "invoice_id": "T01-000042", "created_at": NOW.isoformat(), "copy": False,
           "attempts": 2, "last_error": "paper end", "receipt_no": 7, "sending": False}
    job = PrintJob.from_dict(old)
    assert (job.document, job.sale, job.fiscal, job.attempts, job.receipt_no) == ("T01-000042", None, False, 2, 7)
    assert job.to_dict() == old  # an invoice's job is stored as before
    sold = PrintJob("P000002", "", NOW, receipt_no=8, sale=cash(), fiscal=True)
    assert PrintJob.from_dict(sold.to_dict()) == sold


def test_paper_out_keeps_the_slip_queued_and_it_prints_once_when_paper_is_back():
    mock = drawer_printer()
    svc = service(mock, cash_drawer=True)
    sold = cash()
    svc.submit_sale(sold)
    mock.fail("paper_end")
    [failed] = svc.process_queue()
    assert not failed.printed and svc.store.pending_prints()[0].attempts == 1
    mock.recover()
    assert [r.printed for r in svc.process_queue()] == [True]
    assert svc.process_queue() == [] and len(mock.receipts()) == 1 and mock.printout.drawer_kicks == 1


def test_a_slip_found_sending_after_a_stop_is_sent_not_confirmed_and_not_printed_again():
    mock = MockPrinter()
    svc = service(mock)
    sold = cash()
    job = svc.submit_sale(sold)
    svc.store.update_print(replace(job, sending=True))  # the terminal stopped while its bytes went out
    [result] = svc.process_queue()
    assert result.outcome == "unconfirmed" and mock.receipts() == []
    assert svc.unconfirmed(sold.id) and svc.store.pending_prints() == []


# ---- with [fiscal] on --------------------------------------------------------------
def test_with_fiscal_on_the_slip_prints_at_once_and_the_fiscal_receipt_when_the_sale_is_registered():
    mock = drawer_printer()
    svc = service(mock, cash_drawer=True)
    sold = cash()
    svc.store.save_sale(sold, fiscal=True)  # its fiscal receipt queued for the register in the same write
    slip = svc.submit_sale(sold)
    assert [(j.id, j.fiscal) for j in svc.store.pending_prints()] == [(slip.id, False), ("P000002", True)]
    assert [r.job.id for r in svc.process_queue()] == [slip.id]  # the fiscal receipt waits for the register
    later = svc.submit(stored(svc))
    assert [r.job.id for r in svc.process_queue()] == [later.id]  # and holds up no receipt behind it
    assert "Не является фискальным чеком" in mock.receipts()[0]

    fiscal = svc.store.fiscal_job(sold)
    svc.store.save_fiscal(fiscal.registered(registered(sold.id, TOTAL)))
    [result] = svc.process_queue()
    assert result.printed and result.job.fiscal and svc.store.pending_prints() == []
    paper = mock.receipts()[2]
    assert "ФИСКАЛЬНЫЙ ЧЕК" in paper and "910000000001" in paper and "Квитанция№000001" in flat(paper)
    assert mock.printout.drawer_kicks == 1  # the slip opened it; the fiscal receipt does not again
    assert svc.submit_sale(sold).id == slip.id and svc.process_queue() == []


def test_a_sale_the_register_holds_without_attributes_gets_no_empty_fiscal_receipt():
    mock = MockPrinter()
    svc = service(mock)
    sold = cash()
    svc.store.save_sale(sold, fiscal=True)
    svc.submit_sale(sold)
    svc.process_queue()
    svc.store.save_fiscal(svc.store.fiscal_job(sold).registered(None, "already registered; attributes unknown"))
    assert svc.process_queue() == [] and svc.store.pending_prints() == []
    assert len(mock.receipts()) == 1


def test_a_fiscal_receipt_the_register_refused_leaves_the_queue_logged_its_slip_printed_already(caplog):
    mock = MockPrinter()
    svc = service(mock)
    sold = cash()
    svc.store.save_sale(sold, fiscal=True)
    later = replace(cash(), id="T01-S000010")
    svc.store.save_sale(later, fiscal=True)
    svc.submit_sale(sold)
    svc.submit_sale(later)
    assert [r.job.document for r in svc.process_queue()] == [sold.id, later.id]  # the slips
    svc.store.save_fiscal(replace(svc.store.fiscal_job(sold), note="9: Positions[0].Price is invalid"))  # refused
    svc.store.save_fiscal(svc.store.fiscal_job(later).registered(registered(later.id, later.total_tiyn)))
    with caplog.at_level(logging.WARNING, logger="pos.printing"):
        dropped, printed = svc.process_queue()
    assert (dropped.outcome, dropped.job.document, dropped.job.fiscal) == ("dropped", sold.id, True)
    assert dropped.error == "9: Positions[0].Price is invalid"
    assert printed.printed and printed.job.document == later.id  # the receipts behind it go on
    assert svc.store.pending_prints() == [] and len(mock.receipts()) == 3
    assert f"fiscal receipt 000001 of sale {sold.id}" in caplog.text and "refused" in caplog.text


def test_a_reprint_of_a_sales_slip_is_a_copy_with_the_originals_number_and_no_second_fiscal_job():
    mock = drawer_printer()
    svc = service(mock, cash_drawer=True)
    sold = cash()
    svc.store.save_sale(sold, fiscal=True)
    svc.submit_sale(sold, copy=True)  # asked as a reprint before any original: it is the original
    svc.process_queue()
    copy = svc.submit_sale(sold, copy=True)
    assert (copy.copy, copy.receipt_no, copy.fiscal) == (True, 1, False)
    assert [j.id for j in svc.store.pending_prints() if j.fiscal] == ["P000002"]  # the original's, still waiting
    [result] = svc.process_queue()
    assert result.printed and "К О П И Я" in mock.receipts()[-1] and "К О П И Я" not in mock.receipts()[0]
    assert "Квитанция№000001" in flat(mock.receipts()[-1])
    assert mock.printout.drawer_kicks == 1  # a copy never opens the drawer


class Killed(BaseException):
    """kill -9: nothing after it runs."""


WRITES = ("next_counter", "enqueue_print", "update_print", "finish_print", "put_state")


def kill_at_write(store, n: int | None, writes: list[str]) -> None:
    """The store's n-th write from now on never happens, nor anything after it (each write is one
    all-or-nothing store operation, so a stop before each is a kill -9 at every moment); the writes
    made are listed in `writes`."""
    count = itertools.count()
    for name in WRITES:
        def watched(*args, _write=getattr(store, name), _name=name, **kwargs):
            if next(count) == n:
                raise Killed
            writes.append(_name)
            return _write(*args, **kwargs)

        setattr(store, name, watched)


def test_a_kill_at_any_moment_of_queuing_a_slip_never_leaves_it_without_its_fiscal_receipt():
    made: list[str] = []
    probe = service(MockPrinter())
    probe.store.save_sale(cash(), fiscal=True)
    kill_at_write(probe.store, None, made)
    probe.submit_sale(cash())
    assert made.count("enqueue_print") == 1  # both jobs in one write
    for n in range(len(made)):
        svc = service(MockPrinter())
        sold = cash()
        svc.store.save_sale(sold, fiscal=True)
        kill_at_write(svc.store, n, [])
        with pytest.raises(Killed):
            svc.submit_sale(sold)
        queued = [job.fiscal for job in svc.store.pending_prints()]
        assert queued in ([], [False, True]), f"killed before write {n}: {queued}"


def test_with_fiscal_off_a_sale_queues_its_slip_alone():
    svc = service(MockPrinter())
    sold = cash()
    svc.store.save_sale(sold)
    svc.submit_sale(sold)
    assert [j.fiscal for j in svc.store.pending_prints()] == [False]


# ---- over the pty printer simulator ------------------------------------------------
def test_over_the_serial_line_a_cash_slip_kicks_the_drawer_a_bitcoin_receipt_does_not(sim):
    printer = SerialPrinter(Profile(columns=48, cash_drawer=True), port=sim.port, baudrate=115200,
                            write_timeout=1, status_timeout=0.3)
    svc = service(printer, cash_drawer=True)
    sim.status = dict(PAPER_END)
    svc.submit(stored(svc))
    svc.submit_sale(cash())
    assert [r.printed for r in svc.process_queue()] == [False] and sim.receipts() == []
    sim.status = dict(READY)
    assert [r.printed for r in svc.process_queue()] == [True, True]
    assert sim.wait_until(lambda: len(sim.receipts()) == 2)
    papers = sim.printout().text(48).split("=" * 48)
    assert "T01-000042" in papers[0] and "Сдача910.00" in flat(papers[1])
    assert sim.printout().drawer_kicks == 1
    assert svc.process_queue() == [] and len(sim.receipts()) == 2
