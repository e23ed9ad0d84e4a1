"""The small interfaces through which the core meets the outside world.

Concrete adapters (TinyDB store, bitcoinlib backend, HTTP rate sources, printer
drivers) implement these; only the composition root (pos.cli / pos.app_services)
knows which one is in use, and tests pass in others.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal, Protocol

from pos.core.cashier import Cashier
from pos.core.fiscal import FiscalJob
from pos.core.invoice import Invoice, Payment
from pos.core.journal import Head
from pos.core.money import Rate
from pos.core.refund import Refund
from pos.core.report import ZRecord
from pos.core.shift import Shift
from pos.core.tender import TenderedSale


class StoreError(Exception):
    """The store cannot be opened or written; the message says what and where."""


@dataclass(frozen=True)
class PrintJob:
    """A receipt waiting for the printer; kept in the store until it has printed once.

    An invoice's slip names its invoice; a sale's (cash, card, split) carries the sale record
    itself, as its FiscalJob does, so printing it needs nothing else. A job stored before
    sales printed (no "sale") is an invoice's, as it always was. A return's fiscal receipt
    carries its refund and the sale refunded (`refund`, `sale`, `fiscal`).
    """

    id: str
    invoice_id: str  # "" for a sale's slip
    created_at: datetime
    copy: bool = False
    attempts: int = 0
    last_error: str = ""
    # Taken when the job is queued, so a retry or a COPY prints the same number.
    receipt_no: int = 0
    # Saved just before the bytes go to the printer: a job found so after a restart may be on
    # paper already, so it is never printed again by itself (pos.printing).
    sending: bool = False
    sale: TenderedSale | None = None
    # The sale's fiscal receipt, printed once the register has registered the sale (its slip
    # went out before that: a sale never waits for the register).
    fiscal: bool = False
    # A refund's fiscal return receipt (with `fiscal`): printed once the register has registered the return.
    refund: Refund | None = None

    @property
    def document(self) -> str:
        """The invoice, sale or refund the receipt is for."""
        if self.refund is not None:
            return self.refund.id
        return self.sale.id if self.sale is not None else self.invoice_id

    def to_dict(self) -> dict:
        d = {"id": self.id, "invoice_id": self.invoice_id, "created_at": self.created_at.isoformat(),
             "copy": self.copy, "attempts": self.attempts, "last_error": self.last_error,
             "receipt_no": self.receipt_no, "sending": self.sending}
        if self.sale is not None:
            d |= {"sale": self.sale.to_dict(), "fiscal": self.fiscal}
        if self.refund is not None:
            d["refund"] = self.refund.to_dict()
        return d

    @classmethod
    def from_dict(cls, d: dict) -> "PrintJob":
        sale, refund = d.get("sale"), d.get("refund")
        return cls(d["id"], d["invoice_id"], datetime.fromisoformat(d["created_at"]), bool(d.get("copy")),
                   int(d.get("attempts", 0)), str(d.get("last_error", "")), int(d.get("receipt_no", 0)),
                   bool(d.get("sending", False)), None if sale is None else TenderedSale.from_dict(sale),
                   bool(d.get("fiscal", False)), None if refund is None else Refund.from_dict(refund))


class Store(Protocol):
    """Everything the terminal keeps. Each call is one all-or-nothing, durable write."""

    def next_counter(self, name: str) -> int:
        """The next value of a named counter (1, 2, ...), saved before it is returned."""

    def save_invoice(self, invoice: Invoice) -> None: ...

    def get_invoice(self, invoice_id: str) -> Invoice | None: ...

    def open_invoices(self) -> list[Invoice]:
        """Invoices the watcher may still need (new, processing, expired within monitoring)."""

    def invoices_for_day(self, day: date) -> list[Invoice]:
        """Invoices created on a business day (Asia/Almaty), oldest first."""

    def get_state(self, key: str) -> dict | None:
        """Small named documents: the sale in progress, the manual rate, settings."""

    def put_state(self, key: str, value: dict | None) -> None: ...

    def enqueue_print(self, *jobs: PrintJob) -> None:
        """Queue the jobs in one write: a stop never leaves some of them queued and not the others."""

    def pending_prints(self) -> list[PrintJob]: ...

    def update_print(self, job: PrintJob) -> None: ...

    def finish_print(self, job_id: str) -> None: ...

    # The day's records (pos.sale.day): each write is one journaled operation.
    def save_cashier(self, cashier: Cashier) -> None:
        """Adds a person or changes one (the name is the key); ValueError past MAX_CASHIERS."""

    def cashiers(self) -> list[Cashier]: ...

    def open_shift(self, cashier: str, opening_float_tiyn: int, at: datetime) -> Shift:
        """The next shift, numbered in the same write; ShiftError while another is open."""

    def current_shift(self) -> Shift | None: ...

    def shifts(self) -> list[Shift]: ...

    def close_shift(self, closed: Shift, figures: dict[str, int]) -> ZRecord:
        """The shift closed with its Z (numbered, with the journal head before it) in one write;
        ShiftError when the stored shift is closed or has its Z already."""

    def z_reports(self) -> list[ZRecord]: ...

    def save_sale(self, sale: TenderedSale, fiscal: bool = False) -> None:
        """ValueError if a sale of that id is stored already: sale records are written once.
        `fiscal`: its fiscal receipt is queued in the same write."""

    def queue_fiscal(self, sale: TenderedSale) -> None:
        """Queue the fiscal receipt of a sale recorded as an invoice (Bitcoin alone); once."""

    def pending_fiscal(self) -> list[FiscalJob]:
        """Fiscal receipts waiting to be registered, oldest first."""

    def save_fiscal(self, job: FiscalJob) -> None:
        """A fiscal receipt's new state (done: out of the queue)."""

    def fiscal_job(self, record: TenderedSale | Refund) -> FiscalJob | None:
        """The fiscal receipt of a sale, or the return of a refund; None if none was queued."""

    def sales_for_day(self, day: date) -> list[TenderedSale]: ...

    def save_refunds(self, refunds: list[Refund], *, fiscal_of: TenderedSale | None = None) -> None:
        """Refunds of one action (each tender of a split) in one write. `fiscal_of`: the sale refunded,
        when its returns are fiscal receipts: queued in the same write (a Bitcoin refund's return is due
        when the refund is saved done, which needs no `fiscal_of`)."""

    def requested_refunds(self) -> list[Refund]:
        """Bitcoin refunds not yet seen paid: what the chain is watched for."""

    def refunds_for_day(self, day: date) -> list[Refund]:
        """Refunds done on the day (a Bitcoin one: its payment seen), and those requested on the day
        still waiting."""

    def journal_head(self) -> Head:
        """Where the tamper-evident journal ends (seq, hash): a Z report prints it (pos.core.journal)."""

    def record(self, kind: str, data: dict) -> None:
        """Journal something that changes no record (a report printed, ...)."""

    def journal_start(self, terminal: str, configuration: dict) -> None:
        """Journal a start and the configuration that matters; entries carry `terminal` from then on."""

    def close(self) -> None: ...


