"""The store's journal: every write one entry in the same step, and `verify` catching any edit.

A store file changed by one byte, a journal entry deleted or two swapped: `verify_store`
fails and names the entry, the record or the file. The export is checked without the store.
"""

import json
import zipfile
from datetime import date, timedelta

import pytest

from pos.core.invoice import SETTLED
from pos.core.journal import (
    COUNTER, INVOICE, MANAGER, MOVED, PRINT_DONE, PRINT_QUEUED, STATE_PUT, STORE_CREATED, SYSTEM, acting, check_chain,
)
from pos.core.ports import PrintJob, StoreError
from pos.store import memory_store
from pos.store.audit import export, verify_archive, verify_store
from pos.store.journal import FileJournal
from tests.builders import T0, make_invoice

DAY = T0.date()  # 2026-11-25, the business day of T0 in Almaty
PARTITION = "journal/2026-11/2026-11-25.jsonl"


def entries(store_dir):
    return list(check_chain(FileJournal(store_dir, None, None, reader=True).lines()))


def a_day_of_sales(store, clock) -> None:
    """Counters, invoices new and settled, the sale in progress, a receipt printed: each kind of write."""
    for n in range(1, 4):
        store.next_counter("invoice")
        invoice = make_invoice(n, now=clock.now)
        store.save_invoice(invoice)
        store.put_state("ui.sale", {"lines": [n]})
        if n != 2:
            store.save_invoice(invoice.transition(SETTLED, "1 confirmation", clock.now))
        clock.advance(minutes=5)
    store.enqueue_print(PrintJob("P000001", "T01-000001", clock.now, receipt_no=1))
    store.put_state("receipt:T01-000001", {"number": 1})
    store.finish_print("P000001")


@pytest.fixture
def day_store(open_file_store, store_dir, clock):
    store = open_file_store()
    a_day_of_sales(store, clock)
    store.close()
    return store_dir


def test_every_write_is_one_entry_naming_what_changed_and_who(open_file_store, store_dir, clock):
    store = open_file_store()
    store.next_counter("invoice")
    invoice = make_invoice(1)
    store.save_invoice(invoice)
    with acting(MANAGER):
        store.put_state("rate.manual", {"tiyn_per_btc": 4_000_000_000})
    store.enqueue_print(PrintJob("P000001", invoice.id, T0))
    store.finish_print("P000001")
    found = [(e.seq, e.kind, e.actor) for e in entries(store_dir)]
    assert found == [(1, STORE_CREATED, SYSTEM), (2, COUNTER, "cashier"), (3, INVOICE, "cashier"),
                     (4, STATE_PUT, MANAGER), (5, PRINT_QUEUED, "cashier"), (6, PRINT_DONE, "cashier")]
    saved = entries(store_dir)[2]
    assert saved.data["invoice"] == invoice.to_dict() and saved.data["cause"] == "created"
    assert saved.files == (("open", saved.files[0][1]),) and saved.id == "T01-3"
    assert store.journal_head().seq == 6 and store.journal_head().hash == entries(store_dir)[-1].hash


def test_the_terminal_id_of_the_start_is_on_every_entry_after_it(open_file_store, store_dir):
    store = open_file_store()
    store.journal_start("T07", {"network": "regtest"})
    store.next_counter("invoice")
    store.close()
    assert [e.terminal for e in entries(store_dir)] == ["T01", "T07", "T07"]
    open_file_store().next_counter("invoice")  # a later opening keeps the journal's terminal
    assert entries(store_dir)[-1].terminal == "T07"


def test_a_day_of_sales_verifies_and_exports(day_store, tmp_path):
    verdict = verify_store(day_store)
    assert verdict.ok, verdict.message
    assert verdict.message.startswith("journal OK: ") and "3 invoice(s)" in verdict.message
    archive = tmp_path / "day.zip"
    assert export(day_store, DAY, DAY, archive).ok
    checked = verify_archive(archive)
    assert checked.ok and f"seq 1..{len(entries(day_store))}" in checked.message, checked.message


