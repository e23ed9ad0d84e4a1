"""Done: the customer was handed over. Print or reprint the receipt, then start the next sale.

Handed over is not settled: until the invoice settles in the background the title says
how many confirmations it still awaits, and a payment lost meanwhile is said here too.
The invoice of a split sale shows both tenders: the cash part (with the change) and the
Bitcoin part the invoice charged; its receipt is the sale's slip, listing both (P/F5 reprints
that slip, a COPY once its original printed).

With the mock printer (demo, tests, terminals without one) the receipt it holds is
shown on the right, so the customer can see it.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Static

from pos.core.invoice import LOST_AFTER_HANDOVER, NEW, PAID_OVER, SETTLED, UNVERIFIED, Invoice
from pos.core.tender import CashTender, TenderedSale
from pos.ui.format import btc, local_time
from pos.ui.messages import InvoicesUpdated, ReceiptsChanged
from pos.ui.printer_text import printer_text
from pos.ui.receipts import receipt_preview
from pos.ui.widgets.footer import PosFooter
from pos.ui.widgets.message_line import MessageLine
from pos.ui.widgets.status_bar import StatusBar
from pos.ui.base import PosNode


class DoneScreen(PosNode, Screen[None]):
    CSS_PATH = "done.tcss"

    BINDINGS = [
        Binding("p,f5", "print", "key.print"),
        Binding("enter,f10", "new_sale", "key.new_sale"),
    ]

    def __init__(self, invoice: Invoice) -> None:
        super().__init__()
        self.invoice = invoice
        self.split_cash: CashTender | None = None  # the cash part, when the invoice is a split's
        self.sale: TenderedSale | None = None  # the split sale recorded, whose slip is this invoice's receipt

    def compose(self) -> ComposeResult:
        yield StatusBar()
        with Horizontal(id="done-body"):
            with Vertical(id="done-info"):
                yield Static(id="done-title")
                yield Static(id="done-details", markup=False)
                yield MessageLine()
            with VerticalScroll(id="receipt-box"):
                yield Static(id="receipt", markup=False)
        yield PosFooter()

    def on_mount(self) -> None:
        self.split_cash = self.pos.day.split_cash(self.invoice)
        self.sale = self.pos.split_sale(self.invoice) if self.split_cash is not None else None
        self.show_invoice()

    async def language_changed(self) -> None:
        await self.recompose()
        self.show_invoice()

    def on_invoices_updated(self, message: InvoicesUpdated) -> None:
        for invoice in message.invoices:
            if invoice.id == self.invoice.id:
                self.invoice = invoice
                self.show_invoice()

    def on_receipts_changed(self, _: ReceiptsChanged) -> None:
        self.show_receipt()

    def show_invoice(self) -> None:
        app = self.pos
        tr = app.tr
        inv = self.invoice
        self.query_one("#done-title", Static).update(self.title_text())
        self.set_class(LOST_AFTER_HANDOVER in inv.marks, "-lost")
        cash = self.split_cash
        lines = [tr("charge.invoice", id=inv.id)]
        if cash is not None:
            lines += [tr("done.split_total", total=app.kzt(cash.amount_tiyn + inv.total_tiyn)),
                      tr("done.split_cash", cash=app.kzt(cash.amount_tiyn)),
                      tr("done.split_change", change=app.kzt(cash.change_tiyn)),
                      tr("done.split_bitcoin", amount=app.kzt(inv.total_tiyn))]
        else:
            lines.append(app.kzt(inv.total_tiyn))
        lines += [
            btc(inv.received_sat or inv.amount_sat),
            local_time(inv.created_at, with_date=True),
            "",
            tr("done.confirmations", count=inv.confirmations),
        ]
        lines += [tr("done.txid", txid=p.txid[:16] + "…") for p in inv.payments]
        if PAID_OVER in inv.marks:
            lines.append(tr("done.overpaid", sats=inv.received_sat - inv.amount_sat))
        self.query_one("#done-details", Static).update("\n".join(lines))
        self.show_receipt()

    def title_text(self) -> str:
        tr = self.pos.tr
        inv = self.invoice
        if LOST_AFTER_HANDOVER in inv.marks:
            return tr("done.lost")
        if inv.state == SETTLED:
            return tr("done.title")
        if inv.state == NEW and UNVERIFIED in inv.marks:
            return tr("done.unverified")
        return tr("done.awaiting", needed=self.pos.till.confirmations_needed(inv))

    def show_receipt(self) -> None:
        """The printed receipt (mock driver), and whether this invoice's receipt (a split's: its sale's
        slip) is still waiting or went out unconfirmed."""
        tr = self.pos.tr
        document = self.sale.id if self.sale is not None else self.invoice.id
        text = receipt_preview(self.pos.services.printer, document)
        self.query_one("#receipt", Static).update(Text(text or tr("done.no_preview"), no_wrap=True, overflow="crop"))
        waiting = [job for job in self.pos.services.printing.pending() if job.document == document and not job.fiscal]
        line = self.query_one(MessageLine)
        if waiting and waiting[0].last_error:
            line.show(tr("error.printer", reason=printer_text(tr, waiting[0].last_error)), error=True)
        elif waiting:
            line.show(tr("done.printing"))
        elif self.pos.services.printing.unconfirmed(document):
            line.show(tr("done.print_unconfirmed"), error=True)
        elif line.has_class("-error") or line.text == tr("done.printing"):
            line.clear()

    def action_print(self) -> None:
        self.pos.print_receipt(self.invoice, copy=True)
        self.query_one(MessageLine).show(self.pos.tr("done.printing"))

    def action_new_sale(self) -> None:
        self.pos.new_sale()
