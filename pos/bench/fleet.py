"""Fleet benchmark (issue 13): how long a sale takes to reach the back office, online and after a day offline.

A real nats-server -js (the hub) and a real PostgreSQL (made with initdb in a temporary
directory, as tests/fleet does; as root it runs as the `postgres` user) on localhost; one till
on a file store with its sync thread (pos.fleet.till_sync) and the back office's consumer
(pos.fleet.consumer) in a thread of its own, as `pos backoffice` runs it.

- Lag: a settled sale saved through the real store (one journal entry, write + fsync), timed
  until its row is in PostgreSQL's `entries`; the median of SALES such sales, one at a time.
- Catch-up: the till offline for a day of DAY_SALES sales, then connected with the back office
  running: from the connection to the last entry in PostgreSQL.
- Inserts per second: a second back office (its own database and durable consumer) reads the
  whole stream, already at the hub, into PostgreSQL.
"""

from __future__ import annotations

import asyncio
import glob
import os
import pwd
import shutil
import socket
import statistics
import subprocess
import tempfile
import threading
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import timedelta
from pathlib import Path
from typing import Callable, Iterator

from pos.bench.store import NOW, _invoice, _settled, _totals
from pos.bench.table import Row
from pos.config import DEFAULT_PATH, Config, load_config
from pos.store import open_store

WAIT_SECONDS = 120.0
LAG_TARGET_MS = 1000.0
CATCH_UP_TARGET_S = 60.0


class RigError(Exception):
    """A server of the rig is missing or does not start; the message says which and how to get it."""


@dataclass(frozen=True)
class Plan:
    sales: int  # sales timed one at a time, online
    day_sales: int  # sales made offline, then caught up


FULL = Plan(sales=50, day_sales=3_000)
QUICK = Plan(sales=10, day_sales=300)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def listening(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
        return True
    except OSError:
        return False


def wait_until(condition: Callable[[], object], what: str, seconds: float = WAIT_SECONDS) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise RigError(f"timed out after {seconds:g} s waiting for {what}")
        time.sleep(0.002)


def binary(name: str, package: str) -> str:
    found = shutil.which(name) or next(iter(sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)),
                                       None)
    if found is None:
        raise RigError(f"{name} is not installed: run tests/setup-and-run.sh (Debian package {package})")
    return found


@contextmanager
def nats_hub(directory: Path) -> Iterator[str]:
    """A nats-server -js on a port the OS gives, its store in `directory`; its URL."""
    port = free_port()
    with open(directory / "nats.log", "ab") as log:
        process = subprocess.Popen([binary("nats-server", "nats-server"), "-js", "-a", "127.0.0.1", "-p", str(port),
                                    "-sd", str(directory)], stdout=subprocess.DEVNULL, stderr=log)
    try:
        wait_until(lambda: listening(port) or process.poll() is not None, "nats-server to listen", 20)
        if process.poll() is not None:
            raise RigError(f"nats-server did not start: {(directory / 'nats.log').read_text()[-2000:]}")
        yield f"nats://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(10)


@contextmanager
def postgres_cluster() -> Iterator[str]:
    """A PostgreSQL cluster of its own in a new temporary directory; its URL without a database name.

    The directory is not under pytest's tmp_path: pytest removes old numbered directories
    there, which a second pytest run at the same time would do under the server's feet.
    """
    directory = Path(tempfile.mkdtemp(prefix="pos-fleet-pg-"))
    as_user: list[str] = []
    if os.geteuid() == 0:  # the server refuses root: run it as the Debian package's postgres user
        try:
            owner = pwd.getpwnam("postgres")
        except KeyError:
            raise RigError("running as root, PostgreSQL needs the `postgres` user (Debian package postgresql)") \
                from None
        os.chown(directory, owner.pw_uid, owner.pw_gid)
        as_user = [shutil.which("runuser") or "runuser", "-u", "postgres", "--"]
    port, data = free_port(), directory / "data"
    ctl = binary("pg_ctl", "postgresql")
    try:
        subprocess.run([*as_user, binary("initdb", "postgresql"), "-D", str(data), "-A", "trust", "-U", "pos",
                        "--no-sync", "-E", "UTF8", "--no-locale"], check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.PIPE)
        subprocess.run([*as_user, ctl, "-D", str(data), "-l", str(directory / "log"), "-w", "-o",
                        f"-p {port} -k {directory} -c listen_addresses=127.0.0.1 -c fsync=off", "start"],
                       check=True, stdout=subprocess.DEVNULL)
        yield f"postgresql://pos@127.0.0.1:{port}"
    finally:
        subprocess.run([*as_user, ctl, "-D", str(data), "-m", "immediate", "stop"],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        shutil.rmtree(directory, ignore_errors=True)


def new_database(server: str) -> str:
    """A fresh, empty database on the cluster; its URL."""
    import psycopg

    name = f"fleet_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")  # a name made here, not outside text
    return f"{server}/{name}"


