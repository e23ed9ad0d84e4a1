"""The composition root: build every service the app uses from the configuration.

Only this module knows the concrete adapters (TinyDB store, bitcoinlib backend,
HTTP rate sources, printer drivers); the App receives a Services and calls into it.
Tests build Services with a memory store, a mock printer and a fixed clock.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from pos.checkout import Checkout
from pos.config import Config
from pos.core.catalog import Catalog, CatalogError, RowError, load_catalog
from pos.core.fiscal import FiscalError
from pos.core.journal import SYSTEM, WATCHER, Acting
from pos.core.payment import Policy
from pos.core.ports import StoreError
from pos.sale.fiscal_sender import FiscalSender
from pos.sale.till import Till

if TYPE_CHECKING:  # the adapters are imported by build_services only, off the import path
    from drivers.base import Printer
    from pos.chain.watcher import Watcher
    from pos.core.ports import ChainBackend, RateSource, Store
    from pos.fleet.prices import Offer
    from pos.fleet.till_sync import TillSync
    from pos.printing import PrintService

DEMO_CATALOG = Path(__file__).with_name("data") / "demo_catalog.csv"


class StartupError(Exception):
    """The terminal cannot start; the message says what to fix."""


def utc_clock() -> datetime:
    return datetime.now(timezone.utc)


def catalog_path(config: Config) -> Path:
    return Path(config.pricing.catalog).expanduser() if config.pricing.catalog else DEMO_CATALOG


def payment_policy(config: Config) -> Policy:
    pay = config.payment
    return Policy(confirmations=pay.confirmations, zero_conf_max_sat=pay.zero_conf_max_sat,
                  underpay_tolerance_bp=pay.underpay_tolerance_percent, handover=pay.handover,
                  handover_max_tiyn=pay.handover_max_kzt * 100, unverified_max_tiyn=pay.unverified_max_kzt * 100)


def started_entry(config: Config) -> dict:
    """What the journal keeps of the configuration at each start: a key, network or terminal swapped shows.

    The key is kept as the SHA-256 of its text (it names the key without listing its addresses);
    the backend's URL is not kept (it may hold the node's password).
    """
    import pos

    chain = config.chain
    return {"version": pos.__version__, "terminal": config.terminal.id, "slot": config.terminal.slot,
            "slots": config.terminal.slots, "network": chain.network, "backend": chain.backend,
            "verify_backend": chain.verify_backend,
            "key_sha256": hashlib.sha256(chain.xpub.strip().encode()).hexdigest()}


@dataclass
class Services:
    config: Config
    store: Store
    catalog: Catalog
    catalog_errors: list[RowError]
    checkout: Checkout
    watcher: Watcher
    printing: PrintService
    printer: Printer
    clock: Callable[[], datetime]
    till: Till
    warnings: list[str] = field(default_factory=list)
    sync: TillSync | None = None  # the fleet's hub ([sync] url), None when off
    fiscal: FiscalSender | None = None  # sends the fiscal receipts ([fiscal] provider), None when off; the App starts it
    #: What Bitcoin refunds are watched on (pos.sale.refunds): the watcher's kind of backend, an instance of its
    #: own (a bitcoinlib Service is not shared between threads); None: refunds are never seen paid.
    refund_chain: ChainBackend | None = None

    def close(self) -> None:
        if self.sync is not None:
            self.sync.stop()
        if self.fiscal is not None:
            self.fiscal.stop()
        self.printer.close()
        self.store.close()


def build_services(
    config: Config, *, store: Store | None = None, backend_factory: Callable[[], ChainBackend] | None = None,
    printer: Printer | None = None, rates: RateSource | None = None, clock: Callable[[], datetime] | None = None,
) -> Services:
    from drivers import open_printer
    from pos.chain.bcl import BitcoinlibSetupError, prepare_bitcoinlib
    from pos.chain.bip21 import payment_uri
    from pos.chain.keys import KeyRefused, check_key_text, lazy_key
    from pos.chain.watcher import Watcher, default_backend_factory
    from pos.fiscal import register_for
    from pos.fleet.prices import saved_offer
    from pos.printing import PrintService
    from pos.rates import rate_source
    from pos.store import open_store

    clock = clock or utc_clock
    if store is None:  # its lock before anything is written inside it (bitcoinlib's files below)
        try:
            store = open_store(config.store.directory)
        except StoreError as exc:
            raise StartupError(str(exc)) from None
    try:
        store.journal_start(config.terminal.id, started_entry(config))
    except StoreError as exc:
        raise StartupError(str(exc)) from None
    try:
        prepare_bitcoinlib(config)  # sets BCL_DATA_DIR before anything can import bitcoinlib
    except BitcoinlibSetupError as exc:
        raise StartupError(str(exc)) from None
    try:
        check_key_text(config.chain.xpub, config.chain.network)
    except KeyRefused as exc:
        raise StartupError(f"{config.source}: [chain] xpub: {exc}") from None
    try:
        catalog, catalog_errors = load_catalog(catalog_path(config))
    except CatalogError as exc:
        raise StartupError(str(exc)) from None
    kept = saved_offer(store) if config.sync.url else None  # the fleet's last price list, kept while offline
    if kept is not None:
        catalog = kept.catalog
    printer = printer or open_printer(config.printer)
    checkout = Checkout(
        config=config, store=store, catalog=catalog, rates=rates or rate_source(config, store),
        key=lazy_key(config.chain.xpub, config.chain.network), payment_uri=payment_uri, clock=clock,
    )
    # The watcher's and the printer worker's writes are journaled as theirs (the till's as the cashier's).
    backend_factory = backend_factory or default_backend_factory(config)
    watcher = Watcher(store=Acting(store, WATCHER), backend_factory=backend_factory,
                      policy=payment_policy(config), clock=clock, poll_seconds=config.chain.poll_seconds)
    printing = PrintService(store=Acting(store, SYSTEM), printer=printer, config=config, clock=clock)
    till = Till(store=store, checkout=checkout, watcher=watcher, policy=payment_policy(config), clock=clock,
                cashier=config.terminal.cashier)
    warnings = [f"catalog {catalog_path(config)}: {e}" for e in catalog_errors]
    sync = start_sync(config, store, till, kept) if config.sync.url else None
    try:
        register = register_for(config.fiscal)
    except FiscalError as exc:
        raise StartupError(f"{config.source}: {exc}") from None
    fiscal = None if register is None else FiscalSender(Acting(store, SYSTEM), register)
    return Services(config=config, store=store, catalog=catalog, catalog_errors=catalog_errors,
                    checkout=checkout, watcher=watcher, printing=printing, printer=printer, clock=clock,
                    till=till, warnings=warnings, sync=sync, fiscal=fiscal, refund_chain=backend_factory())


def start_sync(config: Config, store: Store, till: Till, kept: Offer | None) -> TillSync:
    """The thread that sends the journal to the fleet's hub and brings new price lists."""
    from pos.fleet.till_sync import TillSync

    till.catalog_version = kept.version.label if kept else ""
    sync = TillSync(config.sync, store, config.store.directory, config.terminal.id, kept)
    sync.start()
    return sync
