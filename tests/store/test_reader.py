"""The read-only look (pos.store.read_store): no lock, not a byte written, one consistent moment."""

from __future__ import annotations

import hashlib
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Callable

import pytest

from pos.core.localtime import business_day
from pos.core.ports import StoreError
from pos.store import TinyStore, open_store, read_store, reader
from tests.builders import T0, make_invoice
from tests.store.kill_writer import BASE, STEP
from tests.store.test_lock import HOLDER

#: A till selling fast: each round takes the next number, saves that invoice and closes an older one
#: (kill_writer's invoices, dated across many days), then pauses 20 ms: a hundred times a busy till.
WRITER = """
import sys, time
sys.path.insert(0, sys.argv[2])
from pos.store import open_store
from tests.store.kill_writer import KEEP_OPEN, closed_version, new_version
store = open_store(sys.argv[1])
open_seqs = []
while True:
    seq = store.next_counter("invoice")
    store.save_invoice(new_version(seq))
    open_seqs.append(seq)
    if len(open_seqs) > KEEP_OPEN:
        store.save_invoice(closed_version(open_seqs.pop(0)))
    time.sleep(0.02)
"""


def hashes(directory: Path) -> dict[str, str]:
    """SHA-256, mode and modification time of every file in the store, the lock file too."""
    return {str(p.relative_to(directory)): f"{hashlib.sha256(p.read_bytes()).hexdigest()} {p.stat().st_mode:o} "
            f"{p.stat().st_mtime_ns}" for p in sorted(directory.rglob("*")) if p.is_file()}


@pytest.fixture
def filled(store_dir, clock) -> Path:
    store = open_store(store_dir, clock=clock)
    for seq in (1, 2, 3):
        store.save_invoice(make_invoice(seq))
    store.close()
    return store_dir


def ids_of_day(store) -> list[str]:
    return [invoice.id for invoice in store.invoices_for_day(business_day(T0))]


def test_a_store_held_by_this_process_is_read_and_not_a_byte_changes(filled, clock):
    running = open_store(filled, clock=clock)
    try:
        before = hashes(filled)
        assert read_store(filled, ids_of_day) == ["T01-000001", "T01-000002", "T01-000003"]
        assert hashes(filled) == before
        running.save_invoice(make_invoice(4))  # the terminal goes on, its lock untouched
        assert read_store(filled, ids_of_day)[-1] == "T01-000004"
    finally:
        running.close()


def test_a_store_held_by_another_process_is_read_and_not_a_byte_changes(filled):
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(filled)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline() == "ready\n"
        before = hashes(filled)
        assert len(read_store(filled, ids_of_day)) == 3
        assert hashes(filled) == before
    finally:
        holder.kill()
        holder.wait()
        holder.stdout.close()


def test_every_write_through_a_look_is_refused(filled):
    before = hashes(filled)

    def write(store):
        with pytest.raises(StoreError, match="read-only"):
            store.save_invoice(make_invoice(9))
        with pytest.raises(StoreError, match="read-only"):
            store.put_state("x", {"y": 1})
        with pytest.raises(StoreError, match="read-only"):
            store.next_counter("invoice")

    read_store(filled, write)
    assert hashes(filled) == before


def test_a_damaged_file_is_named_and_left_where_it_is(filled):
    day = filled / "open.json"
    day.write_bytes(b'{"invoices": {"1": ')
    before = hashes(filled)
    with pytest.raises(StoreError, match=rf"{day} is damaged \(not valid JSON.*nothing was changed"):
        read_store(filled, ids_of_day)
    assert hashes(filled) == before


def test_a_file_set_aside_stops_the_look_as_it_stops_the_terminal(filled):
    (filled / "open.json.damaged-20261125T060000Z").write_bytes(b"x")
    with pytest.raises(StoreError, match="damaged file set aside: open.json.damaged-"):
        read_store(filled, ids_of_day)


