"""The soak run (issue 14, item 5): sales through kill -9s, backend outages and printer faults, every one accounted for.

The quick mode of pos.bench.soak on the real regtest node: six sales, each kind of fault at
least once (a kill, a kill as a receipt reaches the paper, a refused and a hung backend, a
printer out of paper and a silent one, a customer who walks away). Then the audit's own
tests: it must notice a payment the store lost and a receipt printed twice. Last, the
fault the soak run found, pinned: a kill after a receipt reached the paper but before the
store marked it printed prints a second ORIGINAL on restart.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from drivers.mock import MockPrinter
from pos.bench.soak import TERMINAL_ID, Plan, run_soak
from pos.bench.soak_audit import Sale, audit, receipts_on_paper
from pos.core.ports import PrinterStatus
from pos.printing import PrintService
from pos.regtest.node import RegtestNode
from pos.store import business_day, open_store
from tests.builders import T0, make_invoice
from tests.conftest import config_for
from tests.drivers.conftest import TXID, settled

PAID_LATER = "9" * 64


def test_a_quick_soak_accounts_for_every_sale_through_kills_outages_and_printer_faults(
        regtest_node: RegtestNode, tmp_path: Path) -> None:
    # slot 94 of 100 (index 94, 194, ...): clear of the addresses the other tests use on the same node (95-99)
    report = run_soak(regtest_node, tmp_path, Plan(sales=6, seed=20261203, quick=True, slot=94, slots=100))
    counts, found = report.counts, report.audit

    assert counts.sales >= 6 and counts.walk_aways == 1
    assert counts.kills >= 2 and counts.outages == 2 and counts.printer_faults == 2
    assert counts.crashes == 0
    assert found.paid == found.settled == counts.sales - counts.walk_aways and found.lost == 0
    assert found.unpaid == 1 and found.missing_receipts == 0 and found.still_queued == 0
    assert found.duplicate_ids == found.duplicate_addresses == 0
    assert found.duplicate_originals == 0  # a kill between the paper and the store's mark included
    assert report.problems == []
    assert report.journal == ""  # pos journal verify passed
    assert report.seconds < 120


def _store_with(tmp_path: Path, *invoices) -> Path:
    store = open_store(tmp_path / "store")
    for invoice in invoices:
        store.save_invoice(invoice)
    store.close()
    return tmp_path / "store"


def _paper(tmp_path: Path, *receipts: tuple[str, bool]) -> Path:
    paper = tmp_path / "paper.txt"
    paper.write_text("".join(f"PAYMENT SLIP\n{'COPY' + chr(10) if copy else ''}Invoice  {invoice}\n\n"
                             for invoice, copy in receipts), encoding="utf-8")
    return paper


def test_the_audit_counts_a_paid_sale_the_store_has_not_settled_as_lost(tmp_path: Path) -> None:
    invoice = make_invoice(1, TERMINAL_ID)
    paid = replace(settled(make_invoice(2, TERMINAL_ID)), handed_over_at=T0)
    store = _store_with(tmp_path, invoice, paid)
    ledger = {i.id: Sale(i.id, i.address, i.amount_sat, txid) for i, txid in ((invoice, PAID_LATER), (paid, TXID))}
    found = audit(ledger, store, _paper(tmp_path, (paid.id, False)), TERMINAL_ID, business_day(T0), [])
    assert (found.paid, found.settled, found.lost) == (2, 1, 1)
    assert found.problems == [f"{invoice.id}: paid {invoice.amount_sat} sat in {PAID_LATER}, but the store has it "
                              "new with 0 sat"]


def test_the_audit_counts_a_second_original_but_not_a_copy(tmp_path: Path) -> None:
    first, second = settled(make_invoice(1, TERMINAL_ID)), settled(make_invoice(2, TERMINAL_ID))
    first, second = (replace(i, handed_over_at=T0) for i in (first, second))
    store = _store_with(tmp_path, first, second)
    ledger = {i.id: Sale(i.id, i.address, i.amount_sat, TXID) for i in (first, second)}
    paper = _paper(tmp_path, (first.id, False), (first.id, True), (second.id, False), (second.id, False))
    found = audit(ledger, store, paper, TERMINAL_ID, business_day(T0), [])
    assert (found.originals, found.copies, found.duplicate_originals, found.duplicates) == (3, 1, 1, 1)
    assert found.problems == [f"{second.id}: 2 ORIGINAL receipts on paper"]


class PowerCut(BaseException):
    """What kill -9 does to the print service: nothing after this line runs."""


class CutAfterThePaper(MockPrinter):
    """Takes the receipt onto the paper, then the power goes before the printer's status is read."""

    def status(self) -> PrinterStatus:
        if self.data:
            raise PowerCut()
        return super().status()


def test_a_kill_after_the_paper_and_before_the_stores_mark_prints_no_second_original(tmp_path: Path) -> None:
    config = config_for(tmp_path / "store")
    config = replace(config, ui=replace(config.ui, language="en"))
    invoice = settled(make_invoice(1, TERMINAL_ID))
    paper = tmp_path / "paper.txt"
    store = open_store(tmp_path / "store")
    store.save_invoice(invoice)
    PrintService(store, CutAfterThePaper(file=paper), config).submit(invoice)
    with pytest.raises(PowerCut):
        PrintService(store, CutAfterThePaper(file=paper), config).process_queue()
    store.close()  # the process is gone; the store's files are as they were at the cut

    store = open_store(tmp_path / "store")  # the terminal starts again
    try:
        printing = PrintService(store, MockPrinter(file=paper), config)
        [result] = printing.process_queue()
        assert result.outcome == "unconfirmed" and printing.unconfirmed(invoice.id)  # the cashier is told
        assert store.pending_prints() == []
    finally:
        store.close()
    assert [copy for _, copy in receipts_on_paper(paper.read_text(encoding="utf-8"), TERMINAL_ID)] == [False]
