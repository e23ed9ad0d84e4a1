"""The day's records in the Store contract (file and memory): cashiers, shifts, sales, refunds, Z reports.

Each is one journaled operation; a shift and a Z are numbered in the operation that writes
them, and a second Z for a shift is refused by the store itself.
"""

from dataclasses import replace
from datetime import date, timedelta

import pytest

from pos.core.cashier import Cashier
from pos.core.refund import DONE
from pos.core.shift import ShiftError
from pos.store.audit import verify_store
from tests.builders import T0
from tests.core.shift_day import a_day, txid

HASH = "scrypt$16384$8$1$00$" + "00" * 32
DAY = date(2026, 11, 25)


def test_cashiers_are_kept_by_name_and_changed_in_place(store):
    aigerim = Cashier("Aigerim", "cashier", HASH, T0)
    store.save_cashier(aigerim)
    store.save_cashier(Cashier("Бауыржан", "manager", HASH, T0))
    promoted = replace(aigerim, role="manager")
    store.save_cashier(promoted)
    assert store.cashiers() == [promoted, Cashier("Бауыржан", "manager", HASH, T0)]


def test_shifts_are_numbered_and_only_one_is_open_at_a_time(store):
    assert store.current_shift() is None
    first = store.open_shift("Aigerim", 10_000_00, T0)
    assert (first.number, first.terminal_id, first.opening_float_tiyn) == (1, store.terminal, 10_000_00)
    assert store.current_shift() == first
    with pytest.raises(ShiftError, match="shift 1 is open"):
        store.open_shift("Aigerim", 0, T0)
    store.close_shift(first.close(counted_cash_tiyn=10_000_00, at=T0 + timedelta(hours=8), by="Boss"), {"net": 0})
    assert store.current_shift() is None
    assert store.open_shift("Aigerim", 0, T0 + timedelta(hours=9)).number == 2


def test_a_z_closes_its_shift_once_with_the_journal_head_before_it(store):
    shift = store.open_shift("Aigerim", 0, T0)
    head = store.journal_head()
    closed = shift.close(counted_cash_tiyn=500_00, at=T0 + timedelta(hours=8), by="Boss")
    z = store.close_shift(closed, {"net": 1500_00})
    assert (z.number, z.shift, z.by, z.journal_seq, z.journal_hash) == (1, 1, "Boss", head.seq, head.hash)
    assert store.z_reports() == [z] and store.shifts() == [closed]
    with pytest.raises(ShiftError, match="closed already"):
        store.close_shift(closed, {"net": 0})
    with pytest.raises(ShiftError, match="closed already"):  # a caller holding the open shift is refused too
        store.close_shift(shift.close(counted_cash_tiyn=0, at=T0 + timedelta(hours=9), by="Boss"), {"net": 0})
    assert store.z_reports() == [z] and store.counter("z") == 1


def test_sales_are_kept_with_their_business_day_and_never_rewritten(store):
    day = a_day()
    for sale in day.sales:
        store.save_sale(sale)
    assert store.sales_for_day(DAY) == list(day.sales)
    assert store.sales_for_day(DAY + timedelta(days=1)) == []
    with pytest.raises(ValueError, match="already stored"):
        store.save_sale(day.sales[0])


def test_a_bitcoin_refund_waits_in_the_working_set_until_paid(store):
    cash_refund, owed_refund, waiting = a_day().refunds
    store.save_refunds([cash_refund, waiting])
    assert store.requested_refunds() == [waiting]
    assert store.refunds_for_day(DAY) == [cash_refund, waiting]
    paid = waiting.done(txid(7), waiting.requested_at + timedelta(minutes=30))
    store.save_refunds([paid])
    assert store.requested_refunds() == []
    assert store.refunds_for_day(DAY) == [cash_refund, paid] and paid.state == DONE


def test_every_record_is_journaled_and_verify_checks_it(store_dir, open_file_store):
    store = open_file_store()
    day = a_day()
    store.save_cashier(Cashier("Aigerim", "cashier", HASH, T0))
    shift = store.open_shift("Aigerim", 0, T0)
    for sale in day.sales:
        store.save_sale(sale)
    store.save_refunds([day.refunds[2]])
    store.save_refunds([day.refunds[2].done(txid(7), T0 + timedelta(hours=5))])
    store.close_shift(shift.close(counted_cash_tiyn=0, at=T0 + timedelta(hours=8), by="Boss"), {"net": 0})
    store.close()
    assert verify_store(store_dir).ok
    sale_file = store_dir / "days" / "2026-11" / "2026-11-25.json"
    sale_file.write_bytes(sale_file.read_bytes().replace(b'"A1B2C3"', b'"A1B2C4"'))
    verdict = verify_store(store_dir)
    assert not verdict.ok and "sale T01-S000002" in verdict.message, verdict.message

