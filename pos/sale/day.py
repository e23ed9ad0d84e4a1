"""The shop's day: who is at the till, the shift, sales paid in cash, by card or split, X and Z.

Plain Python beside the Till (pos.sale.till), which keeps the Bitcoin sale flow; the screens
and headless mode call this and listen to its events (DayEvent, `subscribe`), as they do the
Till's. Refunds are pos.sale.refunds.

Roles (pos.core.cashier): anyone signed in with their own PIN opens a shift, sells and
refunds up to [shift] cashier_refund_max_kzt; a manager also settles late payments,
approves larger refunds and closes the shift with the Z report. Every record carries the
cashier of the shift it was made in.

Crash safety: each record is one journaled store operation (pos.store.repository), the
Z report with the shift's closing; a split sale's cash part is kept in a state document before
its invoice is made (the Till charges and shows that invoice as any other) and waits there until
the invoice is handed over or given up, so a restart records it once or gives the cash back.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Callable, TypeVar

from pos.checkout import ChargeError, Checkout
from pos.config import Config
from pos.core.cart import Cart, Totals
from pos.core.cashier import Cashier
from pos.core.invoice import CANCELLED as CANCELLED_STATE, EXPIRED, INVALID, NEW, SETTLED, Invoice
from pos.core.journal import MANAGER, acting
from pos.core.payment import EXPIRED_EVENT, HANDED_OVER
from pos.core.localtime import business_day
from pos.core.ports import Store
from pos.core.refund import Refund
from pos.core.report import X, Z, Report, ReportError, as_sale, compute_report, counts_refund, figures
from pos.core.shift import Shift, ShiftError
from pos.core.tender import (
    BitcoinTender, CardTender, CashTender, Tender, TenderedSale, TenderError, bitcoin_part, tendered_sale,
)
from pos.pin import hash_pin
from pos.sale.pin_guard import PinGuard
from pos.sale.till import CANCELLED, CREATED, REFUND_OWED, Till, TillEvent

# The events of the day (README, "Headless events"), with their data's keys.
SHIFT_OPENED = "shift_opened"  # {shift, cashier}
REPORT_PRINTED = "report_printed"  # {kind: X|Z, number}: the report is made and handed to the printer
REFUND_STATE = "refund_state"  # {refund, invoice, state, txid}
DRAWER_OPEN = "drawer_open"  # {reason}: the cash drawer is to be opened (a cash sale or refund)
SALE_RECORDED = "sale_recorded"  # {sale, total_tiyn, change_tiyn, record: the TenderedSale, kept inside}
SPLIT_VOID = "split_void"  # {sale, invoice, cash_tiyn}: the Bitcoin part was not paid: give the cash part back

#: Split sales' cash parts by sale number, with their invoice once made, kept until it is handed over
#: (or not paid).
SPLIT_STATE = "day.split"
SALE_COUNTER = "sale"
T = TypeVar("T")


def pin_state(name: str) -> str:
    """The state document counting one person's wrong PINs."""
    return f"day.pin_lock.{name}"


def cash_part(split: dict) -> CashTender:
    """The cash part of a split kept in SPLIT_STATE."""
    return CashTender(split["cash"]["amount_tiyn"], split["cash"]["tendered_tiyn"])


class DayError(ChargeError):
    """Something the day's rules refuse (no shift, the wrong role, a refund too large): English for
    the log, a key and fields for the screens, as ChargeError."""


@dataclass(frozen=True)
class DayEvent:
    name: str
    data: dict = field(default_factory=dict)


Listener = Callable[[DayEvent], None]


def sale_id(terminal: str, seq: int) -> str:
    return f"{terminal}-S{seq:06d}"


def add_cashier(store: Store, name: str, role: str, pin: str, at: datetime) -> Cashier:
    """A person and their PIN (kept as a salted scrypt hash), a manager's act; the same name again
    changes them. CashierError for a bad name or role."""
    cashier = Cashier(name, role, hash_pin(pin), at)
    with acting(MANAGER):
        store.save_cashier(cashier)
    return cashier


