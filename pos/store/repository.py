"""The Store port (pos.core.ports.Store) over TinyDB partitions.

Invoice records are `{"id", "rev", "invoice"}`. `rev` grows by one with every save of an
invoice; it is what makes moving an invoice between two files safe. A move (from `open`
to its day file, when the invoice stops needing the watcher) is three atomic writes in
this order: the index entry, the day file, then the removal from `open`. A crash between
them leaves the invoice in both files, never in neither, and the copy with the higher rev
(the closed one on a tie: a move does not change the record) is the invoice. Opening the
store finishes any interrupted move, so afterwards a record in `open` is the newest copy.

Every write is one operation with its journal entries (pos.store.journal): the entries say
what changed (`_apply` turns each into TinyDB writes), the writes are held until the entries
are on disk, then written. The entries are the commit point: an operation whose files were
not all written (a kill, a disk fault) is applied again from its entries by the next call
or at the next start, so the journal and the records never disagree.

Every public method holds one lock: the UI thread, the chain watcher and the printer
worker all use the same store.
"""

from __future__ import annotations

import copy
import functools
import json
import logging
import threading
from dataclasses import replace
from datetime import date, datetime
from typing import Any, Callable, Concatenate, Iterable, ParamSpec, Protocol, TypeVar, overload

from tinydb import TinyDB, where
from tinydb.queries import QueryLike
from tinydb.table import Document, Table

from pos.core.cashier import MAX_CASHIERS, Cashier
from pos.core.fiscal import FiscalJob
from pos.core.invoice import Invoice, utcnow
from pos.core.journal import (
    ADOPTED, CASHIER_RECORD, COUNTER, DAY_RECORDS, FISCAL_RECORD, IMPORTED, INVOICE, MOVED, PRINT_DONE, PRINT_QUEUED, PRINT_UPDATED,
    REFUND_RECORD, SALE_RECORD, SHIFT_RECORD, STARTED, STATE_PUT, STORE_CREATED, SYSTEM, Z_RECORD,
    Draft, Entry, Head, canonical, digest, invoice_record,
)
from pos.core.ports import PrintJob, StoreError
from pos.core.localtime import business_day
from pos.core.refund import REQUESTED, Refund
from pos.core.report import ZRecord
from pos.core.shift import Shift, ShiftError
from pos.core.tender import TenderedSale
from pos.store.atomic import DamagedFile
from pos.store.journal import Held, Journal, Staging
from pos.store.layout import COUNTERS, OPEN, RECORDS, STATE, day_name, index_slot, state_name

INVOICES, COUNTER_TABLE, STATE_TABLE, PRINTS, DAY_INDEX = "invoices", "counters", "state", "prints", "days"
#: The day's records, in `records` and in the day files: {"kind", "id", "record"} (pos.core.journal.DAY_RECORDS).
DAY_TABLE = "records"
SHIFT_COUNTER, Z_COUNTER = "shift", "z"

Record = dict[str, Any]
#: Invoices per operation of import_closed: a journal append of a few MB at most.
IMPORT_BATCH = 1000
log = logging.getLogger(__name__)


class Backend(Protocol):
    name: str  # where the store is, for messages
    stamp: Callable[[], dict[str, int]]
    staging: Staging

    def describe(self, name: str) -> str:
        """Where a named database is, for messages (the file's path)."""

    def db(self, name: str) -> TinyDB: ...

    def stamp_of(self, name: str) -> dict[str, int]: ...

    def journal_seq_of(self, name: str) -> int:
        """The seq of the journal entry whose operation last wrote the file (0: none)."""

    def journal(self, clock: Callable[[], datetime], terminal: str | None) -> Journal: ...

    def files(self) -> list[tuple[str, bytes]]:
        """Name and bytes of every store file on disk (a store made before the journal adopts them)."""

    def damaged(self) -> list[str]:
        """The damaged files set aside in the store (their names): while there are any, it refuses."""

    def close(self) -> None: ...


P = ParamSpec("P")
R = TypeVar("R")


