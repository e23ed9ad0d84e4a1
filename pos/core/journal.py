"""The journal's entries and their hash chain: a record of the till that nobody can edit unseen.

Plain Python: the store (pos.store.journal) writes and reads the lines, the `pos journal`
commands and the back office check them with the same functions.

An entry is one thing the till did. Its fields: `seq` (1, 2, ... per store, no gap), UTC
`time`, `terminal`, `actor` (who: cashier, manager, system, watcher), `kind` and `data`
(what: an invoice record with its cause, a state document, a counter, a print job, the
configuration at start), `prev` (the previous entry's hash; GENESIS for the first), `files`
(on the last entry of each store operation: every store file the operation wrote, as
[name, SHA-256 of its bytes] in the order they are written; None on the other entries of a
batch) and `hash`, the SHA-256 of the
entry's canonical JSON without `hash`. A journal line is the canonical JSON of the whole
entry and a newline: sorted keys, no spaces, UTF-8, no NaN, so one changed byte of a line
makes it fail to parse, to be canonical, or to hash to its `hash`. The id of an entry,
unique across terminals, is `<terminal>-<seq>` (Entry.id).
"""

from __future__ import annotations

import functools
import hashlib
import json
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Iterable, Iterator

GENESIS = "0" * 64
CASHIER, MANAGER, SYSTEM, WATCHER = "cashier", "manager", "system", "watcher"
ACTORS = (CASHIER, MANAGER, SYSTEM, WATCHER)

# Kinds of entries written by the store (pos.store.repository) and by the start-up.
STORE_CREATED, ADOPTED, STARTED = "store_created", "adopted", "started"
COUNTER, INVOICE, IMPORTED, MOVED = "counter", "invoice", "imported", "moved"
STATE_PUT, PRINT_QUEUED, PRINT_UPDATED, PRINT_DONE = "state", "print_queued", "print_updated", "print_done"
# The day's records (pos.sale.day): each entry carries {"id", "day", "record"}; `day` is the business day
# whose file holds it, None for the small working set (people, shifts, Z reports, refunds not yet paid).
CASHIER_RECORD, SHIFT_RECORD, SALE_RECORD, REFUND_RECORD, Z_RECORD = "cashier_record", "shift", "sale", "refund", "z_report"
#: A sale's fiscal receipt (pos.core.fiscal.FiscalJob): queued in the working set with its sale, in the day file once sent.
FISCAL_RECORD = "fiscal"
DAY_RECORDS = (CASHIER_RECORD, SHIFT_RECORD, SALE_RECORD, REFUND_RECORD, Z_RECORD, FISCAL_RECORD)

#: Longest journal line read back (an invoice of a few hundred lines is ~100 KB): bounds memory on a hostile file.
MAX_LINE_BYTES = 4 * 1024 * 1024

_actor: ContextVar[str] = ContextVar("journal_actor", default=CASHIER)


@contextmanager
def acting(actor: str) -> Iterator[None]:
    """Store writes made inside are journaled with this actor (the default is the cashier at the till)."""
    if actor not in ACTORS:
        raise ValueError(f"unknown actor {actor!r}: one of {', '.join(ACTORS)}")
    token = _actor.set(actor)
    try:
        yield
    finally:
        _actor.reset(token)


def current_actor() -> str:
    return _actor.get()


class Acting:
    """Another party's view of an object (the store): every method call runs `acting(actor)`.

    The composition root hands the watcher and the print service such a view, so their
    store writes are journaled as theirs without a hook in their code.
    """

    def __init__(self, target: Any, actor: str) -> None:
        self._target, self._actor = target, actor

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._target, name)
        if not callable(attr):
            return attr

        @functools.wraps(attr)
        def call(*args: Any, **kwargs: Any) -> Any:
            with acting(self._actor):
                return attr(*args, **kwargs)
        return call


