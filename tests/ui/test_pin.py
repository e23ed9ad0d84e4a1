"""The manager PIN hash (scrypt, salted) and the lockout record."""

from __future__ import annotations

from datetime import timedelta

from pos.pin import DEMO_PIN, PinLock, hash_pin, verify_pin
from tests.ui.fakes import START


def test_a_hash_verifies_its_pin_only_and_is_salted() -> None:
    stored = hash_pin("4321")
    assert stored.startswith("scrypt$") and "4321" not in stored
    assert verify_pin("4321", stored)
    assert not verify_pin("1234", stored)
    assert hash_pin("4321") != stored  # a fresh salt each time


def test_empty_hash_means_the_demo_pin_and_junk_never_matches() -> None:
    assert verify_pin(DEMO_PIN, "")
    assert not verify_pin("0000", "")
    for junk in ("x", "scrypt$1$2", "md5$a$b$c$d$e", "scrypt$16384$8$1$zz$00"):
        assert not verify_pin("1234", junk)


def test_lock_counts_failures_then_locks_for_the_configured_time() -> None:
    lock = PinLock()
    for _ in range(2):
        lock = lock.failed(START, attempts=3, lockout_seconds=300)
        assert not lock.locked(START)
    lock = lock.failed(START, attempts=3, lockout_seconds=300)
    assert lock.locked(START) and lock.seconds_left(START) == 300
    assert not lock.locked(START + timedelta(seconds=300))
    assert PinLock.from_dict(lock.to_dict()) == lock
