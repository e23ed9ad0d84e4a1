"""The file driver (a device path) and the mock printer, beyond the shared contract."""

from __future__ import annotations

import time

import pytest

from drivers import open_printer
from drivers.base import PrinterError
from drivers.escpos import Profile, encode_receipt
from drivers.file import FilePrinter
from drivers.mock import MockPrinter
from pos.core.receipt import build_receipt
from tests.drivers.conftest import NOW, config, on_paper, settings, settled


def receipt(copy: bool = False):
    return build_receipt(settled(), settings("ru", 48), number=1, now=NOW, copy=copy)


# ---- file ----------------------------------------------------------------------
def test_the_file_driver_writes_exactly_the_encoded_bytes_one_receipt_after_another(tmp_path):
    device = tmp_path / "lp0"
    device.touch()
    with FilePrinter(Profile(), device=str(device)) as printer:
        printer.print_receipt(receipt())
    with FilePrinter(Profile(), device=str(device)) as printer:
        printer.print_receipt(receipt(copy=True))
    assert device.read_bytes() == encode_receipt(receipt(), Profile()) + encode_receipt(receipt(copy=True), Profile())


def test_a_plain_file_has_no_status_to_give(tmp_path):
    device = tmp_path / "lp0"
    device.touch()
    status = FilePrinter(Profile(), device=str(device)).status()
    assert status.state == "unknown" and "cannot be read back" in status.detail


def test_a_missing_device_is_unplugged_and_is_never_created(tmp_path):
    device = tmp_path / "usb" / "lp0"
    printer = FilePrinter(Profile(), device=str(device))
    with pytest.raises(PrinterError, match="not found"):
        printer.print_receipt(receipt())
    assert printer.status().problems == ("disconnected",)
    assert not device.exists()


def test_a_device_that_takes_nothing_times_out(sim):
    sim.stall()
    with FilePrinter(Profile(), device=sim.port, write_timeout=0.5) as printer:
        started = time.monotonic()
        with pytest.raises(PrinterError, match="took no data") as caught:
            printer.write(b"x" * 200_000)
    assert caught.value.code == "not_accepting_data" and time.monotonic() - started < 3


def test_open_printer_builds_the_file_driver_from_config(tmp_path):
    printer = open_printer(config(driver="file", device=str(tmp_path / "lp0"), write_timeout_seconds=2).printer)
    assert isinstance(printer, FilePrinter) and printer.write_timeout == 2


# ---- mock ----------------------------------------------------------------------
def test_the_mock_keeps_the_bytes_and_the_text_of_each_receipt():
    mock = MockPrinter(Profile(columns=48))
    mock.print_receipt(receipt())
    mock.print_receipt(receipt(copy=True))
    assert bytes(mock.data) == encode_receipt(receipt(), mock.profile) + encode_receipt(receipt(copy=True), mock.profile)
    first, second = mock.receipts()
    assert first == on_paper(receipt().text(), "cp866")
    assert "К О П И Я" in second and "К О П И Я" not in first
    assert mock.text == first + second


def test_a_failing_mock_refuses_bytes_like_a_printer_out_of_paper():
    mock = MockPrinter()
    mock.fail("paper_end")
    with pytest.raises(PrinterError, match="paper end") as caught:
        mock.print_receipt(receipt())
    assert caught.value.code == "paper_end" and mock.status().problems == ("paper_end",)
    assert mock.data == bytearray()
    mock.recover()
    mock.print_receipt(receipt())
    assert len(mock.receipts()) == 1 and mock.status().state == "ok"


def test_the_mock_also_appends_its_text_to_a_file(tmp_path):
    path = tmp_path / "receipts.txt"
    mock = open_printer(config(driver="mock", mock_file=str(path)).printer)
    assert isinstance(mock, MockPrinter)
    mock.print_receipt(receipt())
    mock.print_receipt(receipt())
    assert path.read_text(encoding="utf-8") == mock.text
    assert path.read_text(encoding="utf-8").count("КВИТАНЦИЯ ОБ ОПЛАТЕ") == 2


def test_a_mock_file_that_cannot_be_written_is_a_printer_error_and_keeps_nothing(tmp_path):
    mock = MockPrinter(file=tmp_path / "missing-dir" / "receipts.txt")
    with pytest.raises(PrinterError, match="mock printer file"):
        mock.print_receipt(receipt())
    assert mock.data == bytearray()


def test_a_codec_python_does_not_know_is_a_config_error_naming_the_key():
    from pos.config import ConfigError

    with pytest.raises(ConfigError, match=r"\[printer\] codec: 'cp9999' must be the code page of code_table"):
        config(codec="cp9999")
