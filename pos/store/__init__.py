"""The terminal's store: TinyDB files that a kill -9 or a power cut cannot corrupt.

Design (README, "Store design", says the same for people running a shop):

* Every file write is all or nothing (pos.store.atomic): temp file, fsync, os.replace,
  directory fsync. TinyDB's own JSONStorage and CachingMiddleware are not used.
* Partitions (pos.store.layout), so that a save costs the same with 100 invoices stored
  or 100 000: the counters, the open invoices and the state/print queue are each a small
  file; an invoice lives in `open` while the watcher needs it (Invoice.needs_watching:
  new, processing, expired or cancelled within its monitoring window) and is then moved, once, to the file of the business day
  it was created on (Asia/Almaty). A save rewrites `open` (a few dozen invoices) or one
  day file (one day's sales), never the history.
* get_invoice(id) reads `open`, then one index block: invoice ids are `<terminal>-<seq>`,
  and block `<terminal>-<seq // 1000>` maps each closed id to its day, so a lookup is one
  small file and one day file however old the invoice is. open_invoices(), read at every
  start, reads only `open`.
* Counters are their own records, saved before the value is returned; every other file
  records the counters as they stood when written, so counters.json can be checked at
  start (it may never be behind) and rebuilt by `python -m pos.store repair DIR`.
* A damaged file is set aside as `<name>.damaged-<UTC time>`, reported with its name,
  and the store refuses to open while one is there. One writer: an flock on `store.lock`.

`open_store(directory)` is the terminal's store; `read_store(directory, read)` reads it without
its lock and writes nothing, while a terminal runs on it (pos.store.reader: `pos export`, `pos
users list`); `memory_store()` runs the same code on TinyDB's memory storage for UI tests and demos.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Callable

from pos.core.invoice import utcnow
from pos.core.ports import StoreError
from pos.store.backends import FileBackend, MemoryBackend
from pos.core.localtime import business_day
from pos.store.reader import read_store
from pos.store.repository import TinyStore

__all__ = ["StoreError", "TinyStore", "business_day", "memory_store", "open_store", "read_store"]


def open_store(directory: Path, *, clock: Callable[[], datetime] = utcnow, terminal: str | None = None) -> TinyStore:
    """The store in `directory` (created if missing), locked for this process until close().

    `terminal` is the id its journal entries carry (default: the one its journal carries).
    """
    return TinyStore(FileBackend.open(Path(directory)), clock, terminal)


def memory_store(*, clock: Callable[[], datetime] = utcnow, terminal: str | None = None) -> TinyStore:
    return TinyStore(MemoryBackend(), clock, terminal)
