from datetime import datetime, timedelta

import pytest

from pos.store import memory_store, open_store
from tests.builders import T0
from tests.store.faults import DiskFault


class Clock:
    """The store's idea of now, moved by hand."""

    def __init__(self, now: datetime = T0) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def store_dir(tmp_path):
    return tmp_path / "store"


@pytest.fixture
def open_file_store(store_dir, clock):
    """Opens the file store in store_dir (again and again: each call is a restart); closes them all."""
    opened = []

    def open_():
        store = open_store(store_dir, clock=clock)
        opened.append(store)
        return store

    yield open_
    for store in opened:
        store.close()


@pytest.fixture
def disk(monkeypatch, store_dir) -> DiskFault:
    """The store directory's disk, to fill up or turn read-only (tests/store/faults.py)."""
    store_dir.mkdir(parents=True, exist_ok=True)
    return DiskFault(monkeypatch, store_dir)


@pytest.fixture(params=["file", "memory"])
def store(request, store_dir, clock):
    """Each implementation of the Store port in turn: the contract tests run over both."""
    store = open_store(store_dir, clock=clock) if request.param == "file" else memory_store(clock=clock)
    yield store
    store.close()
