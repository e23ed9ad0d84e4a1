"""Payment detection end to end on a real bcoin regtest node, through bitcoinlib's bcoin provider.

No mock anywhere: the node's wallet pays addresses derived from the watch-only key, blocks are
mined on demand, and the watcher decides through pos.core.payment, as at the till.
"""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import timedelta
from typing import Callable

import pytest

from pos.chain.backend import BitcoinlibBackend, probe_backend
from pos.chain.bip21 import payment_uri
from pos.chain.keys import WatchOnlyKey
from pos.chain.watcher import WatchReport, Watcher
from pos.config import Config
from pos.core.invoice import (
    EXPIRED, LOST_AFTER_HANDOVER, NEW, PAID_LATE, PAID_OVER, PAID_PARTIAL, PROCESSING, SETTLED, Invoice, utcnow,
)
from pos.core.payment import Policy
from pos.core.ports import Store
from pos.store import memory_store, open_store
from tests.builders import make_invoice
from tests.chain.conftest import VPUB

AMOUNT = 25_000


@pytest.fixture
def new_invoice(regtest_key: WatchOnlyKey, next_index: Callable[[], int]):
    """An open invoice on a fresh address of the watch-only key, saved in `store`."""
    def make(store: Store, amount_sat: int = AMOUNT, *, created_minutes_ago: float = 0) -> Invoice:
        index = next_index()
        base = make_invoice(seq=index, now=utcnow() - timedelta(minutes=created_minutes_ago))
        address = regtest_key.address(index)
        invoice = replace(base, address=address, address_index=index, amount_sat=amount_sat,
                          uri=payment_uri(address, amount_sat, "Alatau Demo Grocery", base.id))
        store.save_invoice(invoice)
        return invoice
    return make


@pytest.fixture
def watching(regtest_config: Config):
    """A watcher on a store, polling the node quickly (the tests call poll_once themselves)."""
    def make(store: Store | None = None, policy: Policy = Policy()) -> tuple[Store, Watcher]:
        store = store if store is not None else memory_store()
        watcher = Watcher(store, lambda: BitcoinlibBackend(regtest_config), policy, utcnow,
                          poll_seconds=0.1, max_backoff_seconds=0.3)
        return store, watcher
    return make


def poll_until(watcher: Watcher, done: Callable[[WatchReport], bool], timeout: float = 15) -> WatchReport:
    deadline = time.monotonic() + timeout
    while True:
        report = watcher.poll_once()
        if done(report) or time.monotonic() > deadline:
            return report
        time.sleep(0.05)


def test_exact_payment_is_processing_at_once_and_settled_by_the_next_block(regtest_node, watching, new_invoice):
    store, watcher = watching()
    invoice = new_invoice(store)
    assert watcher.poll_once().status.state == "online"
    txid = regtest_node.pay(invoice.address, AMOUNT)
    watcher.poll_once()
    seen = store.get_invoice(invoice.id)
    assert (seen.state, seen.received_sat, seen.marks) == (PROCESSING, AMOUNT, frozenset())
    assert [(p.txid, p.height, p.rbf) for p in seen.payments] == [(txid, None, False)]
    regtest_node.mine(1)
    report = watcher.poll_once()
    settled = store.get_invoice(invoice.id)
    assert (settled.state, settled.confirmations, settled.received_sat) == (SETTLED, 1, AMOUNT)
    assert report.status.height == regtest_node.height()


def test_underpayment_shows_the_remainder_and_a_top_up_completes_it(regtest_node, watching, new_invoice):
    store, watcher = watching()
    invoice = new_invoice(store)
    regtest_node.pay(invoice.address, 10_000)
    watcher.poll_once()
    partial = store.get_invoice(invoice.id)
    assert (partial.state, partial.marks, partial.remainder_sat) == (NEW, {PAID_PARTIAL}, AMOUNT - 10_000)
    regtest_node.mine(1)  # the first part confirms before the customer tops up: confirmed + unconfirmed
    regtest_node.pay(invoice.address, AMOUNT - 10_000)
    watcher.poll_once()
    topped = store.get_invoice(invoice.id)
    assert (topped.state, topped.marks, topped.received_sat, topped.remainder_sat) == (PROCESSING, frozenset(),
                                                                                      AMOUNT, 0)
    regtest_node.mine(1)
    watcher.poll_once()
    assert store.get_invoice(invoice.id).state == SETTLED


def test_overpayment_is_flagged_for_refund(regtest_node, watching, new_invoice):
    store, watcher = watching()
    invoice = new_invoice(store)
    regtest_node.pay(invoice.address, AMOUNT + 7_000)
    report = watcher.poll_once()
    over = store.get_invoice(invoice.id)
    assert (over.state, over.marks, over.received_sat) == (PROCESSING, {PAID_OVER}, AMOUNT + 7_000)
    assert report.alerts == [f"{invoice.id}: overpaid by 7000 sat: refund the customer"]
    regtest_node.mine(1)
    watcher.poll_once()
    assert (store.get_invoice(invoice.id).state, store.get_invoice(invoice.id).marks) == (SETTLED, {PAID_OVER})


