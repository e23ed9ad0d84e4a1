"""The serial driver through pyserial over a real pty, against the printer simulator."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest

from drivers import open_printer
from drivers.base import PrinterError
from drivers.escpos import Profile, printable
from drivers.serial import SerialPrinter
from pos.core.receipt import build_receipt
from tests.drivers.conftest import NOW, TXID, config, flat, on_paper, required_fields, settings, settled
from tests.printer_sim import ASB_OK, COVER_OPEN, NEAR_END, PAPER_END


def serial_printer(port: str, *, profile: Profile = Profile(), flow_control: str = "none",
                   write_timeout: float = 1.0, baudrate: int = 115200) -> SerialPrinter:
    return SerialPrinter(profile, port=port, baudrate=baudrate, flow_control=flow_control,
                         write_timeout=write_timeout, status_timeout=0.3)


def wait_for_receipts(sim, n: int) -> list:
    assert sim.wait_until(lambda: len(sim.receipts()) >= n), f"the printer got {len(sim.receipts())} receipt(s)"
    return sim.receipts()


@pytest.mark.parametrize("columns", [32, 48])
@pytest.mark.parametrize("language, codec, table", [
    ("ru", "cp866", 17),
    ("kk", "kz1048", 53),   # Kazakh letters through the printer's KZ-1048 table
    ("kk", "cp866", 17),    # no Kazakh table: transliterated
])
def test_a_settled_invoice_prints_over_the_pty_and_reads_back_field_by_field(sim, language, codec, table, columns):
    doc = build_receipt(settled(), settings(language, columns), number=7, now=NOW)
    sim.codec = codec
    with serial_printer(sim.port, profile=Profile(columns=columns, code_table=table, codec=codec)) as printer:
        printer.print_receipt(doc)
        [blocks] = wait_for_receipts(sim, 1)
    printout = sim.printout()
    assert printout.code_tables == [table] and printout.unknown == []
    assert printout.text(columns) == on_paper(doc.text(), codec)
    text = flat(printout.text(columns))
    missing = {name: value for name, value in required_fields(language).items()
               if flat(printable(value, codec)) not in text}
    assert not missing
    assert printout.qr_payloads == [TXID]
    if codec == "kz1048":
        assert "БАРЛЫҒЫ" in printout.text(columns)
    elif language == "kk":
        assert "БАРЛЫГЫ" in printout.text(columns) and "?" not in printout.text(columns)


# ---- status ------------------------------------------------------------------
@pytest.mark.parametrize("answers, state, codes", [
    (PAPER_END, "problem", ("offline", "paper_end")),
    (COVER_OPEN, "problem", ("offline", "cover_open")),
    (NEAR_END, "ok", ()),
])
def test_the_printers_own_status_comes_back_over_the_line(sim, answers, state, codes):
    sim.status = dict(answers)
    with serial_printer(sim.port) as printer:
        status = printer.status()
    assert (status.state, status.problems) == (state, codes)
    assert sim.queries == [1, 2, 3, 4]


def test_a_ready_printer_is_ok_and_near_end_is_only_a_warning(sim):
    with serial_printer(sim.port) as printer:
        assert printer.status().state == "ok"
        sim.status = dict(NEAR_END)
        assert printer.status().warnings == ("paper_near_end",)


def test_a_silent_printer_is_unknown_within_the_timeout(sim):
    sim.answering = False
    with serial_printer(sim.port) as printer:
        started = time.monotonic()
        status = printer.status()
    assert status.state == "unknown" and "DLE EOT 1" in status.detail
    assert time.monotonic() - started < 1.5


def test_asb_packets_on_the_line_are_not_taken_for_answers(sim):
    with serial_printer(sim.port) as printer:
        sim.answering = False
        sim.send(ASB_OK * 3)  # spontaneous packets, sitting in the input before the query
        assert printer.status().state == "unknown"
        sim.answering = True
        sim.status = dict(PAPER_END)
        sim.asb_before_answer = ASB_OK  # and a packet arriving just ahead of each answer
        assert printer.status().problems == ("offline", "paper_end")


def test_a_stalled_printer_is_unknown_and_a_big_write_times_out(sim):
    sim.stall()
    with serial_printer(sim.port, write_timeout=1.0) as printer:
        assert printer.status().state == "unknown"
        started = time.monotonic()
        with pytest.raises(PrinterError, match="took no data for 1 s") as caught:
            printer.write(b"x" * 200_000)  # more than the pty holds
        assert caught.value.code == "not_accepting_data"
        assert time.monotonic() - started < 4


def test_a_printer_holding_xoff_times_out_the_write_and_is_a_problem(sim):
    with serial_printer(sim.port, flow_control="xonxoff", write_timeout=1.0) as printer:
        assert printer.status().state == "ok"
        sim.hold()
        time.sleep(0.05)
        started = time.monotonic()
        with pytest.raises(PrinterError) as caught:
            printer.write(b"receipt\n" * 10)
        assert 0.9 <= time.monotonic() - started < 3
        status = printer.status()
        assert status.state == "problem" and status.problems == ("not_accepting_data",)
        sim.release()
        printer.write(b"after XON\n")
        assert sim.wait_until(lambda: "after XON" in sim.printout().lines)
    assert caught.value.code == "not_accepting_data"


def test_rts_cts_flow_control_is_set_on_the_port(sim):
    with serial_printer(sim.port, flow_control="rtscts") as printer:
        printer.write(b"hi\n")
        assert printer._serial is not None and printer._serial.rtscts and not printer._serial.xonxoff


def test_an_unplugged_printer_is_a_problem_and_comes_back_when_plugged_in(sim):
    with serial_printer(sim.port) as printer:
        printer.write(b"one\n")
        sim.vanish()
        status = printer.status()
        assert status.state == "problem" and status.problems == ("disconnected",)
        with pytest.raises(PrinterError, match="not found"):
            printer.write(b"lost\n")
        assert printer.status().detail.startswith(f"printer port {sim.port} not found")
        sim.reconnect()
        assert printer.status().state == "ok"
        printer.write(b"two\n")
        assert sim.wait_until(lambda: sim.printout().lines == ["one", "two"])


def test_a_missing_port_says_so(tmp_path):
    printer = serial_printer(str(tmp_path / "ttyUSB9"))
    status = printer.status()
    assert status.state == "problem" and "ttyUSB9 not found (unplugged" in status.detail


def test_open_printer_touches_no_hardware_and_pyserial_loads_only_on_use(tmp_path):
    code = ("import sys, pos.printing; from drivers import open_printer; from tests.drivers.conftest import config;"
            f"p = open_printer(config(driver='serial', port={str(tmp_path / 'none')!r}).printer);"
            "print('serial' in sys.modules, 'qrcode' in sys.modules, type(p).__name__)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False", "SerialPrinter"]


def test_the_serial_settings_come_from_config(sim):
    printer = open_printer(config(driver="serial", port=sim.port, baudrate=19200, parity="E", stopbits=2,
                                  bytesize=7, flow_control="xonxoff", write_timeout_seconds=3, paper_mm=58).printer)
    with printer:
        printer.write(b"x")
        port = printer._serial
        assert (port.baudrate, port.parity, port.stopbits, port.bytesize) == (19200, "E", 2, 7)
        assert (port.xonxoff, port.write_timeout, printer.profile.columns) == (True, 3, 32)
