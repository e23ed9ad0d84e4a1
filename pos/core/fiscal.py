"""The fiscal register: what an online cash register (онлайн ККМ) does for the till, as a port.

In Kazakhstan a sale is registered by an online cash register that reports it to a fiscal
data operator (ОФД). The till hands each completed sale or return to one (FiscalRegister),
and prints what comes back (Registration): the fiscal sign, the cashbox's registration
number (РНМ) and factory number (ЗНМ), the OFD and the QR link to the receipt. X and Z
reports are the register's own (ShiftReport). Adapters live in pos.fiscal (Webkassa first);
this module is plain Python and knows none of them.

`sale_receipt` and `return_receipt` build the request from the records the till already
keeps (pos.core.tender.TenderedSale, or pos.core.report.as_sale(invoice) for a sale paid in
Bitcoin alone; pos.core.refund.Refund). Money stays integer tiyn here; `kzt` and `quantity`
turn tiyn and milli-units into exact Decimals for a provider's JSON, never a float.

VAT per position: the sale's VAT per rate is what our slip and our Z show (pos.core.cart:
half up on each rate's total). A register wants it per position, so each rate's total is
split over its positions by largest remainder: every position gets its exact share rounded
down or up, and the positions of a rate add up to exactly that rate's total.

Errors are typed by what the caller should do (FiscalError's subclasses): try again later,
treat as done, fix the data, or ask a person.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from datetime import datetime
from decimal import Decimal
from typing import Protocol

from pos.core.invoice import SaleLine
from pos.core.money import div_half_up, vat_included
from pos.core.refund import DONE, Refund
from pos.core.tender import BITCOIN, CARD, CASH, TenderedSale, check_time

SALE, RETURN = "sale", "return"
OPERATIONS = (SALE, RETURN)
#: Payment kinds a receipt knows: the till's tenders.
PAYMENT_KINDS = (CASH, CARD, BITCOIN)


class FiscalError(Exception):
    """The register did not register. `code` is the provider's own error code, when it gave one."""

    def __init__(self, message: str, code: int | None = None) -> None:
        super().__init__(message)
        self.code = code


class FiscalUnavailable(FiscalError):
    """No answer, or one we cannot read (network, timeout, HTTP 5xx): send the same request again
    later. Safe because every request carries its external number: a repeat is never a second sale."""


class AlreadyRegistered(FiscalError):
    """The register already holds this external number, and its attributes could not be read back.
    The sale IS registered: never send it again; the attributes are in the provider's cabinet."""


class FiscalRejected(FiscalError):
    """The register refused the request's contents (validation): sending it again changes nothing."""


class NeedsAttention(FiscalError):
    """The register cannot take anything until a person acts: the shift is over 24 h (close it
    with a Z), offline for over 72 h, no open shift, wrong login or API key, cashbox blocked."""


class NoOpenShift(NeedsAttention):
    """The register has no open shift: for a Z, it was closed already (an earlier Z whose answer
    was lost: a Z is not idempotent), so its figures are only in the provider's cabinet."""


class ReceiptError(ValueError):
    """A record that cannot become a fiscal receipt; the message says why."""


@dataclass(frozen=True)
class Position:
    """One line of a receipt: `quantity_milli` of `unit` at `unit_price_tiyn`, less `discount_tiyn`."""

    name: str
    code: str  # the SKU
    unit: str  # pos.core.catalog.UNITS: pcs, kg, l
    quantity_milli: int
    unit_price_tiyn: int
    discount_tiyn: int
    total_tiyn: int
    vat_rate_bp: int
    vat_tiyn: int  # VAT included in total_tiyn


@dataclass(frozen=True)
class FiscalPayment:
    kind: str  # cash, card or bitcoin
    amount_tiyn: int


