"""What a printer driver can show of the receipts it printed (the mock keeps their text)."""

from __future__ import annotations

from typing import Any


def receipt_preview(printer: Any, invoice_id: str) -> str | None:
    """The decoded text of the last receipt for this invoice, when the driver keeps it."""
    texts = getattr(printer, "receipts", None)
    if not texts:
        return None
    for text in reversed(list(texts)):
        if invoice_id in str(text):
            return str(text)
    return None
