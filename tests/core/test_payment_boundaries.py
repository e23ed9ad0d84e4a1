"""The payment rules at their edges, and the history each decision leaves behind.

Written against the survivors of mutation testing (python -m pos.bench.mutation): exactly
paid, one sat short, one sat over, the tolerance's edge, expiry at the instant, confirmations
at the threshold; and each transition recorded at the poll's time with the cause an auditor
reads.
"""

from dataclasses import replace
from datetime import timedelta

import pytest

from pos.core.invoice import (
    CANCELLED, EXPIRED, INVALID, LOST_AFTER_HANDOVER, NEW, PAID_LATE, PAID_OVER, PAID_PARTIAL, PROCESSING, SETTLED,
    UNVERIFIED, Invoice, Payment,
)
from pos.core.payment import (
    Policy, evaluate, expire_if_due, handover_allowed, paid_enough, required_confirmations, unverified_handover_allowed,
    unverified_not_found,
)
from tests.core.test_invoice import T0, make
from tests.core.test_payment import TX1, TX2, seen

AMOUNT = 100_000  # make()'s invoice asks for this many sats


def entries(invoice: Invoice) -> list[tuple]:
    """The history after "created", as (minutes after T0, from, to, cause, marks)."""
    return [((h.at - T0) / timedelta(minutes=1), h.from_state, h.to_state, h.cause, h.marks)
            for h in invoice.history[1:]]


@pytest.mark.parametrize("received, state, marks", [
    (AMOUNT - 1, NEW, {PAID_PARTIAL}),  # one sat short
    (AMOUNT, PROCESSING, set()),  # exactly paid
    (AMOUNT + 1, PROCESSING, {PAID_OVER}),  # one sat over
    (1, NEW, {PAID_PARTIAL}),  # a single sat is already a partial payment
])
def test_one_sat_either_side_of_the_amount(received, state, marks):
    inv = evaluate(make(), seen(Payment(TX1, received)), Policy())
    assert (inv.state, inv.marks) == (state, marks)


@pytest.mark.parametrize("tolerance_bp, received, enough", [
    (100, AMOUNT - 1_000, True),  # exactly at 1 % short
    (100, AMOUNT - 1_001, False),  # one sat past it
    (0, AMOUNT - 1, False),
])
def test_the_tolerated_shortfall_is_inclusive_to_the_sat(tolerance_bp, received, enough):
    inv = replace(make(), payments=(Payment(TX1, received),))
    assert paid_enough(inv, Policy(underpay_tolerance_bp=tolerance_bp)) is enough


def test_confirmations_needed_by_each_policy():
    inv = make()
    assert required_confirmations(inv, Policy(confirmations=1, zero_conf_max_sat=AMOUNT)) == 1  # 0-conf is opt-in
    assert required_confirmations(inv, Policy(confirmations=3)) == 3
    assert required_confirmations(inv, Policy(confirmations=0, zero_conf_max_sat=AMOUNT)) == 0  # at the limit
    assert required_confirmations(inv, Policy(confirmations=0, zero_conf_max_sat=AMOUNT - 1)) == 1  # a sat over it
    one_sat = replace(inv, amount_sat=1)
    assert required_confirmations(one_sat, Policy(confirmations=0, zero_conf_max_sat=1)) == 0
    nothing = replace(inv, amount_sat=0)
    assert required_confirmations(nothing, Policy(confirmations=0, zero_conf_max_sat=1)) == 1


def test_with_one_confirmation_required_an_unconfirmed_payment_never_settles_even_under_the_0conf_limit():
    inv = evaluate(make(), seen(Payment(TX1, AMOUNT)), Policy(confirmations=1, zero_conf_max_sat=10 * AMOUNT))
    assert inv.state == PROCESSING


def test_a_processing_invoice_under_a_0conf_policy_waits_for_its_rbf_payment_to_confirm():
    policy = Policy(confirmations=0, zero_conf_max_sat=AMOUNT)
    inv = evaluate(make(), seen(Payment(TX1, AMOUNT, rbf=True)), policy)
    assert inv.state == PROCESSING
    assert evaluate(inv, seen(Payment(TX1, AMOUNT, rbf=True), minutes=2), policy).state == PROCESSING
    confirmed = evaluate(inv, seen(Payment(TX1, AMOUNT, height=100, rbf=True), minutes=3), policy)
    assert confirmed.state == SETTLED


