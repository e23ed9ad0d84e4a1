"""The gap-limit warning: unused addresses in a row past the last paid one."""

from __future__ import annotations

from dataclasses import replace

from pos.chain.gap import gap_warning, unpaid_gap
from pos.core.invoice import Payment
from tests.builders import make_invoice


def invoices(*indices: int, paid: tuple[int, ...] = ()):
    return [replace(make_invoice(seq=i + 1), address_index=i,
                    payments=(Payment(f"{i:064x}", 1000, 100),) if i in paid else ())
            for i in indices]


def test_the_gap_counts_addresses_after_the_last_paid_one():
    assert unpaid_gap(invoices(0, 1, 2, 3, paid=(1,))) == 2
    assert unpaid_gap(invoices(0, 1, 2, 3, paid=(3,))) == 0
    assert unpaid_gap(invoices(0, 1, 2)) == 3  # nothing paid yet: from index 0
    assert unpaid_gap([]) == 0


def test_indices_of_other_terminals_in_between_count_as_unused():
    # this terminal is slot 1 of 4: its addresses are 1, 5, 9, ...
    assert unpaid_gap(invoices(1, 5, 9, 13, paid=(5,))) == 8


def test_the_warning_starts_when_the_gap_exceeds_the_limit():
    at_limit = invoices(*range(21), paid=(0,))  # newest is 20 past the paid one: the wallet still sees it
    assert gap_warning(at_limit, 20) is None
    past = invoices(*range(22), paid=(0,))
    message = gap_warning(past, 20)
    assert message is not None
    assert message.startswith("21 receive addresses in a row are unused (wallet gap limit 20)")
    assert "Raise the wallet's gap limit" in message


def test_a_payment_after_a_long_gap_clears_the_warning():
    assert gap_warning(invoices(*range(40), paid=(39,)), 20) is None
