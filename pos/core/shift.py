"""A cashier's shift: opened with a float in the drawer, closed with the drawer counted.

The shift is what an X report reads at any time and what a Z report closes. Numbering
shifts and Z reports, and refusing a second Z, are the store's and the till's business
(pos.sale); this module only keeps a shift's figures consistent: times in order and
timezone-aware, cash amounts in tiyn within bounds, a closed shift closed once.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from pos.core.cart import MAX_SALE_TIYN
from pos.core.money import format_kzt
from pos.core.tender import check_time

#: Cash in a drawer (the float, or counted at close): at most the largest sale, a bound no till reaches.
MAX_DRAWER_TIYN = MAX_SALE_TIYN


class ShiftError(ValueError):
    """A shift whose figures break a rule; the message names the shift and the rule."""


def check_drawer(tiyn: object, what: str) -> int:
    if not isinstance(tiyn, int) or isinstance(tiyn, bool) or not 0 <= tiyn <= MAX_DRAWER_TIYN:
        raise ShiftError(f"{what} must be whole tiyn from 0 to {format_kzt(MAX_DRAWER_TIYN, 'KZT')}, not {tiyn!r}")
    return tiyn


@dataclass(frozen=True)
class Shift:
    number: int
    terminal_id: str
    cashier: str
    opened_at: datetime
    opening_float_tiyn: int
    closed_at: datetime | None = None
    counted_cash_tiyn: int | None = None  # the drawer as counted at close
    closed_by: str = ""

    def __post_init__(self) -> None:
        what = f"shift {self.number}"
        if not isinstance(self.number, int) or self.number < 1 or not self.terminal_id:
            raise ShiftError(f"{what}: a shift needs a number from 1 and its terminal")
        check_time(self.opened_at, f"{what}: the opening time", ShiftError)
        check_drawer(self.opening_float_tiyn, f"{what}: the opening float")
        if self.closed_at is not None and check_time(self.closed_at, f"{what}: the closing time", ShiftError) < self.opened_at:
            raise ShiftError(f"{what}: closed before it was opened")
        if (self.closed_at is None) != (self.counted_cash_tiyn is None):
            raise ShiftError(f"{what}: a shift is closed with the drawer counted, and only then")
        if self.counted_cash_tiyn is not None:
            check_drawer(self.counted_cash_tiyn, f"{what}: the cash counted")

    @property
    def closed(self) -> bool:
        return self.closed_at is not None

    def close(self, *, counted_cash_tiyn: int, at: datetime, by: str) -> "Shift":
        if self.closed:
            raise ShiftError(f"shift {self.number} is already closed")
        return replace(self, closed_at=at, counted_cash_tiyn=counted_cash_tiyn, closed_by=by)

    def to_dict(self) -> dict:
        return {
            "number": self.number, "terminal_id": self.terminal_id, "cashier": self.cashier,
            "opened_at": self.opened_at.isoformat(), "opening_float_tiyn": self.opening_float_tiyn,
            "closed_at": self.closed_at.isoformat() if self.closed_at else None,
            "counted_cash_tiyn": self.counted_cash_tiyn, "closed_by": self.closed_by,
        }

    @classmethod
    def from_dict(cls, d: dict) -> "Shift":
        try:
            return cls(
                number=d["number"], terminal_id=str(d["terminal_id"]), cashier=str(d.get("cashier", "")),
                opened_at=datetime.fromisoformat(d["opened_at"]), opening_float_tiyn=d["opening_float_tiyn"],
                closed_at=datetime.fromisoformat(d["closed_at"]) if d.get("closed_at") else None,
                counted_cash_tiyn=d.get("counted_cash_tiyn"), closed_by=str(d.get("closed_by", "")),
            )
        except KeyError as exc:
            raise ShiftError(f"shift {d.get('number')!r}: no {exc.args[0]!r}") from None
