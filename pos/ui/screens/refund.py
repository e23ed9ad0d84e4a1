"""Refund (F6 on the Sale screen, F3 in History): a sale found by its number, refunded whole or by lines.

The cashier types or scans the sale's number (or its Bitcoin invoice's) and sees its lines;
Enter (or F10) refunds the whole sale, or the lines marked with Space (or F3). The rules are
pos.sale.refunds': the screen asks what they need, the card part's approval code and the Bitcoin
part's customer address (checked for the network while the dialog is open), and a manager's name
and PIN when a refund above the cashier's limit is refused. Each refund's slip is printed; a
Bitcoin refund's request is then shown as a QR (RefundRequestScreen) for the merchant's wallet,
once its address is checked (show_request: the slip waits for that too).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import DataTable, Input, Label, Static

from pos.core.cashier import Cashier
from pos.core.invoice import Invoice
from pos.core.refund import Refund
from pos.core.report import as_sale
from pos.core.tender import BITCOIN, CARD, CASH, TenderedSale
from pos.core.text import printable
from pos.sale.day import DayError
from pos.sale.refunds import check_address
from pos.ui.base import PosNode
from pos.ui.dialogs.prompt import InputRejected, PromptDialog
from pos.ui.dialogs.sign_in import at_the_till, sign_in
from pos.ui.format import amount, local_time, quantity
from pos.ui.input_rules import read_code
from pos.ui.screens.refund_request import show_request
from pos.ui.widgets.footer import PosFooter
from pos.ui.widgets.message_line import MessageLine
from pos.ui.widgets.status_bar import StatusBar

if TYPE_CHECKING:
    from pos.ui.app import PosApp

MARK = "*"


def read_address(app: PosApp, text: str) -> str:
    """The customer's address as typed or scanned, checked for the network; the dialog says why not."""
    try:
        return check_address(text, app.services.config.chain.network)
    except DayError as exc:
        raise InputRejected(app.reason(exc)) from None


