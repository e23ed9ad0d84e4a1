"""The till without a screen: the sale flow, the events it announces, the tallies it keeps."""

from __future__ import annotations

import pytest

from pos.checkout import ChargeError
from pos.core.invoice import NEW, PROCESSING, SETTLED
from pos.sale import till as sale
from pos.sale.till import Till, TillEvent
from tests.ui.conftest import make_config, make_services


@pytest.fixture
def services():
    return make_services(make_config(ui={"language": "en"}))


def heard(till: Till) -> list[TillEvent]:
    events: list[TillEvent] = []
    till.subscribe(events.append)
    return events


def sell(till: Till, *codes: str):
    for code in codes:
        till.cart.add(code)
    invoice = till.charge(till.cart_copy())
    till.show(invoice)
    till.charged(invoice)
    return invoice


def test_a_sale_is_announced_created_then_handed_over_when_seen_then_settled(services) -> None:
    till = services.till
    events = heard(till)
    till.apply(till.poll())
    invoice = sell(till, "BREAD-01")
    services.watcher.pay(invoice.address, invoice.amount_sat)
    till.apply(till.poll_on_screen())
    assert [(e.name, e.invoice.state, e.on_screen) for e in events] == [
        (sale.CREATED, NEW, True), (sale.CHANGED, NEW, True), (sale.CHANGED, PROCESSING, True),
        (sale.HANDED_OVER, PROCESSING, True)]
    assert till.cart.lines == [] and services.store.get_state(sale.SALE_STATE)["lines"] == []
    assert [inv.id for inv in till.awaiting] == [invoice.id]
    till.new_sale()
    events.clear()
    services.watcher.mine()
    till.apply(till.poll())
    assert [(e.name, e.invoice.state, e.on_screen) for e in events] == [
        (sale.CHANGED, SETTLED, False), (sale.SETTLED_EVENT, SETTLED, False)]
    assert till.awaiting == ()


def test_a_background_hand_over_leaves_the_current_cart_alone(services) -> None:
    till = services.till
    till.apply(till.poll())
    first = sell(till, "BREAD-01")
    till.new_sale()  # the customer walked away to fetch money; the next one is served meanwhile
    till.cart.add("MILK-01")
    services.watcher.pay(first.address, first.amount_sat)
    till.apply(till.poll())
    assert [line.product.sku for line in till.cart.lines] == ["MILK-01"]


def test_an_unacknowledged_alert_outlives_a_restart(services) -> None:
    till = services.till
    till.apply(till.poll())
    invoice = sell(till, "BREAD-01")
    txid = services.watcher.pay(invoice.address, invoice.amount_sat)
    till.apply(till.poll_on_screen())
    services.watcher.replace(txid)
    till.apply(till.poll())
    assert [inv.id for inv in till.alerts] == [invoice.id]
    again = Till(store=services.store, checkout=services.checkout, watcher=services.watcher, policy=till.policy,
                 clock=services.clock)
    again.apply(again.poll())
    assert [inv.id for inv in again.alerts] == [invoice.id]
    again.acknowledge(invoice.id, "the manager")
    assert again.alerts == ()
    with pytest.raises(ChargeError):
        again.acknowledge(invoice.id, "the manager")  # once only


def test_cancel_refuses_an_invoice_that_was_paid_meanwhile(services) -> None:
    till = services.till
    till.apply(till.poll())
    invoice = sell(till, "BREAD-01")
    services.watcher.pay(invoice.address, 1000)
    till.apply(till.poll())
    with pytest.raises(ChargeError):
        till.cancel(invoice.id)
    assert till.on_screen_id == invoice.id
