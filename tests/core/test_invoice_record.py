"""What an invoice records: its dates, lines and totals as charged, each change's time and
cause in UTC, the refusals in words, and a stored copy that reads back the same.

Written against the survivors of mutation testing (python -m pos.bench.mutation).
"""

from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest

from pos.core.cart import Discount
from pos.core.invoice import (
    INVALID, LOST_AFTER_HANDOVER, NEW, PROCESSING, REFUND_OWED, UNVERIFIED, HistoryEntry, IllegalTransition, Invoice, Payment,
    SaleLine, new_invoice, utcnow,
)
from pos.core.money import Rate
from tests.core.test_cart import cart
from tests.core.test_invoice import T0, make

ALMATY = timezone(timedelta(hours=5))


def refusal(call, *args) -> str:
    with pytest.raises(IllegalTransition) as caught:
        call(*args)
    return str(caught.value)


def last(invoice: Invoice) -> tuple:
    h = invoice.history[-1]
    return h.at, h.from_state, h.to_state, h.cause, h.marks


def test_the_clock_is_utc():
    assert utcnow().tzinfo is timezone.utc


def test_history_times_are_utc_whatever_the_machine_or_the_caller_uses(almaty_machine):
    at = datetime(2026, 11, 25, 11, 0, tzinfo=ALMATY)
    entry = make().transition(PROCESSING, "seen", at).history[-1]
    assert entry.at == T0 and entry.at.utcoffset() == timedelta(0)
    assert entry.to_dict()["at"] == "2026-11-25T06:00:00+00:00"


def test_a_naive_time_is_refused_in_words():
    with pytest.raises(ValueError) as caught:
        make().note("x", datetime(2026, 1, 1))
    assert str(caught.value) == "history times must be timezone-aware (UTC)"


def test_a_new_invoice_dates_lines_and_totals():
    c = cart()
    c.add("BREAD-01", 2000)
    c.add("MED-01")
    c.set_line_discount(1, Discount(amount_tiyn=100))
    c.set_order_discount(Discount(amount_tiyn=300))
    totals = c.totals()
    rate = Rate(40_000_000_00, "test", T0)
    inv = new_invoice(terminal_id="T01", seq=7, totals=totals, rate=rate, network="regtest", address="a",
                      address_index=6, uri="u", amount_sat=1, expiry=timedelta(minutes=15),
                      monitoring=timedelta(hours=24), now=T0)
    assert (inv.created_at, inv.expires_at, inv.monitor_until) == (T0, T0 + timedelta(minutes=15),
                                                                   T0 + timedelta(hours=24, minutes=15))
    assert inv.cashier == "" and inv.discount_tiyn == 400 and inv.total_tiyn == totals.total
    assert inv.history == (HistoryEntry(T0, "", NEW, "created", ()),)
    bread, med = inv.lines
    shares = [t.order_discount_tiyn for t in totals.lines]
    assert (bread.sku, bread.discount_tiyn, bread.total_tiyn, bread.vat_rate_bp) == (
        "BREAD-01", 100 + shares[0], totals.lines[0].total, 1600)
    assert (med.sku, med.discount_tiyn, med.total_tiyn, med.vat_rate_bp) == ("MED-01", shares[1], totals.lines[1].total,
                                                                             1000)
    assert sum(line.total_tiyn for line in inv.lines) == inv.total_tiyn


@pytest.mark.parametrize("names, language, shown", [
    ({"ru": "Хлеб", "en": "Bread", "kk": "Нан"}, "de", "Хлеб"),  # no such language: Russian first
    ({"en": "Bread", "kk": "Нан"}, "de", "Bread"),  # then English
    ({"kk": "Нан"}, "en", "Нан"),  # then Kazakh
    ({}, "en", "BREAD-01"),  # then the SKU
])
def test_a_line_is_named_in_the_language_asked_then_russian_english_kazakh(names, language, shown):
    line = SaleLine("BREAD-01", names, "pcs", 1000, 25000, 25000, 0, 25000, 1600)
    assert line.name(language) == shown


def test_a_payment_above_the_tip_has_no_confirmations_and_none_at_all_is_zero():
    assert Payment("aa" * 32, 1, height=105).confirmations(100) == 0
    assert Payment("aa" * 32, 1, height=100).confirmations(100) == 1
    assert make().confirmations == 0


@pytest.mark.parametrize("payments, confirmations", [
    # most-confirmed first: 40 + 60 reach the 100 at 3 confirmations
    (((40, 5), (60, 3), (10, 0)), 3),
    # one sat short of the target until the unconfirmed sat comes in
    (((99, 3), (1, 0)), 0),
])
def test_the_confirmations_of_an_amount_count_payments_most_confirmed_first(payments, confirmations):
    tip = 100
    inv = replace(make(), tip_height=tip, payments=tuple(
        Payment(f"{i:064d}", amount, None if conf == 0 else tip - conf + 1) for i, (amount, conf) in enumerate(payments)))
    assert inv.covering_confirmations(100) == confirmations