class ChainUnavailable(Exception):
    """The chain could not be read this time: 'unknown', never 'nothing received'."""


class ChainBackend(Protocol):
    """Blocking calls; the watcher runs them off the UI's event loop with a deadline."""

    def tip_height(self) -> int: ...

    def payments_to(self, address: str) -> tuple[Payment, ...]:
        """Every transaction paying the address, summed per txid; height None while unconfirmed."""


class RateUnavailable(Exception):
    """No usable quote: every source failed, or the quote is too old."""


class RateSource(Protocol):
    name: str

    def quote(self) -> Rate: ...


#: The chain backend at the last poll: fully answered, the tip read but not every address, not even the tip.
BackendState = Literal["online", "degraded", "offline"]
PrinterState = Literal["ok", "problem", "unknown"]


@dataclass(frozen=True)
class BackendStatus:
    state: BackendState
    height: int = 0
    last_good_poll: datetime | None = None
    detail: str = ""  # English, for the log; the screens say `watched` in the cashier's language
    watched: int = 0  # invoices watched at the last good poll


@dataclass(frozen=True)
class PrinterStatus:
    """Tri-state: ok True / problem False / unknown None (no answer is never 'paper ok').

    `warnings` (e.g. paper near end) never stop printing: the printer still prints,
    and holding a printed receipt back would print it twice.
    """

    ok: bool | None
    problems: tuple[str, ...] = field(default=())
    detail: str = ""
    warnings: tuple[str, ...] = field(default=())

    @property
    def state(self) -> PrinterState:
        return "ok" if self.ok else "unknown" if self.ok is None else "problem"