def test_a_file_the_terminal_sets_aside_during_a_look_is_not_read_as_empty(filled):
    def read(store):
        (filled / "open.json").rename(filled / "open.json.damaged-20261125T060000Z")  # the terminal found it damaged
        return ids_of_day(store)

    with pytest.raises(StoreError, match="damaged file set aside: open.json.damaged-"):
        read_store(filled, read)


def test_no_store_is_said(tmp_path):
    with pytest.raises(StoreError, match=f"no store at {tmp_path / 'none'}"):
        read_store(tmp_path / "none", ids_of_day)
    assert not (tmp_path / "none").exists()


def test_an_operation_stopped_halfway_is_named_not_read_and_not_finished(filled, clock, monkeypatch):
    """The journal holds the last operation but its file does not (a kill between the two): the terminal
    finishes it at its next start; the look says so and leaves it."""
    day = filled / "open.json"
    old = day.read_bytes()
    store = open_store(filled, clock=clock)
    store.save_invoice(make_invoice(1).cancel(at=T0 + timedelta(minutes=1)))  # rewrites `open`
    store.close()
    day.write_bytes(old)
    before = hashes(filled)
    monkeypatch.setattr(reader, "PAUSE", 0.001)
    with pytest.raises(StoreError, match=rf"{day} is not yet written by journal entry \d+: a terminal is writing "
                                         r"it, or stopped in the middle of it"):
        read_store(filled, ids_of_day)
    assert hashes(filled) == before
    assert open_store(filled, clock=clock).get_invoice("T01-000001").state == "cancelled"  # the terminal finishes it


def overtaken(store_dir: Path, numbers: int) -> None:
    """Wait until the writer has taken `numbers` more invoice numbers (each a new counters.json)."""
    deadline = time.monotonic() + 10
    for _ in range(numbers):
        inode = (store_dir / "counters.json").stat().st_ino
        while (store_dir / "counters.json").stat().st_ino == inode:
            assert time.monotonic() < deadline, "the writer stopped"
            time.sleep(0.001)


def looks(store_dir: Path) -> tuple[Callable[[TinyStore], tuple[int, list[int]]], list[int]]:
    """A look at the invoice counter, then at the invoices of the day it has reached and the days either side;
    its first attempt lets the writer take two more numbers (and save the first) in between."""
    attempts: list[int] = []

    def look(store: TinyStore) -> tuple[int, list[int]]:
        counter = store.counter("invoice")
        if not attempts:
            overtaken(store_dir, 2)
        attempts.append(counter)
        day = business_day(BASE + STEP * counter)
        return counter, sorted(inv.seq for n in (-1, 0, 1) for inv in store.invoices_for_day(day + timedelta(days=n)))
    return look, attempts


def test_a_look_the_writer_overtook_is_read_again_and_sees_one_moment(store_dir):
    """The writer takes the next number (counters), then saves that invoice in its day's file; a look that
    mixed two moments would see an invoice beyond its counter, or a gap where two day files meet."""
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(store_dir), str(Path(__file__).parents[2])])
    try:
        while not (store_dir / "counters.json").exists():
            time.sleep(0.01)
        overtaken(store_dir, 3)
        highest = 0
        while highest < 95:  # invoice 88 is the first of kill_writer's second day: day files meet
            look, attempts = looks(store_dir)
            counter, found = read_store(store_dir, look)
            assert found == list(range(found[0], found[-1] + 1)) and found[-1] in (counter - 1, counter)
            assert len(attempts) > 1 and attempts[-1] > attempts[0]  # read again, at a later moment
            highest = counter
        assert writer.poll() is None  # the writer went on all along
    finally:
        writer.kill()
        writer.wait()


def test_a_journal_line_still_being_appended_is_not_read_nor_cut_off(filled):
    """The terminal's append is half on disk: the look takes the last whole line, the half stays for the terminal."""
    [partition] = (filled / "journal").rglob("*.jsonl")
    with open(partition, "ab") as f:
        f.write(b'{"seq": 99, "kind": "inv')
    before = hashes(filled)
    assert len(read_store(filled, ids_of_day)) == 3
    assert hashes(filled) == before
