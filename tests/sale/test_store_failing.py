"""The till and the PIN guard while the store refuses writes (disk full) or reads (a damaged file)."""

from __future__ import annotations

import pytest

from pos.core.invoice import PROCESSING
from pos.core.ports import StoreError
from pos.i18n import Translator
from pos.sale import till as sale
from pos.sale.pin_guard import PinGuard
from tests.sale.test_till import heard, sell
from tests.ui.conftest import make_config, make_services
from tests.ui.fakes import START


class Refusing:
    """Wraps a store: the named operations raise StoreError while `refusing` is set."""

    def __init__(self, store, *operations: str) -> None:
        self._store, self._operations, self.refusing = store, operations, False

    def __getattr__(self, name: str):
        method = getattr(self._store, name)
        if name in self._operations:
            def refused(*args, **kwargs):
                if self.refusing:
                    raise StoreError("no space left on device: state.json")
                return method(*args, **kwargs)
            return refused
        return method


@pytest.fixture
def services():
    return make_services(make_config(ui={"language": "en"}))


def test_a_hand_over_is_announced_even_when_the_till_cannot_save_its_cart(services) -> None:
    till = services.till
    till.apply(till.poll())
    invoice = sell(till, "BREAD-01")
    refusing = Refusing(services.store, "put_state")
    till._store = refusing
    events = heard(till)
    services.watcher.pay(invoice.address, invoice.amount_sat)
    result = till.poll_on_screen()  # the watcher saved the invoice before the disk filled
    refusing.refusing = True
    with pytest.raises(StoreError):
        till.apply(result)  # said by the caller (sales stopped) ...
    assert [(e.name, e.invoice.state) for e in events] == [(sale.CHANGED, PROCESSING), (sale.HANDED_OVER, PROCESSING)]
    assert till.cart.lines == []  # ... and the customer is released all the same


def guard(store, pin_attempts: int = 3) -> PinGuard:
    ui = make_config(ui={"pin_attempts": pin_attempts}).ui
    return PinGuard(store, ui, lambda: START, Translator("en"))


def test_a_full_disk_does_not_give_endless_pin_guesses(services) -> None:
    refusing = Refusing(services.store, "put_state")
    pins = guard(refusing)
    refusing.refusing = True
    answers = [pins.check("0000")[0] for _ in range(3)]
    assert answers == [False, False, False]
    ok, said = pins.check("1234")  # the right PIN, but the lock counted in memory holds
    assert not ok and "locked" in said.lower()


def test_the_right_pin_works_while_the_disk_is_full(services) -> None:
    refusing = Refusing(services.store, "put_state")
    pins = guard(refusing)
    refusing.refusing = True
    assert pins.check("0000")[0] is False
    assert pins.check("1234") == (True, "")


def test_a_store_that_cannot_be_read_checks_no_pin(services) -> None:
    refusing = Refusing(services.store, "get_state")
    refusing.refusing = True
    pins = guard(refusing)
    ok, said = pins.check("1234")
    assert not ok and said.startswith("The store cannot be read")
    assert pins.locked_message().startswith("The store cannot be read")
