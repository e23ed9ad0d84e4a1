from datetime import datetime, timedelta, timezone
from itertools import product

import pytest

from pos.core.invoice import (
    CANCELLED, MARKS, NEW, PROCESSING, SETTLED, STATES, TRANSITIONS, IllegalTransition, Invoice, Payment,
    invoice_id, new_invoice,
)
from tests.core.test_cart import cart  # the demo-catalog cart builder
from pos.core.money import Rate

T0 = datetime(2026, 11, 25, 6, 0, tzinfo=timezone.utc)


def make(now=T0, amount_sat: int = 100_000) -> Invoice:
    c = cart()
    c.add("BREAD-01")
    rate = Rate(40_000_000_00, "test", now)
    return new_invoice(terminal_id="T01", seq=7, totals=c.totals(), rate=rate, network="regtest",
                       address="bcrt1qexample", address_index=6, uri="bitcoin:x", amount_sat=amount_sat,
                       expiry=timedelta(minutes=15), monitoring=timedelta(hours=24), now=now)


def in_state(state: str) -> Invoice:
    from dataclasses import replace
    return replace(make(), state=state)


def test_ids_are_short_and_readable():
    assert invoice_id("T01", 42) == "T01-000042"
    assert make().id == "T01-000007"


def test_a_new_invoice_starts_with_a_history_entry():
    inv = make()
    assert inv.state == NEW and inv.history[0].to_state == NEW and inv.history[0].at == T0


@pytest.mark.parametrize("src, dst", [(s, d) for s, d in product(STATES, STATES) if d not in TRANSITIONS[s]])
def test_every_illegal_transition_is_rejected(src, dst):
    inv = in_state(src)
    with pytest.raises(IllegalTransition):
        inv.transition(dst, "test", T0)


@pytest.mark.parametrize("src, dst", [(s, d) for s in STATES for d in sorted(TRANSITIONS[s])])
def test_every_legal_transition_is_recorded_with_time_and_cause(src, dst):
    inv = in_state(src).transition(dst, "because", T0 + timedelta(minutes=1))
    last = inv.history[-1]
    assert (inv.state, last.from_state, last.to_state, last.cause) == (dst, src, dst, "because")
    assert last.at.tzinfo is not None


def test_settled_and_cancelled_are_final():
    assert in_state(SETTLED).final and in_state(CANCELLED).final and not make().final


def test_an_invoice_with_a_payment_cannot_be_cancelled():
    from dataclasses import replace
    inv = replace(make(), payments=(Payment("aa" * 32, 1000),))
    with pytest.raises(IllegalTransition, match="cannot be cancelled"):
        inv.cancel()


def test_unknown_marks_are_refused_and_known_ones_recorded():
    inv = make()
    with pytest.raises(IllegalTransition):
        inv.with_marks(frozenset({"paid_twice"}), "x", T0)
    marked = inv.with_marks(frozenset(MARKS), "all of them", T0)
    assert marked.state == NEW and marked.history[-1].marks == tuple(sorted(MARKS))


def test_naive_times_are_refused_in_history():
    with pytest.raises(ValueError):
        make().transition(PROCESSING, "x", datetime(2026, 1, 1))


def test_an_invoice_survives_storage():
    inv = make().transition(PROCESSING, "seen", T0)
    from dataclasses import replace
    inv = replace(inv, payments=(Payment("ab" * 32, 5, 101, True),), tip_height=102)
    assert Invoice.from_dict(inv.to_dict()) == inv
    assert inv.confirmations == 2


def test_a_vanished_transaction_counts_only_once_in_a_block_and_its_count_survives_storage():
    from dataclasses import replace
    inv = make().vanish(["ab" * 32]).vanish(["ab" * 32])
    assert inv.vanished == {"ab" * 32: 2}
    unconfirmed = replace(inv, payments=(Payment("ab" * 32, inv.amount_sat),), tip_height=102)
    assert (unconfirmed.received_sat, unconfirmed.confirmations) == (0, 0)
    mined = replace(unconfirmed, payments=(Payment("ab" * 32, inv.amount_sat, 101),))
    assert (mined.received_sat, mined.confirmations) == (inv.amount_sat, 2)
    assert Invoice.from_dict(mined.to_dict()) == mined
    assert Invoice.from_dict({k: v for k, v in mined.to_dict().items() if k != "vanished"}).vanished == {}
