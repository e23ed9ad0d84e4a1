"""A till killed mid-publish sends again without duplicates; an edited entry is flagged by the back office."""

from __future__ import annotations

import asyncio
import dataclasses
import subprocess
import sys

from pos.core.invoice import invoice_id
from pos.fleet.outbox import CURSOR_STATE
from pos.fleet.till_sync import ONLINE
from tests.fleet.conftest import BackOffice, back_office, config_file, fleet_config, kill, wait_until
from tests.ui.fakes import START

DAY = START.date()
CHILD = """
import sys, time
from pathlib import Path
from pos.config import Sync
from pos.fleet.till_sync import TillSync
from pos.store import open_store

directory = Path(sys.argv[1])
store = open_store(directory, terminal="T01")
TillSync(Sync(url=sys.argv[2], retry_seconds=1), store, directory, "T01").start()
time.sleep(120)
"""


def hub_count(hub) -> int | None:
    """Messages in the journal stream (None while it does not exist)."""
    from pos.fleet.hub import connect
    from pos.config import Sync

    async def count() -> int | None:
        from nats.js.errors import NotFoundError

        client = await connect(Sync(url=hub.url), "test")
        try:
            return (await client.jetstream().stream_info("POS_JOURNAL")).state.messages
        except NotFoundError:
            return None
        finally:
            await client.close()
    return asyncio.run(count())


def test_a_till_killed_mid_publish_sends_again_and_the_hub_holds_each_entry_once(make_till, hub, database, tmp_path):
    till = make_till("T01")
    sold = till.sell("BREAD-01")
    copies = [dataclasses.replace(sold, id=invoice_id("T01", n), seq=n) for n in range(100, 1600)]
    till.store.import_closed(copies)  # offline: fifteen hundred entries to send
    head = till.store.journal_head().seq
    till.store.close()
    office_config = fleet_config(hub, database, store=tmp_path / "office")
    with back_office(office_config) as office:
        wait_until(lambda: hub_count(hub) is not None, "the back office to create the journal stream")
        child = subprocess.Popen([sys.executable, "-c", CHILD, str(till.directory), hub.url])
        try:
            wait_until(lambda: hub_count(hub), "the till to start sending", seconds=30)
        finally:
            kill(child)
        sent_before_kill = hub_count(hub)

        again = make_till("T01")
        cursor = (again.store.get_state(CURSOR_STATE) or {}).get("seq", 0)
        assert cursor < sent_before_kill <= head  # the kill left entries held by the hub and not acknowledged here
        again.start_sync()
        wait_until(lambda: again.sync.status().state == ONLINE and again.sync.status().backlog == 0,
                   "the till to send the rest")
        total = again.store.journal_head().seq
        wait_until(lambda: office.entries("T01") == total, "every entry in PostgreSQL")
        assert hub_count(hub) == total  # each entry once, though some were sent twice
        assert office.central.breaks() == []
        assert office.central.terminals()["T01"].checked_to == total


def test_an_entry_edited_in_the_tills_journal_is_flagged_by_the_back_office(make_till, hub, database, tmp_path):
    till = make_till("T01")
    first = till.sell("BREAD-01")
    till.sell("MILK-01")
    partition = next((till.directory / "journal").rglob("*.jsonl"))
    lines = partition.read_bytes().splitlines(keepends=True)
    number = next(i for i, line in enumerate(lines) if b'"kind":"invoice"' in line and first.id.encode() in line)
    edited = lines[number].replace(b'"total_tiyn":25000', b'"total_tiyn":2500', 1)
    assert edited != lines[number]
    partition.write_bytes(b"".join(lines[:number] + [edited] + lines[number + 1:]))
    seq = number + 1  # one partition: line n is entry n

    with back_office(fleet_config(hub, database, store=tmp_path / "office")) as office:
        till.start_sync()
        total = till.store.journal_head().seq
        wait_until(lambda: office.entries("T01") == total, "every entry in PostgreSQL")
        breaks = office.central.breaks()
        assert [(t, s) for t, s, _ in breaks] == [("T01", seq)]  # that entry only: the next still links to it
        assert f"entry {seq} does not match its hash" in breaks[0][2]
        assert office.central.terminals()["T01"].checked_to == total


def test_the_back_office_killed_mid_insert_stores_each_entry_once_after_a_restart(make_till, hub, database, tmp_path):
    till = make_till("T01")
    sold = till.sell("BREAD-01")
    till.store.import_closed([dataclasses.replace(sold, id=invoice_id("T01", n), seq=n) for n in range(100, 4100)])
    make_stream(fleet_config(hub, database))
    till.start_sync()
    total = till.store.journal_head().seq
    wait_until(lambda: hub_count(hub) == total, "the till to send its backlog to the hub")

    command = [sys.executable, "-m", "pos", "backoffice", "--config", str(config_file(tmp_path, hub, database))]
    office = BackOffice(fleet_config(hub, database))  # only to look at the database
    try:
        first = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            wait_until(lambda: office.entries("T01") > 0, "the back office to store its first batch", seconds=30)
        finally:
            kill(first)
        held = office.entries("T01")
        assert 0 < held < total  # killed with the backlog half stored

        second = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            wait_until(lambda: office.entries("T01") == total, "the restarted back office to store the rest",
                       seconds=30)
        finally:
            second.terminate()
            assert second.wait(10) == 0
        stored = office.rows("SELECT count(*), count(DISTINCT seq), min(seq), max(seq) FROM entries")[0]
        assert stored == (total, total, 1, total)
        assert office.central.breaks() == []
        assert office.central.terminals()["T01"].checked_to == total
    finally:
        office.central.close()


def make_stream(config) -> None:
    """The journal stream as the back office makes it, so a till can send before the back office runs."""
    from pos.fleet.consumer import ensure_stream
    from pos.fleet.hub import connect

    async def make() -> None:
        client = await connect(config.sync, "test")
        try:
            await ensure_stream(client.jetstream(), config)
        finally:
            await client.close()
    asyncio.run(make())
