"""The National Bank of Kazakhstan's official USD/KZT rate, from its daily XML feed.

    <rates><date>07.03.2026</date>
      <item><title>USD</title><description>503.37</description><quant>1</quant>...</item> ...

`description` is KZT for `quant` units of the currency. The feed is asked for by date
(dd.mm.yyyy, Almaty time); a day without rates (a holiday) answers with no USD item, and
then the day before is asked, up to a week back.
"""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass
from datetime import date, timedelta

from pos.core.money import MoneyError, parse_decimal
from pos.core.ports import RateUnavailable
from pos.rates.http import fetch, host_of

KZT_PLACES = 4
LOOKBACK_DAYS = 7


@dataclass(frozen=True)
class UsdKzt:
    kzt_per_quant: int  # KZT for `quant` USD, scaled by 10**4
    quant: int
    day: date
    source: str


def parse_usd_kzt(body: bytes, source: str, day: date) -> UsdKzt | None:
    """The USD item of one day's feed; None when the feed has no USD (no rates that day)."""
    try:
        root = ElementTree.fromstring(body)
    except ElementTree.ParseError as exc:
        raise RateUnavailable(f"{source}: not the expected XML ({exc})") from None
    if root.tag != "rates":
        raise RateUnavailable(f"{source}: not the expected XML (root <{root.tag}>, expected <rates>)")
    for item in root.iter("item"):
        if (item.findtext("title") or "").strip() != "USD":
            continue
        text, quant = item.findtext("description") or "", item.findtext("quant") or "1"
        try:
            value = parse_decimal(text, KZT_PLACES, "USD/KZT rate")
            units = int(quant.strip())
        except (MoneyError, ValueError):
            raise RateUnavailable(f"{source}: unreadable USD rate {text!r} per {quant!r}") from None
        if value <= 0 or units <= 0:
            raise RateUnavailable(f"{source}: the USD rate {text!r} per {quant!r} is not positive")
        return UsdKzt(value, units, day, source)
    return None


def fetch_usd_kzt(url_template: str, today: date, timeout: float) -> UsdKzt:
    """Today's official rate, or the latest published within LOOKBACK_DAYS."""
    source = host_of(url_template)
    for back in range(LOOKBACK_DAYS + 1):
        day = today - timedelta(days=back)
        rate = parse_usd_kzt(fetch(url_template.replace("{date}", f"{day:%d.%m.%Y}"), timeout), source, day)
        if rate is not None:
            return rate
    raise RateUnavailable(f"{source}: no USD rate published between {today - timedelta(days=LOOKBACK_DAYS):%d.%m.%Y} "
                          f"and {today:%d.%m.%Y}")