@dataclass(frozen=True)
class Registration:
    """What the register gave back for one receipt: everything the fiscal slip prints.

    `ticket_url` is the OFD's link for the QR, kept exactly as returned. `recovered` is True when
    the receipt had been registered before (a resend after a lost answer) and these attributes
    were read back from the register's history.
    """

    external_id: str
    operation: str
    total_tiyn: int
    fiscal_sign: str  # CheckNumber: the fiscal sign (ФП) the OFD (or, offline, the register) gave
    registered_at: datetime
    offline: bool  # registered in offline mode (the slip must say so)
    factory_number: str  # ЗНМ: the cashbox's factory (unique) number
    registration_number: str  # РНМ: its registration number with the tax office
    identity_number: str  # ИНК: its identification number with the OFD
    ofd_name: str
    ofd_host: str
    shift_number: int
    order_number: int  # the receipt's number within the shift
    ticket_url: str
    recovered: bool = False

    def to_dict(self) -> dict:
        return {**asdict(self), "registered_at": self.registered_at.isoformat()}

    @classmethod
    def from_dict(cls, d: dict) -> "Registration":
        """ValueError/KeyError/TypeError for a record that is not one (the store names where)."""
        fields = {**d, "registered_at": datetime.fromisoformat(d["registered_at"])}
        registration = cls(**fields)
        check_time(registration.registered_at, f"receipt {registration.external_id}: the time registered", ReceiptError)
        return registration


@dataclass(frozen=True)
class ReturnBasis:
    """The registered sale a return refers to (required from OFD protocol 2.0.3 on)."""

    fiscal_sign: str
    registered_at: datetime
    registration_number: str
    total_tiyn: int
    offline: bool

    @classmethod
    def of(cls, sale: Registration) -> "ReturnBasis":
        if sale.operation != SALE:
            raise ReceiptError(f"{sale.external_id}: a return refers to a registered sale, not a {sale.operation}")
        return cls(sale.fiscal_sign, sale.registered_at, sale.registration_number, sale.total_tiyn, sale.offline)


@dataclass(frozen=True)
class FiscalReceipt:
    """A sale or a return to register; `external_id` makes a repeat recognisable (idempotency)."""

    operation: str
    external_id: str
    positions: tuple[Position, ...]
    payments: tuple[FiscalPayment, ...]
    basis: ReturnBasis | None = None

    def __post_init__(self) -> None:
        if self.operation not in OPERATIONS:
            raise ReceiptError(f"unknown operation {self.operation!r}")
        if not self.external_id or not self.positions or not self.payments:
            raise ReceiptError(f"receipt {self.external_id!r}: needs its number, positions and payments")
        if (self.operation == RETURN) != (self.basis is not None):
            raise ReceiptError(f"receipt {self.external_id}: a return, and only a return, names the sale it returns")
        if any(p.kind not in PAYMENT_KINDS or p.amount_tiyn <= 0 for p in self.payments):
            raise ReceiptError(f"receipt {self.external_id}: a payment of an unknown kind or not above zero")
        if sum(p.amount_tiyn for p in self.payments) != self.total_tiyn:
            raise ReceiptError(f"receipt {self.external_id}: the payments do not add up to the positions' total")

    @property
    def total_tiyn(self) -> int:
        return sum(p.total_tiyn for p in self.positions)


@dataclass(frozen=True)
class FiscalJob:
    """A sale or a refund waiting for (or done with) its fiscal receipt: the store's queue record.

    Written in the same store operation as the sale or the refund itself, so a sale recorded is
    a receipt queued, whatever stops the terminal. A return (`refund` set) carries its sale too:
    its receipt needs the sale's lines, and its basis is the sale's registration, which the sender
    reads when it sends the return (the sale is ahead of it in the queue: `seq`, the store's order).
    A Bitcoin refund's return is queued with the request and is `due` only once the refund is seen
    paid (the store puts the done refund in it, in the refund's own operation).
    `registration` is what the register gave back; `done` with no registration means it holds
    the receipt but its attributes could not be read back (AlreadyRegistered): never sent again.
    """

    sale: TenderedSale
    queued_at: datetime
    done: bool = False
    registration: Registration | None = None
    note: str = ""  # why it is held for a person (refused), or why it is done without attributes
    refund: Refund | None = None  # a return of `sale`
    seq: int = 0  # its place in the queue (the store's counter, taken in the operation queuing it)

    @property
    def id(self) -> str:
        return self.sale.id if self.refund is None else self.refund.id

    @property
    def operation(self) -> str:
        return SALE if self.refund is None else RETURN

    @property
    def due(self) -> bool:
        """To be sent: a sale, or a return whose money went back (a Bitcoin refund seen paid)."""
        return self.refund is None or self.refund.state == DONE

    @property
    def refused(self) -> bool:
        """Held for a person: not sent again by itself."""
        return not self.done and bool(self.note)

    def receipt(self, basis: Registration | None = None) -> FiscalReceipt:
        """The request; a return needs `basis`, its sale's registration (ReceiptError without)."""
        if self.refund is None:
            return sale_receipt(self.sale)
        if basis is None:
            raise ReceiptError(f"return {self.refund.id}: its sale {self.sale.id} has no registration to refer to")
        return return_receipt(self.refund, self.sale, basis)

    def registered(self, registration: Registration | None, note: str = "") -> "FiscalJob":
        return replace(self, done=True, registration=registration, note=note)

    def to_dict(self) -> dict:
        return {"operation": self.operation, "sale": self.sale.to_dict(), "queued_at": self.queued_at.isoformat(),
                "done": self.done, "note": self.note, "seq": self.seq,
                "refund": None if self.refund is None else self.refund.to_dict(),
                "registration": None if self.registration is None else self.registration.to_dict()}

    @classmethod
    def from_dict(cls, d: dict) -> "FiscalJob":
        registration, refund = d.get("registration"), d.get("refund")
        return cls(sale=TenderedSale.from_dict(d["sale"]), queued_at=datetime.fromisoformat(d["queued_at"]),
                   done=bool(d["done"]), note=str(d.get("note", "")), seq=int(d.get("seq", 0)),
                   refund=None if refund is None else Refund.from_dict(refund),
                   registration=None if registration is None else Registration.from_dict(registration))


