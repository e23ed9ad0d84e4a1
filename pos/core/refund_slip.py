"""A refund on the receipt roll: what went back, in which tenders, and a Bitcoin refund's request.

`build_refund_slip(refunds, settings, now=..., sale=..., uris=...)` lays out the refunds of one
action (a split sale goes back in each of its tenders) for 32 or 48 columns in Kazakh, Russian or
English, with the payment slip's layout and words (pos.core.receipt) and the report's tender
names (pos.core.report_slip). A Bitcoin refund the merchant's wallet has still to pay carries its
payment request as a QR (`uris`, by refund id: the terminal holds no keys, the wallet scans it),
only once its address is checked (Refund.checked): a payment made before could not be told apart.
"""

from __future__ import annotations

from datetime import datetime
from typing import Mapping, Sequence

from pos.core.money import format_btc, format_sats
from pos.core.receipt import (
    CURRENCY, LABELS, QR, Cut, Feed, Receipt, ReceiptSettings, Rule, _Layout, chunks, local_time, money, paper_text,
    quantity, wrap,
)
from pos.core.refund import DONE, Refund
from pos.core.report_slip import REPORT_LABELS
from pos.core.tender import BITCOIN, CARD, TenderedSale

REFUND_LABELS: dict[str, dict[str, str]] = {
    "en": {
        "refund": "REFUND", "returned": "PAYMENT SENT BACK", "refund_no": "Refund No", "sale": "Sale",
        "approval": "Approval code", "refund_total": "REFUNDED", "waiting": "waiting for the shop's payment",
        "paid": "paid", "qr_refund": "QR: refund request for the shop's wallet",
    },
    "ru": {
        "refund": "ВОЗВРАТ", "returned": "ВОЗВРАТ ПЛАТЕЖА", "refund_no": "Возврат №", "sale": "Продажа",
        "approval": "Код авторизации", "refund_total": "ВОЗВРАЩЕНО", "waiting": "ожидает оплаты магазином",
        "paid": "выплачено", "qr_refund": "QR: запрос на возврат для кошелька магазина",
    },
    "kk": {
        "refund": "ҚАЙТАРУ", "returned": "ТӨЛЕМДІ ҚАЙТАРУ", "refund_no": "Қайтару №", "sale": "Сату",
        "approval": "Авторизация коды", "refund_total": "ҚАЙТАРЫЛДЫ", "waiting": "дүкеннің төлемін күтуде",
        "paid": "төленді", "qr_refund": "QR: дүкен әмиянына қайтару сұрауы",
    },
}


def build_refund_slip(refunds: Sequence[Refund], settings: ReceiptSettings, *, now: datetime,
                      sale: TenderedSale | None = None, uris: Mapping[str, str] | None = None) -> Receipt:
    """The refunds of one action as printed at `now`. `sale`: the sale refunded, for its lines'
    names and quantities (a payment sent back has none); `uris`: the requests still to pay."""
    if not refunds:
        raise ValueError("a refund slip needs at least one refund")
    lang, cols = settings.language, settings.columns
    w = {**LABELS[lang], **REPORT_LABELS[lang], **REFUND_LABELS[lang]}
    out = _Layout(cols)
    first = refunds[0]

    out.centered(paper_text(settings.merchant_name), bold=True, tall=True)
    out.centered(f"{w['bin']} {settings.merchant_bin}")
    out.add(Rule())
    out.centered(w["refund"] if first.of_sale else w["returned"], bold=True, tall=True)
    out.centered(w["not_fiscal"])
    out.add(Rule())
    for refund in refunds:
        out.pair(w["refund_no"], refund.id)
    out.pair(w["sale"] if first.of_sale else w["invoice"], first.sale_id)
    out.pair(w["terminal"], paper_text(first.terminal_id))
    out.pair(w["cashier"], paper_text(first.cashier))
    out.pair(w["date"], local_time(first.requested_at))
    out.pair(w["printed"], local_time(now))
    out.add(Rule())

    going_back: dict[int, int] = {}
    for refund in refunds:
        for line in refund.lines:
            going_back[line.index] = going_back.get(line.index, 0) + line.amount_tiyn
    if going_back:
        for index, tiyn in sorted(going_back.items()):
            sold = sale.lines[index] if sale is not None and index < len(sale.lines) else None
            out.lines(wrap(paper_text(sold.name(lang)) if sold else f"#{index + 1}", cols))
            out.pair(f"  {quantity(sold, lang)}" if sold else "", money(tiyn))
        out.add(Rule())

    for refund in refunds:
        out.pair(w[refund.tender], money(refund.amount_tiyn), bold=True)
        if refund.tender == CARD:
            out.pair(f"  {w['approval']}", refund.approval_code)
        if refund.tender == BITCOIN:
            _bitcoin(out, refund, w)
    out.pair(w["refund_total"], f"{money(sum(r.amount_tiyn for r in refunds))} {CURRENCY}", bold=True, tall=True)
    out.add(Rule())

    for refund in refunds:
        uri = (uris or {}).get(refund.id)
        if uri and refund.checked:  # never before its address is checked: an older payment would count
            out.add(QR(uri))
            out.centered(w["qr_refund"])
    out.add(Feed(2), Cut())
    return Receipt(cols, tuple(out.blocks))


def _bitcoin(out: _Layout, refund: Refund, w: dict[str, str]) -> None:
    """The amount in BTC and sat, the rate it was counted at, the customer's address, and whether
    the shop's payment has been seen (with its transaction)."""
    out.pair(f"  {w['amount']}", f"{format_btc(refund.amount_sat)} BTC")
    out.lines([format_sats(refund.amount_sat).rjust(out.columns)])
    if refund.rate is not None:
        out.pair(f"  {w['rate']}", f"1 BTC = {money(refund.rate.tiyn_per_btc)} {CURRENCY}")
    out.lines([w["address"]])
    out.lines(chunks(refund.address, out.columns))
    out.pair(f"  {w['status']}", w["paid"] if refund.state == DONE else w["waiting"], bold=True)
    if refund.txid:
        out.lines([w["transaction"]])
        out.lines(chunks(refund.txid, out.columns))
