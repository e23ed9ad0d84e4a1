"""Fixtures for the printer tests: invoices at each stage, receipt settings, a pty printer."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from pos.config import Config, parse_config
from pos.core.cart import Discount
from pos.core.invoice import PROCESSING, SETTLED, Invoice, Payment, new_invoice
from pos.core.money import format_btc
from pos.core.receipt import ReceiptSettings
from tests.builders import T0, make_cart, make_rate
from tests.printer_sim import PrinterSim

TXID = "f4184fc596403b9d638783cf57adfe4c75c605f6356fbc91338530e9831e9e16"
ADDRESS = "tb1qw508d6qejxtdg4y5r3zarvary0c5xw7kxpjzsx"
ITEMS = (("BREAD-01", 2000), ("KURT-01", 750), ("MED-01", 1000))


def sale(network: str = "testnet4", cashier: str = "Әсел") -> Invoice:
    """Bread x2, 0.750 kg of kurt at 10% off, paracetamol (reduced VAT): every kind of line."""
    cart = make_cart(ITEMS)
    cart.set_line_discount(cart.lines[1].line_id, Discount(percent_bp=1000))
    totals = cart.totals()
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
