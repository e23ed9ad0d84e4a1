"""Stand-ins for the clock, the key and the chain, so UI tests run fast and repeatably.

They keep the real rules: the real watcher (and so the core's evaluate()) reads what a
test says the chain shows. Everything else in the UI tests is real (store, checkout,
manual rate, print service with the mock driver); tests/e2e uses the real chain.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Callable

from pos.chain.watcher import Watcher
from pos.core.invoice import Payment
from pos.core.payment import Policy
from pos.core.ports import ChainUnavailable

START = datetime(2026, 3, 2, 5, 0, tzinfo=timezone.utc)  # 10:00 in Almaty


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: datetime = START) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


class FixedKey:
    """Addresses with the shape of regtest bech32 ones; index-stable for snapshots."""

    def address(self, index: int) -> str:
        return "bcrt1q" + f"{index:04d}".join(["w508d6qejxtdg4y5r3zarvary0c5x", ""])[:34].ljust(38, "q")


class ScriptedChain:
    """A ChainBackend whose tip and payments the test sets; "offline" answers nothing."""

    def __init__(self) -> None:
        self.tip = 200
        self.payments: dict[str, tuple[Payment, ...]] = {}
        self.state = "online"
        self.requests = 0

    def tip_height(self) -> int:
        return self._answer(lambda: self.tip)

    def payments_to(self, address: str) -> tuple[Payment, ...]:
        return self._answer(lambda: self.payments.get(address, ()))

    def _answer(self, read):
        self.requests += 1
        if self.state == "offline":
            raise ChainUnavailable("the scripted chain is offline")
        return read()


class ScriptedWatcher(Watcher):
    """The real watcher over a ScriptedChain: pay, mine and replace as the test says."""

    def __init__(self, store, clock: Callable[[], datetime], policy: Policy = Policy()) -> None:
        self.chain = ScriptedChain()
        super().__init__(store, lambda: self.chain, policy, clock, poll_seconds=3600, max_backoff_seconds=0)

    @property
    def tip(self) -> int:
        return self.chain.tip

    @property
    def state(self) -> str:
        return self.chain.state

    @state.setter
    def state(self, value: str) -> None:
        self.chain.state = value

    def pay(self, address: str, sats: int, txid: str = "", height: int | None = None) -> str:
        txid = txid or f"{sum(map(len, self.chain.payments.values())) + 1:064x}"
        self.chain.payments[address] = self.chain.payments.get(address, ()) + (Payment(txid, sats, height),)
        return txid

    def replace(self, txid: str) -> None:
        """The payment is replaced by one paying elsewhere (RBF, a double spend): gone from the address."""
        self.chain.payments = {a: tuple(p for p in ps if p.txid != txid) for a, ps in self.chain.payments.items()}

    def mine(self) -> int:
        self.chain.tip += 1
        tip = self.chain.tip
        self.chain.payments = {a: tuple(p if p.height else Payment(p.txid, p.amount_sat, tip) for p in ps)
                               for a, ps in self.chain.payments.items()}
        return tip
