"""A printer that keeps what it is sent: for tests, the demo, and terminals with no printer.

It takes the same ESC/POS bytes a real printer would, keeps them, and reads them
back into text with drivers.decode, so what it shows is what paper would show.
With a file, each write's text is appended to it as well (UTF-8). Its status is
whatever it was last set to; a `problem` makes writes fail the way a real
printer's would, so the print queue can be exercised without hardware.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from drivers.base import Printer, PrinterError
from drivers.decode import Printout, decode
from drivers.escpos import Profile
from drivers.status import describe
from pos.core.ports import PrinterStatus
from pos.core.receipt import render_text

READY = PrinterStatus(True, (), "mock printer")


class MockOptions(Protocol):
    """The [printer] key this driver reads (drivers.escpos.ProfileOptions says why a Protocol)."""

    @property
    def mock_file(self) -> str: ...


class MockPrinter(Printer):
    def __init__(self, profile: Profile | None = None, file: str | Path = "") -> None:
        super().__init__(profile or Profile())
        self.file = Path(file).expanduser() if file else None
        self.data = bytearray()
        self._status = READY

    @classmethod
    def from_config(cls, printer: MockOptions, profile: Profile) -> "MockPrinter":
        return cls(profile, printer.mock_file)

    def write(self, data: bytes) -> None:
        if self._status.ok is False:
            code = self._status.problems[0] if self._status.problems else "error"
            raise PrinterError(self._status.detail or describe((code,)), code)
        if self.file is not None:
            try:
                with self.file.open("a", encoding="utf-8") as f:
                    f.write(decode(data, self.profile.codec).text(self.profile.columns))
            except OSError as exc:
                raise PrinterError(f"mock printer file {self.file}: {exc.strerror or exc}", "error") from None
        self.data += data

    def status(self) -> PrinterStatus:
        return self._status

    def set_status(self, status: PrinterStatus) -> None:
        self._status = status

    def fail(self, code: str = "paper_end") -> None:
        """Behave like a printer with this problem (drivers.status codes) until recover()."""
        self._status = PrinterStatus(False, (code,), describe((code,)))

    def recover(self) -> None:
        self._status = READY

    @property
    def printout(self) -> Printout:
        return decode(bytes(self.data), self.profile.codec)

    @property
    def text(self) -> str:
        return self.printout.text(self.profile.columns)

    def receipts(self) -> list[str]:
        """The text of each receipt printed and cut so far."""
        return [render_text(blocks, self.profile.columns) for blocks in self.printout.receipts()]

    def clear(self) -> None:
        self.data.clear()
