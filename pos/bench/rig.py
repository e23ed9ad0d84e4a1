"""The benchmark rig: the real terminal, run headless by Textual, driven like a cashier would.

Everything is the production code built by pos.services.build_services from the shipped
config (the configured watch-only key, bitcoinlib derivation, BIP21, the half-block QR,
the store, the watcher, the print service) except the chain: ScriptedChain answers from
memory, so a sale can be paid and settled without a node. The rate is the manual one,
entered before the app starts.

The rig waits on what the app announces (its headless events), on Textual's signals
and on the app's state, never for a fixed time, so a figure measures the terminal and
not the rig.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, AsyncIterator, Callable, TypeVar

from textual.events import Key
from textual.screen import Screen

from pos.config import DEFAULT_PATH, Config, load_config
from pos.core.invoice import Payment
from pos.rates.manual import ManualRateSource
from pos.headless import next_refresh
from pos.services import build_services

if TYPE_CHECKING:  # the app is imported when a terminal starts
    from pos.core.ports import Store
    from pos.ui.app import PosApp

T = TypeVar("T")

#: KZT per BTC entered as the manual rate.
RATE_KZT = "45000000"
#: Two demo catalog items, scanned by barcode as a USB scanner types them.
BASKET = ("4870001000011", "4870001000028")
#: How long any one step may take before the rig gives up (a hung app, not a slow one).
STEP_TIMEOUT = 60.0
#: How often a wait on the app's state looks again.
POLL_SECONDS = 0.002
_CHARACTERS = {"enter": "\r"}


def in_own_process(module: str, *args: str, timeout: float) -> dict:
    """Run `python -m module args` and return the JSON object it prints last.

    The app benchmarks run in a process of their own: bitcoinlib reads its data directory
    once per process (an earlier benchmark's is gone by then), and neither the memory
    nor the timings should carry what earlier benchmarks left in this one.
    """
    done = subprocess.run([sys.executable, "-m", module, *args], capture_output=True, text=True, timeout=timeout)
    if done.returncode != 0:
        raise RuntimeError(f"{module} failed (exit status {done.returncode}): {done.stderr.strip()[-3000:]}")
    return json.loads(done.stdout.splitlines()[-1])


def bench_config(directory: Path, **printer: Any) -> Config:
    """The shipped config with the store in `directory` and a manual rate that stays usable all run."""
    base = load_config(DEFAULT_PATH)
    return replace(
        base, store=replace(base.store, path=str(directory / "store")),
        pricing=replace(base.pricing, rate_source="manual", rate_max_age_minutes=24 * 60),
        printer=replace(base.printer, **printer))


@dataclass
class ScriptedChain:
    """A ChainBackend answering from memory: a payment is confirmed in the tip block at once."""

    tip: int = 800
    _paid: dict[str, tuple[Payment, ...]] = field(default_factory=dict)
    _txids: int = 0

    def tip_height(self) -> int:
        return self.tip

    def payments_to(self, address: str) -> tuple[Payment, ...]:
        return self._paid.get(address, ())

    def pay(self, address: str, amount_sat: int) -> None:
        self._txids += 1
        self._paid[address] = (Payment(f"{self._txids:064x}", amount_sat, self.tip),)

    def forget(self, address: str) -> None:
        """A settled invoice is no longer watched; dropping it keeps the rig's memory flat."""
        self._paid.pop(address, None)


class EventWaiter:
    """The app's event sink: resolves futures armed for an event name and field values.

    Keeps nothing else, so a long run does not grow it.
    """

    def __init__(self) -> None:
        self._waiting: list[tuple[str, dict, asyncio.Future[dict]]] = []

    def __call__(self, name: str, fields: dict) -> None:
        for entry in list(self._waiting):
            wanted, match, future = entry
            if wanted == name and all(fields.get(k) == v for k, v in match.items()):
                self._waiting.remove(entry)
                if not future.done():
                    future.set_result(fields)

    def expect(self, name: str, **match: object) -> asyncio.Future[dict]:
        """Arm before the action that raises the event; the future resolves to the event's fields."""
        future: asyncio.Future[dict] = asyncio.get_running_loop().create_future()
        self._waiting.append((name, match, future))
        return future


@dataclass(frozen=True)
class Charged:
    """One charge: when the key went down, and when the invoice's QR was first on screen."""

    pressed: float
    painted: float
    invoice: dict  # the invoice_created event

    @property
    def latency(self) -> float:
        return self.painted - self.pressed


class PaintWatch:
    """When the Charge screen's first frame with the QR in it was drawn.

    Textual publishes App.screen_change_signal when a screen is pushed and
    Screen.screen_layout_refresh_signal right after a layout refresh has been rendered;
    the first such refresh of a Charge screen whose QR view has been laid out is the
    first frame the customer sees. The stamp is taken in a callback queued on the
    screen, so it is never earlier than the paint (when Textual batches updates, the
    paint is itself queued there).
    """

    def __init__(self, app: PosApp) -> None:
        self.app = app
        self._future: asyncio.Future[tuple[float, str]] | None = None
        app.screen_change_signal.subscribe(app, self._screen_changed, immediate=True)

    def expect(self) -> asyncio.Future[tuple[float, str]]:
        """Arm before pressing Charge; resolves to (perf_counter time, the data of the QR drawn)."""
        self._future = asyncio.get_running_loop().create_future()
        return self._future

    def _screen_changed(self, screen: Screen) -> None:
        from pos.ui.screens.charge import ChargeScreen

        if isinstance(screen, ChargeScreen) and self._future is not None:
            screen.screen_layout_refresh_signal.subscribe(self.app, self._laid_out, immediate=True)

    def _laid_out(self, screen: Screen) -> None:
        from pos.ui.widgets.qr_view import QrView

        found = screen.query(QrView)
        qr = found.first() if found else None
        if qr is None or not qr.size.area:
            return  # not laid out with its QR yet
        screen.screen_layout_refresh_signal.unsubscribe(self.app)
        future, self._future = self._future, None

        def stamp() -> None:
            if future is not None and not future.done():
                future.set_result((time.perf_counter(), qr.data))

        screen.call_later(stamp)


class Cashier:
    """Scans, charges, settles and cancels on a running PosApp.

    Keys are posted the way a keyboard or a USB scanner delivers them, in a burst, and
    the cashier then waits for what the keys should lead to (an event the app
    announces, a screen, the cart), not for a fixed time.
    """

    def __init__(self, app: PosApp, events: EventWaiter, chain: ScriptedChain | None,
                 receipt_event: str = "receipt_printed") -> None:
        self.app, self.events = app, events
        self.chain = chain  # None on a real chain (the soak's node), where settle() cannot pay
        self.receipt_event = receipt_event  # receipt_unconfirmed from a printer that gives no status
        self.paint = PaintWatch(app)

    def press(self, *keys: str) -> None:
        for key in keys:
            event = Key(key, _CHARACTERS.get(key, key if len(key) == 1 else None))
            event.set_sender(self.app)
            self.app.post_message(event)

    async def until(self, condition: Callable[[], bool], what: str) -> None:
        """Wait (polling every few ms) until `condition()` holds."""
        deadline = time.monotonic() + STEP_TIMEOUT
        while not condition():
            self._check_running(what)
            if time.monotonic() > deadline:
                raise TimeoutError(f"timed out after {STEP_TIMEOUT:g} s waiting for {what}")
            await asyncio.sleep(POLL_SECONDS)

    async def within(self, future: asyncio.Future[T], what: str) -> T:
        deadline = time.monotonic() + STEP_TIMEOUT
        while not future.done():
            self._check_running(what)
            if time.monotonic() > deadline:
                raise TimeoutError(f"timed out after {STEP_TIMEOUT:g} s waiting for {what}")
            await asyncio.wait({future}, timeout=0.1)
        return future.result()

    def _check_running(self, what: str) -> None:
        if not self.app.is_running:
            raise RuntimeError(f"the app stopped while the rig waited for {what}")

    async def on_screen(self, screen_type: type[Screen]) -> None:
        await self.until(lambda: isinstance(self.app.screen, screen_type), f"the {screen_type.__name__}")

    async def ready(self) -> None:
        """The Sale screen is up and the start-up jobs (key warm-up, first poll, print queue, rate) are done."""
        from pos.ui.screens.sale import SaleScreen

        await self.on_screen(SaleScreen)
        await self.until(lambda: self.app.background_started, "the start-up jobs to start")
        await self.app.workers.wait_for_complete()

    async def scan(self, *codes: str) -> None:
        """Scan each code (digits and Enter) and wait until it is in the cart."""
        for code in codes:
            before = self.app.cart.to_dict()
            self.press(*code, "enter")
            await self.until(lambda: self.app.cart.to_dict() != before, f"{code} to reach the cart")

    async def quiet(self) -> None:
        """Let what the last step started finish: background jobs, then a refresh of the screen."""
        await self.app.workers.wait_for_complete()
        await self.within(next_refresh(self.app), "the screen to refresh")

    async def charge(self) -> Charged:
        """Press Charge (on a quiet app); return once the Charge screen has been painted with its QR."""
        await self.quiet()
        created = self.events.expect("invoice_created")
        painted = self.paint.expect()
        pressed = time.perf_counter()
        self.press("f10")
        invoice = await self.within(created, "the invoice to be created")
        painted_at, data = await self.within(painted, "the QR to be painted")
        if data != invoice["uri"]:
            raise RuntimeError(f"the QR on screen holds {data!r}, not the invoice's {invoice['uri']!r}")
        return Charged(pressed, painted_at, invoice)

    async def settle(self, invoice: dict) -> None:
        """The customer pays in full, a block confirms it, the receipt prints; then the next sale."""
        from pos.ui.screens.done import DoneScreen
        from pos.ui.screens.sale import SaleScreen

        if self.chain is None:
            raise RuntimeError("settle() pays on the scripted chain; this cashier has none")
        settled = self.events.expect("payment_state", invoice=invoice["invoice"], state="settled")
        printed = self.events.expect(self.receipt_event, invoice=invoice["invoice"])
        self.chain.pay(invoice["address"], invoice["amount_sat"])
        self.app.poll_chain()
        await self.within(settled, f"{invoice['invoice']} to settle")
        self.chain.forget(invoice["address"])
        await self.within(printed, f"the receipt of {invoice['invoice']}")
        await self.on_screen(DoneScreen)
        self.press("enter")  # new sale
        await self.on_screen(SaleScreen)

    async def cancel(self, invoice: dict) -> None:
        """Cancel the invoice (confirming), then void the basket's lines on the Sale screen."""
        from pos.ui.dialogs.confirm import ConfirmDialog
        from pos.ui.screens.sale import SaleScreen

        cancelled = self.events.expect("payment_state", invoice=invoice["invoice"], state="cancelled")
        self.press("f8")
        await self.on_screen(ConfirmDialog)
        self.press("y")
        await self.within(cancelled, f"{invoice['invoice']} to be cancelled")
        await self.on_screen(SaleScreen)
        while self.app.cart.lines:
            count = len(self.app.cart.lines)
            self.press("f8")  # void the selected line, which is asked first
            await self.on_screen(ConfirmDialog)
            self.press("y")
            await self.until(lambda: len(self.app.cart.lines) < count, "a line to be voided")


@asynccontextmanager
async def running_terminal(config: Config, *, store: Store | None = None, size: tuple[int, int] = (80, 24),
                           receipt_event: str = "receipt_printed") -> AsyncIterator[Cashier]:
    """The terminal of `config`, started headless, its Sale screen up, with a cashier to drive it.

    `store`: None for the file store of `config` (as on a terminal), or a store to use instead.
    `receipt_event`: the event that ends a receipt's printing with this printer.
    """
    from pos.ui.app import PosApp

    chain = ScriptedChain()
    services = build_services(config, store=store, backend_factory=lambda: chain)
    try:
        ManualRateSource(services.store).enter(RATE_KZT, services.clock())
        events = EventWaiter()
        app = PosApp(services, events=events)
        async with app.run_test(headless=True, size=size):
            cashier = Cashier(app, events, chain, receipt_event)
            await cashier.ready()
            yield cashier
    finally:
        services.close()
