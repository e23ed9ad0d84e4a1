"""The manager PIN hash (scrypt, salted) and the lockout record."""

from __future__ import annotations

from datetime import timedelta

from pos.pin import DEMO_PIN, MAX_LOCKOUT_SECONDS, PinLock, hash_pin, verify_pin
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


# ---- issue 14: a non-ASCII PIN, growing lockouts, empty PINs ----------------------------
def test_a_non_ascii_pin_is_just_a_wrong_pin_and_can_even_be_a_right_one() -> None:
    assert not verify_pin("ж", "")  # hmac.compare_digest raised TypeError on non-ASCII str
    assert not verify_pin("12ж4", hash_pin("1234"))
    assert verify_pin("жұлдыз", hash_pin("жұлдыз"))
    assert not verify_pin("1234", "scrypt$16384$8$1$00$жж")  # a hand-edited hash is junk, not a crash


def test_lockouts_in_a_row_double_up_to_a_day_and_survive_a_restart() -> None:
    lock, now, lengths = PinLock(), START, []
    for _ in range(12):
        for _ in range(3):
            lock = lock.failed(now, attempts=3, lockout_seconds=300)
        lengths.append(lock.seconds_left(now))
        lock = PinLock.from_dict(lock.to_dict())  # the store keeps the count of lockouts
        now = lock.locked_until
        assert not lock.locked(now) and lock.failures == 0
    assert lengths[:5] == [300, 600, 1200, 2400, 4800]
    assert lengths[-3:] == [MAX_LOCKOUT_SECONDS] * 3 == [86_400] * 3


def test_guessing_a_four_digit_pin_takes_years_not_a_week() -> None:
    lock, now, guesses = PinLock(), START, 0
    while guesses < 10_000:
        lock = lock.failed(now, attempts=5, lockout_seconds=300)
        guesses += 1
        if lock.locked(now):
            now = lock.locked_until
    assert now - START > timedelta(days=5 * 365)


def test_an_old_lock_record_without_a_lockout_count_still_reads() -> None:
    until = START + timedelta(seconds=60)
    assert PinLock.from_dict({"failures": 0, "locked_until": until.isoformat()}) == PinLock(0, until, 0)
