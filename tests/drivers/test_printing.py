"""The print service: the queue in the store, faults keep receipts, recovery prints each once."""

from __future__ import annotations

import threading
import time
from dataclasses import replace

import pytest

from drivers.escpos import Profile
from drivers.mock import MockPrinter
from drivers.serial import SerialPrinter
from pos.core.invoice import Invoice
from pos.core.ports import PrinterStatus
from pos.core.receipt import render_text
from pos.printing import PrintService, probe_printer, receipt_key
from pos.store import memory_store
from tests.drivers.conftest import NOW, config, sale, settled
from tests.printer_sim import PAPER_END, READY


def service(printer, **printer_config) -> PrintService:
    store = memory_store(clock=lambda: NOW)
    return PrintService(store=store, printer=printer, config=config(**printer_config), clock=lambda: NOW)


def stored(svc: PrintService, invoice: Invoice | None = None) -> Invoice:
    invoice = invoice or settled()
    svc.store.save_invoice(invoice)
    return invoice


def pty_printer(sim) -> SerialPrinter:
    return SerialPrinter(Profile(columns=48), port=sim.port, baudrate=115200, write_timeout=1, status_timeout=0.3)


# ---- the queue -----------------------------------------------------------------
def test_a_submitted_receipt_waits_in_the_store_until_printed_then_leaves_it():
    mock = MockPrinter()
    svc = service(mock)
    job = svc.submit(stored(svc))
    assert (job.receipt_no, job.copy, job.attempts) == (1, False, 0)
    assert svc.store.pending_prints() == [job] and mock.receipts() == []
    [result] = svc.process_queue()
    assert result.printed and result.job == job
    assert svc.store.pending_prints() == [] and len(mock.receipts()) == 1
    assert "Квитанция №                               000001" in mock.receipts()[0]
    assert svc.process_queue() == [] and len(mock.receipts()) == 1


def test_asking_again_for_the_original_never_prints_it_twice():
    mock = MockPrinter()
    svc = service(mock)
    invoice = stored(svc)
    first = svc.submit(invoice)
    assert svc.submit(invoice) == first  # still waiting: the same job
    svc.process_queue()
    assert svc.submit(invoice).id == first.id  # printed: the original is not issued again
    assert svc.process_queue() == [] and len(mock.receipts()) == 1


def test_a_reprint_is_a_copy_with_the_originals_number():
    mock = MockPrinter()
    svc = service(mock)
    other, invoice = stored(svc, settled()), stored(svc, replace(settled(), id="T01-000043", seq=43))
    svc.submit(other)
    original = svc.submit(invoice)
    svc.process_queue()
    copy = svc.submit(invoice, copy=True)
    assert (copy.copy, copy.receipt_no, original.receipt_no) == (True, 2, 2)
    svc.process_queue()
    texts = mock.receipts()
    assert len(texts) == 3 and "К О П И Я" in texts[2] and "К О П И Я" not in texts[1]
    assert "000002" in texts[2] and "T01-000043" in texts[2]


def test_the_first_print_of_an_invoice_is_its_original_even_when_asked_as_a_reprint():
    svc = service(MockPrinter())
    job = svc.submit(stored(svc), copy=True)
    assert not job.copy and job.receipt_no == 1


def test_a_receipt_prints_the_payment_status_as_it_is_when_printed():
    mock = MockPrinter()
    svc = service(mock)
    invoice = stored(svc, sale())
    svc.submit(invoice)  # e.g. printed on demand before payment...
    stored(svc, settled(invoice))  # ...but the printer was busy, and it settled meanwhile
    svc.process_queue()
    assert "оплачен, 1 подтверждение" in mock.receipts()[0]


# ---- faults ------------------------------------------------------------------
def test_a_printer_out_of_paper_keeps_the_receipt_queued_with_the_reason_and_prints_it_once_when_back():
    mock = MockPrinter()
    svc = service(mock)
    mock.fail("paper_end")
    job = svc.submit(stored(svc))
    [result] = svc.process_queue()
    assert not result.printed and "paper end" in result.error
    [queued] = svc.store.pending_prints()
    assert (queued.id, queued.attempts, queued.last_error) == (job.id, 1, "paper end")
    svc.process_queue()
    assert svc.store.pending_prints()[0].attempts == 2
    mock.recover()
    assert [r.printed for r in svc.process_queue()] == [True]
    assert svc.process_queue() == [] and len(mock.receipts()) == 1


