"""Detection benchmark: payment broadcast -> invoice state change and hand-over, and requests.

Everything runs against a local bcoin regtest node (pos.regtest) through the real
bitcoinlib backend and watcher.

The background poll: a poller thread calls Watcher.poll_once every poll interval, as the UI
does. Latency: payments go out at random moments of the polling cycle (a seeded generator,
several at once so the run stays short), each timed from the moment the node has it in its
mempool to the end of the poll that moves its invoice to `processing`. Target: median <= poll
interval + 0.5 s, with the default [chain] poll_seconds (the quick run uses 2 s to stay
short). Requests: the backend is wrapped to count its calls during one poll with 1, 10 and
100 open invoices; target: one for the tip plus one per watched address.

The invoice on screen: the terminal as the app runs it (the real Till, Checkout and
watcher, built as pos.services builds them, over a memory store), with the app's two timers
as threads: the full poll (Till.poll) every poll interval and the quick look at the invoice
on the Charge screen (Till.poll_on_screen) every fast_poll_seconds (1 s with the merchant's
node), their results applied one at a time as the app's event loop does. 100 unpaid
invoices wait in the background (quick run: 10), and each customer served stays watched
there until it settles.
Hand-over: one customer after another, each paying at a random moment (seeded) after the
invoice is shown; timed from the node having the payment in its mempool to the end of the
look whose result the till announces as "handed over" for the invoice on screen. Targets (the
customer waits at the counter): median <= 1.5 s, worst <= 3 s. Requests per second: the backend calls made in
a window of whole poll cycles (30 s; quick run: 4 s), half a quick-look interval after the
timers start, with one unpaid invoice on screen; target: at most 10 % above the budget
(1 + background + 1) / poll_seconds + 1 / fast_poll_seconds (the full poll asks for the tip
and every watched address, the on-screen one included; each quick look asks once).
"""

from __future__ import annotations

import math
import random
import statistics
import tempfile
import threading
import time
from dataclasses import dataclass, replace
from datetime import timedelta
from pathlib import Path
from typing import Callable

from pos.bench.table import Row
from pos.chain.backend import BitcoinlibBackend
from pos.chain.bcl import prepare_bitcoinlib
from pos.chain.bip21 import payment_uri
from pos.chain.keys import WatchOnlyKey, lazy_key
from pos.chain.watcher import Watcher
from pos.checkout import Checkout
from pos.config import DEFAULT_PATH, Chain, Config, load_config
from pos.core.cart import Cart
from pos.core.catalog import load_catalog
from pos.core.invoice import PROCESSING, Invoice, new_invoice, utcnow
from pos.core.money import Rate
from pos.core.payment import HANDED_OVER, Policy
from pos.core.ports import ChainBackend, Store
from pos.rates.manual import ManualRateSource
from pos.regtest.node import RegtestNode
from pos.sale.till import PollResult, Till, TillEvent, fast_poll_seconds
from pos.services import DEMO_CATALOG
from pos.store import memory_store

LATENCY_MARGIN_SECONDS = 0.5
HANDOVER_MEDIAN_TARGET_SECONDS = 1.5  # a customer notices a wait of more than a second or two
HANDOVER_WORST_TARGET_SECONDS = 3.0
REQUEST_BUDGET_MARGIN = 0.10  # requests per second may exceed the budget by this much
PAYMENT_SAT = 25_000
SEED = 21


@dataclass(frozen=True)
class Plan:
    samples: int
    poll_seconds: float
    open_counts: tuple[int, ...]
    background: int  # unpaid invoices watched in the background while one is on screen
    request_cycles: int  # poll cycles in the requests-per-second window


FULL = Plan(samples=20, poll_seconds=Chain().poll_seconds, open_counts=(1, 10, 100), background=100,
            request_cycles=3)
QUICK = Plan(samples=3, poll_seconds=2, open_counts=(1, 3, 10), background=10, request_cycles=2)


