"""The till's side of the fleet: a thread that sends the journal to the hub and takes price lists.

Selling never waits for it. The thread runs its own asyncio loop (nats-py is asyncio) beside
the UI's; it only reads the journal's files and writes the outbox's cursor through the store
(whose calls are thread-safe), and hands price lists over through `hand_over_catalog`, which
the UI calls on its own loop. While the hub cannot be reached the till goes on selling and the
journal grows; the backlog is what the status bar shows, and everything is sent, in order,
once the hub answers again.

A re-send never stores an entry twice: each message's id is the entry's id, which the hub
remembers for its duplicate window, and at every connection the thread asks the hub for the
last entry it holds from this till and starts after it.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Final, Literal

from pos.core.catalog import CatalogError
from pos.core.ports import Store, StoreError
from pos.fleet import hub
from pos.fleet.hub import HubError, Place
from pos.fleet.outbox import Outbox, Outgoing
from pos.fleet.prices import Offer, keep, offer_of

if TYPE_CHECKING:
    from nats.js import JetStreamContext

    from pos.config import Sync
    from pos.sale.till import Till

log = logging.getLogger(__name__)

SyncState = Literal["offline", "sending", "online"]
OFFLINE: Final = "offline"
SENDING: Final = "sending"
ONLINE: Final = "online"
#: Entries sent before their acknowledgements are awaited.
BATCH = 256
#: How often an idle connection looks for new entries.
IDLE_SECONDS = 0.3
REPLY_SECONDS = 5.0
STOP_SECONDS = 10.0


@dataclass(frozen=True)
class SyncStatus:
    state: SyncState
    backlog: int  # journal entries the hub does not hold yet
    detail: str = ""  # English, for the log: why offline


class TillSync:
    def __init__(self, sync: Sync, store: Store, directory: Path, terminal: str,
                 current: Offer | None = None) -> None:
        self._sync = sync
        self._store = store
        self._terminal = terminal
        self._subject = hub.subject(sync, terminal)
        self._outbox = Outbox(store, directory)
        self._lock = threading.Lock()
        self._state: SyncState = OFFLINE
        self._detail = "not connected yet"
        self._backlog = 0
        self._offer: Offer | None = None
        self._revision = current.version.revision if current else 0
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopping: asyncio.Event | None = None
        self._started = threading.Event()

    # ---- for the UI (any thread) ------------------------------------------------------
    def status(self) -> SyncStatus:
        try:
            self._backlog = self._outbox.backlog
        except StoreError:
            pass  # the store refuses (the status bar says so): the last count stands
        with self._lock:
            return SyncStatus(self._state, self._backlog, self._detail)

    @property
    def offered(self) -> str:
        """The version of the price list waiting for the till to be between sales ("" when none)."""
        with self._lock:
            return self._offer.version.label if self._offer else ""

    def hand_over_catalog(self, till: Till) -> Offer | None:
        """On the UI's loop: the newest price list, if the till takes it now (between sales)."""
        with self._lock:
            offer = self._offer
        if offer is None or not till.take_catalog(offer.catalog, offer.version.label):
            return None
        with self._lock:
            if self._offer is offer:
                self._offer = None
        log.info("price list %s taken (%d products)", offer.version.label, len(offer.catalog.products))
        try:
            keep(self._store, offer.version)
        except StoreError as exc:
            log.error("price list %s is in use but could not be kept for the next start: %s", offer.version.label, exc)
        return offer

    def start(self) -> None:
        import nats.js  # noqa: F401  # here, not in the thread: two threads importing one module can deadlock

        self._thread = threading.Thread(target=asyncio.run, args=(self._main(),), name="pos-sync", daemon=True)
        self._thread.start()
        self._started.wait(STOP_SECONDS)

    def stop(self) -> None:
        """Stop sending (what is not sent stays in the journal) and keep the cursor."""
        if self._thread is None:
            return
        if self._loop is not None and self._stopping is not None:
            self._loop.call_soon_threadsafe(self._stopping.set)
        self._thread.join(STOP_SECONDS)
        self._thread = None

    # ---- the thread -----------------------------------------------------------------
    async def _main(self) -> None:
        self._loop, self._stopping = asyncio.get_running_loop(), asyncio.Event()
        self._started.set()
        try:
            while not self._stopping.is_set():
                try:
                    await self._session()
                except (HubError, StoreError) as exc:
                    self._set(OFFLINE, str(exc))
                except Exception as exc:  # nats-py's errors (timeouts, a dropped connection): offline, try again
                    self._set(OFFLINE, f"the hub at {hub.hosts(self._sync)}: {hub.describe(exc)}")
                await self._pause(self._sync.retry_seconds)
        finally:
            try:
                self._outbox.save()
            except StoreError as exc:
                log.error("the hub's cursor could not be kept (entries will be sent again): %s", exc)

    async def _pause(self, seconds: float) -> None:
        assert self._stopping is not None
        try:
            await asyncio.wait_for(self._stopping.wait(), seconds)
        except asyncio.TimeoutError:
            pass

    def _set(self, state: SyncState, detail: str = "") -> None:
        with self._lock:
            changed = (self._state, self._detail) != (state, detail)
            self._state, self._detail = state, detail
        if changed and state == OFFLINE:
            log.warning("sync: offline (%d entries to send): %s", self.status().backlog, detail)
        elif changed and detail == "":
            log.info("sync: %s", state)

    async def _session(self) -> None:
        assert self._stopping is not None
        client = await hub.connect(self._sync, f"pos till {self._terminal}")
        prices = None
        try:
            js = client.jetstream(timeout=REPLY_SECONDS)
            await self._start_after_what_the_hub_holds(js)
            prices = asyncio.create_task(self._watch_prices(js))
            while not self._stopping.is_set():
                if not client.is_connected:
                    raise HubError(f"the connection to the hub at {hub.hosts(self._sync)} was lost")
                if prices.done():
                    prices.result()  # its failure ends the session
                batch = self._outbox.pending(BATCH)
                if batch:
                    self._set(SENDING)
                    await self._send(js, batch)
                else:
                    self._set(ONLINE)
                    await self._pause(IDLE_SECONDS)
        finally:
            if prices is not None:
                prices.cancel()
            await client.close()

    async def _start_after_what_the_hub_holds(self, js: JetStreamContext) -> None:
        from nats.js.errors import NotFoundError

        self._outbox.rewind()
        try:
            # The stream first: nats-server 2.9.10 crashes on a message request for a stream that does not exist.
            await js.stream_info(self._sync.stream)
            last = await js.get_last_msg(self._sync.stream, self._subject)
        except NotFoundError:
            return  # nothing from this till yet (or no stream: the first send says so)
        place = hub.place_of(last.headers)
        head = self._store.journal_head().seq
        if place.seq > head:
            log.error("the hub holds entry %d from %s but this till's journal ends at %d: is this store a copy from an "
                      "old backup? Everything is sent again for the back office to compare.", place.seq,
                      self._terminal, head)
            return
        self._outbox.skip_to(place.seq)

    async def _send(self, js: JetStreamContext, batch: list[Outgoing]) -> None:
        """Publish the batch, then count what the hub acknowledged, in order; a failure sends the rest again."""
        from nats.js.errors import NoStreamResponseError

        futures = [await js.publish_async(self._subject, out.raw, headers=hub.headers(Place(self._terminal, out.seq)))
                   for out in batch]
        done: list[Outgoing] = []
        try:
            for out, future in zip(batch, futures):
                await asyncio.wait_for(future, REPLY_SECONDS)
                done.append(out)
        except NoStreamResponseError:
            raise HubError(f"the hub at {hub.hosts(self._sync)} has no stream {self._sync.stream} for "
                           f"{self._subject}: start the back office once (it creates it)") from None
        finally:
            for future in futures[len(done):]:
                future.cancel()
            self._outbox.acknowledge(done)
            if len(done) < len(batch):
                self._outbox.rewind()

    async def _watch_prices(self, js: JetStreamContext) -> None:
        """Every new version of the price list, checked here, offered to the till."""
        from nats.js.errors import BucketNotFoundError

        while True:
            try:
                bucket = await js.key_value(self._sync.catalog_bucket)
                break
            except BucketNotFoundError:
                await asyncio.sleep(self._sync.retry_seconds)  # no price list published yet
        watcher = await bucket.watch(hub.CATALOG_KEY)
        async for entry in watcher:
            if entry is None or not entry.value or entry.revision is None or entry.revision <= self._revision:
                continue
            try:
                offer = offer_of(entry.value, entry.revision, f"the hub's {self._sync.catalog_bucket} bucket")
            except CatalogError as exc:
                log.error("price list revision %d refused, the till keeps its prices: %s", entry.revision, exc)
                continue
            for error in offer.errors:
                log.warning("price list %s: %s", offer.version.label, error)
            with self._lock:
                self._offer, self._revision = offer, entry.revision
