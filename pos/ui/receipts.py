"""What a printer driver can show of the receipts it printed (the mock keeps their text)."""

from __future__ import annotations

from typing import Any


def receipt_preview(printer: Any, invoice_id: str) -> str | None:
    """The decoded text of the last receipt for this invoice, when the driver keeps it (mock)."""
    receipts = getattr(printer, "receipts", None)
    if not callable(receipts):
        return None
    return next((text for text in reversed(receipts()) if invoice_id in text), None)
