"""Watching Bitcoin refunds: a transaction pays one refund only, even one done long before to the
same address, and the marks the watch makes are journaled as the watcher's, not the cashier's."""

from __future__ import annotations

import pytest

from pos.core.journal import CASHIER, REFUND_RECORD, WATCHER, check_chain
from pos.core.refund import DONE, REQUESTED
from pos.i18n import Translator
from pos.sale.day import Day
from pos.sale.refunds import Refunds
from pos.store import open_store
from pos.store.journal import FileJournal
from tests.ui.conftest import make_config, make_services

pytestmark = pytest.mark.usefixtures("bitcoinlib_home")  # addresses are checked with bitcoinlib
CUSTOMER = "bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080"  # a valid regtest address


class Till:
    """The UI rig's services on a file store, a shift open; a new `Refunds` is a restarted terminal."""

    def __init__(self, store_dir) -> None:
        self.services = s = make_services(make_config(shift={"cashier_refund_max_kzt": 100_000}),
                                          store=open_store(store_dir))
        self.day = Day(store=s.store, checkout=s.checkout, config=s.config, clock=s.clock, tr=Translator("en"))
        self.day.open_shift(self.day.add_cashier("Aigerim", "cashier", "1111"), 0)
        self.day.follow(s.till)

    def refunds(self) -> Refunds:
        s = self.services
        return Refunds(day=self.day, store=s.store, config=s.config, clock=s.clock, rate=s.checkout.usable_rate,
                       chain=s.watcher.chain)

    def refunded_sale(self, refunds: Refunds):
        """A bread sold in Bitcoin and refunded to the customer's address: the request."""
        s = self.services
        cart = s.checkout.new_cart()
        cart.add("BREAD-01")
        invoice = s.till.charge(cart)
        s.watcher.pay(invoice.address, invoice.amount_sat, height=s.watcher.tip)
        s.till.apply(s.till.poll())
        [refund] = refunds.refund_sale(s.store.get_invoice(invoice.id), address=CUSTOMER)
        return refund


@pytest.fixture
def till(tmp_path):
    till = Till(tmp_path / "store")
    yield till
    till.services.store.close()


def test_a_payment_that_paid_an_earlier_refund_to_the_address_does_not_pay_the_next(till):
    first_refunds = till.refunds()
    first = till.refunded_sale(first_refunds)
    paid = till.services.watcher.pay(CUSTOMER, first.amount_sat)
    assert [r.txid for r in first_refunds.poll()] == [paid]

    refunds = till.refunds()  # a later start: only the store knows what paid the first refund
    second = till.refunded_sale(refunds)
    assert second.amount_sat == first.amount_sat and second.address == first.address
    assert refunds.poll() == [] and [r.id for r in till.services.store.requested_refunds()] == [second.id]
    assert first_refunds.poll() == []  # nor does the watch that marked the first one done take it again
    new = till.services.watcher.pay(CUSTOMER, second.amount_sat)
    [done] = refunds.poll()
    assert (done.id, done.state, done.txid) == (second.id, DONE, new)


def test_the_watch_marks_a_refund_done_as_the_watcher(till, tmp_path):
    refunds = till.refunds()
    refund = till.refunded_sale(refunds)
    till.services.watcher.pay(CUSTOMER, refund.amount_sat)
    [done] = refunds.poll()
    till.services.store.close()
    entries = [e for e in check_chain(FileJournal(tmp_path / "store", None, None, reader=True).lines())
               if e.kind == REFUND_RECORD]
    assert [(e.data["record"]["state"], e.actor) for e in entries] == [(REQUESTED, CASHIER), (DONE, WATCHER)]
    assert entries[-1].data["id"] == done.id
