"""Exactly once: each sale's fiscal receipt is queued in the sale's own store operation and sent by
the background sender, in order, numbered by the sale; kills and a register that goes away or loses
its answer still end with one registration per sale, and the sale itself never waits."""

from __future__ import annotations

import time

import pytest

from pos.core.fiscal import Registration
from pos.core.localtime import business_day
from pos.fiscal.webkassa import Webkassa
from pos.i18n import Translator
from pos.sale.day import Day
from pos.sale.fiscal_sender import FiscalSender
from pos.store import open_store
from tests.fiscal.conftest import settings_for
from tests.fiscal.fake_webkassa import FakeWebkassa
from tests.ui.conftest import make_config, make_services

pytestmark = pytest.mark.usefixtures("bitcoinlib_home")


class Stopped(BaseException):
    """A kill -9 between the register's answer and the store's record of it."""


class Shop:
    """The UI rig's services on a file store, with [fiscal] on and a shift open."""

    def __init__(self, store) -> None:
        self.services = make_services(make_config(fiscal={"provider": "webkassa"}), store=store)
        s = self.services
        self.day = Day(store=s.store, checkout=s.checkout, config=s.config, clock=s.clock, tr=Translator("en"))
        self.day.open_shift(self.day.add_cashier("Aigerim", "cashier", "1111"), 0)

    @property
    def today(self):
        return business_day(self.services.clock())


def sell(shop: Shop, count: int) -> list[str]:
    sales = []
    for _ in range(count):
        cart = shop.services.checkout.new_cart()
        cart.add("BREAD-01")
        sales.append(shop.day.cash_sale(cart, 1000_00).id)
    return sales


def registered(fake: FakeWebkassa) -> list[str]:
    return [c["ExternalCheckNumber"] for c in fake.checks]


@pytest.fixture
def shop(tmp_path):
    shop = Shop(open_store(tmp_path / "store"))
    yield shop
    shop.services.store.close()


def test_a_sale_is_recorded_with_its_receipt_queued_while_the_register_is_down(shop, fake):
    fake.go_down()
    ids = sell(shop, 2)
    assert [j.id for j in shop.services.store.pending_fiscal()] == ids
    sender = FiscalSender(shop.services.store, Webkassa(settings_for(fake)))
    assert sender.send_pending() == 0
    assert "no answer" in sender.last_error
    assert [j.id for j in shop.services.store.pending_fiscal()] == ids  # kept, in order


def test_receipts_go_in_sale_order_numbered_by_the_sale_and_leave_the_queue(shop, fake):
    ids = sell(shop, 3)
    sender = FiscalSender(shop.services.store, Webkassa(settings_for(fake)))
    assert sender.send_pending() == 3
    assert registered(fake) == ids
    assert shop.services.store.pending_fiscal() == []
    jobs = [shop.services.store.fiscal_job(s) for s in shop.services.store.sales_for_day(shop.today)]
    assert [j.registration.external_id for j in jobs if j and j.registration] == ids
    assert sender.send_pending() == 0 and len(fake.checks) == 3  # nothing sent twice


class KilledStore:
    """The real store, stopped dead on its first record of a registration."""

    def __init__(self, store) -> None:
        self._store = store

    def __getattr__(self, name):
        return getattr(self._store, name)

    def save_fiscal(self, job):
        raise Stopped()


def test_a_kill_between_the_registration_and_the_stores_record_registers_once(shop, fake, tmp_path):
    ids = sell(shop, 2)
    store = shop.services.store
    with pytest.raises(Stopped):
        FiscalSender(KilledStore(store), Webkassa(settings_for(fake))).send_pending()  # type: ignore[arg-type]
    assert registered(fake) == ids[:1]  # on the register, not in the store
    store.close()
    shop.services.store = reopened = open_store(tmp_path / "store")
    assert [j.id for j in reopened.pending_fiscal()] == ids
    sender = FiscalSender(reopened, Webkassa(settings_for(fake)))
    assert sender.send_pending() == 2
    assert registered(fake) == ids  # the first was not registered twice
    assert reopened.pending_fiscal() == []
    first = next(s for s in reopened.sales_for_day(shop.today) if s.id == ids[0])
    job = reopened.fiscal_job(first)
    assert job is not None and isinstance(job.registration, Registration) and job.registration.recovered


def test_a_lost_answer_and_a_register_that_comes_back_end_with_one_registration_each(shop, fake):
    ids = sell(shop, 3)
    sender = FiscalSender(shop.services.store, Webkassa(settings_for(fake, timeout_seconds=1)))
    fake.drop_answers = 1  # the first is registered, its answer lost
    assert sender.send_pending() == 0
    fake.go_down()
    assert sender.send_pending() == 0
    ids += sell(shop, 1)  # selling goes on meanwhile
    fake.come_back()
    assert sender.send_pending() == 4
    assert registered(fake) == ids
    assert shop.services.store.pending_fiscal() == []


def test_the_background_sender_sends_what_is_sold_while_it_runs(shop, fake):
    sender = FiscalSender(shop.services.store, Webkassa(settings_for(fake)))
    sender.start(interval_seconds=0.05)
    try:
        ids = sell(shop, 2)
        for _ in range(200):
            if not shop.services.store.pending_fiscal():
                break
            time.sleep(0.05)
    finally:
        sender.stop()
    assert registered(fake) == ids


def test_a_bitcoin_sale_is_queued_at_its_hand_over_and_a_split_once_as_one_sale(shop, fake):
    services = shop.services
    shop.day.follow(services.till)
    cart = services.checkout.new_cart()
    cart.add("TEA-01")
    bitcoin = services.till.charge(cart)
    split = shop.day.charge_split(cart, shop.day.split(cart, 500_00, 500_00))
    for invoice in (bitcoin, split):
        services.watcher.pay(invoice.address, invoice.amount_sat)
    services.till.apply(services.till.poll())
    [split_sale] = services.store.sales_for_day(shop.today)
    assert sorted(j.id for j in services.store.pending_fiscal()) == sorted([bitcoin.id, split_sale.id])
    shop.day.follow(services.till)  # a restart's catch-up queues nothing twice
    assert len(services.store.pending_fiscal()) == 2
    assert FiscalSender(services.store, Webkassa(settings_for(fake))).send_pending() == 2
    assert sorted(registered(fake)) == sorted([bitcoin.id, split_sale.id])


def test_a_bitcoin_sale_handed_over_while_stopping_is_queued_at_the_next_start(shop):
    services = shop.services
    cart = services.checkout.new_cart()
    cart.add("TEA-01")
    invoice = services.till.charge(cart)  # nobody follows the till: the stop came before the queue
    services.watcher.pay(invoice.address, invoice.amount_sat)
    services.till.apply(services.till.poll())
    assert services.store.pending_fiscal() == []
    shop.day.follow(services.till)
    assert [j.id for j in services.store.pending_fiscal()] == [invoice.id]
