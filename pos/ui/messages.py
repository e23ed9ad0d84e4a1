"""Messages the app sends down to its screens when the outside world changed."""

from __future__ import annotations

from textual.message import Message

from pos.core.invoice import Invoice
from pos.core.refund import Refund


class InvoicesUpdated(Message):
    """The watcher (or the cashier elsewhere) changed these invoices; screens showing one refresh."""

    def __init__(self, invoices: list[Invoice]) -> None:
        super().__init__()
        self.invoices = invoices


class ReceiptsChanged(Message):
    """A receipt printed or failed: the Done screen shows what the printer now holds."""


class RefundsPaid(Message):
    """The chain showed these Bitcoin refunds paid (pos.sale.refunds.Refunds.watch); a screen showing one says so."""

    def __init__(self, refunds: list[Refund]) -> None:
        super().__init__()
        self.refunds = refunds