def test_expiry_happens_at_the_instant_and_only_to_new_invoices():
    inv = make()
    assert expire_if_due(inv, inv.expires_at - timedelta(microseconds=1)) is inv
    expired = expire_if_due(inv, inv.expires_at)
    assert entries(expired) == [(15, NEW, EXPIRED, "expired without full payment", ())]
    processing = replace(inv, state=PROCESSING)
    assert expire_if_due(processing, inv.expires_at) is processing


def test_an_expiry_with_a_partial_payment_says_how_much_came():
    inv = evaluate(make(), seen(Payment(TX1, 1_000)), Policy())
    expired = expire_if_due(inv, inv.expires_at)
    assert entries(expired)[-1] == (
        15, NEW, EXPIRED, f"expired without full payment (received 1000 of {AMOUNT} sat, 0 conf)", (PAID_PARTIAL,))


def test_seen_then_handed_over_then_confirmed_each_recorded_at_its_poll():
    inv = evaluate(make(), seen(Payment(TX1, AMOUNT)), Policy())
    inv = evaluate(inv, seen(Payment(TX1, AMOUNT), minutes=2), Policy())  # nothing new: nothing recorded
    inv = evaluate(inv, seen(Payment(TX1, AMOUNT, height=100), minutes=3), Policy())
    received = f"received {AMOUNT} of {AMOUNT} sat"
    assert entries(inv) == [
        (1, NEW, PROCESSING, f"full amount seen: {received}, 0 conf", ()),
        (1, PROCESSING, PROCESSING, f"handed over: {received}, 0 conf, awaiting 1 confirmation(s)", ()),
        (3, PROCESSING, SETTLED, f"confirmed: {received}, 1 conf", ()),
    ]


def test_paid_and_confirmed_at_once_settles_and_hands_over_with_nothing_awaited():
    inv = evaluate(make(), seen(Payment(TX1, AMOUNT + 5, height=100)), Policy())
    received = f"received {AMOUNT + 5} of {AMOUNT} sat, 1 conf"
    assert entries(inv) == [
        (1, NEW, SETTLED, f"paid: {received}", ()),
        (1, SETTLED, SETTLED, f"{received}; new transaction(s) {TX1}", (PAID_OVER,)),
        (1, SETTLED, SETTLED, f"handed over: {received}", (PAID_OVER,)),
    ]


def test_payments_that_disappear_after_hand_over_are_named_and_the_loss_recorded():
    half = AMOUNT // 2
    inv = evaluate(make(), seen(Payment(TX1, half), Payment(TX2, AMOUNT - half)), Policy())
    assert inv.handed_over
    lost = evaluate(inv, seen(minutes=4), Policy())
    gone = f"received 0 of {AMOUNT} sat, 0 conf"
    assert entries(lost)[2:] == [
        (4, PROCESSING, PROCESSING, f"transaction(s) {TX1}, {TX2} disappeared (replaced or double-spent)", ()),
        (4, PROCESSING, NEW, f"payment no longer seen: {gone}", ()),
        (4, NEW, NEW, f"payment lost after hand-over: {gone}", (LOST_AFTER_HANDOVER,)),
    ]
    assert lost.alert_open and not handover_allowed(lost, Policy())


def test_unconfirmed_when_the_monitoring_window_closes_is_invalid_at_that_instant():
    inv = evaluate(make(), seen(Payment(TX1, AMOUNT)), Policy())
    end = (inv.monitor_until - T0) / timedelta(minutes=1)
    still = evaluate(inv, seen(Payment(TX1, AMOUNT), minutes=end - 1), Policy())
    assert still.state == PROCESSING
    invalid = evaluate(inv, seen(Payment(TX1, AMOUNT), minutes=end), Policy())
    assert entries(invalid)[-1] == (
        end, PROCESSING, INVALID, f"not confirmed within the monitoring window: received {AMOUNT} of {AMOUNT} sat, "
                                  "0 conf", ())


