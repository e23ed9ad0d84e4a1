"""The writer that test_kill shoots with SIGKILL: saves invoices in a loop, saying what it does.

    python tests/store/kill_writer.py STORE_DIR [day-first]

Lines on stdout, each flushed before the next step:
    ready        the store is open
    C <n>        next_counter("invoice") returned n
    > N <seq>    about to save invoice <seq> as new
    > S <seq>    about to save invoice <seq> closed (settled or cancelled)
    ok           that save returned
and, between them, the day's records (test_kill's DayModel reads these):
    + O          about to open a shift
    + K <n>      about to save cash sale <n> (the n-th value of the "sale" counter), its fiscal receipt queued
    + R <n>      about to save the cash refund of sale <n>, its return receipt queued
    + Z <shift>  about to close shift <shift> with its Z report
    done         that write returned
Every invoice is a pure function of its sequence number (new_version, closed_version), so
the test rebuilds exactly what each line promises. Imports are kept to the store and the
core: the writer is started hundreds of times.
"""

from __future__ import annotations

import sys
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

if not __package__:  # run as a script: make the repository importable, for tests.builders
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from pos.core.invoice import PROCESSING, SETTLED, Invoice, Payment  # noqa: E402
from pos.core.refund import DONE, Refund, RefundLine  # noqa: E402
from pos.core.shift import Shift  # noqa: E402
from pos.core.tender import CashTender, TenderedSale, tendered_sale  # noqa: E402
from pos.store import open_store  # noqa: E402
from tests.builders import make_cart, make_invoice  # noqa: E402

#: Invoices are dated from here, 11 minutes apart: about 130 a day, so the run spans many days.
BASE = datetime(2026, 3, 1, 3, 0, tzinfo=timezone.utc)
STEP = timedelta(minutes=11)
#: The writer closes its oldest open invoice whenever more than this many are open.
KEEP_OPEN = 3
ITEMS = ((("BREAD-01", 1000),), (("MILK-01", 2000), ("KURT-01", 347)), (("KEFIR-01", 1000),))


def new_version(seq: int) -> Invoice:
    return make_invoice(seq, items=ITEMS[seq % len(ITEMS)], now=BASE + STEP * seq)


def closed_version(seq: int) -> Invoice:
    invoice = new_version(seq)
    if seq % 2:
        return invoice.cancel(at=invoice.created_at + timedelta(minutes=2))
    paid = replace(invoice, payments=(Payment(f"{seq:064x}", invoice.amount_sat, height=100 + seq),))
    at = invoice.created_at + timedelta(minutes=5)
    return paid.transition(PROCESSING, "full amount seen", at).transition(SETTLED, "1 confirmation", at)


def cash_sale(n: int, shift: int) -> TenderedSale:
    totals = make_cart(ITEMS[n % len(ITEMS)]).totals()
    return tendered_sale(id=f"T01-S{n:06d}", terminal_id="T01", cashier="Aigerim", at=BASE + STEP * n, totals=totals,
                         tenders=(CashTender(totals.total, totals.total + n % 5 * 100_00),), shift=shift)


def cash_refund(n: int, shift: int) -> Refund:
    sale = cash_sale(n, shift)
    lines = tuple(RefundLine(i, l.sku, l.quantity_milli, l.total_tiyn, l.vat_rate_bp) for i, l in enumerate(sale.lines))
    at = sale.at + timedelta(minutes=1)
    return Refund(id=f"T01-R{n:06d}", sale_id=sale.id, terminal_id="T01", cashier="Aigerim", tender="cash",
                  amount_tiyn=sale.total_tiyn, lines=lines, whole=True, requested_at=at, state=DONE, done_at=at,
                  shift=shift)


def closing(shift: Shift, n: int) -> Shift:
    return shift.close(counted_cash_tiyn=n * 100, at=BASE + STEP * n + timedelta(minutes=2), by="Boss")


def day_records(store, shift: Shift | None) -> Shift | None:
    """One cash sale; every third a refund, every fourth the shift closed with its Z. The shift open after."""
    if shift is None:
        say("+ O")
        shift = store.open_shift("Aigerim", 0, BASE + STEP * store.counter("sale"))
        say("done")
    n = store.next_counter("sale")
    say(f"+ K {n}")
    store.save_sale(cash_sale(n, shift.number), fiscal=True)
    say("done")
    if n % 3 == 0:
        say(f"+ R {n}")
        store.save_refunds([cash_refund(n, shift.number)], fiscal_of=cash_sale(n, shift.number))
        say("done")
    if n % 4 == 0:
        say(f"+ Z {shift.number}")
        store.close_shift(closing(shift, n), {"sales": n})
        say("done")
        return None
    return shift


def say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def main(directory: Path, day_first: bool) -> None:
    """Each round saves invoices and the day's records; `day_first` puts the day's records first
    (a run lives for a few writes only: test_kill alternates, so kills land among both)."""
    store = open_store(directory)
    open_seqs = [invoice.seq for invoice in store.open_invoices()]
    shift = store.current_shift()
    say("ready")
    while True:
        if day_first:
            shift = day_records(store, shift)
        seq = store.next_counter("invoice")
        say(f"C {seq}")
        say(f"> N {seq}")
        store.save_invoice(new_version(seq))
        say("ok")
        open_seqs.append(seq)
        if len(open_seqs) > KEEP_OPEN:
            oldest = open_seqs.pop(0)
            say(f"> S {oldest}")
            store.save_invoice(closed_version(oldest))
            say("ok")
        if not day_first:
            shift = day_records(store, shift)


if __name__ == "__main__":
    main(Path(sys.argv[1]), sys.argv[2:] == ["day-first"])
