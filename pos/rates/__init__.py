"""KZT per BTC: where the rate locked on each invoice comes from ([pricing] rate_source).

`manual` (the manager's rate, kept in the store) or `composite` (a public BTC/USD ticker x
the National Bank of Kazakhstan's USD/KZT). Each quote carries its source and time; the
checkout refuses quotes older than [pricing] rate_max_age_minutes.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Callable

from pos.config import Config
from pos.core.ports import RateSource, Store
from pos.rates.manual import ManualRateSource


def _utcnow() -> datetime:
    return datetime.now(timezone.utc)


def rate_source(config: Config, store: Store, clock: Callable[[], datetime] = _utcnow) -> RateSource:
    pricing = config.pricing
    if pricing.rate_source == "manual":
        return ManualRateSource(store)
    from pos.rates.composite import CompositeRateSource  # urllib, json, XML: only a terminal that fetches

    return CompositeRateSource(pricing.btc_usd_urls, pricing.usd_kzt_url, pricing.request_timeout_seconds, clock)
