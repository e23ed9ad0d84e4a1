"""The X and Z reports: a shift's takings, computed from its records by one pure function.

`compute_report(kind, shift, invoices=..., sales=..., refunds=...)` reads:
  * invoices (pos.core.invoice.Invoice): every invoice made in the shift, paid or not;
  * sales (pos.core.tender.TenderedSale): sales paid in cash, by card or split; a sale paid
    in Bitcoin alone needs no record, its invoice is the sale (`sales_of`);
  * refunds (pos.core.refund.Refund): those the shift counts (`counts_refund`).
It gives counts and totals per tender, per VAT rate, refunds, discounts, the cash the drawer
should hold against what was counted, and the Bitcoin side by standing, so the merchant sees
what is final and what is still at risk. An X report changes nothing; a Z is the same
figures for a closed shift. Numbering Z reports and refusing a second Z for a shift are the
store's and the till's business: the report only carries its number.

Which invoice counts as a sale: one whose goods left the shop (SOLD: settled, handed over
and awaiting settlement, or lost after hand-over — the goods are gone, the loss is shown on
the Bitcoin side). Paid late and refund owed are money held without a sale, for a manager
to settle or refund. Unpaid, expired and cancelled invoices count nowhere. The export
(pos.commands.export) uses the same functions, so a day's export sums to the day's report.

Which refund counts where: money refunded counts in the report of the shift it left in - a
cash or card refund at once, a Bitcoin refund when the chain shows its payment (then it is
done, and its return receipt goes to the fiscal register, which counts it in its shift then).
A Bitcoin refund asked for and not yet paid is shown in its own shift's report as requested
(at risk), never as refunded; paid during a later shift (or between shifts), it is refunded
in that later report. So the terminal's Z and the register's Z count the same returns, and
no report counts money that had not left yet.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Iterable

from pos.core.invoice import (
    EXPIRED, CANCELLED, LOST_AFTER_HANDOVER, PAID_LATE, REFUND_OWED, SETTLED, Invoice,
)
from pos.core.refund import DONE, REQUESTED, Refund
from pos.core.shift import Shift
from pos.core.tender import BITCOIN, CASH, TENDER_KINDS, BitcoinTender, TenderedSale

X, Z = "X", "Z"
REPORT_KINDS = (X, Z)

# Where an invoice (or a Bitcoin refund) stands on the report's Bitcoin side.
SETTLED_BTC, AWAITING, PAID_LATE_BTC, REFUND_OWED_BTC, REFUNDED, LOST = (
    "settled", "awaiting_confirmation", "paid_late", "refund_owed", "refunded", "lost_after_handover")
#: An invoice on none of the report's lines: not paid (new, expired, cancelled), or invalid unpaid.
UNPAID = "unpaid"
BITCOIN_SIDE = (SETTLED_BTC, AWAITING, PAID_LATE_BTC, REFUND_OWED_BTC, REFUNDED, LOST)
#: Standings in which the goods left the shop: the invoice is a sale.
SOLD = frozenset({SETTLED_BTC, AWAITING, LOST})


class ReportError(ValueError):
    """Records that do not fit together (a sale's invoice missing, amounts that differ)."""


def standing(invoice: Invoice) -> str:
    """Where an invoice stands on the Bitcoin side, first match wins.

    Settled is final whatever marks it gathered on the way. A payment lost after hand-over
    is the loudest. Any other invoice handed over (the payment seen, or handed over
    unverified, or not confirmed within the monitoring window) is awaiting settlement.
    """
    if invoice.state == SETTLED:
        return SETTLED_BTC
    if LOST_AFTER_HANDOVER in invoice.marks:
        return LOST
    if invoice.handed_over:
        return AWAITING
    if PAID_LATE in invoice.marks and invoice.state in (EXPIRED, CANCELLED):
        return PAID_LATE_BTC
    if REFUND_OWED in invoice.marks:
        return REFUND_OWED_BTC
    return UNPAID


def refunding_ids(refunds: Iterable[Refund]) -> frozenset[str]:
    """The sales (invoices) a Bitcoin refund has been recorded for, requested or done."""
    return frozenset(r.sale_id for r in refunds if r.tender == BITCOIN)


def side_of(invoice: Invoice, refunding: frozenset[str]) -> str | None:
    """The invoice's line on the report's Bitcoin side, None for none: unpaid, or owed back
    and already counted as its refund (refunding_ids)."""
    where = standing(invoice)
    if where == UNPAID or (where == REFUND_OWED_BTC and invoice.id in refunding):
        return None
    return where


def counts_refund(refund: Refund, shift: int, since: datetime | None, until: datetime) -> bool:
    """Whether the report of shift number `shift` counts the refund: done after `since` (the shift
    before closed then; None for the first shift) and by `until` (the report's end), or asked for
    in the shift and still waiting for the chain (shown as requested)."""
    if refund.done_at is None:
        return refund.shift == shift
    return (since is None or since < refund.done_at) and refund.done_at <= until


def refund_standing(refund: Refund) -> str:
    return REFUNDED if refund.state == DONE else REFUND_OWED_BTC


def as_sale(invoice: Invoice) -> TenderedSale:
    """A sale paid in Bitcoin alone, as a sale record: the invoice is its only tender."""
    return TenderedSale(
        id=invoice.id, terminal_id=invoice.terminal_id, cashier=invoice.cashier, at=invoice.created_at,
        lines=invoice.lines, total_tiyn=invoice.total_tiyn, discount_tiyn=invoice.discount_tiyn,
        vat=dict(invoice.vat), tenders=(BitcoinTender(invoice.total_tiyn, invoice.id),),
    )


def sales_of(invoices: Iterable[Invoice], sales: Iterable[TenderedSale]) -> list[TenderedSale]:
    """Every sale the report counts, in time order: the sale records, and each invoice that is
    a sale of its own (no record names it, and its goods left the shop).

    A record's Bitcoin tender must find its invoice, for the same amount: ReportError if not.
    """
    sales = list(sales)
    by_id = {inv.id: inv for inv in invoices}
    for sale in sales:
        for tender in sale.tenders:
            if not isinstance(tender, BitcoinTender):
                continue
            invoice = by_id.get(tender.invoice_id)
            if invoice is None:
                raise ReportError(f"sale {sale.id}: its invoice {tender.invoice_id} is not among the records")
            if invoice.total_tiyn != tender.amount_tiyn:
                raise ReportError(f"sale {sale.id}: its Bitcoin tender is {tender.amount_tiyn} tiyn but invoice "
                                  f"{invoice.id} is for {invoice.total_tiyn}")
    named = {invoice_id for sale in sales for invoice_id in sale.invoice_ids}
    alone = [as_sale(inv) for inv in by_id.values() if inv.id not in named and standing(inv) in SOLD]
    return sorted(sales + alone, key=lambda s: (s.at, s.id))


@dataclass(frozen=True)
class Tally:
    """How many, and how much in tiyn (and in sat where Bitcoin is concerned)."""

    count: int = 0
    tiyn: int = 0
    sat: int = 0

    def plus(self, tiyn: int, sat: int = 0) -> "Tally":
        return Tally(self.count + 1, self.tiyn + tiyn, self.sat + sat)


@dataclass(frozen=True)
class VatRow:
    rate_bp: int
    sales_tiyn: int = 0  # what the lines at this rate were sold for, VAT included
    vat_tiyn: int = 0  # the VAT in it, as each sale computed it
    refunds_tiyn: int = 0  # refunded at this rate (refunds done)


@dataclass(frozen=True)
class CashDrawer:
    opening_float_tiyn: int
    sales_tiyn: int
    refunds_tiyn: int
    counted_tiyn: int | None  # None until the cashier counts the drawer (at close)

    @property
    def expected_tiyn(self) -> int:
        return self.opening_float_tiyn + self.sales_tiyn - self.refunds_tiyn

    @property
    def difference_tiyn(self) -> int | None:
        """Counted less expected: negative when cash is missing."""
        return None if self.counted_tiyn is None else self.counted_tiyn - self.expected_tiyn


@dataclass(frozen=True)
class Report:
    kind: str
    number: int  # the Z number the store hands out; X reports may leave it 0
    shift: Shift
    made_at: datetime
    sales: Tally
    tenders: dict[str, Tally]  # a split sale counts once in each of its tenders
    vat: tuple[VatRow, ...]
    discounts: Tally  # sales with a discount, and the discounts given
    refunds: dict[str, Tally]  # refunds of sales done, per tender
    refunds_requested: Tally  # Bitcoin refunds of sales asked for and not yet seen paid
    cash: CashDrawer
    bitcoin: dict[str, Tally]  # per BITCOIN_SIDE standing; sat are received (or refunded) sat

    @property
    def refunds_tiyn(self) -> int:
        return sum(t.tiyn for t in self.refunds.values())

    @property
    def net_tiyn(self) -> int:
        """Sales less refunds done."""
        return self.sales.tiyn - self.refunds_tiyn


@dataclass(frozen=True)
class ZRecord:
    """A Z report as the store keeps it, never edited: its number, the shift it closed, the
    journal's head (seq, hash) when it was made, which its paper prints so that the paper
    anchors the chain, and the figures it printed (the report recomputes from the records)."""

    number: int
    shift: int
    made_at: datetime
    by: str
    journal_seq: int
    journal_hash: str
    figures: dict[str, int]

    def __post_init__(self) -> None:
        if self.number < 1 or self.shift < 1 or self.journal_seq < 0 or len(self.journal_hash) != 64:
            raise ReportError(f"Z report {self.number} of shift {self.shift}: a number, shift or journal head "
                              "out of bounds")

    def to_dict(self) -> dict:
        return {"number": self.number, "shift": self.shift, "made_at": self.made_at.isoformat(), "by": self.by,
                "journal_seq": self.journal_seq, "journal_hash": self.journal_hash, "figures": dict(self.figures)}

    @classmethod
    def from_dict(cls, d: dict) -> "ZRecord":
        try:
            return cls(int(d["number"]), int(d["shift"]), datetime.fromisoformat(d["made_at"]), str(d["by"]),
                       int(d["journal_seq"]), str(d["journal_hash"]), {str(k): int(v) for k, v in d["figures"].items()})
        except KeyError as exc:
            raise ReportError(f"Z report {d.get('number')!r}: no {exc.args[0]!r}") from None


def figures(report: Report) -> dict[str, int]:
    """The report's headline figures in tiyn, as a Z record keeps them."""
    return {"sales": report.sales.tiyn, "sales_count": report.sales.count, "refunds": report.refunds_tiyn,
            "net": report.net_tiyn, "cash_expected": report.cash.expected_tiyn,
            "cash_counted": report.cash.counted_tiyn or 0,
            **{f"tender_{kind}": tally.tiyn for kind, tally in report.tenders.items()}}


def compute_report(kind: str, shift: Shift, *, invoices: Iterable[Invoice], sales: Iterable[TenderedSale] = (),
                   refunds: Iterable[Refund] = (), at: datetime, number: int = 0) -> Report:
    """The X or Z report of `shift` from its records (which the caller selects): pure, changes nothing."""
    if kind not in REPORT_KINDS:
        raise ReportError(f"a report is X or Z, not {kind!r}")
    if kind == Z and not shift.closed:
        raise ReportError(f"shift {shift.number} is open: a Z report is made when it closes, with the drawer counted")
    if number < 0:
        raise ReportError("a report number cannot be negative")
    invoices, refunds = list(invoices), list(refunds)
    counted = sales_of(invoices, sales)

    total, discounts = Tally(), Tally()
    tenders = {k: Tally() for k in TENDER_KINDS}
    vat: dict[int, VatRow] = {}
    for sale in counted:
        total = total.plus(sale.total_tiyn)
        for kind_ in TENDER_KINDS:
            if any(t.kind == kind_ for t in sale.tenders):
                tenders[kind_] = tenders[kind_].plus(sale.paid_in(kind_))
        if sale.discount_tiyn:
            discounts = discounts.plus(sale.discount_tiyn)
        for line in sale.lines:
            row = vat.get(line.vat_rate_bp, VatRow(line.vat_rate_bp))
            vat[line.vat_rate_bp] = replace(row, sales_tiyn=row.sales_tiyn + line.total_tiyn)
        for rate, amount in sale.vat.items():
            row = vat.get(rate, VatRow(rate))
            vat[rate] = replace(row, vat_tiyn=row.vat_tiyn + amount)

    done = {k: Tally() for k in TENDER_KINDS}
    requested = Tally()
    for refund in refunds:
        if not refund.of_sale:
            continue  # money held without a sale, going back: on the Bitcoin side only
        if refund.state == REQUESTED:
            requested = requested.plus(refund.amount_tiyn, refund.amount_sat)
            continue
        done[refund.tender] = done[refund.tender].plus(refund.amount_tiyn, refund.amount_sat)
        for returned in refund.lines:
            row = vat.get(returned.vat_rate_bp, VatRow(returned.vat_rate_bp))
            vat[returned.vat_rate_bp] = replace(row, refunds_tiyn=row.refunds_tiyn + returned.amount_tiyn)

    cash = CashDrawer(shift.opening_float_tiyn, tenders[CASH].tiyn, done[CASH].tiyn, shift.counted_cash_tiyn)
    return Report(kind=kind, number=number, shift=shift, made_at=at, sales=total, tenders=tenders,
                  vat=tuple(vat[rate] for rate in sorted(vat)), discounts=discounts, refunds=done,
                  refunds_requested=requested, cash=cash, bitcoin=bitcoin_side(invoices, refunds))


def bitcoin_side(invoices: Iterable[Invoice], refunds: Iterable[Refund]) -> dict[str, Tally]:
    """Invoices by standing at their KZT price and received sat; Bitcoin refunds as refunded or
    still owed. An invoice owed back whose refund is recorded is counted once, as that refund."""
    refunds = [r for r in refunds if r.tender == BITCOIN]
    refunding = refunding_ids(refunds)
    side = {s: Tally() for s in BITCOIN_SIDE}
    for invoice in invoices:
        where = side_of(invoice, refunding)
        if where is not None:
            side[where] = side[where].plus(invoice.total_tiyn, invoice.received_sat)
    for refund in refunds:
        where = refund_standing(refund)
        side[where] = side[where].plus(refund.amount_tiyn, refund.amount_sat)
    return side
