"""BIP21 payment requests: bitcoin:<address>?amount=<BTC>&label=<merchant>&message=<invoice id>.

The amount is formatted from integer satoshi (at most 8 decimals, no float anywhere).
Label and message are UTF-8 and percent-encoded (RFC 3986), so Cyrillic and Kazakh shop
names reach the customer's wallet intact. A bech32 address (bc1/tb1/bcrt1) and the scheme
are written in upper case, which BIP 173 and BIP 321 allow: "BITCOIN:TB1Q..." is all QR
alphanumeric characters, which a QR encoder packs in 5.5 bits instead of 8, so the code
shown on the screen and printed on the receipt gets smaller. Parameter names stay lower
case (they are case-sensitive).
"""

from __future__ import annotations

from urllib.parse import quote

from pos.core.money import format_btc

_BECH32_PREFIXES = ("bc1", "tb1", "bcrt1")


def payment_uri(address: str, amount_sat: int, label: str = "", message: str = "") -> str:
    if amount_sat <= 0:
        raise ValueError(f"a payment request needs a positive amount, got {amount_sat} sat")
    if is_bech32(address):
        head = f"BITCOIN:{address.upper()}"
    else:
        head = f"bitcoin:{address}"
    params = [f"amount={format_btc(amount_sat)}"]
    if label:
        params.append(f"label={quote(label, safe='')}")
    if message:
        params.append(f"message={quote(message, safe='')}")
    return head + "?" + "&".join(params)


def is_bech32(address: str) -> bool:
    return address.lower().startswith(_BECH32_PREFIXES)
