"""A lying backend beside the real regtest node: it can never make an invoice settle or be handed over.

The liar (tests/chain/fake_bcoin.py) speaks bcoin's REST API and answers from the real node
except where it lies. The terminal reads it through the production backend factory
(pos.chain.watcher.default_backend_factory): bitcoinlib's real client, the answer checks and
the whole-call deadline of pos.chain.guard, and, with [chain] verify_backend, the second
opinion of pos.chain.verified.
"""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import timedelta
from typing import Callable, Iterator

import pytest

from pos.chain.bip21 import payment_uri
from pos.chain.keys import WatchOnlyKey
from pos.chain.watcher import Watcher, default_backend_factory
from pos.config import Config
from pos.core.invoice import NEW, PROCESSING, SETTLED, Invoice, utcnow
from pos.core.payment import Policy
from pos.regtest.node import RegtestNode
from pos.store import memory_store
from tests.builders import make_invoice
from tests.chain.fake_bcoin import FakeBcoin
from tests.conftest import config_for

AMOUNT = 25_000
MORE_THAN_ALL_BITCOIN = 2**64 - 1


@pytest.fixture
def liar(regtest_node: RegtestNode) -> Iterator[FakeBcoin]:
    fake = FakeBcoin(regtest_node)
    try:
        yield fake
    finally:
        fake.close()


@pytest.fixture
def terminal(tmp_path, regtest_key: WatchOnlyKey, next_index: Callable[[], int]):
    """A store with one open invoice on a fresh address, and a watcher reading `primary` (and `verify`)."""
    def make(primary: str, verify: str = "", policy: Policy = Policy()) -> tuple[Watcher, Invoice, Config]:
        config = config_for(tmp_path, network="regtest", backend="bcoin", url=primary,
                            verify_backend="bcoin" if verify else "", verify_url=verify,
                            request_timeout_seconds=1, poll_seconds=1)
        store = memory_store()
        index = next_index()
        base = make_invoice(seq=index, now=utcnow())
        address = regtest_key.address(index)
        invoice = replace(base, address=address, address_index=index, amount_sat=AMOUNT,
                          uri=payment_uri(address, AMOUNT, "Alatau Demo Grocery", base.id))
        store.save_invoice(invoice)
        watcher = Watcher(store, default_backend_factory(config), policy, utcnow, poll_seconds=0.01,
                          max_backoff_seconds=0.01)
        return watcher, invoice, config
    return make


def now_of(watcher: Watcher, invoice: Invoice) -> Invoice:
    return watcher._store.get_invoice(invoice.id)


def polls(watcher: Watcher, count: int) -> list:
    reports = []
    for _ in range(count):
        time.sleep(0.02)  # past the (tiny) backoff
        reports.append(watcher.poll_once())
    return reports


# ---- absurd answers, with no second opinion -------------------------------------------------

def test_a_payment_above_all_bitcoin_is_unknown_never_paid(regtest_node, liar, terminal):
    watcher, invoice, _ = terminal(liar.url)
    liar.invent(invoice.address, MORE_THAN_ALL_BITCOIN)
    (report,) = polls(watcher, 1)
    assert now_of(watcher, invoice) == invoice  # not processing, not handed over, not overpaid
    assert report.status.state == "degraded"
    assert "more than all bitcoin" in report.status.detail


def test_a_tip_that_jumps_a_thousand_blocks_in_seconds_is_unknown(regtest_node, liar, terminal):
    watcher, invoice, _ = terminal(liar.url, policy=Policy(confirmations=6))
    regtest_node.pay(invoice.address, AMOUNT)
    regtest_node.mine(1)
    polls(watcher, 1)
    assert (now_of(watcher, invoice).state, now_of(watcher, invoice).confirmations) == (PROCESSING, 1)
    liar.tip_offset = 1_000
    (report,) = polls(watcher, 1)
    assert report.status.state == "offline" and "jumped" in report.status.detail
    assert (now_of(watcher, invoice).state, now_of(watcher, invoice).confirmations) == (PROCESSING, 1)


def test_real_blocks_in_a_burst_still_count(regtest_node, liar, terminal):
    watcher, invoice, _ = terminal(liar.url, policy=Policy(confirmations=6))
    regtest_node.pay(invoice.address, AMOUNT)
    polls(watcher, 1)
    regtest_node.mine(6)
    (report,) = polls(watcher, 1)
    assert report.status.state == "online"
    assert now_of(watcher, invoice).state == SETTLED


def test_a_backend_that_drips_one_byte_at_a_time_is_offline_within_its_deadline(regtest_node, liar, terminal):
    watcher, invoice, config = terminal(liar.url)
    assert polls(watcher, 1)[0].status.state == "online"
    liar.drip_seconds = 0.5  # each byte well inside the 1 s per-read timeout: bitcoinlib alone would wait minutes
    started = time.monotonic()
    (report,) = polls(watcher, 1)
    took = time.monotonic() - started
    assert report.status.state == "offline" and "within 2 s" in report.status.detail
    assert took < 2 * config.chain.request_timeout_seconds + 0.5, took
    started = time.monotonic()  # the abandoned request is still dripping: the next poll does not wait again
    (report,) = polls(watcher, 1)
    assert report.status.state == "offline" and time.monotonic() - started < 0.5
    liar.drip_seconds = 0.0  # the server recovers: the abandoned request ends, the next poll is answered
    deadline = time.monotonic() + 10
    while report.status.state != "online" and time.monotonic() < deadline:
        (report,) = polls(watcher, 1)
    assert report.status.state == "online"
    print(f"slow drip: offline after {took:.2f} s (deadline {2 * config.chain.request_timeout_seconds} s)")


