"""How figures look on screen: tenge, quantities, BTC, local times. Formatting only, no maths."""

from __future__ import annotations

from datetime import datetime

from pos.core.cart import MAX_SALE_TIYN, MILLI
from pos.core.localtime import almaty
from pos.core.money import format_btc, format_kzt

#: The tenge sign on every terminal: the kiosk's console font has it too (pos.ui.console).
TENGE = "₸"
#: Columns of the widest sum a sale can reach (MAX_SALE_TIYN), written without the sign.
SUM_WIDTH = len(format_kzt(MAX_SALE_TIYN, ""))


def kzt(tiyn: int, symbol: str) -> str:
    return format_kzt(tiyn, symbol)


def amount(tiyn: int) -> str:
    """A sum in a column whose heading carries the sign: '112 500.00'."""
    return format_kzt(tiyn, "")


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
