"""A refund: money going back to a customer, whole or by lines, in the sale's own tender.

A sale paid in two tenders is refunded by one Refund per tender. Cash and card refunds are
done when recorded (the drawer opens; the bank terminal prints its own slip). A Bitcoin
refund cannot be done by the terminal, which holds no keys: it is `requested` (a payment
request to the customer's address that the merchant's wallet pays) until the chain shows
a payment of at least `amount_sat` to that address; then it is `done`, with that txid.
The customer's address may be one they use again (an exchange's deposit address), so a payment
counts only if it is new since the request's `baseline`: what already paid the address when the
watch first looked at it, before the request's QR could be shown to the merchant.

A refund of a sale (goods back, whole or by lines) lowers the takings. Money a customer paid
without a sale (an underpaid invoice closed as refund owed, a late or excess payment) goes
back by the same path as a refund with `of_sale` False and no lines: it lowers nothing.

Amounts are positive: the report and the export know a refund is money out from its kind.
`shift` is the shift it was asked in; the money counts where it left, at `done_at`
(pos.core.report.counts_refund), and the store files a done refund by that day.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime

from pos.core.invoice import Payment
from pos.core.money import MAX_SATS, Rate
from pos.core.tender import APPROVAL_CODE, BITCOIN, CARD, TENDER_KINDS, TenderError, check_amount, check_time

REQUESTED, DONE = "requested", "done"
REFUND_STATES = (REQUESTED, DONE)
#: Refunds by line hold at most as many lines as a sale can (a receipt of this many lines is a roll).
MAX_REFUND_LINES = 500
#: The most transactions a baseline holds: the chain backend refuses an address with as many
#: (pos.chain.backend.MAX_TRANSACTIONS), so a refund to such an address is never checked.
MAX_BASELINE_TXIDS = 100
MAX_HEIGHT = 10_000_000  # the chain's tip; mainnet reaches about 1.3 million in 2050
TXID = re.compile(r"[0-9a-fA-F]{64}")


@dataclass(frozen=True)
class RefundLine:
    """Part of a sale line going back: which line (its index on the sale), how much of it."""

    index: int
    sku: str
    quantity_milli: int
    amount_tiyn: int
    vat_rate_bp: int

    def __post_init__(self) -> None:
        if self.index < 0 or self.quantity_milli <= 0 or not 0 <= self.vat_rate_bp <= 10_000:
            raise TenderError(f"refund line {self.index} ({self.sku!r}): an index, quantity or VAT rate out of bounds")
        check_amount(self.amount_tiyn, f"refund line {self.index} ({self.sku!r})")

    def to_dict(self) -> dict:
        return dict(self.__dict__)

    @classmethod
    def from_dict(cls, d: dict) -> "RefundLine":
        return cls(int(d["index"]), str(d["sku"]), int(d["quantity_milli"]), d["amount_tiyn"], int(d["vat_rate_bp"]))


@dataclass(frozen=True)
class Baseline:
    """What paid a Bitcoin refund's address before its request could be paid: the transactions the
    chain showed the first time the watch looked at the address, and the chain's tip then. None of
    them is the merchant's payment for this refund (its QR was not shown yet), however much it paid."""

    height: int
    txids: tuple[str, ...]

    def __post_init__(self) -> None:
        if not 0 <= self.height <= MAX_HEIGHT or len(self.txids) > MAX_BASELINE_TXIDS:
            raise TenderError(f"a refund's baseline: a height of 0 to {MAX_HEIGHT} and at most "
                              f"{MAX_BASELINE_TXIDS} transactions")
        if not all(isinstance(txid, str) and TXID.fullmatch(txid) for txid in self.txids):
            raise TenderError("a refund's baseline: transactions are 64 hexadecimal digits")

    def to_dict(self) -> dict:
        return {"height": self.height, "txids": list(self.txids)}

    @classmethod
    def from_dict(cls, d: dict) -> "Baseline":
        if not isinstance(d, dict) or not isinstance(d.get("height"), int) or not isinstance(d.get("txids"), list):
            raise TenderError(f"a refund's baseline is not a height and a list of transactions: {d!r:.80}")
        return cls(d["height"], tuple(d["txids"]))


