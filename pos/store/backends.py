"""Where the store's TinyDB databases live: files in a locked directory, or memory.

The repository (pos.store.repository) asks for databases by name (pos.store.layout) and
never knows which backend it has, so the memory store used by UI tests and the demo runs
exactly the code that the terminal runs on disk.
"""

from __future__ import annotations

import os
import re
from collections import OrderedDict
from datetime import datetime
from pathlib import Path
from typing import Callable

from tinydb import TinyDB

from pos.core.ports import StoreError
from pos.store.atomic import (
    tighten,
    DAMAGED_MARK, STAMP, AtomicJSONStorage, StampedMemoryStorage, damaged_message, make_dirs, read_tables,
)
from pos.store.layout import COUNTERS, DAYS, INDEX, OPEN, STATE
from pos.store.journal import JOURNAL_STAMP, FileJournal, Journal, MemoryJournal, Staging, store_files
from pos.store.lock import StoreLock

_TAIL_STAMP = re.compile(rb'"%s":\{"seq":(\d+)\}\}$' % JOURNAL_STAMP.encode())
#: Partition files kept parsed in memory besides the three small ones (today, its index block, ...).
RECENT_FILES = 8


def _no_counters() -> dict[str, int]:
    return {}


class MemoryBackend:
    name = "memory"

    def __init__(self) -> None:
        self.stamp = _no_counters  # set by the repository: the counters to record in each write
        self.staging = Staging()
        self._dbs: dict[str, TinyDB] = {}

    def db(self, name: str) -> TinyDB:
        if name not in self._dbs:
            stamp = None if name == COUNTERS else (lambda: self.stamp())
            self._dbs[name] = TinyDB(storage=StampedMemoryStorage, stamp=stamp, hold=self.staging.hold, name=name)
        return self._dbs[name]

    def stamp_of(self, name: str) -> dict[str, int]:
        return (self.db(name).storage.read() or {}).get(STAMP, {})

    def journal_seq_of(self, name: str) -> int:
        return (self.db(name).storage.read() or {}).get(JOURNAL_STAMP, {}).get("seq", 0)

    def journal(self, clock: Callable[[], datetime], terminal: str | None) -> Journal:
        return MemoryJournal(clock, terminal)

    def files(self) -> list[tuple[str, bytes]]:
        return []

    def describe(self, name: str) -> str:
        return f"memory store, {name}"

    def damaged(self) -> list[str]:
        return []

    def close(self) -> None:
        self._dbs.clear()


class FileBackend:
    """One JSON file per name under the store directory, which this process holds locked."""

    def __init__(self, directory: Path, lock: StoreLock) -> None:
        self.directory = directory
        self.name = str(directory)
        self.stamp = _no_counters
        self.staging = Staging()
        self._lock = lock
        self._fixed: dict[str, TinyDB] = {}
        self._recent: OrderedDict[str, TinyDB] = OrderedDict()

    @classmethod
    def open(cls, directory: Path) -> "FileBackend":
        """Lock the directory and refuse it while it holds damaged or missing pieces."""
        directory = Path(directory)
        if directory.exists() and not directory.is_dir():
            raise StoreError(f"store path {directory} is not a directory: [store] path must name a directory")
        try:
            make_dirs(directory)
        except OSError as exc:
            raise StoreError(f"cannot create store directory {directory}: {exc.strerror or exc}") from None
        if not os.access(directory, os.W_OK):
            raise StoreError(f"store {directory} cannot be written (read-only file system or permissions): "
                             "the terminal saves every sale there before going on")
        lock = StoreLock.acquire(directory)
        try:
            tighten(directory)
            damaged = damaged_files(directory)
            if damaged:
                raise StoreError(damaged_message(directory, damaged))
            if not (directory / f"{COUNTERS}.json").exists() and _holds_data(directory):
                raise StoreError(
                    f"{directory / (COUNTERS + '.json')} is missing but the store holds invoices: starting "
                    "would restart invoice numbers and address indexes from 1 and reuse them. Put counters.json "
                    f"back from a backup, or run `python -m pos.store repair {directory}` to rebuild it from the "
                    "counters recorded in every other file of the store.")
        except BaseException:
            lock.release()
            raise
        return cls(directory, lock)

    def path(self, name: str) -> Path:
        return self.directory / f"{name}.json"

    def describe(self, name: str) -> str:
        return str(self.path(name))

    def db(self, name: str) -> TinyDB:
        if name in self._fixed:
            return self._fixed[name]
        if name in self._recent:
            self._recent.move_to_end(name)
            return self._recent[name]
        stamp = None if name == COUNTERS else (lambda: self.stamp())
        db = TinyDB(self.path(name), storage=AtomicJSONStorage, root=self.directory, stamp=stamp,
                    hold=self.staging.hold)
        if name in (COUNTERS, OPEN, STATE):
            self._fixed[name] = db
        else:
            self._recent[name] = db
            if len(self._recent) > RECENT_FILES:
                self._recent.popitem(last=False)
        return db

    def stamp_of(self, name: str) -> dict[str, int]:
        return (self.db(name).storage.read() or {}).get(STAMP, {})  # TinyDB's None: an empty file

    def journal_seq_of(self, name: str) -> int:
        """Opening checks one file of the last operation this way: from the stamp at the file's end
        when it is there (a day file is not parsed, nor kept), else from the whole file."""
        cached = self._fixed.get(name) or self._recent.get(name)
        if cached is None:
            try:
                with open(self.path(name), "rb") as f:
                    f.seek(max(0, f.seek(0, os.SEEK_END) - 64))
                    found = _TAIL_STAMP.search(f.read())
                if found:
                    return int(found[1])
            except OSError:
                pass  # read_tables says what is wrong
        tables = (cached.storage.read() if cached else read_tables(self.path(name), self.directory)) or {}
        return tables.get(JOURNAL_STAMP, {}).get("seq", 0)

    def journal(self, clock: Callable[[], datetime], terminal: str | None) -> Journal:
        return FileJournal(self.directory, clock, terminal)

    def files(self) -> list[tuple[str, bytes]]:
        return [(name, path.read_bytes()) for name, path in store_files(self.directory)]

    def damaged(self) -> list[str]:
        try:
            return [p.name for p in damaged_files(self.directory)]
        except OSError as exc:  # the directory cannot be listed: nothing shows it was dealt with
            return [f"{self.directory} ({exc.strerror})"]

    def close(self) -> None:
        self._fixed.clear()
        self._recent.clear()
        self._lock.release()


def damaged_files(directory: Path) -> list[Path]:
    """Files set aside as damaged: set_aside puts them at the top, so one listing finds them all."""
    return sorted(p for p in directory.iterdir() if DAMAGED_MARK in p.name)


def _holds_data(directory: Path) -> bool:
    return any((directory / n).exists() for n in (f"{OPEN}.json", f"{STATE}.json", STATE, DAYS, INDEX))
