"""The back office's side of the hub: the journal stream into PostgreSQL, and the price list out.

`consume` makes sure the stream exists (as [backoffice] says: replicas, days kept, duplicate
window), then reads it with a durable pull consumer: a batch is stored in one transaction
(pos.fleet.central) and only then acknowledged, so a kill before the commit leaves nothing
and the hub hands the batch over again; a kill after it and before the acknowledgement
hands over entries already held, which (terminal, seq) turns into nothing.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable

from pos.fleet import hub
from pos.fleet.central import Central, CentralError, Stored
from pos.fleet.hub import HubError, Place
from pos.fleet.prices import CatalogVersion, offer_of

if TYPE_CHECKING:  # nats is imported where it is used, off the till's start-up
    from nats.js import JetStreamContext
    from nats.js.api import StreamConfig

    from pos.config import Config

log = logging.getLogger(__name__)

BATCH = 500
FETCH_SECONDS = 1.0
#: Versions of the price list the bucket keeps (the hub's limit is 64).
CATALOG_HISTORY = 10


def stream_config(config: Config) -> StreamConfig:
    from nats.js.api import RetentionPolicy, StorageType, StreamConfig

    sync, office = config.sync, config.backoffice
    return StreamConfig(name=sync.stream, subjects=[f"{sync.subject}.*"], retention=RetentionPolicy.LIMITS,
                        storage=StorageType.FILE, num_replicas=office.replicas, max_age=office.keep_days * 86400.0,
                        duplicate_window=office.duplicate_window_minutes * 60.0)


async def ensure_stream(js: JetStreamContext, config: Config) -> None:
    """Create the journal stream, or bring an existing one to the configuration."""
    from nats.js.errors import BadRequestError

    wanted = stream_config(config)
    try:
        await js.add_stream(wanted)
    except BadRequestError:  # it exists with other settings
        await js.update_stream(wanted)


@dataclass
class Progress:
    """Counts since the start, for the log and the tests."""

    batches: int = 0
    new: int = 0
    repeated: int = 0
    breaks: int = 0


async def consume(config: Config, central: Central, stopping: asyncio.Event,
                  on_batch: Callable[[Stored], None] | None = None) -> Progress:
    """Until `stopping` is set: connect, read, store, acknowledge; a lost hub is waited for."""
    progress = Progress()
    said = ""
    while not stopping.is_set():
        try:
            await _session(config, central, stopping, progress, on_batch)
        except (HubError, CentralError) as exc:
            said = _say_once(said, str(exc))
        except Exception as exc:  # nats-py's errors: a dropped connection, a timeout
            said = _say_once(said, f"the hub at {hub.hosts(config.sync)}: {hub.describe(exc)}")
        try:
            await asyncio.wait_for(stopping.wait(), config.sync.retry_seconds)
        except asyncio.TimeoutError:
            pass
    return progress


def _say_once(said: str, now: str) -> str:
    if now != said:
        log.warning("back office waiting: %s", now)
    return now


async def _session(config: Config, central: Central, stopping: asyncio.Event, progress: Progress,
                   on_batch: Callable[[Stored], None] | None) -> None:
    from nats.errors import TimeoutError as FetchTimeout
    from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

    client = await hub.connect(config.sync, "pos backoffice")
    try:
        js = client.jetstream()
        await ensure_stream(js, config)
        office = config.backoffice
        subscription = await js.pull_subscribe(
            f"{config.sync.subject}.*", durable=office.consumer, stream=config.sync.stream,
            config=ConsumerConfig(durable_name=office.consumer, ack_policy=AckPolicy.EXPLICIT,
                                  deliver_policy=DeliverPolicy.ALL, ack_wait=float(office.ack_wait_seconds),
                                  max_ack_pending=BATCH * 4))
        log.info("back office: reading stream %s from the hub at %s", config.sync.stream, hub.hosts(config.sync))
        while not stopping.is_set():
            if not client.is_connected:
                raise HubError(f"the connection to the hub at {hub.hosts(config.sync)} was lost")
            try:
                messages = await subscription.fetch(BATCH, timeout=FETCH_SECONDS)
            except FetchTimeout:
                continue
            batch: list[tuple[Place, bytes]] = []
            for message in messages:
                try:
                    batch.append((hub.place_of(message.headers), message.data))
                except HubError as exc:
                    log.error("a message on %s is not a journal entry and is dropped: %s", message.subject, exc)
            stored = await asyncio.to_thread(central.store, batch)
            for message in messages:
                await message.ack()
            progress.batches += 1
            progress.new, progress.repeated = progress.new + stored.new, progress.repeated + stored.repeated
            progress.breaks += len(stored.breaks)
            if on_batch is not None:
                on_batch(stored)
    finally:
        await client.close()


async def publish_catalog(config: Config, raw: bytes, where: str) -> CatalogVersion:
    """Put a price list (checked first, as a till will) in the bucket; its new version."""
    from nats.js.errors import BucketNotFoundError

    offer_of(raw, 0, where)  # CatalogError before anything is sent
    client = await hub.connect(config.sync, "pos backoffice publish-catalog")
    try:
        js = client.jetstream()
        try:
            bucket = await js.key_value(config.sync.catalog_bucket)
        except BucketNotFoundError:
            bucket = await js.create_key_value(bucket=config.sync.catalog_bucket, history=CATALOG_HISTORY,
                                               replicas=config.backoffice.replicas)
        revision = await bucket.put(hub.CATALOG_KEY, raw)
    finally:
        await client.close()
    return offer_of(raw, revision, where).version
