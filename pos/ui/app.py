"""The cashier terminal: a Textual App over the Services the composition root built.

The sale flow itself (the cart, the invoice on screen, hand-over and settlement, the
invoices awaiting confirmation) is the till's (pos.sale.till): the App subscribes to its
events, shows them, and runs its blocking calls in thread workers (chain polls, the
quick look at the invoice on screen, the print queue, rate refreshes). It also owns the
guard in front of quitting in kiosk mode. Screens show state and call the App; the App
tells screens about changes with messages.
"""

from __future__ import annotations

import inspect
import logging
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable, TypeVar

from textual.app import App, SystemCommand
from textual.notifications import SeverityLevel
from textual.binding import Binding
from textual.reactive import reactive
from textual.screen import Screen
from textual._styles_cache import StylesCache

from pos.collector import resume_after_start_up
from pos.checkout import ChargeError, RateMissing
from pos.core.invoice import NEW, Invoice
from pos.core.known_keys import is_public_test_key
from pos.core.money import Rate
from pos.core.text import printable
from pos.core.ports import BackendStatus, PrinterStatus, PrintJob, StoreError
from pos.core.receipt import Receipt
from pos.core.refund import DONE, Refund
from pos.core.tender import TenderedSale
from pos.i18n import LANGUAGES, Translator
from pos.ui import events as ui_events
from pos.ui.demo_actions import DemoActions
from pos.ui.dialogs.confirm import ConfirmDialog
from pos.ui.dialogs.pin import PinDialog
from pos.ui.dialogs.sign_in import as_manager
from pos.ui.dialogs.prompt import PromptDialog
from pos.ui.console import use_console_glyphs
from pos.ui.format import TENGE, kzt
from pos.ui.input_rules import read_rate
from pos.ui.printer_text import printer_text, problems_text
from pos.ui.jobs import BlockingJobs
from pos.ui.messages import InvoicesUpdated, ReceiptsChanged, RefundsWatched
from pos.sale.pin_guard import PinGuard
from pos.ui.qr import make_qr
from pos.ui.screens.charge import ChargeScreen
from pos.ui.screens.done import DoneScreen
from pos.ui.screens.history import HistoryScreen
from pos.ui.screens.manager import ManagerScreen
from pos.ui.screens.refund import RefundScreen
from pos.ui.screens.refund_request import RequestSlips
from pos.ui.screens.sale import SaleScreen
from pos.ui.theme import POS_THEME
from pos.ui.widgets.message_line import MessageLine
from pos.ui.widgets.status_bar import StatusInfo
from pos.sale import till as sale
from pos.sale.day import REFUND_STATE, SALE_RECORDED, SPLIT_VOID, Day, DayError, DayEvent, Split
from pos.sale.refunds import Refunds, RefundWatch
from pos.sale.till import PollResult, TillEvent, fast_poll_seconds

if TYPE_CHECKING:
    from pos.printing import PrintResult
    from pos.services import Services

T = TypeVar("T")
log = logging.getLogger(__name__)

PRINT_RETRY_SECONDS = 5.0
BACKGROUND_START_LATEST_SECONDS = 2.0  # the start-up's background work, if the first frame's call was lost
STORE_RETRY_SECONDS = 5.0  # while the store cannot be used: how often it is tried again
SYNC_SECONDS = 1.0  # the fleet hub's state on the status bar, and a new price list between sales
FISCAL_STATUS_SECONDS = 1.0  # the fiscal queue's state on the status bar (the sender's rounds are 5 s apart)


def receipt_fields(job: PrintJob) -> dict[str, str]:
    """The headless receipt events' data: the invoice, the sale (cash, card or split), or the refund
    (its fiscal return receipt) printed."""
    if job.refund is not None:
        return {"refund": job.document}
    return {"sale": job.document} if job.sale is not None else {"invoice": job.invoice_id}


def forget_render_caches() -> None:
    """Let the widgets of closed screens go.

    Textual's `StylesCache.get_inner_outer` is an lru_cache(1024) on an instance method, so
    it keeps the last 1024 widgets' render caches alive (Charge and Done screens with their
    QR lines: about 30 MB after a few hundred sales). Emptied after every sale, it keeps
    only what is on screen; it refills with a handful of entries.
    """
    cached = getattr(StylesCache.get_inner_outer, "cache_clear", None)
    if cached is not None:  # a Textual that fixed it may no longer cache there
        cached()