@dataclass(frozen=True)
class FiscalQueueState:
    """The queue as a person sees it (status bar): receipts waiting to be sent, those refused and
    held (id and the register's reason, as it said it), and what stopped the last round."""

    waiting: int = 0
    refused: tuple[tuple[str, str], ...] = ()
    last_error: str = ""

    @classmethod
    def of(cls, pending: list[FiscalJob], last_error: str) -> "FiscalQueueState":
        return cls(waiting=sum(1 for job in pending if job.due and not job.refused),
                   refused=tuple((job.id, job.note) for job in pending if job.refused), last_error=last_error)


@dataclass(frozen=True)
class CashboxInfo:
    """Who the register is, as `pos check` shows it."""

    factory_number: str
    registration_number: str
    identity_number: str
    ofd_name: str  # "" when the provider has not said yet (no report on this cashbox)
    ofd_host: str
    offline: bool
    shift_number: int


@dataclass(frozen=True)
class ShiftReport:
    """An X (the shift so far) or Z (the shift closed) report, as the register counts it."""

    kind: str  # "X" or "Z"
    shift_number: int
    report_number: int
    document_count: int
    sales_count: int
    sales_tiyn: int
    returns_count: int
    returns_tiyn: int
    offline: bool


@dataclass(frozen=True)
class FiscalZ:
    """The register's side of the terminal's Z: its own Z report, or why there is none (`note`).

    Printed beside the terminal's figures; `matches` says whether the register counted the same
    sales and returns. No report (a lost answer then "no open shift", the register unreachable)
    never matches: a person compares with the provider's cabinet."""

    report: ShiftReport | None
    note: str = ""

    def matches(self, sales: tuple[int, int], returns: tuple[int, int]) -> bool:
        """`sales` and `returns` as the terminal counts them: (count, tiyn)."""
        r = self.report
        return r is not None and (r.sales_count, r.sales_tiyn) == sales and (r.returns_count, r.returns_tiyn) == returns


class FiscalRegister(Protocol):
    """Blocking calls, one at a time per cashbox; each raises a FiscalError subclass when it fails."""

    def register(self, receipt: FiscalReceipt) -> Registration:
        """Register a sale or a return. A repeat of an external number already registered gives its
        Registration with `recovered` True, or AlreadyRegistered when it cannot be read back."""

    def x_report(self) -> ShiftReport: ...

    def z_report(self) -> ShiftReport:
        """Close the register's shift."""

    def cashbox(self) -> CashboxInfo:
        """Authorise and describe the cashbox (for `pos check`); changes nothing."""


def kzt(tiyn: int) -> Decimal:
    """Tiyn as exact tenge with two decimals: 12345 -> Decimal('123.45')."""
    return Decimal(tiyn).scaleb(-2)


def quantity(milli: int) -> Decimal:
    """Milli-units as an exact quantity: 1500 -> Decimal('1.500')."""
    return Decimal(milli).scaleb(-3)


