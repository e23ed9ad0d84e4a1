"""Charge latency: from the Charge key to the invoice's QR on screen, through the real app.

Measured in a process of its own (`python -m pos.bench.charge --charges N`). The
terminal is the real one (pos.bench.rig): PosApp on Textual's headless driver, the
shipped config's watch-only key derived with bitcoinlib, BIP21, the half-block QR, a
memory store, the manual rate and the mock printer. Each charge starts on a quiet Sale
screen holding two scanned items; the clock starts as the F10 key event is posted and
stops when the Charge screen's first frame with the QR has been drawn (see
rig.PaintWatch); the invoice is then cancelled and its lines voided. One charge before
the measured ones loads what the first charge after start-up pays for once (qrcode, the
Charge screen's style sheet).

The parts are timed apart, each a median over as many runs as there are charges, on
the same key and addresses the app uses: deriving an address, building the payment
URI, building the QR matrix, and drawing the laid-out QR view row by row (the calls
the compositor makes). What remains of the total is Textual's work on the new screen
(compose, styles, layout, the other widgets) and the hand-offs between the charge
worker thread and the event loop.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable

from pos.bench.rig import BASKET, Cashier, bench_config, in_own_process, running_terminal
from pos.bench.table import Row
from pos.store import memory_store

TARGET_MS = 50.0
#: Address indices for the parts, far beyond those the charges use.
PART_INDEX = 1_000_000


def run(quick: bool) -> list[Row]:
    charges = 5 if quick else 50
    measured = in_own_process("pos.bench.charge", "--charges", str(charges), timeout=120 + 5 * charges)
    return rows(measured["latencies"], measured["parts"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pos.bench.charge", description=__doc__)
    parser.add_argument("--charges", type=int, required=True)
    latencies, parts = asyncio.run(measure(parser.parse_args(argv).charges))
    print(json.dumps({"latencies": latencies, "parts": parts}))
    return 0


async def measure(charges: int) -> tuple[list[float], dict[str, float]]:
    with tempfile.TemporaryDirectory(prefix="pos-bench-charge-") as tmp:
        async with running_terminal(bench_config(Path(tmp)), store=memory_store()) as cashier:
            await _charge_and_cancel(cashier)  # loads qrcode and the Charge screen's styles
            latencies = [await _charge_and_cancel(cashier) for _ in range(charges)]
            parts = await _parts(cashier, charges)
    return latencies, parts


async def _charge_and_cancel(cashier: Cashier) -> float:
    await cashier.scan(*BASKET)
    charged = await cashier.charge()
    await cashier.cancel(charged.invoice)
    return charged.latency


async def _parts(cashier: Cashier, runs: int) -> dict[str, float]:
    """Medians (seconds) of each step of a charge, on the app's own key and a painted QR view."""
    from pos.chain.bip21 import payment_uri
    from pos.ui.qr import make_qr
    from pos.ui.widgets.qr_view import QrView

    services = cashier.app.services
    key = services.checkout.key()
    merchant = services.config.merchant.name
    addresses = [key.address(PART_INDEX + i) for i in range(runs)]  # warm: the same code the worker runs
    uris = [payment_uri(a, 31_000 + i, merchant, f"T01-{i + 1:06d}") for i, a in enumerate(addresses)]

    await cashier.scan(*BASKET)
    charged = await cashier.charge()
    qr = cashier.app.screen.query_one(QrView)

    def draw() -> None:
        for y in range(qr.size.height):
            qr.render_line(y)

    parts = {
        "address derivation (bitcoinlib)": _median(lambda i: key.address(PART_INDEX + runs + i), runs),
        "payment URI (BIP21)": _median(lambda i: payment_uri(addresses[i], 31_000 + i, merchant, f"T01-{i:06d}"),
                                       runs),
        "QR matrix (qrcode)": _median(lambda i: make_qr(uris[i]), runs),
        "QR drawn (half-block rows)": _median(lambda i: draw(), runs),
    }
    await cashier.cancel(charged.invoice)
    return parts


def _median(step: Callable[[int], object], runs: int) -> float:
    times = []
    for i in range(runs):
        started = time.perf_counter()
        step(i)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def rows(latencies: list[float], parts: dict[str, float]) -> list[Row]:
    n = len(latencies)
    median = statistics.median(latencies) * 1000
    rest = median - sum(parts.values()) * 1000
    return [
        Row(f"charge: Charge key to QR painted, median of {n}", median, "ms", target=f"<= {TARGET_MS:g} ms",
            passed=median <= TARGET_MS),
        Row(f"charge: Charge key to QR painted, worst of {n}", max(latencies) * 1000, "ms"),
        *(Row(f"charge part: {name}", seconds * 1000, "ms") for name, seconds in parts.items()),
        Row("charge part: the rest (new screen: compose, styles, layout, paint; thread hand-offs)", rest, "ms"),
    ]


if __name__ == "__main__":
    sys.exit(main())