class CountingBackend:
    """A ChainBackend that counts the requests made through it, and when each was made."""

    def __init__(self, inner: ChainBackend) -> None:
        self.inner = inner
        self.requests = 0
        self.times: list[float] = []  # time.monotonic() at the start of each request

    def tip_height(self) -> int:
        self._count()
        return self.inner.tip_height()

    def payments_to(self, address: str) -> tuple:
        self._count()
        return self.inner.payments_to(address)

    def _count(self) -> None:
        self.requests += 1
        self.times.append(time.monotonic())


def run(quick: bool) -> list[Row]:
    plan = QUICK if quick else FULL
    with tempfile.TemporaryDirectory(prefix="pos-bench-detection-") as tmp, RegtestNode() as node:
        config = _config(Path(tmp), node)
        prepare_bitcoinlib(config)
        invoices = _InvoiceMaker(WatchOnlyKey.parse(config.chain.xpub, "regtest"))
        latencies = _latencies(node, config, invoices, plan)
        polls = {n: _one_poll(config, invoices, n) for n in plan.open_counts}
        handovers = _handovers(node, config, invoices, plan)
        rate = _request_rate(config, invoices, plan)
    return _rows(plan, latencies, polls) + _on_screen_rows(plan, fast_poll_seconds(config.chain), handovers, rate)


def _on_screen_rows(plan: Plan, fast: float, handovers: list[tuple[float, str]], rate: float) -> list[Row]:
    poll, n = plan.poll_seconds, len(handovers)
    times = [seconds for seconds, _ in handovers]
    median, worst = statistics.median(times), max(times)
    by_quick_look = sum(1 for _, by in handovers if by == _QUICK_LOOK)
    timers = f"look {fast:g} s, poll {poll:g} s"  # short: the README's table keeps its width
    # each full poll: the tip, the background addresses and the on-screen one; each quick look: one
    budget = (1 + plan.background + 1) / poll + 1 / fast
    limit = budget * (1 + REQUEST_BUDGET_MARGIN)
    return [
        Row(f"payment broadcast -> hand-over on screen, median of {n} ({timers})", median, "s", fast,
            f"<= {HANDOVER_MEDIAN_TARGET_SECONDS:g} s", median <= HANDOVER_MEDIAN_TARGET_SECONDS),
        Row(f"payment broadcast -> hand-over on screen, worst of {n} ({timers})", worst, "s", fast,
            f"<= {HANDOVER_WORST_TARGET_SECONDS:g} s", worst <= HANDOVER_WORST_TARGET_SECONDS),
        Row("hand-overs made by the quick look (the others by the full poll)", by_quick_look, f"of {n}"),
        Row(f"requests per second, 1 invoice on screen + {plan.background} in background ({timers})", rate,
            "req/s", None, f"<= {limit:.3g} (budget {budget:.3g} + {REQUEST_BUDGET_MARGIN:.0%})", rate <= limit),
    ]


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
        catalog, _ = load_catalog(DEMO_CATALOG)
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


# ---- the invoice on screen ---------------------------------------------------
_FULL_POLL, _QUICK_LOOK = "full poll", "quick look"


class _Terminal:
    """The app's two chain timers over a real Till, as threads (PosApp.poll_chain and poll_on_screen).

    Both start together; the full poll runs at once (the app's start-up work does the first
    poll). A tick that comes while the timer's previous call still runs is taken as soon as
    it ends, once (pos.ui.jobs runs a job asked for meanwhile once more). Results are applied
    one at a time (the app applies them on its event loop), and the till's events reach the
    listeners with the end time of the look that brought them and which timer it was.
    """

    def __init__(self, till: Till, poll_seconds: float, fast_seconds: float) -> None:
        self.till = till
        self.loop = threading.Lock()  # the app's event loop: one thing at a time
        self.origin = 0.0
        self.looked = (0.0, "")  # end time and timer of the look being applied
        self._stop = threading.Event()
        self._threads = [
            threading.Thread(target=self._timer, args=(poll_seconds, till.poll, _FULL_POLL), daemon=True,
                             name="bench-full-poll"),
            threading.Thread(target=self._timer, args=(fast_seconds, till.poll_on_screen, _QUICK_LOOK),
                             daemon=True, name="bench-quick-look"),
        ]

    def __enter__(self) -> "_Terminal":
        self.origin = time.monotonic()
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join()

    def _timer(self, every: float, look: Callable[[], PollResult | None], name: str) -> None:
        tick = 0
        while True:
            result: PollResult | None = look()
            done = time.monotonic()
            if result is not None:
                with self.loop:
                    self.looked = (done, name)
                    self.till.apply(result)
            tick = max(tick + 1, math.floor((time.monotonic() - self.origin) / every))
            if self._stop.wait(max(0.0, self.origin + tick * every - time.monotonic())):
                return


