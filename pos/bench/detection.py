"""Detection benchmark: payment broadcast -> invoice state change, and requests per poll.

Everything runs against a local bcoin regtest node (pos.regtest) through the real
bitcoinlib backend and watcher. A poller thread calls Watcher.poll_once every poll interval,
as the UI does. Latency: payments go out at random moments of the polling cycle (a seeded
generator, several at once so the run stays short), each timed from the moment the node has
it in its mempool to the end of the poll that moves its invoice to `processing`.
Target: median <= poll interval + 0.5 s, with the default [chain] poll_seconds (the quick
run uses 2 s to stay short). Requests: the backend is wrapped to count its calls during one
poll with 1, 10 and 100 open invoices; target: one for the tip plus one per watched address.
"""

from __future__ import annotations

import random
import statistics
import tempfile
import threading
import time
from dataclasses import dataclass, replace
from datetime import timedelta
from pathlib import Path

from pos.bench.table import Row
from pos.chain.backend import BitcoinlibBackend
from pos.chain.bcl import prepare_bitcoinlib
from pos.chain.bip21 import payment_uri
from pos.chain.keys import WatchOnlyKey
from pos.chain.watcher import Watcher
from pos.config import DEFAULT_PATH, Chain, Config, load_config
from pos.core.cart import Cart
from pos.core.catalog import load_catalog
from pos.core.invoice import PROCESSING, Invoice, new_invoice, utcnow
from pos.core.money import Rate
from pos.core.payment import Policy
from pos.core.ports import ChainBackend, Store
from pos.regtest.node import RegtestNode
from pos.store import memory_store

LATENCY_MARGIN_SECONDS = 0.5
PAYMENT_SAT = 25_000
SEED = 21


@dataclass(frozen=True)
class Plan:
    samples: int
    poll_seconds: float
    open_counts: tuple[int, ...]


FULL = Plan(samples=20, poll_seconds=Chain().poll_seconds, open_counts=(1, 10, 100))
QUICK = Plan(samples=3, poll_seconds=2, open_counts=(1, 3, 10))


class CountingBackend:
    """A ChainBackend that counts the requests made through it."""

    def __init__(self, inner: ChainBackend) -> None:
        self.inner = inner
        self.requests = 0

    def tip_height(self) -> int:
        self.requests += 1
        return self.inner.tip_height()

    def payments_to(self, address: str) -> tuple:
        self.requests += 1
        return self.inner.payments_to(address)


def run(quick: bool) -> list[Row]:
    plan = QUICK if quick else FULL
    with tempfile.TemporaryDirectory(prefix="pos-bench-detection-") as tmp, RegtestNode() as node:
        config = _config(Path(tmp), node)
        prepare_bitcoinlib(config)
        invoices = _InvoiceMaker(WatchOnlyKey.parse(config.chain.xpub, "regtest"))
        latencies = _latencies(node, config, invoices, plan)
        polls = {n: _one_poll(config, invoices, n) for n in plan.open_counts}
    return _rows(plan, latencies, polls)


def _rows(plan: Plan, latencies: list[float], polls: dict[int, tuple[int, float]]) -> list[Row]:
    poll, limit = plan.poll_seconds, plan.poll_seconds + LATENCY_MARGIN_SECONDS
    median, worst = statistics.median(latencies), max(latencies)
    rows = [
        Row(f"detection latency, median of {len(latencies)} (poll every {poll:g} s)", median, "s", poll,
            f"<= {limit:g} s", median <= limit),
        Row(f"detection latency, worst of {len(latencies)} (poll every {poll:g} s)", worst, "s", poll),
    ]
    for n, (requests, seconds) in polls.items():
        rows.append(Row(f"requests per poll, {n} open invoice(s)", requests, "req", n, f"<= {1 + n} (1 + {n})",
                        requests <= 1 + n))
        rows.append(Row(f"poll duration, {n} open invoice(s)", seconds * 1000, "ms"))
    return rows