class RefundScreen(PosNode, Screen[None]):
    CSS_PATH = "refund.tcss"

    BINDINGS = [
        Binding("f3,space", "mark", "key.mark_line"),
        Binding("f10", "refund", "key.refund"),
        Binding("escape", "back", "key.back"),
    ]

    def __init__(self, number: str = "") -> None:
        super().__init__()
        self._number = number
        self.sale: TenderedSale | None = None  # the sale found (a Bitcoin-only sale: its invoice as a sale)
        self._found: TenderedSale | Invoice | None = None  # as Refunds takes it
        self.marked: set[int] = set()
        self._refunded: set[int] = set()

    def compose(self) -> ComposeResult:
        tr = self.pos.tr
        yield StatusBar()
        yield Label(tr("refund.title"), id="refund-title")
        with Horizontal(id="number-row"):
            yield Label(tr("refund.number_label"), id="number-label")
            yield Input(self._number, placeholder=tr("refund.number_placeholder"), compact=True, id="number")
        yield Static(id="sale-info", markup=False)  # names come from the catalog
        table: DataTable = DataTable(id="lines", cursor_type="row", zebra_stripes=False)
        table.add_column(" ", width=1, key="mark")
        table.add_column("#", width=3, key="n")
        table.add_column(tr("sale.col_name"), width=30, key="name")
        table.add_column(tr("sale.col_qty"), width=8, key="qty")
        table.add_column(f"{tr('sale.col_total')}, {self.pos.currency}", width=14, key="total")
        table.add_column(" ", width=10, key="state")
        yield table
        yield MessageLine()
        yield PosFooter()

    def on_mount(self) -> None:
        if self._number:
            self.look_up(self._number)
        else:
            self.query_one("#number", Input).focus()
            self.say(self.pos.tr("refund.hint_number"))

    async def language_changed(self) -> None:
        await self.recompose()
        self.show_sale()

    def say(self, text: str, *, error: bool = False) -> None:
        self.query_one(MessageLine).show(text, error=error)

    # ---- finding the sale ------------------------------------------------------------
    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if event.value.strip():
            self.look_up(event.value)

    def look_up(self, number: str) -> None:
        app = self.pos
        found = app.day_step(lambda: app.refunds.find(number))
        if found is None:
            return
        self._found = found
        self.sale = as_sale(found) if isinstance(found, Invoice) else found
        self.marked = set()
        self.query_one("#number", Input).value = self.sale.id
        self.show_sale()
        self.query_one("#lines", DataTable).focus()
        self.say(app.tr("refund.hint_lines"))

    def show_sale(self) -> None:
        table = self.query_one("#lines", DataTable)
        table.clear()
        sale = self.sale
        if sale is None:
            return
        app = self.pos
        tr = app.tr
        refunded = app.day_step(lambda: app.refunds.refunded_lines(sale))
        self._refunded = refunded if refunded is not None else set()
        tenders = ", ".join(f"{tr('refund.tender_' + t.kind)} {app.kzt(t.amount_tiyn)}" for t in sale.tenders)
        info = tr("refund.sale_info", sale=sale.id, at=local_time(sale.at, with_date=True),
                  total=app.kzt(sale.total_tiyn), tenders=tenders)
        self.query_one("#sale-info", Static).update(printable(info))
        for index, line in enumerate(sale.lines):
            state = tr("refund.line_refunded") if index in self._refunded else ""
            table.add_row(MARK if index in self.marked else "", str(index + 1),
                          Text(printable(line.name(app.language))), quantity(line.quantity_milli, line.unit),
                          Text(amount(line.total_tiyn), justify="right"), state, key=str(index))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("mark", "refund"):
            return True if self.sale is not None else None
        return True

    # ---- choosing -------------------------------------------------------------------
    def action_mark(self) -> None:
        table = self.query_one("#lines", DataTable)
        if self.sale is None or not table.row_count:
            return
        index = table.cursor_row
        if index in self._refunded:
            self.say(self.pos.tr("refund.line_refunded_already", line=index + 1), error=True)
            return
        self.marked ^= {index}
        table.update_cell(str(index), "mark", MARK if index in self.marked else "")
        if index + 1 < table.row_count:
            table.move_cursor(row=index + 1)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_refund()

    # ---- refunding ------------------------------------------------------------------
    def action_refund(self) -> None:
        """What the sale's tenders need (the card's code, the customer's address), then the refund."""
        if self.sale is None:
            return
        at_the_till(self.pos, self._ask_code)

    def _ask_code(self) -> None:
        assert self.sale is not None
        tr = self.pos.tr
        if not any(t.kind == CARD for t in self.sale.tenders):
            self._ask_address("")
            return

        def coded(code: str | None) -> None:
            if code is not None:
                self._ask_address(code)

        self.pos.push_screen(PromptDialog(tr("refund.card_code"), lambda text: read_code(tr, text)), coded)

    def _ask_address(self, code: str) -> None:
        assert self.sale is not None
        app = self.pos
        if not any(t.kind == BITCOIN for t in self.sale.tenders):
            self._refund(code, "", None)
            return

        def addressed(address: str | None) -> None:
            if address is not None:
                self._refund(code, address, None)

        app.push_screen(PromptDialog(app.tr("refund.address"), lambda text: read_address(app, text),
                                     hint=app.tr("refund.address_hint")), addressed)

    def _refund(self, code: str, address: str, approver: Cashier | None) -> None:
        """The refund itself; refused above the cashier's limit, a manager signs in and it is tried again."""
        app = self.pos
        found = self._found
        assert found is not None
        lines = sorted(self.marked) or None

        def manager_needed(exc: DayError) -> None:
            if exc.key == "day.manager_needed" and approver is None:
                sign_in(app, lambda who: self._refund(code, address, who))

        refunds = app.day_step(lambda: app.refunds.refund_sale(found, lines=lines, approver=approver,
                                                               approval_code=code, address=address),
                               refused=manager_needed)
        if refunds is None:
            return
        self.marked = set()
        self.show_sale()
        self.say(self._done_text(refunds))
        show_request(app, refunds, self.sale)

    def _done_text(self, refunds: list[Refund]) -> str:
        app = self.pos
        keys = {CASH: "refund.done_cash", CARD: "refund.done_card", BITCOIN: "refund.done_bitcoin"}
        return "  ".join(app.tr(keys[r.tender], refund=r.id, amount=app.kzt(r.amount_tiyn)) for r in refunds)

    def action_back(self) -> None:
        self.pos.pop_screen()
