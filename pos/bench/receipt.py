"""Receipt printing: encoding time, and a receipt through pyserial and a pty against the wire time.

A pty has no baud rate: bytes cross it as fast as the reader takes them. To stand
in for the wire, the reader here takes at most baudrate/10 bytes a second (8N1:
10 bits a byte), so a byte never arrives before its slot on a real line. The
measured time (document + encoding + pyserial writes + the paced wire) against
the wire time alone (bytes x 10 / baud) is what the terminal adds to the line's
own time. The serial driver paces nothing itself. Target: within 1.2x.
"""

from __future__ import annotations

import os
import select
import statistics
import threading
import time
import tty
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

from drivers.escpos import Profile, encode_receipt
from drivers.serial import SerialPrinter
from pos.bench.table import Row
from pos.core.cart import Cart
from pos.core.catalog import load_catalog
from pos.core.invoice import PROCESSING, SETTLED, Invoice, Payment, new_invoice
from pos.core.money import Rate
from pos.core.receipt import Receipt, ReceiptSettings, Text, build_receipt

CATALOG = Path(__file__).resolve().parents[1] / "data" / "demo_catalog.csv"
NOW = datetime(2026, 11, 25, 6, 0, tzinfo=timezone.utc)
TXID = "f4184fc596403b9d638783cf57adfe4c75c605f6356fbc91338530e9831e9e16"
ADDRESS = "tb1qw508d6qejxtdg4y5r3zarvary0c5xw7kxpjzsx"
SETTINGS = ReceiptSettings("Alatau Demo Grocery", "260140000017", "Alatau, CryptoCity, 1 Demo Street",
                           "Рахмет! Спасибо! Thank you!", "Айгерим", "ru", 48)
TARGET_RATIO = 1.2
ENCODE_SHARE = 0.1


def settled_invoice(items: int) -> Invoice:
    catalog, _ = load_catalog(CATALOG)
    cart = Cart(catalog, {"standard": 1600, "reduced": 1000, "zero": 0, "exempt": 0})
    for product in list(catalog.products.values())[:items]:
        cart.add(product.sku, 2000 if product.unit == "pcs" else 750)
    totals = cart.totals()
    rate = Rate(40_000_000_00, "composite", NOW)
    amount = rate.to_sats(totals.total)
    invoice = new_invoice(terminal_id="T01", seq=1, totals=totals, rate=rate, network="testnet4", address=ADDRESS,
                          address_index=0, uri=f"bitcoin:{ADDRESS}", amount_sat=amount,
                          expiry=timedelta(minutes=15), monitoring=timedelta(hours=24), now=NOW)
    invoice = replace(invoice, payments=(Payment(TXID, amount, 100),), tip_height=100)
    return invoice.transition(PROCESSING, "seen", NOW).transition(SETTLED, "confirmed", NOW)


def forty_lines() -> tuple[Invoice, Receipt]:
    """The fewest sale lines that make a receipt of at least 40 printed text lines."""
    for items in range(1, 11):
        invoice = settled_invoice(items)
        receipt = build_receipt(invoice, SETTINGS, number=1, now=NOW)
        if sum(isinstance(b, Text) for b in receipt.blocks) >= 40:
            return invoice, receipt
    raise RuntimeError("the demo catalog cannot fill a 40-line receipt")


class PacedLine:
    """The printer's end of a pty, taking bytes no faster than a serial line at `baud` would carry them."""

    def __init__(self, baud: int | None) -> None:
        self.baud = baud
        self.master, self.slave = os.openpty()
        tty.setraw(self.slave)
        self.path = os.ttyname(self.slave)

    def receive(self, expected: int, started: list[float], done: threading.Event, finished: list[float]) -> None:
        got, chunk = 0, max(1, (self.baud or 1_000_000) // 1000)  # about a millisecond of line time per read
        while got < expected:
            if not select.select([self.master], [], [], 5)[0]:
                break
            got += len(os.read(self.master, chunk))
            if self.baud:
                delay = started[0] + got * 10 / self.baud - time.perf_counter()
                if delay > 0:
                    time.sleep(delay)
        finished.append(time.perf_counter())
        done.set()

    def close(self) -> None:
        os.close(self.master)
        os.close(self.slave)


def push(invoice: Invoice, baud: int | None, profile: Profile) -> tuple[float, int]:
    """Seconds from starting the document to its last byte at the printer, and the byte count."""
    size = len(encode_receipt(build_receipt(invoice, SETTINGS, number=1, now=NOW), profile))
    line = PacedLine(baud)
    started: list[float] = [0.0]
    finished: list[float] = []
    done = threading.Event()
    reader = threading.Thread(target=line.receive, args=(size, started, done, finished), daemon=True)
    reader.start()
    printer = SerialPrinter(profile, port=line.path, baudrate=baud or 115200, write_timeout=10)
    try:
        started[0] = time.perf_counter()
        printer.print_receipt(build_receipt(invoice, SETTINGS, number=1, now=NOW))
        if not done.wait(size * 10 / (baud or 115200) * 5 + 10):
            raise RuntimeError(f"the pty reader did not get {size} bytes")
    finally:
        printer.close()
        reader.join(5)
        line.close()
    return finished[0] - started[0], size


def encode_seconds(invoice: Invoice, profile: Profile, runs: int) -> float:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        encode_receipt(build_receipt(invoice, SETTINGS, number=1, now=NOW), profile)
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def run(quick: bool) -> list[Row]:
    invoice, receipt = forty_lines()
    native, raster = Profile(columns=48), Profile(columns=48, native_qr=False)
    size = len(encode_receipt(receipt, native))
    raster_size = len(encode_receipt(receipt, raster))
    lines = sum(isinstance(b, Text) for b in receipt.blocks)
    rows = [
        Row(f"receipt bytes ({lines} lines, native QR)", size, "B"),
        Row("same receipt, raster QR", raster_size, "B", baseline=size),
        Row("raster QR receipt: wire time @9600", raster_size * 10 / 9600, "s"),
    ]
    wire_115200 = size * 10 / 115200
    encode = encode_seconds(invoice, native, 20 if quick else 200)
    rows.append(Row("build + encode 40-line receipt", encode * 1000, "ms", baseline=wire_115200 * 1000,
                    target=f"<= {ENCODE_SHARE}x wire @115200", passed=encode <= ENCODE_SHARE * wire_115200))
    for baud, runs in ((9600, 1 if quick else 3), (115200, 2 if quick else 10)):
        measured = statistics.median(push(invoice, baud, native)[0] for _ in range(runs))
        wire = size * 10 / baud
        rows.append(Row(f"print via pyserial + pty @{baud} (paced)", measured, "s", baseline=wire,
                        target=f"<= {TARGET_RATIO}x wire", passed=measured <= TARGET_RATIO * wire))
    unpaced = statistics.median(push(invoice, None, native)[0] for _ in range(3 if quick else 10))
    rows.append(Row("print via pyserial + pty, unpaced", unpaced * 1000, "ms"))
    return rows
