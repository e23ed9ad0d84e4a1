"""The shop's day without a screen: people and roles, the shift, cash, card and split sales,
refunds in the sale's tenders, Bitcoin refunds seen on the chain, X and Z."""

from __future__ import annotations

import dataclasses
import itertools

import pytest

from pos.core.invoice import PROCESSING, sale_lines
from pos.core.money import Rate
from pos.core.refund import DONE, REQUESTED
from pos.core.report import X, Z
from pos.checkout import ChargeError
from pos.core.invoice import Invoice
from pos.core.tender import BITCOIN, CARD, CASH, BitcoinTender, CashTender
from pos.i18n import Translator
from pos.sale.day import DRAWER_OPEN, REFUND_STATE, REPORT_PRINTED, SALE_RECORDED, SHIFT_OPENED, SPLIT_STATE, \
    SPLIT_VOID, Day, DayError, DayEvent
from pos.sale.till import Till
from pos.sale.refunds import Refunds
from tests.ui.conftest import make_config, make_services
from tests.ui.fakes import START

CUSTOMER = "bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080"  # a valid regtest address
MAINNET = "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4"
pytestmark = pytest.mark.usefixtures("bitcoinlib_home")  # addresses are checked with bitcoinlib


class Shop:
    """The real store, checkout, till and watcher of the UI rig, with the day and refunds on top."""

    def __init__(self, **shift: object) -> None:
        self.services = make_services(make_config(ui={"language": "en", "pin_attempts": 3},
                                                  shift={"cashier_refund_max_kzt": 2000, **shift}))
        s = self.services
        self.day = Day(store=s.store, checkout=s.checkout, config=s.config, clock=s.clock, tr=Translator("en"))
        self.refunds = Refunds(day=self.day, store=s.store, config=s.config, clock=s.clock,
                               rate=s.checkout.usable_rate, chain=s.watcher.chain)
        self.events: list[DayEvent] = []
        self.day.subscribe(self.events.append)
        self.aigerim = self.day.add_cashier("Aigerim", "cashier", "1111")
        self.boss = self.day.add_cashier("Бауыржан", "manager", "9999")

    def named(self, name: str) -> list[dict]:
        return [e.data for e in self.events if e.name == name]

    def cart(self, *codes: str):
        cart = self.services.checkout.new_cart()
        for code in codes:
            cart.add(code)
        return cart

    def open(self, float_tiyn: int = 10_000_00) -> None:
        self.day.open_shift(self.day.sign_in("Aigerim", "1111"), float_tiyn)
        self.day.follow(self.services.till)

    def charge_split(self, cart, cash_tiyn: int, tendered_tiyn: int) -> Invoice:
        """As the app does (PosApp.start_charge): checked, charged in a worker, shown, announced."""
        split = self.day.split(cart, cash_tiyn, tendered_tiyn)
        invoice = self.day.charge_split(cart, split)
        self.services.till.show(invoice)
        self.services.till.charged(invoice)
        return invoice

    def pay(self, invoice: Invoice) -> None:
        """The customer pays the whole invoice; the till's next poll sees it."""
        self.services.watcher.pay(invoice.address, invoice.amount_sat)
        self.services.till.apply(self.services.till.poll())

    def restart(self) -> tuple[Day, Till]:
        """The terminal started again on the same store: a new till and day, the shift going on."""
        s = self.services
        till = Till(store=s.store, checkout=s.checkout, watcher=s.watcher, policy=s.till.policy, clock=s.clock)
        self.day = Day(store=s.store, checkout=s.checkout, config=s.config, clock=s.clock, tr=Translator("en"))
        self.day.subscribe(self.events.append)
        self.day.follow(till)
        self.day.continue_shift(self.aigerim)
        return self.day, till


@pytest.fixture
def shop() -> Shop:
    return Shop()


# ---- people and the shift ------------------------------------------------------------
def test_a_shift_opens_with_a_cashiers_own_pin_and_the_float(shop):
    cashier = shop.day.sign_in("Aigerim", "1111")
    shift = shop.day.open_shift(cashier, 5_000_00)
    assert (shift.number, shift.cashier, shift.opening_float_tiyn) == (1, "Aigerim", 5_000_00)
    assert shop.named(SHIFT_OPENED) == [{"shift": 1, "cashier": "Aigerim"}]
    with pytest.raises(DayError, match="shift 1 is open"):
        shop.day.open_shift(cashier, 0)


