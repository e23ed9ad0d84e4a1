"""The payment rules: an invoice plus what the chain shows -> the next invoice."""

from dataclasses import replace
from datetime import timedelta

import pytest

from pos.core.invoice import (
    CANCELLED, EXPIRED, INVALID, NEW, PAID_LATE, PAID_OVER, PAID_PARTIAL, PROCESSING, SETTLED, Payment,
)
from pos.core.invoice import MAX_VANISHED_TXIDS
from pos.core.payment import Observation, Policy, evaluate
from tests.core.test_invoice import T0, make

TX1, TX2 = "11" * 32, "22" * 32


def seen(*payments: Payment, tip: int = 100, minutes: int = 1) -> Observation:
    return Observation(tip_height=tip, payments=payments, at=T0 + timedelta(minutes=minutes))


def test_nothing_seen_before_the_expiry_changes_nothing():
    inv = make()
    assert evaluate(inv, seen(), Policy()) == replace(inv, tip_height=100)


def test_an_unknown_observation_never_reads_as_nothing_received():
    inv = make()
    assert evaluate(inv, None, Policy()) is inv


def test_full_unconfirmed_payment_is_processing_then_settles_at_one_confirmation():
    inv = make()
    inv = evaluate(inv, seen(Payment(TX1, inv.amount_sat)), Policy())
    assert inv.state == PROCESSING and inv.marks == frozenset()
    inv = evaluate(inv, seen(Payment(TX1, inv.amount_sat, height=101), tip=101, minutes=5), Policy())
    assert inv.state == SETTLED and inv.confirmations == 1


@pytest.mark.parametrize("confirmations, tip, expected", [(2, 101, PROCESSING), (2, 102, SETTLED)])
def test_two_confirmations_policy(confirmations, tip, expected):
    inv = make()
    inv = evaluate(inv, seen(Payment(TX1, inv.amount_sat, height=101), tip=tip), Policy(confirmations=2))
    assert inv.state == expected


def test_zero_conf_settles_only_when_small_enough_and_not_rbf():
    inv = make()
    allowed = Policy(confirmations=0, zero_conf_max_sat=inv.amount_sat)
    assert evaluate(inv, seen(Payment(TX1, inv.amount_sat)), allowed).state == SETTLED
    assert evaluate(inv, seen(Payment(TX1, inv.amount_sat, rbf=True)), allowed).state == PROCESSING
    too_big = Policy(confirmations=0, zero_conf_max_sat=inv.amount_sat - 1)
    assert evaluate(inv, seen(Payment(TX1, inv.amount_sat)), too_big).state == PROCESSING
    off = Policy(confirmations=0, zero_conf_max_sat=0)
    assert evaluate(inv, seen(Payment(TX1, inv.amount_sat)), off).state == PROCESSING


def test_underpayment_is_marked_then_a_top_up_completes_it():
    inv = make()
    half = inv.amount_sat // 2
    inv = evaluate(inv, seen(Payment(TX1, half)), Policy())
    assert inv.state == NEW and inv.marks == {PAID_PARTIAL} and inv.remainder_sat == inv.amount_sat - half
    inv = evaluate(inv, seen(Payment(TX1, half), Payment(TX2, inv.amount_sat - half)), Policy())
    assert inv.state == PROCESSING and inv.marks == frozenset() and inv.remainder_sat == 0


def test_underpayment_tolerance():
    inv = make()
    short = inv.amount_sat - inv.amount_sat // 200  # 0.5% short
    assert evaluate(inv, seen(Payment(TX1, short)), Policy(underpay_tolerance_bp=50)).state == PROCESSING
    assert evaluate(inv, seen(Payment(TX1, short)), Policy(underpay_tolerance_bp=49)).marks == {PAID_PARTIAL}


def test_overpayment_is_flagged():
    inv = make()
    inv = evaluate(inv, seen(Payment(TX1, inv.amount_sat + 1000)), Policy())
    assert inv.state == PROCESSING and inv.marks == {PAID_OVER}


def test_nothing_by_the_expiry_expires():
    inv = make()
    inv = evaluate(inv, seen(minutes=15), Policy())
    assert inv.state == EXPIRED and inv.history[-1].cause.startswith("expired")


def test_a_payment_seen_only_after_the_expiry_is_late_and_not_settled():
    inv = make()
    inv = evaluate(inv, seen(Payment(TX1, inv.amount_sat, height=100), minutes=20), Policy())
    assert inv.state == EXPIRED and inv.marks == {PAID_LATE}
    again = evaluate(inv, seen(Payment(TX1, inv.amount_sat, height=100), tip=110, minutes=30), Policy())
    assert again.state == EXPIRED and again.marks == {PAID_LATE}


