"""History: today's invoices (Asia/Almaty business day) with their state and marks.

F2 narrows the list: to one state, to the handed-over invoices still awaiting
settlement, or to the payments lost after hand-over (which a manager acknowledges here).
F3 refunds the selected sale (the Refund screen); F6 sends back money held without a sale
(refund owed, paid late, overpaid: pos.sale.refunds.Refunds.return_payment, a manager's PIN).
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable

from pos.core.cashier import Cashier
from pos.core.invoice import STATES, Invoice
from pos.core.ports import StoreError
from pos.ui.dialogs.invoice import InvoiceDialog
from pos.ui.dialogs.prompt import PromptDialog
from pos.ui.dialogs.sign_in import sign_in
from pos.core.localtime import business_day
from pos.ui.format import local_time, sats
from pos.ui.messages import InvoicesUpdated
from pos.ui.widgets.footer import PosFooter
from pos.ui.widgets.message_line import MessageLine
from pos.ui.widgets.status_bar import StatusBar
from pos.sale.refunds import holds_money, is_sale
from pos.ui.screens.refund import read_address
from pos.ui.screens.refund_request import RefundRequestScreen, print_refund_slip
from pos.ui.base import PosNode


class HistoryScreen(PosNode, Screen[None]):
    CSS_PATH = "history.tcss"

    #: F2 cycles through these: everything, the money not settled yet, the alerts, then each state.
    FILTERS: tuple[str, ...] = ("all", "awaiting", "alerts", *STATES)

    BINDINGS = [
        Binding("enter", "open", "key.open"),
        Binding("f2", "next_filter", "key.filter"),
        Binding("f3", "refund", "key.refund"),
        Binding("f6", "send_back", "key.send_back"),
        Binding("f5,p", "reprint", "key.reprint"),
        Binding("escape,f9", "back", "key.back"),
    ]

    def compose(self) -> ComposeResult:
        tr = self.pos.tr
        yield StatusBar()
        table: DataTable = DataTable(id="history", cursor_type="row")
        table.add_column(tr("history.col_time"), width=8, key="time")
        table.add_column(tr("history.col_invoice"), width=11, key="id")
        table.add_column(tr("history.col_state"), width=14, key="state")
        table.add_column(tr("history.col_marks"), width=14, key="marks")
        table.add_column(tr("history.col_total"), width=13, key="total")
        table.add_column(tr("history.col_sats"), width=9, key="sats")
        yield table
        yield MessageLine()
        yield PosFooter()

    def on_mount(self) -> None:
        self.load()

    async def language_changed(self) -> None:
        await self.recompose()
        self.load()

    def on_invoices_updated(self, _: InvoicesUpdated) -> None:
        self.load()

    state_filter = "all"

    def invoices(self) -> list[Invoice]:
        services = self.pos.services
        today = business_day(services.clock())
        try:
            found = list(reversed(services.store.invoices_for_day(today)))
        except StoreError as exc:  # a day file damaged meanwhile: set aside, said, sales stopped
            self.pos.store_failed(exc)
            found = []
        if self.state_filter == "awaiting":
            return [inv for inv in found if inv.awaiting_settlement]
        if self.state_filter == "alerts":  # an alert may be older than today: the till keeps them all
            alerts = {inv.id: inv for inv in self.pos.till.alerts}
            alerts.update((inv.id, inv) for inv in found if inv.alert_open)
            return list(alerts.values())
        return found if self.state_filter == "all" else [inv for inv in found if inv.state == self.state_filter]

    def filter_name(self) -> str:
        tr = self.pos.tr
        name = self.state_filter
        return tr("state." + name) if name in STATES else tr("history.filter_" + name)

    def action_next_filter(self) -> None:
        self.state_filter = self.FILTERS[(self.FILTERS.index(self.state_filter) + 1) % len(self.FILTERS)]
        self.load()

    def load(self) -> None:
        tr = self.pos.tr
        table = self.query_one("#history", DataTable)
        row = table.cursor_row
        table.clear()
        self._invoices = {inv.id: inv for inv in self.invoices()}
        for inv in self._invoices.values():
            marks = ", ".join(tr("mark." + m) for m in sorted(inv.marks))
            table.add_row(local_time(inv.created_at)[:5], inv.id, tr("state." + inv.state), marks,
                          self.pos.kzt(inv.total_tiyn), sats(inv.amount_sat), key=inv.id)
        line = self.query_one(MessageLine)
        if table.row_count:
            table.move_cursor(row=min(row, table.row_count - 1))
            line.show(tr("history.filter", filter=self.filter_name()))
        else:
            line.show(tr("history.empty") + ("" if self.state_filter == "all" else
                                             ": " + tr("history.filter", filter=self.filter_name())))
        table.focus()

    def selected(self) -> Invoice | None:
        table = self.query_one("#history", DataTable)
        if not table.row_count:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return self._invoices.get(str(key))

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_open()

    def action_open(self) -> None:
        invoice = self.selected()
        if invoice is not None:
            self.pos.push_screen(InvoiceDialog(invoice), lambda choice: self.chosen(invoice, choice))

    def chosen(self, invoice: Invoice, choice: str | None) -> None:
        if choice == "reprint":
            self.pos.print_receipt(invoice, copy=True)
            self.query_one(MessageLine).show(self.pos.tr("done.printing"))
        elif choice:
            self.pos.follow_up(invoice, choice)

    def action_reprint(self) -> None:
        invoice = self.selected()
        if invoice is not None:
            self.chosen(invoice, "reprint")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("refund", "send_back"):
            invoice = self.selected()
            if invoice is None:
                return None
            return True if (is_sale(invoice) if action == "refund" else holds_money(invoice)) else None
        return True

    def on_data_table_row_highlighted(self, _: DataTable.RowHighlighted) -> None:
        self.refresh_bindings()  # F3 and F6 follow the invoice selected

    def action_refund(self) -> None:
        invoice = self.selected()
        if invoice is not None and is_sale(invoice):
            self.pos.open_refund(invoice.id)

    def action_send_back(self) -> None:
        """The customer's address, then a manager's name and PIN: the request shown and printed."""
        invoice = self.selected()
        if invoice is None or not holds_money(invoice):
            return
        app = self.pos

        def send(manager: Cashier, address: str) -> None:
            def step():  # noqa: ANN202 - the refund
                if app.day.cashier is None and app.day.shift is not None:  # left open by a restart
                    app.day.continue_shift(manager)
                return app.refunds.return_payment(invoice, address, manager)

            refund = app.day_step(step)
            if refund is not None:
                print_refund_slip(app, [refund], None)
                app.push_screen(RefundRequestScreen(refund, None))

        def addressed(address: str | None) -> None:
            if address is not None:
                sign_in(app, lambda who: send(who, address))

        app.push_screen(PromptDialog(app.tr("refund.address"), lambda text: read_address(app, text),
                                     hint=app.tr("refund.address_hint")), addressed)

    def action_back(self) -> None:
        self.pos.pop_screen()

