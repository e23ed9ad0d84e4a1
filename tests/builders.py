"""Builders for valid core objects, shared by every test package.

Plain pos.core only (no pytest, no TinyDB): the store's kill-test writer imports this in a
subprocess that is started hundreds of times, so it must stay light.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Sequence

import pos
from pos.core.cart import Cart
from pos.core.catalog import load_catalog
from pos.core.invoice import Invoice, new_invoice
from pos.core.money import Rate, format_btc

#: A fixed moment (06:00 UTC = 11:00 in Almaty) for tests that must not depend on the clock.
T0 = datetime(2026, 11, 25, 6, 0, tzinfo=timezone.utc)
CATALOG, _ = load_catalog(Path(pos.__file__).parent / "data" / "demo_catalog.csv")
VAT = {"standard": 1600, "reduced": 1000, "zero": 0, "exempt": 0}
#: 40 000 000 KZT per BTC, in tiyn.
TIYN_PER_BTC = 40_000_000_00


def make_cart(items: Sequence[tuple[str, int]] = (("BREAD-01", 1000),)) -> Cart:
    """A demo-catalog cart from (SKU or barcode, quantity in milli-units) pairs."""
    cart = Cart(CATALOG, VAT)
    for code, quantity_milli in items:
        cart.add(code, quantity_milli)
    return cart


def make_rate(at: datetime = T0, tiyn_per_btc: int = TIYN_PER_BTC, source: str = "test") -> Rate:
    return Rate(tiyn_per_btc, source, at)


def make_invoice(
    seq: int = 1, terminal_id: str = "T01", *, items: Sequence[tuple[str, int]] = (("BREAD-01", 1000),),
    now: datetime = T0, rate: Rate | None = None, network: str = "regtest",
    expiry: timedelta = timedelta(minutes=15), monitoring: timedelta = timedelta(hours=24), cashier: str = "",
) -> Invoice:
    """A valid new invoice: same arguments, same invoice (to the last field)."""
    totals = make_cart(items).totals()
    rate = rate or make_rate(now)
    address = f"bcrt1qtest{terminal_id.lower()}{seq:08d}"
    amount_sat = rate.to_sats(totals.total)
    return new_invoice(
        terminal_id=terminal_id, seq=seq, totals=totals, rate=rate, network=network, address=address,
        address_index=seq - 1, uri=f"bitcoin:{address}?amount={format_btc(amount_sat)}", amount_sat=amount_sat,
        expiry=expiry, monitoring=monitoring, cashier=cashier, now=now,
    )
