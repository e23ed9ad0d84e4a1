"""The invoice and its lifecycle, modelled on BTCPay Server's.

States:
    new         awaiting payment
    processing  the full amount is seen, not yet confirmed per policy
    settled     paid and confirmed per policy (final)
    expired     no full payment by the expiry (watched until the monitoring window ends)
    invalid     paid but not confirmed by the end of the monitoring window
    cancelled   cancelled by the cashier before any payment (final)
Marks (exceptions, beside the state): paid_partial, paid_over, paid_late, and three that
need a person: lost_after_handover (the customer left with the goods, then the payment
disappeared), refund_owed (an underpaid invoice the manager closed) and unverified (the
manager let the customer go while the chain could not be read: kept for good, as a record).

A transaction that disappears (replaced, double-spent, or a backend that flaps) is kept in
`vanished` with the number of times it went: from then on it counts only once it is in a
block, so one that comes and goes on every poll moves the invoice, and its history, once.

Hand-over is not a state: it is the moment the till let the customer go (handed_over_at),
which policy allows once the full amount is seen; settlement stays what it was.

Every change of state or marks is appended to the history with a UTC time and a
cause. A transition not in TRANSITIONS raises IllegalTransition.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone
from typing import Final, Literal, get_args

from pos.core.cart import Totals
from pos.core.money import Rate

#: An invoice's state, and a mark beside it: the very strings the store and the journal keep.
State = Literal["new", "processing", "settled", "expired", "invalid", "cancelled"]
Mark = Literal["paid_partial", "paid_over", "paid_late", "lost_after_handover", "refund_owed", "unverified"]
STATES: tuple[State, ...] = get_args(State)
MARKS: tuple[Mark, ...] = get_args(Mark)
NEW: Final = "new"
PROCESSING: Final = "processing"
SETTLED: Final = "settled"
EXPIRED: Final = "expired"
INVALID: Final = "invalid"
CANCELLED: Final = "cancelled"
PAID_PARTIAL: Final = "paid_partial"
PAID_OVER: Final = "paid_over"
PAID_LATE: Final = "paid_late"
LOST_AFTER_HANDOVER: Final = "lost_after_handover"
REFUND_OWED: Final = "refund_owed"
UNVERIFIED: Final = "unverified"

TRANSITIONS: dict[State, frozenset[State]] = {
    # new -> invalid: an underpaid invoice the manager closed as "refund owed"
    NEW: frozenset({PROCESSING, SETTLED, EXPIRED, CANCELLED, INVALID}),
    # back to new when the transaction that paid it disappears (replaced, double-spent)
    PROCESSING: frozenset({SETTLED, INVALID, NEW}),
    # a manager may settle an expired or invalid invoice by hand after checking the payment
    EXPIRED: frozenset({SETTLED}),
    INVALID: frozenset({SETTLED}),
    SETTLED: frozenset(),
    CANCELLED: frozenset(),
}
#: States whose address the watcher still polls.
#: Cancelled ones too: a customer may pay just as the cashier cancels, and that money
#: must show up for a refund.
WATCHED = frozenset({NEW, PROCESSING, EXPIRED, CANCELLED})
#: Vanished transactions remembered per invoice; beyond this many, only confirmed payments count.
MAX_VANISHED_TXIDS = 10
MAX_VANISHED_COUNT = 1_000_000
#: Closed states that are watched only until the monitoring window ends.
WATCHED_UNTIL_MONITORING_ENDS = frozenset({EXPIRED, CANCELLED})


class IllegalTransition(ValueError):
    pass


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def invoice_id(terminal_id: str, seq: int) -> str:
    """'T01' + 42 -> 'T01-000042': short, readable, unique across terminals."""
    return f"{terminal_id}-{seq:06d}"


@dataclass(frozen=True)
class HistoryEntry:
    at: datetime
    from_state: State | Literal[""]  # "" in the first entry: created
    to_state: State
    cause: str
    marks: tuple[Mark, ...] = ()

    def to_dict(self) -> dict:
        return {"at": self.at.isoformat(), "from": self.from_state, "to": self.to_state,
                "cause": self.cause, "marks": list(self.marks)}

    @classmethod
    def from_dict(cls, d: dict) -> "HistoryEntry":
        return cls(datetime.fromisoformat(d["at"]), d["from"], d["to"], d["cause"], tuple(d.get("marks", ())))


@dataclass(frozen=True)
class SaleLine:
    """A cart line frozen onto the invoice: what the receipt and the auditor see."""

    sku: str
    names: dict[str, str]
    unit: str
    quantity_milli: int
    unit_price_tiyn: int
    gross_tiyn: int
    discount_tiyn: int  # the line's own discount plus its share of the order discount
    total_tiyn: int
    vat_rate_bp: int

    def name(self, language: str) -> str:
        for lang in (language, "ru", "en", "kk"):
            if self.names.get(lang):
                return self.names[lang]
        return self.sku

    def to_dict(self) -> dict:
        return dict(self.__dict__)

    @classmethod
    def from_dict(cls, d: dict) -> "SaleLine":
        return cls(**d)


@dataclass(frozen=True)
class Payment:
    """One transaction paying the invoice address, as last observed."""

    txid: str
    amount_sat: int
    height: int | None = None  # None while unconfirmed
    rbf: bool = False

    def confirmations(self, tip: int) -> int:
        return 0 if self.height is None else max(0, tip - self.height + 1)

    def to_dict(self) -> dict:
        return dict(self.__dict__)

    @classmethod
    def from_dict(cls, d: dict) -> "Payment":
        return cls(**d)


@dataclass(frozen=True)
class Invoice:
    id: str
    terminal_id: str
    seq: int
    created_at: datetime
    expires_at: datetime
    monitor_until: datetime
    lines: tuple[SaleLine, ...]
    total_tiyn: int
    discount_tiyn: int
    vat: dict[int, int]
    rate: Rate
    amount_sat: int
    network: str
    address: str
    address_index: int
    uri: str
    cashier: str = ""
    state: State = NEW
    marks: frozenset[Mark] = frozenset()
    payments: tuple[Payment, ...] = ()
    tip_height: int = 0
    history: tuple[HistoryEntry, ...] = field(default=())
    handed_over_at: datetime | None = None  # when the till let the customer go
    lost_acknowledged: bool = False  # a manager has seen the lost-after-hand-over alert
    vanished: dict[str, int] = field(default_factory=dict)  # txid -> times it disappeared

    # ---- derived figures -------------------------------------------------
    def counts(self, payment: Payment) -> bool:
        """Whether a payment counts: confirmed, or never vanished (and not too many others did)."""
        if payment.height is not None:
            return True
        return payment.txid not in self.vanished and len(self.vanished) < MAX_VANISHED_TXIDS

    @property
    def counted_payments(self) -> tuple[Payment, ...]:
        return tuple(p for p in self.payments if self.counts(p))

    def vanish(self, txids: list[str]) -> "Invoice":
        """These transactions disappeared once more (counted within the bounds)."""
        vanished = dict(self.vanished)
        for txid in txids:
            if txid in vanished or len(vanished) < MAX_VANISHED_TXIDS:
                vanished[txid] = min(vanished.get(txid, 0) + 1, MAX_VANISHED_COUNT)
        return replace(self, vanished=vanished)

    @property
    def received_sat(self) -> int:
        return sum(p.amount_sat for p in self.counted_payments)

    @property
    def remainder_sat(self) -> int:
        return max(0, self.amount_sat - self.received_sat)

    @property
    def confirmations(self) -> int:
        """The confirmations the invoice's amount has (see covering_confirmations)."""
        return self.covering_confirmations(self.amount_sat)

    def covering_confirmations(self, target_sat: int) -> int:
        """The most confirmations k such that payments with at least k confirmations add up to `target_sat`.

        Most-confirmed payments count first, so a stranger's unconfirmed extra (dust) cannot
        hold back an amount that is paid and confirmed. When even every payment together
        falls short, the least-confirmed payment's count: the invoice is only as safe as that.
        """
        ranked = sorted(((p.confirmations(self.tip_height), p.amount_sat) for p in self.counted_payments),
                        reverse=True)
        if not ranked:
            return 0
        total = 0
        for count, amount in ranked:
            total += amount
            if total >= target_sat:
                return count
        return ranked[-1][0]

    @property
    def handed_over(self) -> bool:
        return self.handed_over_at is not None

    @property
    def awaiting_settlement(self) -> bool:
        """Handed over, not settled yet: money the shop does not hold yet (the payment seen, or
        handed over unverified and not seen yet)."""
        if not self.handed_over or LOST_AFTER_HANDOVER in self.marks:
            return False
        return self.state == PROCESSING or (self.state == NEW and UNVERIFIED in self.marks)

    @property
    def alert_open(self) -> bool:
        """A payment lost after hand-over that no manager has acknowledged yet."""
        return LOST_AFTER_HANDOVER in self.marks and not self.lost_acknowledged

    def needs_watching(self, now: datetime) -> bool:
        """Open invoices, and expired or cancelled ones until the monitoring window ends (late payments)."""
        return self.state in WATCHED and (self.state not in WATCHED_UNTIL_MONITORING_ENDS or now < self.monitor_until)

    @property
    def final(self) -> bool:
        return not TRANSITIONS[self.state]

    # ---- lifecycle -------------------------------------------------------
    def transition(self, to_state: State, cause: str, at: datetime | None = None) -> "Invoice":
        if to_state not in TRANSITIONS.get(self.state, ()):
            raise IllegalTransition(f"invoice {self.id}: {self.state} -> {to_state} is not allowed")
        return self._record(to_state, self.marks, cause, at)

    def with_marks(self, marks: frozenset[Mark], cause: str, at: datetime | None = None) -> "Invoice":
        unknown = set(marks) - set(MARKS)
        if unknown:
            raise IllegalTransition(f"invoice {self.id}: unknown mark(s) {sorted(unknown)}")
        if marks == self.marks:
            return self
        return self._record(self.state, frozenset(marks), cause, at)

    def note(self, cause: str, at: datetime | None = None) -> "Invoice":
        """An event worth keeping (an alert) that changes neither state nor marks."""
        return self._record(self.state, self.marks, cause, at)

    def cancel(self, cause: str = "cancelled by the cashier", at: datetime | None = None) -> "Invoice":
        if self.payments:
            raise IllegalTransition(f"invoice {self.id}: a payment was seen, it cannot be cancelled")
        return self.transition(CANCELLED, cause, at)

    def hand_over(self, cause: str, at: datetime | None = None) -> "Invoice":
        """The customer may go: recorded once, in the history, whatever happens after."""
        if self.handed_over:
            return self
        handed = self._record(self.state, self.marks, cause, at)
        return replace(handed, handed_over_at=handed.history[-1].at)

    def hand_over_unverified(self, who: str, at: datetime | None = None) -> "Invoice":
        """The customer goes although the chain cannot be read: on `who`'s authority, watched as before."""
        if self.state != NEW or self.handed_over:
            raise IllegalTransition(f"invoice {self.id}: only an open invoice not yet handed over can be handed "
                                    "over unverified")
        marked = self.with_marks(self.marks | {UNVERIFIED}, f"handed over UNVERIFIED by {who}: the chain could "
                                 "not be read; the payment is checked when it can", at)
        return replace(marked, handed_over_at=marked.history[-1].at)

    def lose_after_handover(self, cause: str, at: datetime | None = None) -> "Invoice":
        """The payment the customer left on is gone: a mark for follow-up and a new alert."""
        lost = self._record(self.state, self.marks | {LOST_AFTER_HANDOVER}, cause, at)
        return replace(lost, lost_acknowledged=False)

    def acknowledge_lost(self, who: str, at: datetime | None = None) -> "Invoice":
        if not self.alert_open:
            raise IllegalTransition(f"invoice {self.id}: no lost payment to acknowledge")
        return replace(self.note(f"lost payment acknowledged by {who}", at), lost_acknowledged=True)

    def close_refund_owed(self, who: str, at: datetime | None = None) -> "Invoice":
        """An underpaid invoice the customer will not top up: closed, what was paid is owed back."""
        if self.state != NEW or not self.payments:
            raise IllegalTransition(f"invoice {self.id}: only an underpaid open invoice can be closed as refund owed")
        closed = self.transition(INVALID, f"underpaid ({self.received_sat} of {self.amount_sat} sat): closed by "
                                          f"{who}, refund owed", at)
        return closed.with_marks(closed.marks | {REFUND_OWED}, "refund owed to the customer", at)

    def _record(self, state: State, marks: frozenset[Mark], cause: str, at: datetime | None) -> "Invoice":
        at = at or utcnow()
        if at.tzinfo is None:
            raise ValueError("history times must be timezone-aware (UTC)")
        entry = HistoryEntry(at.astimezone(timezone.utc), self.state, state, cause, tuple(sorted(marks)))
        return replace(self, state=state, marks=marks, history=self.history + (entry,))

    # ---- storage ---------------------------------------------------------
    def to_dict(self) -> dict:
        return {
            "id": self.id, "terminal_id": self.terminal_id, "seq": self.seq,
            "created_at": self.created_at.isoformat(), "expires_at": self.expires_at.isoformat(),
            "monitor_until": self.monitor_until.isoformat(),
            "lines": [l.to_dict() for l in self.lines],
            "total_tiyn": self.total_tiyn, "discount_tiyn": self.discount_tiyn,
            "vat": {str(k): v for k, v in self.vat.items()},
            "rate": self.rate.to_dict(), "amount_sat": self.amount_sat, "network": self.network,
            "address": self.address, "address_index": self.address_index, "uri": self.uri,
            "cashier": self.cashier, "state": self.state, "marks": sorted(self.marks),
            "payments": [p.to_dict() for p in self.payments], "tip_height": self.tip_height,
            "history": [h.to_dict() for h in self.history],
            "handed_over_at": self.handed_over_at.isoformat() if self.handed_over_at else None,
            "lost_acknowledged": self.lost_acknowledged, "vanished": dict(self.vanished),
        }

    @classmethod
    def from_dict(cls, d: dict) -> "Invoice":
        return cls(
            id=d["id"], terminal_id=d["terminal_id"], seq=int(d["seq"]),
            created_at=datetime.fromisoformat(d["created_at"]),
            expires_at=datetime.fromisoformat(d["expires_at"]),
            monitor_until=datetime.fromisoformat(d["monitor_until"]),
            lines=tuple(SaleLine.from_dict(l) for l in d["lines"]),
            total_tiyn=int(d["total_tiyn"]), discount_tiyn=int(d["discount_tiyn"]),
            vat={int(k): int(v) for k, v in d["vat"].items()},
            rate=Rate.from_dict(d["rate"]), amount_sat=int(d["amount_sat"]), network=d["network"],
            address=d["address"], address_index=int(d["address_index"]), uri=d["uri"],
            cashier=d.get("cashier", ""), state=d["state"], marks=frozenset(d.get("marks", ())),
            payments=tuple(Payment.from_dict(p) for p in d.get("payments", ())),
            tip_height=int(d.get("tip_height", 0)),
            history=tuple(HistoryEntry.from_dict(h) for h in d.get("history", ())),
            handed_over_at=datetime.fromisoformat(d["handed_over_at"]) if d.get("handed_over_at") else None,
            lost_acknowledged=bool(d.get("lost_acknowledged", False)),
            vanished={str(k): int(v) for k, v in d.get("vanished", {}).items()},
        )


