"""A Bitcoin refund's request on screen: the QR the merchant's wallet scans, until the chain shows it paid.

The terminal holds no keys: the refund is a BIP21 request to the customer's address for its
amount in sat (pos.sale.refunds.Refunds.request_uri), shown with the amount in KZT and printed
on the refund slip. The App's refund poll announces it paid (RefundsPaid): the QR goes, so a
second scan cannot pay twice, and the transaction is shown.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Static

from pos.core.refund import DONE, Refund
from pos.core.refund_slip import build_refund_slip
from pos.core.tender import BITCOIN, TenderedSale
from pos.ui.base import PosNode
from pos.ui.format import btc, sats
from pos.ui.messages import RefundsPaid
from pos.ui.widgets.footer import PosFooter
from pos.ui.widgets.message_line import MessageLine
from pos.ui.widgets.qr_view import QrView
from pos.ui.widgets.status_bar import StatusBar

if TYPE_CHECKING:
    from pos.ui.app import PosApp


def print_refund_slip(app: PosApp, refunds: list[Refund], sale: TenderedSale | None, *, said: bool = False) -> None:
    """The refunds' slip to the printer now, a Bitcoin refund still to pay with its request's QR;
    `said`: "printed" replaces what the message line says (a failure always does)."""
    uris = {r.id: app.refunds.request_uri(r) for r in refunds if r.tender == BITCOIN}
    slip = build_refund_slip(refunds, app.services.printing.settings, now=app.services.clock(), sale=sale, uris=uris)
    app.print_report(slip, printed="refund.printed" if said else None)


class RefundRequestScreen(PosNode, Screen[None]):
    CSS_PATH = "refund_request.tcss"

    BINDINGS = [
        Binding("f5", "reprint", "key.reprint"),
        Binding("enter,escape", "back", "key.back"),
    ]

    def __init__(self, refund: Refund, sale: TenderedSale | None) -> None:
        super().__init__()
        self.refund = refund
        self._sale = sale

    @property
    def uri(self) -> str:
        """What the wallet should pay now: the request, or nothing once it is paid."""
        return "" if self.refund.state == DONE else self.pos.refunds.request_uri(self.refund)

    def compose(self) -> ComposeResult:
        yield StatusBar()
        with Horizontal(id="request-body"):
            yield QrView(self.uri, id="qr")
            with Vertical(id="request-info"):
                yield Static(id="request-title", markup=False)
                yield Static(id="request-amounts", markup=False)
                yield Static(id="request-address", markup=False)
                yield Static(id="request-state", markup=False)
                yield MessageLine()
                yield PosFooter()

    def on_mount(self) -> None:
        self.show_refund()

    async def language_changed(self) -> None:
        await self.recompose()
        self.show_refund()

    def show_refund(self) -> None:
        app = self.pos
        tr = app.tr
        refund = self.refund
        self.query_one("#request-title", Static).update(tr("refund.request_title", refund=refund.id,
                                                           sale=refund.sale_id))
        self.query_one("#request-amounts", Static).update(
            f"{sats(refund.amount_sat)} sat\n{btc(refund.amount_sat)}\n{app.kzt(refund.amount_tiyn)}")
        self.query_one("#request-address", Static).update(tr("refund.request_to", address=refund.address))
        paid = refund.state == DONE
        state = tr("refund.request_paid", txid=refund.txid) if paid else tr("refund.request_waiting")
        self.query_one("#request-state", Static).update(state)
        self.query_one("#qr", QrView).data = self.uri
        self.set_class(paid, "-paid")

    def on_refunds_paid(self, message: RefundsPaid) -> None:
        paid = next((r for r in message.refunds if r.id == self.refund.id), None)
        if paid is not None:
            self.refund = paid
            self.show_refund()

    def action_reprint(self) -> None:
        print_refund_slip(self.pos, [self.refund], self._sale, said=True)

    def action_back(self) -> None:
        self.pos.pop_screen()
