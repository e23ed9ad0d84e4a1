"""How a sale was paid: Bitcoin, cash or a card on the shop's own bank terminal, or a split.

These are the records the sale flow writes once a sale is paid, and that the X/Z report
(pos.core.report) and the accountant's export (pos.commands.export) read:

* BitcoinTender: the part paid through an invoice (pos.core.invoice.Invoice); the invoice
  carries the chain side (address, payments, state), the tender only its KZT part.
* CashTender: the part paid in cash, what the customer handed over and the change.
* CardTender: the part paid on the external bank terminal, with the approval code from its
  slip. Nothing is sent to a bank: the code is typed from the terminal's slip, for the record.
* TenderedSale: one sale, its frozen lines and the tenders that pay it, summing exactly to
  its total (2 000 KZT cash and the rest in Bitcoin is two tenders).

All money is integer tiyn; every amount is bounded by the largest sale (MAX_SALE_TIYN). A
record that breaks a rule raises TenderError naming the rule, when built and when read
back (from_dict), so a hand-edited store cannot slip a change below zero into a report.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime
from typing import ClassVar

from pos.core.cart import MAX_SALE_TIYN, Totals, allocate
from pos.core.invoice import SaleLine, sale_lines
from pos.core.money import format_kzt

BITCOIN, CASH, CARD = "bitcoin", "cash", "card"
TENDER_KINDS = (BITCOIN, CASH, CARD)
#: Approval codes on bank terminal slips are six characters; some banks print up to twelve.
APPROVAL_CODE = re.compile(r"^[A-Za-z0-9]{1,12}$")
#: A sale paid in more parts than this is a typing slip, not a sale.
MAX_TENDERS = 8


class TenderError(ValueError):
    """A tender or a sale's tenders that break a rule; the message says which."""


def check_amount(tiyn: object, what: str) -> int:
    """An amount of a tender or a refund: an int of tiyn, more than zero, at most the largest sale."""
    if not isinstance(tiyn, int) or isinstance(tiyn, bool):
        raise TenderError(f"{what} must be a whole number of tiyn, not {tiyn!r}")
    if not 0 < tiyn <= MAX_SALE_TIYN:
        raise TenderError(f"{what} must be more than 0 and at most {format_kzt(MAX_SALE_TIYN, 'KZT')}, "
                          f"not {format_kzt(tiyn, 'KZT')}")
    return tiyn


def check_time(at: object, what: str, error: type[ValueError] = TenderError) -> datetime:
    """A recorded time: aware, so it reads the same in UTC and in Almaty."""
    if not isinstance(at, datetime) or at.tzinfo is None:
        raise error(f"{what} must be a timezone-aware time, not {at!r}")
    return at


@dataclass(frozen=True)
class BitcoinTender:
    """The part of a sale paid through invoice `invoice_id` (its total is this amount)."""

    kind: ClassVar[str] = BITCOIN
    amount_tiyn: int
    invoice_id: str

    def __post_init__(self) -> None:
        check_amount(self.amount_tiyn, "a Bitcoin tender")
        if not self.invoice_id:
            raise TenderError("a Bitcoin tender needs its invoice")

    def to_dict(self) -> dict:
        return {"kind": self.kind, "amount_tiyn": self.amount_tiyn, "invoice_id": self.invoice_id}


@dataclass(frozen=True)
class CashTender:
    """The part of a sale paid in cash: the customer handed over `tendered_tiyn`, got the change."""

    kind: ClassVar[str] = CASH
    amount_tiyn: int
    tendered_tiyn: int

    def __post_init__(self) -> None:
        check_amount(self.amount_tiyn, "a cash tender")
        check_amount(self.tendered_tiyn, "the cash handed over")
        if self.tendered_tiyn < self.amount_tiyn:
            raise TenderError(f"{format_kzt(self.tendered_tiyn, 'KZT')} handed over is less than the "
                              f"{format_kzt(self.amount_tiyn, 'KZT')} to pay in cash: change cannot be negative")

    @property
    def change_tiyn(self) -> int:
        return self.tendered_tiyn - self.amount_tiyn

    def to_dict(self) -> dict:
        return {"kind": self.kind, "amount_tiyn": self.amount_tiyn, "tendered_tiyn": self.tendered_tiyn}


@dataclass(frozen=True)
class CardTender:
    """The part of a sale paid on the external bank terminal, with the approval code on its slip."""

    kind: ClassVar[str] = CARD
    amount_tiyn: int
    approval_code: str

    def __post_init__(self) -> None:
        check_amount(self.amount_tiyn, "a card tender")
        if not isinstance(self.approval_code, str) or not APPROVAL_CODE.match(self.approval_code):
            raise TenderError(f"a card approval code is 1 to 12 letters and digits from the bank terminal's "
                              f"slip, not {self.approval_code!r}")

    def to_dict(self) -> dict:
        return {"kind": self.kind, "amount_tiyn": self.amount_tiyn, "approval_code": self.approval_code}


Tender = BitcoinTender | CashTender | CardTender


def tender_from_dict(data: dict) -> Tender:
    kind = data.get("kind")
    try:
        if kind == BITCOIN:
            return BitcoinTender(data["amount_tiyn"], str(data["invoice_id"]))
        if kind == CASH:
            return CashTender(data["amount_tiyn"], data["tendered_tiyn"])
        if kind == CARD:
            return CardTender(data["amount_tiyn"], data["approval_code"])
    except KeyError as exc:
        raise TenderError(f"a {kind} tender without {exc.args[0]!r}") from None
    raise TenderError(f"unknown tender {kind!r} (known: {', '.join(TENDER_KINDS)})")


