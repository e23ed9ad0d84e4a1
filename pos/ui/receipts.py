"""What a printer driver can show of the receipts it printed (the mock keeps their text)."""

from __future__ import annotations

from drivers.base import Printer
from drivers.mock import MockPrinter


def receipt_preview(printer: Printer, invoice_id: str) -> str | None:
    """The decoded text of the last receipt for this invoice, when the driver keeps it (mock)."""
    if not isinstance(printer, MockPrinter):
        return None
    return next((text for text in reversed(printer.receipts()) if invoice_id in text), None)
