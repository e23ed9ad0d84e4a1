"""The fiscal slip: with the register's registration the receipt carries the fiscal sign, РНМ, ЗНМ,
the OFD and the QR of the OFD's link exactly as returned (read back from the printed bytes, and by a
phone's QR reader from the raster a printer without native QR gets); without one it stays non-fiscal."""

from __future__ import annotations

import subprocess
from dataclasses import replace

from drivers.decode import decode
from drivers.escpos import Profile, encode_receipt
from drivers.mock import MockPrinter
from pos.core.receipt import build_receipt
from pos.core.report import as_sale
from pos.printing import PrintService
from pos.store import memory_store
from tests.drivers.conftest import NOW, config, settings, settled
from tests.fiscal.test_receipt import registered

#: A TicketUrl as Webkassa returns them: query string, ampersands, a date with a space and a plus.
TICKET = "http://consumer.test-oofd.kz/?i=1430845541&f=010101012345&s=1500.00&t=20261125T110000+05:00 x"


def fiscal(**changes):
    return replace(registered("T01-000042", 4090_00), ticket_url=TICKET, **changes)


def slip(registration=None, language="ru", columns=48):
    return build_receipt(settled(), settings(language, columns), number=7, now=NOW, fiscal=registration)


def test_a_registered_sale_prints_its_fiscal_attributes_and_not_the_non_fiscal_label():
    text = slip(fiscal()).text()
    assert "ФИСКАЛЬНЫЙ ЧЕК" in text and "Не является фискальным чеком" not in text
    for label, value in (("ФП", "910000000001"), ("РНМ", "032600010282"), ("ЗНМ", "SWK00033717")):
        assert any(line.startswith(label) and line.endswith(value) for line in text.splitlines())
    assert "WOFD" in text and "Автономный режим" not in text


def test_a_receipt_registered_offline_says_so():
    assert "Автономный режим" in slip(fiscal(offline=True)).text()
    assert "Offline mode" in slip(fiscal(offline=True), language="en", columns=32).text()


def test_without_a_registration_the_slip_stays_non_fiscal():
    text = slip().text()
    assert "Не является фискальным чеком" in text and "ФИСКАЛЬНЫЙ ЧЕК" not in text and "РНМ" not in text


def test_the_printed_qr_decodes_to_the_ticket_url_exactly_as_returned():
    data = encode_receipt(slip(fiscal()), Profile())
    assert decode(data, "cp866").qr_payloads[-1] == TICKET


def test_a_phone_reads_the_ticket_url_from_the_raster_qr(tmp_path):
    data = encode_receipt(slip(fiscal(), columns=32), Profile(columns=32, native_qr=False))
    image = decode(data, "cp866").images[-1]
    pbm = tmp_path / "ticket.pbm"  # GS v 0 rows are exactly a PBM P4 body
    pbm.write_bytes(b"P4\n%d %d\n" % (image.width_bytes * 8, len(image.rows)) + b"".join(image.rows))
    read = subprocess.run(["zbarimg", "-q", "--raw", str(pbm)], capture_output=True, text=True, timeout=30)
    assert read.stdout.rstrip("\n") == TICKET


def test_the_print_service_prints_the_registration_once_the_sale_has_one():
    mock = MockPrinter()
    store = memory_store(clock=lambda: NOW)
    printing = PrintService(store=store, printer=mock, config=config(), clock=lambda: NOW)
    invoice = settled()
    store.save_invoice(invoice)
    store.queue_fiscal(as_sale(invoice))
    printing.submit(invoice)
    printing.process_queue()  # not registered yet: a payment slip
    [job] = store.pending_fiscal()
    store.save_fiscal(job.registered(fiscal()))
    printing.submit(invoice, copy=True)
    printing.process_queue()
    first, copy = mock.receipts()
    assert "Не является фискальным чеком" in first and "ФИСКАЛЬНЫЙ ЧЕК" not in first
    assert "ФИСКАЛЬНЫЙ ЧЕК" in copy and f"[QR] {TICKET}" in copy
