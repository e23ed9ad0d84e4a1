"""The shop's clock: Asia/Almaty, read from the `tzdata` package, never the OS.

Kazakhstan moved Almaty from UTC+6 to UTC+5 in March 2024; a Raspberry Pi image with
an older tz database would print receipts, file invoices under business days and ask
the National Bank for rates an hour off. `tzdata` is a dependency, so its copy wins.
"""

from __future__ import annotations

from datetime import date, datetime
from functools import cache
from importlib import resources
from zoneinfo import ZoneInfo


@cache
def almaty() -> ZoneInfo:
    with resources.files("tzdata").joinpath("zoneinfo", "Asia", "Almaty").open("rb") as f:
        return ZoneInfo.from_file(f, key="Asia/Almaty")


def business_day(at: datetime) -> date:
    """The shop's calendar day of a moment (which must be timezone-aware)."""
    if at.tzinfo is None:
        raise ValueError("business_day needs a timezone-aware time")
    return at.astimezone(almaty()).date()
