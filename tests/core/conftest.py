"""Fixtures for the core's tests."""

import time

import pytest


@pytest.fixture
def almaty_machine(monkeypatch):
    """A machine whose local time is Almaty's (UTC+5): what the core records must still be UTC."""
    monkeypatch.setenv("TZ", "Asia/Almaty")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()
