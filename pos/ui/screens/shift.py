"""Shift (from the Manager screen): open a shift with a person's PIN and the float, print X,
close it with Z; and the people who work the till (F5: add one, or give them a new PIN or role).

The figures and the rules are pos.sale.day's: this screen asks who (name and their own PIN) and
how much, shows the report's paper as it is printed, and hands it to the printer through the
App. A shift still open after a restart goes on with whoever signs in for X or Z.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Label, Static

from pos.core.cashier import CASHIER_ROLE, MANAGER_ROLE, MAX_NAME, PIN_LENGTH, Cashier, CashierError, \
    check_name, check_new_pin
from pos.core.report import Report
from pos.core.fiscal import FiscalZ
from pos.core.report_slip import build_report_slip
from pos.core.text import printable
from pos.ui.base import PosNode
from pos.ui.dialogs.confirm import ConfirmDialog
from pos.ui.dialogs.prompt import InputRejected, PromptDialog
from pos.ui.dialogs.sign_in import sign_in
from pos.ui.format import local_time
from pos.ui.input_rules import read_amount
from pos.ui.widgets.footer import PosFooter
from pos.ui.widgets.message_line import MessageLine
from pos.ui.widgets.status_bar import StatusBar


class ShiftScreen(PosNode, Screen[None]):
    CSS_PATH = "shift.tcss"

    BINDINGS = [
        Binding("f2", "open_shift", "key.open_shift"),
        Binding("f3", "x_report", "key.x_report"),
        Binding("f4", "z_report", "key.z_report"),
        Binding("f5", "add_person", "key.people"),
        Binding("escape", "back", "key.back"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self._paper = ""  # the last report's text, kept across a change of language

    def compose(self) -> ComposeResult:
        yield StatusBar()
        with Vertical(id="shift-body"):
            yield Label(self.pos.tr("shift.title"), id="shift-title")
            yield Static(id="shift-info", markup=False)  # names come from the store
            with VerticalScroll(id="report-box"):
                yield Static(self._paper, id="report", markup=False)
        yield MessageLine()
        yield PosFooter()

    def on_mount(self) -> None:
        self.show_shift()

    async def language_changed(self) -> None:
        await self.recompose()
        self.show_shift()

    def say(self, text: str, *, error: bool = False) -> None:
        self.query_one(MessageLine).show(text, error=error)

    def show_shift(self) -> None:
        app = self.pos
        shift = app.day.shift
        if shift is None:
            text = app.tr("shift.none")
        else:
            at_till = app.day.cashier.name if app.day.cashier else "-"
            text = app.tr("shift.open", number=shift.number, opened_by=shift.cashier, cashier=at_till,
                          float=app.kzt(shift.opening_float_tiyn), at=local_time(shift.opened_at, with_date=True))
        people = ", ".join(f"{c.name} ({app.tr(f'role.{c.role}')})" for c in app.day.people())
        text += "\n" + app.tr("people.list", people=people or "-")
        self.query_one("#shift-info", Static).update(printable(text))
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        is_open = self.pos.day.shift is not None
        if action == "open_shift":
            return None if is_open else True
        if action in ("x_report", "z_report"):
            return True if is_open else None
        return True

    # ---- actions -----------------------------------------------------------
    def action_open_shift(self) -> None:
        tr = self.pos.tr

        def signed_in(who: Cashier) -> None:
            def counted(float_tiyn: int | None) -> None:
                if float_tiyn is None:
                    return
                if self.pos.day_step(lambda: self.pos.day.open_shift(who, float_tiyn)) is not None:
                    self.show_shift()
                    self.say(tr("shift.opened", cashier=who.name, float=self.pos.kzt(float_tiyn)))

            self.pos.push_screen(PromptDialog(tr("shift.float"), lambda t: read_amount(tr, t)), counted)

        sign_in(self.pos, signed_in)

    def action_x_report(self) -> None:
        if self.pos.day.cashier is None:  # a shift left open by a restart: whoever signs in goes on with it
            sign_in(self.pos, self._x)
            return
        self._x(None)

    def _x(self, who: Cashier | None) -> None:
        day = self.pos.day

        def report() -> Report:
            if who is not None:
                day.continue_shift(who)
            return day.x_report()

        x = self.pos.day_step(report)
        if x is not None:
            self._show_report(x)

    def action_z_report(self) -> None:
        tr = self.pos.tr

        def counted(cash_tiyn: int | None) -> None:
            if cash_tiyn is not None:
                sign_in(self.pos, lambda who: self._z(who, cash_tiyn))

        self.pos.push_screen(PromptDialog(tr("shift.counted"), lambda t: read_amount(tr, t)), counted)

    def _z(self, manager: Cashier, counted_cash_tiyn: int) -> None:
        day = self.pos.day

        def close() -> Report:
            if day.cashier is None:
                day.continue_shift(manager)
            return day.z_report(manager, counted_cash_tiyn)

        z = self.pos.day_step(close)
        if z is None:
            return
        self.show_shift()
        fiscal = self.pos.services.fiscal
        if fiscal is None:
            self._show_report(z)
            return
        # The register's Z too ([fiscal] provider), after what is queued is sent: blocking, in a worker.
        # The terminal's Z is made already; the paper waits for the register's figures beside it.
        self.say(self.pos.tr("shift.fiscal_z"))
        self.pos.run_blocking("fiscal z", fiscal.close_shift, lambda theirs: self._show_report(z, theirs))

    def _show_report(self, report: Report, fiscal: FiscalZ | None = None) -> None:
        app = self.pos
        slip = build_report_slip(report, app.services.printing.settings, now=app.services.clock(), fiscal=fiscal)
        self._paper = slip.text()
        self.query_one("#report", Static).update(self._paper)
        self.say(app.tr("shift.report_printing", kind=report.kind))
        app.print_report(slip)

    def action_add_person(self) -> None:
        """Name, role, PIN twice; the same name again gives that person the new PIN and role. Behind
        the Manager screen's PIN, as `pos users add` is behind the terminal's files."""
        tr = self.pos.tr

        def read_name(text: str) -> str:
            try:
                return check_name(text.strip())
            except CashierError:
                raise InputRejected(tr("people.bad_name", most=MAX_NAME)) from None

        def read_pin(text: str) -> str:
            try:
                return check_new_pin(text)
            except CashierError:
                raise InputRejected(tr("people.bad_pin", least=PIN_LENGTH[0], most=PIN_LENGTH[1])) from None

        def named(name: str | None) -> None:
            if name is not None:
                self.pos.push_screen(ConfirmDialog(tr("people.manager_question", name=name)),
                                     lambda manager: ask_pin(name, MANAGER_ROLE if manager else CASHIER_ROLE))

        def ask_pin(name: str, role: str) -> None:
            def pinned(pin: str | None) -> None:
                if pin is None:
                    return

                def same(text: str) -> str:
                    if text != pin:
                        raise InputRejected(tr("people.pins_differ"))
                    return text

                self.pos.push_screen(PromptDialog(tr("people.pin_again", name=name), same, password=True),
                                     lambda again: add(name, role, again))

            self.pos.push_screen(PromptDialog(tr("people.pin", name=name), read_pin, password=True), pinned)

        def add(name: str, role: str, pin: str | None) -> None:
            if pin is not None and self.pos.day_step(lambda: self.pos.day.add_cashier(name, role, pin)) is not None:
                self.show_shift()
                self.say(tr("people.added", name=name, role=tr(f"role.{role}")))

        self.pos.push_screen(PromptDialog(tr("people.name"), read_name), named)

    def action_back(self) -> None:
        self.pos.pop_screen()
