"""ESC/POS through pyserial: RS-232 printers, USB-serial adapters, and the test pty.

pyserial is imported when the port is first opened, off the UI's start-up path.
Every write has a deadline: a printer holding XOFF or BUSY (RTS/CTS) would
otherwise block write() forever. Bytes go out in slices of a quarter second of
line time, each with the full write timeout, so the timeout means "the printer
took nothing for that long", not "the receipt was long".
"""

from __future__ import annotations

import errno
import select
import termios
import time
from typing import TYPE_CHECKING, Protocol

from drivers.base import Printer, PrinterError
from drivers.escpos import Profile
from drivers.status import REPLY_TIMEOUT, read_status
from pos.core.ports import PrinterStatus

if TYPE_CHECKING:
    import serial as pyserial

POLL = 0.01


class SerialOptions(Protocol):
    """The [printer] keys this driver reads (drivers.escpos.ProfileOptions says why a Protocol)."""

    @property
    def port(self) -> str: ...
    @property
    def baudrate(self) -> int: ...
    @property
    def bytesize(self) -> int: ...
    @property
    def parity(self) -> str: ...
    @property
    def stopbits(self) -> int: ...
    @property
    def flow_control(self) -> str: ...
    @property
    def write_timeout_seconds(self) -> int: ...


def _open_failure(port: str, exc: Exception) -> str:
    code = getattr(exc, "errno", None)
    if code == errno.ENOENT:
        return f"printer port {port} not found (unplugged, or a wrong [printer] port)"
    if code == errno.EACCES:
        return f"no permission to open printer port {port} (add the user to the 'dialout' group)"
    if code in (errno.EBUSY, errno.EAGAIN):
        return f"printer port {port} is in use by another program"
    return f"cannot open printer port {port}: {exc}"


class SerialPrinter(Printer):
    def __init__(self, profile: Profile, *, port: str, baudrate: int = 9600, bytesize: int = 8,
                 parity: str = "N", stopbits: int = 1, flow_control: str = "none",
                 write_timeout: float = 5.0, status_timeout: float = REPLY_TIMEOUT) -> None:
        super().__init__(profile)
        if flow_control not in ("none", "xonxoff", "rtscts"):
            raise ValueError(f"flow control must be none, xonxoff or rtscts, not {flow_control!r}")
        self.port, self.baudrate, self.bytesize = port, baudrate, bytesize
        self.parity, self.stopbits, self.flow_control = parity, stopbits, flow_control
        self.write_timeout, self.status_timeout = write_timeout, status_timeout
        self._serial: pyserial.Serial | None = None

    @classmethod
    def from_config(cls, printer: SerialOptions, profile: Profile) -> "SerialPrinter":
        """From a pos.config.Printer section."""
        return cls(profile, port=printer.port, baudrate=printer.baudrate, bytesize=printer.bytesize,
                   parity=printer.parity, stopbits=printer.stopbits, flow_control=printer.flow_control,
                   write_timeout=printer.write_timeout_seconds)

    @property
    def slice_bytes(self) -> int:
        """A quarter of a second of line time (10 bits a byte)."""
        return max(16, self.baudrate // 40)

    def _open(self) -> "pyserial.Serial":
        if self._serial is None:
            import serial

            try:
                self._serial = serial.Serial(
                    port=self.port, baudrate=self.baudrate, bytesize=self.bytesize, parity=self.parity,
                    stopbits=self.stopbits, xonxoff=self.flow_control == "xonxoff",
                    rtscts=self.flow_control == "rtscts", timeout=0, write_timeout=self.write_timeout,
                    exclusive=True)
            except (serial.SerialException, OSError, ValueError) as exc:
                raise PrinterError(_open_failure(self.port, exc)) from None
        return self._serial

    def _fail(self, exc: Exception) -> PrinterError:
        """Close the port, dropping unsent bytes: the line is stuck or gone."""
        import serial

        if isinstance(exc, serial.SerialTimeoutException):
            error = PrinterError(f"printer on {self.port} took no data for {self.write_timeout:g} s "
                                 "(offline, paper out, or holding flow control)", "not_accepting_data")
        else:
            error = PrinterError(f"printer on {self.port} disconnected ({exc})")
        self._close(drain=False)
        return error

    def write(self, data: bytes) -> None:
        import serial

        port = self._open()
        try:
            for start in range(0, len(data), self.slice_bytes):
                port.write(data[start:start + self.slice_bytes])
        except (serial.SerialException, OSError) as exc:
            raise self._fail(exc) from None

    def _drain(self, port: "pyserial.Serial") -> None:
        """Wait until what was written has left, so a status query is not stuck behind a receipt."""
        waiting = port.out_waiting
        deadline = time.monotonic() + waiting * 10 / self.baudrate + self.write_timeout
        while waiting:
            if time.monotonic() > deadline:
                raise PrinterError(f"printer on {self.port} has not taken the last {waiting} bytes "
                                   "(offline, paper out, or holding flow control)", "not_accepting_data")
            time.sleep(POLL)
            waiting = port.out_waiting

    def _send_query(self, query: bytes) -> None:
        """A status query may wait for room on the line only as long as for its answer."""
        port = self._open()
        _, writable, _ = select.select([], [port.fileno()], [], self.status_timeout)
        if not writable:
            raise PrinterError(f"printer on {self.port} is not accepting data (holding flow control)",
                               "not_accepting_data")
        port.write(query)

    def _receive(self, seconds: float) -> bytes:
        port = self._open()
        ready, _, _ = select.select([port.fileno()], [], [], seconds)
        return port.read(port.in_waiting or 1) if ready else b""

    def status(self) -> PrinterStatus:
        import serial

        try:
            port = self._open()
            self._drain(port)
            port.reset_input_buffer()  # stale answers and ASB packets
            return read_status(self._send_query, self._receive, self.status_timeout)
        except PrinterError as exc:  # not opened, or not accepting the query: nothing to close
            return exc.status()
        except (serial.SerialException, OSError) as exc:
            return self._fail(exc).status()

    def close(self) -> None:
        """Let what was written leave first; a receipt is never cut short by closing."""
        self._close(drain=True)

    def _close(self, drain: bool) -> None:
        import serial

        port, self._serial = self._serial, None
        if port is None:
            return
        try:
            if drain:
                self._drain(port)
                port.close()
                return
        except (PrinterError, serial.SerialException, OSError):
            pass  # stuck or gone: drop what is left below
        try:
            port.reset_output_buffer()  # or close() would wait (up to 30 s) on a stuck line
        except (serial.SerialException, OSError, termios.error):
            pass  # the device is gone: there is no output left to drop
        port.close()
