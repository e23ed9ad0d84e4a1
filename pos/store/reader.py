"""A read-only look at a store that a running terminal may be writing: no lock, not a byte written.

`pos export` and `pos users list` read the store while the kiosk sells. They take no lock
(the terminal keeps its flock on `store.lock`), finish, move, sweep or set aside nothing,
append no journal entry, and every write raises StoreError (TinyStore's `read_only`, this
module's storage and journal).

What makes the look consistent without a lock:
* every store file is replaced whole by a rename (pos.store.atomic), so a file read is the
  whole old version or the whole new one;
* a journal line is the last of its partition only when it ends with a newline: a line being
  appended is not read;
* an operation appends its entries first and then writes its files, in order, each stamped
  with its last entry's seq (pos.store.journal), and the next operation starts after that.
  So the look takes the journal's last entry once every file of its operation is written
  (`_settled`), reads each file it needs once, and checks each file's stamp: when none is
  past that entry, every file read is the version that was current at that entry, and what
  was read is the store as it stood then (a sale on the till while a past day is exported
  rewrites `open` and today's file, not that day's). Otherwise it reads again, a bounded
  number of times.

A store that is damaged (a file that is not JSON, a file set aside, counters.json missing) or
whose last operation stays unfinished (a terminal stopped in the middle of a write: its next
start finishes it) is named and not read; the terminal, not this look, deals with it.
"""

from __future__ import annotations

import time
from datetime import datetime
from pathlib import Path
from typing import Any, Callable, TypeVar

from tinydb import TinyDB
from tinydb.storages import Storage

from pos.core.invoice import utcnow
from pos.core.journal import BrokenChain, Draft, Entry, Files, parse_line
from pos.core.ports import StoreError
from pos.store.atomic import STAMP, damaged_message, parse_tables
from pos.store.backends import damaged_files
from pos.store.journal import JOURNAL_STAMP, FileJournal, Staging, store_files
from pos.store.layout import COUNTERS
from pos.store.repository import TinyStore

T = TypeVar("T")
#: Reads of a store that keeps changing under them (or whose last operation is being written) before giving up.
ATTEMPTS = 20
#: Seconds between two reads: a terminal's operation writes its few files in milliseconds.
PAUSE = 0.1


class Unsettled(StoreError):
    """The look saw the store between two writes of a terminal: read again."""


def _read_only(what: str) -> StoreError:
    return StoreError(f"{what} is open read-only: nothing can be written to it")


class ReadOnlyStorage(Storage):
    """A store file as it is on disk, parsed once per look; a damaged one is named, never set aside."""

    def __init__(self, path: Path, root: Path) -> None:
        super().__init__()
        self.path = path
        self._root = root
        self._data: dict[str, dict[str, Any]] | None = None

    def read(self) -> dict[str, dict[str, Any]]:
        if self._data is None:
            try:
                raw = self.path.read_bytes()
            except FileNotFoundError:
                raw = b"{}"
            except OSError as exc:
                raise StoreError(f"cannot read {self.path}: {exc.strerror or exc}") from None
            try:
                self._data = parse_tables(raw)
            except ValueError as exc:
                raise StoreError(f"{self.path} is damaged ({exc}); it was only read, nothing was changed. The "
                                 f"terminal sets it aside when it next reads it; then see `python -m pos.store "
                                 f"repair {self._root}`") from None
        return self._data

    def write(self, data: dict[str, dict[str, Any]]) -> None:
        raise _read_only(str(self.path))


class ReadOnlyJournal(FileJournal):
    """The journal's partitions, read; its head is its last whole line, nothing is cut off or appended."""

    def __init__(self, root: Path) -> None:
        super().__init__(root, utcnow, None, reader=True)  # the clock dates appends: there are none
        self._found(self.newest())

    def newest(self) -> Entry | None:
        """The last entry whose line is whole (a line without its newline is still being appended)."""
        for name in self._backwards():
            raw = self._tail(name)
            lines = raw[:raw.rfind(b"\n") + 1].splitlines(keepends=True)
            if lines:
                return _parsed(lines[-1], f"{self.root / name}, last line")
        return None

    def append(self, drafts: list[Draft], files: Files) -> list[Entry]:
        raise _read_only(f"the journal of {self.root}")

    def _truncate(self, name: str, drop: int) -> None:
        raise _read_only(str(self.root / name))


def _parsed(raw: bytes, where: str) -> Entry:
    try:
        return parse_line(raw, where)
    except BrokenChain as exc:
        raise StoreError(f"the journal cannot be read: {exc}; it was only read, nothing was changed. Keep the "
                         "store as it is for `pos journal verify` and a person") from None