@dataclass(frozen=True)
class TenderedSale:
    """A paid sale: what was sold (frozen lines, as on an invoice) and the tenders paying it.

    `id` is the sale's number; a sale paid in Bitcoin alone is its invoice and needs no
    record of its own (pos.core.report.sales_of wraps such an invoice in one).
    """

    id: str
    terminal_id: str
    cashier: str
    at: datetime  # when the last tender was taken
    lines: tuple[SaleLine, ...]
    total_tiyn: int
    discount_tiyn: int
    vat: dict[int, int]  # VAT rate in basis points -> VAT included at that rate
    tenders: tuple[Tender, ...]
    shift: int = 0  # the shift it was sold in (0: sold before shifts existed)

    def __post_init__(self) -> None:
        if not self.id or not self.terminal_id:
            raise TenderError("a sale needs its number and terminal")
        check_time(self.at, f"sale {self.id}: the time")
        check_amount(self.total_tiyn, f"sale {self.id}: the total")
        if not self.lines:
            raise TenderError(f"sale {self.id}: no lines")
        if sum(line.total_tiyn for line in self.lines) != self.total_tiyn:
            raise TenderError(f"sale {self.id}: the lines add up to "
                              f"{format_kzt(sum(l.total_tiyn for l in self.lines), 'KZT')}, not the total "
                              f"{format_kzt(self.total_tiyn, 'KZT')}")
        if not 1 <= len(self.tenders) <= MAX_TENDERS:
            raise TenderError(f"sale {self.id}: 1 to {MAX_TENDERS} tenders, not {len(self.tenders)}")
        paid = sum(t.amount_tiyn for t in self.tenders)
        if paid != self.total_tiyn:
            raise TenderError(f"sale {self.id}: the tenders add up to {format_kzt(paid, 'KZT')}, not the total "
                              f"{format_kzt(self.total_tiyn, 'KZT')}: a split must pay the total exactly")
        invoices = [t.invoice_id for t in self.tenders if isinstance(t, BitcoinTender)]
        if len(set(invoices)) != len(invoices):
            raise TenderError(f"sale {self.id}: one invoice in two tenders")
        if not 0 <= self.discount_tiyn <= MAX_SALE_TIYN or self.shift < 0:
            raise TenderError(f"sale {self.id}: a discount or shift number out of bounds")

    def paid_in(self, kind: str) -> int:
        """The part of the total paid in one kind of tender."""
        return sum(t.amount_tiyn for t in self.tenders if t.kind == kind)

    @property
    def invoice_ids(self) -> tuple[str, ...]:
        return tuple(t.invoice_id for t in self.tenders if isinstance(t, BitcoinTender))

    def to_dict(self) -> dict:
        return {
            "id": self.id, "terminal_id": self.terminal_id, "cashier": self.cashier, "at": self.at.isoformat(),
            "lines": [line.to_dict() for line in self.lines], "total_tiyn": self.total_tiyn,
            "discount_tiyn": self.discount_tiyn, "vat": {str(k): v for k, v in self.vat.items()},
            "tenders": [t.to_dict() for t in self.tenders], "shift": self.shift,
        }

    @classmethod
    def from_dict(cls, d: dict) -> "TenderedSale":
        try:
            return cls(
                id=str(d["id"]), terminal_id=str(d["terminal_id"]), cashier=str(d.get("cashier", "")),
                at=datetime.fromisoformat(d["at"]), lines=tuple(SaleLine.from_dict(l) for l in d["lines"]),
                total_tiyn=d["total_tiyn"], discount_tiyn=int(d.get("discount_tiyn", 0)),
                vat={int(k): int(v) for k, v in d.get("vat", {}).items()},
                tenders=tuple(tender_from_dict(t) for t in d["tenders"]), shift=int(d.get("shift", 0)),
            )
        except KeyError as exc:
            raise TenderError(f"sale {d.get('id')!r}: no {exc.args[0]!r}") from None


def tendered_sale(*, id: str, terminal_id: str, cashier: str, at: datetime, totals: Totals,
                  tenders: tuple[Tender, ...], shift: int = 0) -> TenderedSale:
    """A cart's totals frozen into a sale record, as new_invoice freezes them onto an invoice."""
    return TenderedSale(id=id, terminal_id=terminal_id, cashier=cashier, at=at, lines=sale_lines(totals),
                        total_tiyn=totals.total, discount_tiyn=totals.line_discounts + totals.order_discount,
                        vat=dict(totals.vat), tenders=tenders, shift=shift)


def bitcoin_part(totals: Totals, amount_tiyn: int) -> Totals:
    """The part of a sale left to pay in Bitcoin after a split's other tenders: the same lines, each
    taking its share of `amount_tiyn` (largest remainder), the rest of it shown as that line's
    discount on the invoice, and the VAT in the same proportion. The invoice charges exactly this;
    the sale record (tendered_sale of the whole totals) is what the report counts."""
    check_amount(amount_tiyn, "the Bitcoin part")
    if amount_tiyn >= totals.total:
        raise TenderError(f"the Bitcoin part of a split is less than the sale's {format_kzt(totals.total, 'KZT')}, "
                          f"not {format_kzt(amount_tiyn, 'KZT')}")
    shares = allocate(amount_tiyn, [line.total for line in totals.lines])
    lines = tuple(replace(line, order_discount_tiyn=line.line.amount - share)
                  for line, share in zip(totals.lines, shares))
    vat = {rate: vat * amount_tiyn // totals.total for rate, vat in totals.vat.items()}
    return replace(totals, lines=lines, order_discount=totals.order_discount + totals.total - amount_tiyn,
                   total=amount_tiyn, vat=vat)
