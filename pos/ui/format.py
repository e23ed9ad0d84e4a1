"""How figures look on screen: tenge, quantities, BTC, local times. Formatting only, no maths."""

from __future__ import annotations

import os
from datetime import datetime

from pos.core.cart import MILLI
from pos.core.localtime import almaty
from pos.core.money import format_btc, format_kzt



def currency_symbol(environ: dict[str, str] | os._Environ = os.environ) -> str:
    """The tenge sign, except on the Linux console, whose fonts lack it."""
    return "KZT" if environ.get("TERM") == "linux" else "₸"


def kzt(tiyn: int, symbol: str) -> str:
    return format_kzt(tiyn, symbol)


def btc(sats: int) -> str:
    return f"{format_btc(sats)} BTC"


def sats(amount: int) -> str:
    return f"{amount:,}".replace(",", " ")


def quantity(milli: int, unit: str) -> str:
    """1000 pcs -> '1'; 250 kg -> '0.250' (weighed goods always show grams)."""
    if unit == "pcs":
        return str(milli // MILLI)
    whole, frac = divmod(milli, MILLI)
    return f"{whole}.{frac:03d}"


def local_time(at: datetime, with_date: bool = False) -> str:
    local = at.astimezone(almaty())
    return local.strftime("%d.%m.%Y %H:%M" if with_date else "%H:%M:%S")


def countdown(seconds: int) -> str:
    seconds = max(0, seconds)
    return f"{seconds // 60:02d}:{seconds % 60:02d}"
