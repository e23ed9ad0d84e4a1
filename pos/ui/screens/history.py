"""History: today's invoices (Asia/Almaty business day) with their state and marks."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable

from pos.core.invoice import Invoice
from pos.ui.dialogs.invoice import InvoiceDialog
from pos.core.localtime import business_day
from pos.ui.format import local_time, sats
from pos.ui.messages import InvoicesUpdated
from pos.ui.widgets.footer import PosFooter
from pos.ui.widgets.message_line import MessageLine
from pos.ui.widgets.status_bar import StatusBar
from pos.ui.base import PosNode


class HistoryScreen(PosNode, Screen[None]):
    CSS_PATH = "history.tcss"

    BINDINGS = [
        Binding("enter", "open", "key.open"),
        Binding("p", "reprint", "key.reprint"),
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

    def invoices(self) -> list[Invoice]:
        services = self.pos.services
        today = business_day(services.clock())
        return list(reversed(services.store.invoices_for_day(today)))

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
        if table.row_count:
            table.move_cursor(row=min(row, table.row_count - 1))
        else:
            self.query_one(MessageLine).show(tr("history.empty"))
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

    def action_back(self) -> None:
        self.pos.pop_screen()