class Office:
    """The back office's consumer in a thread of its own, as `pos backoffice` runs it."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopping: asyncio.Event | None = None
        self._ready = threading.Event()
        self._thread = threading.Thread(target=lambda: asyncio.run(self._run()), daemon=True)

    async def _run(self) -> None:
        from pos.fleet.central import Central
        from pos.fleet.consumer import consume

        self._loop, self._stopping = asyncio.get_running_loop(), asyncio.Event()
        self._ready.set()
        central = Central(self.config.backoffice.database)
        try:
            await consume(self.config, central, self._stopping)
        finally:
            central.close()

    def start(self) -> "Office":
        self._thread.start()
        self._ready.wait(5)
        return self

    def stop(self) -> None:
        if self._loop is not None and self._stopping is not None:
            self._loop.call_soon_threadsafe(self._stopping.set)
        self._thread.join(10)


def _config(hub: str, database: str, consumer: str = "backoffice") -> Config:
    config = load_config(DEFAULT_PATH)
    return replace(config, terminal=replace(config.terminal, id="T01"),
                   sync=replace(config.sync, url=hub, retry_seconds=1),
                   backoffice=replace(config.backoffice, database=database, consumer=consumer))


def run(quick: bool) -> list[Row]:
    import nats.js  # noqa: F401  # before the threads that use it: imports racing in two threads can deadlock

    from pos.fleet.central import Central
    from pos.fleet.till_sync import TillSync

    plan = QUICK if quick else FULL
    totals = _totals()
    with tempfile.TemporaryDirectory(prefix="pos-bench-fleet-") as tmp, postgres_cluster() as server, \
            nats_hub(Path(tmp)) as hub:
        config = _config(hub, new_database(server))
        till_dir = Path(tmp) / "till"
        store = open_store(till_dir, terminal="T01")
        central = Central(config.backoffice.database)
        office = Office(config).start()
        sync = TillSync(config.sync, store, till_dir, "T01")

        def in_postgres(seq: int) -> bool:
            return bool(central._rows("SELECT 1 FROM entries WHERE terminal = 'T01' AND seq = %s", (seq,)))

        try:
            # a day offline: the sales wait in the journal
            store.import_closed(_settled(_invoice(totals, n, NOW - timedelta(days=1)))
                                for n in range(1, plan.day_sales + 1))
            behind = store.journal_head().seq
            start = time.perf_counter()
            sync.start()
            wait_until(lambda: in_postgres(behind), "the day's sales in PostgreSQL")
            catch_up = time.perf_counter() - start

            lags = []
            for n in range(plan.day_sales + 1, plan.day_sales + plan.sales + 1):
                start = time.perf_counter()
                store.save_invoice(_settled(_invoice(totals, n, NOW)))
                seq = store.journal_head().seq
                wait_until(lambda: in_postgres(seq), f"sale {n} in PostgreSQL")
                lags.append((time.perf_counter() - start) * 1000)
            held = store.journal_head().seq
        finally:
            sync.stop()
            office.stop()
            store.close()
            central.close()

        again = _config(hub, new_database(server), consumer="bench_again")
        second = Central(again.backoffice.database)
        start = time.perf_counter()
        office = Office(again).start()
        try:
            wait_until(lambda: second._rows("SELECT count(*) FROM entries")[0][0] == held,
                       "the second back office to store the stream")
            inserts = held / (time.perf_counter() - start)
        finally:
            office.stop()
            second.close()
    return [
        Row(f"fleet: sale on a till -> its row in PostgreSQL, online (median of {plan.sales})",
            statistics.median(lags), "ms", target=f"<= {LAG_TARGET_MS:g} ms",
            passed=statistics.median(lags) <= LAG_TARGET_MS),
        Row(f"fleet: catch-up of a day offline, {plan.day_sales} sales ({behind} entries)", catch_up, "s",
            target=f"<= {CATCH_UP_TARGET_S:g} s", passed=catch_up <= CATCH_UP_TARGET_S),
        Row(f"fleet: back office inserts, {held} entries from the hub", inserts, "entries/s"),
    ]


if __name__ == "__main__":
    import sys

    from pos.bench.__main__ import main

    sys.exit(main([*sys.argv[1:], "fleet"]))