def _till(config: Config, store: Store, backend: CountingBackend) -> tuple[Till, Watcher]:
    """The till and watcher as pos.services builds them, on the regtest node through `backend`."""
    catalog, _ = load_catalog(DEMO_CATALOG)
    checkout = Checkout(config=config, store=store, catalog=catalog, rates=ManualRateSource(store),
                        key=lazy_key(config.chain.xpub, config.chain.network), payment_uri=payment_uri, clock=utcnow)
    watcher = Watcher(store, lambda: backend, Policy(), utcnow, config.chain.poll_seconds)
    return Till(store=store, checkout=checkout, watcher=watcher, policy=Policy(), clock=utcnow), watcher


def _handovers(node: RegtestNode, config: Config, make: _InvoiceMaker, plan: Plan) -> list[tuple[float, str]]:
    """Per customer: seconds from the payment in the mempool to its hand-over on screen, and which look saw it."""
    store = memory_store()
    till, _ = _till(config, store, CountingBackend(BitcoinlibBackend(config)))
    for _ in range(plan.background):
        make(store)
    handed: dict[str, tuple[float, str]] = {}
    arrived = threading.Condition()
    rng = random.Random(SEED + 1)
    results: list[tuple[float, str]] = []
    terminal = _Terminal(till, plan.poll_seconds, fast_poll_seconds(config.chain))

    def listener(event: TillEvent) -> None:  # what the app's Charge screen goes to Done on
        if event.name == HANDED_OVER and event.on_screen:
            with arrived:
                handed.setdefault(event.invoice.id, terminal.looked)
                arrived.notify_all()

    till.subscribe(listener)
    try:
        with terminal:
            for _ in range(plan.samples):
                invoice = make(store)
                with terminal.loop:
                    till.show(invoice)  # the Charge screen with its QR
                time.sleep(rng.uniform(0, plan.poll_seconds))  # the customer scans and pays
                node.pay(invoice.address, PAYMENT_SAT)
                sent = time.monotonic()
                with arrived:
                    if not arrived.wait_for(lambda: invoice.id in handed, timeout=plan.poll_seconds + 30):
                        raise RuntimeError(f"{invoice.id} was never handed over")
                done, by = handed[invoice.id]
                results.append((done - sent, by))
                with terminal.loop:
                    till.new_sale()  # the cashier moves on; the invoice settles in the background
    finally:
        store.close()
    node.mine(1)
    return results


def _request_rate(config: Config, make: _InvoiceMaker, plan: Plan) -> float:
    """Backend requests per second over whole poll cycles, one unpaid invoice on screen."""
    backend = CountingBackend(BitcoinlibBackend(config))
    store = memory_store()
    till, watcher = _till(config, store, backend)
    fast = fast_poll_seconds(config.chain)
    try:
        for _ in range(plan.background):
            make(store)
        till.show(make(store))
        window = plan.request_cycles * plan.poll_seconds
        with _Terminal(till, plan.poll_seconds, fast) as terminal:
            start = terminal.origin + fast / 2  # between ticks: each timer's calls fall wholly in or out
            time.sleep(max(0.0, start + window + fast / 2 - time.monotonic()))
        status = watcher.status
    finally:
        store.close()
    if status.state != "online":
        raise RuntimeError(f"the backend was not online during the request count: {status.detail}")
    return sum(1 for t in backend.times if start <= t < start + window) / window