def _config(store_dir: Path, node: RegtestNode) -> Config:
    base = load_config(DEFAULT_PATH)
    return replace(base, store=replace(base.store, path=str(store_dir)),
                   chain=replace(base.chain, network="regtest", backend="bcoin", url=node.url))


class _InvoiceMaker:
    """Open invoices on fresh addresses of the watch-only key."""

    def __init__(self, key: WatchOnlyKey) -> None:
        catalog, _ = load_catalog(Path(__file__).resolve().parent.parent / "data" / "demo_catalog.csv")
        cart = Cart(catalog, {"standard": 1600, "reduced": 1000, "zero": 0, "exempt": 0})
        cart.add("BREAD-01", 1000)
        self._totals = cart.totals()
        self._key = key
        self._next = 0

    def __call__(self, store: Store) -> Invoice:
        index, self._next = self._next, self._next + 1
        address = self._key.address(index)
        now = utcnow()
        invoice = new_invoice(
            terminal_id="B01", seq=index + 1, totals=self._totals, rate=Rate(40_000_000_00, "bench", now),
            network="regtest", address=address, address_index=index,
            uri=payment_uri(address, PAYMENT_SAT, "bench", f"B01-{index + 1:06d}"), amount_sat=PAYMENT_SAT,
            expiry=timedelta(minutes=15), monitoring=timedelta(hours=24), now=now)
        store.save_invoice(invoice)
        return invoice


def _latencies(node: RegtestNode, config: Config, make: _InvoiceMaker, plan: Plan) -> list[float]:
    store = memory_store()
    watcher = Watcher(store, lambda: BitcoinlibBackend(config), Policy(), utcnow, plan.poll_seconds)
    invoices = [make(store) for _ in range(plan.samples)]
    detected: dict[str, float] = {}
    stop = threading.Event()

    def poller() -> None:
        next_poll = time.monotonic()
        while not stop.is_set():
            report = watcher.poll_once()
            done = time.monotonic()
            for invoice in report.updated:
                if invoice.state == PROCESSING:
                    detected.setdefault(invoice.id, done)
            next_poll += plan.poll_seconds
            stop.wait(max(0.0, next_poll - time.monotonic()))

    thread = threading.Thread(target=poller, name="bench-poller", daemon=True)
    thread.start()
    try:
        rng = random.Random(SEED)
        start = time.monotonic()
        # spread the payments over a few cycles, at random phases of the polling
        schedule = sorted(rng.uniform(0, plan.poll_seconds * 3) for _ in invoices)
        sent: dict[str, float] = {}
        for invoice, offset in zip(invoices, schedule):
            time.sleep(max(0.0, start + offset - time.monotonic()))
            node.pay(invoice.address, PAYMENT_SAT)
            sent[invoice.id] = time.monotonic()
        deadline = time.monotonic() + 3 * plan.poll_seconds + 30
        while len(detected) < len(invoices) and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        stop.set()
        thread.join()
    missing = [i.id for i in invoices if i.id not in detected]
    if missing:
        raise RuntimeError(f"payments never detected: {', '.join(missing)}")
    node.mine(1)
    return [detected[i] - sent[i] for i in sent]


def _one_poll(config: Config, make: _InvoiceMaker, count: int) -> tuple[int, float]:
    """Requests and wall time of one poll with `count` open invoices (after a first, warming poll)."""
    store = memory_store()
    for _ in range(count):
        make(store)
    backend = CountingBackend(BitcoinlibBackend(config))
    watcher = Watcher(store, lambda: backend, Policy(), utcnow, poll_seconds=1)
    watcher.poll_once()
    backend.requests = 0
    started = time.perf_counter()
    report = watcher.poll_once()
    elapsed = time.perf_counter() - started
    if report.status.state != "online" or report.watched != count:
        raise RuntimeError(f"the poll with {count} invoice(s) failed: {report.status.detail}")
    return backend.requests, elapsed
