"""Checks a PIN and counts failures in the store (pos.pin has the rules): the manager PIN of the
configuration, or a cashier's own (pos.sale.day gives each person their hash and state key).

A store that cannot be written (disk full) must not allow endless guessing: the count goes on
in memory until it can be saved. One that cannot be read fails closed: no PIN is checked."""

from __future__ import annotations

from datetime import datetime
from typing import Callable

from pos.config import Ui
from pos.core.ports import Store, StoreError
from pos.pin import PinLock, verify_pin

PIN_STATE = "ui.pin_lock"  # Store state: failures so far and the end of a lockout


class PinGuard:
    def __init__(self, store: Store, ui: Ui, clock: Callable[[], datetime], tr: Callable[..., str], *,
                 state_key: str = PIN_STATE, pin_hash: str | None = None) -> None:
        self._store, self._ui, self._clock, self.tr = store, ui, clock, tr
        self._key = state_key
        self._hash = pin_hash  # None: the configuration's manager PIN, read at each check
        self._unsaved: PinLock | None = None  # newer than the store's, which refused it

    def _lock(self) -> PinLock:
        """StoreError when the store cannot be read."""
        if self._unsaved is not None:
            return self._unsaved
        return PinLock.from_dict(self._store.get_state(self._key))

    def _save(self, lock: PinLock) -> None:
        try:
            self._store.put_state(self._key, None if lock == PinLock() else lock.to_dict())
        except StoreError:
            self._unsaved = lock
        else:
            self._unsaved = None

    def locked_message(self) -> str | None:
        try:
            lock, now = self._lock(), self._clock()
        except StoreError as exc:
            return self.tr("pin.store", reason=str(exc))
        return self.tr("pin.locked", seconds=lock.seconds_left(now)) if lock.locked(now) else None

    def check(self, pin: str) -> tuple[bool, str]:
        """(accepted, message). At [ui] pin_attempts failures the PIN locks for pin_lockout_seconds,
        doubled for each lockout in a row (pos.pin). Enter on an empty field is not a guess: it
        is refused with no message and not counted."""
        now = self._clock()
        try:
            lock = self._lock()
        except StoreError as exc:
            return False, self.tr("pin.store", reason=str(exc))
        if lock.locked(now):
            return False, self.tr("pin.locked", seconds=lock.seconds_left(now))
        if not pin:
            return False, ""
        if verify_pin(pin, self._ui.manager_pin_hash if self._hash is None else self._hash):
            self._save(PinLock())
            return True, ""
        lock = lock.failed(now, self._ui.pin_attempts, self._ui.pin_lockout_seconds)
        self._save(lock)
        if lock.locked(now):
            return False, self.tr("pin.locked", seconds=lock.seconds_left(now))
        return False, self.tr("pin.wrong", left=self._ui.pin_attempts - lock.failures)
