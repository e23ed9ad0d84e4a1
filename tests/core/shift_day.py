"""One shift's records with every standing the X/Z report knows, made by the real rules.

Invoices go through pos.core.payment.evaluate (the watcher's decisions), not hand-set
states, so the report is tested on invoices as the till would keep them. Shared by the
report and export tests.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from pos.core.cart import Discount
from pos.core.invoice import Invoice, Payment
from pos.core.payment import Observation, Policy, evaluate
from pos.core.refund import DONE, Refund, RefundLine
from pos.core.shift import Shift
from pos.core.tender import BitcoinTender, CardTender, CashTender, TenderedSale, tendered_sale
from tests.builders import T0, make_cart, make_invoice, make_rate

POLICY = Policy()
TIP = 100


def txid(n: int) -> str:
    return f"{n:064x}"


def seen(invoice: Invoice, *payments: Payment, minutes: int = 1) -> Invoice:
    return evaluate(invoice, Observation(TIP, payments, invoice.created_at + timedelta(minutes=minutes)), POLICY)


def settled(seq: int, **kw) -> Invoice:
    inv = make_invoice(seq, **kw)
    return seen(inv, Payment(txid(seq), inv.amount_sat, height=TIP))


def awaiting(seq: int, **kw) -> Invoice:
    inv = make_invoice(seq, **kw)
    return seen(inv, Payment(txid(seq), inv.amount_sat))


def lost(seq: int, **kw) -> Invoice:
    return seen(awaiting(seq, **kw), minutes=2)


def paid_late(seq: int, **kw) -> Invoice:
    inv = make_invoice(seq, **kw)
    return seen(inv, Payment(txid(seq), inv.amount_sat, height=TIP), minutes=20)


def refund_owed(seq: int, **kw) -> Invoice:
    inv = make_invoice(seq, **kw)
    part = seen(inv, Payment(txid(seq), inv.amount_sat // 2, height=TIP))
    return part.close_refund_owed("manager", part.history[-1].at + timedelta(minutes=1))


def unpaid(seq: int, **kw) -> Invoice:
    return make_invoice(seq, **kw)


def cancelled(seq: int, **kw) -> Invoice:
    return make_invoice(seq, **kw).cancel(at=T0 + timedelta(minutes=1))


@dataclass(frozen=True)
class Day:
    shift: Shift
    invoices: tuple[Invoice, ...]
    sales: tuple[TenderedSale, ...]
    refunds: tuple[Refund, ...]


def every_line(record: Invoice | TenderedSale) -> tuple[RefundLine, ...]:
    return tuple(RefundLine(i, l.sku, l.quantity_milli, l.total_tiyn, l.vat_rate_bp) for i, l in enumerate(record.lines))


def refund(n: int, sale_id: str, tender: str, lines: tuple[RefundLine, ...], **kw) -> Refund:
    fields = dict(id=f"T01-R{n:06d}", sale_id=sale_id, terminal_id="T01", cashier="Aigerim", tender=tender,
                  amount_tiyn=kw.pop("amount_tiyn", None) or sum(l.amount_tiyn for l in lines), lines=lines, whole=True,
                  requested_at=T0 + timedelta(hours=2, minutes=n), shift=1)
    return Refund(**{**fields, **kw})


def a_day() -> Day:
    """Eleven invoices, three cash/card/split sales, three refunds, a float of 10 000 KZT."""
    at = T0 + timedelta(hours=1)
    cash_cart = make_cart((("MILK-01", 2000), ("MED-01", 1000)))  # 1 530 KZT, two VAT rates
    cash_cart.set_order_discount(Discount(amount_tiyn=30_00))  # 1 500 KZT
    cash = tendered_sale(id="T01-S000001", terminal_id="T01", cashier="Aigerim", at=at, totals=cash_cart.totals(),
                         tenders=(CashTender(1500_00, 2000_00),), shift=1)
    card_totals = make_cart((("BOOK-01", 1000),)).totals()  # 4 500 KZT at 0%
    card = tendered_sale(id="T01-S000002", terminal_id="T01", cashier="Aigerim", at=at + timedelta(minutes=5),
                         totals=card_totals, tenders=(CardTender(4500_00, "A1B2C3"),), shift=1)
    # A split: 2 000 KZT in cash, the rest (1 450 x 2 + 250 - 2 000 = 1 150) through invoice 11.
    split_totals = make_cart((("TEA-01", 2000), ("BREAD-01", 1000))).totals()
    split_invoice = settled(11, items=(("MILK-01", 1000), ("WATER-01", 2000)))  # the sale flow charges 1 150
    split = tendered_sale(id="T01-S000003", terminal_id="T01", cashier="Aigerim", at=at + timedelta(minutes=10),
                          totals=split_totals, shift=1,
                          tenders=(CashTender(2000_00, 2000_00), BitcoinTender(1150_00, split_invoice.id)))
    invoices = (
        settled(1, cashier="Aigerim"),  # bread 250
        settled(2, items=(("TEA-01", 1000), ("MED-01", 2000)), cashier="Aigerim"),  # 1 450 + 700
        awaiting(3, items=(("MILK-01", 1000),)),  # 590
        lost(4, items=(("KEFIR-01", 1000),)),  # 520
        paid_late(5, items=(("WATER-01", 1000),)),  # 280
        refund_owed(6, items=(("TEA-01", 1000),)),  # 1 450, half paid
        refund_owed(7, items=(("BREAD-01", 2000),)),  # 500, half paid, refunded below
        unpaid(8), cancelled(9),
        settled(10, items=(("BOOK-01", 1000),)),  # 4 500, refunded by a Bitcoin refund still requested
        split_invoice,
    )
    owed = invoices[6]
    owed_tiyn = owed.rate.to_tiyn(owed.received_sat)
    rate = make_rate(T0 + timedelta(hours=2))
    refunds = (
        refund(1, cash.id, "cash", every_line(cash), state=DONE, done_at=T0 + timedelta(hours=2, minutes=1)),
        refund(2, owed.id, "bitcoin", (), amount_tiyn=owed_tiyn, address="bcrt1qcustomer",
               amount_sat=owed.received_sat, rate=owed.rate, of_sale=False, whole=False
               ).done(txid(99), T0 + timedelta(hours=3)),
        refund(3, invoices[9].id, "bitcoin", every_line(invoices[9]), address="bcrt1qreader",
               amount_sat=rate.to_sats(4500_00), rate=rate),
    )
    shift = Shift(1, "T01", "Aigerim", T0, opening_float_tiyn=10_000_00)
    return Day(shift, invoices, (cash, card, split), refunds)
