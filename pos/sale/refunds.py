"""Refunds at the till: whole or by lines, in the sale's own tenders, and Bitcoin refunds watched.

A cashier refunds up to [shift] cashier_refund_max_kzt; above it a manager approves (their
PIN, pos.sale.day.Day.sign_in). A split sale goes back in each of its tenders, the lines'
amounts shared in proportion to the tenders (largest remainder), all in one store write.
Cash and card refunds are done when recorded (the drawer opens; the bank terminal prints
its own slip). A Bitcoin refund is a request: the terminal holds no keys, so the merchant's
wallet pays the customer's address (checked for the configured network) at least
`amount_sat` — at the invoice's locked rate, or today's with [shift] refund_rate = "today" —
and `watch` marks it done with the txid once the chain shows such a payment, made after the
request's address was checked (its baseline: the address may have been paid before). Money held
without a sale (refund owed, paid late, overpaid) goes back the same way (`return_payment`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Callable, Sequence

from pos.chain.bip21 import is_bech32, payment_uri
from pos.config import Config
from pos.core.cart import allocate
from pos.core.cashier import Cashier
from pos.core.invoice import PAID_OVER, SETTLED, Invoice, Payment
from pos.core.journal import WATCHER, acting
from pos.core.localtime import business_day
from pos.core.money import Rate
from pos.core.ports import ChainBackend, ChainUnavailable, Store
from pos.core.refund import DONE, Baseline, Refund, RefundLine
from pos.core.report import PAID_LATE_BTC, REFUND_OWED_BTC, as_sale, standing
from pos.core.tender import BITCOIN, CARD, CASH, BitcoinTender, TenderedSale, TenderError
from pos.core.text import printable
from pos.sale.day import DRAWER_OPEN, REFUND_STATE, Day, DayError

#: How far back a sale may be refunded at the till (its earlier refunds are looked up day by day).
REFUND_DAYS = 90
#: The longest sale or invoice number `find` reads (ours are 13 or 10 characters).
MAX_NUMBER = 40
REFUND_COUNTER = "refund"
#: Address prefixes of each network: bech32 human-readable part, and the first character of base58 ones.
_PREFIXES = {"mainnet": ("bc1", "1", "3"), "regtest": ("bcrt1", "m", "n", "2")}
_TEST = ("tb1", "m", "n", "2")
SCHEME = "bitcoin:"


@dataclass(frozen=True)
class RefundWatch:
    """What one watch of the requested Bitcoin refunds found (each refund as saved)."""

    checked: list[Refund] = field(default_factory=list)  # addresses checked now: their requests may be paid
    done: list[Refund] = field(default_factory=list)  # seen paid
    unchecked: list[Refund] = field(default_factory=list)  # the chain could not be asked about their addresses


def check_address(text: str, network: str) -> str:
    """The customer's address, if it is a valid Bitcoin address of `network` (bitcoinlib, imported
    here only: a refund is rare); DayError naming the address otherwise. A wallet's receive QR is
    often a BIP21 URI ("bitcoin:ADDRESS?amount=..."): its address is taken, a bech32 one in lower case."""
    from bitcoinlib.keys import Address

    address = text.strip()
    if address[:len(SCHEME)].lower() == SCHEME:
        address = address[len(SCHEME):].split("?", 1)[0]
    if is_bech32(address):
        address = address.lower()  # upper case makes a smaller QR; the chain is asked in lower case
    prefixes = _PREFIXES.get(network, _TEST)
    try:
        Address.parse(address)
        valid = address.lower().startswith(prefixes) and not (network != "regtest" and address.lower().startswith("bcrt1"))
    except Exception:  # bitcoinlib raises several kinds for a malformed address
        valid = False
    if not valid or len(address) > 90:
        raise DayError(f"{printable(address)!r} is not a {network} Bitcoin address", "day.bad_address",
                       address=printable(address), network=network)
    return address


def is_sale(invoice: Invoice) -> bool:
    """The invoice's goods left the shop (it was handed over, or settled): it is refunded as a sale."""
    return invoice.handed_over or invoice.state == SETTLED


def holds_money(invoice: Invoice) -> bool:
    """Money was paid on the invoice without a sale, which a manager sends back (return_payment):
    an underpaid invoice closed as refund owed, a late payment, or an overpayment's excess."""
    return standing(invoice) in (REFUND_OWED_BTC, PAID_LATE_BTC) or PAID_OVER in invoice.marks


