"""Fixtures for the printer tests: invoices at each stage, receipt settings, a pty printer."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from drivers.escpos import printable
from pos.config import Config, parse_config
from pos.core.cart import Discount, Totals
from pos.core.invoice import PROCESSING, SETTLED, Invoice, Payment, new_invoice
from pos.core.money import format_btc
from pos.core.receipt import ReceiptSettings
from pos.core.tender import bitcoin_part
from tests.builders import T0, make_cart, make_rate
from tests.printer_sim import PrinterSim

TXID = "f4184fc596403b9d638783cf57adfe4c75c605f6356fbc91338530e9831e9e16"
ADDRESS = "tb1qw508d6qejxtdg4y5r3zarvary0c5xw7kxpjzsx"
#: When receipts are printed in these tests: three minutes after the sale (11:03 in Almaty).
NOW = T0 + timedelta(minutes=3)
ITEMS = (("BREAD-01", 2000), ("KURT-01", 750), ("MED-01", 1000))


def sale_totals() -> Totals:
    """Bread x2, 0.750 kg of kurt at 10% off, paracetamol (reduced VAT): every kind of line; 4 090 KZT."""
    cart = make_cart(ITEMS)
    cart.set_line_discount(cart.lines[1].line_id, Discount(percent_bp=1000))
    return cart.totals()


def sale(network: str = "testnet4", cashier: str = "Әсел", bitcoin_tiyn: int | None = None) -> Invoice:
    """The invoice for sale_totals(), or for its Bitcoin part of `bitcoin_tiyn` (a split)."""
    totals = sale_totals() if bitcoin_tiyn is None else bitcoin_part(sale_totals(), bitcoin_tiyn)
    rate = make_rate(T0 - timedelta(minutes=2), source="composite")
    amount = rate.to_sats(totals.total)
    return new_invoice(terminal_id="T01", seq=42, totals=totals, rate=rate, network=network, address=ADDRESS,
                       address_index=41, uri=f"bitcoin:{ADDRESS}?amount={format_btc(amount)}", amount_sat=amount,
                       expiry=timedelta(minutes=15), monitoring=timedelta(hours=24), cashier=cashier, now=T0)


def settled(invoice: Invoice | None = None, txids: tuple[str, ...] = (TXID,), confirmations: int = 1) -> Invoice:
    invoice = invoice or sale()
    share = invoice.amount_sat // len(txids)
    amounts = [share] * (len(txids) - 1) + [invoice.amount_sat - share * (len(txids) - 1)]
    tip = 200
    payments = tuple(Payment(t, a, tip - confirmations + 1) for t, a in zip(txids, amounts))
    seen = replace(invoice, payments=payments, tip_height=tip).transition(PROCESSING, "seen", T0)
    return seen.transition(SETTLED, f"{confirmations} confirmation(s)", T0)


def settings(language: str = "ru", columns: int = 48) -> ReceiptSettings:
    return ReceiptSettings(merchant_name="Alatau Demo Grocery", merchant_bin="260140000017",
                           merchant_address="Alatau, CryptoCity, 1 Demo Street",
                           footer="Рахмет! Спасибо! Thank you!", cashier="", language=language, columns=columns)


def on_paper(text: str, codec: str) -> str:
    """A document's text as a printer with this code page shows it."""
    return "\n".join(printable(line, codec) for line in text.split("\n"))


def flat(text: str) -> str:
    """Text with line breaks and spaces gone, so a wrapped value still reads as one."""
    return "".join(text.split())


def required_fields(language: str) -> dict[str, str]:
    """What issue 4 says every receipt shows, as it must appear (spaces aside)."""
    words = {
        "ru": ["БИН 260140000017", "КВИТАНЦИЯ ОБ ОПЛАТЕ", "Не является фискальным чеком", "Терминал", "Кассир",
               "Квитанция №000007", "Счёт", "Хлеб пшеничный", "2 шт x 250.00", "0.750 кг x 4 800.00", "скидка",
               "в т.ч. НДС 16%515.86", "в т.ч. НДС 10%31.82", "ИТОГО4 090.00 KZT", "оплачен, 1 подтверждение"],
        "kk": ["БСН 260140000017", "ТӨЛЕМ ТҮБІРТЕГІ", "Фискалдық чек емес", "Терминал", "Кассир",
               "Түбіртек №000007", "Шот", "Бидай наны", "2 дана x 250.00", "0.750 кг x 4 800.00", "жеңілдік",
               "оның ішінде ҚҚС 16%515.86", "оның ішінде ҚҚС 10%31.82", "БАРЛЫҒЫ4 090.00 KZT",
               "төленді, 1 растау"],
        "en": ["BIN 260140000017", "PAYMENT SLIP", "Not a fiscal receipt", "Terminal", "Cashier",
               "Receipt No000007", "Invoice", "Wheat bread", "2 pcs x 250.00", "0.750 kg x 4 800.00", "discount",
               "incl. VAT 16%515.86", "incl. VAT 10%31.82", "TOTAL4 090.00 KZT", "settled, 1 confirmation"],
    }[language]
    shared = {
        "merchant name": "Alatau Demo Grocery", "merchant address": "Alatau, CryptoCity, 1 Demo Street",
        "terminal id": "T01", "cashier": "Әсел", "invoice id": "T01-000042",
        "sale time (Almaty)": "25.11.2026 11:00:00", "print time (Almaty)": "25.11.2026 11:03:00",
        "line total": "3 600.00", "line discount": "-360.00", "BTC amount": "0.00010225 BTC",
        "sats": "10 225 sat", "rate": "1 BTC = 40 000 000.00 KZT", "rate source and time": "composite, 25.11.2026 10:58:00",
        "network": "TESTNET4", "address": ADDRESS, "txid": TXID, "footer": "Рахмет! Спасибо! Thank you!",
    }
    return shared | {f"{language} label {i}": w for i, w in enumerate(words)}


CONFIG = """
[merchant]
name = "Alatau Demo Grocery"
bin = "260140000017"
address = "Alatau, CryptoCity, 1 Demo Street"
footer = "Рахмет! Спасибо! Thank you!"
[chain]
network = "testnet4"
xpub = "vpub5Y6cjg78GGuNLsaPhmYsiw4gYX3HoQiRBiSwDaBXKUafCt9bNwWQiitDk5VZ5BVxYnQdwoTyXSs2JHRPAgjAvtbBrf8ZhDYe2jWAqvZVnsc"
[printer]
{printer}
"""


def config(**printer: object) -> Config:
    """A configuration whose [printer] section holds these keys."""
    lines = "\n".join(f"{k} = {v!r}".replace("'", '"') if isinstance(v, str) else
                      f"{k} = {str(v).lower() if isinstance(v, bool) else v}" for k, v in printer.items())
    return parse_config(CONFIG.format(printer=lines), Path("test.toml"))


@pytest.fixture
def sim(tmp_path: Path):
    printer = PrinterSim(tmp_path)
    yield printer
    printer.close()
