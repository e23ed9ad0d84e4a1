"""ESC/POS bytes written to a device path: USB printers appear as /dev/usb/lp0.

The device is opened non-blocking and every slice waits for room with a deadline,
as on the serial line: the usblp driver otherwise blocks a write for as long as
the printer is offline. Where the device can be read back (usblp is
bidirectional on Epson printers) status comes from DLE EOT; a plain file or a
write-only device has no status to give: unknown.
"""

from __future__ import annotations

import os
import select
import stat
import time
from typing import Protocol

from drivers.base import Printer, PrinterError
from drivers.escpos import Profile
from drivers.status import REPLY_TIMEOUT, read_status
from pos.core.ports import PrinterStatus

SLICE_BYTES = 4096


class FileOptions(Protocol):
    """The [printer] keys this driver reads (drivers.escpos.ProfileOptions says why a Protocol)."""

    @property
    def device(self) -> str: ...
    @property
    def write_timeout_seconds(self) -> int: ...


class FilePrinter(Printer):
    def __init__(self, profile: Profile, *, device: str, write_timeout: float = 5.0,
                 status_timeout: float = REPLY_TIMEOUT) -> None:
        super().__init__(profile)
        self.device, self.write_timeout, self.status_timeout = device, write_timeout, status_timeout
        self._fd: int | None = None
        self._readable = False

    @classmethod
    def from_config(cls, printer: FileOptions, profile: Profile) -> "FilePrinter":
        return cls(profile, device=printer.device, write_timeout=printer.write_timeout_seconds)

    def _open(self) -> int:
        """Never creates the path: a missing /dev/usb/lp0 is an unplugged printer, not a new file."""
        if self._fd is None:
            flags = os.O_NOCTTY | os.O_NONBLOCK | os.O_APPEND
            try:
                try:
                    self._fd, self._readable = os.open(self.device, os.O_RDWR | flags), True
                except PermissionError:
                    self._fd, self._readable = os.open(self.device, os.O_WRONLY | flags), False
            except FileNotFoundError:
                raise PrinterError(f"printer device {self.device} not found (unplugged, or a wrong "
                                   "[printer] device)") from None
            except PermissionError:
                raise PrinterError(f"no permission to write to {self.device} (add the user to the "
                                   "'lp' group)") from None
            except OSError as exc:
                raise PrinterError(f"cannot open printer device {self.device}: {exc.strerror}") from None
            if stat.S_ISREG(os.fstat(self._fd).st_mode):
                self._readable = False  # reading a plain file back would only find what was written
        return self._fd

    def _write_all(self, data: bytes, timeout: float) -> None:
        fd = self._open()
        view = memoryview(data)
        try:
            while view:
                _, writable, _ = select.select([], [fd], [], timeout)
                if not writable:
                    raise PrinterError(f"printer {self.device} took no data for {timeout:g} s (offline or "
                                       "paper out)", "not_accepting_data")
                try:
                    view = view[os.write(fd, view[:SLICE_BYTES]):]
                except BlockingIOError:
                    continue
        except OSError as exc:
            raise PrinterError(f"printer {self.device} disconnected ({exc.strerror or exc})") from None

    def write(self, data: bytes) -> None:
        try:
            self._write_all(data, self.write_timeout)
        except PrinterError:
            self.close()
            raise

    def _receive(self, seconds: float) -> bytes:
        fd = self._open()
        ready, _, _ = select.select([fd], [], [], seconds)
        if not ready:
            return b""
        try:
            data = os.read(fd, 64)
        except BlockingIOError:
            return b""
        if not data:  # end of file: nothing will ever answer
            time.sleep(seconds)
        return data

    def status(self) -> PrinterStatus:
        try:
            self._open()
            if not self._readable:
                return PrinterStatus(None, (), f"{self.device} cannot be read back: no printer status")
            return read_status(lambda q: self._write_all(q, self.status_timeout), self._receive,
                               self.status_timeout)
        except PrinterError as exc:
            self.close()
            return exc.status()
        except OSError as exc:
            self.close()
            return PrinterError(f"printer {self.device} disconnected ({exc.strerror or exc})").status()

    def close(self) -> None:
        fd, self._fd = self._fd, None
        if fd is not None:
            os.close(fd)

