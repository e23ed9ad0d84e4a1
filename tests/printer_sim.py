"""An ESC/POS receipt printer on the master side of a real pseudo-terminal.

The driver under test opens `sim.port` with pyserial exactly as it would open
/dev/ttyUSB0. `port` is a symlink to the pty's slave (as udev links
/dev/serial/by-id/... to a tty), so a printer that vanishes and comes back keeps
its path while the pty behind it changes.

The simulator reads everything written, answers DLE EOT n with its configured
status bytes (or stays silent), can stall (stop reading), hold the line with
XOFF, send automatic-status-back packets on its own, and vanish. What it got is
decoded back into text lines and QR payloads by drivers.decode.
"""

from __future__ import annotations

import os
import select
import threading
import time
import tty
from pathlib import Path
from typing import Callable

from drivers.decode import Printout, decode

XON, XOFF = b"\x11", b"\x13"

#: DLE EOT 1-4 answers of a ready printer: only the fixed bits (0xx1xx10) set.
READY = {1: 0x12, 2: 0x12, 3: 0x12, 4: 0x12}
PAPER_END = {1: 0x1A, 2: 0x32, 3: 0x12, 4: 0x72}  # offline; stopped by paper end; roll sensor: none
COVER_OPEN = {1: 0x1A, 2: 0x16, 3: 0x12, 4: 0x12}
NEAR_END = {1: 0x12, 2: 0x12, 3: 0x12, 4: 0x1E}
CUTTER_JAM = {1: 0x1A, 2: 0x52, 3: 0x1A, 4: 0x12}
#: An automatic status back packet (GS a) reporting "online, all well": 0xx1xx00 then three 0xx0xxxx.
ASB_OK = bytes([0x10, 0x00, 0x00, 0x0F])


class PrinterSim:
    def __init__(self, directory: Path, codec: str = "cp866") -> None:
        self.link = Path(directory) / "ttyPRINTER"
        self.codec = codec
        self.status: dict[int, int] = dict(READY)
        self.answering = True
        self.answers_left: int | None = None  # answer this many more status queries, then fall silent
        self.asb_before_answer = b""  # sent just before each answer (ASB confusion)
        self.received = bytearray()
        self.queries: list[int] = []
        self._lock = threading.Lock()
        self._reading = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._master = self._slave = -1
        self._connect()

    @property
    def port(self) -> str:
        return str(self.link)

    # ---- the line ----------------------------------------------------------
    def _connect(self) -> None:
        self._master, self._slave = os.openpty()  # raises: a test that needs a pty fails without one
        tty.setraw(self._slave)  # no echo before the driver sets the line up itself
        self.link.unlink(missing_ok=True)
        self.link.symlink_to(os.ttyname(self._slave))
        self._scan_from = len(self.received)  # what came before was answered on the old line
        self._stop.clear()
        self._reading.set()
        self._thread = threading.Thread(target=self._run, name="printer-sim", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            if not self._reading.wait(0.05):
                continue
            ready, _, _ = select.select([self._master], [], [], 0.05)
            if not ready or not self._reading.is_set():
                continue
            try:
                data = os.read(self._master, 65536)
            except OSError:
                return
            with self._lock:
                self.received += data
                self._answer_queries()

    def _answer_queries(self) -> None:
        """Real-time commands act as they arrive, even amid other data (as on a real printer)."""
        buf = self.received
        pos = self._scan_from
        while True:
            i = buf.find(b"\x10\x04", pos)
            if i == -1:
                self._scan_from = max(pos, len(buf) - 1)  # a DLE at the very end may start a query
                return
            if i + 2 >= len(buf):
                self._scan_from = i  # the query's n has not arrived yet
                return
            n = buf[i + 2]
            self.queries.append(n)
            if self._answers() and n in self.status:
                os.write(self._master, self.asb_before_answer + bytes([self.status[n]]))
            pos = i + 3

    def _answers(self) -> bool:
        if not self.answering or self.answers_left == 0:
            return False
        if self.answers_left is not None:
            self.answers_left -= 1
        return True

    # ---- faults ------------------------------------------------------------
    def fall_silent_after(self, answers: int) -> None:
        """Answer this many more status queries, then none (a printer switched off mid-receipt)."""
        self.answers_left = answers

    def stall(self) -> None:
        """Stop reading: the line fills up and the driver's writes (and queries) wait."""
        self._reading.clear()

    def resume(self) -> None:
        self._reading.set()

    def hold(self) -> None:
        """Send XOFF: with xonxoff flow control the tty stops the driver's output."""
        os.write(self._master, XOFF)

    def release(self) -> None:
        os.write(self._master, XON)

    def send(self, data: bytes) -> None:
        """Bytes the printer sends on its own (e.g. ASB packets)."""
        os.write(self._master, data)

    def vanish(self) -> None:
        """Unplugged: the pty and its device node disappear."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        self._thread = None
        for fd in (self._master, self._slave):
            if fd >= 0:
                os.close(fd)
        self._master = self._slave = -1
        self.link.unlink(missing_ok=True)

    def reconnect(self) -> None:
        """Plugged back in: a new pty behind the same path."""
        if self._thread is None:
            self._connect()

    def close(self) -> None:
        self.vanish()

    # ---- what was printed --------------------------------------------------
    def printout(self) -> Printout:
        with self._lock:
            return decode(bytes(self.received), self.codec)

    def receipts(self) -> list[list]:
        return self.printout().receipts()

    def wait_until(self, condition: Callable[[], bool], timeout: float = 5.0) -> bool:
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                return False
            time.sleep(0.01)
        return True

    def wait_for_bytes(self, n: int, timeout: float = 5.0) -> bytes:
        self.wait_until(lambda: len(self.received) >= n, timeout)
        with self._lock:
            return bytes(self.received)
