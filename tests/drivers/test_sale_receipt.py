"""The slip of a sale paid in cash, by card or split: the Bitcoin slip's goods and totals, each tender listed."""

from __future__ import annotations

import pytest

from drivers.decode import decode
from drivers.escpos import Profile, encode_receipt
from pos.core.invoice import Invoice
from pos.core.receipt import Receipt, build_receipt, build_sale_receipt
from pos.core.tender import BitcoinTender, CardTender, CashTender, Tender, TenderedSale, tendered_sale
from tests.builders import T0
from tests.drivers.conftest import NOW, TXID, flat, sale, sale_totals, settings, settled
from tests.fiscal.test_receipt import registered

TOTAL = 4090_00
CASH_PART = 2000_00


def a_sale(*tenders: Tender) -> TenderedSale:
    return tendered_sale(id="T01-S000009", terminal_id="T01", cashier="Әсел", at=T0, totals=sale_totals(),
                         tenders=tenders, shift=1)


def cash(tendered: int = 5000_00) -> TenderedSale:
    return a_sale(CashTender(TOTAL, tendered))


def split(invoice: Invoice | None = None) -> tuple[TenderedSale, Invoice]:
    invoice = invoice or settled(sale(bitcoin_tiyn=TOTAL - CASH_PART))
    return a_sale(CashTender(CASH_PART, CASH_PART), BitcoinTender(invoice.total_tiyn, invoice.id)), invoice


def slip(sold: TenderedSale, invoices: dict[str, Invoice] | None = None, language: str = "en", columns: int = 48,
         copy: bool = False, **kw) -> Receipt:
    return build_sale_receipt(sold, invoices or {}, settings(language, columns), number=8, now=NOW, copy=copy, **kw)


RU_32_CASH = """\
      Alatau Demo Grocery
        БИН 260140000017
   Alatau, CryptoCity, 1 Demo
             Street
--------------------------------
      КВИТАНЦИЯ ОБ ОПЛАТЕ
  Не является фискальным чеком
--------------------------------
Квитанция №               000008
Продажа              T01-S000009
Терминал                     T01
Кассир                      Әсел
Дата         25.11.2026 11:00:00
Напечатано   25.11.2026 11:03:00
--------------------------------
Хлеб пшеничный
  2 шт x 250.00           500.00
Курт
  0.750 кг x 4 800.00   3 600.00
  скидка                 -360.00
Парацетамол
  1 шт x 350.00           350.00
--------------------------------
Скидки                   -360.00
в т.ч. НДС 10%             31.82
в т.ч. НДС 16%            515.86
ИТОГО               4 090.00 KZT
--------------------------------
Наличные            4 090.00 KZT
  Внесено               5 000.00
  Сдача                   910.00
--------------------------------

  Рахмет! Спасибо! Thank you!


================================
"""


def test_a_cash_sale_in_russian_on_58_mm_paper_reads_exactly_so():
    assert slip(cash(), language="ru", columns=32).text() == RU_32_CASH


@pytest.mark.parametrize("language, words", [
    ("en", ["Not a fiscal receipt", "SaleT01-S000009", "Wheat bread", "2 pcs x 250.00", "incl. VAT 16%515.86",
            "TOTAL4 090.00 KZT", "Cash4 090.00 KZT", "Tendered5 000.00", "Change910.00"]),
    ("ru", ["Не является фискальным чеком", "ПродажаT01-S000009", "Хлеб пшеничный", "2 шт x 250.00",
            "в т.ч. НДС 16%515.86", "ИТОГО4 090.00 KZT", "Наличные4 090.00 KZT", "Внесено5 000.00", "Сдача910.00"]),
    ("kk", ["Фискалдық чек емес", "СатуT01-S000009", "Бидай наны", "2 дана x 250.00", "оның ішінде ҚҚС 16%515.86",
            "БАРЛЫҒЫ4 090.00 KZT", "Қолма-қол4 090.00 KZT", "Берілді5 000.00", "Қайтарым910.00"]),
])
@pytest.mark.parametrize("columns", [32, 48])
def test_every_slip_has_the_goods_and_totals_and_the_cash_tender_with_its_change(language, words, columns):
    text = flat(slip(cash(), language=language, columns=columns).text())
    for value in [*words, "Әсел", "25.11.2026 11:00:00", "Рахмет! Спасибо! Thank you!"]:
        assert flat(value) in text, value


