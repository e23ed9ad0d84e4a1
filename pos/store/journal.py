"""The journal's files, and the staging that makes each entry part of the store write it records.

Layout: `journal/YYYY-MM/YYYY-MM-DD.jsonl` under the store directory, one partition per
business day (Asia/Almaty, as the day files), one canonical JSON line per entry
(pos.core.journal). A partition is never rewritten: an append is one O_APPEND write and one
fsync of the day's file (and of its directory when the file is new), so it costs the same
at a thousand entries and at a million. A partition never goes back: an entry belongs to
its business day or to the head's, whichever is later (a clock set back cannot put the
chain out of order).

One store operation is all or nothing with its entries (Staging): the operation's TinyDB
writes are held in memory, their bytes hashed into the operation's last entry, the entries
appended and fsynced, and only then the files written, each stamped with that entry's seq
(JOURNAL_STAMP). A kill before the append leaves neither; a kill after it leaves entries
whose files are not all written yet, and opening the store applies them again
(TinyStore._finish_operation), so the journal and the records always agree. An append cut
short (the last line has no newline, or a batch's last line is missing) is an operation that
never happened: opening cuts it off.
"""

from __future__ import annotations

import logging
import os
import re
from datetime import date, datetime
from pathlib import Path
from typing import Callable, Iterator, Protocol

from pos.core.journal import MAX_LINE_BYTES, BrokenChain, Draft, Entry, Files, Head, parse_line, seal
from pos.core.localtime import business_day
from pos.core.ports import StoreError
from pos.store.atomic import FILE_MODE, fsync_dir, make_dirs
from pos.store.layout import COUNTERS, DAYS, INDEX, OPEN, RECORDS, STATE

log = logging.getLogger(__name__)

JOURNAL = "journal"
#: Written into every store file by the operation that wrote it: {"seq": its last entry's seq}.
JOURNAL_STAMP = "_journal"
#: The terminal id a store without one takes (config.toml's default [terminal] id).
DEFAULT_TERMINAL = "T01"
_TAIL_CHUNK = 64 * 1024
_PARTITION = re.compile(r"\d{4}-\d{2}-\d{2}\.jsonl")


class Held(Protocol):
    """A storage whose write an operation holds back (pos.store.atomic's two storages)."""

    name: str

    def encode(self) -> bytes: ...

    def put(self, raw: bytes) -> None: ...

    def drop(self) -> None: ...


def partition_name(day: date) -> str:
    return f"{JOURNAL}/{day:%Y-%m}/{day.isoformat()}.jsonl"


def store_files(directory: Path) -> list[tuple[str, Path]]:
    """(name, path) of every store file the journal covers (not the journal, bitcoinlib's files or temp files)."""
    found = []
    for path in sorted(directory.rglob("*.json")):
        name = path.relative_to(directory).with_suffix("").as_posix()
        if name in (COUNTERS, OPEN, STATE, RECORDS) or name.split("/")[0] in (DAYS, INDEX, STATE):
            found.append((name, path))
    return found


def partition_day(name: str) -> date:
    return date.fromisoformat(name.rsplit("/", 1)[-1].removesuffix(".jsonl"))


