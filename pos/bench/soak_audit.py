"""The soak run's closing audit: what the customers paid against the store and the paper.

The parent of the soak run keeps its own ledger (every invoice it saw, its address and
amount, and the payment it made or that the customer walked away). After closing time
this module opens the terminal's store and reads the mock printer's paper (its file) and
answers, for every sale: is it there, in the state its payment calls for, with exactly
that payment, and on paper exactly once. Nothing here trusts the terminal's events: a
terminal killed with SIGKILL may never have said what it did.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from pos.core.invoice import CANCELLED, EXPIRED, NEW, SETTLED, Invoice
from pos.printing import receipt_key, utcnow
from pos.store import business_day, open_store

#: The receipt's title line (language "en"): every receipt on the paper starts with it.
TITLE = "PAYMENT SLIP"
COPY = "COPY"
UNPAID_STATES = (NEW, EXPIRED, CANCELLED)


@dataclass
class Sale:
    """One invoice as the parent saw it: shown to a customer who paid it, or walked away."""

    invoice: str
    address: str
    amount_sat: int
    txid: str = ""  # the customer's payment; "" when they walked away (or have not paid yet)
    walked_away: bool = False


@dataclass
class Audit:
    """What the store and the paper hold, sale by sale; `problems` says each thing that is wrong."""

    invoices: int = 0
    paid: int = 0
    settled: int = 0
    unpaid: int = 0
    unseen: int = 0  # in the store, never shown to the parent (killed before it said so): must be unpaid
    lost: int = 0  # paid, but not settled with exactly that payment, or not in the store at all
    duplicate_ids: int = 0
    duplicate_addresses: int = 0
    originals: int = 0
    copies: int = 0
    duplicate_originals: int = 0
    missing_receipts: int = 0
    unconfirmed: int = 0  # receipts "sent, not confirmed" (the printer gave no status)
    still_queued: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def duplicates(self) -> int:
        return self.duplicate_ids + self.duplicate_addresses + self.duplicate_originals


def receipts_on_paper(text: str, terminal_id: str) -> list[tuple[str, bool]]:
    """(invoice id, is a copy) for each receipt in the mock printer's file, in order."""
    invoice_id = re.compile(rf"\b{re.escape(terminal_id)}-\d{{6}}\b")
    found = []
    for piece in text.split(TITLE)[1:]:
        ids = invoice_id.findall(piece)
        is_copy = any(line.strip() == COPY for line in piece.splitlines())
        found.append((ids[0] if ids else "?", is_copy))
    return found


def stored_invoices(store_dir: Path, first_day: date, last_day: date) -> tuple[list[Invoice], int, int, set[str]]:
    """Every invoice of those business days, the print jobs still queued, the receipts
    "sent, not confirmed", and the invoices listed twice."""
    store = open_store(store_dir)
    try:
        found: list[Invoice] = []
        day = first_day
        while day <= last_day:
            found += store.invoices_for_day(day)
            day += timedelta(days=1)
        queued = len(store.pending_prints())
        unconfirmed = sum(1 for inv in found if (store.get_state(receipt_key(inv.id)) or {}).get("unconfirmed"))
    finally:
        store.close()
    counts = Counter(inv.id for inv in found)
    return found, queued, unconfirmed, {i for i, n in counts.items() if n > 1}


def audit(ledger: dict[str, Sale], store_dir: Path, paper: Path, terminal_id: str, started: date,
          reused: list[str]) -> Audit:
    """`reused`: what the parent already saw twice (an invoice number with two addresses, and so on)."""
    result = Audit(problems=list(reused), duplicate_ids=len(reused))
    found, result.still_queued, result.unconfirmed, twice = stored_invoices(store_dir, started,
                                                                            business_day(utcnow()))
    result.duplicate_ids += len(twice)
    result.problems += [f"{i}: listed twice in the store" for i in sorted(twice)]
    stored = {inv.id: inv for inv in found}
    result.invoices = len(stored)
    by_address = Counter(inv.address for inv in stored.values())
    for address, count in sorted(by_address.items()):
        if count > 1:
            result.duplicate_addresses += count - 1
            result.problems.append(f"address {address} used by {count} invoices")
    for sale in ledger.values():
        invoice = stored.get(sale.invoice)
        if sale.txid:
            result.paid += 1
        if invoice is None:
            result.lost += bool(sale.txid)
            result.problems.append(f"{sale.invoice}: shown to a customer, not in the store")
            continue
        if invoice.address != sale.address or invoice.amount_sat != sale.amount_sat:
            result.problems.append(f"{sale.invoice}: the store says {invoice.amount_sat} sat to {invoice.address}, "
                                   f"the customer saw {sale.amount_sat} sat to {sale.address}")
        if sale.txid:
            exact = invoice.state == SETTLED and [(p.txid, p.amount_sat) for p in invoice.payments] == [
                (sale.txid, sale.amount_sat)]
            result.settled += exact
            if not exact:
                result.lost += 1
                result.problems.append(f"{sale.invoice}: paid {sale.amount_sat} sat in {sale.txid}, but the store "
                                       f"has it {invoice.state} with {invoice.received_sat} sat")
        elif invoice.state in UNPAID_STATES and not invoice.payments:
            result.unpaid += 1
        else:
            result.problems.append(f"{sale.invoice}: never paid, but {invoice.state} with {invoice.received_sat} sat")
    for invoice in stored.values():
        if invoice.id in ledger:
            continue
        result.unseen += 1
        if invoice.state not in UNPAID_STATES or invoice.payments:
            result.problems.append(f"{invoice.id}: never shown to a customer, but {invoice.state}")
    _audit_paper(result, stored, paper, terminal_id)
    if result.still_queued:
        result.problems.append(f"{result.still_queued} receipt(s) still in the print queue at closing time")
    return result


def _audit_paper(result: Audit, stored: dict[str, Invoice], paper: Path, terminal_id: str) -> None:
    """Exactly one original for each handed-over invoice, and none for any other."""
    text = paper.read_text(encoding="utf-8") if paper.exists() else ""
    printed = receipts_on_paper(text, terminal_id)
    originals = Counter(invoice for invoice, is_copy in printed if not is_copy)
    result.originals = sum(originals.values())
    result.copies = len(printed) - result.originals
    for invoice in stored.values():
        count = originals.pop(invoice.id, 0)
        if invoice.handed_over and count == 0:
            result.missing_receipts += 1
            result.problems.append(f"{invoice.id}: handed over, no receipt on paper")
        elif count > 1:
            result.duplicate_originals += count - 1
            result.problems.append(f"{invoice.id}: {count} ORIGINAL receipts on paper")
        elif count and not invoice.handed_over:
            result.problems.append(f"{invoice.id}: a receipt on paper, but never handed over")
    for invoice_id in sorted(originals):
        result.problems.append(f"{invoice_id}: a receipt on paper for an invoice not in the store")

