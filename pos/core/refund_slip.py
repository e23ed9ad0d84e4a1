"""A refund on the receipt roll: what went back, in which tenders, and a Bitcoin refund's request.

`build_refund_slip(refunds, settings, now=..., sale=..., uris=...)` lays out the refunds of one
action (a split sale goes back in each of its tenders) for 32 or 48 columns in Kazakh, Russian or
English, with the payment slip's layout and words (pos.core.receipt) and the report's tender
names (pos.core.report_slip). A Bitcoin refund the merchant's wallet has still to pay carries its
payment request as a QR (`uris`, by refund id: the terminal holds no keys, the wallet scans it),
only once its address is checked (Refund.checked): a payment made before could not be told apart.

`build_return_receipt(refund, sale, settings, fiscal=..., number=..., now=...)` is a refund's fiscal
return receipt, printed once the online cash register has registered the return (pos.printing): the
lines given back with their VAT, the tender, and the register's fiscal block and QR as on a sale's.
"""

from __future__ import annotations

from datetime import datetime
from typing import Mapping, Sequence

from pos.core.fiscal import Registration
from pos.core.money import format_btc, format_sats, vat_included
from pos.core.receipt import (
    CURRENCY, LABELS, QR, Cut, Feed, Receipt, ReceiptSettings, Rule, _ending, _heading, _Layout, _particulars, chunks,
    local_time, money, paper_text, percent, quantity, wrap,
)
from pos.core.refund import DONE, Refund
from pos.core.report_slip import REPORT_LABELS
from pos.core.tender import BITCOIN, CARD, TenderedSale

REFUND_LABELS: dict[str, dict[str, str]] = {
    "en": {
        "refund": "REFUND", "returned": "PAYMENT SENT BACK", "refund_no": "Refund No", "sale": "Sale",
        "approval": "Approval code", "refund_total": "REFUNDED", "waiting": "waiting for the shop's payment",
        "paid": "paid", "qr_refund": "QR: refund request for the shop's wallet", "return_of_sale": "RETURN OF SALE",
    },
    "ru": {
        "refund": "ВОЗВРАТ", "returned": "ВОЗВРАТ ПЛАТЕЖА", "refund_no": "Возврат №", "sale": "Продажа",
        "approval": "Код авторизации", "refund_total": "ВОЗВРАЩЕНО", "waiting": "ожидает оплаты магазином",
        "paid": "выплачено", "qr_refund": "QR: запрос на возврат для кошелька магазина",
        "return_of_sale": "ВОЗВРАТ ПРОДАЖИ",
    },
    "kk": {
        "refund": "ҚАЙТАРУ", "returned": "ТӨЛЕМДІ ҚАЙТАРУ", "refund_no": "Қайтару №", "sale": "Сату",
        "approval": "Авторизация коды", "refund_total": "ҚАЙТАРЫЛДЫ", "waiting": "дүкеннің төлемін күтуде",
        "paid": "төленді", "qr_refund": "QR: дүкен әмиянына қайтару сұрауы", "return_of_sale": "САТУДЫ ҚАЙТАРУ",
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

    if any(refund.lines for refund in refunds):
        _going_back(out, refunds, sale, lang)
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


def build_return_receipt(refund: Refund, sale: TenderedSale, settings: ReceiptSettings, *, fiscal: Registration,
                         number: int, now: datetime) -> Receipt:
    """The fiscal receipt of a refund of `sale` the register registered as `fiscal` (a return of sale):
    the lines given back, their VAT (per rate, half up, as the register was told), the refund's tender,
    then the fiscal block with the QR of the return's TicketUrl exactly as returned."""
    lang = settings.language
    w = {**LABELS[lang], **REPORT_LABELS[lang], **REFUND_LABELS[lang]}
    out = _Layout(settings.columns)
    _heading(out, settings, copy=False, fiscal=fiscal, networks=(), title=w["return_of_sale"])
    _particulars(out, settings, refund, (w["refund_no"], refund.id), number=number,
                 sold_at=refund.done_at or refund.requested_at, now=now)
    out.pair(w["sale"], sale.id)
    out.add(Rule())
    _going_back(out, [refund], sale, lang)
    out.add(Rule())
    by_rate: dict[int, int] = {}
    for line in refund.lines:
        by_rate[line.vat_rate_bp] = by_rate.get(line.vat_rate_bp, 0) + line.amount_tiyn
    vat = [(rate, vat_included(tiyn, rate)) for rate, tiyn in sorted(by_rate.items()) if rate > 0]
    for rate, amount in vat:
        out.pair(f"{w['vat']} {percent(rate)}", money(amount))
    if not vat:
        out.lines([w["no_vat"]])
    out.pair(w["total"], f"{money(refund.amount_tiyn)} {CURRENCY}", bold=True, tall=True)
    out.pair(w[refund.tender], money(refund.amount_tiyn), bold=True)
    return _ending(out, settings, fiscal=fiscal, copy=False)


def _going_back(out: _Layout, refunds: Sequence[Refund], sale: TenderedSale | None, lang: str) -> None:
    """Each sale line going back (summed over the refunds: a split goes back in each tender), its
    name and quantity from `sale` (a number when the sale is not at hand), and the amount."""
    going_back: dict[int, int] = {}
    for refund in refunds:
        for line in refund.lines:
            going_back[line.index] = going_back.get(line.index, 0) + line.amount_tiyn
    for index, tiyn in sorted(going_back.items()):
        sold = sale.lines[index] if sale is not None and index < len(sale.lines) else None
        out.lines(wrap(paper_text(sold.name(lang)) if sold else f"#{index + 1}", out.columns))
        out.pair(f"  {quantity(sold, lang)}" if sold else "", money(tiyn))


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
