"""The writer that test_kill shoots with SIGKILL: saves invoices in a loop, saying what it does.

    python tests/store/kill_writer.py STORE_DIR

Lines on stdout, each flushed before the next step:
    ready        the store is open
    C <n>        next_counter("invoice") returned n
    > N <seq>    about to save invoice <seq> as new
    > S <seq>    about to save invoice <seq> closed (settled or cancelled)
    ok           that save returned
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
from pos.store import open_store  # noqa: E402
from tests.builders import make_invoice  # noqa: E402

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


def say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def main(directory: Path) -> None:
    store = open_store(directory)
    open_seqs = [invoice.seq for invoice in store.open_invoices()]
    say("ready")
    while True:
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


if __name__ == "__main__":
    main(Path(sys.argv[1]))
