"""Charge: turn a cart into an invoice with a locked rate and a fresh address.

The order of the writes is what keeps money safe across a crash: the invoice
number and the address index are durable counters taken (and saved) before the
address is derived and shown, so a crash may skip a number or an index but never
reuses one; the invoice itself is saved before the caller can show its QR.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Callable, Protocol

from pos.config import Config
from pos.core.cart import Cart, Totals
from pos.core.catalog import Catalog
from pos.core.invoice import IllegalTransition, Invoice, invoice_id, new_invoice
from pos.core.money import Rate, format_kzt
from pos.core.ports import RateSource, RateUnavailable, Store

#: Outputs below this are non-standard dust for P2PKH (546); a payment that small would not relay.
MIN_AMOUNT_SAT = 546


class ChargeError(Exception):
    """The sale cannot be charged now (or an invoice not changed). The message is English, for
    the log; `key` and `fields` let the screens say it in the cashier's language."""

    def __init__(self, message: str, key: str = "", **fields: object) -> None:
        super().__init__(message)
        self.key = key
        self.fields = fields


class RateMissing(ChargeError):
    """No usable exchange rate. The UI says why in the cashier's language and offers the
    manager's rate at once, whatever [pricing] rate_source is.

    `reason` is the sources' own account (hosts and errors, shown literally); `stale_minutes`
    is set when the only rate there is is older than [pricing] rate_max_age_minutes.
    """

    def __init__(self, reason: str, stale_minutes: int | None = None) -> None:
        super().__init__(f"no exchange rate: {reason}")
        self.reason = reason
        self.stale_minutes = stale_minutes


class ReceiveKey(Protocol):
    def address(self, index: int) -> str: ...


def address_index(n: int, slot: int, slots: int) -> int:
    """The n-th address of terminal `slot` among `slots` terminals sharing one wallet.

    Interleaved (slot, slot+slots, slot+2*slots, ...) so every terminal stays near the
    start of the chain the merchant's wallet scans, and no two terminals ever collide.
    """
    return n * slots + slot


@dataclass
class Checkout:
    config: Config
    store: Store
    catalog: Catalog
    rates: RateSource
    key: Callable[[], ReceiveKey]  # parsed lazily: bitcoinlib stays off the start-up path
    payment_uri: Callable[[str, int, str, str], str]
    clock: Callable[[], datetime]
    _rate: Rate | None = field(default=None, init=False)

    def new_cart(self) -> Cart:
        return Cart(self.catalog, self.config.pricing.vat_rates_bp)

    @property
    def rate(self) -> Rate | None:
        return self._rate

    def warm_up(self) -> str:
        """Parse the key and derive 0/0 once (bitcoinlib's ~0.5 s import), off the UI thread,
        so the cashier's first Charge is as quick as the others."""
        return self.key().address(0)

    def refresh_rate(self) -> Rate:
        """Blocking (HTTP for the composite source): run it off the UI's event loop."""
        self._rate = self.rates.quote()
        return self._rate

    def use_rate(self, rate: Rate) -> None:
        """The manager's rate, typed just now: used until it is too old or a fresh quote replaces it."""
        self._rate = rate

    def usable_rate(self) -> Rate:
        """A rate no older than [pricing] rate_max_age_minutes: the last one, a fresh quote, or
        the manager's saved rate when the source fails; RateMissing when there is none."""
        rate = self._rate
        if rate is None or self._too_old(rate):
            try:
                rate = self.refresh_rate()
            except RateUnavailable as exc:
                manual = self._manual_rate()
                if manual is None:
                    raise RateMissing(str(exc)) from None
                rate = self._rate = manual
        if self._too_old(rate):
            minutes = int((self.clock() - rate.at).total_seconds() // 60)
            raise RateMissing(f"the rate from {rate.source} is {minutes} min old (limit "
                              f"{self.config.pricing.rate_max_age_minutes} min)", stale_minutes=minutes)
        return rate

    def _too_old(self, rate: Rate) -> bool:
        return self.clock() - rate.at > timedelta(minutes=self.config.pricing.rate_max_age_minutes)

    def _manual_rate(self) -> Rate | None:
        """The manager's saved rate, when it is still young enough to charge with."""
        from pos.rates.manual import ManualRateSource

        try:
            rate = ManualRateSource(self.store).quote()
        except RateUnavailable:
            return None
        return None if self._too_old(rate) else rate

    def charge(self, cart: Cart, cashier: str = "", part: Callable[[Totals], Totals] | None = None) -> Invoice:
        """`part`: the share of the cart's totals to charge (a split sale's Bitcoin part, pos.sale.day)."""
        if not cart.lines:
            raise ChargeError("the cart is empty", "reason.cart_empty")
        totals = cart.totals() if part is None else part(cart.totals())
        if totals.total <= 0:
            raise ChargeError(f"nothing to charge: the total is {format_kzt(totals.total)}", "reason.nothing_to_charge",
                              total=format_kzt(totals.total))
        rate = self.usable_rate()
        amount_sat = rate.to_sats(totals.total)
        if amount_sat < MIN_AMOUNT_SAT:
            raise ChargeError(f"{format_kzt(totals.total)} is {amount_sat} sat, below the {MIN_AMOUNT_SAT} sat "
                              "a Bitcoin payment can carry", "reason.below_dust", total=format_kzt(totals.total),
                              sats=amount_sat, least=MIN_AMOUNT_SAT)
        terminal = self.config.terminal
        key = self.key()
        seq = self.store.next_counter("invoice")
        n = self.store.next_counter("address") - 1
        index = address_index(n, terminal.slot, terminal.slots)
        address = key.address(index)
        inv_id = invoice_id(terminal.id, seq)
        uri = self.payment_uri(address, amount_sat, self.config.merchant.name, inv_id)
        pay = self.config.payment
        invoice = new_invoice(
            terminal_id=terminal.id, seq=seq, totals=totals, rate=rate, network=self.config.chain.network,
            address=address, address_index=index, uri=uri, amount_sat=amount_sat,
            expiry=timedelta(minutes=pay.expiry_minutes), monitoring=timedelta(hours=pay.monitoring_hours),
            cashier=cashier or terminal.cashier, now=self.clock(),
        )
        self.store.save_invoice(invoice)
        return invoice

    def gap_warning(self, invoice: Invoice) -> str | None:
        """Said on screen and in the log when unpaid invoices push this address out of the
        merchant's wallet's sight (its gap limit)."""
        from pos.chain.gap import gap_warning, last_paid_index

        return gap_warning(invoice.address_index, last_paid_index(self.store), self.config.chain.gap_limit)

    def cancel(self, invoice_id_: str, cause: str = "cancelled by the cashier") -> Invoice:
        invoice = self.store.get_invoice(invoice_id_)
        if invoice is None:
            raise ChargeError(f"no invoice {invoice_id_}", "reason.no_invoice", id=invoice_id_)
        try:
            cancelled = invoice.cancel(cause, self.clock())
        except IllegalTransition as exc:
            raise ChargeError(str(exc), "reason.not_cancellable", id=invoice_id_) from None
        self.store.save_invoice(cancelled)
        return cancelled
