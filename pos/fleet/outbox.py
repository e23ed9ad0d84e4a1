"""The till's outbox: its own journal, read from a cursor that the store keeps.

Nothing is copied for sending: every journal entry is a message to send, in order, and the
cursor (the last seq the hub acknowledged, and the partition it is in) is a state document
of the store, so it survives restarts and days offline. Reading starts where the last read
stopped (partition and byte offset), so a day of thousands of entries is read once, not once
per message. Only entries up to the journal's head are read: a line being appended is not
one yet.

Saving the cursor is itself a store write, hence a journal entry to send. It is saved at
most every CURSOR_SAVE_SECONDS and never for a batch holding nothing but its own entry, or
the outbox would never empty. A cursor saved a little behind only makes the next start send
a few entries again, which the hub drops (the entry id is the message id) and the back
office would ignore anyway (it keys on terminal and seq).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Callable

from pos.core.journal import MAX_LINE_BYTES, STATE_PUT, SYSTEM, acting
from pos.core.ports import Store, StoreError
from pos.store.journal import FileJournal

CURSOR_STATE = "fleet.sync"
CURSOR_SAVE_SECONDS = 10.0
#: Most bytes read from a partition at once: always more than one whole line.
READ_BYTES = 2 * MAX_LINE_BYTES


@dataclass(frozen=True)
class Outgoing:
    seq: int
    raw: bytes  # the journal line as written, newline included
    partition: str
    own: bool  # the cursor's own state entry


def _no_clock() -> datetime:
    raise StoreError("the outbox reads the journal, it appends nothing")


def _seq_and_own(raw: bytes, previous: int) -> tuple[int, bool]:
    """The seq a line carries and whether it saves the cursor; a damaged line is the next seq
    (the journal has no gap), sent as it is for the back office to flag."""
    try:
        entry = json.loads(raw)
        seq = int(entry["seq"])
        own = entry["kind"] == STATE_PUT and entry["data"]["key"] == CURSOR_STATE
    except (ValueError, KeyError, TypeError):
        return previous + 1, False
    return seq, own


class Outbox:
    """Used by the sync thread only; the store calls it makes are the store's own (thread-safe)."""

    def __init__(self, store: Store, directory: Path, clock: Callable[[], float] = time.monotonic) -> None:
        self._store = store
        self._journal = FileJournal(directory, _no_clock, None, reader=True)
        self._clock = clock
        saved = store.get_state(CURSOR_STATE) or {}
        self.acknowledged = self._saved = int(saved.get("seq", 0))
        self._acknowledged_in = str(saved.get("partition", ""))  # the partition of the acknowledged entry
        self._saved_at = clock()
        self._news = False  # entries besides the cursor's own acknowledged since the last save
        self.rewind()

    @property
    def backlog(self) -> int:
        return max(0, self._store.journal_head().seq - self.acknowledged)

    def skip_to(self, seq: int) -> None:
        """The hub already holds entries up to `seq` (a start after a kill between send and save)."""
        if seq > self.acknowledged:
            self.acknowledged, self._news = seq, True

    def rewind(self) -> None:
        """Read again from the acknowledged entry's partition (at start, and after a send that failed)."""
        self._partition, self._offset, self._last = self._acknowledged_in, 0, 0

    def pending(self, limit: int) -> list[Outgoing]:
        """Up to `limit` entries after the acknowledged ones, in order, none past the journal's head."""
        head = self._store.journal_head().seq
        found: list[Outgoing] = []
        while len(found) < limit:
            if not self._partition:
                names = self._journal.partitions()
                if not names:
                    return found
                self._partition = names[0]
            data = self._read()
            for raw in data.splitlines(keepends=True):
                seq, own = _seq_and_own(raw, self._last)
                if not raw.endswith(b"\n") or seq > head or len(found) >= limit:
                    return found  # a line still being written, or past the head: not an entry yet
                self._offset += len(raw)
                self._last = seq
                if seq > self.acknowledged:
                    found.append(Outgoing(seq, raw, self._partition, own))
            if len(data) == READ_BYTES:
                continue
            later = [name for name in self._journal.partitions() if name > self._partition]
            if not later:
                return found
            self._partition, self._offset = later[0], 0
        return found

    def _read(self) -> bytes:
        path = self._journal.root / self._partition
        try:
            with open(path, "rb") as f:
                f.seek(self._offset)
                return f.read(READ_BYTES)
        except OSError as exc:
            raise StoreError(f"cannot read {path}: {exc.strerror or exc}") from None

    def acknowledge(self, sent: list[Outgoing]) -> None:
        """The hub holds these (in order); the cursor is saved when it is time."""
        if not sent:
            return
        self.acknowledged, self._acknowledged_in = sent[-1].seq, sent[-1].partition
        self._news = self._news or any(not out.own for out in sent)
        if self._clock() - self._saved_at >= CURSOR_SAVE_SECONDS:
            self.save()

    def save(self) -> None:
        """Keep the cursor in the store (a state write journaled as the system's)."""
        if not self._news or self.acknowledged == self._saved:
            return
        with acting(SYSTEM):
            self._store.put_state(CURSOR_STATE, {"seq": self.acknowledged, "partition": self._acknowledged_in})
        self._saved, self._saved_at, self._news = self.acknowledged, self._clock(), False
