"""The Store contract, run over both implementations: the file store and the memory store."""

from dataclasses import replace
from datetime import date, datetime, timedelta, timezone

import pytest

from pos.core.invoice import EXPIRED, INVALID, PROCESSING, SETTLED, Payment
from pos.core.ports import PrintJob, StoreError
from tests.builders import T0, make_invoice


def paid(invoice, at=T0 + timedelta(minutes=3)):
    seen = replace(invoice, payments=(Payment("ab" * 32, invoice.amount_sat),))
    return seen.transition(PROCESSING, "full amount seen", at)


def settled(invoice):
    """Final: the store keeps it with its day (a cancelled one is watched for late payments)."""
    return paid(invoice).transition(SETTLED, "1 confirmation", T0 + timedelta(minutes=12))


# ---- counters ------------------------------------------------------------
def test_counters_start_at_one_and_count_up_each_on_its_own(store):
    assert [store.next_counter("invoice") for _ in range(3)] == [1, 2, 3]
    assert store.next_counter("address") == 1
    assert store.next_counter("invoice") == 4
    assert store.counter("invoice") == 4 and store.counter("receipt") == 0


def test_a_counter_needs_a_name(store):
    with pytest.raises(ValueError):
        store.next_counter("")


# ---- invoices ------------------------------------------------------------
def test_a_saved_invoice_comes_back_equal_to_the_last_field(store):
    invoice = make_invoice(7, items=(("BREAD-01", 2000), ("KURT-01", 347)))
    store.save_invoice(invoice)
    assert store.get_invoice(invoice.id) == invoice
    assert store.get_invoice("T01-000008") is None


def test_the_latest_save_wins_while_open_and_after_it_closes(store):
    invoice = make_invoice(1)
    store.save_invoice(invoice)
    processing = paid(invoice)
    store.save_invoice(processing)
    assert store.get_invoice(invoice.id) == processing
    store.save_invoice(settled(invoice))
    assert store.get_invoice(invoice.id) == settled(invoice)
    assert store.open_invoices() == []


def test_a_closed_invoice_saved_again_is_the_newest_version(store, clock):
    """A manager settling an invalid invoice by hand: the closed copy is updated in place."""
    invoice = paid(make_invoice(1))
    invalid = invoice.transition(INVALID, "not confirmed in time", T0 + timedelta(hours=25))
    store.save_invoice(invalid)
    by_manager = invalid.transition(SETTLED, "settled by the manager", T0 + timedelta(hours=30))
    store.save_invoice(by_manager)
    assert store.get_invoice(invoice.id) == by_manager
    assert store.invoices_for_day(date(2026, 11, 25)) == [by_manager]


def test_an_invoice_that_goes_back_to_watching_is_watched_again(store):
    """Not a transition the core makes today, but the store must not keep a stale copy."""
    invoice = make_invoice(1)
    store.save_invoice(settled(invoice))
    reopened = replace(invoice, history=invoice.history[:1])
    store.save_invoice(reopened)
    assert store.get_invoice(invoice.id) == reopened
    assert store.open_invoices() == [reopened]
    assert store.invoices_for_day(date(2026, 11, 25)) == [reopened]


def test_open_invoices_are_those_the_watcher_still_needs(store, clock):
    new = make_invoice(1)
    processing = paid(make_invoice(2))
    expired = make_invoice(3).transition(EXPIRED, "no payment", T0 + timedelta(minutes=15))
    done = settled(make_invoice(4))
    cancelled = make_invoice(5).cancel(at=T0)
    for invoice in (new, processing, expired, done, cancelled):
        store.save_invoice(invoice)
    clock.advance(hours=1)
    assert store.open_invoices() == [new, processing, expired, cancelled]  # a late payment still shows
    clock.advance(hours=24)  # the expired and cancelled invoices' monitoring window is over
    assert store.open_invoices() == [new, processing]
    assert store.get_invoice(expired.id) == expired


def test_an_expired_invoice_past_monitoring_is_kept_with_its_day(store, clock):
    expired = make_invoice(1).transition(EXPIRED, "no payment", T0 + timedelta(minutes=15))
    store.save_invoice(expired)
    clock.advance(days=3)
    store.save_invoice(make_invoice(2, now=clock.now))  # the first save of a new day tidies up
    assert store.get_invoice(expired.id) == expired
    assert store.invoices_for_day(date(2026, 11, 25)) == [expired]