def test_a_problem_right_after_printing_keeps_the_job_for_a_full_reprint():
    class RunsOutWhilePrinting(MockPrinter):
        def write(self, data: bytes) -> None:
            super().write(data)
            self.fail("paper_end")

    svc = service(RunsOutWhilePrinting())
    svc.submit(stored(svc))
    [result] = svc.process_queue()
    assert not result.printed and result.error == "after printing: paper end"
    assert svc.store.pending_prints()[0].attempts == 1


def test_a_fault_stops_the_round_so_later_receipts_wait_their_turn():
    mock = MockPrinter()
    svc = service(mock)
    first = svc.submit(stored(svc, sale()))
    second = svc.submit(stored(svc, replace(settled(), id="T01-000043", seq=43)))
    mock.fail("cover_open")
    assert len(svc.process_queue()) == 1
    assert [j.id for j in svc.store.pending_prints()] == [first.id, second.id]


def test_a_job_whose_invoice_is_missing_is_kept_and_does_not_block_the_others():
    mock = MockPrinter()
    svc = service(mock)
    ghost = svc.submit(sale())  # never saved
    real = svc.submit(stored(svc, replace(settled(), id="T01-000043", seq=43)))
    results = svc.process_queue()
    assert [(r.job.id, r.printed) for r in results] == [(ghost.id, False), (real.id, True)]
    assert "is not in the store" in results[0].error
    assert [j.id for j in svc.store.pending_prints()] == [ghost.id]


def test_paper_out_on_the_serial_printer_queues_and_prints_exactly_once_after_recovery(sim):
    sim.status = dict(PAPER_END)
    svc = service(pty_printer(sim))
    invoices = [stored(svc, replace(settled(), id=f"T01-00010{i}", seq=100 + i)) for i in range(3)]
    for invoice in invoices:
        svc.submit(invoice)
    assert [r.printed for r in svc.process_queue()] == [False]
    assert svc.last_status.problems == ("offline", "paper_end")
    assert sim.receipts() == []  # nothing was sent to a printer without paper
    sim.status = dict(READY)
    assert [r.printed for r in svc.process_queue()] == [True, True, True]
    assert svc.process_queue() == []
    receipts = [sim.printout().text(48).split("=" * 48)[i] for i in range(3)]
    assert [next(i.id for i in invoices if i.id in r) for r in receipts] == [i.id for i in invoices]
    assert len(sim.receipts()) == 3


def test_an_unplugged_serial_printer_queues_and_prints_exactly_once_when_plugged_back(sim):
    svc = service(pty_printer(sim))
    sim.vanish()
    svc.submit(stored(svc))
    [result] = svc.process_queue()
    assert not result.printed and "not found" in result.error
    assert svc.status().problems == ("disconnected",)
    sim.reconnect()
    assert svc.status().state == "ok"
    assert [r.printed for r in svc.process_queue()] == [True]
    assert svc.process_queue() == []
    assert sim.wait_until(lambda: len(sim.receipts()) == 1) and len(sim.receipts()) == 1


def test_a_printer_that_never_answers_gets_its_receipt_sent_not_confirmed_and_never_printed_again_by_itself(
        sim, caplog):
    sim.answering = False  # e.g. a printer that does not implement DLE EOT
    svc = service(pty_printer(sim))
    invoice = stored(svc)
    job = svc.submit(invoice)
    [result] = svc.process_queue()
    assert (result.outcome, result.printed) == ("unconfirmed", False)
    assert "no answer to status query" in result.error and svc.last_status.state == "unknown"
    assert svc.unconfirmed(invoice.id)
    assert svc.store.get_state(receipt_key(invoice.id))["unconfirmed"]["job"] == job.id
    assert f"receipt 000001 of {invoice.id} (job {job.id}) sent, but the printer did not confirm it" in caplog.text
    assert svc.store.pending_prints() == [] and svc.process_queue() == []  # a second original could follow
    assert svc.submit(invoice).id == job.id  # asking for the original again does not send it again
    assert svc.process_queue() == []
    assert sim.wait_until(lambda: len(sim.receipts()) == 1) and len(sim.receipts()) == 1