@dataclass(frozen=True)
class Refund:
    id: str
    sale_id: str  # the sale refunded: a TenderedSale's id, or the invoice of a Bitcoin-only sale
    terminal_id: str
    cashier: str
    tender: str  # the kind of the original tender it goes back through
    amount_tiyn: int
    lines: tuple[RefundLine, ...]  # the lines going back (every line for a whole refund; none unless of_sale)
    whole: bool
    requested_at: datetime
    of_sale: bool = True  # False: money held without a sale (refund owed, paid late, overpaid) going back
    state: str = REQUESTED
    done_at: datetime | None = None
    shift: int = 0
    approval_code: str = ""  # card: the bank terminal's code for the refund
    address: str = ""  # Bitcoin: the customer's address
    amount_sat: int = 0  # Bitcoin: at least this much to the address
    rate: Rate | None = None  # Bitcoin: the rate amount_sat was computed at (the invoice's, or today's)
    txid: str = ""  # Bitcoin: the transaction that paid it
    baseline: Baseline | None = None  # Bitcoin: what paid the address already; None until the watch looked

    def __post_init__(self) -> None:
        what = f"refund {self.id}"
        if not self.id or not self.sale_id or not self.terminal_id:
            raise TenderError(f"{what}: needs its number, sale and terminal")
        if self.tender not in TENDER_KINDS:
            raise TenderError(f"{what}: unknown tender {self.tender!r}")
        if self.state not in REFUND_STATES:
            raise TenderError(f"{what}: unknown state {self.state!r}")
        check_amount(self.amount_tiyn, what)
        check_time(self.requested_at, f"{what}: the time requested")
        if not self.of_sale:
            if self.lines or self.tender != BITCOIN:
                raise TenderError(f"{what}: money paid without a sale goes back in Bitcoin, with no lines")
        elif not 1 <= len(self.lines) <= MAX_REFUND_LINES:
            raise TenderError(f"{what}: 1 to {MAX_REFUND_LINES} lines, not {len(self.lines)}")
        elif sum(line.amount_tiyn for line in self.lines) != self.amount_tiyn:
            raise TenderError(f"{what}: its lines do not add up to its amount")
        if (self.state == DONE) != (self.done_at is not None):
            raise TenderError(f"{what}: done exactly when it has a time done")
        if self.done_at is not None and check_time(self.done_at, f"{what}: the time done") < self.requested_at:
            raise TenderError(f"{what}: done before it was requested")
        if self.tender == BITCOIN:
            if not self.address or self.rate is None or not 0 < self.amount_sat <= MAX_SATS:
                raise TenderError(f"{what}: a Bitcoin refund needs the customer's address, the rate and an "
                                  "amount in sat")
            if (self.state == DONE) != bool(self.txid):
                raise TenderError(f"{what}: a Bitcoin refund is done exactly when the transaction paying it is seen")
        elif self.baseline is not None:
            raise TenderError(f"{what}: only a Bitcoin refund has a baseline")
        elif self.state != DONE:
            raise TenderError(f"{what}: a {self.tender} refund is done when it is recorded")
        if (self.tender == CARD) != bool(APPROVAL_CODE.match(self.approval_code)):
            raise TenderError(f"{what}: a card refund has the bank terminal's approval code (1 to 12 letters and "
                              f"digits), other refunds none; not {self.approval_code!r}")

    @property
    def checked(self) -> bool:
        """The request may be paid: its address was checked (it has a baseline) and it is not paid yet.
        Only then is its QR shown or printed."""
        return self.state != DONE and self.baseline is not None

    def with_baseline(self, baseline: Baseline) -> "Refund":
        """The request's address checked: what paid it already will never count as this refund's payment.
        Taken once: a second one would count the merchant's payment made in between as old."""
        if self.tender != BITCOIN or self.state == DONE or self.baseline is not None:
            raise TenderError(f"refund {self.id}: only a Bitcoin request not checked yet takes a baseline")
        return replace(self, baseline=baseline)

    def paid_by(self, payment: Payment) -> bool:
        """Whether the payment may be the merchant's for this request: at least amount_sat, and new since
        the baseline - none of its transactions, nor confirmed at or below its tip (a payment made
        after the QR was shown is mined above it). Never before the baseline exists."""
        b = self.baseline
        return (b is not None and self.state != DONE and payment.amount_sat >= self.amount_sat
                and payment.txid not in b.txids and (payment.height is None or payment.height > b.height))

    def done(self, txid: str, at: datetime) -> "Refund":
        """The Bitcoin refund paid: the chain showed `txid` paying it (paid_by)."""
        if self.state == DONE:
            raise TenderError(f"refund {self.id} is already done")
        return replace(self, state=DONE, done_at=at, txid=txid)

    def to_dict(self) -> dict:
        return {
            "id": self.id, "sale_id": self.sale_id, "terminal_id": self.terminal_id, "cashier": self.cashier,
            "tender": self.tender, "amount_tiyn": self.amount_tiyn, "lines": [l.to_dict() for l in self.lines],
            "whole": self.whole, "of_sale": self.of_sale, "requested_at": self.requested_at.isoformat(), "state": self.state,
            "done_at": self.done_at.isoformat() if self.done_at else None, "shift": self.shift,
            "approval_code": self.approval_code, "address": self.address, "amount_sat": self.amount_sat,
            "rate": self.rate.to_dict() if self.rate else None, "txid": self.txid,
            "baseline": self.baseline.to_dict() if self.baseline else None,
        }

    @classmethod
    def from_dict(cls, d: dict) -> "Refund":
        try:
            return cls(
                id=str(d["id"]), sale_id=str(d["sale_id"]), terminal_id=str(d["terminal_id"]),
                cashier=str(d.get("cashier", "")), tender=d["tender"], amount_tiyn=d["amount_tiyn"],
                lines=tuple(RefundLine.from_dict(l) for l in d["lines"]), whole=bool(d["whole"]),
                requested_at=datetime.fromisoformat(d["requested_at"]), of_sale=bool(d.get("of_sale", True)),
                state=d["state"],
                done_at=datetime.fromisoformat(d["done_at"]) if d.get("done_at") else None,
                shift=int(d.get("shift", 0)), approval_code=str(d.get("approval_code", "")),
                address=str(d.get("address", "")), amount_sat=int(d.get("amount_sat", 0)),
                rate=Rate.from_dict(d["rate"]) if d.get("rate") else None, txid=str(d.get("txid", "")),
                baseline=Baseline.from_dict(d["baseline"]) if d.get("baseline") else None,
            )
        except KeyError as exc:
            raise TenderError(f"refund {d.get('id')!r}: no {exc.args[0]!r}") from None