def test_invoices_for_day_follow_the_almaty_calendar_oldest_first(store):
    # 18:59 UTC is 23:59 in Almaty, 19:00 UTC is already the next day there
    late = make_invoice(1, now=datetime(2026, 11, 24, 18, 59, tzinfo=timezone.utc))
    after_midnight = make_invoice(2, now=datetime(2026, 11, 24, 19, 0, tzinfo=timezone.utc))
    morning = make_invoice(3, now=T0)
    for invoice in (morning, after_midnight, late):
        store.save_invoice(invoice)
    store.save_invoice(settled(after_midnight))  # one closed, one open on the same day
    assert store.invoices_for_day(date(2026, 11, 24)) == [late]
    assert [i.id for i in store.invoices_for_day(date(2026, 11, 25))] == [after_midnight.id, morning.id]
    assert store.invoices_for_day(date(2026, 11, 25))[0].state == SETTLED
    assert store.invoices_for_day(date(2026, 11, 26)) == []


def test_ids_of_another_shape_are_stored_and_found(store):
    odd = replace(settled(make_invoice(1)), id="SHOP A/1")
    unpadded = replace(settled(make_invoice(2)), id="T01-2")
    store.save_invoice(odd)
    store.save_invoice(unpadded)
    assert store.get_invoice("SHOP A/1") == odd and store.get_invoice("T01-2") == unpadded
    assert store.get_invoice("T01-000002") is None


def test_import_closed_adds_history_in_bulk_and_refuses_open_or_known_invoices(store):
    history = [paid(make_invoice(n, now=T0 - timedelta(days=n))).transition(SETTLED, "ok", T0) for n in (1, 2, 3)]
    assert store.import_closed(history) == 3
    assert store.get_invoice(history[1].id) == history[1]
    assert store.invoices_for_day(date(2026, 11, 22)) == [history[2]]
    with pytest.raises(ValueError, match="already stored"):
        store.import_closed(history[:1])
    with pytest.raises(ValueError, match="still open"):
        store.import_closed([make_invoice(9)])


# ---- state and print queue -------------------------------------------------
def test_state_documents_are_stored_replaced_and_removed(store):
    assert store.get_state("cart") is None
    store.put_state("cart", {"lines": [{"sku": "BREAD-01", "quantity_milli": 1000}]})
    store.put_state("cart", {"lines": []})
    assert store.get_state("cart") == {"lines": []}
    store.put_state("cart", None)
    assert store.get_state("cart") is None


def test_state_documents_about_one_invoice_each_are_kept_apart(store):
    for n in (41, 42, 1042):
        store.put_state(f"receipt:T01-{n:06d}", {"number": n})
    store.put_state("pin:lock", {"failures": 2})
    store.put_state("receipt", {"plain": True})
    assert store.get_state("receipt:T01-000042") == {"number": 42}
    assert store.get_state("receipt:T01-001042") == {"number": 1042}
    assert store.get_state("pin:lock") == {"failures": 2} and store.get_state("receipt") == {"plain": True}
    store.put_state("receipt:T01-000041", None)
    assert store.get_state("receipt:T01-000041") is None and store.get_state("receipt:T01-000042") == {"number": 42}


def test_a_state_document_read_back_is_a_copy(store):
    store.put_state("rate", {"manual": {"tiyn_per_btc": 1}})
    store.get_state("rate")["manual"]["tiyn_per_btc"] = 2
    assert store.get_state("rate") == {"manual": {"tiyn_per_btc": 1}}


def test_the_print_queue_keeps_jobs_in_order_until_they_are_finished(store):
    second = PrintJob("P2", "T01-000002", T0 + timedelta(minutes=1))
    first = PrintJob("P1", "T01-000001", T0)
    store.enqueue_print(second)
    store.enqueue_print(first)
    assert store.pending_prints() == [first, second]
    failed = replace(first, attempts=1, last_error="paper out")
    store.update_print(failed)
    assert store.pending_prints() == [failed, second]
    store.finish_print("P1")
    assert store.pending_prints() == [second]


def test_a_closed_store_refuses_to_work(store):
    store.close()
    with pytest.raises(StoreError, match="closed"):
        store.get_invoice("T01-000001")
    store.close()  # closing twice is harmless