def test_a_printer_falling_silent_after_the_receipt_leaves_it_unconfirmed_and_a_confirmed_copy_clears_that(sim):
    svc = service(pty_printer(sim))
    invoice = stored(svc)
    svc.submit(invoice)
    sim.fall_silent_after(4)  # DLE EOT 1-4 before the receipt are answered, none after it
    assert [r.outcome for r in svc.process_queue()] == ["unconfirmed"]
    assert svc.unconfirmed(invoice.id)
    sim.answers_left = None  # the printer is back
    copy = svc.submit(invoice, copy=True)
    assert [r.outcome for r in svc.process_queue()] == ["printed"]
    assert not svc.unconfirmed(invoice.id)
    assert svc.store.get_state(receipt_key(invoice.id))["job"]["id"] != copy.id  # still the original's record
    assert sim.wait_until(lambda: len(sim.receipts()) == 2)
    first, second = [render_text(blocks, 48) for blocks in sim.receipts()]
    assert "К О П И Я" in second and "К О П И Я" not in first


def test_only_the_printers_answer_confirms_a_receipt():
    mock = MockPrinter()
    svc = service(mock)
    first = stored(svc, replace(settled(), id="T01-000043", seq=43))
    svc.submit(first)
    assert [r.outcome for r in svc.process_queue()] == ["printed"] and not svc.unconfirmed(first.id)
    mock.set_status(PrinterStatus(None, (), "no status from the device"))
    second = stored(svc, replace(settled(), id="T01-000044", seq=44))
    svc.submit(second)
    [result] = svc.process_queue()
    assert (result.outcome, result.error) == ("unconfirmed", "no status from the device")
    assert svc.unconfirmed(second.id) and not svc.unconfirmed(first.id)
    assert len(mock.receipts()) == 2


def test_a_sale_is_never_held_up_by_a_printer_that_hangs(sim):
    sim.stall()
    svc = service(pty_printer(sim))
    svc.submit(stored(svc))
    worker = threading.Thread(target=svc.process_queue)
    worker.start()
    time.sleep(0.1)  # the worker is now waiting on the printer
    started = time.monotonic()
    job = svc.submit(stored(svc, replace(sale(), id="T01-000043", seq=43)))
    assert time.monotonic() - started < 0.2 and job in svc.pending()
    worker.join(10)
    assert not worker.is_alive()


# ---- pos check -----------------------------------------------------------------
def test_probe_reports_the_printer_for_pos_check(sim, tmp_path):
    assert probe_printer(config(driver="mock")) == (True, "mock printer: ok, mock printer")
    ok, message = probe_printer(config(driver="serial", port=sim.port))
    assert ok and message == f"serial {sim.port} at 9600 baud: ok, ready"
    sim.status = dict(PAPER_END)
    ok, message = probe_printer(config(driver="serial", port=sim.port))
    assert not ok and message.endswith("problem, printer offline, paper end")
    ok, message = probe_printer(config(driver="serial", port=str(tmp_path / "ttyUSB0")))
    assert not ok and "not found" in message
    (tmp_path / "lp0").touch()
    ok, message = probe_printer(config(driver="file", device=str(tmp_path / "lp0")))
    assert not ok and "unknown" in message


def test_the_original_receipt_is_remembered_in_the_store():
    svc = service(MockPrinter())
    job = svc.submit(stored(svc))
    assert svc.store.get_state(receipt_key(job.invoice_id)) == {"number": 1, "job": job.to_dict()}


@pytest.mark.parametrize("language, title", [("kk", "ТӨЛЕМ ТҮБІРТЕГІ"), ("en", "PAYMENT SLIP")])
def test_the_receipt_language_and_width_follow_the_config(language, title):
    mock = MockPrinter(Profile(columns=32, code_table=53, codec="kz1048"))
    store = memory_store(clock=lambda: NOW)
    cfg = config(paper_mm=58)
    cfg = replace(cfg, ui=replace(cfg.ui, language=language))
    svc = PrintService(store=store, printer=mock, config=cfg, clock=lambda: NOW)
    svc.submit(stored(svc))
    svc.process_queue()
    lines = [line for line in mock.receipts()[0].splitlines() if not line.startswith("[QR]")]
    assert title in mock.receipts()[0] and max(len(line) for line in lines) == 32
