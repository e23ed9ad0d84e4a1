"""One contract, every driver: mock in memory, serial over a pty, file on a pty device path."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import pytest

from drivers.base import Printer
from drivers.decode import Printout, decode
from drivers.escpos import Profile
from drivers.file import FilePrinter
from drivers.mock import MockPrinter
from drivers.serial import SerialPrinter
from pos.core.receipt import Cut, build_receipt
from tests.drivers.conftest import NOW, TXID, on_paper, settings, settled
from tests.printer_sim import PAPER_END, PrinterSim

PROFILE = Profile(columns=32)


class Rig:
    """A driver and a way to read what reached its printer, and to give that printer paper trouble."""

    def __init__(self, printer: Printer, printout: Callable[[], Printout], run_out: Callable[[], None],
                 wait: Callable[[Callable[[], bool]], bool]) -> None:
        self.printer, self.printout, self.run_out, self.wait = printer, printout, run_out, wait


def pty_rig(sim: PrinterSim, printer: Printer) -> Rig:
    return Rig(printer, sim.printout, lambda: sim.status.update(PAPER_END), sim.wait_until)


@pytest.fixture(params=["mock", "serial", "file"])
def rig(request, tmp_path: Path):
    if request.param == "mock":
        mock = MockPrinter(PROFILE)
        yield Rig(mock, lambda: mock.printout, lambda: mock.fail("paper_end"), lambda cond: cond())
        return
    sim = PrinterSim(tmp_path)
    if request.param == "serial":
        printer: Printer = SerialPrinter(PROFILE, port=sim.port, baudrate=115200, write_timeout=1, status_timeout=0.3)
    else:
        printer = FilePrinter(PROFILE, device=sim.port, write_timeout=1, status_timeout=0.3)
    yield pty_rig(sim, printer)
    printer.close()
    sim.close()


def test_a_receipt_arrives_as_its_document(rig):
    doc = build_receipt(settled(), settings("ru", 32), number=3, now=NOW)
    with rig.printer as printer:
        printer.print_receipt(doc)
        assert rig.wait(lambda: len(rig.printout().receipts()) == 1)
    assert rig.printout().text(32) == on_paper(doc.text(), PROFILE.codec)
    assert rig.printout().qr_payloads == [TXID]


def test_a_ready_printer_reports_ok_and_paper_trouble_as_a_problem(rig):
    with rig.printer as printer:
        assert printer.status().state == "ok"
        rig.run_out()
        status = printer.status()
    assert status.state == "problem" and "paper_end" in status.problems


def test_cut_sends_a_partial_cut_and_nothing_else(rig):
    with rig.printer as printer:
        printer.cut()
        assert rig.wait(lambda: len(rig.printout().receipts()) == 1)
    assert rig.printout().blocks == [Cut()]


def test_a_closed_driver_opens_again_on_use(rig):
    with rig.printer as printer:
        printer.write(b"one\n")
    rig.printer.write(b"two\n")
    assert rig.wait(lambda: rig.printout().lines == ["one", "two"])
    rig.printer.close()


def test_decoding_what_the_driver_sent_is_the_same_for_every_transport(rig):
    data = b"\x1b@\x1bt\x11" + "Ёлка".encode("cp866") + b"\n"
    with rig.printer as printer:
        printer.write(data)
        assert rig.wait(lambda: rig.printout().lines == ["Ёлка"])
    assert rig.printout().lines == decode(data, "cp866").lines