class Refunds:
    def __init__(self, *, day: Day, store: Store, config: Config, clock: Callable[[], datetime],
                 rate: Callable[[], Rate], chain: ChainBackend | None = None) -> None:
        """`rate`: today's usable rate (Checkout.usable_rate), asked only with refund_rate = "today";
        `chain`: what `poll` reads (the watcher's backend)."""
        self._day, self._store, self._config, self._rate, self._chain = day, store, config, rate, chain
        self._clock = clock
        self._paid: dict[str, set[str]] = {}  # txids that paid refunds, by address (_paid_to)

    # ---- finding the sale ---------------------------------------------------------------
    def find(self, number: str) -> TenderedSale | Invoice:
        """The sale a cashier typed or scanned: a sale number (pos.sale.day.sale_id) or a Bitcoin
        invoice's; the invoice of a split sale finds that sale. A sale number is looked for from
        today back REFUND_DAYS days, newest first (a refund usually follows the sale closely): sale
        records have no index of their own. DayError naming the number when there is none."""
        text = number.strip()
        if not text or len(text) > MAX_NUMBER:
            raise DayError(f"{printable(text[:MAX_NUMBER])!r}: type or scan a sale number", "day.no_sale",
                           id=printable(text[:MAX_NUMBER]))
        invoice = self._store.get_invoice(text)
        if invoice is not None:
            first = business_day(invoice.created_at)  # a split is recorded at hand-over: that day or the next
            split = next((sale for n in (0, 1) for sale in self._store.sales_for_day(first + timedelta(days=n))
                          if text in sale.invoice_ids), None)
            return split or self._sold(invoice)
        today = business_day(self._clock())
        for n in range(REFUND_DAYS + 1):
            found = next((sale for sale in self._store.sales_for_day(today - timedelta(days=n)) if sale.id == text),
                         None)
            if found is not None:
                return found
        raise DayError(f"no sale or invoice {text!r} in the last {REFUND_DAYS} days", "day.no_sale",
                       id=printable(text))

    @staticmethod
    def _sold(invoice: Invoice) -> Invoice:
        """The invoice if it is a sale; money held without a sale goes back with return_payment instead."""
        if not is_sale(invoice):
            raise DayError(f"invoice {invoice.id} sold nothing: it was never handed over", "day.not_a_sale",
                           id=invoice.id)
        return invoice

    def refunded_lines(self, sale: TenderedSale | Invoice) -> set[int]:
        """The indices of the sale's lines refunded already (requested or done)."""
        record = as_sale(sale) if isinstance(sale, Invoice) else sale
        return {line.index for refund in self._refunds_of(record.id, record.at) for line in refund.lines}

    def request_uri(self, refund: Refund) -> str:
        """The payment request the merchant's wallet pays: BIP21 to the customer's address, the refund's
        number as its message."""
        return payment_uri(refund.address, refund.amount_sat, self._config.merchant.name, refund.id)

    # ---- refunding a sale ---------------------------------------------------------------
    def refund_sale(self, sale: TenderedSale | Invoice, *, lines: Sequence[int] | None = None,
                    approver: Cashier | None = None, approval_code: str = "", address: str = "") -> list[Refund]:
        """Refund the whole sale (lines None) or those lines (indices on the sale), one Refund per
        tender. `approval_code`: the bank terminal's, for a card part; `address`: the customer's, for
        a Bitcoin part. DayError when a rule refuses (a line refunded before, a refund above the
        cashier's limit without a manager, a card or address missing)."""
        shift, cashier = self._day.open_now()
        record = as_sale(self._sold(sale)) if isinstance(sale, Invoice) else sale
        invoice = sale if isinstance(sale, Invoice) else None
        chosen = self._lines(record, lines)
        amount = sum(line.amount_tiyn for line in chosen)
        self._approved(cashier, approver, amount)
        now = self._clock()
        refunds = []
        shares = allocate(amount, [t.amount_tiyn for t in record.tenders])
        per_line = [allocate(line.amount_tiyn, [t.amount_tiyn for t in record.tenders]) for line in chosen]
        for n, (tender, share) in enumerate(zip(record.tenders, shares)):
            if not share:
                continue
            parts = tuple(RefundLine(l.index, l.sku, l.quantity_milli, split[n], l.vat_rate_bp)
                          for l, split in zip(chosen, per_line) if split[n])
            fields = dict(id=self._next_id(), sale_id=record.id, terminal_id=record.terminal_id,
                          cashier=cashier.name, tender=tender.kind, amount_tiyn=share, lines=parts,
                          whole=lines is None, requested_at=now, shift=shift.number)
            if tender.kind == BITCOIN:
                assert isinstance(tender, BitcoinTender)
                paid_with = invoice or self._store.get_invoice(tender.invoice_id)
                if paid_with is None:
                    raise DayError(f"sale {record.id}: its invoice {tender.invoice_id} is not in the store",
                                   "reason.no_invoice", id=tender.invoice_id)
                fields.update(self._bitcoin(paid_with, share, address))
            elif tender.kind == CARD:
                fields.update(approval_code=approval_code, state=DONE, done_at=now)
            else:
                fields.update(state=DONE, done_at=now)
            refunds.append(self._build(fields))
        fiscal = self._config.fiscal.provider != "none"  # each refund's return receipt is queued with it
        self._store.save_refunds(refunds, fiscal_of=record if fiscal else None)
        self._announce(refunds)
        return refunds

    def return_payment(self, invoice: Invoice, address: str, manager: Cashier | None) -> Refund:
        """A manager sends back money held without a sale: an underpaid invoice closed as refund
        owed, or a payment that came late, in full; an overpayment, its excess. At the invoice's rate.

        Not a fiscal return: a return receipt (OperationType 3) reverses a registered sale and must
        name it (ReturnBasisDetails), and this money was never part of one - an underpaid or late
        invoice was never sold, an overpayment's excess is above the sale's registered total. So it
        is never queued for the register, and the register's Z does not count it (nor does ours)."""
        shift, _ = self._day.open_now()
        cashier = self._day.manager(manager, "sending a payment back")
        where = standing(invoice)
        sat = invoice.received_sat if where in (REFUND_OWED_BTC, PAID_LATE_BTC) else \
            invoice.received_sat - invoice.amount_sat
        if sat <= 0 or self._refunds_of(invoice.id, invoice.created_at):
            raise DayError(f"{invoice.id}: nothing is held to send back (or it was sent already)",
                           "day.nothing_to_return", id=invoice.id)
        refund = self._build(dict(
            id=self._next_id(), sale_id=invoice.id, terminal_id=invoice.terminal_id, cashier=cashier.name,
            tender=BITCOIN, amount_tiyn=max(1, invoice.rate.to_tiyn(sat)), lines=(), whole=False,
            requested_at=self._clock(), of_sale=False, shift=shift.number,
            address=check_address(address, self._config.chain.network), amount_sat=sat, rate=invoice.rate))
        self._store.save_refunds([refund])
        self._announce([refund])
        return refund

    def _bitcoin(self, invoice: Invoice, tiyn: int, address: str) -> dict:
        rate = invoice.rate if self._config.shift.refund_rate == "locked" else self._rate()
        return {"address": check_address(address, self._config.chain.network), "rate": rate,
                "amount_sat": rate.to_sats(tiyn)}

    def _lines(self, record: TenderedSale, indices: Sequence[int] | None) -> list[RefundLine]:
        """The lines going back, none of them refunded before."""
        before = self._refunds_of(record.id, record.at)
        taken = {line.index for refund in before for line in refund.lines}
        wanted = range(len(record.lines)) if indices is None else indices
        if indices is not None and (not indices or len(set(indices)) != len(indices)):
            raise DayError(f"sale {record.id}: choose each line to refund once", "day.bad_lines", sale=record.id)
        chosen = []
        for index in wanted:
            if not 0 <= index < len(record.lines):
                raise DayError(f"sale {record.id} has no line {index + 1}", "day.bad_lines", sale=record.id)
            if index in taken:
                raise DayError(f"sale {record.id}: line {index + 1} was refunded already", "day.refunded_already",
                               sale=record.id, line=index + 1)
            line = record.lines[index]
            chosen.append(RefundLine(index, line.sku, line.quantity_milli, line.total_tiyn, line.vat_rate_bp))
        if not any(line.amount_tiyn for line in chosen):
            raise DayError(f"sale {record.id}: nothing left to refund", "day.refunded_already", sale=record.id, line=0)
        return [line for line in chosen if line.amount_tiyn]

    def _refunds_of(self, sale_id: str, sold_at: datetime) -> list[Refund]:
        first, today = business_day(sold_at), business_day(self._clock())
        if (today - first).days > REFUND_DAYS:
            raise DayError(f"sale {sale_id} is older than {REFUND_DAYS} days: it is refunded in the back office",
                           "day.too_old", sale=sale_id)
        return [r for n in range((today - first).days + 1)
                for r in self._store.refunds_for_day(first + timedelta(days=n)) if r.sale_id == sale_id]

    def _approved(self, cashier: Cashier, approver: Cashier | None, amount_tiyn: int) -> None:
        if amount_tiyn > self._config.shift.cashier_refund_max_kzt * 100 and not cashier.is_manager:
            self._day.manager(approver, f"a refund above {self._config.shift.cashier_refund_max_kzt} KZT")

    def _next_id(self) -> str:
        return f"{self._config.terminal.id}-R{self._store.next_counter(REFUND_COUNTER):06d}"

    @staticmethod
    def _build(fields: dict) -> Refund:
        try:
            return Refund(**fields)
        except TenderError as exc:
            raise DayError(str(exc), "day.refund_refused", reason=str(exc)) from None

    def _announce(self, refunds: list[Refund]) -> None:
        """Refunds recorded: those done at once announced; a Bitcoin request is announced requested
        only once its address is checked (announce_watched), when it may be paid."""
        self._announce_states([r for r in refunds if r.state == DONE])
        if any(r.tender == CASH for r in refunds):
            self._day.publish(DRAWER_OPEN, reason="cash refund", refund=refunds[0].id)

    def _announce_states(self, refunds: list[Refund]) -> None:
        for refund in refunds:
            self._day.publish(REFUND_STATE, refund=refund.id, invoice=refund.sale_id, state=refund.state,
                              txid=refund.txid, record=refund)

    # ---- watching Bitcoin refunds ------------------------------------------------------------
    def poll(self) -> list[Refund]:
        """Blocking (the chain): `watch`, then what it found announced (announce_watched); the refunds
        it found paid."""
        seen = self.watch()
        self.announce_watched(seen)
        return seen.done

    def watch(self) -> RefundWatch:
        """Blocking (the chain), announcing nothing: a UI runs it in a thread and announces what it
        returns on its own thread (announce_watched); nothing is asked of the chain while no refund
        is requested. Every mark is saved and journaled as the watcher's.

        A request's address is first checked (`_check`): the transactions paying it already and the
        chain's tip are saved on the refund as its baseline. The customer may use the address again
        (an exchange's deposit address), and none of those is the shop's payment: the request's QR
        is shown and printed only once it is checked. At a later watch the request is done, with
        the txid, when a transaction new since the baseline pays at least its amount
        (Refund.paid_by). A transaction pays one refund only: one that paid a refund done to the
        same address before (this poll, or earlier - a customer may give the same address twice)
        is not taken (`_paid_to`)."""
        if self._chain is None:
            return RefundWatch()
        seen = RefundWatch()
        waiting = self._store.requested_refunds()
        for refund in waiting:
            try:
                if refund.baseline is None:
                    seen.checked.append(self._check(self._chain, refund))
                    continue
                payments = self._chain.payments_to(refund.address)
            except ChainUnavailable:
                if refund.baseline is None:
                    seen.unchecked.append(refund)
                continue  # asked again at the next poll
            self._paid_from(refund, payments, seen.done)
        marked = {r.id for r in seen.done}
        still = {r.address for r in waiting if r.id not in marked}  # kept only while a refund waits
        self._paid = {address: txids for address, txids in self._paid.items() if address in still}
        return seen

    def _check(self, chain: ChainBackend, refund: Refund) -> Refund:
        """The request's baseline taken and saved: what pays its address now, and the tip (read after,
        so a block found meanwhile is below it). ChainUnavailable when the chain cannot say, or shows
        more transactions than a baseline holds (the backend refuses such an address already)."""
        payments = chain.payments_to(refund.address)
        try:
            checked = refund.with_baseline(Baseline(chain.tip_height(), tuple(p.txid for p in payments)))
        except TenderError as exc:
            raise ChainUnavailable(f"refund {refund.id}: {exc}") from None
        with acting(WATCHER):
            self._store.save_refunds([checked])
        return checked

    def _paid_from(self, refund: Refund, payments: Sequence[Payment], done: list[Refund]) -> None:
        """The request saved done (and added to `done`) if one of the payments is its own."""
        enough = [p for p in payments if refund.paid_by(p)]
        used = self._paid_to(refund.address) if enough else set()
        paid = next((p for p in enough if p.txid not in used), None)
        if paid is None:
            return
        used.add(paid.txid)
        finished = refund.done(paid.txid, max(self._clock(), refund.requested_at))
        with acting(WATCHER):
            self._store.save_refunds([finished])
        done.append(finished)

    def _paid_to(self, address: str) -> set[str]:
        """The transactions that paid refunds done to `address` in the last REFUND_DAYS days (a refund
        done is filed by its day). Looked up in the store only when the chain shows a payment large
        enough, then kept while a refund to the address waits (watch adds what it marks done)."""
        if address not in self._paid:
            today = business_day(self._clock())
            self._paid[address] = {r.txid for n in range(REFUND_DAYS + 1)
                                   for r in self._store.refunds_for_day(today - timedelta(days=n))
                                   if r.address == address and r.txid}
        return self._paid[address]

    def announce_watched(self, seen: RefundWatch) -> None:
        """A request checked is announced requested (its QR may now be paid), one paid done."""
        self._announce_states(seen.checked + seen.done)
