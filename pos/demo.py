"""`pos demo`: a whole sale with no internet and no coins.

A bcoin regtest node starts on this machine (pos.regtest.node) with a funded wallet of
its own. The terminal runs on regtest with the public BIP84 test key (watch-only: the
terminal holds no private key; the node's wallet pays the invoice addresses), a manual
rate, a temporary store, the demo catalog and the mock printer, whose receipt the Done
screen shows. Two extra keys play the other side: F6 "customer pays" sends the amount
due from the node's wallet, F7 mines a block. Everything is thrown away at exit.
"""

from __future__ import annotations

import sys
import tempfile
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from pos.config import Config
from pos.ui.demo_actions import DemoActions

if TYPE_CHECKING:
    from pos.regtest.node import RegtestNode
    from pos.services import Services

#: The BIP84 test vector account (mnemonic "abandon ... about", m/84'/1'/0'): public, watch-only.
DEMO_XPUB = ("vpub5Y6cjg78GGuNLsaPhmYsiw4gYX3HoQiRBiSwDaBXKUafCt9bNwWQiitDk5VZ5BVxYnQdwoTyXSs2JHRPAgjAvtbBrf8Z"
             "hDYe2jWAqvZVnsc")
DEMO_RATE_KZT = "45000000"  # KZT per BTC, entered as the manager would


def demo_config(config: Config, node_url: str, store_dir: Path) -> Config:
    """The user's configuration (merchant, language, receipt layout) moved onto the local chain."""
    return replace(
        config,
        terminal=replace(config.terminal, kiosk=False),
        store=replace(config.store, path=str(store_dir)),
        chain=replace(config.chain, network="regtest", backend="bcoin", url=node_url, xpub=DEMO_XPUB,
                      allow_mainnet=False, poll_seconds=2, request_timeout_seconds=5),
        printer=replace(config.printer, driver="mock", mock_file=""),
        payment=replace(config.payment, confirmations=1, zero_conf_max_sat=0),
        pricing=replace(config.pricing, rate_source="manual", catalog=""),
    )


def demo_actions(node: RegtestNode) -> DemoActions:
    def mine() -> int:
        node.mine(1)
        return node.height()

    return DemoActions(pay=node.pay, mine=mine)


def start_demo(config: Config, node: RegtestNode, store_dir: Path) -> Services:
    """Services for the demo on a running node, with the manual rate already entered."""
    from pos.rates.manual import ManualRateSource
    from pos.services import build_services

    services = build_services(demo_config(config, node.url, store_dir))
    ManualRateSource(services.store).enter(DEMO_RATE_KZT, services.clock())
    return services


def run_demo(config: Config) -> int:
    from pos.logs import setup_logging
    from pos.regtest.node import RegtestNode, RegtestNodeError
    from pos.services import StartupError
    from pos.ui.app import PosApp

    print("pos demo: starting a local regtest node (a few seconds)...", file=sys.stderr)
    try:
        node = RegtestNode().start()
    except RegtestNodeError as exc:
        print(f"pos demo: {exc}", file=sys.stderr)
        return 2
    try:
        with tempfile.TemporaryDirectory(prefix="cryptocity-demo-") as tmp:
            setup_logging(Path(tmp))
            try:
                services = start_demo(config, node, Path(tmp))
            except StartupError as exc:
                print(f"pos demo: {exc}", file=sys.stderr)
                return 2
            try:
                PosApp(services, demo=demo_actions(node)).run()
            finally:
                services.close()
    finally:
        node.stop()
    return 0
