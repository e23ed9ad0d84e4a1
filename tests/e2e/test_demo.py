"""`pos demo` wiring on the real regtest node: the customer-pays and mine keys finish a sale."""

from __future__ import annotations

import asyncio
import time
from dataclasses import replace
from pathlib import Path

from pos.config import DEFAULT_PATH, load_config
from pos.core.invoice import PROCESSING
from pos.demo import demo_actions, start_demo
from pos.regtest.node import RegtestNode
from pos.ui.app import PosApp
from pos.ui.screens.charge import ChargeScreen
from pos.ui.screens.done import DoneScreen


async def until(pilot, condition, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        await pilot.app.workers.wait_for_complete()
        await asyncio.sleep(0.1)


async def test_demo_keys_pay_and_mine_and_the_receipt_is_shown(regtest_node: RegtestNode, tmp_path: Path) -> None:
    base = load_config(DEFAULT_PATH)
    # index 98, 198, ...: clear of the addresses other tests pay on the same node
    config = replace(base, terminal=replace(base.terminal, slot=98, slots=100),
                     ui=replace(base.ui, language="en"))
    services = start_demo(config, regtest_node, tmp_path)
    try:
        assert services.config.chain.network == "regtest" and services.config.printer.driver == "mock"
        app = PosApp(services, demo=demo_actions(regtest_node))
        async with app.run_test(size=(80, 24)) as pilot:
            assert app.check_action("demo_pay", ()) is None  # nothing to pay yet
            await pilot.press(*"BREAD-01", "enter", *"KURT-01", "enter", *"0.5", "enter", "f10")
            await until(pilot, lambda: isinstance(app.screen, ChargeScreen))
            invoice = app.screen.invoice
            assert "F6" in str(app.screen.query_one("#demo-hint").render())
            await pilot.press("f6")
            await until(pilot, lambda: app.screen.invoice.state == PROCESSING)
            await pilot.press("f7")
            await until(pilot, lambda: isinstance(app.screen, DoneScreen))
            await until(pilot, lambda: invoice.id in str(app.screen.query_one("#receipt").render()))
            app.poll_chain()  # the status bar follows the node (other tests on this node may mine meanwhile)
            await until(pilot, lambda: app.status.backend.height == regtest_node.height())
    finally:
        services.close()