def test_a_partial_payment_at_the_expiry_expires_with_its_mark():
    inv = make()
    inv = evaluate(inv, seen(Payment(TX1, 1000)), Policy())
    assert inv.marks == {PAID_PARTIAL}
    inv = evaluate(inv, seen(Payment(TX1, 1000), minutes=16), Policy())
    assert inv.state == EXPIRED and inv.marks == {PAID_PARTIAL}


def test_a_disappearing_transaction_takes_the_invoice_back_to_new_with_an_alert():
    inv = make()
    inv = evaluate(inv, seen(Payment(TX1, inv.amount_sat)), Policy())
    inv = evaluate(inv, seen(minutes=2), Policy())
    assert inv.state == NEW
    causes = [h.cause for h in inv.history]
    assert any("disappeared" in c and TX1 in c for c in causes)


def test_a_replacement_paying_the_same_amount_keeps_it_processing_and_notes_the_swap():
    inv = make()
    inv = evaluate(inv, seen(Payment(TX1, inv.amount_sat)), Policy())
    inv = evaluate(inv, seen(Payment(TX2, inv.amount_sat), minutes=2), Policy())
    assert inv.state == PROCESSING and [p.txid for p in inv.payments] == [TX2]
    assert any("disappeared" in h.cause for h in inv.history)


def test_unconfirmed_at_the_end_of_the_monitoring_window_is_invalid():
    inv = make()
    inv = evaluate(inv, seen(Payment(TX1, inv.amount_sat)), Policy())
    end = int((inv.monitor_until - T0).total_seconds() // 60)
    inv = evaluate(inv, seen(Payment(TX1, inv.amount_sat), minutes=end), Policy())
    assert inv.state == INVALID


def test_expired_invoices_stop_being_watched_after_the_monitoring_window():
    inv = evaluate(make(), seen(minutes=15), Policy())
    late = T0 + timedelta(hours=25)
    assert not inv.needs_watching(late)
    assert evaluate(inv, Observation(100, (Payment(TX1, inv.amount_sat),), late), Policy()) is inv


def test_settled_invoices_are_left_alone():
    inv = evaluate(make(), seen(Payment(TX1, 10**8, height=100)), Policy())
    assert inv.state == SETTLED
    assert evaluate(inv, seen(tip=200), Policy()) is inv


def test_a_payment_to_a_cancelled_invoice_is_flagged_for_a_refund():
    inv = make().cancel(at=T0)
    assert inv.needs_watching(T0 + timedelta(minutes=5))
    paid = evaluate(inv, seen(Payment(TX1, inv.amount_sat), minutes=5), Policy())
    assert paid.state == CANCELLED and paid.marks == {PAID_LATE}
    assert "refund" in paid.history[-1].cause
    part = evaluate(inv, seen(Payment(TX1, 10), minutes=5), Policy())
    assert part.state == CANCELLED and part.marks == {PAID_PARTIAL}
    assert not inv.needs_watching(inv.monitor_until)


def flap(inv, times: int, policy: Policy = Policy(handover="settled"), payment: Payment | None = None):
    """The same transaction seen, then not seen, poll after poll (a few seconds apart, before the expiry)."""
    payment = payment or Payment(TX1, inv.amount_sat)
    for i in range(times):
        inv = evaluate(inv, Observation(100, (payment,), T0 + timedelta(seconds=10 * i + 60)), policy)
        inv = evaluate(inv, Observation(100, (), T0 + timedelta(seconds=10 * i + 65)), policy)
    return inv


def test_a_payment_that_comes_and_goes_on_every_poll_is_recorded_once_with_a_count():
    once, many = flap(make(), 1), flap(make(), 50)
    assert len(many.history) == len(once.history) + 1  # one more entry: "keeps appearing and disappearing"
    assert many.vanished == {TX1: 50}
    assert (many.state, many.received_sat) == (NEW, 0)
    assert sum("keeps appearing and disappearing" in h.cause and TX1 in h.cause for h in many.history) == 1


def test_a_transaction_that_vanished_counts_again_only_once_in_a_block():
    inv = flap(make(), 2)
    back = evaluate(inv, seen(Payment(TX1, inv.amount_sat), minutes=3), Policy())
    assert (back.state, back.received_sat, back.handed_over) == (NEW, 0, False)  # seen, not believed yet
    mined = evaluate(back, seen(Payment(TX1, inv.amount_sat, height=100), minutes=4), Policy())
    assert (mined.state, mined.received_sat) == (SETTLED, inv.amount_sat)


def test_many_different_vanishing_transactions_are_bounded_too():
    inv, history = make(), []
    for n in range(40):
        inv = flap(inv, 1, payment=Payment(f"{n:064x}", inv.amount_sat))
        history.append(len(inv.history))
    assert len(inv.vanished) == MAX_VANISHED_TXIDS and inv.state == NEW
    assert history[MAX_VANISHED_TXIDS - 1] == history[-1]  # past the bound, unconfirmed ones move nothing
