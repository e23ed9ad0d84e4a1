"""The manager PIN: a salted scrypt hash in config, and a lockout after repeated failures.

Why scrypt: a 4-6 digit PIN has so few values that a fast hash is brute-forced
instantly from a copied config file; scrypt makes each guess cost memory and time.
The stored form is self-describing (`scrypt$n$r$p$salt$hash`, hex), so the cost can
be raised later without breaking existing hashes. An empty hash means the demo PIN.
Plain Python: `pos set-pin` uses it without importing the UI.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

DEMO_PIN = "1234"
_N, _R, _P = 2**14, 8, 1  # ~16 MiB, ~50 ms: slow for guessing, quick for a manager


def hash_pin(pin: str, *, salt: bytes | None = None) -> str:
    salt = salt if salt is not None else secrets.token_bytes(16)
    digest = hashlib.scrypt(pin.encode("utf-8"), salt=salt, n=_N, r=_R, p=_P, dklen=32)
    return f"scrypt${_N}${_R}${_P}${salt.hex()}${digest.hex()}"


def verify_pin(pin: str, stored: str) -> bool:
    """True when the PIN matches the stored hash; "" accepts only the demo PIN; junk never matches."""
    if not stored:
        return hmac.compare_digest(pin, DEMO_PIN)
    try:
        scheme, n, r, p, salt_hex, digest_hex = stored.split("$")
        if scheme != "scrypt":
            return False
        digest = hashlib.scrypt(pin.encode("utf-8"), salt=bytes.fromhex(salt_hex), n=int(n), r=int(r),
                                p=int(p), dklen=len(digest_hex) // 2)
    except (ValueError, MemoryError):
        return False
    return hmac.compare_digest(digest.hex(), digest_hex)


@dataclass(frozen=True)
class PinLock:
    """Failures so far and, once they reach the limit, the time the lock ends.

    Kept in the store (state "pin_lock") so that restarting the terminal does not
    hand out a fresh set of guesses.
    """

    failures: int = 0
    locked_until: datetime | None = None

    def locked(self, now: datetime) -> bool:
        return self.locked_until is not None and now < self.locked_until

    def seconds_left(self, now: datetime) -> int:
        if not self.locked(now):
            return 0
        assert self.locked_until is not None
        return max(1, int((self.locked_until - now).total_seconds() + 0.999))

    def failed(self, now: datetime, attempts: int, lockout_seconds: int) -> "PinLock":
        failures = self.failures + 1
        if failures >= attempts:
            return PinLock(0, now + timedelta(seconds=lockout_seconds))
        return replace(self, failures=failures, locked_until=None)

    def to_dict(self) -> dict:
        return {"failures": self.failures,
                "locked_until": self.locked_until.isoformat() if self.locked_until else None}

    @classmethod
    def from_dict(cls, data: dict | None) -> "PinLock":
        if not data:
            return cls()
        until = data.get("locked_until")
        return cls(int(data.get("failures", 0)), datetime.fromisoformat(until) if until else None)