class Journal:
    """Sealing and the head, shared by the file and the memory journal."""

    def __init__(self, clock: Callable[[], datetime], terminal: str | None) -> None:
        self._clock = clock
        self.last: Entry | None = None
        self.terminal = terminal or DEFAULT_TERMINAL
        self._given_terminal = terminal

    def _found(self, last: Entry | None) -> None:
        self.last = last
        if last is not None and self._given_terminal is None:
            self.terminal = last.terminal

    @property
    def head(self) -> Head:
        return Head() if self.last is None else Head(self.last.seq, self.last.hash)

    def append(self, drafts: list[Draft], files: Files) -> list[Entry]:
        """Seal the operation's entries (its files on the last one), append them durably, return them."""
        now = self._clock()
        day = business_day(now)
        if self.last is not None:
            day = max(day, business_day(self.last.time))
        entries, head = [], self.head
        for i, draft in enumerate(drafts):
            entry = seal(head.seq + 1, now, self.terminal, draft, head.hash, files if i == len(drafts) - 1 else None)
            entries.append(entry)
            head = Head(entry.seq, entry.hash)
        self._write(partition_name(day), b"".join(e.line() for e in entries))
        self.last = entries[-1]
        return entries

    def lines(self, first: date | None = None, last: date | None = None) -> Iterator[tuple[str, bytes]]:
        """(place, raw line) of every entry of the partitions from `first` to `last`, in order."""
        for name in self.partitions():
            day = partition_day(name)
            if (first is None or day >= first) and (last is None or day <= last):
                for number, raw in enumerate(self._read(name).splitlines(keepends=True), 1):
                    yield f"{name} line {number}", raw

    def last_operation(self) -> list[Entry]:
        """The entries of the last operation (one, or a batch), read back from its partition."""
        if self.last is None or self.last.files is None:
            return []
        name = next(self._backwards())
        entries = [parse_line(raw, f"{name} line {n}")
                   for n, raw in enumerate(self._read(name).splitlines(keepends=True), 1)]
        start = len(entries) - 1
        while start > 0 and entries[start - 1].files is None:
            start -= 1
        return entries[start:]

    def _open(self) -> None:
        """Find the head, cutting off an append that was cut short (no store file has its writes)."""
        for name in self._backwards():
            raw = self._tail(name)
            cut = raw.rfind(b"\n") + 1
            if cut < len(raw):
                log.warning("%s: an entry cut short by a stop was dropped (its operation never happened)", name)
                self._truncate(name, len(raw) - cut)
            lines = raw[:cut].splitlines(keepends=True)
            if not lines:
                continue
            try:
                last = parse_line(lines[-1], f"{name}, last line")
            except BrokenChain as exc:
                raise StoreError(f"the journal's last entry cannot be read: {exc}. Nothing more can be chained "
                                 "to it: keep the store as it is for `pos journal verify` and a person") from None
            if last.files is None:  # a batch cut short: back to the end of the last whole operation
                entries = [parse_line(r, name) for r in self._read(name).splitlines(keepends=True)]
                keep = max((i + 1 for i, e in enumerate(entries) if e.files is not None), default=0)
                log.warning("%s: %d entries of an operation cut short were dropped", name, len(entries) - keep)
                self._truncate(name, sum(len(e.line()) for e in entries[keep:]))
                self._open()
                return
            self._found(last)
            return
        self._found(None)

    # ---- storage, by the subclasses ------------------------------------------------
    def partitions(self) -> list[str]:
        raise NotImplementedError

    def _backwards(self) -> Iterator[str]:
        """The partitions, newest first, listed only as far as they are used."""
        return reversed(self.partitions())

    def _read(self, name: str) -> bytes:
        raise NotImplementedError

    def _tail(self, name: str) -> bytes:
        """At least the last whole line of the partition and what follows it."""
        return self._read(name)

    def _write(self, name: str, data: bytes) -> None:
        raise NotImplementedError

    def _truncate(self, name: str, drop: int) -> None:
        raise NotImplementedError


class MemoryJournal(Journal):
    def __init__(self, clock: Callable[[], datetime], terminal: str | None) -> None:
        super().__init__(clock, terminal)
        self._parts: dict[str, bytearray] = {}

    def partitions(self) -> list[str]:
        return sorted(self._parts)

    def _read(self, name: str) -> bytes:
        return bytes(self._parts[name])

    def _write(self, name: str, data: bytes) -> None:
        self._parts.setdefault(name, bytearray()).extend(data)

    def _truncate(self, name: str, drop: int) -> None:
        del self._parts[name][len(self._parts[name]) - drop:]


