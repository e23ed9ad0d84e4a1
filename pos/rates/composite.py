"""KZT per BTC = BTC/USD from the first ticker that answers x the National Bank's USD/KZT.

All in integers: USD per BTC in 1e-8 USD, KZT per USD in 1e-4 KZT, the product rounded
half up to the tiyn. The quote's time is when the BTC price was fetched; its source names
the ticker and the National Bank day, e.g. "api.kraken.com x nationalbank.kz 07.03.2026".
"""

from __future__ import annotations

from datetime import datetime
from typing import Callable, Sequence

from pos.core.localtime import business_day
from pos.core.money import TIYN_PER_TENGE, Rate, div_half_up
from pos.core.ports import RateUnavailable
from pos.rates.btcusd import USD_PLACES, parse_btc_usd
from pos.rates.http import fetch, host_of
from pos.rates.nbk import KZT_PLACES, UsdKzt, fetch_usd_kzt



def tiyn_per_btc(usd_per_btc: int, usd_kzt: UsdKzt) -> int:
    """(USD/BTC x 1e8) x (KZT per quant x 1e4) -> tiyn per BTC, half up."""
    scale = 10**USD_PLACES * 10**KZT_PLACES * usd_kzt.quant
    return div_half_up(usd_per_btc * usd_kzt.kzt_per_quant * TIYN_PER_TENGE, scale)


class CompositeRateSource:
    name = "composite"

    def __init__(self, btc_usd_urls: Sequence[str], usd_kzt_url: str, timeout: float,
                 clock: Callable[[], datetime]) -> None:
        self._btc_usd_urls = tuple(btc_usd_urls)
        self._usd_kzt_url = usd_kzt_url
        self._timeout = timeout
        self._clock = clock

    def quote(self) -> Rate:
        """Blocking (two or more HTTP requests): run it off the UI's event loop."""
        usd_per_btc, ticker, at = self._btc_usd()
        usd_kzt = fetch_usd_kzt(self._usd_kzt_url, business_day(at), self._timeout)
        return Rate(tiyn_per_btc(usd_per_btc, usd_kzt), f"{ticker} x {usd_kzt.source} {usd_kzt.day:%d.%m.%Y}", at)

    def _btc_usd(self) -> tuple[int, str, datetime]:
        """The first source that gives a usable price; RateUnavailable listing every failure."""
        failures = []
        for url in self._btc_usd_urls:
            source = host_of(url)
            try:
                at = self._clock()
                return parse_btc_usd(fetch(url, self._timeout), source), source, at
            except RateUnavailable as exc:
                failures.append(str(exc))
        raise RateUnavailable("no BTC/USD price: " + ("; ".join(failures) or "[pricing] btc_usd_urls is empty"))