def _operation(method: Callable[Concatenate[TinyStore, P], R]) -> Callable[Concatenate[TinyStore, P], R]:
    """One at a time; a damaged file found on the way stops the store until a person has dealt with it."""

    @functools.wraps(method)
    def run(self: TinyStore, *args: P.args, **kwargs: P.kwargs) -> R:
        with self._mutex:
            if self._refusal:
                self._go_on_if_dealt_with()
            if self._refusal:
                raise StoreError(self._refusal)
            try:
                if self._unfinished:
                    self._finish_operation()
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


def _as_read_back(draft: Draft, where_: str) -> Draft:
    """The draft with its data as the journal gives it back (sorted keys, lists), so that applying
    it now and applying its entry again after a stop write the same bytes."""
    try:
        return Draft(draft.kind, json.loads(canonical(draft.data)), draft.actor)
    except (TypeError, ValueError) as exc:
        raise StoreError(f"cannot write to {where_}: the data is not plain JSON ({exc})") from None


def _hashes(files: list[tuple[Held, bytes]]) -> tuple[tuple[str, str], ...]:
    """[name, SHA-256] of each file an operation writes, in the order it writes them."""
    return tuple((storage.name, digest(raw)) for storage, raw in files)


@overload
def _newest(open_copy: Record, closed_copy: Record | None) -> Record: ...


@overload
def _newest(open_copy: Record | None, closed_copy: Record | None) -> Record | None: ...


def _newest(open_copy: Record | None, closed_copy: Record | None) -> Record | None:
    if open_copy is None or closed_copy is None:
        return open_copy or closed_copy
    return closed_copy if closed_copy["rev"] >= open_copy["rev"] else open_copy