def test_wrong_pins_lock_that_person_out_and_an_unknown_name_gets_nothing(shop):
    with pytest.raises(DayError) as refused:
        shop.day.sign_in("Aigerim", "9999")  # the manager's PIN is not hers
    assert refused.value.fields["reason"] == "Wrong PIN: 2 attempts left"
    for _ in range(2):
        with pytest.raises(DayError):
            shop.day.sign_in("Aigerim", "0000")
    with pytest.raises(DayError) as locked:
        shop.day.sign_in("Aigerim", "1111")  # even the right PIN, while locked
    assert "locked" in locked.value.fields["reason"]
    assert shop.day.sign_in("Бауыржан", "9999") == shop.boss  # the lockout is hers alone
    with pytest.raises(DayError):
        shop.day.sign_in("Nobody", "1111")
    assert shop.services.store.get_state("day.pin_lock.Nobody") is None


def test_nothing_is_sold_or_reported_without_an_open_shift(shop):
    for attempt in (lambda: shop.day.cash_sale(shop.cart("BREAD-01"), 1000_00),
                    lambda: shop.day.card_sale(shop.cart("BREAD-01"), "A1B2C3"), shop.day.x_report):
        with pytest.raises(DayError, match="no shift is open"):
            attempt()


# ---- sales ------------------------------------------------------------------------------
def test_a_cash_sale_is_recorded_with_its_change_and_opens_the_drawer(shop):
    shop.open()
    cart = shop.cart("BREAD-01", "MILK-01")
    sale = shop.day.cash_sale(cart, 2000_00)
    total = cart.totals().total
    assert sale.tenders[0].change_tiyn == 2000_00 - total and sale.cashier == "Aigerim" and sale.shift == 1
    assert shop.services.store.sales_for_day(sale.at.date()) == [sale]
    assert shop.named(SALE_RECORDED) == [{"sale": sale.id, "total_tiyn": total, "change_tiyn": 2000_00 - total,
                                          "record": sale}]  # the record itself: nobody searches the day for it
    assert shop.named(DRAWER_OPEN) == [{"reason": "cash sale", "sale": sale.id}]


def test_too_little_cash_or_a_bad_approval_code_records_nothing(shop):
    shop.open()
    with pytest.raises(DayError, match="change cannot be negative"):
        shop.day.cash_sale(shop.cart("BREAD-01"), 1_00)
    with pytest.raises(DayError, match="approval code"):
        shop.day.card_sale(shop.cart("BREAD-01"), "=1+1")
    assert shop.services.store.sales_for_day(START.date()) == [] and shop.named(DRAWER_OPEN) == []


def test_a_card_sale_keeps_the_bank_terminals_approval_code(shop):
    shop.open()
    sale = shop.day.card_sale(shop.cart("BOOK-01"), "A1B2C3")
    assert [(t.kind, t.approval_code) for t in sale.tenders] == [(CARD, "A1B2C3")]


def test_a_split_sale_is_recorded_when_its_bitcoin_part_is_handed_over(shop):
    shop.open()
    cart = shop.cart("TEA-01", "BREAD-01")
    total = cart.totals().total
    invoice = shop.charge_split(cart, 500_00, 1000_00)
    assert invoice.total_tiyn == total - 500_00 and sum(l.total_tiyn for l in invoice.lines) == invoice.total_tiyn
    assert invoice.cashier == "Aigerim" and shop.services.till.on_screen_id == invoice.id  # the till's own invoice
    assert shop.named(DRAWER_OPEN) == [{"reason": "split sale", "sale": "T01-S000001", "invoice": invoice.id}]
    assert shop.named(SALE_RECORDED) == []  # nothing sold until the Bitcoin part is seen
    assert shop.day.split_cash(invoice) == CashTender(500_00, 1000_00)
    shop.pay(invoice)
    [sale] = shop.services.store.sales_for_day(START.date())
    assert sale.tenders == (CashTender(500_00, 1000_00), BitcoinTender(total - 500_00, invoice.id))
    assert sale.total_tiyn == total and sale.lines == sale_lines(cart.totals())  # the whole sale, not its part
    assert shop.named(SALE_RECORDED) == [{"sale": sale.id, "total_tiyn": total, "change_tiyn": 500_00, "record": sale}]
    assert shop.services.store.get_invoice(invoice.id).state == PROCESSING
    assert shop.day.split_cash(invoice) == CashTender(500_00, 1000_00)  # from the record now
    assert shop.services.store.get_state(SPLIT_STATE) is None


def test_a_split_whose_invoice_is_cancelled_gives_the_cash_back_and_sells_nothing(shop):
    shop.open()
    invoice = shop.charge_split(shop.cart("TEA-01"), 500_00, 500_00)
    shop.services.till.cancel(invoice.id)
    assert shop.named(SPLIT_VOID) == [{"sale": "T01-S000001", "invoice": invoice.id, "cash_tiyn": 500_00}]
    assert shop.named(DRAWER_OPEN)[-1] == {"reason": "split cash back", "sale": "T01-S000001", "invoice": invoice.id}
    assert shop.services.store.sales_for_day(START.date()) == [] and shop.day.split_cash(invoice) is None


