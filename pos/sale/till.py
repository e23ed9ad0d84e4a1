"""The till: the sale flow, in plain Python, between the core's rules and the screens.

It owns the current sale (the cart, saved on every change so a power cut resumes it),
the invoice on the Charge screen, and what happens to every invoice afterwards: the
watcher's polls come back here, and the till turns each saved change into named events
(pos.core.payment.events_between: handed over, settled, payment lost, paid late,
overpaid, underpaid, expired) that the UI and headless mode subscribe to. Hand-over
and settlement are decided by the core's evaluate() alone; the till only announces
them, ends the sale on screen when its invoice is handed over, and keeps the tallies
the status bar shows (handed-over invoices awaiting settlement, open alerts).

Blocking calls (charge, poll, poll_on_screen) run in the UI's thread workers; every
other method runs on the UI's event loop, which is also where listeners are called.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, Callable

from pos.checkout import ChargeError, Checkout
from pos.config import Chain
from pos.core.cart import Cart, Totals
from pos.core.catalog import Catalog
from pos.core.invoice import NEW, PROCESSING, SETTLED, IllegalTransition, Invoice
from pos.core.journal import MANAGER, acting
from pos.core.money import Rate
from pos.core.payment import (  # the core's event names, announced by the till as they are
    EXPIRED_EVENT, HANDED_OVER, INVALID_EVENT, OVERPAID, PAID_LATE_EVENT, PAYMENT_LOST, SETTLED_EVENT, UNDERPAID,
    Policy, events_between, required_confirmations, unverified_handover_allowed, unverified_not_found,
)
from pos.core.ports import BackendStatus, Store, StoreError

if TYPE_CHECKING:  # the watcher's module brings the chain adapter: off the start-up path
    from pos.chain.watcher import WatchReport, Watcher

log = logging.getLogger(__name__)

# Store state documents: the sale in progress, the invoice on screen, unacknowledged alerts,
# the language chosen on the Manager screen (PIN failures: pos.sale.pin_guard).
SALE_STATE, CHARGE_STATE, ALERT_STATE, LANGUAGE_STATE = "ui.sale", "ui.charge", "till.alerts", "ui.language"
#: The journal record of the price list version a sale was rung up with (the fleet's, pos.fleet.prices).
CATALOG_USED = "catalog_used"

#: The core's names for what happened to an invoice (pos.core.payment.events_between).
INVOICE_EVENTS = (HANDED_OVER, SETTLED_EVENT, PAYMENT_LOST, PAID_LATE_EVENT, OVERPAID, UNDERPAID, EXPIRED_EVENT,
                  INVALID_EVENT)
# Events besides the core's: every saved change, and the till's own.
CHANGED, CREATED, CANCELLED, REFUND_OWED, ACKNOWLEDGED, FOLLOWED_UP = (
    "changed", "created", "cancelled", "refund_owed", "acknowledged", "followed_up")

#: A quick look at the on-screen invoice is never more often than this with public providers,
#: which publish no quota and answer floods with HTTP 429 (README, "Payment detection").
PUBLIC_FAST_POLL_FLOOR_SECONDS = 5
#: Who decides with the terminal's manager PIN ([ui] manager_pin_hash), which names nobody; a manager
#: signed in with their own PIN is named instead (pos.ui.dialogs.sign_in.as_manager).
THE_MANAGER = "the manager"
REFUND_NOTE = "overpayment refunded to the customer"  # the note begins so, "(noted by <who>)" follows


@dataclass(frozen=True)
class TillEvent:
    name: str
    invoice: Invoice
    on_screen: bool = False  # the invoice of the Charge screen (the customer at the counter)


@dataclass(frozen=True)
class PollResult:
    report: WatchReport
    awaiting: tuple[Invoice, ...]  # handed over, awaiting settlement, oldest first
    alerts: tuple[Invoice, ...]  # lost after hand-over, not acknowledged


Listener = Callable[[TillEvent], None]


def fast_poll_seconds(chain: Chain) -> int:
    """How often the invoice on screen is looked at: as configured, within public providers' budget."""
    if chain.backend == "public":
        return max(chain.fast_poll_seconds, PUBLIC_FAST_POLL_FLOOR_SECONDS)
    return chain.fast_poll_seconds


