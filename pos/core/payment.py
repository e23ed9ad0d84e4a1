"""Payment rules: an invoice plus what the chain shows -> the invoice's next state.

The watcher only collects observations; this pure function decides. It is
conservative: an unknown observation (backend offline, a provider error) changes
nothing; 0-conf settles only when the policy allows it for a small amount and the
transaction does not signal RBF; a payment seen first after the expiry is late and
goes to the manager, never settled on its own.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from pos.core.invoice import (
    CANCELLED, EXPIRED, INVALID, NEW, PAID_LATE, PAID_OVER, PAID_PARTIAL, PROCESSING, SETTLED, Invoice, Payment,
)
from pos.core.money import percent_of


@dataclass(frozen=True)
class Policy:
    confirmations: int = 1  # needed to settle; 0 = 0-conf, only below zero_conf_max_sat
    zero_conf_max_sat: int = 0  # 0 turns 0-conf settlement off whatever `confirmations` says
    underpay_tolerance_bp: int = 0  # accepted shortfall in basis points of the amount


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


def paid_enough(invoice: Invoice, policy: Policy) -> bool:
    shortfall = percent_of(invoice.amount_sat, policy.underpay_tolerance_bp)
    return invoice.received_sat >= invoice.amount_sat - shortfall


def _marks(invoice: Invoice, policy: Policy) -> set[str]:
    marks = set(invoice.marks) - {PAID_PARTIAL, PAID_OVER}
    if 0 < invoice.received_sat and not paid_enough(invoice, policy):
        marks.add(PAID_PARTIAL)
    if invoice.received_sat > invoice.amount_sat:
        marks.add(PAID_OVER)
    return marks


def _describe(invoice: Invoice) -> str:
    return f"received {invoice.received_sat} of {invoice.amount_sat} sat, {invoice.confirmations} conf"


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
    inv = replace(invoice, payments=observation.payments, tip_height=observation.tip_height)
    if gone:
        cause = f"transaction(s) {', '.join(gone)} disappeared (replaced or double-spent)"
        inv = inv.note(cause, now)

    if inv.state == NEW:
        full = paid_enough(inv, policy)
        if now >= inv.expires_at:
            # Seen for the first time only now: it arrived late (or while we were offline).
            inv = expire_if_due(inv, now)
        elif full:
            if inv.confirmations >= required_confirmations(inv, policy):
                inv = inv.transition(SETTLED, f"paid: {_describe(inv)}", now)
            else:
                inv = inv.transition(PROCESSING, f"full amount seen: {_describe(inv)}", now)
    elif inv.state == PROCESSING:
        if not paid_enough(inv, policy):
            inv = inv.transition(NEW, f"payment no longer seen: {_describe(inv)}", now)
        elif inv.confirmations >= required_confirmations(inv, policy):
            inv = inv.transition(SETTLED, f"confirmed: {_describe(inv)}", now)
        elif now >= inv.monitor_until:
            inv = inv.transition(INVALID, f"not confirmed within the monitoring window: {_describe(inv)}", now)

    marks = _marks(inv, policy)
    if inv.state in (EXPIRED, CANCELLED) and paid_enough(inv, policy):
        marks.add(PAID_LATE)
    cause = f"{_describe(inv)}" + (f"; new transaction(s) {', '.join(sorted(new_txids))}" if new_txids else "")
    if inv.state == CANCELLED and new_txids:
        cause += "; paid after it was cancelled: refund the customer"
    return inv.with_marks(frozenset(marks), cause, now)
