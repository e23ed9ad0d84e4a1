"""The fleet's rig: a real nats-server with JetStream, a real PostgreSQL, tills on real file stores.

Both servers are the Debian packages README's test command installs; a missing binary fails
the tests (never skips them). PostgreSQL refuses to run as root: as root the cluster is made
and run as the `postgres` user the Debian package creates, in a temporary directory it owns.
One PostgreSQL per test session (a fresh database per test); one hub per test, which a test
stops and starts again on the same port and data directory to cut the tills off.
"""

from __future__ import annotations

import asyncio
import dataclasses
import signal
import subprocess
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator, TypeVar

import nats.js  # noqa: F401  # before the threads that use it: imports racing in two threads can deadlock
import pytest

from pos.bench.fleet import RigError, binary, free_port, listening, new_database, postgres_cluster
from pos.fleet.central import Central
from pos.fleet.consumer import Progress, consume
from pos.fleet.till_sync import TillSync
from pos.services import Services
from pos.store import open_store
from tests.ui.conftest import make_config, make_services
from tests.ui.fakes import Clock

WAIT_SECONDS = 20.0
Server = TypeVar("Server", "Hub", "Cluster")


def wait_until(condition: Callable[[], object], what: str, seconds: float = WAIT_SECONDS) -> object:
    deadline = time.monotonic() + seconds
    while True:
        found = condition()
        if found:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {seconds} s waiting for {what}")
        time.sleep(0.05)


# ---- the hub -------------------------------------------------------------------------
class Hub:
    """nats-server -js on a fixed port and data directory: stopped and started again, it keeps its streams."""

    def __init__(self, binary: str, directory: Path) -> None:
        self.binary, self.directory, self.port = binary, directory, free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [self.binary, "-js", "-a", "127.0.0.1", "-p", str(self.port), "-sd", str(self.directory)],
            stdout=subprocess.DEVNULL, stderr=open(self.directory / "nats.log", "ab"))
        wait_until(lambda: listening(self.port) or self.process.poll() is not None, "nats-server to listen")
        assert self.process.poll() is None, (self.directory / "nats.log").read_text()[-2000:]

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)
        self.process = None


def _serve(kind: Callable[[str, Path], Server], directory: Path) -> Iterator[Server]:
    """A hub of `kind` started in `directory` (made here), stopped after the test."""
    try:
        nats_server = binary("nats-server", "nats-server")
    except RigError as exc:
        pytest.fail(str(exc))
    directory.mkdir()
    running = kind(nats_server, directory)
    running.start()
    yield running
    running.stop()


@pytest.fixture
def hub(tmp_path) -> Iterator[Hub]:
    yield from _serve(Hub, tmp_path / "hub")


# ---- PostgreSQL ----------------------------------------------------------------------
@pytest.fixture(scope="session")
def postgres() -> Iterator[str]:
    """A PostgreSQL cluster of the session's own (pos.bench.fleet's rig); its URL without a database name."""
    try:
        with postgres_cluster() as server:
            yield server
    except RigError as exc:
        pytest.fail(str(exc))


@pytest.fixture
def database(postgres) -> str:
    """A fresh, empty database for one test."""
    return new_database(postgres)


# ---- tills and the back office -----------------------------------------------------
def fleet_config(hub: Hub, database: str, terminal: str = "T01", store: Path | None = None, **sync: object):
    return make_config(terminal={"id": terminal}, store={"path": str(store or "")},
                       sync={"url": hub.url, "retry_seconds": 1, **sync},
                       backoffice={"database": database, "ack_wait_seconds": 2})


@dataclasses.dataclass
class Till:
    """A till on a file store with the real Till and Checkout over a scripted chain, and its sync thread."""

    services: Services
    directory: Path
    sync: TillSync | None = None

    @property
    def store(self):
        return self.services.store

    def sell(self, *skus: str, paid: bool = True):
        """One sale as the cashier rings it up; paid and confirmed when `paid`."""
        till, watcher = self.services.till, self.services.watcher
        for sku in skus:
            till.cart.add(sku)
            till.save_cart()
        invoice = till.charge(till.cart_copy())
        till.charged(invoice)
        if paid:
            watcher.pay(invoice.address, invoice.amount_sat)
            watcher.mine()
            till.apply(till.poll())
        else:
            till.cancel(invoice.id)
        till.new_sale()
        return self.store.get_invoice(invoice.id)

    def start_sync(self) -> TillSync:
        config = self.services.config
        self.sync = TillSync(config.sync, self.store, self.directory, config.terminal.id)
        self.sync.start()
        return self.sync

    def stop_sync(self) -> None:
        if self.sync is not None:
            self.sync.stop()
            self.sync = None

    def close(self) -> None:
        self.stop_sync()
        self.store.close()


