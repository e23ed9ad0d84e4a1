"""`python -m pos.bench.soak [--quick] [--sales N] [--seed S]`: a day of sales through every fault, then an audit.

The terminal (pos.bench.soak_terminal: the real app, headless, built as `pos` builds it,
with a cashier that never stops) runs as a child process on a file store, a bcoin
regtest node behind a TCP proxy, and the mock printer writing its paper to a file. This
parent plays everyone else, at random moments drawn from the seed:

- the customers: each invoice shown is paid in full from the node's wallet, straight to the
  node (a phone does not go through the shop's network), or the customer walks away and
  the cashier is told to cancel it;
- the miner: a block every few seconds while payments wait;
- the network: the proxy between the terminal and its node is cut, refusing or hanging
  every connection, for a few seconds (the node and the customers' payments carry on);
- the printer: out of paper (writes fail), or silent (takes the bytes, never answers its
  status query: "sent, not confirmed");
- the power: kill -9 of the terminal at a random moment, or just as a receipt reaches the
  paper (before the store can mark it printed), then a restart on the same store.

The parent keeps its own ledger. At closing time the faults end, blocks are mined until
every payment has settled and the print queue is empty, the terminal quits, and
pos.bench.soak_audit checks the store and the paper against the ledger: every paid sale
settled with exactly its payment, every other invoice unpaid (new, expired or cancelled),
no invoice number or address twice, exactly one ORIGINAL receipt per handed-over sale;
and `pos journal verify`. Exit status 1 when anything
is wrong (each problem printed), 0 otherwise.
"""

from __future__ import annotations

import argparse
import heapq
import itertools
import json
import queue
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, TextIO

from pos.bench.proxy import FaultyProxy, Outage
from pos.bench.rig import RATE_KZT
from pos.bench.soak_audit import Audit, Sale, audit
from pos.bench.table import Row, print_table
from pos.core.invoice import SETTLED
from pos.demo import DEMO_XPUB
from pos.rates.manual import ManualRateSource
from pos.regtest.node import RegtestNode
from pos.store import business_day, open_store

TERMINAL_ID = "SOAK"
QUICK_SALES, LONG_SALES = 6, 300
MINE_SECONDS = 3.0
#: How long closing time may take (payments to settle, receipts to print) before the audit judges.
CLOSING_SECONDS = 120.0
#: A terminal that does not say `ready` this long after starting is reported and killed.
START_SECONDS = 60.0

CONFIG = """\
[terminal]
id = "{terminal}"
cashier = "Soak"
slot = {slot}
slots = {slots}
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
poll_seconds = 2
request_timeout_seconds = 3
[printer]
driver = "mock"
mock_file = "{paper}"
[pricing]
rate_source = "manual"
rate_max_age_minutes = 1440
[ui]
language = "en"
"""


@dataclass(frozen=True)
class Plan:
    """How many sales, from which seed, and how often each fault strikes a sale."""

    sales: int
    seed: int
    quick: bool = False
    kill: float = 0.12
    print_kill: float = 0.06
    outage: float = 0.12
    printer: float = 0.12
    walk_away: float = 0.1
    #: the terminal's address slot among `slots` (tests share one node: each its own slot)
    slot: int = 0
    slots: int = 1

    def faults(self, sale: int, rng: random.Random) -> list[str]:
        """The faults that strike while sale number `sale` (1, 2, ...) is under way.

        Quick mode plays each kind at least once in its few sales; the long run draws them.
        """
        if self.quick:
            return {1: ["printer_fail"], 2: ["kill"], 3: ["outage_refuse", "walk_away"], 4: ["print_kill"],
                    5: ["outage_hang", "printer_silent"], 6: ["kill"]}.get(sale, [])
        drawn = []
        if rng.random() < self.kill:
            drawn.append("kill")
        elif rng.random() < self.print_kill:
            drawn.append("print_kill")
        if rng.random() < self.outage:
            drawn.append(rng.choice(["outage_refuse", "outage_hang"]))
        if rng.random() < self.printer:
            drawn.append(rng.choice(["printer_fail", "printer_fail", "printer_silent"]))
        if rng.random() < self.walk_away:
            drawn.append("walk_away")
        return drawn


@dataclass
class Counts:
    sales: int = 0
    walk_aways: int = 0
    kills: int = 0
    print_kills: int = 0
    outages: int = 0
    printer_faults: int = 0
    crashes: int = 0


