"""Every backend's answers checked before anyone believes them, each call within a whole-call deadline.

A provider, a node or a man in the middle can answer nonsense, and bitcoinlib passes it on:
a payment of 2^64-1 sat, a tip a thousand blocks higher than a few seconds ago, a txid that
is no txid, or an answer dripped one byte every two seconds (bitcoinlib's timeout is per
socket read, so such a request never times out). GuardedBackend wraps any ChainBackend and
turns each of these into ChainUnavailable, "unknown", never a payment:

* amounts: each payment above 0 and all of them together within the money supply;
* txids: 64 lower-case hex digits, each once; heights: None or 1..MAX_HEIGHT;
* the tip: 0..MAX_HEIGHT, and never more than TIP_SLACK_BLOCKS plus one block per
  MIN_BLOCK_SECONDS above the last accepted tip, counted from when that tip was first seen.
  Bitcoin averages one block in 600 s; the bound allows ten times that rate and a burst of
  12 blocks (regtest tests mine in bursts; testnet has short storms). A node stuck for a day
  that catches up is fine (the day counts); a lower tip is accepted (a reorg, a restarted
  regtest node: it only lowers confirmations). The first tip after start is checked against
  MAX_HEIGHT only: a terminal restarted after a day off starts afresh.
* the whole call, however many requests bitcoinlib makes for it, must end within the
  deadline. The call runs in a helper thread; past the deadline the caller gets
  ChainUnavailable at once and the abandoned thread keeps a backend of its own (the next
  call builds a fresh one), so it can neither hold a lock the next call needs nor hand its
  late answer to anyone. While it still hangs, calls fail at once rather than pile up threads.
"""

from __future__ import annotations

import re
import threading
import time
from typing import Callable, TypeVar

from pos.core.invoice import Payment
from pos.core.ports import ChainBackend, ChainUnavailable

MAX_SUPPLY_SAT = 21_000_000 * 100_000_000
MAX_HEIGHT = 10_000_000  # mainnet reaches about 1.3 million in 2050
TIP_SLACK_BLOCKS = 12
MIN_BLOCK_SECONDS = 60
_TXID = re.compile(r"[0-9a-f]{64}")

T = TypeVar("T")


def allowed_tip(last: int, seconds_since_first_seen: float) -> int:
    """The highest tip believed after `last`, first seen that many seconds ago."""
    return last + TIP_SLACK_BLOCKS + int(max(0.0, seconds_since_first_seen) // MIN_BLOCK_SECONDS)


def check_height(height: object, where: str) -> int:
    if type(height) is not int or not 0 <= height <= MAX_HEIGHT:
        raise ChainUnavailable(f"{where} gave an impossible block height ({str(height)[:40]})")
    return height


def check_payments(payments: object, where: str, address: str) -> tuple[Payment, ...]:
    """The payments as given, or ChainUnavailable naming the first absurd thing in them."""
    if not isinstance(payments, tuple) or not all(isinstance(p, Payment) for p in payments):
        raise ChainUnavailable(f"{where} gave no payment list for {address}")
    total = 0
    for p in payments:
        if not isinstance(p.txid, str) or not _TXID.fullmatch(p.txid):
            raise ChainUnavailable(f"{where} gave a malformed txid for {address} ({str(p.txid)[:70]!r})")
        if type(p.amount_sat) is not int or p.amount_sat <= 0:
            raise ChainUnavailable(f"{where} gave an impossible amount for {p.txid} ({str(p.amount_sat)[:40]})")
        total += p.amount_sat
        if total > MAX_SUPPLY_SAT:
            raise ChainUnavailable(f"{where} says {address} received more than all bitcoin ({total} sat)")
        if p.height is not None and (type(p.height) is not int or not 1 <= p.height <= MAX_HEIGHT):
            raise ChainUnavailable(f"{where} gave an impossible block height for {p.txid} ({str(p.height)[:40]})")
        if not isinstance(p.rbf, bool):
            raise ChainUnavailable(f"{where} gave no RBF flag for {p.txid}")
    if len({p.txid for p in payments}) != len(payments):
        raise ChainUnavailable(f"{where} gave a transaction twice for {address}")
    return payments


class GuardedBackend:
    """A ChainBackend built by `factory`, its answers checked and every call bounded by `deadline_seconds`."""

    def __init__(self, factory: Callable[[], ChainBackend], where: str, deadline_seconds: float,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self._factory = factory
        self.where = where
        self._deadline = deadline_seconds
        self._monotonic = monotonic
        self._backend: ChainBackend | None = None
        self._hanging: threading.Thread | None = None  # a call abandoned at its deadline, still running
        self._tip: tuple[int, float] | None = None  # the last accepted tip, and when it was first seen
        self._lock = threading.Lock()  # one call at a time (the watcher gives each thread its own backend)

    def tip_height(self) -> int:
        height = check_height(self._call("the block height", lambda backend: backend.tip_height()), self.where)
        now = self._monotonic()
        if self._tip is not None and height >= self._tip[0]:
            last, since = self._tip
            if height > allowed_tip(last, now - since):
                raise ChainUnavailable(f"{self.where} says the tip jumped from {last} to {height} in "
                                       f"{now - since:.0f} s: not believed")
            if height == last:
                return height
        self._tip = (height, now)
        return height

    def payments_to(self, address: str) -> tuple[Payment, ...]:
        payments = self._call(f"the transactions of {address}", lambda backend: backend.payments_to(address))
        return check_payments(payments, self.where, address)

    def _call(self, what: str, call: Callable[[ChainBackend], T]) -> T:
        with self._lock:
            if self._hanging is not None and self._hanging.is_alive():
                raise ChainUnavailable(f"{self.where} has not finished an earlier request, abandoned at its "
                                       f"{self._deadline:g} s deadline")
            self._hanging = None
            if self._backend is None:
                self._backend = self._factory()
            backend = self._backend
            # Written by the helper, read only if it ends in time.
            answers: list[T] = []
            failures: list[Exception] = []

            def run() -> None:
                try:
                    answers.append(call(backend))
                except Exception as exc:  # handed to the caller as it is (ChainUnavailable or a bug)
                    failures.append(exc)

            helper = threading.Thread(target=run, name=f"chain call to {self.where}", daemon=True)
            helper.start()
            helper.join(self._deadline)
            if helper.is_alive():
                self._backend, self._hanging = None, helper
                raise ChainUnavailable(f"{self.where} gave no full answer for {what} within {self._deadline:g} s")
            if failures:
                raise failures[0]
            return answers[0]