def test_a_split_whose_invoice_expires_or_is_closed_underpaid_gives_the_cash_back(shop):
    shop.open()
    expired = shop.charge_split(shop.cart("TEA-01"), 500_00, 500_00)
    shop.services.till.leave()
    underpaid = shop.charge_split(shop.cart("TEA-01"), 600_00, 600_00)
    shop.services.watcher.pay(underpaid.address, underpaid.amount_sat // 2)
    shop.services.till.apply(shop.services.till.poll())
    shop.services.till.close_refund_owed(underpaid.id, "Бауыржан")
    shop.services.clock.advance(hours=1)
    shop.services.till.apply(shop.services.till.poll())
    assert sorted((v["invoice"], v["cash_tiyn"]) for v in shop.named(SPLIT_VOID)) == [
        (expired.id, 500_00), (underpaid.id, 600_00)]
    assert shop.services.store.sales_for_day(START.date()) == []


def test_a_refused_bitcoin_part_keeps_nothing_and_takes_no_address(shop):
    shop.open()
    cart = shop.cart("BREAD-01")
    with pytest.raises(DayError):
        shop.day.split(cart, cart.totals().total, cart.totals().total)  # nothing left to pay in Bitcoin
    with pytest.raises(DayError, match="change cannot be negative"):
        shop.day.split(cart, 100_00, 50_00)
    assert shop.services.store.counter("invoice") == 0


def test_a_charge_that_fails_forgets_the_cash_part(shop):
    shop.open()
    cart = shop.cart("BREAD-01")
    split = shop.day.split(cart, 150_00, 150_00)  # 100 KZT in Bitcoin: below what a payment can carry
    with pytest.raises(ChargeError, match="below the 546 sat"):
        shop.day.charge_split(cart, split)
    assert shop.services.store.get_state(SPLIT_STATE) is None and shop.named(DRAWER_OPEN) == []


class Killed(BaseException):
    """kill -9: nothing after it runs (not even `except Exception`)."""


WRITES = ("next_counter", "save_invoice", "put_state", "save_sale", "record", "queue_fiscal")


def before_each_write(store, before) -> None:
    for name in WRITES:
        write = getattr(store, name)

        def watched(*args, _write=write, **kwargs):
            before()
            return _write(*args, **kwargs)

        setattr(store, name, watched)


def kill_at_write(store, n: int) -> None:
    """The store's n-th write from now on never happens, nor anything after it: each write is one
    all-or-nothing store operation, so a stop before each is a kill -9 at every moment."""
    writes = itertools.count()

    def stop_at_n() -> None:
        if next(writes) == n:
            raise Killed

    before_each_write(store, stop_at_n)


def revive(store) -> None:
    for name in WRITES:
        vars(store).pop(name, None)


def writes_of_a_split() -> int:
    shop = Shop()
    shop.open()
    writes = []
    before_each_write(shop.services.store, lambda: writes.append(1))
    shop.pay(shop.charge_split(shop.cart("TEA-01"), 500_00, 1000_00))
    return len(writes)


def test_a_kill_at_any_moment_of_a_split_neither_loses_the_cash_part_nor_records_the_sale_twice():
    writes = writes_of_a_split()
    assert writes >= 6  # sale number, cash part kept, invoice number, address, invoice, link, ...
    outcomes = set()
    for n in range(writes + 1):
        shop = Shop()
        shop.open()
        kill_at_write(shop.services.store, n)
        paid = False
        try:
            invoice = shop.charge_split(shop.cart("TEA-01"), 500_00, 1000_00)
            paid = True  # the customer scans the QR on screen
            shop.pay(invoice)
        except Killed:
            pass
        revive(shop.services.store)
        day, till = shop.restart()
        on_screen = till.resume()
        if on_screen is not None and not paid:
            shop.services.watcher.pay(on_screen.address, on_screen.amount_sat)
        till.apply(till.poll())  # as the app does at start
        sales = shop.services.store.sales_for_day(START.date())
        voids = shop.named(SPLIT_VOID)
        assert len(sales) + len(voids) <= 1, f"stopped before write {n}: {sales} {voids}"
        if sales:
            assert [(t.kind, t.amount_tiyn) for t in sales[0].tenders] == [(CASH, 500_00), (BITCOIN, 950_00)]
            outcomes.add("sold")
        elif voids:
            assert voids[0]["cash_tiyn"] == 500_00  # the cashier is told to give it back
            outcomes.add("cash back")
        else:  # only before the first two writes (the sale's number, keeping its cash part): no QR, no drawer
            assert n <= 1 and shop.named(DRAWER_OPEN) == [], f"stopped before write {n}: the cash part lost"
            outcomes.add("nothing")
        assert shop.services.store.get_state(SPLIT_STATE) is None, f"stopped before write {n}"
    assert outcomes == {"nothing", "cash back", "sold"}


# ---- refunds -------------------------------------------------------------------------------
def test_a_cashier_refunds_up_to_the_limit_in_cash_and_the_drawer_opens(shop):
    shop.open()
    sale = shop.day.cash_sale(shop.cart("BREAD-01"), 1000_00)  # 250 KZT, below the 2 000 KZT limit
    [refund] = shop.refunds.refund_sale(sale)
    assert (refund.tender, refund.state, refund.amount_tiyn, refund.whole) == (CASH, DONE, sale.total_tiyn, True)
    assert shop.named(REFUND_STATE) == [{"refund": refund.id, "invoice": sale.id, "state": DONE, "txid": "",
                                         "record": refund}]  # the record: its return receipt is queued from it
    assert shop.named(DRAWER_OPEN)[-1] == {"reason": "cash refund", "refund": refund.id}


def test_a_refund_above_the_cashiers_limit_needs_a_manager(shop):
    shop.open()
    sale = shop.day.card_sale(shop.cart("BOOK-01"), "A1B2C3")  # 4 500 KZT
    with pytest.raises(DayError, match="manager"):
        shop.refunds.refund_sale(sale, approval_code="R1")
    with pytest.raises(DayError, match="manager"):
        shop.refunds.refund_sale(sale, approval_code="R1", approver=shop.aigerim)  # another cashier will not do
    [refund] = shop.refunds.refund_sale(sale, approval_code="R1", approver=shop.boss)
    assert (refund.tender, refund.approval_code, refund.cashier) == (CARD, "R1", "Aigerim")


def test_a_refund_by_lines_takes_each_line_once(shop):
    shop.open()
    sale = shop.day.cash_sale(shop.cart("BREAD-01", "MILK-01"), 2000_00)
    [first] = shop.refunds.refund_sale(sale, lines=[1])
    assert [line.index for line in first.lines] == [1] and not first.whole
    with pytest.raises(DayError, match="line 2 was refunded already"):
        shop.refunds.refund_sale(sale, lines=[1])
    with pytest.raises(DayError, match="refunded already"):
        shop.refunds.refund_sale(sale)
    shop.refunds.refund_sale(sale, lines=[0])


def test_a_split_sale_goes_back_in_each_of_its_tenders_in_proportion(shop):
    shop.open()
    invoice = shop.charge_split(shop.cart("TEA-01"), 500_00, 500_00)
    shop.services.watcher.pay(invoice.address, invoice.amount_sat)
    shop.services.till.apply(shop.services.till.poll())
    [sale] = shop.services.store.sales_for_day(START.date())
    cash, bitcoin = shop.refunds.refund_sale(sale, approver=shop.boss, address=CUSTOMER)
    assert (cash.tender, cash.amount_tiyn, cash.state) == (CASH, 500_00, DONE)
    assert (bitcoin.tender, bitcoin.amount_tiyn, bitcoin.state) == (BITCOIN, invoice.total_tiyn, REQUESTED)
    assert bitcoin.amount_sat == invoice.amount_sat  # the locked rate: the sat the customer paid


def test_a_bitcoin_refund_is_requested_to_a_checked_address_and_done_when_the_chain_shows_it(shop):
    shop.open()
    invoice = shop.services.till.charge(shop.cart("BREAD-01"))
    shop.services.watcher.pay(invoice.address, invoice.amount_sat, height=shop.services.watcher.tip)
    shop.services.till.apply(shop.services.till.poll())
    invoice = shop.services.store.get_invoice(invoice.id)
    for wrong in (MAINNET, "bcrt1qnotanaddress", "=HYPERLINK(1)"):
        with pytest.raises(DayError, match="is not a regtest Bitcoin address"):
            shop.refunds.refund_sale(invoice, address=wrong)
    [refund] = shop.refunds.refund_sale(invoice, address=" " + CUSTOMER)
    assert (refund.state, refund.address, refund.amount_sat, refund.rate) == (
        REQUESTED, CUSTOMER, invoice.amount_sat, invoice.rate)
    assert shop.refunds.poll() == []
    shop.services.watcher.pay(CUSTOMER, refund.amount_sat - 1)  # one sat short is not the refund
    assert shop.refunds.poll() == []
    txid = shop.services.watcher.pay(CUSTOMER, refund.amount_sat)
    [done] = shop.refunds.poll()
    assert (done.state, done.txid) == (DONE, txid) and shop.services.store.requested_refunds() == []
    assert shop.named(REFUND_STATE)[-1] == {"refund": refund.id, "invoice": invoice.id, "state": DONE, "txid": txid,
                                            "record": done}


def test_with_refund_rate_today_the_customer_gets_the_tenge_back_at_todays_rate():
    shop = Shop(refund_rate="today")
    shop.open()
    invoice = shop.services.till.charge(shop.cart("BREAD-01"))
    shop.services.watcher.pay(invoice.address, invoice.amount_sat, height=shop.services.watcher.tip)
    shop.services.till.apply(shop.services.till.poll())
    today = Rate(90_000_000_00, "manual", START)  # bitcoin doubled in tenge: half the sat go back
    shop.refunds._rate = lambda: today
    [refund] = shop.refunds.refund_sale(shop.services.store.get_invoice(invoice.id), address=CUSTOMER)
    assert refund.rate == today and refund.amount_sat == today.to_sats(invoice.total_tiyn) < invoice.amount_sat


def test_money_held_without_a_sale_goes_back_by_a_managers_decision_only(shop):
    shop.open()
    invoice = shop.services.till.charge(shop.cart("TEA-01"))
    shop.services.watcher.pay(invoice.address, invoice.amount_sat // 2, height=shop.services.watcher.tip)
    shop.services.till.apply(shop.services.till.poll())
    owed = shop.services.till.close_refund_owed(invoice.id, "Бауыржан")
    with pytest.raises(DayError, match="manager"):
        shop.refunds.return_payment(owed, CUSTOMER, shop.aigerim)
    refund = shop.refunds.return_payment(owed, CUSTOMER, shop.boss)
    assert (refund.of_sale, refund.amount_sat, refund.lines) == (False, owed.received_sat, ())
    with pytest.raises(DayError, match="sent already"):
        shop.refunds.return_payment(owed, CUSTOMER, shop.boss)


# ---- X and Z ------------------------------------------------------------------------------
def test_x_changes_no_record_and_z_is_a_managers_made_once(shop):
    shop.open()
    shop.day.cash_sale(shop.cart("BREAD-01"), 1000_00)
    store = shop.services.store
    before = (store.shifts(), store.sales_for_day(START.date()), store.z_reports())
    x = shop.day.x_report()
    assert (x.kind, x.sales.tiyn) == (X, 250_00) and (store.shifts(), store.sales_for_day(START.date()),
                                                      store.z_reports()) == before
    with pytest.raises(DayError, match="manager"):
        shop.day.z_report(shop.aigerim, 10_250_00)
    head = store.journal_head()
    z = shop.day.z_report(shop.boss, 10_250_00)
    assert (z.kind, z.number, z.cash.expected_tiyn, z.cash.difference_tiyn) == (Z, 1, 10_250_00, 0)
    [record] = store.z_reports()
    assert (record.number, record.journal_seq, record.journal_hash) == (1, head.seq, head.hash)
    assert record.figures["net"] == z.net_tiyn == 250_00
    assert shop.named(REPORT_PRINTED) == [{"kind": X, "number": 0}, {"kind": Z, "number": 1}]
    with pytest.raises(DayError, match="no shift is open"):
        shop.day.z_report(shop.boss, 0)


def test_the_z_counts_the_shifts_cash_card_split_and_refunds(shop):
    shop.open()
    cash = shop.day.cash_sale(shop.cart("BREAD-01"), 1000_00)
    card = shop.day.card_sale(shop.cart("BOOK-01"), "A1B2C3")
    invoice = shop.charge_split(shop.cart("TEA-01"), 500_00, 500_00)
    shop.services.watcher.pay(invoice.address, invoice.amount_sat, height=shop.services.watcher.tip)
    shop.services.till.apply(shop.services.till.poll())
    shop.refunds.refund_sale(cash)
    z = shop.day.z_report(shop.boss, 10_500_00)
    assert z.sales.count == 3 and z.sales.tiyn == cash.total_tiyn + card.total_tiyn + 1450_00
    assert (z.tenders[CASH].tiyn, z.tenders[CARD].tiyn, z.tenders[BITCOIN].tiyn) == (
        250_00 + 500_00, 4500_00, 950_00)
    assert z.refunds[CASH].tiyn == 250_00 and z.cash.expected_tiyn == 10_000_00 + 750_00 - 250_00
    assert z.cash.difference_tiyn == 0