def sale_lines(totals: Totals) -> tuple[SaleLine, ...]:
    """Freeze computed cart totals into invoice lines (VAT rate per line from the totals' classes)."""
    return tuple(
        SaleLine(
            sku=t.line.product.sku, names=dict(t.line.product.names), unit=t.line.product.unit,
            quantity_milli=t.line.quantity_milli, unit_price_tiyn=t.line.product.price_tiyn,
            gross_tiyn=t.line.gross, discount_tiyn=t.line.discount_tiyn + t.order_discount_tiyn,
            total_tiyn=t.total, vat_rate_bp=t.vat_rate_bp,
        )
        for t in totals.lines
    )


def new_invoice(
    *, terminal_id: str, seq: int, totals: Totals, rate: Rate, network: str, address: str,
    address_index: int, uri: str, amount_sat: int, expiry: timedelta, monitoring: timedelta,
    cashier: str = "", now: datetime | None = None,
) -> Invoice:
    now = now or utcnow()
    inv = Invoice(
        id=invoice_id(terminal_id, seq), terminal_id=terminal_id, seq=seq, created_at=now,
        expires_at=now + expiry, monitor_until=now + expiry + monitoring,
        lines=sale_lines(totals), total_tiyn=totals.total,
        discount_tiyn=totals.line_discounts + totals.order_discount, vat=dict(totals.vat),
        rate=rate, amount_sat=amount_sat, network=network, address=address,
        address_index=address_index, uri=uri, cashier=cashier,
    )
    entry = HistoryEntry(now, "", NEW, "created", ())
    return replace(inv, history=(entry,))