@dataclass
class Report:
    plan: Plan
    counts: Counts
    audit: Audit
    journal: str  # "" when `pos journal verify` passed, else what it said
    seconds: float
    problems: list[str] = field(default_factory=list)  # the audit's and the run's own

    @property
    def ok(self) -> bool:
        return not self.problems

    def rows(self) -> list[Row]:
        c, a = self.counts, self.audit
        return [
            Row("soak: sales (invoices shown to a customer)", c.sales, "sales"),
            Row("soak: paid by the customer", a.paid, "sales"),
            Row("soak: settled with exactly that payment", a.settled, "sales", target=f"= paid ({a.paid})",
                passed=a.settled == a.paid),
            Row("soak: walked away (never paid)", c.walk_aways, "sales"),
            Row("soak: invoices the customer never saw (kill before the QR)", a.unseen, "invoices"),
            Row("soak: backend outages (proxy refused or hung)", c.outages, "outages"),
            Row("soak: kill -9 of the terminal", c.kills, "kills"),
            Row("soak: ... of them as a receipt reached the paper", c.print_kills, "kills"),
            Row("soak: printer faults (paper end or silent)", c.printer_faults, "faults"),
            Row("soak: receipts sent, not confirmed (silent printer)", a.unconfirmed, "receipts"),
            Row("soak: terminal crashes (exit without a kill)", c.crashes, "crashes", passed=c.crashes == 0, target="0"),
            Row("soak: lost (paid, not settled exactly)", a.lost, "sales", passed=a.lost == 0, target="0"),
            Row("soak: handed over with no receipt on paper", a.missing_receipts, "sales",
                passed=a.missing_receipts == 0, target="0"),
            Row("soak: duplicates (invoice numbers, addresses, ORIGINAL receipts)", a.duplicates, "",
                passed=a.duplicates == 0, target="0"),
            Row("soak: ... of them ORIGINAL receipts printed twice", a.duplicate_originals, "receipts"),
            Row("soak: pos journal verify", 1 if self.journal else 0, "failed", passed=not self.journal, target="0"),
            Row("soak: wall time", self.seconds / 60, "min"),
        ]


