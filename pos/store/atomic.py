"""All-or-nothing file writes, and the TinyDB storage built on them.

TinyDB's JSONStorage rewrites its file in place, so a kill or a power cut in the middle
leaves JSON that does not parse, and it reads an empty file as an empty database.
CachingMiddleware keeps writes in memory, so a SIGKILL loses them. Here every write goes
to a temporary file in the same directory, which is flushed and fsynced, then renamed over
the old file with os.replace() (atomic on POSIX), then the directory is fsynced so the
rename itself survives a power cut. At any instant the file on disk is the whole old
version or the whole new one.

Files are created 0600 and directories 0700 (FILE_MODE, DIR_MODE): the store holds the
day's sales and, beside it, bitcoinlib's providers file with the node's password; no
other user of the machine may read them.

A file that is damaged anyway (a disk fault, a hand edit) is never "repaired" by emptying
it: it is renamed aside to `<name>.damaged-<UTC time>` and the store refuses to open until
a person has dealt with it (see set_aside and damaged_message).
"""

from __future__ import annotations

import contextlib
import json
import os
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable

from tinydb.storages import MemoryStorage, Storage

from pos.core.ports import StoreError

FILE_MODE = 0o600  # owner only: sales, counters, the log, the node's password
DIR_MODE = 0o700
DAMAGED_MARK = ".damaged-"
TEMP_MARK = ".tmp"
#: The key under which every data file records the counters as they stood when it was written.
STAMP = "_counters"


class DamagedFile(StoreError):
    """A store file that cannot be read as JSON tables; it has been set aside."""


def original_name(aside: Path) -> str:
    """`days__2026-11__2026-11-25.json.damaged-...` -> `days/2026-11/2026-11-25.json`."""
    return aside.name.split(DAMAGED_MARK)[0].replace("__", "/")


def damaged_message(root: Path, files: list[Path]) -> str:
    """What happened and what the person at the terminal should do about it."""
    names = ", ".join(f"{f.name} (was {original_name(f)})" for f in files)
    return (f"store {root} has a damaged file set aside: {names}. The terminal will not start until it is "
            "dealt with, so that no invoice number or address is ever reused. Either put the file back from "
            "a backup where it was and move the .damaged file out of the store directory, or run "
            f"`python -m pos.store repair {root}`, which moves damaged files to {root / 'damaged'} and "
            "rebuilds the counters and the index from everything else.")


def fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def make_dirs(directory: Path) -> None:
    """Create a directory and its missing parents (owner only), each made durable in its own parent."""
    if directory.is_dir():
        return
    make_dirs(directory.parent)
    try:
        directory.mkdir(mode=DIR_MODE)
    except FileExistsError:
        pass
    fsync_dir(directory.parent)


def tighten(root: Path) -> None:
    """Owner-only modes on a store made by an older version (0755 directories, 0644 files).

    Called with the lock held; symbolic links are left alone; a file that cannot be changed
    (another owner) is left as it is rather than stopping the terminal.
    """
    for directory, _dirs, files in os.walk(root):
        for path, mode in [(Path(directory), DIR_MODE)] + [(Path(directory) / f, FILE_MODE) for f in files]:
            try:
                info = path.lstat()
                if not path.is_symlink() and info.st_mode & 0o777 & ~mode:
                    os.chmod(path, mode)
            except OSError:
                continue


def atomic_write(path: Path, data: bytes) -> None:
    """Replace the file's contents with `data`, all or nothing, durably."""
    # One writer (the store lock), so a fixed name: a temp file left by a crash is never read,
    # and the next write of the same file truncates and reuses it.
    tmp = path.with_name(f".{path.name}{TEMP_MARK}")
    try:
        make_dirs(path.parent)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
        try:
            os.fchmod(fd, FILE_MODE)  # a temp file left by an older version may be 0644
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
        fsync_dir(path.parent)
    except OSError as exc:
        with contextlib.suppress(OSError):  # a read-only file system refuses this too; it is never read
            tmp.unlink(missing_ok=True)
        raise StoreError(f"cannot write {path}: {exc.strerror or exc}") from None


def flat_name(root: Path, path: Path) -> str:
    return str(path.relative_to(root)).replace(os.sep, "__")


