"""One row per measured figure, and the plain table they print as."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import Sequence, TextIO

HEADER = ("figure", "value", "baseline", "ratio", "target", "result")


@dataclass(frozen=True)
class Row:
    """A figure, what it is compared with, and whether it meets its target (None: no target)."""

    figure: str
    value: float
    unit: str
    baseline: float | None = None
    target: str = ""
    passed: bool | None = None

    @property
    def ratio(self) -> float | None:
        return self.value / self.baseline if self.baseline else None

    def cells(self) -> tuple[str, ...]:
        result = {True: "pass", False: "MISS", None: "-"}[self.passed]
        baseline = "-" if self.baseline is None else f"{_number(self.baseline)} {self.unit}"
        ratio = "-" if self.ratio is None else f"{self.ratio:.2f}x"
        return (self.figure, f"{_number(self.value)} {self.unit}", baseline, ratio, self.target or "-", result)


def _number(value: float) -> str:
    return f"{value:.3g}" if abs(value) < 100 else f"{value:,.0f}".replace(",", " ")


def render(rows: Sequence[Row]) -> str:
    table = [HEADER, *(row.cells() for row in rows)]
    widths = [max(len(line[i]) for line in table) for i in range(len(HEADER))]
    right = {1, 2, 3}  # numbers line up on the right

    def line(cells: tuple[str, ...]) -> str:
        return "  ".join(c.rjust(w) if i in right else c.ljust(w)
                         for i, (c, w) in enumerate(zip(cells, widths))).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(HEADER), rule, *(line(c) for c in table[1:])])


def print_table(rows: Sequence[Row], out: TextIO | None = None) -> None:
    out = out or sys.stdout
    print(render(rows), file=out)
    misses = sum(1 for r in rows if r.passed is False)
    targets = sum(1 for r in rows if r.passed is not None)
    print(f"\n{targets - misses} of {targets} targets met", file=out)
