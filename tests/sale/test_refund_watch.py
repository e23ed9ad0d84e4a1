"""Watching Bitcoin refunds: only a payment made after the request's address was checked pays it (the
customer may have been paid to the address before, even the same amount from the shop's own wallet),
the check is kept in the store across a restart, a transaction pays one refund only, even one done
before to the same address, and the marks the watch makes are journaled as the watcher's."""

from __future__ import annotations

import pytest

from pos.core.invoice import Payment
from pos.core.journal import CASHIER, REFUND_RECORD, WATCHER, check_chain
from pos.core.refund import DONE, REQUESTED, Baseline, Refund
from pos.core.tender import TenderError
from pos.sale.day import REFUND_STATE
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
    """A Bitcoin sale refunded to the customer's address: the request, its address not checked yet."""
    [refund] = refunds.refund_sale(shop.bitcoin_sale(), approver=shop.manager, address=CUSTOMER)
    return refund


def checked(shop: RefundingShop, refunds: Refunds) -> Refund:
    """A request whose address the watch has checked: its QR may be shown, and paid."""
    refund = refunded_sale(shop, refunds)
    seen = refunds.watch()
    assert [r.id for r in seen.checked] == [refund.id] and seen.done == []
    return stored(shop, refund)


def stored(shop: RefundingShop, refund: Refund) -> Refund:
    return next(r for r in shop.services.store.refunds_for_day(shop.today) if r.id == refund.id)


def states(shop: RefundingShop) -> list[tuple[str, str, str]]:
    """The refund_state events the day announces from now on: (refund, state, txid)."""
    heard: list[tuple[str, str, str]] = []
    shop.day.subscribe(lambda e: heard.append((e.data["refund"], e.data["state"], e.data["txid"]))
                       if e.name == REFUND_STATE else None)
    return heard


def test_a_payment_to_the_address_before_the_request_never_pays_it_even_the_same_amount_from_the_same_wallet(shop):
    watcher = shop.services.watcher
    sat = shop.bitcoin_sale().amount_sat  # what the next refund of a tea comes to, at the same rate
    old = watcher.pay(CUSTOMER, sat, height=watcher.tip)  # paid and mined before the run
    pending = watcher.pay(CUSTOMER, sat * 10)  # and another on its way, not yet mined
    refund = refunded_sale(shop, shop.refunds)
    assert refund.amount_sat == sat
    assert shop.refunds.poll() == []  # the first look only checks the address
    assert stored(shop, refund).baseline == Baseline(watcher.tip, (old, pending))
    watcher.mine()
    assert shop.refunds.poll() == [] and stored(shop, refund).state == REQUESTED
    new = watcher.pay(CUSTOMER, sat)
    [done] = shop.refunds.poll()
    assert (done.id, done.state, done.txid) == (refund.id, DONE, new)


def test_a_payment_made_before_the_address_is_checked_is_part_of_the_check(shop):
    refund = refunded_sale(shop, shop.refunds)  # its QR is not shown yet: this is not the shop's payment
    early = shop.services.watcher.pay(CUSTOMER, refund.amount_sat)
    assert shop.refunds.poll() == []
    assert early in stored(shop, refund).baseline.txids
    assert shop.refunds.poll() == [] and stored(shop, refund).state == REQUESTED


def test_a_payment_mined_at_or_below_the_checked_tip_is_old_even_if_the_chain_did_not_list_it_then(shop):
    refund = checked(shop, shop.refunds)
    watcher = shop.services.watcher
    watcher.pay(CUSTOMER, refund.amount_sat, height=refund.baseline.height)
    assert shop.refunds.poll() == []
    new = watcher.pay(CUSTOMER, refund.amount_sat, height=refund.baseline.height + 1)
    assert [r.txid for r in shop.refunds.poll()] == [new]


def test_the_check_is_kept_in_the_store_so_a_restart_does_not_take_it_again(shop):
    refund = checked(shop, shop.refunds)
    paid = shop.services.watcher.pay(CUSTOMER, refund.amount_sat)  # the shop pays the QR shown
    refunds = started(shop)  # the terminal restarts before the next watch
    [done] = refunds.poll()
    assert (done.id, done.txid, done.baseline) == (refund.id, paid, refund.baseline)


def test_an_address_the_chain_cannot_be_asked_about_is_checked_when_it_comes_back(shop):
    watcher = shop.services.watcher
    heard = states(shop)
    refund = refunded_sale(shop, shop.refunds)
    assert heard == []  # not announced requested: it cannot be paid yet
    watcher.state = "offline"
    seen = shop.refunds.watch()
    assert [r.id for r in seen.unchecked] == [refund.id] and seen.checked == [] and seen.done == []
    assert stored(shop, refund).baseline is None
    shop.refunds.announce_watched(seen)
    assert heard == []
    watcher.state = "online"
    shop.refunds.poll()
    assert heard == [(refund.id, REQUESTED, "")] and stored(shop, refund).checked
    paid = watcher.pay(CUSTOMER, refund.amount_sat)
    shop.refunds.poll()
    assert heard == [(refund.id, REQUESTED, ""), (refund.id, DONE, paid)]


def test_no_payment_is_a_requests_own_before_its_address_is_checked_and_it_is_checked_once(shop):
    refund = refunded_sale(shop, shop.refunds)
    assert not refund.checked and not refund.paid_by(Payment("ab" * 32, refund.amount_sat * 2))
    checked_now = refund.with_baseline(Baseline(200, ("cd" * 32,)))
    assert Refund.from_dict(checked_now.to_dict()) == checked_now
    with pytest.raises(TenderError, match="not checked yet"):
        checked_now.with_baseline(Baseline(201, ()))


def test_a_payment_that_paid_an_earlier_refund_to_the_address_does_not_pay_the_next(shop):
    first = checked(shop, shop.refunds)
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


def test_two_requests_to_one_address_checked_together_are_paid_by_two_transactions(shop):
    first, second = checked(shop, shop.refunds), checked(shop, shop.refunds)
    paid = shop.services.watcher.pay(CUSTOMER, first.amount_sat)
    assert [(r.id, r.txid) for r in shop.refunds.poll()] == [(first.id, paid)]
    again = shop.services.watcher.pay(CUSTOMER, second.amount_sat)
    assert [(r.id, r.txid) for r in shop.refunds.poll()] == [(second.id, again)]


def test_the_watch_checks_and_marks_a_refund_done_as_the_watcher(shop, tmp_path):
    refund = checked(shop, shop.refunds)
    shop.services.watcher.pay(CUSTOMER, refund.amount_sat)
    [done] = shop.refunds.poll()
    shop.services.store.close()
    entries = [e for e in check_chain(FileJournal(tmp_path / "store", None, None, reader=True).lines())
               if e.kind == REFUND_RECORD]
    assert [(e.data["record"]["state"], bool(e.data["record"]["baseline"]), e.actor) for e in entries] == [
        (REQUESTED, False, CASHIER), (REQUESTED, True, WATCHER), (DONE, True, WATCHER)]
    assert entries[-1].data["id"] == done.id
