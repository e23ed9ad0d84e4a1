"""The answer checks and the whole-call deadline of pos.chain.guard, on a scripted backend."""

from __future__ import annotations

import threading
import time

import pytest

from pos.chain.guard import MAX_HEIGHT, MAX_SUPPLY_SAT, MIN_BLOCK_SECONDS, TIP_SLACK_BLOCKS, GuardedBackend
from pos.core.invoice import Payment
from pos.core.ports import ChainUnavailable
from tests.chain.test_watcher import ScriptedBackend

TX = "ab" * 32


class Ticks:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def guard(backend: ScriptedBackend, ticks: Ticks | None = None, deadline: float = 1.0) -> GuardedBackend:
    return GuardedBackend(lambda: backend, "the node", deadline, ticks or Ticks())


@pytest.mark.parametrize("payments, said", [
    ((Payment(TX, 2**64 - 1),), "received more than all bitcoin"),
    ((Payment(TX, MAX_SUPPLY_SAT), Payment("cd" * 32, 1)), "received more than all bitcoin"),
    ((Payment(TX, 0),), "impossible amount"),
    ((Payment(TX, -5),), "impossible amount"),
    ((Payment(TX, True),), "impossible amount"),  # type: ignore[arg-type]
    ((Payment("AB" * 32, 1),), "malformed txid"),
    ((Payment(TX[:-1], 1),), "malformed txid"),
    ((Payment(TX + "\n", 1),), "malformed txid"),
    ((Payment(TX, 1), Payment(TX, 1)), "a transaction twice"),
    ((Payment(TX, 1, height=0),), "impossible block height"),
    ((Payment(TX, 1, height=MAX_HEIGHT + 1),), "impossible block height"),
])
def test_absurd_payments_are_unknown(payments, said):
    with pytest.raises(ChainUnavailable, match=said):
        guard(ScriptedBackend(payments={"addr": payments})).payments_to("addr")


def test_plausible_payments_pass_as_they_are():
    payments = (Payment(TX, MAX_SUPPLY_SAT - 1, height=5), Payment("cd" * 32, 1, rbf=True))
    assert guard(ScriptedBackend(payments={"addr": payments})).payments_to("addr") == payments


@pytest.mark.parametrize("tip", [-1, MAX_HEIGHT + 1, True, "100"])
def test_an_impossible_tip_is_unknown(tip):
    with pytest.raises(ChainUnavailable, match="impossible block height"):
        guard(ScriptedBackend(tip=tip)).tip_height()


def test_the_tip_may_grow_by_a_burst_plus_one_block_a_minute_since_the_last_tip_was_first_seen():
    backend, ticks = ScriptedBackend(tip=100), Ticks()
    guarded = guard(backend, ticks)
    assert guarded.tip_height() == 100
    backend.tip = 100 + TIP_SLACK_BLOCKS + 1
    with pytest.raises(ChainUnavailable, match="the tip jumped from 100 to 113 in 0 s"):
        guarded.tip_height()
    ticks.now += MIN_BLOCK_SECONDS
    assert guarded.tip_height() == 113
    backend.tip = 1_113  # the liar: a thousand blocks a poll
    ticks.now += 10
    with pytest.raises(ChainUnavailable, match="jumped"):
        guarded.tip_height()


def test_a_node_stuck_for_a_day_may_catch_up_and_a_lower_tip_is_a_reorg():
    backend, ticks = ScriptedBackend(tip=100), Ticks()
    guarded = guard(backend, ticks)
    for _ in range(24):  # the same tip, hour after hour: it was first seen a day ago
        guarded.tip_height()
        ticks.now += 3600
    backend.tip = 100 + 144
    assert guarded.tip_height() == 244
    backend.tip = 240  # a reorg, or a regtest node restarted on a new chain
    assert guarded.tip_height() == 240
    backend.tip = 240 + TIP_SLACK_BLOCKS
    assert guarded.tip_height() == 252


class Slow(ScriptedBackend):
    """Answers after `release` is set, like a server dripping its answer."""

    def __init__(self) -> None:
        super().__init__()
        self.release = threading.Event()

    def tip_height(self) -> int:
        self.release.wait(10)
        return super().tip_height()


def test_a_call_past_its_whole_deadline_is_unknown_and_its_late_answer_reaches_no_one():
    built: list[Slow] = []

    def factory() -> Slow:
        built.append(Slow())
        if len(built) > 1:
            built[-1].release.set()  # only the first backend hangs
        return built[-1]

    guarded = GuardedBackend(factory, "the node", 0.3)
    started = time.monotonic()
    with pytest.raises(ChainUnavailable, match=r"^the node gave no full answer for the block height within 0.3 s$"):
        guarded.tip_height()
    assert time.monotonic() - started < 0.6
    started = time.monotonic()
    with pytest.raises(ChainUnavailable, match="has not finished an earlier request"):
        guarded.tip_height()  # no second thread while the first still hangs, and no waiting
    assert time.monotonic() - started < 0.1 and len(built) == 1
    built[0].tip = 999_999  # the abandoned call's answer, when it comes, is thrown away
    built[0].release.set()
    time.sleep(0.1)
    assert guarded.tip_height() == 100  # from a fresh backend, not the abandoned one
    assert len(built) == 2 and built[0].calls == ["tip"]