class ReadOnlyBackend:
    """The Backend (pos.store.repository) of one look: each file read once, and the names of those read."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.name = str(directory)
        self.stamp: Callable[[], dict[str, int]] = dict
        self.staging = Staging()
        self.read: dict[str, TinyDB] = {}  # every file this look has read (or found missing), by name
        self.opened: ReadOnlyJournal | None = None

    def describe(self, name: str) -> str:
        return str(self.directory / f"{name}.json")

    def db(self, name: str) -> TinyDB:
        if name not in self.read:
            self.read[name] = TinyDB(storage=ReadOnlyStorage, path=self.directory / f"{name}.json",
                                     root=self.directory)
        return self.read[name]

    def stamp_of(self, name: str) -> dict[str, int]:
        return (self.db(name).storage.read() or {}).get(STAMP, {})

    def journal_seq_of(self, name: str) -> int:
        return int((self.db(name).storage.read() or {}).get(JOURNAL_STAMP, {}).get("seq", 0))

    def journal(self, clock: Callable[[], datetime], terminal: str | None) -> ReadOnlyJournal:
        self.opened = ReadOnlyJournal(self.directory)
        return self.opened

    def files(self) -> list[tuple[str, bytes]]:
        return [(name, path.read_bytes()) for name, path in store_files(self.directory)]

    def damaged(self) -> list[str]:
        return [p.name for p in damaged_files(self.directory)]

    def close(self) -> None:
        self.read.clear()


def read_store(directory: Path, read: Callable[[TinyStore], T], *, terminal: str | None = None,
               clock: Callable[[], datetime] = utcnow) -> T:
    """What `read` returns from the store in `directory`, read without its lock and without writing.

    StoreError when there is no store there, when it is damaged or its last operation stays
    unfinished, or when it changed under every attempt (each message says what and where).
    """
    directory = Path(directory)
    for _ in range(ATTEMPTS):
        try:
            return _look(directory, read, terminal, clock)
        except Unsettled as exc:
            last = exc
        time.sleep(PAUSE)
    raise StoreError(f"{last} (tried {ATTEMPTS} times over {ATTEMPTS * PAUSE:.0f} s); nothing was changed")


def _check(directory: Path) -> None:
    if not directory.is_dir():
        raise StoreError(f"no store at {directory}")
    damaged = damaged_files(directory)
    if damaged:
        raise StoreError(damaged_message(directory, damaged))
    if not (directory / f"{COUNTERS}.json").exists():
        if store_files(directory):
            raise StoreError(f"{directory / (COUNTERS + '.json')} is missing but the store holds records: the "
                             "store is damaged; the terminal refuses to start until it is dealt with (see "
                             f"`python -m pos.store repair {directory}`)")
        raise StoreError(f"no store at {directory} (nothing saved in it yet)")


def _look(directory: Path, read: Callable[[TinyStore], T], terminal: str | None,
          clock: Callable[[], datetime]) -> T:
    _check(directory)
    backend = ReadOnlyBackend(directory)
    store = TinyStore(backend, clock, terminal, read_only=True)  # reads the journal's head before any file
    try:
        head = backend.opened.last if backend.opened is not None else None
        _settled(head, backend)
        result = read(store)
        _check(directory)  # a file the terminal set aside meanwhile was read as missing
        seq = head.seq if head is not None else 0
        for name in backend.read:
            if backend.journal_seq_of(name) > seq:
                raise Unsettled(f"{backend.describe(name)} was written again while the store was read (journal "
                                f"entry {backend.journal_seq_of(name)}, after entry {seq})")
        return result
    finally:
        store.close()


def _settled(last: Entry | None, backend: ReadOnlyBackend) -> None:
    """Unsettled while the last operation's files are not all written (each is written after its entries)."""
    if last is None or last.files == ():  # no journal yet, or an entry that wrote no file
        return
    if last.files is None:  # the files are named on an operation's last entry
        raise Unsettled(f"the journal of {backend.directory} ends inside an operation (entry {last.seq}): a "
                        "terminal is writing it, or stopped in the middle of it and finishes it when it starts")
    name = last.files[-1][0]
    seq = backend.journal_seq_of(name)
    if seq < last.seq:
        raise Unsettled(f"{backend.describe(name)} is not yet written by journal entry {last.seq}: a terminal is "
                        "writing it, or stopped in the middle of it and finishes it when it starts")
    if seq > last.seq:
        raise Unsettled(f"{backend.describe(name)} was written by journal entry {seq}, after the journal's last "
                        f"entry {last.seq}: journal entries were removed, or the look raced a write")
