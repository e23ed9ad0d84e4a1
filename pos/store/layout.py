"""Where each record lives: the names of the store's TinyDB files.

    counters                     the durable counters (invoice sequence, address index, ...)
    open                         invoices the watcher still needs: the small working set
    state                        named state documents and the print queue
    state/<kind>/<block>         state documents about one invoice (`<kind>:<invoice id>`, such
                                 as the printer's `receipt:T01-000042`), by index block
    records                      the day's working set: cashiers, shifts, Z reports, Bitcoin refunds
                                 not yet paid (pos.sale.day)
    days/YYYY-MM/YYYY-MM-DD      closed invoices, by the business day they were created; and the
                                 sale records and refunds (done) of that day
    index/<terminal>-<seq/1000>  invoice id -> business day, for closed invoices

A name is a path without the `.json` suffix, relative to the store directory (the memory
store uses the same names as keys). The business day is the calendar day in Asia/Almaty,
taken from the `tzdata` package rather than the OS, whose tz database may predate
Almaty's move to UTC+5 in March 2024.
"""

from __future__ import annotations

import re
from datetime import date

from pos.core.invoice import invoice_id as make_id

COUNTERS, OPEN, STATE, RECORDS = "counters", "open", "state", "records"
DAYS, INDEX = "days", "index"
#: Invoices per index block: a block file stays a few tens of kilobytes.
BLOCK = 1000
_INVOICE_ID = re.compile(r"^(?P<terminal>[A-Za-z0-9_]+)-(?P<seq>\d+)$")
_KIND = re.compile(r"^[a-z0-9_-]+$")


def day_name(day: date) -> str:
    return f"{DAYS}/{day:%Y-%m}/{day.isoformat()}"


def index_slot(invoice_id: str) -> tuple[str, int | None]:
    """The index block an invoice id belongs to, and its document id inside that block.

    Ids are `<terminal>-<sequence>` (pos.core.invoice.invoice_id), so the sequence gives a
    fixed slot: looking an id up costs one dictionary access in one small file. An id of
    any other shape (or not in its canonical spelling) goes to the `other` block and is found by a scan of that block.
    """
    m = _INVOICE_ID.match(invoice_id)
    if m is None or make_id(m["terminal"], int(m["seq"])) != invoice_id:
        return f"{INDEX}/other", None
    seq = int(m["seq"])
    return f"{INDEX}/{m['terminal']}-{seq // BLOCK:04d}", seq % BLOCK + 1


def state_name(key: str) -> str:
    """Where a state document lives: `state`, or for `<kind>:<invoice id>` keys a block of its own.

    One document per invoice (a receipt number, say) would otherwise make `state`, which is
    rewritten at every scan of the sale in progress, grow with the history.
    """
    kind, sep, rest = key.partition(":")
    if not sep or not _KIND.match(kind):
        return STATE
    block, _ = index_slot(rest)
    return f"{STATE}/{kind}/{block.removeprefix(INDEX + '/')}"
