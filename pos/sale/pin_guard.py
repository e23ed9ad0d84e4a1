"""Checks the manager PIN against config and counts failures in the store (pos.pin has the rules)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Callable

from pos.pin import PinLock, verify_pin

PIN_STATE = "ui.pin_lock"  # Store state: failures so far and the end of a lockout


class PinGuard:
    def __init__(self, store: Any, ui: Any, clock: Callable[[], datetime], tr: Callable[..., str]) -> None:
        self._store, self._ui, self._clock, self.tr = store, ui, clock, tr

    def _lock(self) -> PinLock:
        return PinLock.from_dict(self._store.get_state(PIN_STATE))

    def locked_message(self) -> str | None:
        lock, now = self._lock(), self._clock()
        return self.tr("pin.locked", seconds=lock.seconds_left(now)) if lock.locked(now) else None

    def check(self, pin: str) -> tuple[bool, str]:
        """(accepted, message). At [ui] pin_attempts failures the PIN locks for pin_lockout_seconds,
        doubled for each lockout in a row (pos.pin). Enter on an empty field is not a guess: it
        is refused with no message and not counted."""
        now, lock = self._clock(), self._lock()
        if lock.locked(now):
            return False, self.tr("pin.locked", seconds=lock.seconds_left(now))
        if not pin:
            return False, ""
        if verify_pin(pin, self._ui.manager_pin_hash):
            self._store.put_state(PIN_STATE, None)
            return True, ""
        lock = lock.failed(now, self._ui.pin_attempts, self._ui.pin_lockout_seconds)
        self._store.put_state(PIN_STATE, lock.to_dict())
        if lock.locked(now):
            return False, self.tr("pin.locked", seconds=lock.seconds_left(now))
        return False, self.tr("pin.wrong", left=self._ui.pin_attempts - lock.failures)
