"""`pos --headless --script` on the regtest node, as the e2e tests start it.

The configuration is CONFIG (below) with an address slot and terminal id of the
test's own (tests paying on the same node must not share addresses), the manager's rate is
entered before the terminal starts, and a hung run is killed after KILL_AFTER_SECONDS: it
fails, it does not hang the suite.
"""

from __future__ import annotations

import subprocess
import sys
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Iterator

from pos.demo import DEMO_XPUB
from pos.rates.manual import ManualRateSource
from pos.regtest.node import RegtestNode
from pos.store import open_store

KILL_AFTER_SECONDS = 240

CONFIG = """
[terminal]
id = "E2E"
cashier = "Dana"
# index 99, 199, ...: clear of the addresses the chain tests pay on the same node
slot = 99
slots = 100
[merchant]
name = "Alatau Demo Grocery"
bin = "260140000017"
[store]
path = "{store}"
[chain]
network = "regtest"
xpub = "{xpub}"
backend = "bcoin"
url = "{url}"
poll_seconds = 1
request_timeout_seconds = 5
[printer]
driver = "mock"
mock_file = "{receipts}"
[pricing]
rate_source = "manual"
[ui]
language = "en"
"""


#: The start of a shop's day, as script lines: the shift opened on the Shift screen (the manager's
#: PIN 1234; Aigerim, PIN 1111, the set-up's cashier; a 5 000 float), bread sold in cash (1 000
#: handed over), milk by card.
OPEN_SHIFT_CASH_AND_CARD = """
# the manager's PIN, the Shift screen: Aigerim opens the shift with her PIN and the float
press f12
type 1234
press enter f6 f2
type Aigerim
press enter
type 1111
press enter
type 5000
press enter
wait shift_opened 30
press escape escape

# bread in cash: 1000 handed over
type BREAD-01
press enter f7 f2
type 1000
press enter
wait sale_recorded 10

# milk by card: the approval code from the bank terminal's slip
type MILK-01
press enter f7 f3
type A1B2C3
press enter
wait sale_recorded 10
"""

@dataclass(frozen=True)
class Headless:
    process: subprocess.Popen
    config: Path
    store: Path
    receipts: Path


def write_config(tmp_path: Path, node: RegtestNode, *, slot: int = 99, terminal: str = "E2E",
                 adjust: Callable[[str], str] = str) -> Path:
    """tmp_path/config.toml, the terminal's configuration: for a set-up command (`pos users add`)
    run before the terminal starts, and for the terminal itself. `adjust` makes a test's own
    changes to the shared text (another printer, a [fiscal] section)."""
    config = tmp_path / "config.toml"
    config.write_text(adjust(CONFIG.format(store=tmp_path / "store", xpub=DEMO_XPUB, url=node.url,
                                           receipts=tmp_path / "receipts.txt")
                             .replace("slot = 99", f"slot = {slot}").replace('id = "E2E"', f'id = "{terminal}"')),
                      encoding="utf-8")
    return config


@contextmanager
def headless_terminal(tmp_path: Path, node: RegtestNode, script: str, *, slot: int = 99,
                      terminal: str = "E2E", adjust: Callable[[str], str] = str) -> Iterator[Headless]:
    store_dir, receipts = tmp_path / "store", tmp_path / "receipts.txt"
    config = write_config(tmp_path, node, slot=slot, terminal=terminal, adjust=adjust)
    script_file = tmp_path / "headless.script"
    script_file.write_text(script, encoding="utf-8")
    store = open_store(store_dir)  # the manager's rate, entered before the terminal starts
    ManualRateSource(store).enter("45000000", datetime.now(timezone.utc))
    store.close()
    process = subprocess.Popen([sys.executable, "-m", "pos", "--config", str(config), "--headless", "--script",
                                str(script_file)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    timer = threading.Timer(KILL_AFTER_SECONDS, process.kill)
    timer.start()
    try:
        yield Headless(process, config, store_dir, receipts)
    finally:
        timer.cancel()
        process.kill()
