"""Receipt printers: one interface (drivers.base.Printer), three drivers, one encoder.

    open_printer(config.printer) -> Printer   never touches hardware; ports open on first use

Drivers: "serial" (ESC/POS through pyserial), "file" (a device path such as
/dev/usb/lp0), "mock" (kept in memory, optionally appended to a file).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from drivers.base import Printer, PrinterError
from drivers.escpos import Profile, ProfileError, ProfileOptions

if TYPE_CHECKING:  # the drivers themselves are imported when one is opened
    from drivers.file import FileOptions
    from drivers.mock import MockOptions
    from drivers.serial import SerialOptions

    class PrinterOptions(ProfileOptions, SerialOptions, FileOptions, MockOptions, Protocol):
        """A whole [printer] section (pos.config.Printer): the profile's keys, every driver's, and which driver."""

        @property
        def driver(self) -> str: ...


def open_printer(printer: PrinterOptions) -> Printer:
    """The driver named by a pos.config.Printer section, with its profile.

    Raises ProfileError only for a codec Python does not know (config validation
    catches that first); a missing or unplugged printer shows up later as a
    problem status or a PrinterError, never here.
    """
    profile = Profile.from_config(printer)
    driver = printer.driver
    if driver == "serial":
        from drivers.serial import SerialPrinter

        return SerialPrinter.from_config(printer, profile)
    if driver == "file":
        from drivers.file import FilePrinter

        return FilePrinter.from_config(printer, profile)
    if driver == "mock":
        from drivers.mock import MockPrinter

        return MockPrinter.from_config(printer, profile)
    raise ValueError(f"unknown printer driver {driver!r} (serial, file or mock)")


__all__ = ["Printer", "PrinterError", "Profile", "ProfileError", "open_printer"]
