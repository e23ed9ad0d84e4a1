"""Money as integers in minor units: tiyn for KZT (1/100), satoshi for BTC (1/10^8).

Rounding rules (the only places money is rounded; each has a test):
  * line total   = quantity (milli-units) x unit price / 1000, half up to the tiyn;
  * percent off  = amount x basis points / 10000, half up to the tiyn (the discount);
  * VAT included = gross x rate / (100% + rate), half up, per VAT rate on the totals;
  * KZT -> sats  = tiyn x 10^8 / (tiyn per BTC), rounded UP: the merchant never
                   receives less than the price because of rounding;
  * sats -> KZT  = sats x (tiyn per BTC) / 10^8, half up (for display only).
Parsing accepts decimal strings only; a float never enters money maths.

Bounds, because a scanner or a stuck key can type anything: a typed number has at most MAX_DIGITS digits before the point
(hundreds of digits ended the app: OverflowError, or Python's int-digit limit); a
shelf price is at most MAX_PRICE_TIYN; no amount in sats is ever more than all
bitcoin (MAX_SATS), so no invoice can ask for more than 21 million BTC.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

TIYN_PER_TENGE = 100
SATS_PER_BTC = 100_000_000
#: Digits before the decimal point in any typed amount, quantity or rate (a trillion tenge has 13).
MAX_DIGITS = 15
#: The largest shelf price of one unit: 1 000 000 000 KZT.
MAX_PRICE_TIYN = 1_000_000_000 * TIYN_PER_TENGE
#: All the bitcoin there will ever be; no payment or invoice amount can be more.
MAX_SATS = 21_000_000 * SATS_PER_BTC

_DECIMAL = re.compile(r"^(?P<sign>-?)(?P<int>\d+)(?:[.,](?P<frac>\d*))?$")


class MoneyError(ValueError):
    """A money or quantity string that cannot be read exactly."""


class TooManyDigits(MoneyError):
    """A number longer than any real amount (MAX_DIGITS before the point)."""


def div_half_up(numerator: int, denominator: int) -> int:
    """Integer division rounding halves away from zero (the commercial rule)."""
    if denominator <= 0:
        raise ValueError("denominator must be positive")
    q, r = divmod(abs(numerator), denominator)
    if 2 * r >= denominator:
        q += 1
    return q if numerator >= 0 else -q


def div_up(numerator: int, denominator: int) -> int:
    """Ceiling division for non-negative numerators."""
    return -(-numerator // denominator)


def parse_decimal(text: str, places: int, what: str = "amount") -> int:
    """Read '1 234,5' or '12.345' exactly as an integer scaled by 10**places."""
    cleaned = str(text).strip().replace(" ", "").replace("\u00a0", "")
    m = _DECIMAL.match(cleaned)
    if not m:
        raise MoneyError(f"{what} {text!r} is not a number")
    frac = m.group("frac") or ""
    if len(m.group("int")) > MAX_DIGITS:  # checked before int(): no huge number is ever made
        raise TooManyDigits(f"{what} has more than {MAX_DIGITS} digits before the point")
    if len(frac) > places:
        raise MoneyError(f"{what} {text!r} has more than {places} decimal places")
    value = int(m.group("int")) * 10**places + int(frac.ljust(places, "0") or 0)
    return -value if m.group("sign") else value


def parse_kzt(text: str) -> int:
    """'1 250.50' -> 125050 tiyn."""
    return parse_decimal(text, 2, "KZT amount")


def format_kzt(tiyn: int, symbol: str = "₸") -> str:
    """125050 -> '1 250.50 ₸' (narrow grouping as on Kazakh price tags)."""
    sign = "-" if tiyn < 0 else ""
    tenge, t = divmod(abs(tiyn), TIYN_PER_TENGE)
    grouped = f"{tenge:,}".replace(",", " ")
    text = f"{sign}{grouped}.{t:02d}"
    return f"{text} {symbol}" if symbol else text


def format_btc(sats: int) -> str:
    """Integer sats -> BTC with up to 8 decimals and no trailing zeros ('0.0012')."""
    sign = "-" if sats < 0 else ""
    whole, frac = divmod(abs(sats), SATS_PER_BTC)
    frac_text = f"{frac:08d}".rstrip("0")
    return f"{sign}{whole}.{frac_text}" if frac_text else f"{sign}{whole}"


def format_sats(sats: int) -> str:
    return f"{sats:,}".replace(",", " ") + " sat"


def percent_of(amount: int, basis_points: int) -> int:
    """The part of an amount given in basis points (1600 = 16%), half up."""
    return div_half_up(amount * basis_points, 10_000)


def vat_included(gross: int, rate_bp: int) -> int:
    """VAT contained in a VAT-inclusive amount: gross x r / (1 + r), half up."""
    if rate_bp == 0:
        return 0
    return div_half_up(gross * rate_bp, 10_000 + rate_bp)


@dataclass(frozen=True)
class Rate:
    """KZT per BTC, in tiyn per whole bitcoin, with where and when it came from.

    It is copied onto an invoice when the invoice is made (the locked rate).
    """

    tiyn_per_btc: int
    source: str
    at: datetime  # timezone-aware, UTC

    def __post_init__(self) -> None:
        if self.tiyn_per_btc <= 0:
            raise MoneyError("a rate must be positive")
        if self.at.tzinfo is None:
            raise MoneyError("a rate's time must carry a timezone")

    def to_sats(self, tiyn: int) -> int:
        """Price in sats, rounded up so rounding never shortchanges the merchant; never above MAX_SATS."""
        if tiyn < 0:
            raise MoneyError("cannot convert a negative amount")
        sats = div_up(tiyn * SATS_PER_BTC, self.tiyn_per_btc)
        if sats > MAX_SATS:
            raise MoneyError(f"{format_kzt(tiyn, 'KZT')} at this rate is more than all bitcoin (21 million BTC)")
        return sats

    def to_tiyn(self, sats: int) -> int:
        return div_half_up(sats * self.tiyn_per_btc, SATS_PER_BTC)

    def to_dict(self) -> dict:
        return {"tiyn_per_btc": self.tiyn_per_btc, "source": self.source, "at": self.at.isoformat()}

    @classmethod
    def from_dict(cls, data: dict) -> "Rate":
        return cls(int(data["tiyn_per_btc"]), str(data["source"]), datetime.fromisoformat(data["at"]))
