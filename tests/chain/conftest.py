"""Chain test fixtures: bitcoinlib's directory for the session, the merchant's key, regtest configs."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Callable, Iterator

import pytest

from pos.chain.keys import WatchOnlyKey
from pos.config import Config
from pos.regtest.node import RegtestNode
from tests.conftest import config_for

#: BIP84 test vector account (mnemonic "abandon x11 about", m/84'/1'/0'): its 0/0 is tb1q6rz28...
VPUB = ("vpub5Y6cjg78GGuNLsaPhmYsiw4gYX3HoQiRBiSwDaBXKUafCt9bNwWQiitDk5VZ5BVxYnQdwoTyXSs2JHRPAgjAvtbBrf8Z"
        "hDYe2jWAqvZVnsc")


@pytest.fixture(scope="session", autouse=True)
def _bitcoinlib(bitcoinlib_home: Path) -> Path:
    return bitcoinlib_home


@pytest.fixture(scope="session")
def regtest_key() -> WatchOnlyKey:
    return WatchOnlyKey.parse(VPUB, "regtest")


@pytest.fixture(scope="session")
def next_index() -> Callable[[], int]:
    """Address indices never used before in this test process: the node's chain outlives a test."""
    counter: Iterator[int] = itertools.count(1000)
    return lambda: next(counter)


@pytest.fixture
def regtest_config(regtest_node: RegtestNode, tmp_path: Path) -> Config:
    return config_for(tmp_path, network="regtest", backend="bcoin", url=regtest_node.url,
                      request_timeout_seconds=1, poll_seconds=1)
