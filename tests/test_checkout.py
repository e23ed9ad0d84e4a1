"""Charge: the order of durable writes, and the refusals a cashier sees."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from pos.checkout import MIN_AMOUNT_SAT, ChargeError, Checkout, address_index
from pos.config import DEFAULT_PATH, load_config
from pos.core.invoice import NEW, Payment
from pos.core.ports import RateUnavailable
from pos.store import memory_store
from tests.builders import CATALOG, T0, make_cart, make_rate


class Key:
    def __init__(self, fail_first: bool = False) -> None:
        self.fail_first = fail_first
        self.asked: list[int] = []

    def address(self, index: int) -> str:
        self.asked.append(index)
        if self.fail_first and len(self.asked) == 1:
            raise RuntimeError("power cut while deriving")
        return f"bcrt1qaddress{index}"


class Rates:
    name = "test"

    def __init__(self, rate=None) -> None:
        self.rate = rate

    def quote(self):
        if self.rate is None:
            raise RateUnavailable("no source answered")
        return self.rate


def checkout(*, rate=make_rate(), key: Key | None = None, slot: int = 0, slots: int = 1, now=T0) -> Checkout:
    base = load_config(DEFAULT_PATH)
    config = replace(base, terminal=replace(base.terminal, slot=slot, slots=slots))
    k = key or Key()
    return Checkout(config=config, store=memory_store(clock=lambda: now), catalog=CATALOG, rates=Rates(rate),
                    key=lambda: k, payment_uri=lambda a, s, l, m: f"bitcoin:{a}?amount={s}&message={m}",
                    clock=lambda: now)


def test_a_charge_saves_the_invoice_with_its_locked_rate_before_it_is_shown():
    co = checkout()
    invoice = co.charge(make_cart([("BREAD-01", 2000)]), cashier="Aigerim")
    assert invoice.id == "T01-000001" and invoice.state == NEW and invoice.cashier == "Aigerim"
    assert invoice.total_tiyn == 50000 and invoice.amount_sat == make_rate().to_sats(50000)
    assert invoice.rate == make_rate() and invoice.address == "bcrt1qaddress0"
    assert co.store.get_invoice(invoice.id) == invoice
    assert invoice.expires_at - invoice.created_at == timedelta(minutes=15)


def test_terminals_sharing_a_wallet_interleave_their_addresses():
    assert [address_index(n, 1, 3) for n in range(4)] == [1, 4, 7, 10]
    co = checkout(slot=2, slots=3)
    first, second = co.charge(make_cart()), co.charge(make_cart())
    assert (first.address_index, second.address_index) == (2, 5)


def test_a_crash_while_deriving_skips_an_index_but_never_reuses_one():
    key = Key(fail_first=True)
    co = checkout(key=key)
    with pytest.raises(RuntimeError):
        co.charge(make_cart())
    invoice = co.charge(make_cart())
    assert key.asked == [0, 1] and invoice.address_index == 1 and invoice.seq == 2


@pytest.mark.parametrize("cart, rate, message", [
    (make_cart([]), make_rate(), "the cart is empty"),
    (make_cart(), None, "no exchange rate: no source answered"),
    (make_cart(), make_rate(at=T0 - timedelta(minutes=11)), "is 11 min old (limit 10 min)"),
    (make_cart([("WATER-01", 1000)]), make_rate(tiyn_per_btc=10**15), f"below the {MIN_AMOUNT_SAT} sat"),
])
def test_refusals_say_why_and_use_up_no_number(cart, rate, message):
    co = checkout(rate=rate)
    with pytest.raises(ChargeError, match=message.replace("(", r"\(").replace(")", r"\)")):
        co.charge(cart)
    assert co.store.next_counter("invoice") == 1  # nothing was taken by the refused charge


def test_cancel_before_payment_and_refusal_after():
    co = checkout()
    invoice = co.charge(make_cart())
    assert co.cancel(invoice.id).state == "cancelled"
    paid = co.charge(make_cart())
    co.store.save_invoice(replace(paid, payments=(Payment("ab" * 32, 1000),)))
    with pytest.raises(ChargeError, match="cannot be cancelled"):
        co.cancel(paid.id)
    with pytest.raises(ChargeError, match="no invoice T01-999999"):
        co.cancel("T01-999999")


def test_warm_up_derives_the_first_address():
    key = Key()
    assert checkout(key=key).warm_up() == "bcrt1qaddress0" and key.asked == [0]


def test_the_gap_limit_warning_follows_unpaid_addresses():
    from pos.chain.gap import record_paid

    co = checkout()
    invoices = [co.charge(make_cart()) for _ in range(21)]
    assert co.gap_warning(invoices[19]) is None  # index 19: 20 unused, the wallet's limit
    assert co.gap_warning(invoices[20]).startswith("21 receive addresses in a row are unused")
    record_paid(co.store, replace(invoices[15], payments=(Payment("cd" * 32, 1000),)))
    assert co.gap_warning(invoices[20]) is None
