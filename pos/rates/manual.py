"""The manual rate: KZT per BTC entered by the manager, kept in the store with its time.

It is a quote like any other: the checkout refuses it for new invoices once it is older
than [pricing] rate_max_age_minutes, so a rate typed in the morning is not used all day.
"""

from __future__ import annotations

from datetime import datetime

from pos.core.money import MoneyError, Rate, parse_kzt
from pos.core.ports import RateUnavailable, Store

STATE_KEY = "manual_rate"
SOURCE = "manual"


class ManualRateSource:
    name = "manual"

    def __init__(self, store: Store) -> None:
        self._store = store

    def quote(self) -> Rate:
        saved = self._store.get_state(STATE_KEY)
        if saved is None:
            raise RateUnavailable("no manual rate yet: the manager enters KZT per BTC on the Manager screen")
        try:
            return Rate.from_dict(saved)
        except (KeyError, TypeError, ValueError):
            raise RateUnavailable("the saved manual rate cannot be read: the manager must enter it again") from None

    def enter(self, kzt_per_btc: str, now: datetime) -> Rate:
        """Save the rate the manager typed ('45 000 000' or '45000000,50'); MoneyError if unusable."""
        tiyn = parse_kzt(kzt_per_btc)
        if tiyn <= 0:
            raise MoneyError(f"a rate must be positive, got {kzt_per_btc!r}")
        rate = Rate(tiyn, SOURCE, now)
        self._store.put_state(STATE_KEY, rate.to_dict())
        return rate
