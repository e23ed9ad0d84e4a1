"""The one printer interface: something that takes ESC/POS bytes and reports its status.

A driver is long-lived and opens its device lazily: creating one never touches
hardware, so a missing printer cannot stop the terminal from starting. When the
device fails (unplugged, write timeout) the driver closes it and raises
PrinterError; the next call opens it again, which is how a re-plugged printer
comes back. status() never raises: a fault is a `problem` with its reason.

Drivers are not thread-safe; pos.printing.PrintService serialises their use.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from types import TracebackType

from drivers.escpos import PARTIAL_CUT, Profile, encode_receipt
from pos.core.ports import PrinterStatus
from pos.core.receipt import Receipt


class PrinterError(Exception):
    """Bytes could not be handed to the printer; the message says why, for a person."""

    def __init__(self, message: str, code: str = "disconnected") -> None:
        super().__init__(message)
        self.code = code  # a problem code of drivers.status

    def status(self) -> PrinterStatus:
        return PrinterStatus(False, (self.code,), str(self))


class Printer(ABC):
    profile: Profile

    def __init__(self, profile: Profile) -> None:
        self.profile = profile

    @abstractmethod
    def write(self, data: bytes) -> None:
        """Hand raw ESC/POS bytes to the printer, or raise PrinterError."""

    @abstractmethod
    def status(self) -> PrinterStatus:
        """The printer's real-time status; never raises."""

    def close(self) -> None:
        """Release the device; the driver may be used again (it reopens)."""

    def print_receipt(self, receipt: Receipt) -> None:
        self.write(encode_receipt(receipt, self.profile))

    def cut(self) -> None:
        self.write(PARTIAL_CUT)

    def __enter__(self) -> "Printer":
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()