def every_store_file(store_dir) -> list[str]:
    return sorted(str(p.relative_to(store_dir)) for p in store_dir.rglob("*") if p.is_file() and p.name != "store.lock")


def test_a_day_of_sales_touches_every_kind_of_store_file(day_store):
    assert every_store_file(day_store) == [
        "counters.json", "days/2026-11/2026-11-25.json", "index/T01-0000.json", PARTITION, "open.json",
        "state.json", "state/receipt/T01-0000.json"]


@pytest.mark.parametrize("name", ["counters.json", "days/2026-11/2026-11-25.json", "index/T01-0000.json", PARTITION,
                                  "open.json", "state.json", "state/receipt/T01-0000.json"])
def test_one_changed_byte_of_any_store_file_fails_verify_naming_the_place(day_store, name):
    path = day_store / name
    original = path.read_bytes()
    checked = 0
    for position in range(0, len(original), max(1, len(original) // 12)):
        changed = bytearray(original)
        changed[position] ^= 0x01
        path.write_bytes(bytes(changed))
        verdict = verify_store(day_store)
        assert not verdict.ok, f"byte {position} of {name} changed unseen"
        assert name.removesuffix(".json") in verdict.message, verdict.message
        checked += 1
    path.write_bytes(original)
    assert verify_store(day_store).ok and checked >= 12


def test_a_changed_invoice_is_named_by_its_id(day_store):
    day_file = day_store / "days/2026-11/2026-11-25.json"
    data = json.loads(day_file.read_text())
    record = next(r for r in data["invoices"].values() if r["id"] == "T01-000003")
    record["invoice"]["amount_sat"] -= 1
    day_file.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")))
    verdict = verify_store(day_store)
    assert verdict.message.startswith("invoice T01-000003 in days/2026-11/2026-11-25.json differs from journal entry")


def rewrite_journal(store_dir, change) -> None:
    path = store_dir / PARTITION
    lines = path.read_bytes().splitlines(keepends=True)
    path.write_bytes(b"".join(change(lines)))


def test_a_deleted_entry_fails_verify_naming_the_gap(day_store):
    rewrite_journal(day_store, lambda lines: lines[:4] + lines[5:])
    verdict = verify_store(day_store)
    assert not verdict.ok
    assert verdict.message == f"journal: {PARTITION} line 5: entry 6 follows entry 4: entries are missing or moved"


def test_two_swapped_entries_fail_verify(day_store):
    rewrite_journal(day_store, lambda lines: lines[:4] + [lines[5], lines[4]] + lines[6:])
    assert verify_store(day_store).message.startswith(f"journal: {PARTITION} line 5: entry 6 follows entry 4")


def test_a_journal_whose_last_entries_were_cut_off_fails_verify_and_the_store_refuses_to_open(day_store,
                                                                                              open_file_store):
    rewrite_journal(day_store, lambda lines: lines[:-2])
    verdict = verify_store(day_store)
    assert not verdict.ok and "state/receipt/T01-0000.json is in the store but no journal entry wrote it" == \
        verdict.message
    with pytest.raises(StoreError, match="journal entries were removed"):
        open_file_store()


def test_verify_from_a_date_checks_that_day_on(open_file_store, store_dir, clock):
    store = open_file_store()
    a_day_of_sales(store, clock)
    clock.advance(days=1)
    store.save_invoice(make_invoice(9, now=clock.now))
    store.close()
    verdict = verify_store(store_dir, since=DAY + timedelta(days=1))
    assert verdict.ok and "since 2026-11-26" in verdict.message, verdict.message
    assert (store_dir / "journal/2026-11/2026-11-26.jsonl").exists()


def test_an_append_cut_short_by_a_stop_is_dropped_at_the_next_start(open_file_store, store_dir):
    store = open_file_store()
    store.save_invoice(make_invoice(1))
    store.close()
    journal = store_dir / PARTITION
    whole = journal.read_bytes()
    journal.write_bytes(whole + b'{"actor":"cashier","data":{"key":"ui.sa')
    store = open_file_store()
    assert journal.read_bytes() == whole
    store.put_state("ui.sale", {"lines": []})
    store.close()
    assert verify_store(store_dir).ok


def test_an_operation_whose_files_were_not_written_is_finished_at_the_next_start(open_file_store, store_dir,
                                                                                 monkeypatch):
    """The entry is the commit point: a stop after it and before the files leaves the files to be written."""
    import pos.store.atomic as atomic

    store = open_file_store()
    invoice = make_invoice(1)
    store.save_invoice(invoice)
    monkeypatch.setattr(atomic, "atomic_write", lambda path, data: (_ for _ in ()).throw(StoreError("power cut")))
    with pytest.raises(StoreError, match="power cut"):
        store.save_invoice(invoice.transition(SETTLED, "1 confirmation", T0))
    monkeypatch.undo()
    store.close()
    assert not verify_store(store_dir).ok  # the journal says settled; the files do not yet
    store = open_file_store()
    assert store.get_invoice(invoice.id).state == SETTLED
    store.close()
    assert verify_store(store_dir).ok


def test_a_store_made_before_the_journal_is_adopted_with_its_files(open_file_store, store_dir):
    store = open_file_store()
    store.save_invoice(make_invoice(1))
    store.close()
    for path in (store_dir / "journal").rglob("*.jsonl"):
        path.unlink()
    for name in ("counters.json", "open.json"):  # as an older version wrote them
        data = json.loads((store_dir / name).read_text())
        data.pop("_journal")
        (store_dir / name).write_text(json.dumps(data))
    store = open_file_store()
    store.save_invoice(make_invoice(2))
    store.close()
    assert [e.kind for e in entries(store_dir)][:1] == ["adopted"]
    assert verify_store(store_dir).ok


def test_the_sweep_journals_each_move(open_file_store, store_dir, clock):
    store = open_file_store()
    store.save_invoice(make_invoice(1).cancel(at=T0))  # cancelled: watched for a while, then moved
    store.close()
    clock.advance(days=3)
    open_file_store().close()
    assert [e.kind for e in entries(store_dir)][-1] == MOVED
    assert verify_store(store_dir).ok


def test_verify_refuses_while_the_terminal_runs_and_without_a_store(open_file_store, store_dir, tmp_path):
    open_file_store()
    with pytest.raises(StoreError, match="another pos"):
        verify_store(store_dir)
    with pytest.raises(StoreError, match="no store at"):
        verify_store(tmp_path / "nothing")


def test_an_archive_changed_after_export_fails_on_its_own(day_store, tmp_path):
    archive = tmp_path / "day.zip"
    export(day_store, DAY, DAY, archive)
    with zipfile.ZipFile(archive) as z:
        body, manifest = z.read("journal.jsonl"), json.loads(z.read("manifest.json"))

    def write(path, body, manifest):
        with zipfile.ZipFile(path, "w") as z:
            z.writestr("journal.jsonl", body)
            z.writestr("manifest.json", json.dumps(manifest))

    lines = body.splitlines(keepends=True)
    write(tmp_path / "edited.zip", body.replace(b'"cashier"', b'"manager"', 1), manifest)
    assert "does not match the manifest's SHA-256" in verify_archive(tmp_path / "edited.zip").message
    shorter = b"".join(lines[:-1])
    write(tmp_path / "short.zip", shorter, {**manifest, "sha256": __import__("hashlib").sha256(shorter).hexdigest()})
    assert "entries removed or added" in verify_archive(tmp_path / "short.zip").message
    swapped = b"".join(lines[:2] + [lines[3], lines[2]] + lines[4:])
    write(tmp_path / "swapped.zip", swapped, {**manifest, "sha256": __import__("hashlib").sha256(swapped).hexdigest()})
    assert "journal.jsonl line 3: entry 4 follows entry 2" in verify_archive(tmp_path / "swapped.zip").message


def test_export_takes_the_days_asked_for(open_file_store, store_dir, clock, tmp_path):
    store = open_file_store()
    store.next_counter("invoice")
    clock.advance(days=1)
    store.next_counter("invoice")
    clock.advance(days=1)
    store.next_counter("invoice")
    store.close()
    verdict = export(store_dir, date(2026, 11, 26), date(2026, 11, 26), tmp_path / "one.zip")
    assert verdict.ok and "exported 1 entries (3..3" in verdict.message, verdict.message
    assert verify_archive(tmp_path / "one.zip").ok
    assert not export(store_dir, date(2026, 12, 1), date(2026, 12, 2), tmp_path / "none.zip").ok


def test_the_memory_store_journals_the_same_way():
    store = memory_store(clock=lambda: T0)
    store.next_counter("invoice")
    store.put_state("ui.sale", {"lines": [1]})
    assert store.journal_head().seq == 3
    with pytest.raises(StoreError, match="not plain JSON"):
        store.put_state("ui.sale", {"bad": {1, 2}})
    assert store.get_state("ui.sale") == {"lines": [1]} and store.journal_head().seq == 3


def test_a_batch_cut_short_before_its_last_entry_is_dropped_whole(open_file_store, store_dir, monkeypatch):
    """An import is one operation of many entries; only its last one names its files. Appended in
    part (a stop mid-write), it never happened: the next start drops the entries that did land."""
    import pos.store.atomic as atomic

    store = open_file_store()
    store.next_counter("invoice")
    monkeypatch.setattr(atomic, "atomic_write", lambda path, data: (_ for _ in ()).throw(StoreError("power cut")))
    history = [make_invoice(n).transition(SETTLED, "paid", T0) for n in (1, 2, 3)]
    with pytest.raises(StoreError, match="power cut"):
        store.import_closed(history)
    monkeypatch.undo()
    store.close()
    rewrite_journal(store_dir, lambda lines: lines[:-1])  # the batch's last line never made it to disk
    store = open_file_store()
    assert [e.kind for e in entries(store_dir)] == [STORE_CREATED, COUNTER]
    assert store.get_invoice("T01-000001") is None
    store.close()
    assert verify_store(store_dir).ok


def test_an_import_is_journaled_an_operation_per_batch(open_file_store, store_dir, monkeypatch):
    import pos.store.repository as repository

    monkeypatch.setattr(repository, "IMPORT_BATCH", 2)
    store = open_file_store()
    history = [make_invoice(n, now=T0 - timedelta(days=n)).transition(SETTLED, "paid", T0) for n in range(1, 6)]
    assert store.import_closed(history) == 5
    store.close()
    imported = [e for e in entries(store_dir) if e.kind == "imported"]
    assert [e.data["id"] for e in imported] == [i.id for i in history]
    assert [e.files is not None for e in imported] == [False, True, False, True, True]  # 2 + 2 + 1
    assert verify_store(store_dir).ok


@pytest.mark.parametrize("landed", ["both entries", "the first entry only"])
def test_print_jobs_queued_together_are_one_operation_kept_or_dropped_whole(open_file_store, store_dir, monkeypatch,
                                                                           landed):
    """A sale's slip and its fiscal receipt's job (pos.printing) are queued in one operation: a stop
    before their files are written finishes both at the next start, a stop mid-append drops both;
    never the slip without the fiscal receipt."""
    import pos.store.atomic as atomic

    store = open_file_store()
    slip, fiscal = PrintJob("P000001", "T01-000001", T0, receipt_no=1), PrintJob("P000002", "T01-000001", T0,
                                                                                 receipt_no=1)
    monkeypatch.setattr(atomic, "atomic_write", lambda path, data: (_ for _ in ()).throw(StoreError("power cut")))
    with pytest.raises(StoreError, match="power cut"):
        store.enqueue_print(slip, fiscal)
    monkeypatch.undo()
    store.close()
    assert [e.kind for e in entries(store_dir)][-2:] == [PRINT_QUEUED, PRINT_QUEUED]
    if landed == "the first entry only":
        rewrite_journal(store_dir, lambda lines: lines[:-1])
    store = open_file_store()
    assert store.pending_prints() == ([slip, fiscal] if landed == "both entries" else [])
    store.close()
    assert verify_store(store_dir).ok
