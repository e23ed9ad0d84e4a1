"""Journal benchmark: does appending an entry cost the same at 1 000 and at 1 000 000 entries?

For each size a journal of that many entries is built by writing its day partitions
directly (a chained entry per line, PER_DAY a day, as a busy till writes them; building
through the store would take hours of fsyncs), then the real append is timed: a
pos.store.journal.FileJournal opened on it (which finds the head from the last
partition's tail) appends one entry, a sale in progress of a dozen lines, with the
O_APPEND write and the fsync, APPENDS times. The sizes are measured in turn, round after
round, so that a busy moment on the machine does not land on one size only. Each figure
is a median and is compared with the smallest journal's.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from pos.bench.table import Row
from pos.core.journal import STATE_PUT, SYSTEM, Draft, Head, seal
from pos.store.atomic import make_dirs
from pos.store.journal import FileJournal, partition_name

#: The bench's "now": entries are appended to this business day, after the history.
NOW = datetime(2026, 11, 25, 8, 0, tzinfo=timezone.utc)
TARGET_RATIO = 2.0
PER_DAY = 3_000  # entries a day: ~300 sales, each a dozen writes


@dataclass(frozen=True)
class Plan:
    sizes: tuple[int, ...]
    appends: int


FULL = Plan(sizes=(1_000, 100_000, 1_000_000), appends=200)
QUICK = Plan(sizes=(1_000, 3_000, 10_000), appends=30)


def _sale(n: int) -> dict:
    lines = [{"sku": f"SKU-{i:02d}", "milli": 1000 * (1 + i % 3), "discount": ""} for i in range(12)]
    return {"key": "ui.sale", "value": {"lines": lines, "n": n}}


def _build(directory: Path, size: int) -> None:
    """`size` chained entries over the days before NOW, PER_DAY a day, written a partition at a time."""
    head = Head()
    days = -(-size // PER_DAY)
    first = NOW.date() - timedelta(days=days)
    files = (("state", "0" * 64),)
    for d in range(days):
        day = first + timedelta(days=d)
        at = datetime(day.year, day.month, day.day, 6, tzinfo=timezone.utc)
        lines = []
        for seq in range(head.seq + 1, min(size, head.seq + PER_DAY) + 1):
            entry = seal(seq, at, "T01", Draft(STATE_PUT, _sale(seq), SYSTEM), head.hash, files)
            lines.append(entry.line())
            head = Head(entry.seq, entry.hash)
        path = directory / partition_name(day)
        make_dirs(path.parent)
        path.write_bytes(b"".join(lines))


def _now() -> datetime:
    return NOW


def _label(n: int) -> str:
    return f"{n // 1_000_000}M" if n % 1_000_000 == 0 else f"{n // 1000}k" if n % 1000 == 0 else str(n)


def _measure(directories: dict[int, Path], plan: Plan) -> dict[int, dict[str, float]]:
    figures: dict[int, dict[str, list[float]]] = {size: {"append": [], "open": []} for size in directories}
    for i in range(plan.appends):
        for size, directory in directories.items():
            start = time.perf_counter()
            journal = FileJournal(directory, _now, "T01")
            opened = time.perf_counter()
            journal.append([Draft(STATE_PUT, _sale(i), SYSTEM)], (("state", "1" * 64),))
            done = time.perf_counter()
            assert journal.head.seq == size + i + 1
            figures[size]["open"].append((opened - start) * 1000)
            figures[size]["append"].append((done - opened) * 1000)
    return {size: {key: statistics.median(values) for key, values in by_key.items()}
            for size, by_key in figures.items()}


FIGURES = [("append", "append an entry (write + fsync, median)"), ("open", "find the head at opening (median)")]


def run(quick: bool) -> list[Row]:
    plan = QUICK if quick else FULL
    with tempfile.TemporaryDirectory(prefix="pos-bench-journal-") as tmp:
        directories = {size: Path(tmp) / str(size) for size in plan.sizes}
        for size, directory in directories.items():
            _build(directory, size)
        results = _measure(directories, plan)
    base = plan.sizes[0]
    rows = []
    for key, text in FIGURES:
        for size in plan.sizes:
            value, figure = results[size][key], f"journal: {text}, {_label(size)} entries"
            if size == base:
                rows.append(Row(figure, value, "ms", target="baseline"))
            else:
                baseline = results[base][key]
                rows.append(Row(figure, value, "ms", baseline, f"<= {TARGET_RATIO:g}x the {_label(base)} figure",
                                value <= TARGET_RATIO * baseline))
    return rows