class Till:
    def __init__(self, *, store: Store, checkout: Checkout, watcher: Watcher, policy: Policy,
                 clock: Callable[[], datetime], cashier: str = "") -> None:
        self._store = store
        self.policy = policy
        self._checkout = checkout
        self._watcher = watcher
        self._clock = clock
        self.cashier = cashier
        self._listeners: list[Listener] = []
        self.cart = checkout.new_cart()
        self.cart_dropped = self.cart.restore(store.get_state(SALE_STATE) or {})
        self.awaiting: tuple[Invoice, ...] = ()
        self.alerts: tuple[Invoice, ...] = ()
        self.catalog_version = ""  # the fleet's price list in use ("": the configured file's)

    def confirmations_needed(self, invoice: Invoice) -> int:
        return required_confirmations(invoice, self.policy)

    def subscribe(self, listener: Listener) -> None:
        self._listeners.append(listener)

    def _publish(self, name: str, invoice: Invoice) -> None:
        event = TillEvent(name, invoice, invoice.id == self.on_screen_id)
        for listener in list(self._listeners):
            listener(event)

    # ---- the current sale --------------------------------------------------------
    def save_cart(self) -> None:
        self._store.put_state(SALE_STATE, self.cart.to_dict())

    def take_catalog(self, catalog: Catalog, version: str) -> bool:
        """A new price list, between sales only: False (try again later) while a sale is rung up or on screen.

        The checkout, the cart and the screens share one Catalog object: its products are
        replaced in place, so nothing holds the old prices afterwards.
        """
        if self.cart.lines or self.on_screen_id:
            return False
        shared = self._checkout.catalog
        shared.products, shared.by_barcode = catalog.products, catalog.by_barcode
        self.catalog_version = version
        return True

    def cart_copy(self) -> Cart:
        cart = self._checkout.new_cart()
        cart.restore(self.cart.to_dict())
        return cart

    def charge(self, cart: Cart, part: Callable[[Totals], Totals] | None = None, cashier: str = "") -> Invoice:
        """Blocking (address derivation, maybe a rate fetch): call from a worker, then show() and charged().

        `part`: the share of the cart this invoice charges (a split sale's Bitcoin part, pos.sale.day),
        `cashier`: who charges it when not the till's own (the shift's cashier)."""
        return self._checkout.charge(cart, cashier or self.cashier, part)

    def charged(self, invoice: Invoice) -> None:
        """The new invoice is on the Charge screen: remembered there across a power cut."""
        self.show(invoice)
        if self.catalog_version:
            self._store.record(CATALOG_USED, {"invoice": invoice.id, "catalog": self.catalog_version})
        self._publish(CREATED, invoice)
        self._publish(CHANGED, invoice)

    @property
    def on_screen_id(self) -> str | None:
        saved = self._store.get_state(CHARGE_STATE)
        return saved.get("invoice") if saved else None

    def show(self, invoice: Invoice) -> None:
        self._store.put_state(CHARGE_STATE, {"invoice": invoice.id})

    def resume(self) -> Invoice | None:
        """The invoice that was on screen when the power went, if the sale is not over."""
        invoice_id = self.on_screen_id
        invoice = self._store.get_invoice(invoice_id) if invoice_id else None
        if invoice is not None and (invoice.handed_over or invoice.state in (NEW, PROCESSING, SETTLED)):
            return invoice
        self.leave()
        return None

    def leave(self) -> None:
        """Back to the sale with its cart (after an expired, cancelled or closed invoice)."""
        self._store.put_state(CHARGE_STATE, None)

    def new_sale(self) -> None:
        self.leave()
        self.cart.clear()
        self.save_cart()

    def cancel(self, invoice_id: str) -> Invoice:
        """Raises ChargeError when it cannot be cancelled (a payment arrived meanwhile)."""
        cancelled = self._checkout.cancel(invoice_id)
        self.leave()
        self._publish(CHANGED, cancelled)
        self._publish(CANCELLED, cancelled)
        return cancelled

    def close_refund_owed(self, invoice_id: str, who: str) -> Invoice:
        """An underpaid invoice the customer will not top up: closed, back to the sale with the cart."""
        closed = self._change(invoice_id, lambda inv: inv.close_refund_owed(who, self._clock()))
        self.leave()
        self._publish(CHANGED, closed)
        self._publish(REFUND_OWED, closed)
        return closed

    # ---- when the chain cannot be read ----------------------------------------------
    @property
    def backend(self) -> BackendStatus:
        return self._watcher.status

    @property
    def payments_visible(self) -> bool:
        """Only an online backend (every address answered at the last poll) can show a payment."""
        return self.backend.state == "online"

    def may_hand_over_unverified(self, invoice: Invoice) -> bool:
        return not self.payments_visible and unverified_handover_allowed(invoice, self.policy)

    def hand_over_unverified(self, invoice_id: str, who: str) -> Invoice:
        """The manager lets the customer go although no payment can be seen (README, "Hand-over").

        Raises ChargeError when the chain can be read again, or the sale is above the limit."""
        invoice = self._store.get_invoice(invoice_id)
        if invoice is None or not self.may_hand_over_unverified(invoice):
            raise ChargeError(f"{invoice_id} cannot be handed over unverified: the payment can be seen again, "
                              "or the sale is above [payment] unverified_max_kzt", "reason.no_unverified", id=invoice_id)
        handed = self._change(invoice_id, lambda inv: inv.hand_over_unverified(who, self._clock()))
        log.warning("%s: handed over UNVERIFIED by %s (%s)", handed.id, who, self.backend.detail)
        self.awaiting = (*self.awaiting, handed)
        failure = self._announce(invoice, handed)
        if failure is not None:
            raise failure
        return handed

    # ---- the manager's settings ------------------------------------------------------
    def saved_language(self) -> str | None:
        return (self._store.get_state(LANGUAGE_STATE) or {}).get("language")

    def remember_language(self, language: str) -> None:
        with acting(MANAGER):
            self._store.put_state(LANGUAGE_STATE, {"language": language})

    def enter_manual_rate(self, kzt_per_btc: str) -> Rate:
        """The manager's rate, kept in the store by pos.rates.manual (imported only when one is typed),
        charged with from now on, whatever [pricing] rate_source is, until it is too old."""
        from pos.rates.manual import ManualRateSource

        with acting(MANAGER):
            rate = ManualRateSource(self._store).enter(kzt_per_btc, self._clock())
        self._checkout.use_rate(rate)
        return rate

    # ---- follow-up by the manager ---------------------------------------------------
    def acknowledge(self, invoice_id: str, who: str) -> Invoice:
        acknowledged = self._change(invoice_id, lambda inv: inv.acknowledge_lost(who, self._clock()))
        self._forget_alert(invoice_id)
        self._publish(CHANGED, acknowledged)
        self._publish(ACKNOWLEDGED, acknowledged)
        return acknowledged

    def settle_by_manager(self, invoice_id: str, who: str) -> Invoice:
        return self._follow_up(invoice_id, lambda inv: inv.transition(
            SETTLED, f"settled by {who} after checking the payment", self._clock()))

    def note_refunded(self, invoice_id: str, who: str) -> Invoice:
        return self._follow_up(invoice_id, lambda inv: inv.note(f"{REFUND_NOTE} (noted by {who})", self._clock()))

    def _follow_up(self, invoice_id: str, change: Callable[[Invoice], Invoice]) -> Invoice:
        changed = self._change(invoice_id, change)
        self._publish(CHANGED, changed)
        self._publish(FOLLOWED_UP, changed)
        return changed

    def _change(self, invoice_id: str, change: Callable[[Invoice], Invoice]) -> Invoice:
        """Raises ChargeError (for the cashier) when the invoice is missing or the change not allowed."""
        invoice = self._store.get_invoice(invoice_id)
        if invoice is None:
            raise ChargeError(f"no invoice {invoice_id}", "reason.no_invoice", id=invoice_id)
        try:
            changed = change(invoice)
        except IllegalTransition as exc:
            raise ChargeError(str(exc), "reason.not_allowed", id=invoice_id, state=invoice.state) from None
        with acting(MANAGER):  # every caller is a manager's action behind the PIN
            self._store.save_invoice(changed)
        return changed

    # ---- watching ------------------------------------------------------------------
    def poll(self) -> PollResult:
        """Blocking: one poll of every watched invoice."""
        return self._tallied(self._close_unverified_not_found(self._watcher.poll_once()))

    def _close_unverified_not_found(self, report: WatchReport) -> WatchReport:
        """Unverified hand-overs past their monitoring window, even while the backend is offline."""
        now = self._clock()
        changes, alerts = [], []
        for invoice in self._store.open_invoices():
            after = unverified_not_found(invoice, self.policy, now)
            if after is not invoice:
                self._store.save_invoice(after)
                changes.append((invoice, after))
                alerts.append(f"{after.id}: UNVERIFIED HAND-OVER, PAYMENT NOT FOUND: {after.received_sat} of "
                              f"{after.amount_sat} sat seen by the end of the monitoring window: a manager must "
                              "acknowledge it and follow up")
                log.warning("%s", alerts[-1])
        if not changes:
            return report
        return replace(report, changes=[*report.changes, *changes], alerts=[*report.alerts, *alerts])

    def poll_on_screen(self) -> PollResult | None:
        """Blocking: the quick look at the invoice on screen, while the customer waits for it."""
        invoice_id = self.on_screen_id
        invoice = self._store.get_invoice(invoice_id) if invoice_id else None
        if invoice is None or invoice.handed_over or not invoice.needs_watching(self._clock()):
            return None
        report = self._watcher.poll_one(invoice.id)
        return self._tallied(report) if report.changes else None

    def _tallied(self, report: WatchReport) -> PollResult:
        open_invoices = self._store.open_invoices()
        awaiting = tuple(inv for inv in open_invoices if inv.awaiting_settlement)
        alerts = {inv.id: inv for inv in open_invoices if inv.alert_open}
        for invoice_id in (self._store.get_state(ALERT_STATE) or {}).get("invoices", []):
            if invoice_id not in alerts:  # no longer watched, still not acknowledged
                invoice = self._store.get_invoice(invoice_id)
                if invoice is not None and invoice.alert_open:
                    alerts[invoice_id] = invoice
        for _, after in report.changes:
            if after.alert_open:
                alerts[after.id] = after
        return PollResult(report, awaiting, tuple(alerts.values()))

    def apply(self, result: PollResult) -> None:
        """On the event loop: announce what the poll changed, end the sale whose invoice was handed over."""
        self.awaiting, self.alerts = result.awaiting, result.alerts
        failure: StoreError | None = None
        for before, after in result.report.changes:
            failure = self._announce(before, after) or failure
        if failure is not None:
            raise failure

    def _announce(self, before: Invoice, after: Invoice) -> StoreError | None:
        """Publish what changed. The invoices are saved already: a failing store (disk full) may keep
        the till's own notes (the alert list, the emptied cart) from being written, never the events,
        or a customer who paid would stay on "waiting". The failure is returned for the caller to say."""
        names = events_between(before, after)
        failure = None
        try:
            if PAYMENT_LOST in names:
                self._remember_alert(after.id)
            if HANDED_OVER in names and after.id == self.on_screen_id:
                self.cart.clear()  # the customer is gone with these goods; Done shows the invoice
                self.save_cart()
        except StoreError as exc:
            failure = exc
        self._publish(CHANGED, after)  # the new state first, then what it means
        for name in names:
            log.info("%s: %s", after.id, name)
            self._publish(name, after)
        return failure

    def _remember_alert(self, invoice_id: str) -> None:
        """Kept beside the invoice so the alert outlives the invoice's watching window."""
        ids = (self._store.get_state(ALERT_STATE) or {}).get("invoices", [])
        if invoice_id not in ids:
            self._store.put_state(ALERT_STATE, {"invoices": [*ids, invoice_id]})

    def _forget_alert(self, invoice_id: str) -> None:
        ids = (self._store.get_state(ALERT_STATE) or {}).get("invoices", [])
        self._store.put_state(ALERT_STATE, {"invoices": [i for i in ids if i != invoice_id]})
        self.alerts = tuple(inv for inv in self.alerts if inv.id != invoice_id)
