"""History: today's invoices and sales paid in cash, by card or split (Asia/Almaty business day),
newest first: an invoice with its state and marks, a sale with its tenders, each with its total.

F2 narrows the list to invoices: to one state, to the handed-over invoices still awaiting
settlement, or to the payments lost after hand-over (which a manager acknowledges here).
F3 refunds the selected sale (the Refund screen); F5 reprints its receipt (a sale's slip, a
split's invoice its sale's slip) as a COPY; F6 sends back money held without a sale (refund owed,
paid late, overpaid: pos.sale.refunds.Refunds.return_payment, a manager's PIN).
"""

from __future__ import annotations

from datetime import date
from typing import Callable, TypeVar

from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable

from pos.core.cashier import Cashier
from pos.core.invoice import STATES, Invoice
from pos.core.ports import StoreError
from pos.core.tender import TenderedSale
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
from pos.ui.screens.refund_request import show_request
from pos.ui.base import PosNode


T = TypeVar("T")


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
        table.add_column(tr("history.col_number"), width=11, key="id")
        table.add_column(tr("history.col_state"), width=14, key="state")
        table.add_column(tr("history.col_marks"), width=13, key="marks")
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
        found = self._today(self.pos.services.store.invoices_for_day)
        if self.state_filter == "awaiting":
            return [inv for inv in found if inv.awaiting_settlement]
        if self.state_filter == "alerts":  # an alert may be older than today: the till keeps them all
            alerts = {inv.id: inv for inv in self.pos.till.alerts}
            alerts.update((inv.id, inv) for inv in found if inv.alert_open)
            return list(alerts.values())
        return found if self.state_filter == "all" else [inv for inv in found if inv.state == self.state_filter]

    def sales(self) -> list[TenderedSale]:
        """Today's sales paid in cash, by card or split: listed with everything (F2's "all") only."""
        return self._today(self.pos.services.store.sales_for_day) if self.state_filter == "all" else []

    def _today(self, read: Callable[[date], list[T]]) -> list[T]:
        """Today's records, newest first; none, said and sales stopped, when a day file was damaged meanwhile."""
        try:
            return list(reversed(read(business_day(self.pos.services.clock()))))
        except StoreError as exc:
            self.pos.store_failed(exc)
            return []

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
        records: list[Invoice | TenderedSale] = [*self.invoices(), *self.sales()]
        records.sort(key=lambda record: record.created_at if isinstance(record, Invoice) else record.at, reverse=True)
        self._records = {record.id: record for record in records}
        for record in records:
            if isinstance(record, Invoice):
                marks = ", ".join(tr("mark." + m) for m in sorted(record.marks))
                table.add_row(local_time(record.created_at)[:5], record.id, tr("state." + record.state), marks,
                              self.pos.kzt(record.total_tiyn), sats(record.amount_sat), key=record.id)
            else:
                tenders = "+".join(tr("history.tender_" + tender.kind) for tender in record.tenders)
                table.add_row(local_time(record.at)[:5], record.id, tenders, "", self.pos.kzt(record.total_tiyn), "",
                              key=record.id)
        line = self.query_one(MessageLine)
        if table.row_count:
            table.move_cursor(row=min(row, table.row_count - 1))
            line.show(tr("history.filter", filter=self.filter_name()))
        else:
            line.show(tr("history.empty") + ("" if self.state_filter == "all" else
                                             ": " + tr("history.filter", filter=self.filter_name())))
        table.focus()

    def selected_record(self) -> Invoice | TenderedSale | None:
        table = self.query_one("#history", DataTable)
        if not table.row_count:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return self._records.get(str(key))

    def selected(self) -> Invoice | None:
        """The invoice selected; None on a sale's row."""
        record = self.selected_record()
        return record if isinstance(record, Invoice) else None

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
        record = self.selected_record()
        if isinstance(record, Invoice):
            self.chosen(record, "reprint")
        elif record is not None:
            self.pos.print_sale_slip(record, copy=True)
            self.query_one(MessageLine).show(self.pos.tr("done.printing"))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action not in ("open", "refund", "send_back"):
            return True
        record = self.selected_record()
        if isinstance(record, TenderedSale):  # a sale's row: refund or reprint it
            return True if action == "refund" else None
        if action == "open":
            return True
        if record is None:
            return None
        return True if (is_sale(record) if action == "refund" else holds_money(record)) else None

    def on_data_table_row_highlighted(self, _: DataTable.RowHighlighted) -> None:
        self.refresh_bindings()  # Enter, F3 and F6 follow the invoice or sale selected

    def action_refund(self) -> None:
        record = self.selected_record()
        if isinstance(record, TenderedSale) or (record is not None and is_sale(record)):
            self.pos.open_refund(record.id)

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
                show_request(app, [refund], None)

        def addressed(address: str | None) -> None:
            if address is not None:
                sign_in(app, lambda who: send(who, address))

        app.push_screen(PromptDialog(app.tr("refund.address"), lambda text: read_address(app, text),
                                     hint=app.tr("refund.address_hint")), addressed)

    def action_back(self) -> None:
        self.pos.pop_screen()