def set_aside(path: Path, root: Path, reason: str) -> DamagedFile:
    """Move a damaged file, every byte kept, to the top of the store as `<name>.damaged-<UTC time>`.

    At the top, because that is where a person looks and the only directory that opening
    the store has to list to know it must refuse (a day file's name keeps its folders:
    `days__2026-11__2026-11-25.json.damaged-...`).
    """
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    aside = root / f"{flat_name(root, path)}{DAMAGED_MARK}{stamp}"
    try:
        os.replace(path, aside)
        fsync_dir(root)
        fsync_dir(path.parent)
    except OSError as exc:
        return DamagedFile(f"{path} is damaged ({reason}) and could not be set aside ({exc.strerror})")
    return DamagedFile(f"{path} is damaged ({reason}); it was kept as {aside}. " + damaged_message(root, [aside]))


def parse_tables(raw: bytes) -> dict[str, dict[str, Any]]:
    """The file's JSON tables; ValueError says why when it is not that."""
    if not raw.strip():
        raise ValueError("the file is empty")
    try:
        data = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise ValueError(f"not UTF-8 text: {exc.reason} at byte {exc.start}") from None
    except json.JSONDecodeError as exc:
        raise ValueError(f"not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from None
    if not isinstance(data, dict) or not all(isinstance(t, dict) for t in data.values()):
        raise ValueError("not a set of TinyDB tables")
    return data


def read_tables(path: Path, root: Path) -> dict[str, dict[str, Any]] | None:
    """A file's tables, None when the file does not exist; a damaged file is set aside."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise StoreError(f"cannot read {path}: {exc.strerror or exc}") from None
    try:
        return parse_tables(raw)
    except ValueError as exc:
        raise set_aside(path, root, str(exc)) from None


def encode(path: Path, data: dict) -> bytes:
    try:
        return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    except (TypeError, ValueError) as exc:
        raise StoreError(f"cannot write {path}: the data is not plain JSON ({exc})") from None


Stamp = Callable[[], dict[str, int]]
#: Called with (storage, data) by every write; True when a store operation holds the write back
#: until its journal entry is on disk (pos.store.journal.Staging), which then calls put() or drop().
Hold = Callable[[Any, dict], bool]


class AtomicJSONStorage(Storage):
    """A TinyDB storage whose every write is atomic and durable.

    It keeps the last data read or written in memory: the store holds an exclusive lock on
    its directory, so nobody else changes the file behind our back, and TinyDB reads the
    whole file before every write. When a write fails the memory copy (which TinyDB has
    already changed) is dropped, so the next read sees what is really on disk.
    """

    def __init__(self, path: Path, root: Path, stamp: Stamp | None = None, hold: Hold | None = None) -> None:
        super().__init__()
        self.path = Path(path)
        self.name = self.path.relative_to(root).with_suffix("").as_posix()
        self._root = root
        self._stamp = stamp
        self._hold = hold
        self._data: dict | None = None

    def read(self) -> dict[str, dict[str, Any]]:
        if self._data is None:
            self._data = read_tables(self.path, self._root) or {}
        return self._data

    def write(self, data: dict[str, dict[str, Any]]) -> None:
        if self._stamp is not None:
            data[STAMP] = self._stamp()
        self._data = data
        if self._hold is None or not self._hold(self, data):
            self.put(self.encode())

    def encode(self) -> bytes:
        """The data in memory as the file's bytes; StoreError (and the memory copy dropped) if not JSON."""
        try:
            return encode(self.path, self.read())
        except StoreError:
            self._data = None
            raise

    def put(self, raw: bytes) -> None:
        """Write the bytes encode() gave, all or nothing."""
        try:
            atomic_write(self.path, raw)
        except StoreError:
            self._data = None
            raise

    def drop(self) -> None:
        """Forget a held write: the next read sees the file."""
        self._data = None


class StampedMemoryStorage(MemoryStorage):
    """TinyDB's MemoryStorage plus the same counter stamp and hold, so both stores run the same code."""

    def __init__(self, stamp: Stamp | None = None, hold: Hold | None = None, name: str = "") -> None:
        super().__init__()
        self.name = name
        self._stamp = stamp
        self._hold = hold
        self._written = b""  # the last data put, encoded: what drop() goes back to

    def write(self, data: dict[str, dict[str, Any]]) -> None:
        if self._stamp is not None:
            data[STAMP] = self._stamp()
        self.memory = data
        if self._hold is None or not self._hold(self, data):
            self.put(self.encode())

    def encode(self) -> bytes:
        try:
            return encode(Path(f"memory store, {self.name}"), self.memory or {})
        except StoreError:
            self.drop()
            raise

    def put(self, raw: bytes) -> None:
        self._written = raw

    def drop(self) -> None:
        self.memory = json.loads(self._written) if self._written else None
