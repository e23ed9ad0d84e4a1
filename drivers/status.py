"""The printer's real-time status (DLE EOT n), read as ok / problem / unknown.

DLE EOT is answered even when the printer is offline or its buffer is full. Each
answer is one byte of the fixed form 0xx1xx10 (bits 0 and 7 clear, bits 1 and 4
set). Automatic status back (GS a), which a printer may have switched on for an
earlier host, sends 4-byte packets whose first byte has the form 0xx1xx00 and
whose other bytes have bit 4 clear: none of them can pass for an answer, and
they, XON/XOFF and line noise are skipped. A printer that does not answer in
time is `unknown`: silence is never read as "paper ok".

Problem codes (PrinterStatus.problems; the UI translates them):
    offline, cover_open, paper_end, error, recoverable_error, autocutter_error,
    unrecoverable_error, auto_recoverable_error, disconnected, not_accepting_data
Warning codes (PrinterStatus.warnings: the printer still prints): paper_near_end
"""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Callable

from pos.core.ports import PrinterStatus

DLE_EOT = b"\x10\x04"
QUERIES = (1, 2, 3, 4)  # printer, offline cause, error cause, roll paper sensor
REPLY_TIMEOUT = 0.5  # seconds per query; a printer answers in milliseconds

DESCRIPTIONS = {
    "offline": "printer offline", "cover_open": "cover open", "paper_end": "paper end",
    "error": "printer error", "recoverable_error": "recoverable error", "autocutter_error": "autocutter error",
    "unrecoverable_error": "unrecoverable error (service needed)",
    "auto_recoverable_error": "print head too hot (recovers by itself)",
    "disconnected": "printer disconnected", "not_accepting_data": "printer not accepting data",
    "paper_near_end": "paper near end",
}

# (query, bit mask) -> problem code
_PROBLEM_BITS: tuple[tuple[int, int, str], ...] = (
    (1, 0x08, "offline"),
    (2, 0x04, "cover_open"), (2, 0x20, "paper_end"), (2, 0x40, "error"),
    (3, 0x04, "recoverable_error"), (3, 0x08, "autocutter_error"), (3, 0x20, "unrecoverable_error"),
    (3, 0x40, "auto_recoverable_error"),
    (4, 0x60, "paper_end"),
)
_NEAR_END_BITS = 0x0C  # query 4, bits 2-3


def query(n: int) -> bytes:
    return DLE_EOT + bytes([n])


def is_reply(byte: int) -> bool:
    """The fixed bits of every DLE EOT answer: 0xx1xx10."""
    return byte & 0b1001_0011 == 0b0001_0010


def is_asb_header(byte: int) -> bool:
    """The first byte of an automatic status back packet: 0xx1xx00."""
    return byte & 0b1001_0011 == 0b0001_0000


def find_reply(data: bytes) -> int | None:
    """The first byte that can be a DLE EOT answer, skipping ASB packets and anything else."""
    i = 0
    while i < len(data):
        if is_asb_header(data[i]):
            i += 4
            continue
        if is_reply(data[i]):
            return data[i]
        i += 1
    return None


def describe(codes: tuple[str, ...]) -> str:
    return ", ".join(DESCRIPTIONS.get(c, c) for c in codes)


def problem(code: str, detail: str) -> PrinterStatus:
    return PrinterStatus(False, (code,), detail)


def interpret(replies: dict[int, int]) -> PrinterStatus:
    """Answers to DLE EOT 1-4 (whichever came) -> tri-state status.

    Any answer showing a problem makes it a problem; ok needs all four answers.
    """
    problems: list[str] = []
    for n, mask, code in _PROBLEM_BITS:
        if n in replies and replies[n] & mask and code not in problems:
            problems.append(code)
    warnings = ("paper_near_end",) if replies.get(4, 0) & _NEAR_END_BITS and "paper_end" not in problems else ()
    if problems:
        return PrinterStatus(False, tuple(problems), describe(tuple(problems)), warnings)
    missing = [n for n in QUERIES if n not in replies]
    if missing:
        return PrinterStatus(None, (), f"the printer did not answer status queries {missing}", warnings)
    return PrinterStatus(True, (), describe(warnings) if warnings else "ready", warnings)


def read_status(send: Callable[[bytes], None], receive: Callable[[float], bytes],
                timeout: float = REPLY_TIMEOUT) -> PrinterStatus:
    """Ask DLE EOT 1-4 in turn through a transport.

    `send` writes bytes (raising the transport's own error when it cannot);
    `receive(seconds)` returns whatever arrived within at most that long (b"" if
    nothing). Stops at the first query left unanswered: the rest would only wait too.
    """
    replies: dict[int, int] = {}
    for n in QUERIES:
        send(query(n))
        deadline = time.monotonic() + timeout
        pending = b""
        while (reply := find_reply(pending)) is None and (left := deadline - time.monotonic()) > 0:
            pending += receive(left)
        if reply is None:
            status = interpret(replies)
            if status.ok is None:
                status = replace(status, detail=f"no answer to status query DLE EOT {n} within {timeout:g} s")
            return status
        replies[n] = reply
    return interpret(replies)
