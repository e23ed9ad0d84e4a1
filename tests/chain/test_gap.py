"""The gap-limit warning: unused addresses in a row past the last paid one."""

from __future__ import annotations

from dataclasses import replace

from pos.chain.gap import gap_warning, last_paid_index, record_paid, unpaid_gap
from pos.core.invoice import Payment
from pos.store import memory_store
from tests.builders import make_invoice


def invoice(index: int, paid: bool):
    return replace(make_invoice(seq=index + 1), address_index=index,
                   payments=(Payment(f"{index:064x}", 1000, 100),) if paid else ())


def test_the_gap_counts_addresses_after_the_last_paid_one():
    assert unpaid_gap(3, 1) == 2
    assert unpaid_gap(3, 3) == 0
    assert unpaid_gap(2, None) == 3  # nothing paid yet: from index 0


def test_indices_of_other_terminals_in_between_count_as_unused():
    # this terminal is slot 1 of 4: its addresses are 1, 5, 9, 13; 5 was paid
    assert unpaid_gap(13, 5) == 8


def test_the_warning_starts_when_the_gap_exceeds_the_limit():
    assert gap_warning(20, 0, 20) is None  # 20 past the paid one: the wallet still sees it
    message = gap_warning(21, 0, 20)
    assert message is not None
    assert message.startswith("21 receive addresses in a row are unused (wallet gap limit 20)")
    assert "Raise the wallet's gap limit" in message


def test_the_store_remembers_the_highest_paid_address():
    store = memory_store()
    assert last_paid_index(store) is None
    record_paid(store, invoice(3, paid=False))
    assert last_paid_index(store) is None
    record_paid(store, invoice(7, paid=True))
    record_paid(store, invoice(5, paid=True))  # an older invoice paid late does not move it back
    assert last_paid_index(store) == 7
    assert gap_warning(40, last_paid_index(store), 20) is not None
    record_paid(store, invoice(39, paid=True))
    assert gap_warning(40, last_paid_index(store), 20) is None
