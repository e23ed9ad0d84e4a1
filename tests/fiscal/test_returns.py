"""Refunds registered as returns: each refund of a sale queues its return receipt (OperationType 3) in
the refund's own store operation, sent in queue order with the sale's registration as its basis and
the refund's tender as its payment type; exactly once across kills and resends (error 14); money
held without a sale is not a return; and with the returns registered the two Zs agree."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from pos.core.fiscal import RETURN
from pos.core.refund import DONE
from pos.fiscal.webkassa import Webkassa
from pos.sale.fiscal_sender import FiscalSender
from pos.sale.refunds import Refunds
from pos.store import open_store
from tests.fiscal.conftest import settings_for
from tests.fiscal.fake_webkassa import FakeWebkassa
from tests.fiscal.test_queue import KilledStore, Shop, Stopped, registered, sell
from tests.fiscal.test_fiscal_z import close
from tests.ui.fakes import Clock

pytestmark = pytest.mark.usefixtures("bitcoinlib_home")
CUSTOMER = "bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080"  # a valid regtest address


class RefundingShop(Shop):
    def __init__(self, store) -> None:
        super().__init__(store)
        s = self.services
        self.day.follow(s.till)
        self.refunds = Refunds(day=self.day, store=s.store, config=s.config, clock=s.clock,
                               rate=s.checkout.usable_rate, chain=s.watcher.chain)
        self.manager = self.day.add_cashier("Dana", "manager", "7777")

    def refund(self, sale, **details):
        """A refund approved by the manager (the shipped config's cashier limit is 0 KZT)."""
        return self.refunds.refund_sale(sale, approver=self.manager, **details)

    def sale(self, *, card: bool = False):
        cart = self.services.checkout.new_cart()
        cart.add("BREAD-01")
        cart.add("TEA-01")
        return self.day.card_sale(cart, "A1") if card else self.day.cash_sale(cart, 10_000_00)

    def bitcoin_sale(self):
        services = self.services
        cart = services.checkout.new_cart()
        cart.add("TEA-01")
        invoice = services.till.charge(cart)
        services.watcher.pay(invoice.address, invoice.amount_sat, height=services.watcher.tip)
        services.till.apply(services.till.poll())
        return services.store.get_invoice(invoice.id)

    def sender(self, fake: FakeWebkassa) -> FiscalSender:
        return FiscalSender(self.services.store, Webkassa(settings_for(fake)))


@pytest.fixture
def shop(tmp_path):
    """The store's clock stands still: a sale and its refund are queued at the same time, so only the
    queue's own order puts the sale first."""
    shop = RefundingShop(open_store(tmp_path / "store", clock=Clock()))
    yield shop
    shop.services.store.close()


def sent(fake: FakeWebkassa, external: str) -> dict:
    """The last check request sent with that external number, as the register read it."""
    bodies = [json.loads(raw, parse_float=Decimal) for endpoint, raw in fake.requests if endpoint == "check"]
    return [b for b in bodies if b["ExternalCheckNumber"] == external][-1]


def test_a_cash_refund_of_a_registered_sale_is_a_return_naming_it(shop, fake):
    sale = shop.sale()
    shop.sender(fake).send_pending()
    [refund] = shop.refund(sale, lines=[1])
    [job] = shop.services.store.pending_fiscal()  # queued with the refund itself
    assert (job.id, job.operation, job.due) == (refund.id, RETURN, True)
    assert shop.sender(fake).send_pending() == 1
    assert registered(fake) == [sale.id, refund.id]
    body, check = sent(fake, refund.id), fake.checks[-1]
    basis = shop.services.store.fiscal_job(sale).registration
    assert body["OperationType"] == 3 and check["OperationType"] == 3
    assert body["ReturnBasisDetails"]["CheckNumber"] == basis.fiscal_sign == fake.checks[0]["Number"]
    assert body["ReturnBasisDetails"]["RegistrationNumber"] == basis.registration_number
    assert body["Payments"] == [{"Sum": Decimal(refund.amount_tiyn) / 100, "PaymentType": 0}]  # cash
    assert [p["PositionCode"] for p in body["Positions"]] == ["TEA-01"]  # only the line given back
    done = shop.services.store.fiscal_job(refund)
    assert done is not None and done.done and done.registration.operation == RETURN
    assert shop.services.store.pending_fiscal() == []


def test_a_refund_while_its_sale_waits_goes_behind_it_and_takes_its_basis_when_sent(shop, fake):
    fake.go_down()
    sale = shop.sale(card=True)
    [refund] = shop.refund(sale, approval_code="R7")
    assert [j.id for j in shop.services.store.pending_fiscal()] == [sale.id, refund.id]
    sender = shop.sender(fake)
    assert sender.send_pending() == 0 and sender.state.waiting == 2
    fake.come_back()
    assert sender.send_pending() == 2  # one round: the sale, then its return
    assert registered(fake) == [sale.id, refund.id]
    assert sent(fake, refund.id)["ReturnBasisDetails"]["CheckNumber"] == fake.checks[0]["Number"]
    assert sent(fake, refund.id)["Payments"][0]["PaymentType"] == 1  # card
    assert sender.state.waiting == 0


def test_a_bitcoin_refund_is_registered_when_its_payment_is_seen_with_the_bitcoin_payment_type(shop, fake):
    invoice = shop.bitcoin_sale()
    sender = shop.sender(fake)
    sender.send_pending()
    [refund] = shop.refund(invoice, address=CUSTOMER)
    [job] = shop.services.store.pending_fiscal()
    assert job.id == refund.id and not job.due  # money not gone back yet: not a return yet
    assert sender.send_pending() == 0 and registered(fake) == [invoice.id] and sender.state.waiting == 0
    assert shop.refunds.poll() == []  # the address checked: the request may be paid
    shop.services.watcher.pay(CUSTOMER, refund.amount_sat)
    [done] = shop.refunds.poll()
    [job] = shop.services.store.pending_fiscal()
    assert job.due and job.refund == done and done.state == DONE  # in the refund's own store operation
    assert sender.send_pending() == 1
    assert registered(fake) == [invoice.id, refund.id]
    assert sent(fake, refund.id)["Payments"][0]["PaymentType"] == 4  # [fiscal] bitcoin_payment_type


def test_money_held_without_a_sale_going_back_is_not_a_return(shop, fake):
    services = shop.services
    cart = services.checkout.new_cart()
    cart.add("TEA-01")
    invoice = services.till.charge(cart)
    services.watcher.pay(invoice.address, invoice.amount_sat // 2, height=services.watcher.tip)
    services.till.apply(services.till.poll())
    owed = services.till.close_refund_owed(invoice.id, "Dana")
    refund = shop.refunds.return_payment(owed, CUSTOMER, shop.manager)
    shop.refunds.poll()  # the address checked: the request may be paid
    services.watcher.pay(CUSTOMER, refund.amount_sat)
    assert [r.id for r in shop.refunds.poll()] == [refund.id]
    assert services.store.pending_fiscal() == [] and services.store.fiscal_job(refund) is None


def test_a_kill_between_a_returns_registration_and_its_record_registers_it_once(shop, fake, tmp_path):
    sale = shop.sale()
    shop.sender(fake).send_pending()
    [refund] = shop.refund(sale)
    store = shop.services.store
    with pytest.raises(Stopped):
        FiscalSender(KilledStore(store), Webkassa(settings_for(fake))).send_pending()  # type: ignore[arg-type]
    assert registered(fake) == [sale.id, refund.id]  # on the register, not in the store
    store.close()
    shop.services.store = reopened = open_store(tmp_path / "store")
    assert [j.id for j in reopened.pending_fiscal()] == [refund.id]
    assert FiscalSender(reopened, Webkassa(settings_for(fake))).send_pending() == 1  # error 14, read back
    assert registered(fake) == [sale.id, refund.id]  # not registered twice
    job = reopened.fiscal_job(refund)
    assert job is not None and job.registration.recovered and job.registration.operation == RETURN
    assert job.registration.fiscal_sign == fake.checks[1]["Number"]


def test_a_refund_of_a_sale_never_registered_here_is_held_for_a_person(shop, fake):
    sale = shop.sale()
    shop.services.store.save_fiscal(shop.services.store.pending_fiscal()[0].registered(None, "in the cabinet"))
    [refund] = shop.refund(sale)
    sender = shop.sender(fake)
    assert sender.send_pending() == 0 and registered(fake) == []
    assert sender.state.refused == ((refund.id, shop.services.store.pending_fiscal()[0].note),)
    assert "not known here" in sender.state.refused[0][1]


def test_a_shift_of_sales_and_refunds_closes_with_both_zs_agreeing(shop, fake):
    sales = [shop.sale(), shop.sale(card=True)]
    invoice = shop.bitcoin_sale()
    sell(shop, 1)
    shop.refund(sales[0], lines=[0])  # cash, by a line
    shop.refund(sales[1], approval_code="R1")  # card, whole
    [paid] = shop.refund(invoice, address=CUSTOMER)
    shop.refunds.poll()  # the address checked: the request may be paid
    shop.services.watcher.pay(CUSTOMER, paid.amount_sat)
    shop.refunds.poll()
    report, fiscal, paper = close(shop, fake)
    assert len(fake.checks) == 7 and shop.services.store.pending_fiscal() == []
    assert fiscal.report is not None
    assert (fiscal.report.returns_count, fiscal.report.returns_tiyn) == (3, report.refunds_tiyn)
    assert (fiscal.report.sales_count, fiscal.report.sales_tiyn) == (report.sales.count, report.sales.tiyn)
    assert "Figures match" in paper and "FIGURES DIFFER" not in paper


def test_a_bitcoin_refund_paid_in_the_next_shift_is_counted_by_both_zs_of_that_shift(shop, fake):
    """The register registers the return when it is sent, once the refund is paid: in its next shift.
    The terminal counts it there too, and its first Z shows it as requested, not as money gone."""
    invoice = shop.bitcoin_sale()
    [refund] = shop.refund(invoice, address=CUSTOMER)
    shop.refunds.poll()  # the address checked: the request may be paid
    shop.services.clock.advance(hours=8)
    first, register, paper = close(shop, fake)
    assert first.refunds_tiyn == 0 and first.refunds_requested.tiyn == refund.amount_tiyn
    assert register.report is not None and register.report.returns_count == 0
    assert "Figures match" in paper

    shop.services.clock.advance(hours=16)
    shop.day.open_shift(shop.manager, 0)
    sell(shop, 1)
    shop.services.watcher.pay(CUSTOMER, refund.amount_sat)
    [done] = shop.refunds.poll()
    shop.services.clock.advance(hours=8)
    second, register, paper = close(shop, fake)
    assert (second.refunds_tiyn, second.refunds_requested.count) == (refund.amount_tiyn, 0)
    assert second.bitcoin["refunded"].sat == done.amount_sat
    assert register.report is not None
    assert (register.report.returns_count, register.report.returns_tiyn) == (1, refund.amount_tiyn)
    assert "Figures match" in paper and "FIGURES DIFFER" not in paper
