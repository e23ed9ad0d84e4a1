"""`pos check`: one line per part of the terminal, ok or the problem and why.

Each probe is independent and defensive: a part that fails (or raises) is reported
as a problem and the others are still checked. Exit status 1 when anything is wrong.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Callable

from pos.config import Config


@dataclass(frozen=True)
class Finding:
    part: str
    ok: bool
    detail: str
    warning: bool = False

    def line(self) -> str:
        word = "ok" if self.ok and not self.warning else ("warning" if self.ok else "PROBLEM")
        return f"{self.part:<8} {word:<8} {self.detail}"


def check_config(config: Config) -> Finding:
    return Finding("config", True, f"{config.source} (terminal {config.terminal.id}, {config.chain.network})")


def check_catalog(config: Config) -> Finding:
    from pos.services import catalog_path
    from pos.core.catalog import load_catalog

    path = catalog_path(config)
    catalog, errors = load_catalog(path)
    if errors:
        shown = "; ".join(str(e) for e in errors[:3]) + (f"; and {len(errors) - 3} more" if len(errors) > 3 else "")
        return Finding("catalog", False, f"{path}: {len(errors)} bad row(s) skipped ({shown}); "
                                         f"{len(catalog.products)} product(s) loaded")
    return Finding("catalog", True, f"{path}: {len(catalog.products)} products")


def check_key(config: Config) -> Finding:
    from pos.chain.bcl import prepare_bitcoinlib
    from pos.chain.keys import WatchOnlyKey

    prepare_bitcoinlib(config)
    key = WatchOnlyKey.parse(config.chain.xpub, config.chain.network)
    return Finding("key", True, f"watch-only, first receive address (0/0) {key.first_address()}")


def check_store(config: Config) -> Finding:
    from pos.store import open_store

    store = open_store(config.store.directory)
    try:
        count = len(store.open_invoices())
    finally:
        store.close()
    return Finding("store", True, f"{config.store.directory} ({count} open invoice(s))")


def check_chain(config: Config) -> Finding:
    from pos.chain.backend import probe_backend

    ok, message = probe_backend(config)
    return Finding("chain", ok, message)


def check_rate(config: Config) -> Finding:
    from pos.core.money import format_kzt
    from pos.rates import rate_source
    from pos.store import open_store

    store = open_store(config.store.directory)  # the manual rate is kept there
    try:
        quote = rate_source(config, store).quote()
    finally:
        store.close()
    age = int((datetime.now(timezone.utc) - quote.at).total_seconds() // 60)
    stale = age > config.pricing.rate_max_age_minutes
    detail = (f"{format_kzt(quote.tiyn_per_btc)} per BTC from {quote.source} at {quote.at:%Y-%m-%d %H:%M} UTC"
              + (f": {age} min old, too old for new invoices (limit {config.pricing.rate_max_age_minutes} min)"
                 if stale else ""))
    return Finding("rate", not stale, detail)


def check_printer(config: Config) -> Finding:
    from pos.printing import probe_printer

    ok, message = probe_printer(config)
    return Finding("printer", ok, message)


def check_pin(config: Config) -> Finding:
    if not config.ui.manager_pin_hash:
        return Finding("pin", True, "the demo manager PIN 1234 is in use: set your own with `pos set-pin`",
                       warning=True)
    return Finding("pin", True, "manager PIN set")


PROBES: tuple[tuple[str, Callable[[Config], Finding]], ...] = (
    ("config", check_config), ("catalog", check_catalog), ("key", check_key), ("store", check_store),
    ("chain", check_chain), ("rate", check_rate), ("printer", check_printer), ("pin", check_pin),
)


def run_probe(part: str, probe: Callable[[Config], Finding], config: Config) -> Finding:
    try:
        return probe(config)
    except Exception as exc:  # a probe must report, never crash the report
        return Finding(part, False, str(exc) or type(exc).__name__)


def run_check(config: Config, out: Callable[[str], None] = print) -> int:
    findings = []
    for part, probe in PROBES:
        finding = run_probe(part, probe, config)
        out(finding.line())
        findings.append(finding)
    return 0 if all(f.ok for f in findings) else 1