@pytest.fixture
def make_till(tmp_path, hub, database) -> Iterator[Callable[..., Till]]:
    made: list[Till] = []

    def make(terminal: str, clock: Clock | None = None) -> Till:
        directory = tmp_path / f"store-{terminal}"
        clock = clock or Clock()
        config = fleet_config(hub, database, terminal, directory)
        store = open_store(directory, clock=clock, terminal=terminal)
        till = Till(make_services(config, store=store, clock=clock), directory)
        made.append(till)
        return till

    yield make
    for till in made:
        till.close()


class BackOffice:
    """`pos backoffice`'s consumer in a thread of its own, and its database to look at."""

    def __init__(self, config) -> None:
        self.config = config
        self.central = Central(config.backoffice.database)
        self._stopping: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self.progress: Progress | None = None
        self._thread = threading.Thread(target=lambda: asyncio.run(self._run()), daemon=True)
        self._ready = threading.Event()

    async def _run(self) -> None:
        self._loop, self._stopping = asyncio.get_running_loop(), asyncio.Event()
        self._ready.set()
        self.progress = await consume(self.config, Central(self.config.backoffice.database), self._stopping)

    def start(self) -> "BackOffice":
        self._thread.start()
        self._ready.wait(5)
        return self

    def stop(self) -> None:
        if self._loop is not None and self._stopping is not None and self._thread.is_alive():
            self._loop.call_soon_threadsafe(self._stopping.set)
            self._thread.join(10)
        self.central.close()

    def rows(self, query: str, *params) -> list[tuple]:
        return self.central._rows(query, params)

    def entries(self, terminal: str) -> int:
        return self.rows("SELECT count(*) FROM entries WHERE terminal = %s", terminal)[0][0]


@contextmanager
def back_office(config) -> Iterator[BackOffice]:
    office = BackOffice(config).start()
    try:
        yield office
    finally:
        office.stop()


def kill(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGKILL)
    process.wait(10)


def config_file(directory: Path, hub: Hub, database: str) -> Path:
    """The back office's configuration file, as `pos backoffice --config FILE` reads it."""
    path = directory / "backoffice.toml"
    path.write_text(f'[merchant]\nname = "Shop"\nbin = "123456789012"\n[chain]\nxpub = "vpub-not-used"\n'
                    f'network = "regtest"\n[store]\npath = "{directory / "office"}"\n'
                    f'[sync]\nurl = "{hub.url}"\nretry_seconds = 1\n'
                    f'[backoffice]\ndatabase = "{database}"\nack_wait_seconds = 2\n', encoding="utf-8")
    return path


# ---- a three-node hub ----------------------------------------------------------------
class Cluster:
    """Three nats-server -js nodes routed to each other (cluster `pos`), each with its own store directory."""

    SIZE = 3

    def __init__(self, binary: str, directory: Path) -> None:
        self.binary, self.directory = binary, directory
        self.ports = [(free_port(), free_port()) for _ in range(self.SIZE)]  # (clients, routes) per node
        self.processes: list[subprocess.Popen | None] = [None] * self.SIZE

    @property
    def url(self) -> str:
        """[sync] url: the three nodes, comma separated, as README tells a merchant to list them."""
        return ",".join(f"nats://127.0.0.1:{client}" for client, _ in self.ports)

    def name(self, node: int) -> str:
        return f"n{node + 1}"

    def first(self, name: str) -> str:
        """[sync] url with the node `name` listed first."""
        node = next(n for n in range(self.SIZE) if self.name(n) == name)
        urls = self.url.split(",")
        return ",".join([urls[node], *(u for n, u in enumerate(urls) if n != node)])

    def start(self) -> None:
        for node, (client, route) in enumerate(self.ports):
            store = self.directory / self.name(node)
            store.mkdir(exist_ok=True)
            routes = ",".join(f"nats://127.0.0.1:{r}" for n, (_, r) in enumerate(self.ports) if n != node)
            self.processes[node] = subprocess.Popen(
                [self.binary, "-js", "-a", "127.0.0.1", "-p", str(client), "-sd", str(store),
                 "--server_name", self.name(node), "--cluster_name", "pos",
                 "--cluster", f"nats://127.0.0.1:{route}", "--routes", routes],
                stdout=subprocess.DEVNULL, stderr=open(store / "nats.log", "ab"))
        for node, (client, _) in enumerate(self.ports):
            wait_until(lambda: listening(client), f"node {self.name(node)} to listen")

    def kill(self, name: str) -> None:
        """SIGKILL to one node: no goodbye to its peers or clients."""
        node = next(n for n in range(self.SIZE) if self.name(n) == name)
        process = self.processes[node]
        assert process is not None
        kill(process)
        self.processes[node] = None

    def stop(self) -> None:
        for process in self.processes:
            if process is not None and process.poll() is None:
                process.terminate()
                process.wait(10)


@pytest.fixture
def cluster(tmp_path) -> Iterator[Cluster]:
    yield from _serve(Cluster, tmp_path / "cluster")
