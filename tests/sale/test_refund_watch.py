"""Watching Bitcoin refunds: a transaction pays one refund only, even one done before to the same
address, and the marks the watch makes are journaled as the watcher's, not the cashier's."""

from __future__ import annotations

import pytest

from pos.core.journal import CASHIER, REFUND_RECORD, WATCHER, check_chain
from pos.core.refund import DONE, REQUESTED, Refund
from pos.sale.refunds import Refunds
from pos.store import open_store
from pos.store.journal import FileJournal
from tests.fiscal.test_returns import CUSTOMER, RefundingShop

pytestmark = pytest.mark.usefixtures("bitcoinlib_home")  # addresses are checked with bitcoinlib


@pytest.fixture
def shop(tmp_path):
    shop = RefundingShop(open_store(tmp_path / "store"))
    yield shop
    shop.services.store.close()


def started(shop: RefundingShop) -> Refunds:
    """The refunds of a terminal started again on the store: nothing of the watch before is remembered."""
    s = shop.services
    return Refunds(day=shop.day, store=s.store, config=s.config, clock=s.clock, rate=s.checkout.usable_rate,
                   chain=s.watcher.chain)


def refunded_sale(shop: RefundingShop, refunds: Refunds) -> Refund:
    """A Bitcoin sale refunded to the customer's address: the request."""
    [refund] = refunds.refund_sale(shop.bitcoin_sale(), approver=shop.manager, address=CUSTOMER)
    return refund


def test_a_payment_that_paid_an_earlier_refund_to_the_address_does_not_pay_the_next(shop):
    first = refunded_sale(shop, shop.refunds)
    paid = shop.services.watcher.pay(CUSTOMER, first.amount_sat)
    assert [r.txid for r in shop.refunds.poll()] == [paid]

    refunds = started(shop)  # only the store knows what paid the first refund
    second = refunded_sale(shop, refunds)
    assert (second.amount_sat, second.address) == (first.amount_sat, first.address)
    assert refunds.poll() == [] and [r.id for r in shop.services.store.requested_refunds()] == [second.id]
    assert shop.refunds.poll() == []  # nor does the watch that marked the first one take it again
    new = shop.services.watcher.pay(CUSTOMER, second.amount_sat)
    [done] = refunds.poll()
    assert (done.id, done.state, done.txid) == (second.id, DONE, new)


def test_the_watch_marks_a_refund_done_as_the_watcher(shop, tmp_path):
    refund = refunded_sale(shop, shop.refunds)
    shop.services.watcher.pay(CUSTOMER, refund.amount_sat)
    [done] = shop.refunds.poll()
    shop.services.store.close()
    entries = [e for e in check_chain(FileJournal(tmp_path / "store", None, None, reader=True).lines())
               if e.kind == REFUND_RECORD]
    assert [(e.data["record"]["state"], e.actor) for e in entries] == [(REQUESTED, CASHIER), (DONE, WATCHER)]
    assert entries[-1].data["id"] == done.id
