"""A disk that fills up or turns read-only under a running store, as the kernel reports it.

Tests may run as root, whom chmod does not stop, and mounting a small tmpfs or a read-only
bind needs privileges CI does not have; so the faults are injected where the store meets
the kernel: the `os` calls, for paths inside one directory only, with the errno the kernel
gives. A full disk still lets files be opened, renamed and removed but refuses the data
(ENOSPC from write and from mkdir); a read-only file system refuses every change (EROFS)
while reads go on. Lifting the fault is the disk being freed or remounted read-write.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path
from typing import Any, Callable

import pytest

WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND


def every_file(directory: Path) -> dict[str, bytes]:
    """Every file under `directory` and its bytes: to show that a refused write changed nothing."""
    return {str(p.relative_to(directory)): p.read_bytes() for p in sorted(directory.rglob("*")) if p.is_file()}


class DiskFault:
    """`fault.full()`, `fault.read_only()`, `fault.clear()` for everything under `directory`."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, directory: Path) -> None:
        self._inside = str(Path(directory).resolve())
        self.errno: int | None = None
        real = {name: getattr(os, name) for name in
                ("open", "write", "pwrite", "mkdir", "replace", "rename", "unlink", "fchmod", "chmod", "access")}
        self._real = real

        def refuse(error: int, where: Any) -> OSError:
            return OSError(error, os.strerror(error), str(where))

        def open_(path: Any, flags: int, *args: Any, **kwargs: Any) -> int:
            if self.errno == errno.EROFS and flags & WRITE_FLAGS and self._covers(path):
                raise refuse(errno.EROFS, path)
            return real["open"](path, flags, *args, **kwargs)

        def data(name: str) -> Callable[..., int]:
            def write(fd: int, *args: Any) -> int:
                if self.errno is not None and self._covers_fd(fd):
                    raise refuse(self.errno, f"fd {fd}")
                return real[name](fd, *args)
            return write

        def change(name: str, on_full: bool) -> Callable[..., Any]:
            def call(path: Any, *args: Any, **kwargs: Any) -> Any:
                refused = self.errno == errno.EROFS or (self.errno == errno.ENOSPC and on_full)
                if refused and self._covers(path) and (name != "unlink" or os.path.lexists(path)):
                    raise refuse(self.errno, path)
                return real[name](path, *args, **kwargs)
            return call

        def fchmod(fd: int, mode: int) -> None:
            if self.errno == errno.EROFS and self._covers_fd(fd):
                raise refuse(errno.EROFS, f"fd {fd}")
            real["fchmod"](fd, mode)

        def access(path: Any, mode: int, *args: Any, **kwargs: Any) -> bool:
            if self.errno == errno.EROFS and mode & os.W_OK and self._covers(path):
                return False
            return real["access"](path, mode, *args, **kwargs)

        monkeypatch.setattr(os, "open", open_)
        monkeypatch.setattr(os, "write", data("write"))
        monkeypatch.setattr(os, "pwrite", data("pwrite"))
        monkeypatch.setattr(os, "mkdir", change("mkdir", on_full=True))
        for name in ("replace", "rename", "unlink", "chmod"):
            monkeypatch.setattr(os, name, change(name, on_full=False))
        monkeypatch.setattr(os, "fchmod", fchmod)
        monkeypatch.setattr(os, "access", access)

    def full(self) -> None:
        self.errno = errno.ENOSPC

    def read_only(self) -> None:
        self.errno = errno.EROFS

    def clear(self) -> None:
        self.errno = None

    def _covers(self, path: Any) -> bool:
        if isinstance(path, int):
            return self._covers_fd(path)
        full = os.path.realpath(os.fsdecode(path))
        return full == self._inside or full.startswith(self._inside + os.sep)

    def _covers_fd(self, fd: int) -> bool:
        try:
            return self._covers(os.readlink(f"/proc/self/fd/{fd}"))
        except OSError:
            return False

