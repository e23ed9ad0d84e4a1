"""The watcher's own rules, on a scripted backend: what it asks, backoff, states, alerts, saving."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import pytest

from pos.chain.watcher import Watcher
from pos.core.invoice import EXPIRED, NEW, PAID_LATE, PAID_OVER, PROCESSING, SETTLED, Invoice, Payment
from pos.core.payment import Policy
from pos.core.ports import ChainUnavailable
from pos.store import memory_store
from tests.builders import T0, make_invoice


@dataclass
class ScriptedBackend:
    """A ChainBackend whose answers the test sets; it records every call."""

    tip: int = 100
    payments: dict[str, tuple[Payment, ...]] = field(default_factory=dict)
    down: bool = False
    failing: set[str] = field(default_factory=set)
    calls: list[str] = field(default_factory=list)

    def tip_height(self) -> int:
        self.calls.append("tip")
        if self.down:
            raise ChainUnavailable("the node does not answer")
        return self.tip

    def payments_to(self, address: str) -> tuple[Payment, ...]:
        self.calls.append(address)
        if self.down or address in self.failing:
            raise ChainUnavailable(f"no answer for {address}")
        return self.payments.get(address, ())


class Clock:
    def __init__(self) -> None:
        self.now = T0 + timedelta(minutes=1)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def paid(invoice: Invoice, amount: int | None = None, height: int | None = None, txid: str = "a" * 64,
         rbf: bool = False) -> tuple[Payment, ...]:
    return (Payment(txid, invoice.amount_sat if amount is None else amount, height, rbf),)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def setup(clock):
    store, backend = memory_store(), ScriptedBackend()
    watcher = Watcher(store, lambda: backend, Policy(confirmations=1), clock, poll_seconds=10, max_backoff_seconds=60)
    return store, backend, watcher


def test_one_tip_request_per_poll_and_one_per_watched_address(setup, clock):
    store, backend, watcher = setup
    invoices = [make_invoice(seq=i) for i in range(1, 6)]
    for inv in invoices:
        store.save_invoice(inv)
    old = make_invoice(seq=9, now=T0 - timedelta(days=3))  # expired and past its monitoring window
    store.save_invoice(old.transition(EXPIRED, "expired", T0 - timedelta(days=3)))
    gone = make_invoice(seq=10, now=T0 - timedelta(days=3))  # cancelled and past its monitoring window
    store.save_invoice(gone.cancel(at=T0 - timedelta(days=3)))
    report = watcher.poll_once()
    expected = [inv.address for inv in invoices]
    assert backend.calls == ["tip", *expected]
    assert report.watched == 5
    assert (report.status.state, report.status.height, report.status.last_good_poll) == ("online", 100, clock.now)


def test_payment_seen_then_confirmed_is_saved_and_reported(setup, clock):
    store, backend, watcher = setup
    inv = make_invoice()
    store.save_invoice(inv)
    backend.payments[inv.address] = paid(inv)
    report = watcher.poll_once()
    assert [i.state for i in report.updated] == [PROCESSING]
    assert store.get_invoice(inv.id).state == PROCESSING
    assert watcher.poll_once().updated == []  # nothing new: nothing saved or reported
    backend.tip, backend.payments[inv.address] = 101, paid(inv, height=101)
    report = watcher.poll_once()
    assert [(i.state, i.confirmations) for i in report.updated] == [(SETTLED, 1)]
    assert store.get_invoice(inv.id).state == SETTLED
    backend.calls.clear()
    watcher.poll_once()
    assert backend.calls == ["tip"]  # settled: no longer watched


def test_backend_down_changes_nothing_and_backs_off_doubling_up_to_the_cap(setup, clock):
    store, backend, watcher = setup
    inv = make_invoice()
    store.save_invoice(inv)
    watcher.poll_once()
    good, seen = watcher.status, store.get_invoice(inv.id)
    backend.down = True
    waits = []
    for _ in range(6):
        report = watcher.poll_once()
        assert report.status.state == "offline" and report.updated == []
        calls = len(backend.calls)
        wait = 0
        while len(backend.calls) == calls:  # polls during the backoff ask nothing
            clock.advance(10)
            wait += 10
            watcher.poll_once()
        waits.append(wait)
        backend.calls = backend.calls[:calls]
    assert waits == [10, 20, 40, 60, 60, 60]
    assert store.get_invoice(inv.id) == seen
    assert (watcher.status.height, watcher.status.last_good_poll) == (good.height, good.last_good_poll)
    assert "the node does not answer" in watcher.status.detail and "next try in 60 s" in watcher.status.detail
    backend.down = False
    clock.advance(60)
    assert watcher.poll_once().status.state == "online"
    clock.advance(1)
    backend.calls.clear()
    watcher.poll_once()
    assert backend.calls == ["tip", inv.address]  # back to the normal pace


def test_one_unanswered_address_degrades_but_the_others_are_decided(setup, clock):
    store, backend, watcher = setup
    a, b = make_invoice(seq=1), make_invoice(seq=2)
    store.save_invoice(a)
    store.save_invoice(b)
    backend.payments = {a.address: paid(a), b.address: paid(b)}
    backend.failing = {a.address}
    report = watcher.poll_once()
    assert [i.id for i in report.updated] == [b.id]
    assert store.get_invoice(a.id) == a
    assert report.status.state == "degraded" and report.status.height == 100
    assert report.status.detail.startswith(f"1 of 2 address(es) unanswered: {a.id}: no answer for")


def test_a_backend_that_cannot_be_built_is_offline_and_tried_again(clock):
    store, attempts = memory_store(), []
    backend = ScriptedBackend()

    def factory():
        attempts.append(clock.now)
        if len(attempts) == 1:
            raise ChainUnavailable("no answer from the bcoin node at 127.0.0.1:9")
        return backend

    watcher = Watcher(store, factory, Policy(), clock, poll_seconds=5)
    assert watcher.poll_once().status.state == "offline"
    clock.advance(5)
    assert watcher.poll_once().status.state == "online"
    assert len(attempts) == 2


def test_an_unexpected_backend_error_is_unknown_too(setup, clock, caplog):
    store, backend, watcher = setup
    inv = make_invoice()
    store.save_invoice(inv)
    backend.payments_to = lambda address: (_ for _ in ()).throw(RuntimeError("provider bug"))
    report = watcher.poll_once()
    assert report.status.state == "degraded" and report.updated == []
    assert store.get_invoice(inv.id) == inv
    assert "chain backend failed unexpectedly" in caplog.text


def test_a_change_made_during_the_poll_is_not_overwritten(setup, clock):
    store, backend, watcher = setup
    inv = make_invoice()
    store.save_invoice(inv)

    def cashier_cancels_meanwhile(address):
        store.save_invoice(inv.cancel(at=clock.now))
        return paid(inv)

    backend.payments_to = cashier_cancels_meanwhile
    assert watcher.poll_once().updated == []
    assert store.get_invoice(inv.id).state == "cancelled"


def test_alerts_for_what_a_person_must_handle(setup, clock):
    store, backend, watcher = setup
    over, late, replaced = make_invoice(seq=1), make_invoice(seq=2, now=T0 - timedelta(minutes=30)), make_invoice(seq=3)
    for inv in (over, late, replaced):
        store.save_invoice(inv)
    backend.payments = {over.address: paid(over, over.amount_sat + 5_000), late.address: paid(late),
                        replaced.address: paid(replaced, txid="b" * 64, rbf=True)}
    report = watcher.poll_once()
    assert {(i.id, i.state, tuple(sorted(i.marks))) for i in report.updated} == {
        (over.id, PROCESSING, (PAID_OVER,)), (late.id, EXPIRED, (PAID_LATE,)), (replaced.id, PROCESSING, ())}
    assert sorted(report.alerts) == [
        f"{over.id}: overpaid by 5000 sat: refund the customer",
        f"{late.id}: paid in full after it expired: the manager must check it and settle by hand"]
    backend.payments[replaced.address] = ()
    report = watcher.poll_once()
    assert [(i.id, i.state) for i in report.updated] == [(replaced.id, NEW)]
    assert report.alerts == [f"{replaced.id}: PAYMENT LOST AFTER HAND-OVER: bbbbbbbbbbbb... disappeared; "
                             f"0 of {replaced.amount_sat} sat now seen: a manager must acknowledge it and follow up"]


def test_the_monitoring_window_ends_unconfirmed_payments_as_invalid(setup, clock):
    store, backend, watcher = setup
    inv = make_invoice()
    store.save_invoice(inv)
    backend.payments[inv.address] = paid(inv)
    watcher.poll_once()
    clock.now = inv.monitor_until
    report = watcher.poll_once()
    assert [i.state for i in report.updated] == ["invalid"]
    assert report.alerts == [f"{inv.id}: still unconfirmed at the end of the monitoring window: invalid"]


def test_a_new_watcher_on_the_same_store_watches_every_open_invoice(setup, clock):
    store, backend, watcher = setup
    invoices = [make_invoice(seq=i) for i in (1, 2, 3)]
    for inv in invoices:
        store.save_invoice(inv)
    backend.payments[invoices[2].address] = paid(invoices[2])
    restarted = Watcher(store, lambda: backend, Policy(), clock, poll_seconds=10)
    report = restarted.poll_once()
    assert backend.calls == ["tip", *(inv.address for inv in invoices)]
    assert [(i.id, i.state) for i in report.updated if i.payments] == [(invoices[2].id, PROCESSING)]


def test_zero_conf_policy_settles_small_non_rbf_payments_only(clock):
    store, backend = memory_store(), ScriptedBackend()
    inv_plain, inv_rbf = make_invoice(seq=1), make_invoice(seq=2)
    for inv in (inv_plain, inv_rbf):
        store.save_invoice(inv)
    backend.payments = {inv_plain.address: paid(inv_plain), inv_rbf.address: paid(inv_rbf, rbf=True)}
    policy = Policy(confirmations=0, zero_conf_max_sat=inv_plain.amount_sat)
    report = Watcher(store, lambda: backend, policy, clock, poll_seconds=1).poll_once()
    assert {i.id: i.state for i in report.updated} == {inv_plain.id: SETTLED, inv_rbf.id: PROCESSING}


def test_confirmations_count_from_the_tip_just_read_even_when_it_went_down(clock):
    store, backend = memory_store(), ScriptedBackend()
    watcher = Watcher(store, lambda: backend, Policy(confirmations=3), clock, poll_seconds=1)
    inv = make_invoice()
    store.save_invoice(inv)
    backend.tip, backend.payments[inv.address] = 102, paid(inv, height=101)
    watcher.poll_once()
    assert store.get_invoice(inv.id).confirmations == 2
    backend.tip = 101  # a reorg, or a provider lagging behind: one confirmation, not three
    backend.payments[inv.address] = paid(inv, height=101)
    watcher.poll_once()
    assert (store.get_invoice(inv.id).state, store.get_invoice(inv.id).confirmations) == (PROCESSING, 1)


def test_the_quick_look_asks_only_for_the_invoice_on_screen_from_the_last_polls_tip(setup):
    store, backend, watcher = setup
    on_screen, other = make_invoice(seq=1), make_invoice(seq=2)
    store.save_invoice(on_screen)
    store.save_invoice(other)
    assert watcher.poll_one(on_screen.id).changes == [] and backend.calls == []  # no tip read yet: nothing asked
    watcher.poll_once()
    backend.calls.clear()
    backend.payments = {on_screen.address: paid(on_screen), other.address: paid(other)}
    report = watcher.poll_one(on_screen.id)
    assert backend.calls == [on_screen.address]
    assert [(after.id, after.state, after.handed_over) for _, after in report.changes] == [
        (on_screen.id, PROCESSING, True)]
    assert store.get_invoice(other.id).state == NEW  # the background waits for the next poll


def test_the_quick_look_goes_on_while_a_background_address_fails_but_not_offline(setup):
    store, backend, watcher = setup
    on_screen, other = make_invoice(seq=1), make_invoice(seq=2)
    store.save_invoice(on_screen)
    store.save_invoice(other)
    backend.failing = {other.address}
    assert watcher.poll_once().status.state == "degraded"
    backend.payments = {on_screen.address: paid(on_screen)}
    assert [after.id for _, after in watcher.poll_one(on_screen.id).changes] == [on_screen.id]
    backend.down = True
    watcher._retry_at = None  # noqa: SLF001 - straight to the next poll, as after the backoff
    assert watcher.poll_once().status.state == "offline"
    backend.calls.clear()
    assert watcher.poll_one(on_screen.id).changes == [] and backend.calls == []


def test_a_slow_full_poll_does_not_hold_up_the_quick_look(setup):
    import threading

    store, backend, watcher = setup
    on_screen = make_invoice(seq=1)
    store.save_invoice(on_screen)
    watcher.poll_once()
    release = threading.Event()
    slow_tip = backend.tip_height

    def stuck_tip() -> int:
        release.wait(10)
        return slow_tip()

    backend.tip_height = stuck_tip  # type: ignore[method-assign]
    poller = threading.Thread(target=watcher.poll_once)
    poller.start()
    try:
        backend.payments = {on_screen.address: paid(on_screen)}
        report = watcher.poll_one(on_screen.id)  # would wait for `release` if it shared the poll's lock
        assert [after.handed_over for _, after in report.changes] == [True]
    finally:
        release.set()
        poller.join()


@pytest.mark.parametrize("handover", ["seen", "settled"])
def test_a_payment_that_comes_and_goes_on_every_poll_alerts_once(setup, clock, handover):
    store, backend, watcher = setup
    watcher._policy = Policy(handover=handover)
    invoice = make_invoice(seq=1)
    store.save_invoice(invoice)
    alerts = []
    for _ in range(30):
        backend.payments[invoice.address] = paid(invoice)
        alerts += watcher.poll_once().alerts
        clock.advance(5)
        backend.payments[invoice.address] = ()
        alerts += watcher.poll_once().alerts
        clock.advance(5)
    assert len(alerts) == 1 and "a" * 12 in alerts[0]
    assert ("LOST AFTER HAND-OVER" in alerts[0]) == (handover == "seen")
    assert len(store.get_invoice(invoice.id).history) < 10