def test_two_payments_that_sum_to_the_amount(regtest_node, watching, new_invoice):
    store, watcher = watching()
    invoice = new_invoice(store)
    first, second = regtest_node.pay(invoice.address, 15_000), regtest_node.pay(invoice.address, 10_000)
    watcher.poll_once()
    seen = store.get_invoice(invoice.id)
    assert (seen.state, seen.received_sat, seen.marks) == (PROCESSING, AMOUNT, frozenset())
    assert {(p.txid, p.amount_sat) for p in seen.payments} == {(first, 15_000), (second, 10_000)}
    regtest_node.mine(1)
    watcher.poll_once()
    assert store.get_invoice(invoice.id).state == SETTLED


def test_a_payment_after_the_expiry_is_paid_late_for_the_manager(regtest_node, watching, new_invoice):
    store, watcher = watching()
    invoice = new_invoice(store, created_minutes_ago=16)  # expiry 15 minutes
    watcher.poll_once()
    expired = store.get_invoice(invoice.id)
    assert (expired.state, expired.marks) == (EXPIRED, frozenset())  # nothing paid by the expiry
    regtest_node.pay(invoice.address, AMOUNT)
    report = watcher.poll_once()
    late = store.get_invoice(invoice.id)
    assert (late.state, late.marks, late.received_sat) == (EXPIRED, {PAID_LATE}, AMOUNT)
    assert report.alerts == [f"{invoice.id}: paid in full after it expired: the manager must check it and settle "
                             "by hand"]
    regtest_node.mine(1)
    watcher.poll_once()
    assert store.get_invoice(invoice.id).state == EXPIRED  # never settled by itself


def test_zero_confirmations_settle_a_small_payment_that_does_not_signal_rbf(regtest_node, watching, new_invoice):
    store, watcher = watching(policy=Policy(confirmations=0, zero_conf_max_sat=AMOUNT))
    plain, rbf, large = new_invoice(store), new_invoice(store), new_invoice(store, AMOUNT + 1)
    regtest_node.pay(plain.address, AMOUNT)
    regtest_node.pay(rbf.address, AMOUNT, rbf=True)
    regtest_node.pay(large.address, AMOUNT + 1)
    watcher.poll_once()
    assert [store.get_invoice(i.id).state for i in (plain, rbf, large)] == [SETTLED, PROCESSING, PROCESSING]
    assert store.get_invoice(rbf.id).payments[0].rbf is True
    regtest_node.mine(1)
    watcher.poll_once()
    assert [store.get_invoice(i.id).state for i in (rbf, large)] == [SETTLED, SETTLED]


def test_two_confirmations_wait_for_the_second_block(regtest_node, watching, new_invoice):
    store, watcher = watching(policy=Policy(confirmations=2))
    invoice = new_invoice(store)
    regtest_node.pay(invoice.address, AMOUNT)
    regtest_node.mine(1)
    watcher.poll_once()
    one = store.get_invoice(invoice.id)
    assert (one.state, one.confirmations) == (PROCESSING, 1)
    regtest_node.mine(1)
    watcher.poll_once()
    two = store.get_invoice(invoice.id)
    assert (two.state, two.confirmations) == (SETTLED, 2)


def test_a_replaced_payment_takes_the_invoice_back_to_new_with_an_alert(regtest_node, watching, new_invoice):
    store, watcher = watching(policy=Policy(handover="settled"))  # the customer still at the counter
    invoice = new_invoice(store)
    txid = regtest_node.pay(invoice.address, AMOUNT, rbf=True)
    watcher.poll_once()
    assert store.get_invoice(invoice.id).state == PROCESSING
    replacement = regtest_node.replace(txid)
    assert txid not in regtest_node.mempool() and replacement in regtest_node.mempool()
    report = watcher.poll_once()
    back = store.get_invoice(invoice.id)
    assert (back.state, back.payments, back.received_sat) == (NEW, (), 0)
    assert report.alerts == [f"{invoice.id}: payment {txid[:12]}... disappeared (replaced or double-spent); "
                             f"0 of {AMOUNT} sat now seen, state new"]
    regtest_node.mine(1)  # the replacement confirms: still nothing for the shop
    watcher.poll_once()
    assert store.get_invoice(invoice.id).state == NEW


def test_a_payment_replaced_after_hand_over_is_lost_loudly(regtest_node, watching, new_invoice):
    store, watcher = watching()  # the default: handed over when seen
    invoice = new_invoice(store)
    txid = regtest_node.pay(invoice.address, AMOUNT, rbf=True)
    watcher.poll_once()
    assert store.get_invoice(invoice.id).handed_over
    regtest_node.replace(txid)
    report = watcher.poll_once()
    lost = store.get_invoice(invoice.id)
    assert lost.state == NEW and LOST_AFTER_HANDOVER in lost.marks and lost.alert_open
    assert report.alerts == [f"{invoice.id}: PAYMENT LOST AFTER HAND-OVER: {txid[:12]}... disappeared; "
                             f"0 of {AMOUNT} sat now seen: a manager must acknowledge it and follow up"]


