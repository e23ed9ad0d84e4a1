"""What demo mode adds to the terminal: a customer who pays and a miner, both on regtest.

pos.demo builds one from the local regtest node; the app only calls it in a worker
(both block on the node's HTTP API). The terminal itself still holds no key: the
paying wallet lives inside the node.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable


@dataclass(frozen=True)
class DemoActions:
    pay: Callable[[str, int], str]  # (address, sats) -> txid
    mine: Callable[[], int]  # mine one block -> the new height
