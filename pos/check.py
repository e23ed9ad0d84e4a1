"""`pos check`: one line per part of the terminal, ok or the problem and why.

Each probe is independent and defensive: a part that fails (or raises) is reported
as a problem and the others are still checked. Exit status 1 when anything is wrong.

The store is opened (locked) once, before anything is written, and held to the end. When
it cannot be (a running terminal holds it), bitcoinlib's files for the key and chain
probes go to a private temporary directory: the running terminal's providers file, which
names its node, is never rewritten for this configuration.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

from pos.config import Config
from pos.core.ports import Store, StoreError


@dataclass(frozen=True)
class Finding:
    part: str
    ok: bool
    detail: str
    warning: bool = False

    def line(self) -> str:
        word = "ok" if self.ok and not self.warning else ("warning" if self.ok else "PROBLEM")
        return f"{self.part:<8} {word:<8} {self.detail}"


@dataclass(frozen=True)
class Target:
    """What the probes look at: the configuration, and the store while this check holds it."""

    config: Config
    store: Store | None
    store_problem: str = ""  # why the store could not be opened
    bitcoinlib_dir: Path | None = None  # None: the store's own (pos.chain.bcl.data_dir_for)

    def held_store(self) -> Store:
        if self.store is None:
            raise StoreError(self.store_problem)
        return self.store


def prepare_bitcoinlib_for(target: Target) -> None:
    """bitcoinlib set up in the target's directory and imported, which fixes that directory for
    the process: the chain probe's own set-up then writes nowhere else."""
    from pos.chain.bcl import import_bitcoinlib, prepare_bitcoinlib

    prepare_bitcoinlib(target.config, target.bitcoinlib_dir)
    import_bitcoinlib()


def check_config(target: Target) -> Finding:
    config = target.config
    return Finding("config", True, f"{config.source} (terminal {config.terminal.id}, {config.chain.network})")


def check_catalog(target: Target) -> Finding:
    from pos.services import catalog_path
    from pos.core.catalog import load_catalog

    path = catalog_path(target.config)
    catalog, errors = load_catalog(path)
    if errors:
        shown = "; ".join(str(e) for e in errors[:3]) + (f"; and {len(errors) - 3} more" if len(errors) > 3 else "")
        return Finding("catalog", False, f"{path}: {len(errors)} bad row(s) skipped ({shown}); "
                                         f"{len(catalog.products)} product(s) loaded")
    return Finding("catalog", True, f"{path}: {len(catalog.products)} products")


def check_key(target: Target) -> Finding:
    from pos.chain.keys import WatchOnlyKey

    config = target.config
    prepare_bitcoinlib_for(target)
    key = WatchOnlyKey.parse(config.chain.xpub, config.chain.network)
    return Finding("key", True, f"watch-only, first receive address (0/0) {key.first_address()}")


def check_store(target: Target) -> Finding:
    count = len(target.held_store().open_invoices())
    return Finding("store", True, f"{target.config.store.directory} ({count} open invoice(s))")


def check_chain(target: Target) -> Finding:
    from pos.chain.backend import probe_backend

    prepare_bitcoinlib_for(target)
    ok, message = probe_backend(target.config)
    return Finding("chain", ok, message)


def check_rate(target: Target) -> Finding:
    from pos.core.money import format_kzt
    from pos.rates import rate_source

    config = target.config
    quote = rate_source(config, target.held_store()).quote()  # the manual rate is kept in the store
    age = int((datetime.now(timezone.utc) - quote.at).total_seconds() // 60)
    stale = age > config.pricing.rate_max_age_minutes
    detail = (f"{format_kzt(quote.tiyn_per_btc)} per BTC from {quote.source} at {quote.at:%Y-%m-%d %H:%M} UTC"
              + (f": {age} min old, too old for new invoices (limit {config.pricing.rate_max_age_minutes} min)"
                 if stale else ""))
    return Finding("rate", not stale, detail)


def check_printer(target: Target) -> Finding:
    from pos.printing import probe_printer

    ok, message = probe_printer(target.config)
    return Finding("printer", ok, message)


def check_pin(target: Target) -> Finding:
    if not target.config.ui.manager_pin_hash:
        return Finding("pin", True, "the demo manager PIN 1234 is in use: set your own with `pos set-pin`",
                       warning=True)
    return Finding("pin", True, "manager PIN set")


PROBES: tuple[tuple[str, Callable[[Target], Finding]], ...] = (
    ("config", check_config), ("catalog", check_catalog), ("key", check_key), ("store", check_store),
    ("chain", check_chain), ("rate", check_rate), ("printer", check_printer), ("pin", check_pin),
)


def run_probe(part: str, probe: Callable[[Target], Finding], target: Target) -> Finding:
    try:
        return probe(target)
    except Exception as exc:  # a probe must report, never crash the report
        return Finding(part, False, str(exc) or type(exc).__name__)


def run_check(config: Config, out: Callable[[str], None] = print) -> int:
    from pos.store import open_store

    try:
        store = open_store(config.store.directory)
    except StoreError as exc:
        with tempfile.TemporaryDirectory(prefix="pos-check-") as private:
            return _report(Target(config, None, str(exc), Path(private)), out)
    try:
        return _report(Target(config, store), out)
    finally:
        store.close()


def _report(target: Target, out: Callable[[str], None]) -> int:
    findings = []
    for part, probe in PROBES:
        finding = run_probe(part, probe, target)
        out(finding.line())
        findings.append(finding)
    return 0 if all(f.ok for f in findings) else 1
