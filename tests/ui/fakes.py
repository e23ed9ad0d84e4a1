"""Stand-ins for the clock, the key and the chain, so UI tests run fast and repeatably.

They keep the real rules: the watcher stand-in runs the core's evaluate() on what a
test says the chain shows. Everything else in the UI tests is real (store, checkout,
manual rate, print service with the mock driver); tests/e2e uses the real chain.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Callable

from pos.chain.watcher import WatchReport
from pos.core.invoice import Payment
from pos.core.payment import Observation, Policy, evaluate, expire_if_due
from pos.core.ports import BackendStatus

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


@dataclass
class ScriptedWatcher:
    """What the chain shows is set by the test (payments per address, tip height)."""

    store: object
    clock: Callable[[], datetime]
    policy: Policy = Policy()
    tip: int = 200
    payments: dict[str, tuple[Payment, ...]] = field(default_factory=dict)
    state: str = "online"
    polls: int = 0

    def pay(self, address: str, sats: int, txid: str = "", height: int | None = None) -> None:
        txid = txid or f"{len(self.payments) + 1:064x}"
        self.payments[address] = self.payments.get(address, ()) + (Payment(txid, sats, height),)

    def mine(self) -> int:
        self.tip += 1
        self.payments = {a: tuple(p if p.height else Payment(p.txid, p.amount_sat, self.tip) for p in ps)
                         for a, ps in self.payments.items()}
        return self.tip

    def poll_once(self) -> WatchReport:
        self.polls += 1
        now = self.clock()
        status = BackendStatus(self.state, self.tip, now)
        if self.state == "offline":
            return WatchReport(status, [])
        updated = []
        for invoice in self.store.open_invoices():  # type: ignore[attr-defined]
            obs = Observation(self.tip, self.payments.get(invoice.address, ()), now)
            new = expire_if_due(evaluate(invoice, obs, self.policy), now)
            if new != invoice:
                self.store.save_invoice(new)  # type: ignore[attr-defined]
                updated.append(new)
        return WatchReport(status, updated)
