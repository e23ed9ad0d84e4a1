"""Charge: the QR the customer's phone scans, the amounts, the countdown and the live state.

The till's changes arrive as InvoicesUpdated from the app; the screen only shows them.
An invoice handed over (pos.core.payment.handover_allowed) moves on to Done; an
underpaid one shows the remainder and a new QR for it (to the same address), and can
be closed as "refund owed" with the manager PIN. The QR is shown only while the invoice
waits for money: once the full amount is seen, or it expired or was cancelled, a second
scan must not pay twice.

While the chain backend is offline or degraded the screen never says "waiting for
payment": it says that payments cannot be seen, and (under [payment] unverified_max_kzt)
offers the manager's unverified hand-over.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Static

from pos.core.invoice import CANCELLED, EXPIRED, INVALID, NEW, PAID_LATE, PAID_PARTIAL, PROCESSING, SETTLED, Invoice
from pos.ui.dialogs.confirm import ConfirmDialog
from pos.ui.format import btc, countdown, sats
from pos.ui.messages import InvoicesUpdated
from pos.ui.uri import with_amount
from pos.ui.widgets.footer import PosFooter
from pos.ui.widgets.message_line import MessageLine
from pos.ui.widgets.qr_view import QrView
from pos.ui.widgets.status_bar import StatusBar
from pos.ui.base import PosNode


def qr_payload(invoice: Invoice) -> str:
    """What the customer should pay now: the whole invoice, what is still missing, or nothing."""
    if invoice.state != NEW:
        return ""
    if PAID_PARTIAL in invoice.marks:
        return with_amount(invoice.uri, invoice.remainder_sat)
    return invoice.uri


class ChargeScreen(PosNode, Screen[None]):
    CSS_PATH = "charge.tcss"

    BINDINGS = [
        Binding("f8", "cancel_invoice", "key.cancel_invoice"),
        Binding("f4", "refund_owed", "key.refund_owed"),
        Binding("f3", "hand_over_unverified", "key.hand_over_unverified"),
        Binding("enter", "back_to_sale", "key.back_to_sale"),
    ]

    def __init__(self, invoice: Invoice) -> None:
        super().__init__()
        self.invoice = invoice
        self._finished = False  # handed over to Done once

    def compose(self) -> ComposeResult:
        yield StatusBar()
        with Horizontal(id="charge-body"):
            yield QrView(qr_payload(self.invoice), id="qr")
            with Vertical(id="charge-info"):
                yield Static(id="amounts")
                yield Static(id="address")
                yield Static(id="countdown")
                yield Static(id="payment-state")
                if self.pos.demo is not None:
                    yield Static(self.pos.tr("demo.hint"), id="demo-hint")
                yield MessageLine()
                yield PosFooter()

    def on_mount(self) -> None:
        self.show_invoice()
        self.set_interval(1, self.show_countdown)

    async def language_changed(self) -> None:
        await self.recompose()
        self.show_invoice()

    def on_invoices_updated(self, message: InvoicesUpdated) -> None:
        for invoice in message.invoices:
            if invoice.id == self.invoice.id:
                self.invoice = invoice
                self.show_invoice()
                if self.pos.screen is self:
                    self._finish_if_paid()

    def on_screen_resume(self) -> None:
        # Handed over while a dialog or the Manager screen was on top: finish when back on screen.
        self._finish_if_paid()

    def _finish_if_paid(self) -> None:
        if self.invoice.handed_over and not self._finished:
            self._finished = True
            # by the app, not in this screen's handler: switching away waits for this screen to close
            self.pos.call_later(self.pos.sale_handed_over, self.invoice)

    # ---- what the customer and cashier see ---------------------------------
    def show_invoice(self) -> None:
        app = self.pos
        tr = app.tr
        inv = self.invoice
        qr = self.query_one(QrView)
        qr.data = qr_payload(inv)
        qr.display = bool(qr.data)
        if qr.code and qr.code.height_cells > self.pos.size.height - 1:
            self.say(tr("charge.qr_too_tall"), error=True)
        rate = inv.rate
        self.query_one("#amounts", Static).update(
            f"[b]{tr('charge.invoice', id=inv.id)}[/b]\n"
            f"[b]{app.kzt(inv.total_tiyn)}[/b]\n"
            f"[b]{btc(inv.amount_sat)}[/b]\n"
            f"{tr('charge.sats', amount=sats(inv.amount_sat))}\n"
            f"{tr('charge.rate', rate=app.kzt(rate.tiyn_per_btc), source=rate.source)}")
        self.query_one("#address", Static).update(f"{tr('charge.address')}\n{inv.address}")
        self.show_countdown()
        self.query_one("#payment-state", Static).update(self.state_text())
        self.set_class(inv.state == SETTLED, "-settled")
        self.set_class(inv.state in (EXPIRED, INVALID, CANCELLED), "-closed")
        self.refresh_bindings()

    def state_text(self) -> str:
        tr = self.pos.tr
        inv = self.invoice
        needed = self.pos.till.confirmations_needed(inv)
        if PAID_LATE in inv.marks:
            return tr("charge.state_paid_late", received=sats(inv.received_sat))
        if inv.state == NEW and PAID_PARTIAL in inv.marks:
            return tr("charge.state_partial", received=sats(inv.received_sat), remainder=sats(inv.remainder_sat))
        if inv.state == NEW and not self.pos.till.payments_visible:
            state = tr("status.backend_" + self.pos.till.backend.state)
            blind = tr("charge.state_blind", state=state)
            if self.pos.till.may_hand_over_unverified(inv):
                limit = self.pos.kzt(self.pos.till.policy.unverified_max_tiyn)
                blind += "\n" + tr("charge.unverified_hint", limit=limit)
            return blind
        if inv.state == NEW:
            return tr("charge.state_waiting")
        if inv.state == PROCESSING:
            return tr("charge.state_seen", confirmations=inv.confirmations, needed=max(1, needed))
        return tr(f"charge.state_{inv.state}")

    def show_countdown(self) -> None:
        tr = self.pos.tr
        inv = self.invoice
        widget = self.query_one("#countdown", Static)
        if inv.state != NEW:
            widget.update("")
            return
        left = int((inv.expires_at - self.pos.services.clock()).total_seconds())
        widget.update(tr("charge.expires_in", time=countdown(left)) if left > 0 else tr("charge.expiring"))

    def say(self, text: str, *, error: bool = False) -> None:
        self.query_one(MessageLine).show(text, error=error)

    # ---- actions -----------------------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        inv = self.invoice
        if action == "cancel_invoice":
            return inv.state == NEW and not inv.payments
        if action == "back_to_sale":
            return inv.state in (EXPIRED, INVALID, CANCELLED)
        if action == "refund_owed":
            return inv.state == NEW and PAID_PARTIAL in inv.marks
        if action == "hand_over_unverified":
            return self.pos.till.may_hand_over_unverified(inv)
        return True

    def action_cancel_invoice(self) -> None:
        tr = self.pos.tr

        def answered(yes: bool | None) -> None:
            if yes:
                self.pos.cancel_invoice(self.invoice)

        self.pos.push_screen(ConfirmDialog(tr("charge.cancel_question", id=self.invoice.id)), answered)

    def action_back_to_sale(self) -> None:
        self.pos.back_to_sale()

    def action_refund_owed(self) -> None:
        self.pos.close_refund_owed(self.invoice)

    def action_hand_over_unverified(self) -> None:
        self.pos.hand_over_unverified(self.invoice)
