"""Partitions: what a save writes and what a read reads does not grow with the history.

Counted in files and bytes rather than timed, so the test is exact and fast; the timing
is `python -m pos.bench store`.
"""

from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import pytest

import pos.store.atomic as atomic
from pos.core.invoice import PROCESSING, SETTLED, Payment
from pos.store import open_store
from tests.builders import T0, make_invoice

PER_DAY = 100
NOW = T0 + timedelta(minutes=30)


def settled(invoice):
    seen = replace(invoice, payments=(Payment("ef" * 32, invoice.amount_sat),))
    at = invoice.created_at + timedelta(minutes=5)
    return seen.transition(PROCESSING, "seen", at).transition(SETTLED, "confirmed", at)


def history(count):
    """`count` settled invoices, PER_DAY a day, on the days before T0."""
    days = -(-count // PER_DAY)
    for i in range(count):
        at = T0 - timedelta(days=days - i // PER_DAY) + timedelta(minutes=5 * (i % PER_DAY))
        yield settled(make_invoice(i + 1, now=at))


class IoLog:
    """The files the store writes (with their sizes) and reads, relative to the store directory."""

    def __init__(self) -> None:
        self.root = Path("/")
        self.writes: list[tuple[str, int]] = []
        self.reads: list[str] = []

    def clear(self) -> None:
        self.writes.clear()
        self.reads.clear()


@pytest.fixture
def io_log(monkeypatch):
    log = IoLog()
    real_write, real_read = atomic.atomic_write, atomic.read_tables

    def write(path, data):
        log.writes.append((str(path.relative_to(log.root)), len(data)))
        real_write(path, data)

    def read(path, root):
        log.reads.append(str(path.relative_to(log.root)))
        return real_read(path, root)

    monkeypatch.setattr(atomic, "atomic_write", write)
    monkeypatch.setattr(atomic, "read_tables", read)
    return log


@pytest.fixture
def store_with_history(tmp_path, io_log):
    """Opens a store holding `count` past invoices in tmp_path/name; io_log follows it."""
    def build(count: int, name: str):
        io_log.root = tmp_path / name
        store = open_store(io_log.root, clock=lambda: NOW)
        store.import_closed(history(count))
        return store
    return build


def one_sale(store, log: IoLog) -> dict[str, list]:
    """Files and sizes of a sale's two saves, less the digits of the journal seq each file records."""
    sale = make_invoice(5001, now=T0 + timedelta(minutes=20))
    found = {}
    for step, invoice in (("new", sale), ("settle", settled(sale))):
        log.clear()
        store.save_invoice(invoice)
        digits = len(str(store.journal_head().seq))
        found[step] = [(name, size - digits) for name, size in log.writes]
    return found


def test_a_sale_writes_the_same_files_and_bytes_over_30_days_of_history_as_over_one(store_with_history, io_log):
    small = one_sale(store_with_history(PER_DAY, "small"), io_log)
    large = one_sale(store_with_history(30 * PER_DAY, "large"), io_log)
    assert large == small
    assert [name for name, _ in small["new"]] == ["open.json"]
    assert [name for name, _ in small["settle"]] == [
        "index/T01-0005.json", "days/2026-11/2026-11-25.json", "open.json"]


def test_finding_an_old_invoice_reads_one_index_block_and_one_day(store_with_history, io_log):
    store_with_history(30 * PER_DAY, "large").close()
    store = open_store(io_log.root, clock=lambda: NOW)
    io_log.clear()
    old = store.get_invoice("T01-000150")
    assert old is not None and old.seq == 150
    assert io_log.reads == ["index/T01-0000.json", "days/2026-10/2026-10-27.json"]
    io_log.clear()
    assert len(store.invoices_for_day(date(2026, 11, 1))) == PER_DAY
    assert io_log.reads == ["days/2026-11/2026-11-01.json"]
    store.close()


def test_opening_reads_the_small_files_only(store_with_history, io_log):
    store = store_with_history(30 * PER_DAY, "large")
    store.save_invoice(make_invoice(5001, now=NOW))
    store.close()
    io_log.clear()
    store = open_store(io_log.root, clock=lambda: NOW)
    assert [i.seq for i in store.open_invoices()] == [5001]
    assert sorted(io_log.reads) == ["counters.json", "index/T01-0005.json", "open.json", "state.json"]
    store.close()


def test_a_document_about_one_invoice_does_not_rewrite_the_shared_state_file(store_with_history, io_log):
    store = store_with_history(0, "receipts")
    store.put_state("sale", {"lines": []})
    io_log.clear()
    for n in range(1, 4):
        store.put_state(f"receipt:T01-{n:06d}", {"number": n})
    assert [name for name, _ in io_log.writes] == ["state/receipt/T01-0000.json"] * 3
    store.close()
