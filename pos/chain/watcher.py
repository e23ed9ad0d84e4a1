"""The watcher: polls the addresses of the invoices that need it and lets the core decide.

Plain Python and blocking: the UI calls poll_once() in a thread worker every poll
interval. One poll reads the open invoices from the store (so after a restart every open
invoice is watched again), asks the backend for the tip once and for each watched address
once (requests grow with the number of watched addresses, never faster), builds an
Observation per invoice and hands it to pos.core.payment.evaluate. Changed invoices are
saved and returned, with alerts for what a person must look at.

Anything the backend cannot answer leaves the invoice exactly as it was. After a failed
poll the next tries wait longer and longer (poll interval doubling up to a cap): public
providers answer floods with HTTP 429, which bitcoinlib does not back off from.
The backend state shown on screen is online (last poll fully answered), degraded (the tip
was read but some addresses were not) or offline (not even the tip), with the height and
the time of the last good poll. With a second opinion ([chain] verify_backend), a
disagreement reads as unanswered, like any failure, and one that lasts raises an alert.

poll_one() is the quick look at the invoice on the Charge screen, between polls: one
request for its address, counted from the tip of the last poll (a stale tip can only
understate confirmations), so the customer is released about a second after paying.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Callable, Final

from pos.chain.backend import BitcoinlibBackend, second_opinion
from pos.chain.gap import record_paid
from pos.chain.guard import GuardedBackend
from pos.chain.verified import BackendsDisagree, VerifiedBackend
from pos.config import Config
from pos.core.invoice import INVALID, PAID_LATE, PAID_OVER, Invoice
from pos.core.payment import Observation, Policy, evaluate, vanished_counted
from pos.core.ports import BackendState, BackendStatus, ChainBackend, ChainUnavailable, Store

log = logging.getLogger(__name__)

ONLINE: Final = "online"
DEGRADED: Final = "degraded"
OFFLINE: Final = "offline"
DEFAULT_MAX_BACKOFF_SECONDS = 60
#: Two backends disagreeing on an invoice (or on the tip) at this many full polls raise one alert:
#: fewer would alarm on every payment, which reaches one node a moment before the other.
DISAGREEMENT_ALERT_POLLS = 3
TIP = "chain"


@dataclass(frozen=True)
class WatchReport:
    status: BackendStatus
    #: (before, after) of each invoice saved by this poll: a new state, marks or payments, or
    #: only a new tip height (their confirmations moved on).
    changes: list[tuple[Invoice, Invoice]] = field(default_factory=list)
    alerts: list[str] = field(default_factory=list)
    watched: int = 0  # invoices that needed watching at this poll

    @property
    def updated(self) -> list[Invoice]:
        return [after for _, after in self.changes]


def default_backend_factory(config: Config) -> Callable[[], ChainBackend]:
    """The configured backend, guarded (pos.chain.guard), checked against [chain] verify_backend when set.

    Built when the watcher first needs it. A whole call may take twice the per-request
    timeout (bitcoinlib may make more than one request, or try a second provider).
    """
    def guarded(chain_config: Config) -> GuardedBackend:
        where = BitcoinlibBackend(chain_config).where
        return GuardedBackend(lambda: BitcoinlibBackend(chain_config), where,
                              deadline_seconds=2 * chain_config.chain.request_timeout_seconds)

    def build() -> ChainBackend:
        primary, verify = guarded(config), second_opinion(config)
        if verify is None:
            return primary
        second = guarded(verify)
        return VerifiedBackend(primary, second, primary.where, second.where)
    return build


class Watcher:
    def __init__(
        self, store: Store, backend_factory: Callable[[], ChainBackend], policy: Policy,
        clock: Callable[[], datetime], poll_seconds: float, *,
        max_backoff_seconds: float = DEFAULT_MAX_BACKOFF_SECONDS,
    ) -> None:
        self._store = store
        self._backend_factory = backend_factory
        self._backend: ChainBackend | None = None
        self._policy = policy
        self._clock = clock
        self.poll_seconds = poll_seconds
        self._max_backoff = max_backoff_seconds
        self._failures = 0
        self._retry_at: datetime | None = None
        self._status = BackendStatus(OFFLINE, detail="not polled yet")
        self._lock = threading.Lock()  # one full poll at a time
        # The quick look has its own lock and backend (a bitcoinlib Service is not shared between
        # threads), so a long full poll on a slow provider never holds up the customer on screen.
        self._quick_lock = threading.Lock()
        self._quick_backend: ChainBackend | None = None
        self._save_lock = threading.Lock()  # compare-and-save, for two threads saving one invoice
        # Full polls at which the second opinion disagreed, per watched invoice id (and TIP).
        self._disagreed: dict[str, int] = {}

    @property
    def status(self) -> BackendStatus:
        return self._status

    def poll_once(self) -> WatchReport:
        """One poll (blocking): never raises for the chain, only for the store (StoreError)."""
        with self._lock:
            now = self._clock()
            watched = [inv for inv in self._store.open_invoices() if inv.needs_watching(now)]
            if self._retry_at is not None and now < self._retry_at:
                return WatchReport(self._status, watched=len(watched))
            self._disagreed = {key: n for key, n in self._disagreed.items()
                               if key == TIP or key in {inv.id for inv in watched}}
            changes: list[tuple[Invoice, Invoice]] = []
            alerts: list[str] = []
            try:
                backend = self._connected()
                tip = backend.tip_height()
            except Exception as exc:
                self._count_disagreement(TIP, exc, alerts)
                return WatchReport(self._failed(now, OFFLINE, _reason(exc)), alerts=alerts, watched=len(watched))

            problems: list[str] = []
            for invoice in watched:
                try:
                    self._look_at(backend, invoice, tip, changes, alerts)
                except Exception as exc:
                    self._count_disagreement(invoice.id, exc, alerts)
                    problems.append(f"{invoice.id}: {_reason(exc)}")
            if problems:
                detail = f"{len(problems)} of {len(watched)} address(es) unanswered: {problems[0]}"
                status = self._failed(now, DEGRADED, detail, height=tip)
            else:
                self._failures, self._retry_at = 0, None
                status = self._status = BackendStatus(ONLINE, tip, self._clock(), f"watching {len(watched)}",
                                                     len(watched))
            return WatchReport(status, changes, alerts, len(watched))

    def poll_one(self, invoice_id: str) -> WatchReport:
        """The quick look at one invoice (blocking, one request); never raises for the chain.

        Skipped before any poll read a tip and while the backend is offline: the next full
        poll comes first. A degraded backend (some background address unanswered) does not
        stop it. A failure here leaves the backend's state to the full polls.
        """
        with self._quick_lock:
            now = self._clock()
            invoice = self._store.get_invoice(invoice_id)
            status = self._status
            if invoice is None or not invoice.needs_watching(now) or status.state == OFFLINE or not status.height:
                return WatchReport(status)
            changes: list[tuple[Invoice, Invoice]] = []
            alerts: list[str] = []
            try:
                if self._quick_backend is None:
                    self._quick_backend = self._backend_factory()
                self._look_at(self._quick_backend, invoice, status.height, changes, alerts)
            except Exception as exc:
                log.info("quick look at %s failed: %s", invoice_id, _reason(exc))
            return WatchReport(status, changes, alerts, 1)

    def _look_at(self, backend: ChainBackend, invoice: Invoice, tip: int, changes: list[tuple[Invoice, Invoice]],
                 alerts: list[str]) -> None:
        payments = backend.payments_to(invoice.address)
        after = evaluate(invoice, Observation(tip, payments, self._clock()), self._policy)
        if after != invoice and self._save_if_unchanged(invoice, after):
            changes.append((invoice, after))
            for alert in alerts_for(invoice, after):
                log.warning("%s", alert)
                alerts.append(alert)

    def _count_disagreement(self, key: str, exc: Exception, alerts: list[str]) -> None:
        """One alert when the two backends have disagreed on `key` at DISAGREEMENT_ALERT_POLLS full polls."""
        if not isinstance(exc, BackendsDisagree) or self._disagreed.get(key, 0) >= DISAGREEMENT_ALERT_POLLS:
            return
        count = self._disagreed[key] = self._disagreed.get(key, 0) + 1
        if count == DISAGREEMENT_ALERT_POLLS:
            alert = (f"{key}: SECOND OPINION DISAGREES ({count} polls): {exc}; nothing there is believed until "
                     "both backends agree: check both nodes")
            log.warning("%s", alert)
            alerts.append(alert)

    def _connected(self) -> ChainBackend:
        if self._backend is None:
            self._backend = self._backend_factory()
        return self._backend

    def _save_if_unchanged(self, before: Invoice, after: Invoice) -> bool:
        """Save unless someone (the cashier cancelling, the other look) changed the invoice meanwhile."""
        with self._save_lock:
            if self._store.get_invoice(before.id) != before:
                log.info("%s changed during the poll; it is evaluated again next time", before.id)
                return False
            self._store.save_invoice(after)
        record_paid(self._store, after)
        return True

    def _failed(self, now: datetime, state: BackendState, detail: str, height: int | None = None) -> BackendStatus:
        self._failures += 1
        wait = min(self.poll_seconds * 2 ** (self._failures - 1), self._max_backoff)
        self._retry_at = now + timedelta(seconds=wait)
        log.warning("chain backend %s: %s (next try in %g s)", state, detail, wait)
        previous = self._status
        self._status = BackendStatus(state, previous.height if height is None else height,
                                     previous.last_good_poll, f"{detail} (next try in {wait:g} s)")
        return self._status


def alerts_for(before: Invoice, after: Invoice) -> list[str]:
    """What the cashier or the manager must act on, in words, for one changed invoice."""
    alerts = []
    gone = vanished_counted(before, after)  # one that comes and goes again moves nothing: no alert
    if after.alert_open and not before.alert_open:
        alerts.append(f"{after.id}: PAYMENT LOST AFTER HAND-OVER: {', '.join(t[:12] + '...' for t in gone)} "
                      f"disappeared; {after.received_sat} of {after.amount_sat} sat now seen: a manager must "
                      "acknowledge it and follow up")
    elif gone:
        alerts.append(f"{after.id}: payment {', '.join(t[:12] + '...' for t in gone)} disappeared (replaced or "
                      f"double-spent); {after.received_sat} of {after.amount_sat} sat now seen, state {after.state}")
    gained = after.marks - before.marks
    if PAID_OVER in gained:
        alerts.append(f"{after.id}: overpaid by {after.received_sat - after.amount_sat} sat: refund the customer")
    if PAID_LATE in gained:
        alerts.append(f"{after.id}: paid in full after it expired: the manager must check it and settle by hand")
    if after.state == INVALID and before.state != INVALID:
        alerts.append(f"{after.id}: still unconfirmed at the end of the monitoring window: invalid")
    return alerts


def _reason(exc: Exception) -> str:
    if not isinstance(exc, ChainUnavailable):
        log.exception("chain backend failed unexpectedly")
    return str(exc) or type(exc).__name__
