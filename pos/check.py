"""`pos check`: one line per part of the terminal, ok or the problem and why.

Each probe is independent and defensive: a part that fails (or raises) is reported
as a problem and the others are still checked. A part that works but is not fit for
a shop (the public test key, the mock printer, the demo PIN) is a WARNING, and the
exit status says so too, so a start-up script cannot miss it (EXIT_STATUSES).

The store is opened (locked) once, before anything is written, and held to the end. When
it cannot be (a running terminal holds it), bitcoinlib's files for the key and chain
probes go to a private temporary directory: the running terminal's providers file, which
names its node, is never rewritten for this configuration.
"""

from __future__ import annotations

import tempfile
import textwrap
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

from pos.config import Config
from pos.core.known_keys import is_public_test_key
from pos.core.ports import Store, StoreError

EXIT_OK, EXIT_PROBLEM, EXIT_WARNING = 0, 1, 3  # 2 is the command's own: a configuration it cannot read
EXIT_STATUSES = (
    (EXIT_OK, "every part is ok"),
    (EXIT_PROBLEM, "a PROBLEM: some part cannot work as configured"),
    (2, "the configuration cannot be read or is invalid: nothing was checked"),
    (EXIT_WARNING, "no problem, but a WARNING: it works, yet not as a shop should (e.g. the public test key)"),
)


@dataclass(frozen=True)
class Finding:
    part: str
    ok: bool
    detail: str
    warning: bool = False

    def line(self) -> str:
        word = "ok" if self.ok and not self.warning else ("WARNING" if self.ok else "PROBLEM")
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
    first = WatchOnlyKey.parse(config.chain.xpub, config.chain.network).first_address()
    if is_public_test_key(first):
        real_money = config.chain.network == "mainnet"
        return Finding("key", not real_money, f"the PUBLIC TEST KEY (seed \"abandon ... about\", first receive "
                       f"address 0/0 {first}): anyone can spend what is paid to it. Put your own account's "
                       "extended public key in [chain] xpub", warning=not real_money)
    return Finding("key", True, f"watch-only, first receive address (0/0) {first}")


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
    if target.config.printer.driver == "mock":
        return Finding("printer", ok, f"{message}: receipts are NOT printed on paper. Set [printer] driver "
                       "to serial or file for a real printer", warning=True)
    return Finding("printer", ok, message)


def check_pin(target: Target) -> Finding:
    if not target.config.ui.manager_pin_hash:
        return Finding("pin", True, "the demo manager PIN 1234 is in use: set your own with `pos set-pin`",
                       warning=True)
    return Finding("pin", True, "manager PIN set")


def check_fiscal(target: Target) -> Finding:
    from pos.fiscal import register_for

    register = register_for(target.config.fiscal)
    if register is None:
        return Finding("fiscal", True, 'off ([fiscal] provider = "none"): slips say "not a fiscal receipt"')
    info = register.cashbox()
    ofd = f"OFD {info.ofd_name} ({info.ofd_host})" if info.ofd_name else "OFD not named yet (no Z report on it)"
    detail = (f"{target.config.fiscal.provider} cashbox {info.factory_number}: registration number (РНМ) "
              f"{info.registration_number}, {ofd}, shift {info.shift_number}")
    if info.offline:
        return Finding("fiscal", True, f"{detail}: OFFLINE, receipts are not reaching the OFD", warning=True)
    return Finding("fiscal", True, detail)


#: (part, probe, what it checks: for `pos check --help`)
PROBES: tuple[tuple[str, Callable[[Target], Finding], str], ...] = (
    ("config", check_config, "the configuration file is valid (terminal id, network)"),
    ("catalog", check_catalog, "the catalog loads; bad rows are named with their line"),
    ("key", check_key, "[chain] xpub is a watch-only account key; shows address 0/0 to compare with the "
                       "wallet. The public test key is a WARNING (a PROBLEM on mainnet)"),
    ("store", check_store, "the store opens (no other terminal holds it) and counts the open invoices"),
    ("chain", check_chain, "the chain backend answers with its tip height"),
    ("rate", check_rate, "the rate source gives a KZT/BTC rate young enough for new invoices"),
    ("printer", check_printer, "the printer answers its status query with no problem. The mock printer "
                               "is a WARNING"),
    ("pin", check_pin, "a manager PIN of your own is set (the demo PIN is a WARNING)"),
    ("fiscal", check_fiscal, "with [fiscal] provider set: logs in and shows the cashbox's registration number "
                             "(РНМ) and OFD. A cashbox in offline mode is a WARNING"),
)


def describe_check() -> tuple[str, str]:
    """(what is checked, what the exit statuses mean): the text of `pos check --help`."""
    def item(name: object, text: str, width: int) -> str:
        return textwrap.fill(text, 79, initial_indent=f"  {name!s:<{width}} ", subsequent_indent=" " * (width + 3))

    checked = "\n".join(item(part, what, 8) for part, _, what in PROBES)
    statuses = "\n".join(item(code, meaning, 1) for code, meaning in EXIT_STATUSES)
    return (f"One line per part of the terminal: ok, WARNING or PROBLEM, and why.\n\n{checked}",
            f"exit status:\n{statuses}")


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
    for part, probe, _ in PROBES:
        finding = run_probe(part, probe, target)
        out(finding.line())
        findings.append(finding)
    if not all(f.ok for f in findings):
        return EXIT_PROBLEM
    return EXIT_WARNING if any(f.warning for f in findings) else EXIT_OK
