"""UI test rig: the real app, store, checkout and core over scripted chain and printer parts."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from pos.checkout import Checkout
from pos.config import DEFAULT_PATH, load_config
from pos.core.catalog import load_catalog
from pos.services import DEMO_CATALOG, Services, payment_policy
from pos.store import memory_store
from tests.ui.fakes import Clock, FakeRates, FixedKey, QueuePrinting, ScriptedWatcher, TextPrinter, payment_uri

SIZE = (80, 24)


def make_config(**sections: dict):
    """The shipped config with a few keys changed: make_config(ui={"language": "en"})."""
    config = load_config(DEFAULT_PATH)
    changes = {"chain": {"network": "regtest", "poll_seconds": 3600}, "terminal": {"cashier": "Aigerim"}}
    for name, values in sections.items():
        changes[name] = {**changes.get(name, {}), **values}
    return dataclasses.replace(config, **{
        name: dataclasses.replace(getattr(config, name), **values) for name, values in changes.items()})


def make_services(config=None, *, store=None, clock: Clock | None = None, rates: FakeRates | None = None) -> Services:
    config = config or make_config()
    clock = clock or Clock()
    store = store if store is not None else memory_store(clock=clock)
    catalog, errors = load_catalog(DEMO_CATALOG)
    checkout = Checkout(config=config, store=store, catalog=catalog, rates=rates or FakeRates(),
                        key=FixedKey, payment_uri=payment_uri, clock=clock)
    printer = TextPrinter()
    return Services(config=config, store=store, catalog=catalog, catalog_errors=errors, checkout=checkout,
                    watcher=ScriptedWatcher(store, clock, payment_policy(config)),
                    printing=QueuePrinting(store, printer, clock), printer=printer, clock=clock)


@pytest.fixture
def services() -> Services:
    return make_services()


@pytest.fixture
def english() -> Services:
    return make_services(make_config(ui={"language": "en"}))
