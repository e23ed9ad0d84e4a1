"""One invoice from History: its figures, payments and history; reprint and follow-up."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Label, Static

from pos.core.invoice import EXPIRED, INVALID, NEW, PAID_LATE, PAID_OVER, PAID_PARTIAL, SETTLED, Invoice
from pos.core.text import printable
from pos.sale.till import REFUND_NOTE
from pos.ui.dialogs.base import Dialog
from pos.ui.format import btc, local_time, quantity, sats
from pos.ui.history_text import history_line
from pos.ui.base import PosNode

FOLLOW_UP_MARKS = (PAID_PARTIAL, PAID_OVER, PAID_LATE)


def follow_up(invoice: Invoice) -> str | None:
    """What the manager can do about an exception, or None when there is nothing to do.

    acknowledge: a payment lost after hand-over, whose alert stays until a manager saw it;
    settle: a late or unconfirmed payment the manager has checked (expired/invalid -> settled);
    show_qr: an underpaid open invoice, whose remainder the customer can still pay;
    refunded: an overpayment given back, noted on the invoice.
    """
    if invoice.alert_open:
        return "acknowledge"
    if invoice.state in (EXPIRED, INVALID) and (PAID_LATE in invoice.marks or invoice.state == INVALID):
        return "settle"
    if invoice.state == NEW and PAID_PARTIAL in invoice.marks:
        return "show_qr"
    if PAID_OVER in invoice.marks and not any(h.cause.startswith(REFUND_NOTE) for h in invoice.history):
        return "refunded"
    return None



class InvoiceDialog(PosNode, Dialog[str | None]):
    """Dismisses with "reprint", or the follow-up name (see follow_up), or None."""

    DEFAULT_CSS = """
    InvoiceDialog > .dialog-box { width: 76; height: 22; }
    InvoiceDialog VerticalScroll { height: 1fr; background: #aaaaaa; }
    """

    BINDINGS = [
        Binding("f5,p", "choose('reprint')", "key.reprint"),
        Binding("f4,f", "choose('follow_up')", "key.follow_up"),
    ]

    def __init__(self, invoice: Invoice) -> None:
        super().__init__()
        self.invoice = invoice

    def compose(self) -> ComposeResult:
        tr = self.pos.tr
        inv = self.invoice
        with Vertical(classes="dialog-box"):
            yield Label(tr("invoice.title", id=inv.id, state=tr("state." + inv.state)), classes="dialog-title",
                        markup=False)
            with VerticalScroll():
                yield Static(self.details(), markup=False)
            action = follow_up(inv)
            hint = tr("invoice.hint") + ("   " + tr("invoice.follow_up_" + action) if action else "")
            yield Label(hint, classes="dialog-hint", markup=False)

    def details(self) -> str:
        app = self.pos
        tr = app.tr
        inv = self.invoice
        out = [
            f"{local_time(inv.created_at, with_date=True)}   {app.kzt(inv.total_tiyn)}   {btc(inv.amount_sat)}",
            tr("invoice.received", received=sats(inv.received_sat), amount=sats(inv.amount_sat),
               confirmations=inv.confirmations),
        ]
        if inv.marks:
            out.append(tr("invoice.marks", marks=", ".join(tr("mark." + m) for m in sorted(inv.marks))))
        if inv.handed_over_at:
            out.append(tr("invoice.handed_over", time=local_time(inv.handed_over_at, with_date=True)))
        out.append(inv.address)
        out += [f"  {p.txid}  {sats(p.amount_sat)}" for p in inv.payments]
        out.append("")
        for line in inv.lines:
            out.append(f"{line.name(app.language)[:40]:<40} {quantity(line.quantity_milli, line.unit):>8} "
                       f"{app.kzt(line.total_tiyn):>14}")
        out.append("")
        out += [history_line(tr, h, local_time(h.at, with_date=True)) for h in inv.history]
        return "\n".join(printable(line) for line in out)  # names, txids and causes came from outside

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "choose" and parameters == ("follow_up",):
            return follow_up(self.invoice) is not None
        if action == "choose" and parameters == ("reprint",):
            return self.invoice.state == SETTLED or bool(self.invoice.payments)
        return True

    def action_choose(self, what: str) -> None:
        self.dismiss(follow_up(self.invoice) if what == "follow_up" else what)
