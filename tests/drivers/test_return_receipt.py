"""A refund's fiscal return receipt: "return of sale" in the receipt's language, the lines given back
with their VAT, the refund's tender, and the register's fiscal block with the QR of the return's
TicketUrl exactly as returned (read back from the printed bytes), "offline" when registered so."""

from __future__ import annotations

from dataclasses import replace

import pytest

from drivers.decode import decode
from drivers.escpos import Profile, encode_receipt
from pos.core.fiscal import RETURN
from pos.core.refund_slip import build_return_receipt
from tests.core.shift_day import a_day
from tests.drivers.conftest import NOW, flat, settings
from tests.fiscal.test_receipt import registered

#: A TicketUrl as Webkassa returns them: a query string, ampersands, a date with a plus.
TICKET = "http://consumer.test-oofd.kz/?i=910000000002&f=010101012345&s=1500.00&t=20261125T120100+05:00"
HEADINGS = {"ru": "ВОЗВРАТ ПРОДАЖИ", "en": "RETURN OF SALE", "kk": "САТУДЫ ҚАЙТАРУ"}


def returned(language: str = "ru", columns: int = 48, **registration):
    """The cash sale of the test day (milk x2 and a medicine, two VAT rates, 1 500 KZT) refunded whole."""
    day = a_day()
    refund, sale = day.refunds[0], day.sales[0]
    fiscal = replace(registered(refund.id, refund.amount_tiyn, RETURN), ticket_url=TICKET, **registration)
    receipt = build_return_receipt(refund, sale, settings(language, columns), fiscal=fiscal, number=12, now=NOW)
    return receipt, refund, sale


@pytest.mark.parametrize("language", ["ru", "en", "kk"])
def test_a_return_receipt_is_headed_return_of_sale_and_is_fiscal_in_each_language(language):
    receipt, refund, sale = returned(language)
    text = receipt.text()
    assert HEADINGS[language] in text
    assert {"ru": "ФИСКАЛЬНЫЙ ЧЕК", "en": "FISCAL RECEIPT", "kk": "ФИСКАЛДЫҚ ЧЕК"}[language] in text
    assert {"ru": "Не является", "en": "Not a fiscal", "kk": "Фискалдық чек емес"}[language] not in text
    assert refund.id in text and sale.id in text and "000012" in text
    assert not receipt.open_drawer  # the refund slip opened it


def test_the_return_lists_the_lines_back_their_vat_and_the_tender_then_the_fiscal_attributes():
    receipt, refund, sale = returned("en")
    text = receipt.text()
    assert "Milk 2.5% 1 l" in text and "Paracetamol" in text
    assert flat("TOTAL 1 500.00 KZT") in flat(text) and flat("Cash 1 500.00") in flat(text)
    assert flat("incl. VAT 10% 31.19") in flat(text) and flat("incl. VAT 16% 159.57") in flat(text)  # as the sale's
    for label, value in (("Fiscal sign", "910000000001"), ("RNM", "032600010282"), ("ZNM", "SWK00033717")):
        assert any(line.startswith(label) and line.endswith(value) for line in text.splitlines())
    assert "Offline mode" not in text


def test_a_return_registered_offline_says_so():
    assert "Автономный режим" in returned(offline=True)[0].text()
    assert "Offline mode" in returned("en", 32, offline=True)[0].text()


def test_the_printed_qr_is_the_returns_ticket_url_exactly_as_returned():
    receipt, _, _ = returned(columns=32)
    assert decode(encode_receipt(receipt, Profile(columns=32)), "cp866").qr_payloads == [TICKET]
