"""One writer per store: an exclusive flock on `store.lock` in the store directory.

flock belongs to the open file, so the kernel releases it when the process ends however
it ends (SIGKILL, power cut): a crash never leaves a stale lock to clean up by hand. The
file holds the owner's pid only so that the refusal can name it.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

from pos.core.ports import StoreError
from pos.store.atomic import FILE_MODE

LOCK_NAME = "store.lock"
PID_WIDTH = 10


class StoreLock:
    def __init__(self, fd: int) -> None:
        self._fd: int | None = fd

    @classmethod
    def acquire(cls, directory: Path) -> "StoreLock":
        path = directory / LOCK_NAME
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT, FILE_MODE)
        except OSError as exc:
            raise StoreError(f"cannot open {path}: {exc.strerror or exc}") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            owner = os.pread(fd, 32, 0).decode("ascii", "replace").strip() or "unknown"
            os.close(fd)
            raise StoreError(f"another pos (pid {owner}) uses store {directory}") from None
        try:  # fixed width, written over the last owner's: truncating first costs a journal commit on ext4
            os.pwrite(fd, f"{os.getpid():<{PID_WIDTH}}\n".encode(), 0)
        except OSError as exc:
            os.close(fd)
            raise StoreError(f"cannot write {path}: {exc.strerror or exc}") from None
        return cls(fd)

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing the file drops the flock
            self._fd = None
