"""Memory: the terminal's resident set size after start-up and after many headless sales.

Measured in a Python process of its own (`python -m pos.bench.memory --sales N`), so that
what other benchmarks allocated does not count. The terminal is the real one
(pos.bench.rig) set up as in a shop: the file store in a temporary directory, the file
printer driver writing ESC/POS to a plain file (a printer keeps nothing in memory; the
mock driver would keep every receipt), the shipped key, the manual rate. A sale scans
two items, charges, and then alternately settles (the scripted chain pays, a block
confirms, the receipt prints, Enter starts the next sale) or is cancelled (its lines are
voided). RSS is VmRSS from /proc/self/status, read after a garbage collection.

Readings: after start-up (Sale screen up, its start-up jobs done: key warm-up, which also
draws one QR, first poll, print check), after the first sale (the Charge and Done screens), and
after all of them. Growth is counted from start-up, as the issue states it: what keeps
growing is what would fill a Raspberry Pi over a day.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import sys
import tempfile
from pathlib import Path

from pos.bench.rig import BASKET, Cashier, bench_config, in_own_process, running_terminal
from pos.bench.table import Row

GROWTH_TARGET_PERCENT = 20.0
RSS_TARGET_MB = 150.0
#: Seconds one sale may take on average before the child process is given up.
SECONDS_PER_SALE_LIMIT = 3.0


def rss_mb() -> float:
    gc.collect()
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024  # kB
    raise RuntimeError("no VmRSS in /proc/self/status (memory figures need Linux)")


async def sale(cashier: Cashier, number: int) -> None:
    await cashier.scan(*BASKET)
    charged = await cashier.charge()
    if number % 2:
        await cashier.cancel(charged.invoice)
    else:
        await cashier.settle(charged.invoice)


async def measure(sales: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="pos-bench-memory-") as tmp:
        directory = Path(tmp)
        config = bench_config(directory, driver="file", device=str(directory / "printer.bin"))
        (directory / "printer.bin").touch()  # the file driver never creates its device
        # a plain file gives no printer status: each receipt goes out "sent, not confirmed"
        async with running_terminal(config, receipt_event="receipt_unconfirmed") as cashier:
            readings = {"start": rss_mb()}
            await sale(cashier, 0)
            readings["first_sale"] = rss_mb()
            for number in range(1, sales):
                await sale(cashier, number)
            await cashier.quiet()
            readings["end"] = rss_mb()
            # the day's data: the store keeps the open file and today's files parsed in memory
            readings["store_kb"] = sum(f.stat().st_size for f in (directory / "store").rglob("*.json")) / 1024
    return readings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pos.bench.memory", description=__doc__)
    parser.add_argument("--sales", type=int, required=True)
    args = parser.parse_args(argv)
    print(json.dumps({"sales": args.sales, **asyncio.run(measure(args.sales))}))
    return 0


def run(quick: bool) -> list[Row]:
    sales = 50 if quick else 1000
    return rows(in_own_process("pos.bench.memory", "--sales", str(sales),
                               timeout=60 + sales * SECONDS_PER_SALE_LIMIT))


def rows(readings: dict) -> list[Row]:
    sales, start, first, end = readings["sales"], readings["start"], readings["first_sale"], readings["end"]
    growth = (end - start) / start * 100
    return [
        Row("memory: RSS after start-up", start, "MB"),
        Row("memory: RSS after the first sale", first, "MB", start),
        Row(f"memory: RSS after {sales} sales", end, "MB", start, f"< {RSS_TARGET_MB:g} MB", end < RSS_TARGET_MB),
        Row(f"memory: growth over {sales} sales", growth, "%", target=f"< {GROWTH_TARGET_PERCENT:g}%",
            passed=growth < GROWTH_TARGET_PERCENT),
        Row("memory: growth per sale after the first", (end - first) / (sales - 1) * 1024, "kB"),
        Row(f"memory: the store's files (JSON) after {sales} sales", readings["store_kb"], "kB"),
    ]


if __name__ == "__main__":
    sys.exit(main())