def test_a_hung_node_times_out_as_offline_and_nothing_changes(regtest_node, watching, new_invoice):
    store, watcher = watching()
    invoice = new_invoice(store)
    regtest_node.pay(invoice.address, AMOUNT)
    watcher.poll_once()
    before = store.get_invoice(invoice.id)
    regtest_node.pause()
    try:
        started = time.monotonic()
        report = watcher.poll_once()
        assert time.monotonic() - started < 3  # [chain] request_timeout_seconds = 1, not forever
    finally:
        regtest_node.resume()
    assert report.status.state == "offline" and "timed out" in report.status.detail
    assert store.get_invoice(invoice.id) == before
    regtest_node.mine(1)
    poll_until(watcher, lambda r: r.status.state == "online")
    assert store.get_invoice(invoice.id).state == SETTLED


def test_a_stopped_node_is_offline_and_detection_resumes_when_it_is_back(regtest_node, watching, new_invoice):
    store, watcher = watching()
    invoice = new_invoice(store)
    watcher.poll_once()
    seen = store.get_invoice(invoice.id)
    regtest_node.stop()
    try:
        reports = [watcher.poll_once() for _ in range(3)]
        assert [r.status.state for r in reports] == ["offline"] * 3
        assert "no answer" in reports[0].status.detail or "could not give" in reports[0].status.detail
        assert store.get_invoice(invoice.id) == seen
    finally:
        regtest_node.restart()  # a new chain on the same port (see pos/regtest/node.py)
    assert poll_until(watcher, lambda r: r.status.state == "online").status.state == "online"
    regtest_node.pay(invoice.address, AMOUNT)
    poll_until(watcher, lambda r: bool(r.updated))
    assert store.get_invoice(invoice.id).state == PROCESSING


def test_after_a_pos_restart_every_open_invoice_is_watched_again(regtest_node, watching, new_invoice, tmp_path):
    store = open_store(tmp_path / "store")
    paid, partly, untouched = new_invoice(store), new_invoice(store), new_invoice(store)
    _, watcher = watching(store)
    watcher.poll_once()
    store.close()  # the terminal goes down; the customers pay meanwhile
    regtest_node.pay(paid.address, AMOUNT)
    regtest_node.pay(partly.address, 5_000)
    store = open_store(tmp_path / "store")
    try:
        _, watcher = watching(store)
        report = watcher.poll_once()
        assert report.watched == 3
        states = {i.id: (store.get_invoice(i.id).state, store.get_invoice(i.id).marks) for i in (paid, partly, untouched)}
        assert states == {paid.id: (PROCESSING, frozenset()), partly.id: (NEW, {PAID_PARTIAL}),
                          untouched.id: (NEW, frozenset())}
    finally:
        store.close()


def test_pos_check_probe_reports_height_network_and_first_address(regtest_node, regtest_config):
    ok, message = probe_backend(regtest_config)
    assert ok, message
    assert message == (f"regtest via the bcoin node at 127.0.0.1:{regtest_node.http_port}: height "
                       f"{regtest_node.height()}; first receive address (0/0) "
                       "bcrt1q6rz28mcfaxtmd6v789l9rrlrusdprr9pz3cppk")


def test_pos_check_probe_reports_a_node_that_is_not_there(tmp_path):
    from tests.conftest import config_for

    config = config_for(tmp_path, network="regtest", backend="bcoin", url="http://pos:k@127.0.0.1:9/",
                        request_timeout_seconds=1)
    ok, message = probe_backend(config)
    assert not ok
    assert message.startswith("regtest: the bcoin node at 127.0.0.1:9 could not give the block height: ")
    assert "pos:k" not in message


@pytest.mark.parametrize("text, script_hex_prefix", [
    (VPUB, "0014"),  # P2WPKH, bcrt1q...
    ("upub5EFU65HtV5TeiSHmZZm7FUffBGy8UKeqp7vw43jYbvZPpoVsgU93oac7Wk3u6moKegAEWtGNF8DehrnHtv21XXEMYRUocHqguyjk"
     "nFHYfgY", "a914"),  # P2SH-P2WPKH, 2...
    ("tpubDC5FSnBiZDMmhiuCmWAYsLwgLYrrT9rAqvTySfuCCrgsWz8wxMXUS9Tb9iVMvcRbvFcAHGkMD5Kx8koh4GquNGNTfohfk7pgjhaP"
     "CdXpoba", "76a914"),  # P2PKH, m/n...
])
def test_the_node_reads_our_regtest_addresses_as_the_intended_scripts(regtest_node, text, script_hex_prefix):
    address = WatchOnlyKey.parse(text, "regtest").address(3)
    info = regtest_node.rpc("validateaddress", address)
    assert info["isvalid"] is True
    assert info["scriptPubKey"].startswith(script_hex_prefix)
