"""BTC in USD from a public ticker: CoinGecko's simple/price or Kraken's Ticker, told apart by shape.

Prices are read from the JSON text as decimal strings (json's parse_float=str), never as
floats, and held as an integer number of 1e-8 USD.
"""

from __future__ import annotations

import json
from typing import Any

from pos.core.money import MoneyError, parse_decimal
from pos.core.ports import RateUnavailable

USD_PLACES = 8


def parse_btc_usd(body: bytes, source: str) -> int:
    """USD per BTC, scaled by 10**8, from a CoinGecko or Kraken answer; RateUnavailable otherwise."""
    try:
        data = json.loads(body.decode("utf-8"), parse_float=str, parse_int=str)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise RateUnavailable(f"{source}: the answer is not JSON") from None
    price = _coingecko(data) if _is_coingecko(data) else _kraken(data, source) if _is_kraken(data) else None
    if price is None:
        raise RateUnavailable(f"{source}: unrecognised answer (neither CoinGecko's nor Kraken's format)")
    try:
        value = parse_decimal(str(price), USD_PLACES, "BTC price")
    except MoneyError as exc:
        raise RateUnavailable(f"{source}: {exc}") from None
    if value <= 0:
        raise RateUnavailable(f"{source}: the BTC price {price} is not positive")
    return value


def _is_coingecko(data: Any) -> bool:
    return isinstance(data, dict) and isinstance(data.get("bitcoin"), dict) and "usd" in data["bitcoin"]


def _coingecko(data: dict) -> Any:
    return data["bitcoin"]["usd"]


def _is_kraken(data: Any) -> bool:
    return isinstance(data, dict) and isinstance(data.get("error"), list)


def _kraken(data: dict, source: str) -> Any:
    if data["error"]:
        raise RateUnavailable(f"{source}: {'; '.join(map(str, data['error']))}")
    result = data.get("result")
    if not isinstance(result, dict) or len(result) != 1:
        return None
    ticker = next(iter(result.values()))
    last = ticker.get("c") if isinstance(ticker, dict) else None
    return last[0] if isinstance(last, list) and last else None