def test_an_unknown_state_or_mark_is_refused_in_words():
    assert refusal(replace(make(), state="bogus").transition, NEW, "x", T0) == (
        "invoice T01-000007: bogus -> new is not allowed")
    assert refusal(make().with_marks, frozenset({"bogus"}), "x", T0) == "invoice T01-000007: unknown mark(s) ['bogus']"


def test_every_change_is_recorded_at_the_time_given():
    at = T0 + timedelta(minutes=3)
    assert last(make().with_marks(frozenset({LOST_AFTER_HANDOVER}), "m", at)) == (
        at, NEW, NEW, "m", (LOST_AFTER_HANDOVER,))
    assert last(make().note("n", at)) == (at, NEW, NEW, "n", ())
    assert last(make().cancel(at=at)) == (at, NEW, "cancelled", "cancelled by the cashier", ())


def test_a_paid_invoice_cannot_be_cancelled_and_says_why():
    paid = replace(make(), payments=(Payment("aa" * 32, 1000),))
    assert refusal(paid.cancel) == "invoice T01-000007: a payment was seen, it cannot be cancelled"


def test_the_hand_over_time_is_that_of_its_own_entry():
    inv = make().note("one", T0 + timedelta(minutes=1)).note("two", T0 + timedelta(minutes=2))
    handed = inv.hand_over("go", T0 + timedelta(minutes=3))
    assert handed.handed_over_at == T0 + timedelta(minutes=3)


def test_an_unverified_hand_over_is_recorded_at_its_time_and_refused_twice_in_words():
    inv = make().note("one", T0 + timedelta(minutes=1))
    handed = inv.hand_over_unverified("the manager", T0 + timedelta(minutes=2))
    assert handed.handed_over_at == T0 + timedelta(minutes=2)
    assert last(handed) == (T0 + timedelta(minutes=2), NEW, NEW, "handed over UNVERIFIED by the manager: the chain "
                            "could not be read; the payment is checked when it can", (UNVERIFIED,))
    assert refusal(handed.hand_over_unverified, "the manager") == (
        "invoice T01-000007: only an open invoice not yet handed over can be handed over unverified")


def test_a_payment_lost_again_after_an_acknowledged_loss_raises_a_new_alert():
    lost = make().lose_after_handover("gone", T0 + timedelta(minutes=4))
    assert last(lost) == (T0 + timedelta(minutes=4), NEW, NEW, "gone", (LOST_AFTER_HANDOVER,))
    acknowledged = lost.acknowledge_lost("Aigerim", T0 + timedelta(minutes=5))
    assert last(acknowledged) == (T0 + timedelta(minutes=5), NEW, NEW, "lost payment acknowledged by Aigerim",
                                  (LOST_AFTER_HANDOVER,))
    assert not acknowledged.alert_open
    assert acknowledged.lose_after_handover("gone again", T0 + timedelta(minutes=6)).alert_open
    assert refusal(make().acknowledge_lost, "Aigerim") == "invoice T01-000007: no lost payment to acknowledge"


def test_closing_an_underpaid_invoice_as_refund_owed_is_recorded_twice_at_that_time():
    underpaid = replace(make(), payments=(Payment("aa" * 32, 1000),))
    at = T0 + timedelta(minutes=7)
    closed = underpaid.close_refund_owed("Aigerim", at)
    assert [(h.at, h.to_state, h.cause, h.marks) for h in closed.history[1:]] == [
        (at, INVALID, "underpaid (1000 of 100000 sat): closed by Aigerim, refund owed", ()),
        (at, INVALID, "refund owed to the customer", (REFUND_OWED,)),
    ]
    assert refusal(make().close_refund_owed, "Aigerim") == (
        "invoice T01-000007: only an underpaid open invoice can be closed as refund owed")


def test_a_stored_invoice_keeps_its_cashier_and_an_old_record_reads_with_defaults():
    inv = replace(make(), cashier="Aigerim")
    assert inv.to_dict()["cashier"] == "Aigerim"
    assert Invoice.from_dict(inv.to_dict()) == inv
    old = make().to_dict()
    for key in ("cashier", "marks", "payments", "tip_height", "history", "handed_over_at", "lost_acknowledged"):
        del old[key]
    read = Invoice.from_dict(old)
    assert (read.cashier, read.marks, read.payments, read.tip_height, read.history, read.handed_over_at,
            read.lost_acknowledged) == ("", frozenset(), (), 0, (), None, False)
    entry = {"at": T0.isoformat(), "from": "", "to": NEW, "cause": "created"}  # before marks were recorded
    assert HistoryEntry.from_dict(entry) == HistoryEntry(T0, "", NEW, "created", ())