class TinyStore:
    def __init__(self, backend: Backend, clock: Callable[[], datetime] = utcnow, terminal: str | None = None,
                 *, read_only: bool = False) -> None:
        """`read_only`: a look at a store another process may be writing (pos.store.reader): nothing is
        finished, moved or swept at opening, and every write raises StoreError."""
        self._backend = backend
        self._clock = clock
        self._mutex = threading.RLock()
        self._refusal = ""
        self._closed = False
        self._unfinished = False  # an operation's entries are on disk, not all its files
        self._read_only = read_only
        try:
            self._journal = backend.journal(clock, terminal)
            self._counters = self._read_counters()
            backend.stamp = lambda: dict(self._counters)
            self._swept_on = business_day(clock())
            if read_only:
                return
            self._finish_operation()
            if self._journal.last is None:
                self._start_journal()
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
        self._finish_operation()
        self._finish_moves()

    # ---- the journal -----------------------------------------------------
    @_operation
    def journal_head(self) -> Head:
        """Where the journal ends (seq, hash): what a Z report prints, so that paper anchors the chain."""
        return self._journal.head

    @_operation
    def record(self, kind: str, data: dict) -> None:
        """Journal something that changes no record (a report printed, ...)."""
        self._run([Draft(kind, data)])

    @_operation
    def journal_start(self, terminal: str, configuration: dict) -> None:
        """Journal a start with the configuration that matters; entries carry `terminal` from now on."""
        self._journal.terminal = terminal
        self._run([Draft(STARTED, configuration, SYSTEM)])

    @property
    def terminal(self) -> str:
        return self._journal.terminal

    def _run(self, drafts: list[Draft]) -> list[Entry]:
        """One operation: apply the drafts with the writes held, journal them with the files' hashes, write."""
        if self._read_only:
            raise StoreError(f"store {self._backend.name} is open read-only: nothing can be written to it")
        drafts = [_as_read_back(d, self._backend.name) for d in drafts]
        staging = self._backend.staging
        staging.begin(self._journal.head.seq + len(drafts))
        try:
            self._apply(drafts)
            files = staging.encoded()
            entries = self._journal.append(drafts, _hashes(files))
        except BaseException:
            staging.abort()
            self._counters = self._read_counters()
            raise
        try:
            staging.commit(files)
        except StoreError:
            self._unfinished = True  # the next call, or the next start, writes them from the entries
            raise
        return entries

    def _apply(self, entries: list[Draft] | list[Entry]) -> None:
        """What each kind of entry writes; the same code makes the write and finishes an interrupted one."""
        if entries and entries[0].kind == IMPORTED:
            self._apply_import([e.data for e in entries])
            return
        for entry in entries:
            data = entry.data
            if entry.kind == STORE_CREATED:
                Table(self._backend.db(COUNTERS).storage, COUNTER_TABLE, cache_size=0, persist_empty=True)
            elif entry.kind == COUNTER:
                name = data["name"]
                _upsert(self._table(COUNTERS, COUNTER_TABLE), {"name": name, "value": data["value"]},
                        where("name") == name)
                self._counters[name] = data["value"]
            elif entry.kind == INVOICE:
                record = invoice_record(data)
                if data["day"] is None:
                    _upsert(self._table(OPEN, INVOICES), record, where("id") == data["id"])
                else:
                    self._close(record, date.fromisoformat(data["day"]), self._open_record(data["id"]) is not None)
            elif entry.kind == MOVED:
                newest = _newest(self._open_record(data["id"]), self._closed_record(data["id"]))
                if self._open_record(data["id"]) is not None and newest is not None:
                    self._close(newest, date.fromisoformat(data["day"]), in_open=True)
            elif entry.kind in DAY_RECORDS:
                self._put_record(entry.kind, data)
            elif entry.kind == STATE_PUT:
                self._put_state(data["key"], data["value"])
            elif entry.kind in (PRINT_QUEUED, PRINT_UPDATED):
                _upsert(self._table(STATE, PRINTS), data["job"], where("id") == data["job"]["id"])
            elif entry.kind == PRINT_DONE:
                self._table(STATE, PRINTS).remove(where("id") == data["id"])

    def _finish_operation(self) -> None:
        """Write what the last operation's entries say, if a kill or a disk fault cut its writes short."""
        last, head = self._journal.last, self._journal.head.seq
        # Its files are written in order, each durably before the next: the last one tells.
        written_last = last.files[-1][0] if last is not None and last.files else None
        for name in (COUNTERS, OPEN, STATE, written_last):
            if name is not None and self._backend.journal_seq_of(name) > head:
                raise StoreError(
                    f"{self._backend.describe(name)} was written by journal entry {self._backend.journal_seq_of(name)} "
                    f"but the journal ends at entry {head}: journal entries were removed. Keep the store as it is, "
                    "run `pos journal verify` and call the person responsible for the terminal.")
        if last is None or written_last is None or self._backend.journal_seq_of(written_last) == last.seq:
            self._unfinished = False
            return
        operation = self._journal.last_operation()
        staging = self._backend.staging
        staging.begin(last.seq)
        try:
            self._apply(operation)
            files = staging.encoded()
        except BaseException:
            staging.abort()
            self._counters = self._read_counters()
            raise
        staging.commit(files)
        self._unfinished = False
        written = dict(_hashes(files))
        for name, sha in last.files or ():
            if written.get(name, sha) != sha:
                log.error("journal entry %d: %s came out different when finished after a stop", last.seq, name)
        log.warning("journal entry %d: the store files it records were finished after a stop", last.seq)

    def _start_journal(self) -> None:
        """A new store starts its journal; an older store's journal starts with the files it holds."""
        existing = tuple((name, digest(raw)) for name, raw in self._backend.files())
        if not existing:
            self._run([Draft(STORE_CREATED, {}, SYSTEM)])
            return
        self._journal.append([Draft(ADOPTED, {"note": "store made before the journal: its files as found"}, SYSTEM)],
                             existing)

    def _read_counters(self) -> dict[str, int]:
        return {d["name"]: int(d["value"]) for d in self._table(COUNTERS, COUNTER_TABLE)}

    # ---- counters --------------------------------------------------------
    @_operation
    def next_counter(self, name: str) -> int:
        if not name:
            raise ValueError("a counter needs a name")
        value = self._counters.get(name, 0) + 1
        self._run([Draft(COUNTER, {"name": name, "value": value})])
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
        current = _newest(self._open_record(invoice.id), self._closed_record(invoice.id))
        day = None if invoice.needs_watching(now) else business_day(invoice.created_at).isoformat()
        cause = invoice.history[-1].cause if invoice.history else ""
        self._run([Draft(INVOICE, {"id": invoice.id, "rev": (current["rev"] if current else 0) + 1,
                                   "state": invoice.state, "cause": cause, "day": day, "invoice": invoice.to_dict()})])

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
        records: dict[str, Record] = {r["id"]: r for r in self._table(day_name(day), INVOICES)}
        for record in self._table(OPEN, INVOICES):
            invoice = _decode(record, self._backend.describe(OPEN))
            if business_day(invoice.created_at) == day:
                records[record["id"]] = _newest(record, records.get(record["id"]))
        found = [_decode(r, self._backend.describe(day_name(day))) for r in records.values()]
        return sorted(found, key=lambda inv: (inv.created_at, inv.id))

    def _open_invoices(self) -> list[Invoice]:
        return [_decode(r, self._backend.describe(OPEN)) for r in self._table(OPEN, INVOICES).all()]

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

    @_operation
    def import_closed(self, invoices: Iterable[Invoice]) -> int:
        """Add closed invoices not yet stored with one write per file touched (imports, benchmarks).

        Saving 100 000 past invoices one by one would be 300 000 fsynced writes; this is one
        operation (one journal append, one write per day and per index block, index first, as
        a move is) per IMPORT_BATCH invoices, each all or nothing: memory stays bounded however
        many are imported. Returns how many.
        """
        now = self._clock()
        drafts: list[Draft] = []
        count = 0
        for invoice in invoices:
            if invoice.needs_watching(now):
                raise ValueError(f"invoice {invoice.id} is still open: save it with save_invoice")
            if self._open_record(invoice.id) or self._day_of(invoice.id):
                raise ValueError(f"invoice {invoice.id} is already stored")
            drafts.append(Draft(IMPORTED, {"id": invoice.id, "rev": 1, "state": invoice.state,
                                           "day": business_day(invoice.created_at).isoformat(),
                                           "invoice": invoice.to_dict()}, SYSTEM))
            if len(drafts) == IMPORT_BATCH:
                count += len(self._run(drafts))
                drafts = []
        return count + (len(self._run(drafts)) if drafts else 0)

    def _apply_import(self, imported: list[dict]) -> None:
        """The index blocks first, then the day files, one write each, as a move does; skips what is there."""
        days: dict[str, list[Record]] = {}
        blocks: dict[str, list[Record]] = {}
        for data in imported:
            if self._day_of(data["id"]) is not None:
                continue
            days.setdefault(data["day"], []).append(invoice_record(data))
            block, slot = index_slot(data["id"])
            entry = {"id": data["id"], "day": data["day"]}
            blocks.setdefault(block, []).append(entry if slot is None else Document(entry, doc_id=slot))
        for block, entries in blocks.items():
            self._table(block, DAY_INDEX).insert_multiple(entries)
        for day, records in days.items():
            table = self._table(day_name(date.fromisoformat(day)), INVOICES)
            known = {r["id"] for r in table}
            table.insert_multiple([r for r in records if r["id"] not in known])

    def _finish_moves(self) -> None:
        """Drop from `open` the records that an interrupted move already put in their day file."""
        for record in self._table(OPEN, INVOICES).all():
            if _newest(record, self._closed_record(record["id"])) is not record:
                self._move(record["id"], record["rev"], self._day_of(record["id"]))

    def _sweep(self) -> None:
        """Move what no longer needs watching (expired or cancelled, past monitoring) out of `open`.

        Runs at start and at the first save of each business day, so `open` stays the small
        working set however long the terminal runs.
        """
        now = self._clock()
        for record in self._table(OPEN, INVOICES).all():
            invoice = _decode(record, self._backend.describe(OPEN))
            if not invoice.needs_watching(now):
                self._move(invoice.id, record["rev"], business_day(invoice.created_at))
        self._swept_on = business_day(now)

    def _move(self, invoice_id: str, rev: int, day: date | None) -> None:
        """Out of `open` into its day file, as an operation of its own: the record itself does not change."""
        self._run([Draft(MOVED, {"id": invoice_id, "rev": rev, "day": None if day is None else day.isoformat()},
                         SYSTEM)])

    # ---- state and print queue ------------------------------------------
    @_operation
    def get_state(self, key: str) -> dict | None:
        doc = self._table(state_name(key), STATE_TABLE).get(where("key") == key)
        return None if doc is None else copy.deepcopy(doc["value"])

    @_operation
    def put_state(self, key: str, value: dict | None) -> None:
        self._run([Draft(STATE_PUT, {"key": key, "value": copy.deepcopy(value)})])

    def _put_state(self, key: str, value: dict | None) -> None:
        table = self._table(state_name(key), STATE_TABLE)
        if value is None:
            table.remove(where("key") == key)
        else:
            _upsert(table, {"key": key, "value": copy.deepcopy(value)}, where("key") == key)

    @_operation
    def enqueue_print(self, *jobs: PrintJob) -> None:
        """Jobs queued together (a sale's slip and its fiscal receipt) in one operation: all or none."""
        self._run([Draft(PRINT_QUEUED, {"job": job.to_dict()}) for job in jobs])

    @_operation
    def pending_prints(self) -> list[PrintJob]:
        jobs = [_read(lambda: PrintJob.from_dict(d), self._backend.describe(STATE), f"print job {d.get('id')!r}")
                for d in self._table(STATE, PRINTS)]
        return sorted(jobs, key=lambda j: (j.created_at, j.id))

    @_operation
    def update_print(self, job: PrintJob) -> None:
        self._run([Draft(PRINT_UPDATED, {"job": job.to_dict()})])

    @_operation
    def finish_print(self, job_id: str) -> None:
        self._run([Draft(PRINT_DONE, {"id": job_id})])

    # ---- the day's records: cashiers, shifts, sales, refunds, Z reports ----------
    def _put_record(self, kind: str, data: dict) -> None:
        """Into its day's file, or the working set; a record leaving the working set (a refund now paid)
        is taken out of it in the same operation."""
        doc, cond = {"kind": kind, "id": data["id"], "record": data["record"]}, \
            (where("kind") == kind) & (where("id") == data["id"])
        if data["day"] is None:
            _upsert(self._table(RECORDS, DAY_TABLE), doc, cond)
            return
        _upsert(self._table(day_name(date.fromisoformat(data["day"])), DAY_TABLE), doc, cond)
        self._table(RECORDS, DAY_TABLE).remove(cond)

    @staticmethod
    def _record(kind: str, id_: str, record: dict, day: date | None = None) -> Draft:
        return Draft(kind, {"id": id_, "day": day and day.isoformat(), "record": record})

    def _records(self, name: str, kind: str, build: Callable[[dict], T]) -> list[T]:
        table = self._table(name, DAY_TABLE)
        where_ = self._backend.describe(name)
        return [_read(lambda: build(doc["record"]), where_, f"{kind} {doc.get('id')!r}")
                for doc in table.search(where("kind") == kind)]

    def _numbered(self, counter: str) -> tuple[int, Draft]:
        """The counter's next value, taken in the operation that uses it: no number skipped by a kill."""
        value = self._counters.get(counter, 0) + 1
        return value, Draft(COUNTER, {"name": counter, "value": value})

    @_operation
    def save_cashier(self, cashier: Cashier) -> None:
        """Adds a person, or changes one (a new PIN or role): the name is the key."""
        known = {c.name for c in self._records(RECORDS, CASHIER_RECORD, Cashier.from_dict)}
        if cashier.name not in known and len(known) >= MAX_CASHIERS:
            raise ValueError(f"{len(known)} people already: a till keeps at most {MAX_CASHIERS}")
        self._run([self._record(CASHIER_RECORD, cashier.name, cashier.to_dict())])

    @_operation
    def cashiers(self) -> list[Cashier]:
        return sorted(self._records(RECORDS, CASHIER_RECORD, Cashier.from_dict), key=lambda c: c.name)

    @_operation
    def open_shift(self, cashier: str, opening_float_tiyn: int, at: datetime) -> Shift:
        """The next shift, numbered in the same operation; ShiftError while another is open."""
        current = self._current_shift()
        if current is not None:
            raise ShiftError(f"shift {current.number} is open (by {current.cashier}): close it with its Z first")
        number, counter = self._numbered(SHIFT_COUNTER)
        shift = Shift(number, self.terminal, cashier, at, opening_float_tiyn)
        self._run([counter, self._record(SHIFT_RECORD, str(number), shift.to_dict())])
        return shift

    @_operation
    def current_shift(self) -> Shift | None:
        return self._current_shift()

    def _current_shift(self) -> Shift | None:
        open_ = [s for s in self._records(RECORDS, SHIFT_RECORD, Shift.from_dict) if not s.closed]
        return max(open_, key=lambda s: s.number, default=None)

    @_operation
    def shifts(self) -> list[Shift]:
        return sorted(self._records(RECORDS, SHIFT_RECORD, Shift.from_dict), key=lambda s: s.number)

    @_operation
    def close_shift(self, closed: Shift, figures: dict[str, int]) -> ZRecord:
        """The shift closed and its Z report, numbered, with the journal's head before it: one operation.

        ShiftError if the stored shift is closed already or has a Z: a Z is never made twice,
        whatever the caller believes, and never edited (nothing else writes Z records)."""
        stored = next((s for s in self._records(RECORDS, SHIFT_RECORD, Shift.from_dict) if s.number == closed.number),
                      None)
        if stored is None or closed.closed_at is None:
            raise ShiftError(f"shift {closed.number} is not a stored shift being closed")
        if stored.closed or any(z.shift == closed.number for z in self._z_reports()):
            raise ShiftError(f"shift {closed.number} is closed already, with its Z report: a Z is made once")
        number, counter = self._numbered(Z_COUNTER)
        head = self._journal.head
        z = ZRecord(number, closed.number, closed.closed_at, closed.closed_by, head.seq, head.hash, figures)
        self._run([counter, self._record(SHIFT_RECORD, str(closed.number), closed.to_dict()),
                   self._record(Z_RECORD, str(number), z.to_dict())])
        return z

    @_operation
    def z_reports(self) -> list[ZRecord]:
        return self._z_reports()

    def _z_reports(self) -> list[ZRecord]:
        return sorted(self._records(RECORDS, Z_RECORD, ZRecord.from_dict), key=lambda z: z.number)

    @_operation
    def save_sale(self, sale: TenderedSale, fiscal: bool = False) -> None:
        """A sale paid in cash, by card or split, in the file of its business day; written once.

        `fiscal`: its fiscal receipt is queued (FiscalJob) in the same operation."""
        day = business_day(sale.at)
        if any(s.id == sale.id for s in self._records(day_name(day), SALE_RECORD, TenderedSale.from_dict)):
            raise ValueError(f"sale {sale.id} is already stored: a sale record is never rewritten")
        drafts = [self._record(SALE_RECORD, sale.id, sale.to_dict(), day)]
        if fiscal:
            drafts += self._queued([FiscalJob(sale, self._clock())])
        self._run(drafts)

    def _fiscal_draft(self, job: FiscalJob) -> Draft:
        """Waiting: in the working set; done: in the file of its sale's (a return: its refund's) business day."""
        day = business_day(job.sale.at if job.refund is None else job.refund.requested_at)
        return self._record(FISCAL_RECORD, job.id, job.to_dict(), day if job.done else None)

    def _queued(self, jobs: list[FiscalJob]) -> list[Draft]:
        """New receipts at the end of the queue: numbered after every one waiting (only their order matters)."""
        last = max((j.seq for j in self._records(RECORDS, FISCAL_RECORD, FiscalJob.from_dict)), default=0)
        return [self._fiscal_draft(replace(job, seq=last + n)) for n, job in enumerate(jobs, 1)]

    @_operation
    def queue_fiscal(self, sale: TenderedSale) -> None:
        """Queue the fiscal receipt of a sale recorded elsewhere (a Bitcoin sale: its invoice); once."""
        if self._fiscal_job(sale.id, sale.at) is None:
            self._run(self._queued([FiscalJob(sale, self._clock())]))

    @_operation
    def pending_fiscal(self) -> list[FiscalJob]:
        """Receipts not yet registered, in the order they were queued."""
        jobs = self._records(RECORDS, FISCAL_RECORD, FiscalJob.from_dict)
        return sorted(jobs, key=lambda j: (j.seq, j.queued_at, j.id))

    @_operation
    def save_fiscal(self, job: FiscalJob) -> None:
        """A receipt's state: done, it leaves the queue for its day file, in one operation."""
        self._run([self._fiscal_draft(job)])

    @_operation
    def fiscal_job(self, record: TenderedSale | Refund) -> FiscalJob | None:
        """The fiscal receipt of a sale, or the return of a refund, waiting or done; None if none was queued."""
        return self._fiscal_job(record.id, record.at if isinstance(record, TenderedSale) else record.requested_at)

    def _fiscal_job(self, id_: str, at: datetime) -> FiscalJob | None:
        for name in (RECORDS, day_name(business_day(at))):
            found = [j for j in self._records(name, FISCAL_RECORD, FiscalJob.from_dict) if j.id == id_]
            if found:
                return found[0]
        return None

    @_operation
    def sales_for_day(self, day: date) -> list[TenderedSale]:
        return sorted(self._records(day_name(day), SALE_RECORD, TenderedSale.from_dict), key=lambda s: (s.at, s.id))

    @_operation
    def save_refunds(self, refunds: list[Refund], *, fiscal_of: TenderedSale | None = None) -> None:
        """Refunds of one action (a split sale goes back in each of its tenders) in one operation.

        A refund requested stays in the working set (the chain is watched for it); done, it goes to
        the file of the day it was done (the day its money left, which the day's report and export
        count it in), out of the working set. `fiscal_of`: the sale refunded,
        when fiscal receipts are on: each refund's return receipt is queued in the same operation
        (a Bitcoin refund's waits, not due, until it is saved done: its return is then due, here too)."""
        drafts = [self._record(REFUND_RECORD, r.id, r.to_dict(), None if r.done_at is None
                               else business_day(r.done_at)) for r in refunds]
        if fiscal_of is not None:
            drafts += self._queued([FiscalJob(fiscal_of, self._clock(), refund=r) for r in refunds if r.of_sale])
        else:
            waiting = {j.id: j for j in self._records(RECORDS, FISCAL_RECORD, FiscalJob.from_dict) if not j.due}
            drafts += [self._fiscal_draft(replace(waiting[r.id], refund=r))
                       for r in refunds if r.id in waiting and r.state != REQUESTED]
        self._run(drafts)

    @_operation
    def requested_refunds(self) -> list[Refund]:
        return sorted(self._records(RECORDS, REFUND_RECORD, Refund.from_dict), key=lambda r: (r.requested_at, r.id))

    @_operation
    def refunds_for_day(self, day: date) -> list[Refund]:
        """Refunds done on the day, and those requested on the day still waiting for the chain."""
        done = self._records(day_name(day), REFUND_RECORD, Refund.from_dict)
        waiting = [r for r in self._records(RECORDS, REFUND_RECORD, Refund.from_dict)
                   if business_day(r.requested_at) == day]
        return sorted(done + waiting, key=lambda r: (r.requested_at, r.id))

    def close(self) -> None:
        with self._mutex:
            if not self._closed:
                self._closed = True
                self._refusal = "the store is closed"
                self._backend.close()

    # ---- plumbing --------------------------------------------------------
    def _table(self, name: str, table: str) -> Table:
        """A fresh Table each time: TinyDB caches the next document id, which must come from the file alone
        (an operation applied again after a stop must give the same bytes)."""
        return Table(self._backend.db(name).storage, table, cache_size=0)
