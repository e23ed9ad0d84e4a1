"""Store benchmark: does a save cost the same with 100k invoices stored as with 1k?

For each history size a fresh file store gets that many settled invoices spread over past
business days (PER_DAY a day, loaded with import_closed: one write per file), then on a
fixed "today" the benchmark times the cashier's path: save a new invoice (it lands in the
small `open` file) and save it settled (it moves to today's file), and the reads that
touch history, each on a freshly opened store: a past day's invoices, an old invoice by
id, and the opening itself. The sizes are measured in turn, round after round, so that a
busy moment on the machine does not land on one size only. Every figure of the larger
stores is compared with the smallest store's; each is a median.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Callable, Iterator

import pos
from pos.bench.table import Row
from pos.core.cart import Cart, Totals
from pos.core.catalog import load_catalog
from pos.core.invoice import SETTLED, Invoice, new_invoice
from pos.core.money import Rate
from pos.store import business_day, open_store

#: 13:00 in Almaty: the shop is open, today's file already exists.
NOW = datetime(2026, 11, 25, 8, 0, tzinfo=timezone.utc)
TARGET_RATIO = 2.0


@dataclass(frozen=True)
class Plan:
    sizes: tuple[int, ...]
    per_day: int
    saves: int
    reads: int


FULL = Plan(sizes=(1_000, 10_000, 100_000), per_day=300, saves=200, reads=20)
QUICK = Plan(sizes=(100, 300, 1_000), per_day=50, saves=30, reads=5)


def _totals() -> Totals:
    catalog, _ = load_catalog(Path(pos.__file__).parent / "data" / "demo_catalog.csv")
    cart = Cart(catalog, {"standard": 1600, "reduced": 1000, "zero": 0, "exempt": 0})
    for sku, milli in (("BREAD-01", 2000), ("MILK-01", 1000), ("KURT-01", 347)):
        cart.add(sku, milli)
    return cart.totals()


def _invoice(totals: Totals, seq: int, at: datetime) -> Invoice:
    rate = Rate(40_000_000_00, "bench", at)
    amount = rate.to_sats(totals.total)
    address = f"tb1qbench{seq:032d}"
    return new_invoice(
        terminal_id="T01", seq=seq, totals=totals, rate=rate, network="testnet4", address=address,
        address_index=seq - 1, uri=f"bitcoin:{address}?amount={amount}", amount_sat=amount,
        expiry=timedelta(minutes=15), monitoring=timedelta(hours=24), now=at)


def _settled(invoice: Invoice) -> Invoice:
    return invoice.transition(SETTLED, "bench: confirmed", invoice.created_at + timedelta(minutes=5))


def _history(totals: Totals, count: int, per_day: int) -> Iterator[Invoice]:
    """`count` settled invoices, `per_day` a day over 12 opening hours, ending yesterday."""
    days = -(-count // per_day)
    first_open = NOW.replace(hour=4) - timedelta(days=days)  # 09:00 in Almaty
    step = timedelta(hours=12) / per_day
    for i in range(count):
        at = first_open + timedelta(days=i // per_day) + step * (i % per_day)
        yield _settled(_invoice(totals, i + 1, at))


def _timed(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return (time.perf_counter() - start) * 1000


def _build(directory: Path, totals: Totals, size: int, plan: Plan) -> None:
    store = open_store(directory, clock=_today)
    try:
        store.import_closed(_history(totals, size, plan.per_day))
    finally:
        store.close()


def _today() -> datetime:
    return NOW


def _reads(directory: Path, size: int, plan: Plan, k: int, figures: dict[str, list[float]]) -> None:
    """The k-th of plan.reads history reads, each on a freshly opened store: nothing cached in the process."""
    days, full_days = -(-size // plan.per_day), size // plan.per_day  # the last day may be short: skip it
    seq = 1 + (k * full_days * plan.per_day) // plan.reads
    day = business_day(NOW - timedelta(days=days - (k * full_days) // plan.reads))
    start = time.perf_counter()
    store = open_store(directory, clock=_today)
    figures["open"].append((time.perf_counter() - start) * 1000)
    figures["get"].append(_timed(lambda: store.get_invoice(f"T01-{seq:06d}")))
    store.close()
    store = open_store(directory, clock=_today)
    figures["day"].append(_timed(lambda: store.invoices_for_day(day)))
    store.close()


def _measure(directories: dict[int, Path], totals: Totals, plan: Plan) -> dict[int, dict[str, float]]:
    """Every size in turn, round after round, so a busy moment on the machine hits them all alike."""
    figures: dict[int, dict[str, list[float]]] = {size: {key: [] for key, _ in FIGURES} for size in directories}
    for k in range(plan.reads):
        for size, directory in directories.items():
            _reads(directory, size, plan, k, figures[size])
    stores = {size: open_store(directory, clock=_today) for size, directory in directories.items()}
    try:
        for i in range(plan.saves):
            for size, store in stores.items():
                invoice = _invoice(totals, size + i + 1, NOW + timedelta(seconds=i))
                figures[size]["new"].append(_timed(lambda: store.save_invoice(invoice)))
                figures[size]["settle"].append(_timed(lambda: store.save_invoice(_settled(invoice))))
    finally:
        for store in stores.values():
            store.close()
    return {size: {key: statistics.median(values) for key, values in by_key.items()}
            for size, by_key in figures.items()}


FIGURES = [
    ("new", "save a new invoice (median)"),
    ("settle", "save it settled: moves to its day (median)"),
    ("day", "load a past day's invoices (median)"),
    ("get", "get an old invoice by id (median)"),
    ("open", "open the store (start, median)"),
]


def _size(n: int) -> str:
    return f"{n // 1000}k" if n >= 1000 and n % 1000 == 0 else str(n)


def run(quick: bool) -> list[Row]:
    plan = QUICK if quick else FULL
    totals = _totals()
    with tempfile.TemporaryDirectory(prefix="pos-bench-store-") as tmp:
        directories = {size: Path(tmp) / str(size) for size in plan.sizes}
        for size, directory in directories.items():
            _build(directory, totals, size, plan)
        results = _measure(directories, totals, plan)
    base = plan.sizes[0]
    rows = []
    for key, text in FIGURES:
        for size in plan.sizes:
            value = results[size][key]
            figure = f"store: {text}, {_size(size)} stored"
            if size == base:
                rows.append(Row(figure, value, "ms", target="baseline"))
            else:
                baseline = results[base][key]
                rows.append(Row(figure, value, "ms", baseline, f"<= {TARGET_RATIO:g}x the {_size(base)} figure",
                                value <= TARGET_RATIO * baseline))
    return rows