class Terminal:
    """The soak terminal as a child process; its events arrive on `events` as (generation, event or None)."""

    def __init__(self, config: Path, seed: int, log: Path, events: queue.Queue) -> None:
        self.config, self.seed, self.log, self.events = config, seed, log, events
        self.generation = 0
        self.process: subprocess.Popen | None = None
        self.killed = False

    def start(self, printer: str) -> None:
        self.generation += 1
        self.killed = False
        with self.log.open("a", encoding="utf-8") as log:
            log.write(f"--- start {self.generation} ---\n")
        stderr = self.log.open("a", encoding="utf-8")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "pos.bench.soak_terminal", "--config", str(self.config),
             "--seed", str(self.seed * 1000 + self.generation), "--printer", printer],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=stderr, text=True, bufsize=1)
        stderr.close()
        threading.Thread(target=self._read, args=(self.process, self.generation), daemon=True).start()

    def _read(self, process: subprocess.Popen, generation: int) -> None:
        assert process.stdout is not None
        for line in process.stdout:
            try:
                self.events.put((generation, json.loads(line)))
            except json.JSONDecodeError:
                self.events.put((generation, {"event": "noise", "line": line[:200]}))
        process.wait()
        self.events.put((generation, None))

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None and not self.killed

    def send(self, command: str) -> None:
        if not self.running:
            return  # said again when it is back (see Soak._ready)
        try:
            assert self.process is not None and self.process.stdin is not None
            self.process.stdin.write(command + "\n")
            self.process.stdin.flush()
        except (BrokenPipeError, OSError):
            pass

    def kill(self) -> None:
        assert self.process is not None
        self.killed = True
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def quit(self, timeout: float = 30.0) -> None:
        if self.process is None:
            return
        self.send("quit")
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()

    def tail(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")[-1500:].strip()


class Soak:
    def __init__(self, node: RegtestNode, workdir: Path, plan: Plan, progress: TextIO | None = None) -> None:
        self.node, self.plan, self.progress = node, plan, progress
        self.rng = random.Random(plan.seed)
        self.store_dir, self.paper = workdir / "store", workdir / "paper.txt"
        self.proxy = FaultyProxy(node.http_port)
        self.config = workdir / "config.toml"
        self.config.write_text(CONFIG.format(
            terminal=TERMINAL_ID, slot=plan.slot, slots=plan.slots, store=self.store_dir, xpub=DEMO_XPUB,
            url=self.proxy.url(node.url), paper=self.paper), encoding="utf-8")
        self.events: queue.Queue = queue.Queue()
        self.terminal = Terminal(self.config, plan.seed, workdir / "terminal.log", self.events)
        self.counts = Counts()
        self.ledger: dict[str, Sale] = {}
        self.reused: list[str] = []
        self.problems: list[str] = []
        self.timers: list[tuple[float, int, Callable[[], None]]] = []
        self._order = itertools.count()
        self.printer = "ok"
        self.unmined = False
        self.closing = False
        self.armed_at: int | None = None  # the paper's size when a kill was armed for the next receipt
        self.started_at = 0.0
        self.last_status: dict | None = None
        self.ready, self.started_at_step = False, 0.0

    # ---- the run --------------------------------------------------------------------
    def run(self) -> Report:
        self.started_at = time.monotonic()
        first_day = business_day(datetime.now(timezone.utc))
        store = open_store(self.store_dir)  # the manager's rate, entered before the terminal starts
        ManualRateSource(store).enter(RATE_KZT, datetime.now(timezone.utc))
        store.close()
        try:
            self._start()
            self._day()
            self._closing_time()
        finally:
            self.terminal.quit()
            self.proxy.close()
        found = audit(self.ledger, self.store_dir, self.paper, TERMINAL_ID, first_day, self.reused)
        journal = journal_verify(self.config)
        problems = self.problems + found.problems + ([f"pos journal verify: {journal}"] if journal else [])
        return Report(self.plan, self.counts, found, journal, time.monotonic() - self.started_at, problems)

    def _day(self) -> None:
        last_mined = time.monotonic()
        while self.counts.sales < self.plan.sales:
            self._step()
            if self.unmined and time.monotonic() - last_mined > MINE_SECONDS:
                self.node.mine(1)
                self.unmined, last_mined = False, time.monotonic()

    def _closing_time(self) -> None:
        """No new faults; those under way end on time; then mine until everything paid has settled."""
        self.closing = True
        self.armed_at = None
        self.terminal.send("close")
        deadline = time.monotonic() + CLOSING_SECONDS
        next_check = 0.0
        while time.monotonic() < deadline:
            self._step()
            if time.monotonic() < next_check:
                continue
            next_check = time.monotonic() + MINE_SECONDS
            if self.timers or not self.ready or self.printer != "ok" or self.proxy.mode != "up":
                continue
            if self.last_status is not None and self._settled(self.last_status):
                return
            self.node.mine(1)
            self.last_status = None
            self.terminal.send("status")
        self.problems.append(f"closing time: not everything settled and printed within {CLOSING_SECONDS:g} s "
                             f"(last status: {self.last_status})")

    def _settled(self, status: dict) -> bool:
        paid = {sale.invoice for sale in self.ledger.values() if sale.txid}
        waiting = [i for i, state in status["open"].items() if i in paid and state != SETTLED]
        return not waiting and status["pending_prints"] == 0

    def _step(self) -> None:
        """Take the terminal's events, run what is due, and watch the paper when a kill is armed."""
        try:
            generation, event = self.events.get(timeout=0.002 if self.armed_at is not None else 0.05)
        except queue.Empty:
            pass
        else:
            if generation == self.terminal.generation:
                self._event(event)
        now = time.monotonic()
        while self.timers and self.timers[0][0] <= now:
            _, _, action = heapq.heappop(self.timers)
            action()
        if self.armed_at is not None and self.terminal.running and _size(self.paper) > self.armed_at:
            self.armed_at = None
            self.counts.print_kills += 1
            self._kill()
        self._check_started()

    def _later(self, seconds: float, action: Callable[[], None]) -> None:
        heapq.heappush(self.timers, (time.monotonic() + seconds, next(self._order), action))

    # ---- what the terminal says -------------------------------------------------------
    def _event(self, event: dict | None) -> None:
        if event is None:
            self._exited()
            return
        name = event["event"]
        if name == "invoice_created" or (name == "ready" and "invoice" in event):
            self._shown(event)
        if name == "ready":
            self._ready()
        elif name == "status":
            self.last_status = event

    def _ready(self) -> None:
        """Up again: what it was told before the kill, it is told again (its memory died with it)."""
        self.ready = True
        for sale in self.ledger.values():
            if sale.walked_away:
                self.terminal.send(f"walk-away {sale.invoice}")
        if self.closing:
            self.terminal.send("close")

    def _exited(self) -> None:
        self.ready = False
        if not self.terminal.killed:
            self.counts.crashes += 1
            self.problems.append(f"the terminal exited by itself (start {self.terminal.generation}): "
                                 f"{self.terminal.tail()}")
        self._later(self.rng.uniform(0.2, 2.0), self._restart)

    def _restart(self) -> None:
        self._start()

    def _start(self) -> None:
        self.terminal.start(self.printer)
        self.ready, self.started_at_step = False, time.monotonic()

    def _check_started(self) -> None:
        if self.terminal.running and not self.ready and time.monotonic() - self.started_at_step > START_SECONDS:
            self.problems.append(f"the terminal did not get ready within {START_SECONDS:g} s after start "
                                 f"{self.terminal.generation}: {self.terminal.tail()}")
            self._kill()

    # ---- the customers ----------------------------------------------------------------
    def _shown(self, event: dict) -> None:
        invoice, address, amount = event["invoice"], event["address"], int(event["amount_sat"])
        known = self.ledger.get(invoice)
        if known is not None:
            if (known.address, known.amount_sat) != (address, amount):
                self.reused.append(f"{invoice}: shown with {amount} sat to {address}, "
                                   f"earlier with {known.amount_sat} sat to {known.address}")
            return
        for other in self.ledger.values():
            if other.address == address:
                self.reused.append(f"{invoice}: address {address} was {other.invoice}'s")
        sale = self.ledger[invoice] = Sale(invoice, address, amount)
        self.counts.sales += 1
        if self.progress and self.counts.sales % 25 == 0:
            print(f"soak: {self.counts.sales} sales, {self.counts.kills} kills, {self.counts.outages} outages, "
                  f"{self.counts.printer_faults} printer faults, {(time.monotonic() - self.started_at) / 60:.1f} min",
                  file=self.progress, flush=True)
        faults = [] if self.closing else self.plan.faults(self.counts.sales, self.rng)
        if "walk_away" in faults:
            sale.walked_away = True
            self.counts.walk_aways += 1
            self._later(self.rng.uniform(0.3, 1.5), lambda: self.terminal.send(f"walk-away {invoice}"))
        else:
            self._later(self.rng.uniform(0.0, 1.5), lambda: self._pay(sale))
        for fault in faults:
            if fault != "walk_away":
                self._later(self.rng.uniform(0.0, 3.0), getattr(self, "_" + fault))

    def _pay(self, sale: Sale) -> None:
        sale.txid = self.node.pay(sale.address, sale.amount_sat)
        self.unmined = True

    # ---- the faults -------------------------------------------------------------------
    def _kill(self) -> None:
        if not self.terminal.running:
            return
        self.counts.kills += 1
        self.terminal.kill()  # its reader then reports the exit, which restarts it

    def _print_kill(self) -> None:
        if self.armed_at is None:
            self.armed_at = _size(self.paper)
            self._later(20.0, self._disarm)

    def _disarm(self) -> None:
        self.armed_at = None

    def _outage_refuse(self) -> None:
        self._outage("refuse")

    def _outage_hang(self) -> None:
        self._outage("hang")

    def _outage(self, mode: Outage) -> None:
        if self.proxy.mode != "up":
            return
        self.counts.outages += 1
        self.proxy.cut(mode)
        self._later(self.rng.uniform(2.0, 5.0) if self.plan.quick else self.rng.uniform(2.0, 20.0),
                    self.proxy.restore)

    def _printer_fail(self) -> None:
        self._printer("fail")

    def _printer_silent(self) -> None:
        self._printer("silent")

    def _printer(self, state: str) -> None:
        if self.printer != "ok":
            return
        self.counts.printer_faults += 1
        self.printer = state
        self.terminal.send(f"printer {state}")
        self._later(self.rng.uniform(3.0, 6.0) if self.plan.quick else self.rng.uniform(3.0, 20.0),
                    self._printer_mended)

    def _printer_mended(self) -> None:
        self.printer = "ok"
        self.terminal.send("printer ok")


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return 0


def journal_verify(config: Path) -> str:
    """`pos journal verify` on the soak's store: "" when it passed, else its exit status and last words."""
    done = subprocess.run([sys.executable, "-m", "pos", "--config", str(config), "journal", "verify"],
                          capture_output=True, text=True, timeout=300)
    if done.returncode == 0:
        return ""
    return f"exit status {done.returncode}: {(done.stdout + done.stderr).strip()[-500:]}"


def run_soak(node: RegtestNode, workdir: Path, plan: Plan, progress: TextIO | None = None) -> Report:
    return Soak(node, workdir, plan, progress).run()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pos.bench.soak", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_SALES} sales, each kind of fault at least once")
    parser.add_argument("--sales", type=int, help=f"how many sales (default {LONG_SALES}, quick {QUICK_SALES})")
    parser.add_argument("--seed", type=int, default=20261203)
    parser.add_argument("--keep", metavar="DIR", help="work in DIR (store, paper, logs) and keep it")
    args = parser.parse_args(argv)
    sales = args.sales or (QUICK_SALES if args.quick else LONG_SALES)
    if not 1 <= sales <= 100_000:
        parser.error("--sales must be between 1 and 100000")
    plan = Plan(sales=sales, seed=args.seed, quick=args.quick)
    with tempfile.TemporaryDirectory(prefix="pos-soak-") as tmp, RegtestNode() as node:
        workdir = Path(args.keep) if args.keep else Path(tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        report = run_soak(node, workdir, plan, progress=sys.stderr)
    print_table(report.rows())
    for problem in report.problems:
        print(f"problem: {problem}", file=sys.stderr)
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
