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

from pos.core.invoice import Invoice
from pos.core.ports import Store

#: The highest address index the chain has shown a payment to, kept in the store: one
#: small read per charge instead of a scan of the history.
LAST_PAID_STATE = "last_paid_address"


def record_paid(store: Store, invoice: Invoice) -> None:
    """Remember the invoice's address as paid (any amount, seen or confirmed)."""
    if not invoice.payments:
        return
    last = last_paid_index(store)
    if last is None or invoice.address_index > last:
        store.put_state(LAST_PAID_STATE, {"index": invoice.address_index, "invoice": invoice.id})


def last_paid_index(store: Store) -> int | None:
    saved = store.get_state(LAST_PAID_STATE)
    return int(saved["index"]) if saved else None


def unpaid_gap(newest_index: int, last_paid: int | None) -> int:
    """How many addresses after the last paid one, up to the newest (from index 0 when none was paid)."""
    return newest_index - last_paid if last_paid is not None else newest_index + 1


def gap_warning(newest_index: int, last_paid: int | None, gap_limit: int) -> str | None:
    """A message for the screen and the log when the gap exceeds `gap_limit`, else None."""
    gap = unpaid_gap(newest_index, last_paid)
    if gap <= gap_limit:
        return None
    return (f"{gap} receive addresses in a row are unused (wallet gap limit {gap_limit}): the merchant's "
            f"wallet may not show payments to the newest ones. Raise the wallet's gap limit to at least "
            f"{gap + 10} or rescan it.")
