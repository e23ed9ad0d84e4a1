"""The file store: what survives a restart, and writes that fail half-way."""

import errno
import json
import os
from dataclasses import replace
from datetime import timedelta

import pytest

from pos.core.invoice import PROCESSING, SETTLED, Payment
from pos.core.ports import PrintJob, StoreError
from tests.builders import T0, make_invoice
from tests.store.faults import every_file


def settle(invoice):
    seen = replace(invoice, payments=(Payment("cd" * 32, invoice.amount_sat),))
    return seen.transition(PROCESSING, "seen", T0).transition(SETTLED, "confirmed", T0 + timedelta(minutes=10))


def test_everything_survives_a_restart(open_file_store):
    store = open_file_store()
    store.next_counter("invoice")
    waiting, done = make_invoice(1), settle(make_invoice(2))
    store.save_invoice(waiting)
    store.save_invoice(done)
    store.put_state("cart", {"lines": []})
    job = PrintJob("R1", done.id, T0)
    store.enqueue_print(job)
    store.close()

    store = open_file_store()
    assert store.counter("invoice") == 1
    assert store.open_invoices() == [waiting]
    assert store.get_invoice(done.id) == done
    assert store.get_state("cart") == {"lines": []}
    assert store.pending_prints() == [job]


def test_counters_are_never_reused_after_deletes_and_restarts(open_file_store):
    store = open_file_store()
    taken = [store.next_counter("invoice") for _ in range(3)]
    for n in taken:  # records come and go; TinyDB would reuse their document ids
        store.enqueue_print(PrintJob(f"R{n}", f"T01-{n:06d}", T0))
        store.finish_print(f"R{n}")
    store.put_state("cart", {"n": 1})
    store.put_state("cart", None)
    store.close()
    store = open_file_store()
    assert store.next_counter("invoice") == 4
    store.close()  # a value taken and never used is skipped, not handed out again
    assert open_file_store().next_counter("invoice") == 5


def test_a_new_store_writes_its_counters_file_at_once(open_file_store, store_dir):
    open_file_store()
    assert json.loads((store_dir / "counters.json").read_text()) == {"counters": {}, "_journal": {"seq": 1}}


def open_json(store_dir):
    return json.loads((store_dir / "open.json").read_text())


@pytest.mark.parametrize("failing", ["write", "fsync"])
def test_a_failed_journal_append_leaves_the_last_committed_version(open_file_store, store_dir, monkeypatch, failing):
    """The entry comes first: when it cannot be written, no file changes and nothing is journaled."""
    store = open_file_store()
    first = make_invoice(1)
    store.save_invoice(first)
    before = every_file(store_dir)

    real = getattr(os, failing)

    def disk_full(*args):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, failing, disk_full)
    with pytest.raises(StoreError, match=r"cannot write .*journal/2026-11/2026-11-25\.jsonl: No space left on device"):
        store.save_invoice(make_invoice(2))
    monkeypatch.setattr(os, failing, real)

    assert every_file(store_dir) == before
    assert store.get_invoice("T01-000002") is None and store.get_invoice(first.id) == first
    store.save_invoice(make_invoice(3))  # and it goes on working once the disk has room
    assert [i.id for i in store.open_invoices()] == [first.id, "T01-000003"]


def test_a_file_write_failing_after_its_entry_is_finished_by_the_next_call(open_file_store, store_dir, monkeypatch):
    """Once the entry is on disk the save has happened: what the disk refused is written from the entry."""
    store = open_file_store()
    first, second = make_invoice(1), make_invoice(2)
    store.save_invoice(first)
    real = os.replace

    def disk_full(*args):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "replace", disk_full)
    with pytest.raises(StoreError, match=r"cannot write .*open\.json: No space left on device"):
        store.save_invoice(second)
    monkeypatch.setattr(os, "replace", real)

    assert [p.name for p in store_dir.iterdir() if ".tmp" in p.name] == []
    assert store.get_invoice(second.id) == second
    assert [r["id"] for r in open_json(store_dir)["invoices"].values()] == [first.id, second.id]


def test_a_temp_file_left_by_a_crash_is_never_read(open_file_store, store_dir):
    store = open_file_store()
    store.save_invoice(make_invoice(1))
    store.close()
    (store_dir / ".open.json.tmp").write_text('{"invoices": {"1": "half a wri')
    store = open_file_store()
    assert [i.id for i in store.open_invoices()] == ["T01-000001"]
    store.save_invoice(make_invoice(2))
    assert not (store_dir / ".open.json.tmp").exists()


@pytest.mark.parametrize("crash_on", ["index", "days", "open"])
def test_a_move_cut_short_is_finished_from_its_journal_entry(open_file_store, store_dir, monkeypatch, crash_on):
    """Settling moves the invoice: index entry, day file, out of open. Cut it after any step: the
    entry is on disk, so the next call (or the next start) finishes the move."""
    import pos.store.atomic as atomic

    store = open_file_store()
    invoice = make_invoice(1)
    store.save_invoice(invoice)
    settled = settle(invoice)
    real = atomic.atomic_write

    def crash(path, data):
        if path.relative_to(store_dir).parts[0].startswith(crash_on):
            raise StoreError(f"cannot write {path}: power cut")
        real(path, data)

    monkeypatch.setattr(atomic, "atomic_write", crash)
    with pytest.raises(StoreError, match="power cut"):
        store.save_invoice(settled)
    monkeypatch.setattr(atomic, "atomic_write", real)
    store.close()  # the restart finishes the move
    store = open_file_store()
    assert store.get_invoice(invoice.id) == settled
    assert store.open_invoices() == []
    assert list(open_json(store_dir)["invoices"].values()) == []
