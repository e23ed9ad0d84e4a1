"""Hand-over: when the customer may leave, what a payment lost afterwards does, and the named events."""

from dataclasses import replace
from datetime import timedelta

import pytest

from pos.core.invoice import (
    EXPIRED, INVALID, LOST_AFTER_HANDOVER, NEW, PAID_OVER, PAID_PARTIAL, PROCESSING, REFUND_OWED, SETTLED,
    IllegalTransition, Invoice, Payment,
)
from pos.core.payment import (
    HANDED_OVER, OVERPAID, PAYMENT_LOST, SETTLED_EVENT, UNDERPAID, Policy, evaluate, events_between,
)
from tests.core.test_invoice import T0, make
from tests.core.test_payment import TX1, TX2, seen


def test_seen_policy_hands_over_at_the_full_amount_unconfirmed_without_settling():
    inv = make()
    after = evaluate(inv, seen(Payment(TX1, inv.amount_sat)), Policy())
    assert after.state == PROCESSING and after.handed_over and not after.final
    assert after.handed_over_at == T0 + timedelta(minutes=1)
    assert "awaiting 1 confirmation(s)" in after.history[-1].cause
    assert events_between(inv, after) == [HANDED_OVER]


def test_settled_policy_hands_over_only_at_settlement():
    inv = make()
    policy = Policy(handover="settled")
    inv = evaluate(inv, seen(Payment(TX1, inv.amount_sat)), policy)
    assert inv.state == PROCESSING and not inv.handed_over
    settled = evaluate(inv, seen(Payment(TX1, inv.amount_sat, height=101), tip=101, minutes=5), policy)
    assert settled.state == SETTLED and settled.handed_over
    assert events_between(inv, settled) == [HANDED_OVER, SETTLED_EVENT]


@pytest.mark.parametrize("limit_tiyn, handed_over", [(0, True), (1, False), (None, True)])
def test_handover_max_makes_larger_sales_wait_for_settlement(limit_tiyn, handed_over):
    inv = make()
    limit = inv.total_tiyn if limit_tiyn is None else limit_tiyn  # exactly at the limit is allowed
    after = evaluate(inv, seen(Payment(TX1, inv.amount_sat)), Policy(handover_max_tiyn=limit))
    assert after.state == PROCESSING and after.handed_over is handed_over


def test_one_sat_short_is_never_handed_over():
    inv = make()
    after = evaluate(inv, seen(Payment(TX1, inv.amount_sat - 1)), Policy())
    assert after.state == NEW and PAID_PARTIAL in after.marks and not after.handed_over
    assert events_between(inv, after) == [UNDERPAID]


def test_a_payment_replaced_after_hand_over_marks_it_lost_with_an_open_alert():
    inv = make()
    handed = evaluate(inv, seen(Payment(TX1, inv.amount_sat)), Policy())
    lost = evaluate(handed, seen(minutes=2), Policy())
    assert lost.state == NEW and LOST_AFTER_HANDOVER in lost.marks and lost.alert_open
    assert events_between(handed, lost) == [PAYMENT_LOST]
    # it stays flagged for follow-up whatever happens next; expiry does not clear it
    expired = evaluate(lost, seen(minutes=30), Policy())
    assert expired.state == EXPIRED and expired.alert_open
    acknowledged = expired.acknowledge_lost("the manager", T0 + timedelta(minutes=31))
    assert not acknowledged.alert_open and LOST_AFTER_HANDOVER in acknowledged.marks
    assert "acknowledged by the manager" in acknowledged.history[-1].cause
    with pytest.raises(IllegalTransition):
        acknowledged.acknowledge_lost("the manager")


def test_a_payment_lost_before_hand_over_raises_no_alert():
    inv = make()
    policy = Policy(handover="settled")
    seen_once = evaluate(inv, seen(Payment(TX1, inv.amount_sat)), policy)
    gone = evaluate(seen_once, seen(minutes=2), policy)
    assert gone.state == NEW and not gone.alert_open and LOST_AFTER_HANDOVER not in gone.marks


def test_a_strangers_unconfirmed_dust_cannot_hold_back_a_confirmed_payment():
    inv = make()
    paid = Payment(TX1, inv.amount_sat, height=101)
    dust = Payment(TX2, 600)
    after = evaluate(inv, seen(paid, dust, tip=101), Policy())
    assert after.state == SETTLED and PAID_OVER in after.marks  # the extra only adds a mark
    assert after.confirmations == 1


def test_unconfirmed_top_up_of_a_confirmed_underpayment_waits_for_its_confirmation():
    inv = make()
    part = Payment(TX1, inv.amount_sat - 1000, height=101)
    rest = Payment(TX2, 1000)
    after = evaluate(inv, seen(part, rest, tip=101), Policy())
    assert after.state == PROCESSING and after.confirmations == 0 and after.handed_over


def test_overpayment_is_announced_with_the_hand_over():
    inv = make()
    after = evaluate(inv, seen(Payment(TX1, inv.amount_sat + 500)), Policy())
    assert events_between(inv, after) == [HANDED_OVER, OVERPAID]


def test_an_underpaid_invoice_closes_as_refund_owed_and_only_then():
    inv = make()
    short = evaluate(inv, seen(Payment(TX1, inv.amount_sat - 1000)), Policy())
    closed = short.close_refund_owed("the manager", T0 + timedelta(minutes=2))
    assert closed.state == INVALID and REFUND_OWED in closed.marks
    assert "refund owed" in closed.history[-2].cause
    with pytest.raises(IllegalTransition):
        inv.close_refund_owed("the manager")  # nothing paid: cancel it instead


def test_hand_over_survives_the_store_round_trip():
    inv = make()
    lost = evaluate(evaluate(inv, seen(Payment(TX1, inv.amount_sat)), Policy()), seen(minutes=2), Policy())
    assert Invoice.from_dict(lost.to_dict()) == lost
    assert Invoice.from_dict(replace(lost, lost_acknowledged=True).to_dict()).lost_acknowledged
