"""The gap-limit warning: when unpaid invoices push the next address out of the wallet's sight.

A wallet restored from the merchant's seed (or watching the xpub) scans receive addresses
until it meets `gap_limit` unused ones in a row, then stops. Every invoice uses an address;
invoices nobody paid (cancelled, expired) leave unused ones behind. Once the newest address
lies more than `gap_limit` indices past the last paid one, a payment to it would not show in
the merchant's wallet although it is on the chain: the terminal says so, on screen and in
the log, so the manager can raise the wallet's gap limit.

Indices are counted in the wallet's single index space: with several terminals sharing the
wallet (`[terminal] slots`), the indices of the others in between count as unused, which is
the worst case (the others idle) and the one that matters.
"""

from __future__ import annotations

from typing import Iterable

from pos.core.invoice import Invoice


def unpaid_gap(invoices: Iterable[Invoice]) -> int:
    """How many addresses after the last paid one, up to the newest of these invoices.

    Paid means the chain showed a payment to the address (any amount, seen or confirmed).
    With no paid invoice among them, the gap runs from index 0: pass enough history.
    """
    invoices = list(invoices)
    if not invoices:
        return 0
    newest = max(inv.address_index for inv in invoices)
    paid = [inv.address_index for inv in invoices if inv.payments]
    return newest - max(paid) if paid else newest + 1


def gap_warning(invoices: Iterable[Invoice], gap_limit: int) -> str | None:
    """A message for the screen and the log when the gap exceeds `gap_limit`, else None."""
    gap = unpaid_gap(invoices)
    if gap <= gap_limit:
        return None
    return (f"{gap} receive addresses in a row are unused (wallet gap limit {gap_limit}): the merchant's "
            f"wallet may not show payments to the newest ones. Raise the wallet's gap limit to at least "
            f"{gap + 10} or rescan it.")
