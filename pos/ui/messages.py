"""Messages the app sends down to its screens when the outside world changed."""

from __future__ import annotations

from textual.message import Message

from pos.core.invoice import Invoice
from pos.sale.refunds import RefundWatch


class InvoicesUpdated(Message):
    """The watcher (or the cashier elsewhere) changed these invoices; screens showing one refresh."""

    def __init__(self, invoices: list[Invoice]) -> None:
        super().__init__()
        self.invoices = invoices


class ReceiptsChanged(Message):
    """A receipt printed or failed: the Done screen shows what the printer now holds."""


class RefundsWatched(Message):
    """What a watch of the Bitcoin refunds found (pos.sale.refunds.Refunds.watch): requests whose address
    was checked (their QR may be shown), paid, or not checkable yet; a screen showing one says so."""

    def __init__(self, seen: RefundWatch) -> None:
        super().__init__()
        self.seen = seen
