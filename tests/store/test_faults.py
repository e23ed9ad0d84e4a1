"""The world breaking under a running store: a full disk, a read-only one, a file damaged meanwhile.

Each refuses the write with a StoreError naming the file and the cause (never another
exception), leaves every file on disk as it was (no half-written file, no stray temp file),
forgets nothing the store holds in memory, and the store goes on once the cause is gone.
"""

import os
import shutil
from datetime import date

import pytest

from pos.core.invoice import SETTLED
from pos.core.ports import StoreError
from pos.logs import setup_logging
from tests.builders import T0, make_invoice
from tests.store.faults import every_file


@pytest.mark.parametrize("fault, cause", [("full", "No space left on device"), ("read_only", "Read-only file system")])
def test_a_save_on_a_broken_disk_is_refused_and_nothing_on_disk_changes(open_file_store, store_dir, disk, fault,
                                                                        cause):
    store = open_file_store()
    store.save_invoice(make_invoice(1))
    store.put_state("ui.sale", {"lines": ["bread"]})
    before = every_file(store_dir)
    journal = store_dir / "journal" / "2026-11" / "2026-11-25.jsonl"  # each write's entry comes first

    getattr(disk, fault)()
    with pytest.raises(StoreError, match=f"cannot write {journal}: {cause}"):
        store.save_invoice(make_invoice(2))
    with pytest.raises(StoreError, match=f"cannot write {journal}: {cause}"):
        store.put_state("ui.sale", {"lines": ["bread", "milk"]})
    with pytest.raises(StoreError, match=f"cannot write {journal}: {cause}"):
        store.next_counter("invoice")

    assert every_file(store_dir) == before  # whole old copies, no temp file left behind
    assert store.get_invoice("T01-000002") is None and store.get_invoice("T01-000001") is not None
    assert store.get_state("ui.sale") == {"lines": ["bread"]}  # what is on disk, not what was refused
    assert store.counter("invoice") == 0  # the refused number was never handed out

    disk.clear()  # space freed, remounted read-write: the same store goes on
    store.save_invoice(make_invoice(2))
    assert store.next_counter("invoice") == 1
    store.close()
    assert open_file_store().get_invoice("T01-000002") is not None


def test_a_temp_file_left_by_a_crash_on_a_disk_turned_read_only_is_still_a_store_error(open_file_store, store_dir,
                                                                                        disk):
    store = open_file_store()
    (store_dir / ".open.json.tmp").write_bytes(b'{"invoices": {"1": {"id": "T01-0')  # a crash mid-write
    disk.read_only()
    with pytest.raises(StoreError, match="Read-only file system"):  # not the OSError of removing the temp file
        store.save_invoice(make_invoice(1))
    disk.clear()
    store.save_invoice(make_invoice(1))
    assert not (store_dir / ".open.json.tmp").exists()


def test_a_store_path_that_is_a_file_is_refused_with_a_message(open_file_store, store_dir):
    store_dir.parent.mkdir(parents=True, exist_ok=True)
    store_dir.write_text("not a directory")
    with pytest.raises(StoreError, match=f"store path {store_dir} is not a directory"):
        open_file_store()


def test_a_read_only_store_at_start_is_refused_with_a_message(open_file_store, store_dir, disk):
    open_file_store().close()
    disk.read_only()
    with pytest.raises(StoreError, match=f"store {store_dir} cannot be written \\(read-only file system"):
        open_file_store()


def test_a_log_file_that_cannot_be_written_is_a_message(store_dir, disk):
    disk.read_only()
    with pytest.raises(StoreError, match=f"cannot write the log file {store_dir / 'pos.log'}: Read-only"):
        setup_logging(store_dir)


def test_the_store_goes_on_once_a_day_file_damaged_while_running_is_dealt_with(open_file_store, store_dir):
    store = open_file_store()
    closed = make_invoice(5).transition(SETTLED, "paid", T0)
    store.save_invoice(closed)
    day_file = store_dir / "days" / "2026-11" / "2026-11-25.json"
    good_copy = day_file.read_bytes()
    store.close()
    store = open_file_store()
    day_file.write_bytes(b"{")  # damaged while the terminal runs

    with pytest.raises(StoreError, match=str(day_file)):
        store.invoices_for_day(date(2026, 11, 25))
    with pytest.raises(StoreError, match="damaged"):  # sales stop while it is set aside
        store.save_invoice(make_invoice(6))
    [aside] = [p for p in store_dir.iterdir() if ".damaged-" in p.name]

    shutil.copyfile(store_dir / aside, store_dir.parent / aside.name)  # as the message says: moved out...
    os.unlink(aside)
    day_file.write_bytes(good_copy)  # ...and the file put back from a backup

    store.save_invoice(make_invoice(6))  # no restart needed
    assert [inv.id for inv in store.invoices_for_day(date(2026, 11, 25))] == ["T01-000005", "T01-000006"]
