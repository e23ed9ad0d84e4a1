"""The manager PIN: a salted scrypt hash in config, and a lockout after repeated failures.

Why scrypt: a 4-6 digit PIN has so few values that a fast hash is brute-forced
instantly from a copied config file; scrypt makes each guess cost memory and time.
The stored form is self-describing (`scrypt$n$r$p$salt$hash`, hex), so the cost can
be raised later without breaking existing hashes. An empty hash means the demo PIN.
Comparisons are on bytes: hmac.compare_digest refuses str with non-ASCII characters,
so a Cyrillic letter typed as a PIN used to end the app.

Why lockouts grow: with a fixed lockout, a 4-digit PIN falls to patient guessing in
about a week (5 guesses every 5 minutes). Each lockout in a row doubles, up to a day,
so the same search takes years; only the right PIN starts the count again.
Plain Python: `pos set-pin` uses it without importing the UI.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

DEMO_PIN = "1234"
MAX_LOCKOUT_SECONDS = 24 * 3600  # the longest a growing lockout gets
_N, _R, _P = 2**14, 8, 1  # ~16 MiB, ~50 ms: slow for guessing, quick for a manager


def _utf8(text: str) -> bytes:
    return text.encode("utf-8", "surrogatepass")  # whatever a terminal sends, never an exception


def hash_pin(pin: str, *, salt: bytes | None = None) -> str:
    salt = salt if salt is not None else secrets.token_bytes(16)
    digest = hashlib.scrypt(_utf8(pin), salt=salt, n=_N, r=_R, p=_P, dklen=32)
    return f"scrypt${_N}${_R}${_P}${salt.hex()}${digest.hex()}"


def verify_pin(pin: str, stored: str) -> bool:
    """True when the PIN matches the stored hash; "" accepts only the demo PIN; junk never matches."""
    if not stored:
        return hmac.compare_digest(_utf8(pin), _utf8(DEMO_PIN))
    try:
        scheme, n, r, p, salt_hex, digest_hex = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = bytes.fromhex(digest_hex)
        digest = hashlib.scrypt(_utf8(pin), salt=bytes.fromhex(salt_hex), n=int(n), r=int(r),
                                p=int(p), dklen=len(expected))
    except (ValueError, MemoryError, OverflowError):
        return False
    return hmac.compare_digest(digest, expected)


@dataclass(frozen=True)
class PinLock:
    """Failures so far, lockouts in a row and, once failures reach the limit, the time the lock ends.

    Kept in the store (state "pin_lock") so that restarting the terminal does not
    hand out a fresh set of guesses. `lockouts` survives the end of a lock: only the
    right PIN (which clears the record) makes the next lockout short again.
    """

    failures: int = 0
    locked_until: datetime | None = None
    lockouts: int = 0

    def locked(self, now: datetime) -> bool:
        return self.locked_until is not None and now < self.locked_until

    def seconds_left(self, now: datetime) -> int:
        if not self.locked(now):
            return 0
        assert self.locked_until is not None
        return max(1, int((self.locked_until - now).total_seconds() + 0.999))

    def failed(self, now: datetime, attempts: int, lockout_seconds: int) -> "PinLock":
        """One more wrong PIN; the attempts-th in a row locks for lockout_seconds, doubled per earlier lockout."""
        failures = self.failures + 1
        if failures >= attempts:
            lockouts = self.lockouts + 1
            return PinLock(0, now + timedelta(seconds=lockout_duration(lockout_seconds, lockouts)), lockouts)
        return replace(self, failures=failures, locked_until=None)

    def to_dict(self) -> dict:
        return {"failures": self.failures, "lockouts": self.lockouts,
                "locked_until": self.locked_until.isoformat() if self.locked_until else None}

    @classmethod
    def from_dict(cls, data: dict | None) -> "PinLock":
        if not data:
            return cls()
        until = data.get("locked_until")
        return cls(int(data.get("failures", 0)), datetime.fromisoformat(until) if until else None,
                   int(data.get("lockouts", 0)))


def lockout_duration(lockout_seconds: int, lockouts: int) -> int:
    """The n-th lockout in a row: lockout_seconds x 2^(n-1), at most MAX_LOCKOUT_SECONDS (and never less
    than the configured time)."""
    if lockout_seconds >= MAX_LOCKOUT_SECONDS:
        return lockout_seconds
    doublings = min(max(0, lockouts - 1), MAX_LOCKOUT_SECONDS.bit_length())  # no huge powers of two
    return min(lockout_seconds * 2**doublings, MAX_LOCKOUT_SECONDS)
