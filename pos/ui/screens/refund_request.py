"""A Bitcoin refund's request on screen: the QR the merchant's wallet scans, until the chain shows it paid.

The terminal holds no keys: the refund is a BIP21 request to the customer's address for its
amount in sat (pos.sale.refunds.Refunds.request_uri), shown with the amount in KZT and printed
on the refund slip. The customer's address may have been paid before (an exchange's deposit
address), so the request may be paid only once the watch has checked it (its baseline,
pos.sale.refunds.Refunds.watch): a watch is started as soon as it is made (`show_request`), and
until it is checked the screen says so (or that the chain cannot be reached, asked again at
each poll), with no QR, and the action's slip waits (RequestSlips). The App's refund watch
announces it checked, then paid (RefundsWatched): at paid the QR goes, so a second scan
cannot pay twice, and the transaction is shown.
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
from pos.ui.messages import RefundsWatched
from pos.ui.widgets.footer import PosFooter
from pos.ui.widgets.message_line import MessageLine
from pos.ui.widgets.qr_view import QrView
from pos.ui.widgets.status_bar import StatusBar

if TYPE_CHECKING:
    from pos.ui.app import PosApp


def print_refund_slip(app: PosApp, refunds: list[Refund], sale: TenderedSale | None, *, said: bool = False) -> None:
    """The refunds' slip to the printer now, a Bitcoin refund still to pay with its request's QR
    (once checked: pos.core.refund_slip); `said`: "printed" replaces what the message line says
    (a failure always does)."""
    uris = {r.id: app.refunds.request_uri(r) for r in refunds if r.tender == BITCOIN}
    slip = build_refund_slip(refunds, app.services.printing.settings, now=app.services.clock(), sale=sale, uris=uris)
    app.print_report(slip, printed="refund.printed" if said else None)


def show_request(app: PosApp, refunds: list[Refund], sale: TenderedSale | None) -> None:
    """The refunds of one action just recorded: their slip printed now if none waits for the chain,
    else once the Bitcoin request's address is checked (a watch started now), its screen shown."""
    request = next((r for r in refunds if r.tender == BITCOIN and r.state != DONE), None)
    if request is None:
        print_refund_slip(app, refunds, sale)
        return
    app.request_slips.hold(request, refunds, sale)
    app.push_screen(RefundRequestScreen(request, sale))
    app.poll_refunds()


class RequestSlips:
    """The slips waiting for their Bitcoin request's address to be checked, printed then with its QR.

    Kept in memory, by the request's id: a request checked after a restart (or made elsewhere) has
    no slip held, and its own is printed, its lines by number (the sale is not looked up)."""

    def __init__(self, app: PosApp) -> None:
        self._app = app
        self._held: dict[str, tuple[list[Refund], TenderedSale | None]] = {}

    def hold(self, request: Refund, refunds: list[Refund], sale: TenderedSale | None) -> None:
        self._held[request.id] = (refunds, sale)

    def checked(self, requests: list[Refund]) -> None:
        """Each request's slip printed, the request as checked."""
        for request in requests:
            refunds, sale = self._held.pop(request.id, ([request], None))
            print_refund_slip(self._app, [request if r.id == request.id else r for r in refunds], sale)


class RefundRequestScreen(PosNode, Screen[None]):
    CSS_PATH = "refund_request.tcss"

    BINDINGS = [
        Binding("f5", "reprint", "key.reprint"),  # the slip; only once the request may be paid
        Binding("enter,escape", "back", "key.back"),
    ]

    def __init__(self, refund: Refund, sale: TenderedSale | None) -> None:
        super().__init__()
        self.refund = refund
        self._sale = sale
        self._unreachable = False  # the last watch could not ask the chain about the address

    @property
    def uri(self) -> str:
        """What the wallet should pay now: the request once its address is checked, nothing before
        (a payment then could not be told from the customer's own) nor once it is paid."""
        return self.pos.refunds.request_uri(self.refund) if self.refund.checked else ""

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
        if paid:
            state = tr("refund.request_paid", txid=refund.txid)
        elif refund.checked:
            state = tr("refund.request_waiting")
        elif self._unreachable:
            state = tr("refund.request_unreachable", seconds=app.services.config.chain.poll_seconds)
        else:
            state = tr("refund.request_checking")
        self.query_one("#request-state", Static).update(state)
        self.query_one("#qr", QrView).data = self.uri
        self.set_class(paid, "-paid")
        self.refresh_bindings()

    def on_refunds_watched(self, message: RefundsWatched) -> None:
        seen = message.seen
        now = next((r for r in seen.checked + seen.done if r.id == self.refund.id), None)
        unreachable = any(r.id == self.refund.id for r in seen.unchecked)
        if now is not None or unreachable != self._unreachable:
            self.refund = now or self.refund
            self._unreachable = unreachable
            self.show_refund()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "reprint":  # its slip is printed once checked (RequestSlips)
            return True if self.refund.checked or self.refund.state == DONE else None
        return True

    def action_reprint(self) -> None:
        print_refund_slip(self.pos, [self.refund], self._sale, said=True)

    def action_back(self) -> None:
        self.pos.pop_screen()