class PosApp(App[None]):
    CSS_PATH = Path(__file__).with_name("app.tcss")  # absolute: subclasses live elsewhere
    TITLE = "CryptoCity POS"

    BINDINGS = [
        # Textual quits on Ctrl+Q and turns Ctrl+C into a hint; here both go through the guard.
        Binding("ctrl+q", "quit", "key.quit", show=False, priority=True),
        Binding("ctrl+c", "quit", show=False, priority=True, system=True),
        Binding("ctrl+z", "suspend", show=False, priority=True),
        Binding("ctrl+p", "command_palette", show=False, priority=True),
        Binding("f12", "manager", "key.manager"),
        # demo mode only; no room in the Charge screen's footer, which shows a hint line instead
        Binding("f6", "demo_pay", "key.demo_pay", show=False),
        Binding("f7", "demo_mine", "key.demo_mine", show=False),
    ]

    language: reactive[str] = reactive("ru")
    status: reactive[StatusInfo] = reactive(StatusInfo)

    def __init__(self, services: Services, kiosk: bool = False, events: ui_events.EventSink | None = None,
                 demo: DemoActions | None = None) -> None:
        super().__init__()
        # Here rather than in on_mount: set once the app is running, the theme re-parses every style sheet.
        self.register_theme(POS_THEME)
        self.theme = POS_THEME.name
        use_console_glyphs()
        self.services = services
        config = services.config
        self.kiosk = kiosk or config.terminal.kiosk
        self.demo = demo
        self._sink = events or ui_events.ignore
        self.till = services.till
        saved = self.till.saved_language()
        language = saved if saved in LANGUAGES else config.ui.language
        self.set_reactive(PosApp.language, language)
        self._use_language(language)
        self.currency = TENGE
        self.till.subscribe(self._till_event)
        self.day = Day(store=services.store, checkout=services.checkout, config=config, clock=services.clock,
                       tr=lambda *a, **k: self.tr(*a, **k))
        self.day.subscribe(self._day_event)
        self.day.follow(self.till)  # split sales recorded as the till hands their invoices over
        self.refunds = Refunds(day=self.day, store=services.store, config=config, clock=services.clock,
                               rate=services.checkout.usable_rate, chain=services.refund_chain)
        self.request_slips = RequestSlips(self)  # refund slips waiting for their request's address check
        self.set_reactive(PosApp.status, StatusInfo(network=config.chain.network, terminal=config.terminal.id,
                                                    cashier=config.terminal.cashier,
                                                    mock_printer=config.printer.driver == "mock"))
        self.jobs = BlockingJobs(self)
        self.background_started = False  # the start-up jobs wait for the first frame
        self.pin_guard = PinGuard(services.store, config.ui, services.clock, lambda *a, **k: self.tr(*a, **k))

    # ---- start-up ------------------------------------------------------------
    def on_mount(self) -> None:
        self.push_screen(SaleScreen())
        self._resume()
        config = self.services.config
        self.set_interval(config.chain.poll_seconds, self.poll_chain)
        self.set_interval(config.chain.poll_seconds, self.poll_refunds)
        self.set_interval(fast_poll_seconds(config.chain), self.poll_on_screen)
        self.set_interval(PRINT_RETRY_SECONDS, self.process_prints)
        self.set_interval(STORE_RETRY_SECONDS, self.retry_store)
        self.set_interval(max(60, config.pricing.rate_max_age_minutes * 30), self.refresh_rate)
        if self.services.sync is not None:
            self.set_interval(SYNC_SECONDS, self.follow_sync)
        # After the first frame: the first poll and the key warm-up import bitcoinlib (~0.5 s),
        # which must not compete with the cashier's first screen. A screen closed before its first
        # refresh drops what was to run after it (a key pressed at once on a resumed Done screen):
        # the timer starts the work then, else the fiscal queue and the printing never would.
        self.call_after_refresh(self._start_background_work)
        self.set_timer(BACKGROUND_START_LATEST_SECONDS, self._start_background_work)
        for warning in self.services.warnings:
            self.notify(warning, severity="warning", timeout=10)

    def _start_background_work(self) -> None:
        if self.background_started:
            return
        self.background_started = True
        resume_after_start_up()  # pos.cli paused the garbage collector for start-up
        self.jobs.run("warm-up", self._warm_up, self._warmed_up, lambda exc: self.say(str(exc), error=True))
        self.poll_chain()
        self.poll_refunds()
        self.stored(self._queue_missed_slips)
        self.process_prints()
        self.refresh_rate()
        if self.services.fiscal is not None:  # fiscal receipts go out in their own thread, in order
            self.services.fiscal.start()
            self.set_interval(FISCAL_STATUS_SECONDS, self.follow_fiscal)

    def _warm_up(self) -> str:
        """Derive an address and draw its QR once, off the UI thread: bitcoinlib and qrcode are
        imported here, so the cashier's first Charge of the day is as quick as the others."""
        first = self.services.checkout.warm_up()
        make_qr(first)
        return first

    def _warmed_up(self, first_address: str) -> None:
        """A key everybody holds gives the takings away: said on every screen, all day."""
        if is_public_test_key(first_address):
            log.warning("[chain] xpub is the public test key (%s): anyone can spend what it receives", first_address)
            self.status = replace(self.status, test_key=True)

    def _resume(self) -> None:
        """Back to the charge (or its receipt) that was on screen when the power went."""
        invoice = self.till.resume()
        if invoice is not None:
            self.push_screen(DoneScreen(invoice) if invoice.handed_over else ChargeScreen(invoice))

    @property
    def cart(self):  # noqa: ANN201 - the till's Cart; screens edit it, then save_cart()
        return self.till.cart

    @property
    def cart_dropped(self) -> list[str]:
        return self.till.cart_dropped

    # ---- small services for screens -------------------------------------------
    def kzt(self, tiyn: int) -> str:
        return kzt(tiyn, self.currency)

    def emit(self, name: str, fields: dict) -> None:
        self._sink(name, fields)

    def notify(self, message: str, *, title: str = "", severity: SeverityLevel = "information",
               timeout: float | None = None, markup: bool = True) -> None:
        """Every toast may carry outside text (catalog rows, backend errors, alerts): shown literally,
        its control characters as spaces, whoever calls it."""
        super().notify(printable(message), title=printable(title), severity=severity, timeout=timeout,
                       markup=False)

    def say(self, text: str, *, error: bool = False) -> None:
        """On the current screen's message line, or as a notification over a dialog."""
        lines = self.screen.query(MessageLine)
        if lines:
            lines.first().show(text, error=error)
        else:
            self.notify(text, severity="error" if error else "information")

    def reason(self, exc: Exception) -> str:
        """Why something was refused, in the cashier's language when the refusal says how (ChargeError)."""
        if isinstance(exc, ChargeError) and exc.key:
            return self.tr(exc.key, **exc.fields)
        return str(exc)

    def save_cart(self) -> None:
        self.stored(self.till.save_cart)  # refused: the cart stays in memory, saved by retry_store

    def day_step(self, step: Callable[[], T], refused: Callable[[DayError], object] | None = None) -> T | None:
        """A step of the day (pos.sale.day): its result, or None with the refusal said on the
        message line (then handed to `refused`, e.g. to ask for a manager); a store failure stops
        sales, as everywhere."""
        try:
            return step()
        except DayError as exc:
            self.say(self.reason(exc), error=True)
            if refused is not None:
                refused(exc)
        except StoreError as exc:
            self.store_failed(exc)
        return None

    # ---- the store failing while the terminal runs ---------------------------------
    def stored(self, step: Callable[[], object]) -> bool:
        """Run a step that uses the store: False, with sales stopped and said, when the store fails."""
        try:
            step()
        except StoreError as exc:
            self.store_failed(exc)
            return False
        return True

    def store_failed(self, exc: StoreError) -> None:
        """The disk is full, the store read-only or a file in it damaged: the app stays up, what is in
        memory stays (the store never keeps half a write), Charge is refused until retry_store works."""
        reason = str(exc)
        if self.status.store != reason:
            log.error("sales stopped: %s", reason)
            self.status = replace(self.status, store=reason)
        self.say(self.tr("error.store", reason=reason), error=True)

    def retry_store(self) -> None:
        """While sales are stopped: the sale kept in memory is written again; once it is, they resume."""
        if not self.status.store:
            return
        try:
            self.till.save_cart()
        except StoreError as exc:
            self.status = replace(self.status, store=str(exc))
            return
        log.warning("the store works again: sales resume")
        self.status = replace(self.status, store="")
        self.say(self.tr("store.back"))

    def run_blocking(self, name: str, job: Callable[[], T], done: Callable[[T], object],
                     failed: Callable[[Exception], object] | None = None) -> bool:
        """A blocking call in a thread worker (see pos.ui.jobs); failures become a message by default."""
        return self.jobs.run(name, job, done, failed or self._background_failed)

    def _background_failed(self, exc: Exception) -> None:
        if isinstance(exc, StoreError):
            self.store_failed(exc)
            return
        self.say(self.tr("error.background", detail=str(exc)), error=True)

    # ---- the manager PIN and kiosk mode ----------------------------------------
    def with_pin(self, then: Callable[[], object], *, always: bool = False) -> None:
        """Run `then` after the manager PIN (in kiosk mode, or `always`)."""
        if not (self.kiosk or always):
            then()
            return
        if isinstance(self.screen, PinDialog):
            return
        def answered(ok: bool | None) -> None:
            if ok:
                then()

        self.push_screen(PinDialog(), answered)

    async def action_quit(self) -> None:
        self.with_pin(self.exit)

    def action_suspend(self) -> None:
        self.with_pin(self.action_suspend_process)

    def action_command_palette(self) -> None:
        self.with_pin(super().action_command_palette)

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        if not self.kiosk:
            yield from super().get_system_commands(screen)
            return
        # The palette itself was opened with the PIN; it offers quitting, and nothing
        # that changes how the terminal looks to the customer.
        yield SystemCommand(self.tr("palette.quit"), self.tr("palette.quit_help"), self.exit)

    def action_manager(self) -> None:
        if not isinstance(self.screen, PinDialog):
            self.with_pin(lambda: self.push_screen(ManagerScreen()), always=True)

    def open_history(self) -> None:
        self.push_screen(HistoryScreen())

    def open_refund(self, number: str = "") -> None:
        """The Refund screen, empty or with a sale (or invoice) number looked up at once."""
        self.push_screen(RefundScreen(number))

    # ---- charging ----------------------------------------------------------------
    def start_charge(self, split: Split | None = None) -> bool:
        """Charge a copy of the cart in a worker (address derivation and a rate fetch may block);
        with a split (pos.sale.day.Day.split), only its Bitcoin part: the same Charge screen follows.

        Never queued twice: a second F10 while the first charge runs must not make a second invoice.
        """
        if self.charging:
            return False
        if self.status.store:  # an invoice that cannot be kept is never shown to a customer
            self.say(self.tr("error.store", reason=self.status.store), error=True)
            return False
        cart = self.till.cart_copy()
        day = self.day
        cashier = day.cashier.name if day.cashier else ""  # the shift's; without a shift, the till's own
        job = (lambda: self.till.charge(cart, cashier=cashier)) if split is None else \
            (lambda: day.charge_split(cart, split))
        return self.run_blocking("charge", job, self._charged, self._charge_failed)

    @property
    def charging(self) -> bool:
        return self.jobs.running("charge")

    async def _charged(self, invoice: Invoice) -> None:
        if not self.stored(lambda: self.till.show(invoice)):
            return  # never paid, it expires; the cart is charged again once the store works
        await self.push_screen(ChargeScreen(invoice))  # on screen before anyone hears of it
        self.stored(lambda: self.till.charged(invoice))
        cash = self.day.split_cash(invoice)
        if cash is not None:
            self.say(self.tr("tender.split_charged", cash=self.kzt(cash.amount_tiyn), change=self.kzt(cash.change_tiyn),
                             rest=self.kzt(invoice.total_tiyn)))
        self.poll_chain()
        gap = self.services.checkout.gap_warning(invoice)
        if gap:
            log.warning("%s: %s", invoice.id, gap)
            self.say(gap, error=True)  # on the Charge screen's message line: a toast would cover the QR

    def _charge_failed(self, exc: Exception) -> None:
        if isinstance(exc, StoreError):
            self.store_failed(exc)
            return
        if isinstance(exc, RateMissing):
            self._offer_manual_rate(exc)
            return
        self.say(self.tr("error.charge", reason=self.reason(exc)), error=True)

    def _offer_manual_rate(self, missing: RateMissing) -> None:
        """No rate: say why, and let the manager type one now (PIN), then charge with it."""
        limit = self.services.config.pricing.rate_max_age_minutes
        if missing.stale_minutes is None:
            question = self.tr("rate.missing", limit=limit)
        else:
            question = self.tr("rate.stale", minutes=missing.stale_minutes, limit=limit)
        log.warning("no exchange rate: %s", missing.reason)
        self.say(self.tr("rate.missing_short"), error=True)

        def answered(yes: bool | None) -> None:
            if yes:
                self.with_pin(self._ask_manual_rate, always=True)

        self.push_screen(ConfirmDialog(question, missing.reason), answered)

    def _ask_manual_rate(self) -> None:
        def parse(text: str) -> str:
            read_rate(self.tr, text)  # InputRejected, worded for the cashier
            return text

        def entered(text: str | None) -> None:
            if text is None:
                return
            rate = self.set_manual_rate(text)
            self.say(self.tr("manager.rate_set", rate=self.kzt(rate.tiyn_per_btc)))
            self.start_charge()

        self.push_screen(PromptDialog(self.tr("manager.rate_label"), parse,
                                      hint=self.tr("rate.manual_hint",
                                                   limit=self.services.config.pricing.rate_max_age_minutes)),
                         entered)

    def cancel_invoice(self, invoice: Invoice) -> None:
        try:
            self.till.cancel(invoice.id)
        except Exception as exc:  # noqa: BLE001 - a payment may have arrived meanwhile; the store may fail
            self.say(self.tr("error.cancel", reason=self.reason(exc)), error=True)
            return
        self._leave_charge()
        self.say(self.tr("sale.cancelled", id=invoice.id))

    def close_refund_owed(self, invoice: Invoice) -> None:
        """An underpaid invoice the customer will not top up (a manager decides): back to the sale, cart kept."""

        def close(who: str) -> None:
            try:
                self.till.close_refund_owed(invoice.id, who)
            except ChargeError as exc:
                self.say(self.tr("error.follow_up", reason=self.reason(exc)), error=True)
                return
            except StoreError as exc:
                self.store_failed(exc)
                return
            self._leave_charge()
            self.say(self.tr("charge.closed_refund_owed", id=invoice.id))

        as_manager(self, "closing an underpaid invoice", close)

    def hand_over_unverified(self, invoice: Invoice) -> None:
        """The chain cannot be read: a manager lets the customer go, on the record."""
        tr = self.tr
        question = tr("charge.unverified_question", id=invoice.id, total=self.kzt(invoice.total_tiyn))

        def hand_over(who: str) -> None:
            try:
                self.till.hand_over_unverified(invoice.id, who)
            except ChargeError as exc:
                self.say(self.tr("error.follow_up", reason=self.reason(exc)), error=True)
            except StoreError as exc:
                self.store_failed(exc)

        def answered(yes: bool | None) -> None:
            if yes:
                as_manager(self, "a hand-over the chain cannot confirm", hand_over)

        self.push_screen(ConfirmDialog(question), answered)

    def back_to_sale(self) -> None:
        """After an expired or failed invoice: the cart is still there, to charge again."""
        self.stored(self.till.leave)  # refused: resume() checks the invoice again after a restart
        self._leave_charge()

    def _leave_charge(self) -> None:
        while len(self.screen_stack) > 1 and not isinstance(self.screen, SaleScreen):
            self.pop_screen()
        forget_render_caches()

    async def sale_handed_over(self, invoice: Invoice) -> None:
        """The customer may go (the till emptied the cart): Done shows the invoice as it settles.

        `handed_over` is announced once Done is on screen, so a script (or a rig) that reacts
        to it finds the next sale one key away.
        """
        await self.switch_screen(DoneScreen(invoice))
        self.emit("handed_over", ui_events.handed_over(invoice))

    def new_sale(self) -> None:
        self.stored(self.till.new_sale)  # refused: the empty cart is saved by retry_store
        self._leave_charge()
        sale = self.screen
        if isinstance(sale, SaleScreen):
            sale.show_cart()
            sale.query_one(MessageLine).clear()

    def show_invoice_qr(self, invoice: Invoice) -> None:
        if self.stored(lambda: self.till.show(invoice)):
            self.push_screen(ChargeScreen(invoice))

    def follow_up(self, invoice: Invoice, action: str) -> None:
        """The manager's answer to an exception (see pos.ui.dialogs.invoice.follow_up)."""
        if action == "show_qr":
            self.show_invoice_qr(invoice)
            return
        answers = {"settle": self.till.settle_by_manager, "refunded": self.till.note_refunded,
                   "acknowledge": self.till.acknowledge}

        def apply(who: str) -> None:
            try:
                answers[action](invoice.id, who)
            except ChargeError as exc:
                self.say(self.tr("error.follow_up", reason=self.reason(exc)), error=True)
                return
            except StoreError as exc:
                self.store_failed(exc)
                return
            self.say(self.tr("invoice.followed_up", id=invoice.id))

        as_manager(self, "following up an invoice", apply)

    # ---- what the till announces ------------------------------------------------------
    def _till_event(self, event: TillEvent) -> None:
        invoice = event.invoice
        if event.name == sale.CREATED:
            self.emit("invoice_created", ui_events.invoice_created(invoice))
        elif event.name == sale.CHANGED:
            self.emit("payment_state", ui_events.payment_state(invoice))
            self._tell_screens([invoice])
        elif event.name == sale.HANDED_OVER:
            if not event.on_screen:  # else once Done is on screen (sale_handed_over)
                self.emit("handed_over", ui_events.handed_over(invoice))
            if self.services.config.printer.auto_print and self.day.split_cash(invoice) is None:
                self.print_receipt(invoice, copy=False)  # a split's invoice: its sale's slip lists it
            self._show_tallies()
        elif event.name in (sale.PAYMENT_LOST, sale.ACKNOWLEDGED):
            self.emit("alert", {"kind": event.name, "invoice": invoice.id})
            self._show_tallies()

    def _day_event(self, event: DayEvent) -> None:
        fields = ui_events.day_event(event)
        if fields is not None:
            self.emit(event.name, fields)
        if event.name == SPLIT_VOID:  # a toast: it outlives the Charge screen it may close
            self.notify(self.tr("tender.split_void", sale=event.data["sale"], cash=self.kzt(event.data["cash_tiyn"])),
                        severity="warning", timeout=30)
        if event.name == SALE_RECORDED and self.services.config.printer.auto_print:
            self.print_sale_slip(event.data["record"])
        if event.name == REFUND_STATE and event.data["state"] == DONE:  # its refund slip printed already
            self.print_return(event.data["record"])

    def _tell_screens(self, invoices: list[Invoice]) -> None:
        for screen in self.screen_stack:
            screen.post_message(InvoicesUpdated(invoices))

    # ---- the chain -----------------------------------------------------------------
    def poll_chain(self) -> None:
        self.run_blocking("poll", self.till.poll, self._polled, self._poll_failed)

    def poll_on_screen(self) -> None:
        """The quick look at the invoice the customer is paying (pos.sale.till.Till.poll_on_screen)."""
        if any(isinstance(screen, ChargeScreen) for screen in self.screen_stack):
            self.run_blocking("quick look", self.till.poll_on_screen, self._looked, lambda exc: None)

    def poll_refunds(self) -> None:
        """Bitcoin refunds requested and not yet seen paid (pos.sale.refunds.Refunds.watch): the chain is
        asked in a worker, only while there are some; what it found (an address checked, a refund
        paid) is shown by the screens, a checked request's slip printed with its QR, and then
        announced here, on the event loop (refund_state)."""
        self.run_blocking("refund poll", self.refunds.watch, self._refunds_watched)

    def _refunds_watched(self, seen: RefundWatch) -> None:
        if not (seen.checked or seen.done or seen.unchecked):
            return
        for screen in self.screen_stack:
            screen.post_message(RefundsWatched(seen))
        self.request_slips.checked(seen.checked)
        self.refunds.announce_watched(seen)

    def _polled(self, result: PollResult) -> None:
        self._set_backend(result.report.status)
        self._looked(result)

    def _looked(self, result: PollResult | None) -> None:
        if result is None:
            return
        if not self.stored(lambda: self.till.apply(result)):
            return  # the poll saved the invoices; only the till's own notes (cart, alert list) were refused
        for alert in result.report.alerts:
            self.notify(alert, severity="error" if "LOST" in alert else "warning", timeout=10)
        self._show_tallies()

    def follow_sync(self) -> None:
        """The fleet hub's state and backlog on the status bar; a new price list taken between sales."""
        sync = self.services.sync
        if sync is None:  # scheduled only with a hub
            return
        state = sync.status()
        if (self.status.sync, self.status.sync_backlog) != (state.state, state.backlog):
            self.status = replace(self.status, sync=state.state, sync_backlog=state.backlog)
        offer = sync.hand_over_catalog(self.till)
        if offer is not None:
            self.emit("catalog_taken", {"version": offer.version.label, "products": len(offer.catalog.products)})

    def follow_fiscal(self) -> None:
        """The fiscal queue after the sender's last round (waiting, refused, last error) on the status
        bar and the Manager screen: an attribute read, no I/O on the UI thread."""
        fiscal = self.services.fiscal
        if fiscal is not None and self.status.fiscal != fiscal.state:
            self.status = replace(self.status, fiscal=fiscal.state)

    def _show_tallies(self) -> None:
        """The status bar's count of invoices awaiting settlement and its alert line."""
        alerts = tuple(invoice.id for invoice in self.till.alerts)
        awaiting = len(self.till.awaiting)
        if (self.status.awaiting, self.status.alerts) != (awaiting, alerts):
            self.status = replace(self.status, awaiting=awaiting, alerts=alerts)

    def _poll_failed(self, exc: Exception) -> None:
        if isinstance(exc, StoreError):  # the chain was read; what it showed could not be saved
            self.store_failed(exc)
            return
        previous = self.status.backend
        self._set_backend(BackendStatus("offline", previous.height if previous else 0,
                                        previous.last_good_poll if previous else None, str(exc)))

    def _set_backend(self, status: BackendStatus) -> None:
        previous = self.status.backend
        if previous is None or (previous.state, previous.height) != (status.state, status.height):
            self.emit("backend_state", ui_events.backend_state(status))
        self.status = replace(self.status, backend=status)
        if previous is None or previous.state != status.state:  # "waiting" or "cannot see payments"
            for screen in self.screen_stack:
                if isinstance(screen, ChargeScreen):
                    screen.show_invoice()

    # ---- receipts --------------------------------------------------------------------
    def print_receipt(self, invoice: Invoice, copy: bool = True) -> None:
        """Queue the invoice's receipt (the queue survives a power cut) and let the print worker run;
        the invoice of a split prints its sale's slip, which lists each tender.

        The print service turns a "copy" of a receipt never printed into the original,
        and ignores a second original: asking twice never prints two originals.
        """
        def submit() -> object:
            sale = self.split_sale(invoice)
            if sale is not None:
                return self.services.printing.submit_sale(sale, copy=copy)
            return self.services.printing.submit(invoice, copy=copy)

        self._queue_print(submit)

    def _queue_missed_slips(self) -> None:
        """A stop between a sale's record and its slip's queueing leaves the sale without a slip (a
        refund done, without its fiscal return receipt): the open shift's sales (refunds) are offered
        to the queue again at start (those queued before are known to it by their receipt record:
        nothing prints twice)."""
        config, shift = self.services.config, self.day.shift
        if shift is None or not (config.printer.auto_print or config.fiscal.provider != "none"):
            return
        _, sales, refunds = self.day.records_of(shift)
        for sale in sales if config.printer.auto_print else ():
            self._queue_print(partial(self.services.printing.submit_sale, sale))
        for refund in refunds if config.fiscal.provider != "none" else ():
            self._queue_print(partial(self.services.printing.submit_return, refund))

    def print_sale_slip(self, sale: TenderedSale, copy: bool = False) -> None:
        """Queue the slip of a sale paid in cash, by card or split (copy: a reprint) and let the print
        worker run (pos.printing)."""
        self._queue_print(lambda: self.services.printing.submit_sale(sale, copy=copy))

    def print_return(self, refund: Refund) -> None:
        """Queue a refund's fiscal return receipt, if its return is queued for the register: it
        prints once registered (pos.printing), after the refund slip the refund screen printed."""
        self._queue_print(lambda: self.services.printing.submit_return(refund))

    def _queue_print(self, submit: Callable[[], object]) -> None:
        """The sale is never blocked by the printer: a receipt that cannot be queued is said."""
        try:
            submit()
        except Exception as exc:  # noqa: BLE001 - the sale is never blocked by the printer
            self.say(self.tr("error.print", reason=str(exc)), error=True)
            return
        if self.background_started:  # else the start-up's first round prints it
            self.process_prints()

    def split_sale(self, invoice: Invoice) -> TenderedSale | None:
        """The split sale recorded with `invoice` as its Bitcoin part (Refunds.find: a split's invoice
        finds its sale); None for an invoice sold alone or never sold."""
        try:
            found = self.refunds.find(invoice.id)
        except DayError:
            return None
        return found if isinstance(found, TenderedSale) else None

    def process_prints(self) -> None:
        def job() -> tuple[list[PrintResult], PrinterStatus]:
            printing = self.services.printing
            results = printing.process_queue() if printing.pending() else []
            return results, printing.status()

        self.run_blocking("print", job, self._printed)

    def _printed(self, outcome: tuple[list[PrintResult], PrinterStatus]) -> None:
        results, status = outcome
        for result in results:
            if result.printed:
                self.emit("receipt_printed", receipt_fields(result.job))
        previous = self.status.printer
        if previous is None or previous.state != status.state:
            self.emit("printer_state", ui_events.printer_state(status))
        self.status = replace(self.status, printer=status)
        unconfirmed = [result.job for result in results if result.outcome == "unconfirmed"]
        for job in unconfirmed:
            self.emit("receipt_unconfirmed", receipt_fields(job))
        failed = [result for result in results if result.outcome == "failed"]
        dropped = [result for result in results if result.outcome == "dropped"]
        if dropped:  # said on any screen: no screen shows a fiscal receipt's fate
            job, reason = dropped[-1].job, dropped[-1].error
            self.say(self.tr("error.fiscal_print_dropped", sale=job.document, reason=reason) if job.refund is None
                     else self.tr("error.fiscal_return_dropped", refund=job.document, reason=reason), error=True)
        elif not isinstance(self.screen, DoneScreen):  # Done shows its own receipt's fate
            if failed:
                self.say(self.tr("error.printer", reason=printer_text(self.tr, failed[-1].error)), error=True)
            elif unconfirmed:
                self.say(self.tr("error.print_unconfirmed", id=unconfirmed[-1].document), error=True)
        if results:  # printed or failed: the Done screen shows which
            for screen in self.screen_stack:
                screen.post_message(ReceiptsChanged())

    def print_report(self, report: Receipt, printed: str | None = "shift.report_printed") -> None:
        """An X or Z report's (or a refund slip's) paper to the printer, in a worker; then the
        `printed` message is said (None: nothing, what is on the message line stays), or the
        failure (ask again)."""
        printing = self.services.printing

        def failed(exc: Exception) -> None:
            self._printed(([], printing.last_status))
            self.say(self.tr("error.report_print", reason=str(exc)), error=True)

        def done(status: PrinterStatus) -> None:
            self._printed(([], status))
            if printed:
                self.say(self.tr(printed))

        self.run_blocking("print", lambda: printing.print_report(report), done, failed)

    def test_printer(self) -> None:
        self.run_blocking("print", self.services.printing.status, self._tested)

    def _tested(self, status: PrinterStatus) -> None:
        self._printed(([], status))
        detail = problems_text(self.tr, status.problems) or status.detail
        self.say(self.tr("manager.printer_result", state=self.tr("status.printer_" + status.state), detail=detail),
                 error=status.ok is not True)

    # ---- the rate ----------------------------------------------------------------------
    def refresh_rate(self, announce: bool = False) -> None:
        def done(rate: Rate) -> None:
            if announce:
                self.say(self.tr("manager.rate_refreshed", rate=self.kzt(rate.tiyn_per_btc), source=rate.source))
            if isinstance(self.screen, ManagerScreen):
                self.screen.show_status()

        def failed(exc: Exception) -> None:
            if announce:
                self.say(self.tr("error.rate_refresh", reason=str(exc)), error=True)

        self.run_blocking("rate", self.services.checkout.refresh_rate, done, failed)

    def set_manual_rate(self, kzt_per_btc: str) -> Rate:
        """Save the manager's rate and charge with it from now on (until it is too old)."""
        rate = self.till.enter_manual_rate(kzt_per_btc)
        if isinstance(self.screen, ManagerScreen):
            self.screen.show_status()
        return rate

    # ---- language ----------------------------------------------------------------------
    def set_language(self, language: str) -> None:
        if language not in LANGUAGES or language == self.language:
            return
        self._use_language(language)
        self.stored(lambda: self.till.remember_language(language))  # refused: this session only
        self.language = language
        self.call_later(self._relabel)

    async def _relabel(self) -> None:
        """Screens (or, in a screen that has no handler, its widgets) re-label themselves.

        Called, not watched: Textual keeps a `watch(app, "language")` callback on the App
        until the language changes again, which kept every Charge and Done screen alive.
        """
        for screen in list(self.screen_stack):
            said = [(line, line.text, line.has_class("-error")) for line in screen.query(MessageLine)]
            nodes = [screen] if hasattr(screen, "language_changed") else list(screen.query("*"))
            for node in nodes:
                relabel = getattr(node, "language_changed", None)
                if relabel is not None:
                    result = relabel()
                    if inspect.isawaitable(result):
                        await result
            # A recomposed screen has a new footer, which shows no keys until the bindings are
            # refreshed, and a new, empty message line: keep what the cashier was told.
            screen.refresh_bindings()
            lines = list(screen.query(MessageLine))
            for (old, text, error), new in zip(said, lines):
                if new is not old and text:
                    new.show(text, error=error)

    def _use_language(self, language: str) -> None:
        self.tr = Translator(language)
        printing = self.services.printing
        printing.settings = replace(printing.settings, language=language)  # receipts follow the setting

    # ---- demo mode ---------------------------------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "manager":
            return not isinstance(self.screen, ManagerScreen)  # hidden where it would do nothing
        if action in ("demo_pay", "demo_mine"):
            if self.demo is None:
                return False
            if action == "demo_pay":
                screen = self.screen
                return isinstance(screen, ChargeScreen) and screen.invoice.state == NEW or None
        return True

    def action_demo_pay(self) -> None:
        screen = self.screen
        if self.demo is None or not isinstance(screen, ChargeScreen):
            return
        invoice = screen.invoice
        pay = self.demo.pay
        self.run_blocking("demo", lambda: pay(invoice.address, invoice.remainder_sat),
                          lambda txid: self._demo_done(self.tr("demo.paid", txid=txid)))

    def action_demo_mine(self) -> None:
        if self.demo is not None:
            self.run_blocking("demo", self.demo.mine, lambda height: self._demo_done(self.tr("demo.mined",
                                                                                               height=height)))

    def _demo_done(self, text: str) -> None:
        self.say(text)
        self.poll_chain()