class FileJournal(Journal):
    def __init__(self, root: Path, clock: Callable[[], datetime], terminal: str | None, *, reader: bool = False) -> None:
        """`reader`: only read (the commands that check or export it); else find the head, for appending."""
        super().__init__(clock, terminal)
        self.root = root
        if not reader:
            self._open()

    def partitions(self) -> list[str]:
        top = self.root / JOURNAL
        if not top.is_dir():
            return []
        return sorted(f"{JOURNAL}/{month.name}/{f.name}" for month in top.iterdir() if month.is_dir()
                      for f in month.iterdir() if _PARTITION.fullmatch(f.name))

    def _backwards(self) -> Iterator[str]:
        """Month by month from the newest: finding the head lists one month, however long the history."""
        top = self.root / JOURNAL
        months = sorted((m.name for m in top.iterdir() if m.is_dir()), reverse=True) if top.is_dir() else []
        for month in months:
            days = sorted((f.name for f in (top / month).iterdir() if _PARTITION.fullmatch(f.name)), reverse=True)
            yield from (f"{JOURNAL}/{month}/{day}" for day in days)

    def _read(self, name: str) -> bytes:
        try:
            return (self.root / name).read_bytes()
        except OSError as exc:
            raise StoreError(f"cannot read {self.root / name}: {exc.strerror or exc}") from None

    def _tail(self, name: str) -> bytes:
        path = self.root / name
        try:
            with open(path, "rb") as f:
                size = f.seek(0, os.SEEK_END)
                start, tail = size, b""
                while start > 0 and tail.count(b"\n") < 2 and size - start <= MAX_LINE_BYTES:
                    start = max(0, start - _TAIL_CHUNK)
                    f.seek(start)
                    tail = f.read(size - start)
                return tail
        except OSError as exc:
            raise StoreError(f"cannot read {path}: {exc.strerror or exc}") from None

    def _write(self, name: str, data: bytes) -> None:
        path = self.root / name
        try:
            new = not path.exists()
            if new:
                make_dirs(path.parent)
            fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, FILE_MODE)
        except OSError as exc:
            raise StoreError(f"cannot write {path}: {exc.strerror or exc}") from None
        try:
            size = os.fstat(fd).st_size
            try:
                view = memoryview(data)
                while view:
                    view = view[os.write(fd, view):]
                os.fsync(fd)
                if new:
                    fsync_dir(path.parent)
            except OSError as exc:
                try:  # nothing of this operation may stay behind (disk full: the entry did not fit)
                    os.ftruncate(fd, size)
                    if new:
                        path.unlink()
                except OSError:
                    pass  # the next start cuts the piece off
                raise StoreError(f"cannot write {path}: {exc.strerror or exc}") from None
        finally:
            os.close(fd)

    def _truncate(self, name: str, drop: int) -> None:
        path = self.root / name
        try:
            with open(path, "r+b") as f:
                f.truncate(f.seek(0, os.SEEK_END) - drop)
                os.fsync(f.fileno())
        except OSError as exc:
            raise StoreError(f"cannot cut the unfinished end off {path}: {exc.strerror or exc}") from None


class Staging:
    """The TinyDB writes of one store operation, held in memory until its entries are on disk.

    Every storage of a backend gets `hold` (pos.store.atomic.Hold): outside an operation it
    lets the write through; inside one it stamps the data with the operation's last seq and
    keeps the storage, in the order of the last write to each (so a move's removal from
    `open` stays after its day file).
    """

    def __init__(self) -> None:
        self.seq: int | None = None
        self._held: dict[int, Held] = {}

    def begin(self, seq: int) -> None:
        self.seq, self._held = seq, {}

    def hold(self, storage: Held, data: dict) -> bool:
        if self.seq is None:
            return False
        data[JOURNAL_STAMP] = {"seq": self.seq}
        self._held.pop(id(storage), None)
        self._held[id(storage)] = storage
        return True

    def encoded(self) -> list[tuple[Held, bytes]]:
        """(storage, bytes) of every held write; StoreError when one is not plain JSON."""
        return [(storage, storage.encode()) for storage in self._held.values()]

    def commit(self, files: list[tuple[Held, bytes]]) -> None:
        """Write the files; on a failure the rest are dropped (they read from disk again) and it raises."""
        self.seq = None
        for i, (storage, raw) in enumerate(files):
            try:
                storage.put(raw)
            except StoreError:
                for rest, _ in files[i + 1:]:
                    rest.drop()
                raise

    def abort(self) -> None:
        self.seq = None
        for storage in self._held.values():
            storage.drop()
        self._held = {}
