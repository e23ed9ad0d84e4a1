"""Unverified hand-over: a manager lets the customer go while the chain cannot be read.

It never expires like an ordinary invoice; the payment, seen later, settles it as usual;
not seen in full by the end of the monitoring window, it is invalid and lost after
hand-over (an alert), with or without an answer from the chain.
"""

from datetime import timedelta

import pytest

from pos.core.invoice import (
    INVALID, LOST_AFTER_HANDOVER, NEW, PROCESSING, SETTLED, UNVERIFIED, IllegalTransition, Payment,
)
from pos.core.payment import (
    HANDED_OVER, INVALID_EVENT, PAYMENT_LOST, Policy, evaluate, events_between, unverified_handover_allowed,
    unverified_not_found,
)
from tests.core.test_invoice import T0, make
from tests.core.test_payment import TX1, seen

END = timedelta(minutes=15) + timedelta(hours=24)  # expiry + monitoring window of make()


def handed(policy: Policy = Policy(unverified_max_tiyn=10**9)):
    inv = make()
    assert unverified_handover_allowed(inv, policy)
    return inv.hand_over_unverified("the manager", T0 + timedelta(minutes=2))


@pytest.mark.parametrize("limit, allowed", [(0, False), (1, False), (None, True)])
def test_the_limit_decides_and_zero_means_never(limit, allowed):
    inv = make()
    limit = inv.total_tiyn if limit is None else limit
    assert unverified_handover_allowed(inv, Policy(unverified_max_tiyn=limit)) is allowed


def test_a_paid_or_handed_over_invoice_is_not_handed_over_unverified_again():
    policy = Policy(unverified_max_tiyn=10**9)
    inv = make()
    paid = evaluate(inv, seen(Payment(TX1, inv.amount_sat)), policy)
    assert not unverified_handover_allowed(paid, policy)
    assert not unverified_handover_allowed(handed(policy), policy)
    with pytest.raises(IllegalTransition):
        handed(policy).hand_over_unverified("the manager")


def test_the_hand_over_is_recorded_with_the_manager_and_awaits_settlement():
    before = make()
    after = handed()
    assert after.state == NEW and UNVERIFIED in after.marks and after.handed_over
    assert after.awaiting_settlement and not after.alert_open
    assert "UNVERIFIED by the manager" in after.history[-1].cause
    assert events_between(before, after) == [HANDED_OVER]


def test_it_does_not_expire_and_the_payment_seen_later_settles_it():
    policy = Policy(unverified_max_tiyn=10**9)
    inv = handed(policy)
    late = evaluate(inv, seen(Payment(TX1, inv.amount_sat), minutes=40), policy)  # past the 15 min expiry
    assert late.state == PROCESSING and UNVERIFIED in late.marks
    settled = evaluate(late, seen(Payment(TX1, inv.amount_sat, height=101), tip=101, minutes=50), policy)
    assert settled.state == SETTLED and not settled.alert_open


def test_not_seen_by_the_end_of_the_window_is_lost_with_an_alert():
    policy = Policy(unverified_max_tiyn=10**9)
    inv = handed(policy)
    before_end = evaluate(inv, seen(minutes=int(END.total_seconds() // 60) - 1), policy)
    assert before_end.state == NEW and not before_end.alert_open
    after = evaluate(before_end, seen(minutes=int(END.total_seconds() // 60)), policy)
    assert after.state == INVALID and LOST_AFTER_HANDOVER in after.marks and after.alert_open
    assert events_between(before_end, after) == [INVALID_EVENT, PAYMENT_LOST]


def test_an_offline_chain_does_not_hide_the_end_of_the_window():
    policy = Policy(unverified_max_tiyn=10**9)
    inv = handed(policy)
    assert unverified_not_found(inv, policy, T0 + END - timedelta(seconds=1)) is inv
    lost = unverified_not_found(inv, policy, T0 + END)
    assert lost.state == INVALID and lost.alert_open


def test_an_underpayment_is_not_found_either():
    policy = Policy(unverified_max_tiyn=10**9)
    inv = handed(policy)
    after = evaluate(inv, seen(Payment(TX1, inv.amount_sat - 1), minutes=int(END.total_seconds() // 60)), policy)
    assert after.state == INVALID and after.alert_open


def test_an_ordinary_invoice_is_untouched_by_the_window_rule():
    inv = make()
    assert unverified_not_found(inv, Policy(unverified_max_tiyn=10**9), T0 + END) is inv
