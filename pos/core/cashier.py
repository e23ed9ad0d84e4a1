"""The people at the till: a name, a role and their own PIN.

A cashier sells and refunds up to [shift] cashier_refund_max_kzt; a manager also settles
late payments, approves larger refunds and closes the shift with the Z report. Each has
their own PIN, kept as a salted scrypt hash (pos.pin.hash_pin: never the PIN itself), and
their own count of wrong PINs with growing lockouts (pos.sale.pin_guard, a state document
per person), as the manager PIN of the configuration has.

The name is what every sale, refund and report records as its cashier, so it is printed:
one line of printable text, bounded.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from pos.core.tender import check_time

CASHIER_ROLE, MANAGER_ROLE = "cashier", "manager"
ROLES = (CASHIER_ROLE, MANAGER_ROLE)
#: A name fits a 32-column slip's line beside its label.
MAX_NAME = 24
#: The people of one till: a shop, not a chain (the fleet has its own back office).
MAX_CASHIERS = 200
#: A PIN's length, in ASCII digits (a keypad has nothing else; a non-ASCII digit hashes differently).
PIN_LENGTH = (4, 12)


class CashierError(ValueError):
    """A cashier record that breaks a rule; the message names the rule."""


def check_name(name: object) -> str:
    if not isinstance(name, str) or not name.strip() or name != name.strip() or len(name) > MAX_NAME \
            or not name.isprintable():
        raise CashierError(f"a cashier's name is 1 to {MAX_NAME} printable characters without spaces at its "
                           f"ends, not {name!r}")
    return name


def check_new_pin(pin: str) -> str:
    """A new PIN, if it is 4 to 12 ASCII digits; CashierError otherwise."""
    if not (pin.isascii() and pin.isdigit() and PIN_LENGTH[0] <= len(pin) <= PIN_LENGTH[1]):
        raise CashierError(f"the PIN must be {PIN_LENGTH[0]} to {PIN_LENGTH[1]} digits")
    return pin


@dataclass(frozen=True)
class Cashier:
    name: str
    role: str
    pin_hash: str  # pos.pin.hash_pin's self-describing scrypt hash
    added_at: datetime

    def __post_init__(self) -> None:
        check_name(self.name)
        if self.role not in ROLES:
            raise CashierError(f"cashier {self.name}: the role is {' or '.join(ROLES)}, not {self.role!r}")
        if not isinstance(self.pin_hash, str) or not self.pin_hash.startswith("scrypt$"):
            raise CashierError(f"cashier {self.name}: the PIN is kept as a scrypt hash (pos.pin.hash_pin)")
        check_time(self.added_at, f"cashier {self.name}: the time added", CashierError)

    @property
    def is_manager(self) -> bool:
        return self.role == MANAGER_ROLE

    def to_dict(self) -> dict:
        return {"name": self.name, "role": self.role, "pin_hash": self.pin_hash, "added_at": self.added_at.isoformat()}

    @classmethod
    def from_dict(cls, d: dict) -> "Cashier":
        try:
            return cls(str(d["name"]), str(d["role"]), str(d["pin_hash"]), datetime.fromisoformat(d["added_at"]))
        except KeyError as exc:
            raise CashierError(f"cashier {d.get('name')!r}: no {exc.args[0]!r}") from None