# ---- a second opinion: the liar as the primary or as the verify backend ----------------------

def sides(liar: FakeBcoin, node: RegtestNode, liar_is: str) -> tuple[str, str]:
    """(primary url, verify url) with the liar on the named side, the real node on the other."""
    return (liar.url, node.url) if liar_is == "primary" else (node.url, liar.url)


@pytest.mark.parametrize("liar_is", ["primary", "verify"])
def test_an_invented_payment_never_settles_nor_hands_over_and_the_disagreement_alerts_once(
        regtest_node, liar, terminal, liar_is):
    watcher, invoice, _ = terminal(*sides(liar, regtest_node, liar_is), policy=Policy(confirmations=0,
                                                                                      zero_conf_max_sat=AMOUNT))
    txid = liar.invent(invoice.address, AMOUNT)
    reports = polls(watcher, 5)
    assert now_of(watcher, invoice) == invoice  # never processing, settled or handed over
    assert {r.status.state for r in reports} == {"degraded"}
    assert f"sees {txid}" in reports[0].status.detail
    alerts = [a for r in reports for a in r.alerts]
    assert len(alerts) == 1 and alerts[0].startswith(f"{invoice.id}: SECOND OPINION DISAGREES (3 polls): ")
    assert txid in alerts[0]


@pytest.mark.parametrize("liar_is", ["primary", "verify"])
def test_an_invented_block_height_never_settles_a_real_payment(regtest_node, liar, terminal, liar_is):
    watcher, invoice, _ = terminal(*sides(liar, regtest_node, liar_is), policy=Policy(handover="settled"))
    txid = regtest_node.pay(invoice.address, AMOUNT)
    liar.confirm(txid, regtest_node.height() - 5)  # six confirmations, says the liar: it is in the mempool
    polls(watcher, 3)
    seen = now_of(watcher, invoice)
    assert (seen.state, seen.handed_over, seen.payments) == (NEW, False, ())
    regtest_node.mine(1)  # now really one confirmation; the liar still says six
    polls(watcher, 3)
    assert (now_of(watcher, invoice).state, now_of(watcher, invoice).handed_over) == (NEW, False)


@pytest.mark.parametrize("liar_is", ["primary", "verify"])
def test_an_invented_tip_is_offline_and_alerts(regtest_node, liar, terminal, liar_is):
    watcher, invoice, _ = terminal(*sides(liar, regtest_node, liar_is), policy=Policy(confirmations=2))
    regtest_node.pay(invoice.address, AMOUNT)
    regtest_node.mine(1)
    polls(watcher, 1)
    liar.tip_offset = 5  # within what the guard allows for a burst, but not what the other node says
    reports = polls(watcher, 4)
    assert {r.status.state for r in reports} == {"offline"}
    assert "disagree on the tip" in reports[0].status.detail
    assert [a.split(" (")[0] for r in reports for a in r.alerts] == ["chain: SECOND OPINION DISAGREES"]
    assert (now_of(watcher, invoice).state, now_of(watcher, invoice).confirmations) == (PROCESSING, 1)


def test_two_honest_backends_agree_and_the_sale_goes_on(regtest_node, liar, terminal):
    watcher, invoice, _ = terminal(liar.url, regtest_node.url)  # the liar tells the truth here
    txid = regtest_node.pay(invoice.address, AMOUNT)
    (report,) = polls(watcher, 1)
    seen = now_of(watcher, invoice)
    assert (report.status.state, seen.state, seen.handed_over) == ("online", PROCESSING, True)
    assert [(p.txid, p.height) for p in seen.payments] == [(txid, None)]
    regtest_node.mine(1)
    polls(watcher, 1)
    assert (now_of(watcher, invoice).state, now_of(watcher, invoice).confirmations) == (SETTLED, 1)


def test_pos_check_probes_the_second_opinion_too(regtest_node, liar, tmp_path):
    from pos.chain.backend import probe_backend

    config = config_for(tmp_path, network="regtest", backend="bcoin", url=liar.url, verify_backend="bcoin",
                        verify_url=regtest_node.url, request_timeout_seconds=1)
    ok, message = probe_backend(config)
    height = regtest_node.height()
    assert ok and f"height {height}; second opinion the bcoin node at 127.0.0.1:{regtest_node.http_port}: " \
                  f"height {height}; first receive address" in message
    config = replace(config, chain=replace(config.chain, verify_url="http://pos:k@127.0.0.1:9/"))
    ok, message = probe_backend(config)
    assert not ok and "; second opinion: the bcoin node at 127.0.0.1:9 could not give the block height" in message