def test_new_transactions_are_named_and_only_a_cancelled_invoice_asks_for_a_refund():
    partial = evaluate(make(), seen(Payment(TX2, 10), Payment(TX1, 20)), Policy())
    assert entries(partial) == [
        (1, NEW, NEW, f"received 30 of {AMOUNT} sat, 0 conf; new transaction(s) {TX1}, {TX2}", (PAID_PARTIAL,))]
    cancelled = make().cancel(at=T0)
    paid = evaluate(cancelled, seen(Payment(TX1, AMOUNT), minutes=5), Policy())
    assert entries(paid)[-1] == (5, CANCELLED, CANCELLED, f"received {AMOUNT} of {AMOUNT} sat, 0 conf; new "
                                 f"transaction(s) {TX1}; paid after it was cancelled: refund the customer", (PAID_LATE,))


def test_a_late_payment_to_an_expired_invoice_is_recorded_at_the_poll():
    expired = evaluate(make(), seen(minutes=15), Policy())
    late = evaluate(expired, seen(Payment(TX1, AMOUNT), minutes=20), Policy())
    assert late.state == EXPIRED
    assert entries(late)[-1] == (20, EXPIRED, EXPIRED, f"received {AMOUNT} of {AMOUNT} sat, 0 conf; new "
                                 f"transaction(s) {TX1}", (PAID_LATE,))


def test_a_payment_that_disappears_leaving_part_of_it_records_no_new_transaction():
    half = AMOUNT // 2
    inv = evaluate(make(), seen(Payment(TX1, half), Payment(TX2, AMOUNT - half)), Policy(handover="settled"))
    partly = evaluate(inv, seen(Payment(TX1, half), minutes=2), Policy(handover="settled"))
    left = f"received {half} of {AMOUNT} sat, 0 conf"
    assert entries(partly)[1:] == [
        (2, PROCESSING, PROCESSING, f"transaction(s) {TX2} disappeared (replaced or double-spent)", ()),
        (2, PROCESSING, NEW, f"payment no longer seen: {left}", ()),
        (2, NEW, NEW, left, (PAID_PARTIAL,)),
    ]


@pytest.mark.parametrize("total_tiyn, limit_tiyn, allowed", [
    (1, 1, True),  # a total exactly at the limit
    (2, 1, False),  # a tiyn over it
    (0, 0, False),  # a limit of 0 means never, even for a sale that costs nothing
    (0, -1, False),
])
def test_unverified_hand_over_up_to_the_limit_inclusive(total_tiyn, limit_tiyn, allowed):
    inv = replace(make(), total_tiyn=total_tiyn)
    assert unverified_handover_allowed(inv, Policy(unverified_max_tiyn=limit_tiyn)) is allowed


def test_only_an_open_invoice_is_handed_over_unverified():
    expired = evaluate(make(), seen(minutes=15), Policy())
    assert not unverified_handover_allowed(expired, Policy(unverified_max_tiyn=10**9))


def test_an_unverified_hand_over_not_paid_by_the_end_is_recorded_invalid_then_lost_at_that_instant():
    policy = Policy(unverified_max_tiyn=10**9)
    inv = make().hand_over_unverified("the manager", T0)
    end = (inv.monitor_until - T0) / timedelta(minutes=1)
    lost = unverified_not_found(inv, policy, inv.monitor_until)
    assert entries(lost)[1:] == [
        (end, NEW, INVALID, "handed over unverified, payment not found by the end of the monitoring window: "
                            f"received 0 of {AMOUNT} sat, 0 conf", (UNVERIFIED,)),
        (end, INVALID, INVALID, "UNVERIFIED hand-over: no payment found", (LOST_AFTER_HANDOVER, UNVERIFIED)),
    ]


def test_payments_coming_and_going_are_recorded_once_at_their_second_disappearance():
    inv = make()
    for minute in range(1, 8):  # both seen at odd minutes, gone at even ones
        inv = evaluate(inv, seen(*((Payment(TX1, AMOUNT // 2), Payment(TX2, AMOUNT // 2)) if minute % 2 else ()),
                                 minutes=minute), Policy())
        notes = [entry for entry in entries(inv) if "keeps appearing" in entry[3]]
        assert notes == ([] if minute < 4 else [
            (4, NEW, NEW, f"transaction(s) {TX1}, {TX2} keeps appearing and disappearing: further comings and "
                          "goings are counted, not recorded", (LOST_AFTER_HANDOVER,))])