@pytest.mark.parametrize("language", ["en", "ru", "kk"])
@pytest.mark.parametrize("columns", [32, 48])
def test_no_line_of_any_sale_slip_is_wider_than_the_paper(language, columns):
    sold, invoice = split()
    for doc in (slip(cash(), language=language, columns=columns),
                slip(a_sale(CardTender(TOTAL, "A1B2C3")), language=language, columns=columns),
                slip(sold, {invoice.id: invoice}, language=language, columns=columns),
                slip(cash(), language=language, columns=columns, fiscal=registered(cash().id, TOTAL))):
        assert max(len(line) for line in doc.text().splitlines() if not line.startswith("[QR]")) <= columns


def test_a_card_sale_lists_the_card_and_its_approval_code_and_no_change():
    text = slip(a_sale(CardTender(TOTAL, "A1B2C3"))).text()
    assert "Card                                4 090.00 KZT\n  Approval code                           A1B2C3\n" in text
    assert "Change" not in text and "Cash " not in text


def test_a_split_lists_the_cash_part_then_the_bitcoin_part_with_its_invoice_sats_rate_and_txid():
    sold, invoice = split()
    text = slip(sold, {invoice.id: invoice}).text()
    assert """\
Cash                                2 000.00 KZT
  Tendered                              2 000.00
  Change                                    0.00
Bitcoin                             2 090.00 KZT
  Invoice                             T01-000042
  Amount                          0.00005225 BTC
                                       5 225 sat
  Rate                 1 BTC = 40 000 000.00 KZT
  Transaction
f4184fc596403b9d638783cf57adfe4c75c605f6356fbc91
338530e9831e9e16
  Status                 settled, 1 confirmation
""" in text
    assert "T E S T N E T 4" in text  # the invoice's network is shouted as on the Bitcoin slip


def test_a_bitcoin_part_not_yet_paid_shows_no_txid_and_says_so_and_without_its_invoice_names_it_only():
    sold, invoice = split(sale(bitcoin_tiyn=TOTAL - CASH_PART))
    text = slip(sold, {invoice.id: invoice}).text()
    assert "Transaction" not in text and "awaiting payment" in text
    bare = slip(sold).text()
    assert "Invoice                             T01-000042" in bare and "BTC" not in bare and TXID not in bare


def test_only_an_original_with_a_cash_tender_opens_the_drawer():
    sold, invoice = split()
    assert slip(cash()).open_drawer and slip(sold, {invoice.id: invoice}).open_drawer
    assert not slip(cash(), copy=True).open_drawer
    assert not slip(a_sale(CardTender(TOTAL, "A1B2C3"))).open_drawer
    assert not build_receipt(settled(), settings(), number=7, now=NOW).open_drawer  # Bitcoin alone


def test_the_drawer_pulse_goes_out_after_a_cash_slip_and_never_after_a_bitcoin_one():
    drawer = Profile(cash_drawer=True)
    assert decode(encode_receipt(slip(cash()), drawer), "cp866").drawer_kicks == 1
    assert decode(encode_receipt(slip(cash(), copy=True), drawer), "cp866").drawer_kicks == 0
    bitcoin = build_receipt(settled(), settings(), number=7, now=NOW)
    assert decode(encode_receipt(bitcoin, drawer), "cp866").drawer_kicks == 0
    assert decode(encode_receipt(slip(cash()), Profile()), "cp866").drawer_kicks == 0  # no drawer fitted


def test_registered_it_is_the_fiscal_receipt_with_the_registers_attributes():
    doc = slip(cash(), fiscal=registered(cash().id, TOTAL))
    text = doc.text()
    assert "FISCAL RECEIPT" in text and "Not a fiscal receipt" not in text
    assert "Fiscal sign                         910000000001" in text
    assert "[QR] http://ctest.wofd.kz/consumer?i=910000000001" in text
    assert "Not a fiscal receipt" in slip(cash()).text()
