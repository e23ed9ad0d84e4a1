"""A second opinion: two independent backends, and only what both say is believed.

With [chain] verify_backend set, the watcher reads the chain through VerifiedBackend: every
tip and every address is asked of both, and an answer is given only when they agree:
the same transactions, each with the same amount, and confirmations within one block (a
block found between the two requests). The agreed answer is the more cautious of the two:
the lower tip, the later block height (None when either still sees it unconfirmed). Any
other difference raises BackendsDisagree, a ChainUnavailable: the invoice stays where it
was, and the watcher alerts when a disagreement lasts (pos.chain.watcher). So one lying
or broken backend, primary or second, can never make an invoice settle or be handed over.
"""

from __future__ import annotations

from pos.core.invoice import Payment
from pos.core.ports import ChainBackend, ChainUnavailable


class BackendsDisagree(ChainUnavailable):
    """Both backends answered, differently: unknown, and a person should look if it lasts."""


class VerifiedBackend:
    def __init__(self, primary: ChainBackend, second: ChainBackend, primary_where: str, second_where: str) -> None:
        self._primary, self._second = primary, second
        self._names = (primary_where, second_where)
        self.where = f"{primary_where}, checked against {second_where}"
        self._tip: int | None = None  # the last agreed tip: a payment in that block may be unconfirmed on the other

    def tip_height(self) -> int:
        first, second = self._primary.tip_height(), self._second.tip_height()
        if abs(first - second) > 1:
            raise BackendsDisagree(f"the backends disagree on the tip: {self._names[0]} says {first}, "
                                   f"{self._names[1]} says {second}")
        self._tip = min(first, second)
        return self._tip

    def payments_to(self, address: str) -> tuple[Payment, ...]:
        first = {p.txid: p for p in self._primary.payments_to(address)}
        second = {p.txid: p for p in self._second.payments_to(address)}
        only = sorted(first.keys() ^ second.keys())
        if only:
            names = [self._names[0] if txid in first else self._names[1] for txid in only]
            raise BackendsDisagree(f"the backends disagree on {address}: only {names[0]} sees {only[0]}"
                                   + (f" (and {len(only) - 1} more)" if len(only) > 1 else ""))
        return tuple(self._agreed(address, first[txid], second[txid]) for txid in first)

    def _agreed(self, address: str, first: Payment, second: Payment) -> Payment:
        if first.amount_sat != second.amount_sat:
            raise BackendsDisagree(f"the backends disagree on {first.txid} to {address}: {self._names[0]} says "
                                   f"{first.amount_sat} sat, {self._names[1]} says {second.amount_sat} sat")
        if not self._within_one_block(first.height, second.height):
            raise BackendsDisagree(f"the backends disagree on {first.txid} to {address}: {self._names[0]} says "
                                   f"{_block(first.height)}, {self._names[1]} says {_block(second.height)}")
        later = None if first.height is None or second.height is None else max(first.height, second.height)
        return Payment(first.txid, first.amount_sat, later, first.rbf or second.rbf)

    def _within_one_block(self, first: int | None, second: int | None) -> bool:
        if first is None and second is None:
            return True
        if first is None or second is None:  # only in the tip block: one confirmation, at most
            mined = first if second is None else second
            return self._tip is not None and mined is not None and mined >= self._tip
        return abs(first - second) <= 1


def _block(height: int | None) -> str:
    return "unconfirmed" if height is None else f"in block {height}"
