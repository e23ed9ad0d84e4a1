"""The terminal of the soak run (pos.bench.soak): the real app, headless, with a cashier who never stops.

`python -m pos.bench.soak_terminal --config FILE --seed N [--printer ok|fail|silent]` is the
child process the soak's parent starts, kills with SIGKILL and starts again on the same
store. It is built as `pos` builds a terminal (pos.cli: the store's lock first, then
pos.log, then build_services with the configured bcoin backend and the mock printer);
only the cashier is a program (pos.bench.rig.Cashier): on the Sale screen it scans a few
random items and charges; on the Charge screen it waits for the customer (or cancels
when told the customer walked away, or goes back when the invoice expired); on Done it
starts the next sale. After a restart it carries on from whatever screen the app resumed.

Stdout: the app's headless events as JSON lines (pos.ui.events), plus
    {"event": "ready", "screen": "sale"|"charge"|"done", ...}   up again; on charge or done
        also the invoice's fields (as in invoice_created), so a customer who never saw the
        invoice_created of a killed terminal can pay the QR now on screen
    {"event": "status", "open": {INVOICE: STATE}, "pending_prints": N}   the store's open invoices
Stdin, one command a line:
    walk-away INVOICE         that customer leaves without paying: cancel it once it is on screen
    close                     closing time: finish the sale under way, start no other
    printer ok|fail|silent    the printer: fine / paper end (writes fail) / takes the bytes but
                              never answers a status query (receipts end "sent, not confirmed")
    status                    answer with a status event
    quit                      leave the app (closing time)
A printer's state is the printer's, not the terminal's: the parent passes it again with
--printer when it restarts the terminal.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import threading
from typing import TYPE_CHECKING

from drivers.mock import MockPrinter
from pos.bench.rig import Cashier, EventWaiter
from pos.config import load_config
from pos.core.invoice import CANCELLED, EXPIRED, INVALID, NEW
from pos.core.ports import PrinterStatus
from pos.ui.events import invoice_created

if TYPE_CHECKING:
    from pos.services import Services

#: Demo catalog barcodes the cashier picks from (pos/data/demo_catalog.csv).
BARCODES = ("4870001000011", "4870001000028", "4870001000035")
PRINTER_STATES = {
    "ok": PrinterStatus(True, (), "mock printer"),
    "fail": PrinterStatus(False, ("paper_end",), "paper end (soak run)"),
    "silent": PrinterStatus(None, (), "no answer to the status query (soak run)"),
}
SIZE = (80, 24)
_IDLE_SECONDS = 0.1


class Terminal:
    """The app, its cashier, and the commands the soak's parent sends."""

    def __init__(self, services: Services, seed: int) -> None:
        from pos.ui.app import PosApp

        self.services = services
        self.rng = random.Random(seed)
        self.waiter = EventWaiter()
        self.app = PosApp(services, events=self.emit)
        self.walk_aways: set[str] = set()
        self.closing = False
        self.commands: asyncio.Queue[str] = asyncio.Queue()

    def emit(self, name: str, fields: dict) -> None:
        sys.stdout.write(json.dumps({"event": name, **fields}, ensure_ascii=False) + "\n")
        sys.stdout.flush()
        self.waiter(name, fields)

    def set_printer(self, state: str) -> None:
        printer = self.services.printer
        if not isinstance(printer, MockPrinter):
            raise RuntimeError(f"the soak sets the printer's state, which needs [printer] driver = \"mock\", "
                               f"not {type(printer).__name__}")
        printer.set_status(PRINTER_STATES[state])

    async def run(self) -> None:
        """Until `quit`, or until the cashier fails (the traceback then ends the process: a crash to report)."""
        async with self.app.run_test(headless=True, size=SIZE):
            serving = asyncio.create_task(self.serve(Cashier(self.app, self.waiter, chain=None)))
            obeying = asyncio.create_task(self.obey_all())
            done, pending = await asyncio.wait({serving, obeying}, return_when=asyncio.FIRST_COMPLETED)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
            for task in done:
                task.result()

    async def obey_all(self) -> None:
        while (command := await self.commands.get()) != "quit":
            self.obey(command)

    def obey(self, command: str) -> None:
        verb, _, argument = command.partition(" ")
        if verb == "walk-away":
            self.walk_aways.add(argument)
        elif verb == "close":
            self.closing = True
        elif verb == "printer" and argument in PRINTER_STATES:
            self.set_printer(argument)
        elif verb == "status":
            store = self.services.store
            self.emit("status", {"open": {i.id: i.state for i in store.open_invoices()},
                                 "pending_prints": len(store.pending_prints())})
        else:
            raise ValueError(f"soak terminal: unknown command {command!r}")

    async def serve(self, cashier: Cashier) -> None:
        from pos.ui.screens.charge import ChargeScreen
        from pos.ui.screens.done import DoneScreen
        from pos.ui.screens.sale import SaleScreen

        app = self.app
        await cashier.until(lambda: app.background_started and isinstance(app.screen, (SaleScreen, ChargeScreen,
                                                                                       DoneScreen)), "start-up")
        screen = app.screen
        resumed = invoice_created(screen.invoice) if isinstance(screen, (ChargeScreen, DoneScreen)) else {}
        name = {SaleScreen: "sale", ChargeScreen: "charge", DoneScreen: "done"}[type(screen)]
        self.emit("ready", {"screen": name, **resumed})
        while True:
            screen = app.screen
            if isinstance(screen, SaleScreen) and not self.closing:
                await cashier.scan(*self.rng.sample(BARCODES, self.rng.randint(1, len(BARCODES))))
                await cashier.charge()
            elif isinstance(screen, ChargeScreen) and screen.invoice.state in (EXPIRED, INVALID, CANCELLED):
                cashier.press("enter")  # back to the sale
                await cashier.until(lambda: app.screen is not screen, "the Sale screen")
            elif (isinstance(screen, ChargeScreen) and screen.invoice.id in self.walk_aways
                  and screen.invoice.state == NEW and not screen.invoice.payments):
                await cashier.cancel({"invoice": screen.invoice.id})
            elif isinstance(screen, DoneScreen):
                cashier.press("enter")  # the next customer
                await cashier.until(lambda: app.screen is not screen, "the next sale")
            else:  # the customer is paying, or a dialog is up
                await asyncio.sleep(_IDLE_SECONDS)


def _read_commands(loop: asyncio.AbstractEventLoop, queue: asyncio.Queue[str]) -> None:
    for line in sys.stdin:
        if line.strip():
            loop.call_soon_threadsafe(queue.put_nowait, line.strip())
    loop.call_soon_threadsafe(queue.put_nowait, "quit")  # the parent went away


async def _main(services: Services, seed: int, printer: str) -> None:
    terminal = Terminal(services, seed)
    terminal.set_printer(printer)
    threading.Thread(target=_read_commands, args=(asyncio.get_running_loop(), terminal.commands),
                     daemon=True).start()
    await terminal.run()


def main(argv: list[str] | None = None) -> int:
    from pos.logs import setup_logging
    from pos.services import build_services
    from pos.store import open_store

    parser = argparse.ArgumentParser(prog="python -m pos.bench.soak_terminal", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", required=True)
    parser.add_argument("--seed", type=int, required=True)
    parser.add_argument("--printer", choices=sorted(PRINTER_STATES), default="ok")
    args = parser.parse_args(argv)
    config = load_config(args.config)
    store = open_store(config.store.directory)  # the lock first, as pos.cli does
    setup_logging(config.store.directory)
    services = build_services(config, store=store)
    try:
        asyncio.run(_main(services, args.seed, args.printer))
    finally:
        services.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