@dataclass(frozen=True)
class Split:
    """A split sale as the cashier typed it, checked (Day.split): the cash part and the rest, which the
    Till charges in Bitcoin (Day.charge_split)."""

    cash: CashTender
    bitcoin_tiyn: int

    def bitcoin_part(self, totals: Totals) -> Totals:
        """The invoice's share of the sale's totals (pos.core.tender.bitcoin_part)."""
        return bitcoin_part(totals, self.bitcoin_tiyn)


class Day:
    def __init__(self, *, store: Store, checkout: Checkout, config: Config, clock: Callable[[], datetime],
                 tr: Callable[..., str]) -> None:
        self._store, self._checkout, self._config, self._clock, self._tr = store, checkout, config, clock, tr
        self._listeners: list[Listener] = []
        self._fiscal = config.fiscal.provider != "none"  # each sale queues its fiscal receipt (pos.sale.fiscal_sender)
        self.cashier: Cashier | None = None  # who signed in to the shift open at the till
        self._till: Till | None = None  # the till followed: it charges a split's Bitcoin part

    # ---- events ------------------------------------------------------------------------
    def subscribe(self, listener: Listener) -> None:
        self._listeners.append(listener)

    def publish(self, name: str, **data: object) -> None:
        event = DayEvent(name, data)
        for listener in list(self._listeners):
            listener(event)

    # ---- people ------------------------------------------------------------------------
    def add_cashier(self, name: str, role: str, pin: str) -> Cashier:
        return add_cashier(self._store, name, role, pin, self._clock())

    def people(self) -> list[Cashier]:
        """Who works the till, by name."""
        return sorted(self._store.cashiers(), key=lambda c: c.name)

    def sign_in(self, name: str, pin: str) -> Cashier:
        """The person, if the PIN is theirs; DayError otherwise, with the lockout growing as the
        manager PIN's does. An unknown name is refused as a wrong PIN is."""
        cashier = next((c for c in self._store.cashiers() if c.name == name), None)
        if cashier is None:  # no count kept for names nobody has: they would fill the store
            raise DayError(f"{name}: PIN refused", "day.pin_refused", reason=self._tr("pin.wrong", left="?"))
        guard = PinGuard(self._store, self._config.ui, self._clock, self._tr, state_key=pin_state(name),
                         pin_hash=cashier.pin_hash)
        accepted, message = guard.check(pin)
        if not accepted:
            raise DayError(f"{name}: PIN refused", "day.pin_refused", reason=message)
        return cashier

    def manager(self, who: Cashier | None, what: str) -> Cashier:
        """`who` if a manager; DayError naming `what` a manager must do otherwise."""
        if who is None or not who.is_manager:
            raise DayError(f"{what}: a manager's PIN is needed", "day.manager_needed", what=what)
        return who

    # ---- the shift ---------------------------------------------------------------------
    @property
    def shift(self) -> Shift | None:
        return self._store.current_shift()

    def open_shift(self, cashier: Cashier, opening_float_tiyn: int) -> Shift:
        """DayError while another shift is open (close it with its Z first)."""
        try:
            shift = self._store.open_shift(cashier.name, opening_float_tiyn, self._clock())
        except ShiftError as exc:
            raise DayError(str(exc), "day.shift_open") from None
        self.cashier = cashier
        self.publish(SHIFT_OPENED, shift=shift.number, cashier=cashier.name)
        return shift

    def continue_shift(self, cashier: Cashier) -> Shift:
        """After a restart or a change of cashier: the open shift goes on, its records made by `cashier`."""
        shift = self.shift
        if shift is None:
            raise DayError("no shift is open: open one with a cashier's PIN and the float", "day.no_shift")
        self.cashier = cashier
        return shift

    def open_now(self) -> tuple[Shift, Cashier]:
        """The open shift and who is at the till; DayError if none."""
        shift = self.shift
        if shift is None or self.cashier is None:
            raise DayError("no shift is open: open one with a cashier's PIN and the float", "day.no_shift")
        return shift, self.cashier

    # ---- sales -------------------------------------------------------------------------
    def cash_sale(self, cart: Cart, tendered_tiyn: int) -> TenderedSale:
        """The cart paid in cash: recorded with the change, and the drawer opened."""
        total = self._total(cart)
        sale = self._record(cart, (self._tender(lambda: CashTender(total, tendered_tiyn)),))
        self.publish(DRAWER_OPEN, reason="cash sale", sale=sale.id)
        return sale

    def card_sale(self, cart: Cart, approval_code: str) -> TenderedSale:
        """The cart paid on the bank terminal, recorded with the approval code from its slip."""
        total = self._total(cart)
        return self._record(cart, (self._tender(lambda: CardTender(total, approval_code)),))

    def split(self, cart: Cart, cash_tiyn: int, tendered_tiyn: int) -> Split:
        """`cash_tiyn` of the cart in cash (`tendered_tiyn` handed over), the rest in Bitcoin: checked on
        the event loop before the charge (DayError if a part is refused); nothing is kept yet."""
        total = self._total(cart)
        split = Split(self._tender(lambda: CashTender(cash_tiyn, tendered_tiyn)), total - cash_tiyn)
        self._tender(lambda: split.bitcoin_part(cart.totals()))  # refused before an address is taken
        return split

    def charge_split(self, cart: Cart, split: Split) -> Invoice:
        """Blocking, in the worker that charges: the split's Bitcoin part charged by the Till this day
        follows, for the app to show as any invoice (Till.show, then Till.charged).

        The cash part is kept in the store under the sale's number before the invoice is made, and
        linked to it before the app can show it: a stop in between leaves a split with no invoice,
        which `follow` gives back at the next start. A refused charge forgets it at once."""
        if self._till is None:
            raise DayError("a split is charged by the till the day follows: call follow(till) first",
                           "day.tender_refused", reason="no till")
        shift, cashier = self.open_now()
        number = sale_id(self._config.terminal.id, self._store.next_counter(SALE_COUNTER))
        waiting = {"cart": cart.to_dict(), "cash": split.cash.to_dict(), "shift": shift.number,
                   "cashier": cashier.name, "invoice": ""}
        self._keep_split(number, waiting)
        try:
            invoice = self._till.charge(cart, split.bitcoin_part, cashier.name)
        except Exception:
            self._forget_split(number)
            raise
        self._keep_split(number, {**waiting, "invoice": invoice.id})
        return invoice

    def split_cash(self, invoice: Invoice) -> CashTender | None:
        """The cash part of the split sale `invoice` is the Bitcoin part of, waiting or recorded (the
        Charge and Done screens say it); None for a sale paid in Bitcoin alone."""
        waiting = self._split_of(invoice.id)
        if waiting is not None:
            return cash_part(waiting[1])
        days = {business_day(invoice.created_at), business_day(invoice.handed_over_at or self._clock())}
        return next((tender for day in sorted(days) for sale in self._store.sales_for_day(day)
                     if invoice.id in sale.invoice_ids for tender in sale.tenders
                     if isinstance(tender, CashTender)), None)

    def follow(self, till: Till) -> None:
        """Record split sales as the Till hands their invoices over (or gives the cash back when it
        gives them up), and catch up on what happened to them while the terminal was stopped: a split
        whose invoice was never made, or made and never shown, gives its cash back now."""
        till.subscribe(self._on_till_event)
        self._till = till
        for number, split in list(self._waiting_splits().items()):
            invoice = self._store.get_invoice(split["invoice"]) if split["invoice"] else None
            if invoice is not None and (invoice.handed_over or invoice.state == SETTLED):
                self._record_split(number, invoice)
            elif invoice is None or invoice.state in (CANCELLED_STATE, EXPIRED, INVALID):
                self._void_split(number)
            elif invoice.state == NEW and not invoice.payments and till.on_screen_id is None:
                till.cancel(invoice.id)  # never shown: its CANCELLED event gives the cash back
        if self._fiscal:
            self._queue_bitcoin_sales()

    def _queue_bitcoin_sales(self) -> None:
        """Bitcoin-only sales handed over while the terminal was stopping (after the Till's record,
        before their receipt was queued) get it now; queue_fiscal keeps one per sale."""
        shift = self.shift
        if shift is None:
            return
        invoices, sales, _ = self.records_of(shift)
        split = {invoice_id for sale in sales for invoice_id in sale.invoice_ids}
        for invoice in invoices:
            if invoice.handed_over and invoice.id not in split:
                self._store.queue_fiscal(as_sale(invoice))

    def _on_till_event(self, event: TillEvent) -> None:
        split = self._split_of(event.invoice.id)
        if event.name == CREATED and split is not None:  # on screen: the cash part goes in the drawer
            self.publish(DRAWER_OPEN, reason="split sale", sale=split[0], invoice=event.invoice.id)
        elif event.name == HANDED_OVER:
            if split is not None:
                self._record_split(split[0], event.invoice)
            elif self._fiscal:
                self._store.queue_fiscal(as_sale(event.invoice))  # a sale paid in Bitcoin alone
        elif event.name in (CANCELLED, EXPIRED_EVENT, REFUND_OWED) and split is not None:
            self._void_split(split[0])

    def _record_split(self, number: str, invoice: Invoice) -> TenderedSale:
        """The split's invoice was handed over: the whole sale recorded, once. Its number was taken at
        the charge, so a stop between the record and forgetting the split finds it stored."""
        split = self._waiting_splits()[number]
        cart = self._checkout.new_cart()
        cart.restore(split["cart"])
        cash = cash_part(split)
        sale = tendered_sale(id=number, terminal_id=self._config.terminal.id, cashier=split["cashier"],
                             at=self._clock(), totals=cart.totals(), shift=split["shift"],
                             tenders=(cash, BitcoinTender(invoice.total_tiyn, invoice.id)))
        try:
            self._store.save_sale(sale, fiscal=self._fiscal)
        except ValueError:
            pass  # recorded before a stop; the split was not yet forgotten
        self._forget_split(number)
        self.publish(SALE_RECORDED, sale=sale.id, total_tiyn=sale.total_tiyn, change_tiyn=cash.change_tiyn,
                     record=sale)
        return sale

    def _void_split(self, number: str) -> None:
        """The split's invoice was cancelled, expired or never made: nothing is sold, the cash goes back."""
        split = self._waiting_splits()[number]
        self._forget_split(number)
        self.publish(SPLIT_VOID, sale=number, invoice=split["invoice"], cash_tiyn=split["cash"]["amount_tiyn"])
        self.publish(DRAWER_OPEN, reason="split cash back", sale=number, invoice=split["invoice"])

    def _waiting_splits(self) -> dict[str, dict]:
        """Split sales not yet recorded nor given back, by sale number (SPLIT_STATE)."""
        return (self._store.get_state(SPLIT_STATE) or {}).get("sales", {})

    def _split_of(self, invoice_id: str) -> tuple[str, dict] | None:
        return next(((number, split) for number, split in self._waiting_splits().items()
                     if split["invoice"] == invoice_id), None)

    def _keep_split(self, number: str, split: dict) -> None:
        self._store.put_state(SPLIT_STATE, {"sales": {**self._waiting_splits(), number: split}})

    def _forget_split(self, number: str) -> None:
        waiting = {n: split for n, split in self._waiting_splits().items() if n != number}
        self._store.put_state(SPLIT_STATE, {"sales": waiting} if waiting else None)

    def _total(self, cart: Cart) -> int:
        self.open_now()
        if not cart.lines:
            raise DayError("the cart is empty", "reason.cart_empty")
        return cart.totals().total

    @staticmethod
    def _tender(build: Callable[[], T]) -> T:
        """What `build` makes of a tender (or of the Bitcoin part of a split); DayError if refused."""
        try:
            return build()
        except TenderError as exc:
            raise DayError(str(exc), "day.tender_refused", reason=str(exc)) from None

    def _record(self, cart: Cart, tenders: tuple[Tender, ...]) -> TenderedSale:
        shift, cashier = self.open_now()
        seq = self._store.next_counter(SALE_COUNTER)
        terminal = self._config.terminal.id
        sale = tendered_sale(id=sale_id(terminal, seq), terminal_id=terminal, cashier=cashier.name,
                             at=self._clock(), totals=cart.totals(), tenders=tenders, shift=shift.number)
        self._store.save_sale(sale, fiscal=self._fiscal)
        change = sum(t.change_tiyn for t in tenders if isinstance(t, CashTender))
        self.publish(SALE_RECORDED, sale=sale.id, total_tiyn=sale.total_tiyn, change_tiyn=change, record=sale)
        return sale

    # ---- records of a shift -----------------------------------------------------------
    def days_of(self, shift: Shift) -> list[date]:
        """The business days a shift spans (a night shift spans two)."""
        first, last = business_day(shift.opened_at), business_day(shift.closed_at or self._clock())
        return [first + timedelta(days=n) for n in range((last - first).days + 1)]

    def records_of(self, shift: Shift) -> tuple[list[Invoice], list[TenderedSale], list[Refund]]:
        """The invoices created during the shift, its sale records, and the refunds its report counts
        (pos.core.report.counts_refund): those done since the shift before closed - a Bitcoin refund
        asked for earlier and paid now too - and those asked for in it still waiting for the chain.
        A refund done is filed by the day it was done, so the days since that close are read."""
        days = self.days_of(shift)
        end = shift.closed_at or self._clock()
        invoices = [inv for day in days for inv in self._store.invoices_for_day(day)
                    if shift.opened_at <= inv.created_at <= end]
        sales = [s for day in days for s in self._store.sales_for_day(day) if s.shift == shift.number]
        since = max((s.closed_at for s in self._store.shifts() if s.number < shift.number and s.closed_at),
                    default=None)
        first = days[0] if since is None else min(days[0], business_day(since))
        refund_days = [first + timedelta(days=n) for n in range((days[-1] - first).days + 1)]
        refunds = [r for day in refund_days for r in self._store.refunds_for_day(day)
                   if counts_refund(r, shift.number, since, end)]
        return invoices, sales, refunds

    # ---- X and Z -----------------------------------------------------------------------
    def x_report(self) -> Report:
        """The open shift's figures now: changes no record (the journal notes it was printed)."""
        shift, _ = self.open_now()
        invoices, sales, refunds = self.records_of(shift)
        report = compute_report(X, shift, invoices=invoices, sales=sales, refunds=refunds, at=self._clock())
        self._store.record(REPORT_PRINTED, {"kind": X, "shift": shift.number, "net_tiyn": report.net_tiyn})
        self.publish(REPORT_PRINTED, kind=X, number=0)
        return report

    def z_report(self, manager: Cashier | None, counted_cash_tiyn: int) -> Report:
        """A manager closes the shift with the drawer counted: the Z, numbered by the store, which
        refuses a second Z for the shift. The returned report carries the Z's number; the Z record
        (store.z_reports) carries the journal head its paper prints."""
        approver = self.manager(manager, "closing the shift with Z")
        shift, _ = self.open_now()
        at = self._clock()
        try:
            closed = shift.close(counted_cash_tiyn=counted_cash_tiyn, at=at, by=approver.name)
            invoices, sales, refunds = self.records_of(closed)
            report = compute_report(Z, closed, invoices=invoices, sales=sales, refunds=refunds, at=at)
            with acting(MANAGER):
                z = self._store.close_shift(closed, figures(report))
        except (ShiftError, ReportError) as exc:
            raise DayError(str(exc), "day.z_refused", reason=str(exc)) from None
        self.cashier = None
        self.publish(REPORT_PRINTED, kind=Z, number=z.number)
        return replace(report, number=z.number)
