"""The Store port (pos.core.ports.Store) over TinyDB partitions.

Invoice records are `{"id", "rev", "invoice"}`. `rev` grows by one with every save of an
invoice; it is what makes moving an invoice between two files safe. A move (from `open`
to its day file, when the invoice stops needing the watcher) is three atomic writes in
this order: the index entry, the day file, then the removal from `open`. A crash between
them leaves the invoice in both files, never in neither, and the copy with the higher rev
(the closed one on a tie: a move does not change the record) is the invoice. Opening the
store finishes any interrupted move, so afterwards a record in `open` is the newest copy;
a move that fails while running (disk full) marks its invoice so that reads compare revs.

Every public method holds one lock: the UI thread, the chain watcher and the printer
worker all use the same store.
"""

from __future__ import annotations

import copy
import functools
import threading
from datetime import date, datetime
from typing import Any, Callable, Iterable, Protocol, TypeVar

from tinydb import TinyDB, where
from tinydb.queries import QueryLike
from tinydb.table import Document, Table

from pos.core.invoice import Invoice, utcnow
from pos.core.ports import PrintJob, StoreError
from pos.store.atomic import DamagedFile
from pos.core.localtime import business_day
from pos.store.layout import COUNTERS, OPEN, STATE, day_name, index_slot, state_name

INVOICES, COUNTER_TABLE, STATE_TABLE, PRINTS, DAY_INDEX = "invoices", "counters", "state", "prints", "days"

Record = dict[str, Any]


class Backend(Protocol):
    name: str  # where the store is, for messages
    stamp: Callable[[], dict[str, int]]

    def describe(self, name: str) -> str:
        """Where a named database is, for messages (the file's path)."""

    def db(self, name: str) -> TinyDB: ...

    def stamp_of(self, name: str) -> dict[str, int]: ...

    def damaged(self) -> list[str]:
        """The damaged files set aside in the store (their names): while there are any, it refuses."""

    def close(self) -> None: ...


def _operation(method: Callable) -> Callable:
    """One at a time; a damaged file found on the way stops the store until a person has dealt with it."""

    @functools.wraps(method)
    def run(self: "TinyStore", *args: Any, **kwargs: Any) -> Any:
        with self._mutex:
            if self._refusal:
                self._go_on_if_dealt_with()
            if self._refusal:
                raise StoreError(self._refusal)
            try:
                return method(self, *args, **kwargs)
            except DamagedFile as exc:
                self._refusal = str(exc)
                raise
    return run


def _decode(record: Record, where_: str) -> Invoice:
    return _read(lambda: Invoice.from_dict(record["invoice"]), where_, f"invoice {record.get('id')!r}")


T = TypeVar("T")


def _read(build: Callable[[], T], where_: str, what: str) -> T:
    """A record that does not fit its class (hand-edited, or from a newer version) is named, not a traceback."""
    try:
        return build()
    except (KeyError, TypeError, ValueError) as exc:
        raise StoreError(f"{where_}: {what} cannot be read ({exc!r})") from None


def _upsert(table: Table, doc: Record, cond: QueryLike) -> None:
    """One write: TinyDB's own upsert writes twice when it inserts (a no-op update, then the insert)."""
    if table.contains(cond):
        table.update(doc, cond)
    else:
        table.insert(doc)


def _newest(open_copy: Record | None, closed_copy: Record | None) -> Record | None:
    if open_copy is None or closed_copy is None:
        return open_copy or closed_copy
    return closed_copy if closed_copy["rev"] >= open_copy["rev"] else open_copy


