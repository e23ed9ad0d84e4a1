"""Payment rules: an invoice plus what the chain shows -> the invoice's next state.

The watcher only collects observations; this pure function decides. It is
conservative: an unknown observation (backend offline, a provider error) changes
nothing; 0-conf settles only when the policy allows it for a small amount and the
transaction does not signal RBF; a payment seen first after the expiry is late and
goes to the manager, never settled on its own.

Hand-over (the customer may leave) is decided here too, beside settlement and never
instead of it: policy "seen" lets the customer go once the full amount is seen (mempool
or block) and the total is within the limit; "settled" only once settled. A payment that
disappears after hand-over marks the invoice lost_after_handover, with an alert.

Unverified hand-over: while the chain cannot be read, a manager may let a customer go for
a total within [payment] unverified_max_kzt (0 = never). Such an invoice does not expire:
it is watched until the monitoring window ends, and if the full amount has not been seen
by then it becomes invalid and lost_after_handover, the loudest alert the till has.
events_between names what changed, for the till to announce.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from pos.core.invoice import (
    CANCELLED, EXPIRED, INVALID, NEW, PAID_LATE, PAID_OVER, PAID_PARTIAL, PROCESSING, SETTLED, UNVERIFIED, Invoice,
    Mark, Payment,
)

HANDOVER_SEEN, HANDOVER_SETTLED = "seen", "settled"
HANDOVER_POLICIES = (HANDOVER_SEEN, HANDOVER_SETTLED)

# Named events (events_between), announced by the till to the UI and headless mode.
HANDED_OVER, SETTLED_EVENT, PAYMENT_LOST, PAID_LATE_EVENT, OVERPAID, UNDERPAID, EXPIRED_EVENT, INVALID_EVENT = (
    "handed_over", "settled", "payment_lost", "paid_late", "overpaid", "underpaid", "expired", "invalid")
from pos.core.money import percent_of


@dataclass(frozen=True)
class Policy:
    confirmations: int = 1  # needed to settle; 0 = 0-conf, only below zero_conf_max_sat
    zero_conf_max_sat: int = 0  # 0 turns 0-conf settlement off whatever `confirmations` says
    underpay_tolerance_bp: int = 0  # accepted shortfall in basis points of the amount
    handover: str = HANDOVER_SEEN  # when the customer may go: full amount "seen", or "settled"
    handover_max_tiyn: int = 0  # above this total the customer waits for settlement; 0 = no limit
    unverified_max_tiyn: int = 0  # the most a manager may hand over while the chain is unreadable; 0 = never


@dataclass(frozen=True)
class Observation:
    """What one good poll saw at the invoice address: every transaction paying it."""

    tip_height: int
    payments: tuple[Payment, ...]
    at: datetime


def required_confirmations(invoice: Invoice, policy: Policy) -> int:
    """0 only when the merchant allowed 0-conf for amounts this small and nothing signals RBF."""
    if policy.confirmations > 0:
        return policy.confirmations
    small = 0 < invoice.amount_sat <= policy.zero_conf_max_sat
    if small and not any(p.rbf for p in invoice.payments):
        return 0
    return 1


def due_sat(invoice: Invoice, policy: Policy) -> int:
    """The least the merchant accepts: the amount less the tolerated shortfall."""
    return invoice.amount_sat - percent_of(invoice.amount_sat, policy.underpay_tolerance_bp)


def paid_enough(invoice: Invoice, policy: Policy) -> bool:
    return invoice.received_sat >= due_sat(invoice, policy)


def settling_confirmations(invoice: Invoice, policy: Policy) -> int:
    """Confirmations of the amount due, most-confirmed payments first: unconfirmed extras
    (a stranger's dust to the same address) cannot hold back a confirmed payment."""
    return invoice.covering_confirmations(due_sat(invoice, policy))


def handover_allowed(invoice: Invoice, policy: Policy) -> bool:
    """The one rule that lets the customer go with the goods."""
    if invoice.state == SETTLED:
        return True
    if invoice.state != PROCESSING or policy.handover != HANDOVER_SEEN:
        return False
    return policy.handover_max_tiyn == 0 or invoice.total_tiyn <= policy.handover_max_tiyn


def unverified_handover_allowed(invoice: Invoice, policy: Policy) -> bool:
    """Whether a manager may let this customer go without seeing the payment (the till also
    requires that the chain cannot be read right now)."""
    if policy.unverified_max_tiyn <= 0 or invoice.state != NEW or invoice.handed_over:
        return False
    return not paid_enough(invoice, policy) and invoice.total_tiyn <= policy.unverified_max_tiyn


def unverified_not_found(invoice: Invoice, policy: Policy, now: datetime) -> Invoice:
    """An unverified hand-over whose payment was not seen in full by the end of the monitoring
    window: invalid, and lost after hand-over (an alert until a manager acknowledges it).
    Decided with or without an answer from the chain: an offline backend must not hide it."""
    if invoice.state != NEW or UNVERIFIED not in invoice.marks or now < invoice.monitor_until:
        return invoice
    if paid_enough(invoice, policy):
        return invoice
    invalid = invoice.transition(INVALID, f"handed over unverified, payment not found by the end of the "
                                          f"monitoring window: {_describe(invoice)}", now)
    return invalid.lose_after_handover("UNVERIFIED hand-over: no payment found", now)


def _marks(invoice: Invoice, policy: Policy) -> set[Mark]:
    marks = set(invoice.marks) - {PAID_PARTIAL, PAID_OVER}
    if 0 < invoice.received_sat and not paid_enough(invoice, policy):
        marks.add(PAID_PARTIAL)
    if invoice.received_sat > invoice.amount_sat:
        marks.add(PAID_OVER)
    return marks


def _describe(invoice: Invoice) -> str:
    return f"received {invoice.received_sat} of {invoice.amount_sat} sat, {invoice.confirmations} conf"


def vanished_counted(before: Invoice, after: Invoice) -> list[str]:
    """Transactions that counted for `before` and are no longer seen: these moved the invoice."""
    seen = {p.txid for p in after.payments}
    return sorted(p.txid for p in before.counted_payments if p.txid not in seen)


def _note_vanished(before: Invoice, inv: Invoice, gone: list[str], now: datetime) -> Invoice:
    """History for disappearing transactions, bounded: each counted one that goes, and once
    for a transaction that keeps coming and going (its count is in `vanished`)."""
    counted = vanished_counted(before, inv)
    if counted:
        inv = inv.note(f"transaction(s) {', '.join(counted)} disappeared (replaced or double-spent)", now)
    flapping = [t for t in gone if t not in counted and inv.vanished.get(t) == 2]
    if flapping:
        inv = inv.note(f"transaction(s) {', '.join(flapping)} keeps appearing and disappearing: further "
                       "comings and goings are counted, not recorded", now)
    return inv


def expire_if_due(invoice: Invoice, now: datetime) -> Invoice:
    if invoice.state == NEW and now >= invoice.expires_at:
        cause = "expired without full payment" + (f" ({_describe(invoice)})" if invoice.payments else "")
        return invoice.transition(EXPIRED, cause, now)
    return invoice


def evaluate(invoice: Invoice, observation: Observation | None, policy: Policy) -> Invoice:
    """The next invoice; `observation` None means the chain could not be read: nothing changes."""
    if observation is None or not invoice.needs_watching(observation.at):
        return invoice
    now = observation.at
    before = {p.txid for p in invoice.payments}
    seen = {p.txid for p in observation.payments}
    gone = sorted(before - seen)
    new_txids = seen - before
    # The observed tip, even when lower than the last one: after a reorg, or from a lagging
    # provider, counting from an older, higher tip would overstate the confirmations.
    inv = replace(invoice, payments=observation.payments, tip_height=observation.tip_height).vanish(gone)
    inv = _note_vanished(invoice, inv, gone, now)

    if inv.state == NEW:
        full = paid_enough(inv, policy)
        if now >= inv.expires_at and UNVERIFIED not in inv.marks:
            # Seen for the first time only now: it arrived late (or while we were offline).
            inv = expire_if_due(inv, now)
        elif full:
            if settling_confirmations(inv, policy) >= required_confirmations(inv, policy):
                inv = inv.transition(SETTLED, f"paid: {_describe(inv)}", now)
            else:
                inv = inv.transition(PROCESSING, f"full amount seen: {_describe(inv)}", now)
        else:
            inv = unverified_not_found(inv, policy, now)
    elif inv.state == PROCESSING:
        if not paid_enough(inv, policy):
            inv = inv.transition(NEW, f"payment no longer seen: {_describe(inv)}", now)
        elif settling_confirmations(inv, policy) >= required_confirmations(inv, policy):
            inv = inv.transition(SETTLED, f"confirmed: {_describe(inv)}", now)
        elif now >= inv.monitor_until:
            inv = inv.transition(INVALID, f"not confirmed within the monitoring window: {_describe(inv)}", now)

    if inv.handed_over and invoice.state == PROCESSING and inv.state == NEW:
        inv = inv.lose_after_handover(f"payment lost after hand-over: {_describe(inv)}", now)

    marks = _marks(inv, policy)
    if inv.state in (EXPIRED, CANCELLED) and paid_enough(inv, policy):
        marks.add(PAID_LATE)
    cause = f"{_describe(inv)}" + (f"; new transaction(s) {', '.join(sorted(new_txids))}" if new_txids else "")
    if inv.state == CANCELLED and new_txids:
        cause += "; paid after it was cancelled: refund the customer"
    inv = inv.with_marks(frozenset(marks), cause, now)
    if not inv.handed_over and handover_allowed(inv, policy):
        awaiting = "" if inv.state == SETTLED else f", awaiting {required_confirmations(inv, policy)} confirmation(s)"
        inv = inv.hand_over(f"handed over: {_describe(inv)}{awaiting}", now)
    return inv


def events_between(before: Invoice, after: Invoice) -> list[str]:
    """What happened to an invoice between two versions, by name (see the *_EVENT constants)."""
    events = []
    if after.handed_over and not before.handed_over:
        events.append(HANDED_OVER)
    if after.state != before.state and after.state in (SETTLED, EXPIRED, INVALID):
        events.append({SETTLED: SETTLED_EVENT, EXPIRED: EXPIRED_EVENT, INVALID: INVALID_EVENT}[after.state])
    if after.alert_open and not before.alert_open:
        events.append(PAYMENT_LOST)
    gained = after.marks - before.marks
    for mark, event in ((PAID_LATE, PAID_LATE_EVENT), (PAID_OVER, OVERPAID), (PAID_PARTIAL, UNDERPAID)):
        if mark in gained:
            events.append(event)
    return events
