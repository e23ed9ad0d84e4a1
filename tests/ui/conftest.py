"""UI test rig: the real app, store, checkout and core over scripted chain and printer parts."""

from __future__ import annotations

import dataclasses
from contextlib import asynccontextmanager
from typing import AsyncIterator

import pytest
from textual.pilot import Pilot

from pos.checkout import Checkout
from pos.config import DEFAULT_PATH, load_config
from pos.core.catalog import load_catalog
from pos.services import DEMO_CATALOG, Services, payment_policy
from pos.store import memory_store
from pos.ui.app import PosApp
from pos.ui.screens.charge import ChargeScreen
from pos.ui.widgets.message_line import MessageLine
from drivers import open_printer
from pos.printing import PrintService
from pos.sale.day import add_cashier
from pos.sale.till import Till
from pos.chain.bip21 import payment_uri
from pos.rates.manual import ManualRateSource
from tests.ui.fakes import START, Clock, FixedKey, ScriptedWatcher

SIZE = (80, 24)


def make_config(**sections: dict):
    """The shipped config with a few keys changed: make_config(ui={"language": "en"})."""
    config = load_config(DEFAULT_PATH)
    changes = {"chain": {"network": "regtest", "poll_seconds": 3600}, "terminal": {"cashier": "Aigerim"},
               "pricing": {"rate_source": "manual"}}
    for name, values in sections.items():
        changes[name] = {**changes.get(name, {}), **values}
    return dataclasses.replace(config, **{
        name: dataclasses.replace(getattr(config, name), **values) for name, values in changes.items()})


def make_services(config=None, *, store=None, clock: Clock | None = None, rate: str | None = "45000000") -> Services:
    """Real store, checkout, manual rate and print service (mock driver); a scripted chain."""
    config = config or make_config()
    clock = clock or Clock()
    store = store if store is not None else memory_store(clock=clock)
    catalog, errors = load_catalog(DEMO_CATALOG)
    rates = ManualRateSource(store)
    if rate is not None:
        rates.enter(rate, START)
    checkout = Checkout(config=config, store=store, catalog=catalog, rates=rates,
                        key=FixedKey, payment_uri=payment_uri, clock=clock)
    printer = open_printer(config.printer)  # the mock driver: receipts kept as text
    watcher = ScriptedWatcher(store, clock, payment_policy(config))
    till = Till(store=store, checkout=checkout, watcher=watcher, policy=payment_policy(config), clock=clock,
                cashier=config.terminal.cashier)
    return Services(config=config, store=store, catalog=catalog, catalog_errors=errors, checkout=checkout,
                    watcher=watcher, printing=PrintService(store, printer, config, clock), printer=printer,
                    clock=clock, till=till, refund_chain=watcher.chain)


@pytest.fixture
def services() -> Services:
    return make_services()


@pytest.fixture
def english() -> Services:
    return make_services(make_config(ui={"language": "en"}))


async def settle(pilot) -> None:
    """Let the background jobs (polls, prints, charges) finish and the screen catch up."""
    for _ in range(5):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        if not any(worker.is_running for worker in pilot.app.workers):
            return


@asynccontextmanager
async def running(services: Services, *, kiosk: bool = False, size: tuple[int, int] = SIZE, events=None,
                  demo=None) -> AsyncIterator[Pilot]:
    app = PosApp(services, kiosk=kiosk, events=events, demo=demo)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        yield pilot


def shown(pilot, selector: str) -> str:
    """What a widget of the current screen shows, as text."""
    return str(pilot.app.screen.query_one(selector).render())


async def poll(pilot) -> None:
    """One poll of the chain, as the app's timer makes it, and its consequences on screen."""
    pilot.app.poll_chain()
    await settle(pilot)


def message(pilot) -> str:
    """The text on the current screen's message line."""
    return pilot.app.screen.query_one(MessageLine).text


async def scan(pilot, *codes: str) -> None:
    for code in codes:
        await pilot.press(*code, "enter")
    await settle(pilot)


async def charge(pilot, *codes: str):
    """Scan the codes, press Charge, return the invoice on screen."""
    await scan(pilot, *codes)
    await pilot.press("f10")
    await settle(pilot)
    assert isinstance(pilot.app.screen, ChargeScreen), message(pilot)
    return pilot.app.screen.invoice


def staffed(limit_kzt: int = 100_000) -> Services:
    """An English terminal where Aigerim (cashier, PIN 1111) and Dana (manager, PIN 2222) work."""
    services = make_services(make_config(ui={"language": "en"}, shift={"cashier_refund_max_kzt": limit_kzt}))
    add_cashier(services.store, "Aigerim", "cashier", "1111", services.clock())
    add_cashier(services.store, "Dana", "manager", "2222", services.clock())
    return services


async def answer(pilot, *texts: str) -> None:
    """Type each text into the dialog that asks for it."""
    for text in texts:
        await pilot.press(*text, "enter")
        await settle(pilot)
