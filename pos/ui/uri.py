"""The invoice's BIP21 URI with another amount: the remainder after an underpayment.

Only the amount parameter changes; address, label and message stay byte for byte as
the chain code wrote them (and in the same case, which keeps the QR small).
"""

from __future__ import annotations

import re

from pos.core.money import format_btc

_AMOUNT = re.compile(r"([?&]amount=)[^&]*", re.IGNORECASE)


def with_amount(uri: str, sats: int) -> str:
    if _AMOUNT.search(uri):
        return _AMOUNT.sub(lambda m: m.group(1) + format_btc(sats), uri, count=1)
    separator = "&" if "?" in uri else "?"
    return f"{uri}{separator}amount={format_btc(sats)}"