def tiyn_of(amount: Decimal, what: str) -> int:
    """Exact tenge back to tiyn; an amount with a fraction of a tiyn is not one we sent."""
    scaled = amount.scaleb(2)
    if scaled != scaled.to_integral_value():
        raise ValueError(f"{what} {amount} is not a whole number of tiyn")
    return int(scaled)


def split_vat(totals_and_rates: list[tuple[int, int]]) -> list[int]:
    """VAT per position, each rate's total (half up, as the slip) split by largest remainder.

    `totals_and_rates` holds (total_tiyn, vat_rate_bp) per position; the result is in the same order.
    """
    shares = [0] * len(totals_and_rates)
    for rate in {rate for _, rate in totals_and_rates}:
        members = [i for i, (_, r) in enumerate(totals_and_rates) if r == rate]
        target = vat_included(sum(totals_and_rates[i][0] for i in members), rate)
        exact = {i: divmod(totals_and_rates[i][0] * rate, 10_000 + rate) for i in members}
        for i in members:
            shares[i] = exact[i][0]
        leftover = target - sum(shares[i] for i in members)
        for i in sorted(members, key=lambda i: (-exact[i][1], i))[:leftover]:
            shares[i] += 1
    return shares


def _positions(lines: list[tuple[SaleLine, int, int, int]]) -> tuple[Position, ...]:
    """(sale line, quantity, discount, total) -> positions, with the VAT split over them."""
    vats = split_vat([(total, line.vat_rate_bp) for line, _, _, total in lines])
    return tuple(
        Position(name=line.name("ru"), code=line.sku, unit=line.unit, quantity_milli=qty,
                 unit_price_tiyn=line.unit_price_tiyn, discount_tiyn=discount, total_tiyn=total,
                 vat_rate_bp=line.vat_rate_bp, vat_tiyn=vat)
        for (line, qty, discount, total), vat in zip(lines, vats)
    )


def sale_receipt(sale: TenderedSale) -> FiscalReceipt:
    """The receipt of a paid sale, numbered by the sale's id (an invoice id for a Bitcoin-only sale).

    One payment per kind of tender (a register takes each kind once), summing to the total.
    """
    positions = _positions([(line, line.quantity_milli, line.discount_tiyn, line.total_tiyn) for line in sale.lines])
    return FiscalReceipt(SALE, sale.id, positions, _payments([(t.kind, t.amount_tiyn) for t in sale.tenders]))


def return_receipt(refund: Refund, sale: TenderedSale, registered: Registration) -> FiscalReceipt:
    """The receipt of a refund of `sale`, which the register knows as `registered`.

    Each refunded line is a position at the sale line's unit price; what it gives back below
    that price is its discount. Money paid back without a sale was never registered: ReceiptError.
    """
    if not refund.of_sale:
        raise ReceiptError(f"refund {refund.id}: money paid back without a sale was never registered as a sale")
    if refund.sale_id != sale.id or registered.external_id != sale.id:
        raise ReceiptError(f"refund {refund.id}: refunds sale {refund.sale_id}, not {sale.id} "
                           f"(registered as {registered.external_id})")
    check_time(registered.registered_at, f"sale {sale.id}: the time registered", ReceiptError)
    lines = []
    for part in refund.lines:
        if not 0 <= part.index < len(sale.lines) or sale.lines[part.index].sku != part.sku:
            raise ReceiptError(f"refund {refund.id}: line {part.index} ({part.sku!r}) is not a line of {sale.id}")
        line = sale.lines[part.index]
        discount = div_half_up(part.quantity_milli * line.unit_price_tiyn, 1000) - part.amount_tiyn
        if discount < 0:
            raise ReceiptError(f"refund {refund.id}: line {part.index} gives back more than its price")
        lines.append((line, part.quantity_milli, discount, part.amount_tiyn))
    return FiscalReceipt(RETURN, refund.id, _positions(lines), _payments([(refund.tender, refund.amount_tiyn)]),
                         ReturnBasis.of(registered))


def _payments(parts: list[tuple[str, int]]) -> tuple[FiscalPayment, ...]:
    by_kind: dict[str, int] = {}
    for kind, amount in parts:
        by_kind[kind] = by_kind.get(kind, 0) + amount
    return tuple(FiscalPayment(kind, by_kind[kind]) for kind in PAYMENT_KINDS if kind in by_kind)
