"""A three-node hub loses a node mid-stream (SIGKILL) and nothing is lost or stored twice."""

from __future__ import annotations

import asyncio
import dataclasses

from pos.config import Sync
from pos.core.invoice import invoice_id
from pos.fleet.hub import HubError, connect
from pos.fleet.till_sync import ONLINE
from pos.store import open_store
from tests.fleet.conftest import Till, back_office, fleet_config, wait_until
from tests.ui.conftest import make_services
from tests.ui.fakes import Clock

BACKLOG = 1500


def stream_state(url: str) -> tuple[int, str, int] | None:
    """(messages, leader, replicas that are current) of the journal stream; None while it cannot be read."""

    async def ask() -> tuple[int, str, int] | None:
        try:
            client = await connect(Sync(url=url, connect_timeout_seconds=1), "test")
        except Exception:
            return None
        try:
            info = await client.jetstream().stream_info("POS_JOURNAL")
            cluster = info.cluster
            if cluster is None or not cluster.leader:
                return None
            current = 1 + sum(1 for peer in cluster.replicas or [] if peer.current)
            return info.state.messages, cluster.leader, current
        except Exception:  # no stream yet, no leader elected yet
            return None
        finally:
            await client.close()
    return asyncio.run(ask())


def reaches(url: str) -> bool:
    async def connected() -> bool:
        try:
            client = await connect(Sync(url=url, connect_timeout_seconds=1), "test")
        except HubError:
            return False
        await client.close()
        return True
    return asyncio.run(connected())


def test_a_node_killed_mid_stream_loses_nothing_and_stores_nothing_twice(cluster, database, tmp_path):
    config = fleet_config(cluster, database, "T01", tmp_path / "till")
    config = dataclasses.replace(config, backoffice=dataclasses.replace(config.backoffice, replicas=3))
    clock = Clock()
    till = Till(make_services(config, store=open_store(tmp_path / "till", clock=clock, terminal="T01"), clock=clock),
                tmp_path / "till")
    sold = till.sell("BREAD-01")
    till.store.import_closed([dataclasses.replace(sold, id=invoice_id("T01", n), seq=n)
                              for n in range(100, 100 + BACKLOG)])  # a day offline: entries to send
    try:
        with back_office(config) as office:
            wait_until(lambda: (stream_state(cluster.url) or (0, "", 0))[2] == 3,
                       "the stream on three nodes, each current, with a leader")
            till.start_sync()
            wait_until(lambda: (stream_state(cluster.url) or (0,))[0] > 0, "the till to start sending")
            leader = stream_state(cluster.url)[1]
            cluster.kill(leader)  # the stream's leader, mid-stream
            assert all(reaches(cluster.first(leader)) for _ in range(10))  # the dead node listed first
            till.sell("MILK-01")
            till.sell("KEFIR-01", paid=False)

            wait_until(lambda: till.sync.status().state == ONLINE and till.sync.status().backlog == 0,
                       "the till to send everything to the two nodes left", seconds=30)
            total = till.store.journal_head().seq
            assert total > BACKLOG
            wait_until(lambda: office.entries("T01") == total, "every entry in PostgreSQL", seconds=30)
            stored = office.rows("SELECT count(*), count(DISTINCT seq), min(seq), max(seq) FROM entries")[0]
            assert stored == (total, total, 1, total)
            assert stream_state(cluster.url)[0] == total  # the survivors hold each entry once
            assert office.central.breaks() == []
            assert office.central.terminals()["T01"].checked_to == total
    finally:
        till.close()