def canonical(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode()


def digest(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


@dataclass(frozen=True)
class Draft:
    """An entry before the journal gives it its place (seq, time, prev, hash)."""

    kind: str
    data: dict
    actor: str = field(default_factory=current_actor)


@dataclass(frozen=True)
class Head:
    """Where the journal ends: what a Z report prints, so that paper anchors the chain."""

    seq: int = 0
    hash: str = GENESIS


@dataclass(frozen=True)
class Entry:
    seq: int
    time: datetime
    terminal: str
    actor: str
    kind: str
    data: dict
    prev: str
    files: tuple[tuple[str, str], ...] | None
    hash: str = ""

    @property
    def id(self) -> str:
        """Unique across terminals: what the back office keys on."""
        return f"{self.terminal}-{self.seq}"

    def body(self) -> dict:
        return {"seq": self.seq, "time": self.time.isoformat(), "terminal": self.terminal, "actor": self.actor,
                "kind": self.kind, "data": self.data, "prev": self.prev,
                "files": None if self.files is None else [list(pair) for pair in self.files]}

    def line(self) -> bytes:
        return canonical({**self.body(), "hash": self.hash}) + b"\n"


Files = tuple[tuple[str, str], ...]


def seal(seq: int, time: datetime, terminal: str, draft: Draft, prev: str, files: Files | None) -> Entry:
    entry = Entry(seq, time.astimezone(timezone.utc), terminal, draft.actor, draft.kind, draft.data, prev, files)
    return Entry(**{**entry.__dict__, "hash": digest(canonical(entry.body()))})


class BrokenChain(ValueError):
    """A journal line that is not what was written; the message names its place."""


def parse_line(raw: bytes, where: str) -> Entry:
    """One journal line (with its newline) -> Entry; BrokenChain unless canonical and hashing to its hash."""
    try:
        d = json.loads(raw.decode("utf-8"))
        entry = Entry(int(d["seq"]), datetime.fromisoformat(d["time"]), str(d["terminal"]), str(d["actor"]),
                      str(d["kind"]), dict(d["data"]), str(d["prev"]),
                      None if d["files"] is None else tuple((str(n), str(h)) for n, h in d["files"]), str(d["hash"]))
    except (UnicodeDecodeError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise BrokenChain(f"{where}: not a journal entry ({exc})") from None
    if entry.line() != raw:
        raise BrokenChain(f"{where}: entry {entry.seq} is not as written (its bytes were changed)")
    if digest(canonical(entry.body())) != entry.hash:
        raise BrokenChain(f"{where}: entry {entry.seq} does not match its hash (its content was changed)")
    return entry


def check_chain(lines: Iterable[tuple[str, bytes]], anchor: Head | None = Head()) -> Iterator[Entry]:
    """Yield each entry after checking its link; BrokenChain names the first one that does not follow.

    `lines` are (place, raw line) in journal order. `anchor` is the head before the first
    line (None: take the first entry's prev on trust, as when checking from a date).
    """
    before = anchor
    for where, raw in lines:
        entry = parse_line(raw, where)
        if before is not None:
            if entry.seq != before.seq + 1:
                missing = "missing or moved" if entry.seq > before.seq + 1 else "repeated or moved"
                raise BrokenChain(f"{where}: entry {entry.seq} follows entry {before.seq}: entries are {missing}")
            if entry.prev != before.hash:
                raise BrokenChain(f"{where}: entry {entry.seq} does not link to entry {before.seq} (prev hash differs)")
        before = Head(entry.seq, entry.hash)
        yield entry


@dataclass
class Ledger:
    """What the journal says the store holds now: the latest record of every key and every file's hash.

    Folded entry by entry while the chain is checked; records are kept as digests, so a
    journal of a million entries fits in a few tens of megabytes.
    """

    records: dict[tuple[str, str], tuple[str | None, int]] = field(default_factory=dict)  # key -> (digest, seq)
    files: dict[str, tuple[str, int]] = field(default_factory=dict)  # name -> (sha256, seq)
    head: Head = field(default_factory=Head)
    count: int = 0

    def add(self, entry: Entry) -> None:
        for key, value in record_changes(entry.kind, entry.data):
            self.records[key] = (None if value is None else digest(canonical(value)), entry.seq)
        for name, sha in entry.files or ():
            self.files[name] = (sha, entry.seq)
        self.head = Head(entry.seq, entry.hash)
        self.count += 1


def invoice_record(data: dict) -> dict:
    """The store's record of an invoice, as an INVOICE, IMPORTED or MOVED entry carries it."""
    return {"id": data["id"], "rev": data["rev"], "invoice": data["invoice"]}


def record_changes(kind: str, data: dict) -> list[tuple[tuple[str, str], Any]]:
    """The store records an entry sets (None: removed), keyed (table, key)."""
    if kind in (INVOICE, IMPORTED):
        return [(("invoice", data["id"]), invoice_record(data))]
    if kind in DAY_RECORDS:
        return [((kind, data["id"]), data["record"])]
    if kind == COUNTER:
        return [(("counter", data["name"]), data["value"])]
    if kind == STATE_PUT:
        return [(("state", data["key"]), data["value"])]
    if kind in (PRINT_QUEUED, PRINT_UPDATED):
        return [(("print", data["job"]["id"]), data["job"])]
    if kind == PRINT_DONE:
        return [(("print", data["id"]), None)]
    return []

