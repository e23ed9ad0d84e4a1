"""Manager (behind the PIN): exchange rate, printer test, backend status, settings, language, and the
shift with its X and Z reports (pos.ui.screens.shift)."""

from __future__ import annotations

from typing import Callable

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Button, Input, Label, Static

from pos.core.fiscal import FiscalQueueState
from pos.core.text import printable
from pos.i18n import LANGUAGE_NAMES, LANGUAGES
from pos.ui.dialogs.prompt import InputRejected
from pos.ui.format import local_time
from pos.ui.screens.shift import ShiftScreen
from pos.ui.input_rules import read_rate
from pos.ui.printer_text import problems_text
from pos.ui.widgets.footer import PosFooter
from pos.ui.widgets.message_line import MessageLine
from pos.ui.widgets.status_bar import StatusBar
from pos.ui.base import PosNode


class ManagerScreen(PosNode, Screen[None]):
    CSS_PATH = "manager.tcss"

    BINDINGS = [
        Binding("f2", "focus_rate", "key.enter_rate"),
        Binding("f3", "refresh_rate", "key.refresh_rate"),
        Binding("f4", "test_print", "key.test_print"),
        Binding("f5", "next_language", "key.language"),
        Binding("f6", "shift", "key.shift"),
        Binding("f10", "exit_app", "key.exit_app"),
        Binding("escape", "back", "key.back"),
    ]

    def compose(self) -> ComposeResult:
        tr = self.pos.tr
        yield StatusBar()
        with Vertical(id="manager-body"):
            yield Label(tr("manager.title"), id="manager-title")
            # Literal (markup=False) and sanitised in show_status: these carry backend, printer,
            # rate and config text, and a "[/]" in it used to end the app
            yield Static(id="rate-info", markup=False)
            # Whatever [pricing] rate_source is: when the source fails, the manager's rate charges
            with Horizontal(id="rate-row"):
                yield Label(tr("manager.rate_label"), id="rate-label")
                yield Input(placeholder=tr("manager.rate_placeholder"), compact=True, id="rate-input")
            yield Static(id="backend-info", markup=False)
            yield Static(id="printer-info", markup=False)
            yield Static(id="settings-info", markup=False)
            if self.pos.services.fiscal is not None:  # the register's own words: literal
                yield Static(id="fiscal-info", markup=False)
            with Horizontal(id="languages"):
                for language in LANGUAGES:
                    yield Button(LANGUAGE_NAMES[language], id=f"lang-{language}", compact=True,
                                 classes="-current" if language == self.pos.language else "")
        yield MessageLine()
        yield PosFooter()

    def on_mount(self) -> None:
        self.watch(self.app, "status", lambda _: self.show_status(), init=False)
        self.show_status()

    async def language_changed(self) -> None:
        await self.recompose()
        self.show_status()

    def say(self, text: str, *, error: bool = False) -> None:
        self.query_one(MessageLine).show(text, error=error)

    def show_status(self) -> None:
        app = self.pos
        tr = app.tr
        services = app.services
        config = services.config
        rate = services.checkout.rate
        if rate is None:
            rate_text = tr("manager.rate_none", source=config.pricing.rate_source)
        else:
            rate_text = tr("manager.rate", rate=app.kzt(rate.tiyn_per_btc), source=rate.source,
                           at=local_time(rate.at, with_date=True))
        self.query_one("#rate-info", Static).update(printable(rate_text))
        status = app.status
        backend = status.backend
        if backend is None:
            backend_text = tr("manager.backend", state=tr("status.backend_unknown"), height="-", last="-", detail="")
        else:
            # online: how many invoices it watches, in words; otherwise the backend's own (literal) account
            detail = tr("manager.watching", count=backend.watched) if backend.state == "online" else backend.detail
            backend_text = tr("manager.backend", state=tr("status.backend_" + backend.state),
                              height=backend.height or "-",
                              last=local_time(backend.last_good_poll) if backend.last_good_poll else "-",
                              detail=detail)
        self.query_one("#backend-info", Static).update(printable(backend_text))
        printer = status.printer
        problems = problems_text(tr, printer.problems) if printer else ""
        # A working printer needs no words (a driver's own are English); the mock one prints no paper
        if config.printer.driver == "mock":
            problems = tr("manager.mock_printer")
        self.query_one("#printer-info", Static).update(printable(tr(
            "manager.printer", driver=config.printer.driver,
            state=tr("status.printer_" + (printer.state if printer else "unknown")),
            detail=problems or (printer.detail if printer and printer.ok is not True else ""))))
        if services.fiscal is not None:
            self.query_one("#fiscal-info", Static).update(fiscal_text(tr, status.fiscal or FiscalQueueState()))
        xpub = config.chain.xpub
        self.query_one("#settings-info", Static).update(tr(  # config values: checked at load
            "manager.settings", terminal=config.terminal.id, network=config.chain.network,
            backend=config.chain.backend, xpub=f"{xpub[:12]}…{xpub[-6:]}", expiry=config.payment.expiry_minutes,
            confirmations=config.payment.confirmations, paper=config.printer.paper_mm,
            kiosk=tr("yes") if app.kiosk else tr("no")))

    # ---- actions -----------------------------------------------------------
    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        tr = self.pos.tr
        try:
            read_rate(tr, event.value)
        except InputRejected as exc:
            self.say(str(exc), error=True)
            event.input.select_all()  # the next keys replace what was wrong
            return
        event.input.value = ""
        rate = self.pos.set_manual_rate(event.value)
        self.say(tr("manager.rate_set", rate=self.pos.kzt(rate.tiyn_per_btc)))

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id and event.button.id.startswith("lang-"):
            self.pos.set_language(event.button.id.removeprefix("lang-"))

    def action_focus_rate(self) -> None:
        self.query_one("#rate-input", Input).focus()

    def action_refresh_rate(self) -> None:
        self.pos.refresh_rate(announce=True)
        self.say(self.pos.tr("manager.rate_refreshing"))

    def action_test_print(self) -> None:
        self.pos.test_printer()
        self.say(self.pos.tr("manager.printer_testing"))

    def action_next_language(self) -> None:
        current = LANGUAGES.index(self.pos.language)
        self.pos.set_language(LANGUAGES[(current + 1) % len(LANGUAGES)])

    def action_shift(self) -> None:
        self.pos.push_screen(ShiftScreen())

    def action_exit_app(self) -> None:
        self.pos.exit()

    def action_back(self) -> None:
        self.pos.pop_screen()


def fiscal_text(tr: Callable[..., str], state: FiscalQueueState) -> str:
    """How many receipts wait, the last error, and each receipt the register refused with its reason
    ("fiscal receipt <id> refused: <reason>"): a person re-enters those in the provider's cabinet."""
    lines = [tr("manager.fiscal_queue", count=state.waiting)]
    if state.last_error:
        lines.append(tr("manager.fiscal_error", reason=state.last_error))
    lines += [tr("manager.fiscal_refused", id=receipt, reason=reason) for receipt, reason in state.refused]
    return "\n".join(printable(line) for line in lines)