class TinyStore:
    def __init__(self, backend: Backend, clock: Callable[[], datetime] = utcnow) -> None:
        self._backend = backend
        self._clock = clock
        self._mutex = threading.RLock()
        self._refusal = ""
        self._closed = False
        self._moving: set[str] = set()  # ids whose move failed half-way in this process
        try:
            counters = backend.db(COUNTERS)
            if not counters.tables():  # a new store: from now on a missing counters file is an alarm
                counters.table(COUNTER_TABLE, persist_empty=True)
            self._counters = {d["name"]: int(d["value"]) for d in self._table(COUNTERS, COUNTER_TABLE)}
            backend.stamp = lambda: dict(self._counters)
            self._check_counters()
            self._finish_moves()
            self._sweep()
        except BaseException:
            backend.close()
            raise

    def _go_on_if_dealt_with(self) -> None:
        """Lift a damage refusal once no damaged file is left set aside, as opening the store would.

        The refusal message tells a person to put the file back from a backup and move the
        damaged copy out of the store (or to stop the terminal and repair): once that is done the
        running terminal goes on, finishing any move the damage interrupted, as a start would.
        """
        if self._closed or self._backend.damaged():
            return
        self._refusal = ""
        self._finish_moves()

    # ---- counters --------------------------------------------------------
    @_operation
    def next_counter(self, name: str) -> int:
        if not name:
            raise ValueError("a counter needs a name")
        value = self._counters.get(name, 0) + 1
        _upsert(self._table(COUNTERS, COUNTER_TABLE), {"name": name, "value": value}, where("name") == name)
        self._counters[name] = value
        return value

    @_operation
    def counter(self, name: str) -> int:
        """The last value handed out (0 if none): for checks and tests, it takes nothing."""
        return self._counters.get(name, 0)

    def _check_counters(self) -> None:
        """Every file records the counters as they stood; counters.json may never be behind them."""
        for name in (OPEN, STATE):
            for counter, seen in self._backend.stamp_of(name).items():
                if self._counters.get(counter, 0) < seen:
                    raise StoreError(
                        f"the {counter!r} counter is at {self._counters.get(counter, 0)} but {name} was written "
                        f"when it was at {seen}: counters.json is older than the rest of the store (restored "
                        "from an old backup?). Starting would reuse invoice numbers or addresses: run "
                        f"`python -m pos.store repair {self._backend.name}`, which rebuilds the counters.")

    # ---- invoices --------------------------------------------------------
    @_operation
    def save_invoice(self, invoice: Invoice) -> None:
        now = self._clock()
        if business_day(now) != self._swept_on:
            self._sweep()
        open_copy = self._open_record(invoice.id)
        current = _newest(open_copy, self._closed_record(invoice.id))
        record = {"id": invoice.id, "rev": (current["rev"] if current else 0) + 1, "invoice": invoice.to_dict()}
        if invoice.needs_watching(now):
            _upsert(self._table(OPEN, INVOICES), record, where("id") == invoice.id)
        else:
            self._close(record, business_day(invoice.created_at), in_open=open_copy is not None)

    @_operation
    def get_invoice(self, invoice_id: str) -> Invoice | None:
        record = _newest(self._open_record(invoice_id), self._closed_record(invoice_id))
        return None if record is None else _decode(record, self._backend.name)

    @_operation
    def open_invoices(self) -> list[Invoice]:
        now = self._clock()
        found = [inv for inv in self._open_invoices() if inv.needs_watching(now)]
        return sorted(found, key=lambda inv: (inv.created_at, inv.id))

    @_operation
    def invoices_for_day(self, day: date) -> list[Invoice]:
        records = {r["id"]: r for r in self._table(day_name(day), INVOICES)}
        for record in self._table(OPEN, INVOICES):
            invoice = _decode(record, self._backend.describe(OPEN))
            if business_day(invoice.created_at) == day:
                records[record["id"]] = _newest(record, records.get(record["id"]))
        found = [_decode(r, self._backend.describe(day_name(day))) for r in records.values()]
        return sorted(found, key=lambda inv: (inv.created_at, inv.id))

    def _open_invoices(self) -> list[Invoice]:
        """Decoded records of `open`, skipping any whose half-done move already made them closed."""
        records = self._table(OPEN, INVOICES).all()
        if self._moving:
            records = [r for r in records if r["id"] not in self._moving
                       or _newest(r, self._closed_record(r["id"])) is r]
        return [_decode(r, self._backend.describe(OPEN)) for r in records]

    def _open_record(self, invoice_id: str) -> Record | None:
        return self._table(OPEN, INVOICES).get(where("id") == invoice_id)

    def _day_of(self, invoice_id: str) -> date | None:
        block, slot = index_slot(invoice_id)
        table = self._table(block, DAY_INDEX)
        entry = table.get(doc_id=slot) if slot is not None else table.get(where("id") == invoice_id)
        return date.fromisoformat(entry["day"]) if entry and entry["id"] == invoice_id else None

    def _closed_record(self, invoice_id: str) -> Record | None:
        day = self._day_of(invoice_id)
        return None if day is None else self._table(day_name(day), INVOICES).get(where("id") == invoice_id)

    def _close(self, record: Record, day: date, in_open: bool) -> None:
        """Index entry, then day file, then out of `open`: each step atomic, any prefix harmless."""
        invoice_id = record["id"]
        self._moving.add(invoice_id)
        if self._day_of(invoice_id) != day:
            block, slot = index_slot(invoice_id)
            entry = {"id": invoice_id, "day": day.isoformat()}
            table = self._table(block, DAY_INDEX)
            if slot is None:
                _upsert(table, entry, where("id") == invoice_id)
            elif table.contains(doc_id=slot):
                table.update(entry, doc_ids=[slot])
            else:
                table.insert(Document(entry, doc_id=slot))
        _upsert(self._table(day_name(day), INVOICES), record, where("id") == invoice_id)
        if in_open:
            self._table(OPEN, INVOICES).remove(where("id") == invoice_id)
        self._moving.discard(invoice_id)

    @_operation
    def import_closed(self, invoices: Iterable[Invoice]) -> int:
        """Add closed invoices not yet stored with one write per file touched (imports, benchmarks).

        Saving 100 000 past invoices one by one would be 300 000 fsynced writes; this is one
        per day and one per index block, index first, as a move is. Returns how many.
        """
        now = self._clock()
        days: dict[date, list[Record]] = {}
        blocks: dict[str, list[Record]] = {}
        for invoice in invoices:
            if invoice.needs_watching(now):
                raise ValueError(f"invoice {invoice.id} is still open: save it with save_invoice")
            if self._open_record(invoice.id) or self._day_of(invoice.id):
                raise ValueError(f"invoice {invoice.id} is already stored")
            day = business_day(invoice.created_at)
            days.setdefault(day, []).append({"id": invoice.id, "rev": 1, "invoice": invoice.to_dict()})
            block, slot = index_slot(invoice.id)
            entry = {"id": invoice.id, "day": day.isoformat()}
            blocks.setdefault(block, []).append(entry if slot is None else Document(entry, doc_id=slot))
        for block, entries in blocks.items():
            self._table(block, DAY_INDEX).insert_multiple(entries)
        for day, records in days.items():
            self._table(day_name(day), INVOICES).insert_multiple(records)
        return sum(len(records) for records in days.values())

    def _finish_moves(self) -> None:
        """Drop from `open` the records that an interrupted move already put in their day file."""
        for record in self._table(OPEN, INVOICES).all():
            if _newest(record, self._closed_record(record["id"])) is not record:
                self._table(OPEN, INVOICES).remove(where("id") == record["id"])

    def _sweep(self) -> None:
        """Move what no longer needs watching (expired or cancelled, past monitoring) out of `open`.

        Runs at start and at the first save of each business day, so `open` stays the small
        working set however long the terminal runs.
        """
        now = self._clock()
        for record in self._table(OPEN, INVOICES).all():
            invoice = _decode(record, self._backend.describe(OPEN))
            if not invoice.needs_watching(now):
                self._close(dict(record), business_day(invoice.created_at), in_open=True)
        self._swept_on = business_day(now)

    # ---- state and print queue ------------------------------------------
    @_operation
    def get_state(self, key: str) -> dict | None:
        doc = self._table(state_name(key), STATE_TABLE).get(where("key") == key)
        return None if doc is None else copy.deepcopy(doc["value"])

    @_operation
    def put_state(self, key: str, value: dict | None) -> None:
        table = self._table(state_name(key), STATE_TABLE)
        if value is None:
            table.remove(where("key") == key)
        else:
            _upsert(table, {"key": key, "value": copy.deepcopy(value)}, where("key") == key)

    @_operation
    def enqueue_print(self, job: PrintJob) -> None:
        _upsert(self._table(STATE, PRINTS), job.to_dict(), where("id") == job.id)

    @_operation
    def pending_prints(self) -> list[PrintJob]:
        jobs = [_read(lambda: PrintJob.from_dict(d), self._backend.describe(STATE), f"print job {d.get('id')!r}")
                for d in self._table(STATE, PRINTS)]
        return sorted(jobs, key=lambda j: (j.created_at, j.id))

    @_operation
    def update_print(self, job: PrintJob) -> None:
        _upsert(self._table(STATE, PRINTS), job.to_dict(), where("id") == job.id)

    @_operation
    def finish_print(self, job_id: str) -> None:
        self._table(STATE, PRINTS).remove(where("id") == job_id)

    def close(self) -> None:
        with self._mutex:
            if not self._closed:
                self._closed = True
                self._refusal = "the store is closed"
                self._backend.close()

    # ---- plumbing --------------------------------------------------------
    def _table(self, name: str, table: str) -> Table:
        return self._backend.db(name).table(table, cache_size=0)
