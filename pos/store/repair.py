"""`python -m pos.store repair DIR`: get a store that refuses to open going again, losing nothing.

The store refuses to open while a damaged file is set aside, or when counters.json is
missing or behind the rest, because going on could reuse invoice numbers or addresses.
With the terminal stopped (repair takes the store's lock), this:

1. moves every damaged file (already set aside, or unreadable now) to DIR/damaged/, every
   byte kept: what it held (open invoices, a day's sales) needs a person and a backup;
2. rebuilds the id -> day index from the day files (the index holds nothing else);
3. sets each counter to the highest value recorded anywhere: counters.json when readable,
   and the counters every other file recorded when it was written. Every saved invoice and
   print job was written after the counter values it uses, so none of them is handed out again.
"""

from __future__ import annotations

import os
from datetime import datetime, timezone
from pathlib import Path

from pos.core.ports import StoreError
from pos.store.atomic import (
    DAMAGED_MARK, STAMP, AtomicJSONStorage, flat_name, make_dirs, parse_tables,
)
from pos.store.backends import damaged_files
from pos.store.layout import COUNTERS, DAYS, INDEX, OPEN, STATE, index_slot
from pos.store.lock import StoreLock
from pos.store.repository import COUNTER_TABLE, DAY_INDEX, INVOICES

DAMAGED_DIR = "damaged"


def repair(directory: Path) -> list[str]:
    """Repair the store in place; returns what was done, one line each."""
    directory = Path(directory)
    if not directory.is_dir():
        raise StoreError(f"no store at {directory}")
    lock = StoreLock.acquire(directory)
    try:
        report = [_move_aside(directory, p) for p in damaged_files(directory)]
        tables: dict[Path, dict] = {}
        for path in _data_files(directory):
            try:
                tables[path] = parse_tables(path.read_bytes())
            except ValueError as exc:
                report.append(f"{path.relative_to(directory)} cannot be read ({exc})")
                report.append(_move_aside(directory, path))
        report += _rebuild_index(directory, tables)
        report += _rebuild_counters(directory, tables)
    finally:
        lock.release()
    return report


def _data_files(directory: Path) -> list[Path]:
    """The store's JSON files (the directory may also hold bitcoinlib's data and the like)."""
    found = [directory / f"{n}.json" for n in (COUNTERS, OPEN, STATE) if (directory / f"{n}.json").exists()]
    for sub in (DAYS, INDEX, STATE):
        for root, _, files in os.walk(directory / sub):
            found.extend(Path(root, f) for f in files if f.endswith(".json") and not f.startswith("."))
    return sorted(found)


def _move_aside(directory: Path, path: Path) -> str:
    make_dirs(directory / DAMAGED_DIR)
    name = flat_name(directory, path)
    if DAMAGED_MARK not in name:
        name += DAMAGED_MARK + datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    target = directory / DAMAGED_DIR / name
    os.replace(path, target)
    return f"moved {path.relative_to(directory)} to {target.relative_to(directory)}: check what it held"


def _rebuild_index(directory: Path, tables: dict[Path, dict]) -> list[str]:
    newest: dict[str, tuple[int, str]] = {}  # id -> (rev, day)
    for path, data in tables.items():
        if path.parent.parent == directory / DAYS:
            for record in data.get(INVOICES, {}).values():
                if record["id"] not in newest or record["rev"] >= newest[record["id"]][0]:
                    newest[record["id"]] = (record["rev"], path.stem)
    blocks: dict[str, dict[str, dict]] = {}
    for invoice_id, (_, day) in sorted(newest.items()):
        block, slot = index_slot(invoice_id)
        docs = blocks.setdefault(block, {})
        docs[str(slot if slot is not None else len(docs) + 1)] = {"id": invoice_id, "day": day}
    for block, docs in blocks.items():
        AtomicJSONStorage(directory / f"{block}.json", directory).write({DAY_INDEX: docs})
    for path in tables:
        if path.parent == directory / INDEX and f"{INDEX}/{path.stem}" not in blocks:
            path.unlink()
    days = len({day for _, day in newest.values()})
    return [f"index rebuilt: {len(newest)} closed invoice(s) over {days} day(s)"]


def _rebuild_counters(directory: Path, tables: dict[Path, dict]) -> list[str]:
    path = directory / f"{COUNTERS}.json"
    before = {d["name"]: int(d["value"]) for d in tables.get(path, {}).get(COUNTER_TABLE, {}).values()}
    after = dict(before)
    for data in tables.values():
        for name, value in data.get(STAMP, {}).items():
            after[name] = max(after.get(name, 0), int(value))
    docs = {str(i): {"name": name, "value": value} for i, (name, value) in enumerate(sorted(after.items()), 1)}
    AtomicJSONStorage(path, directory).write({COUNTER_TABLE: docs})
    was = "missing or unreadable" if path not in tables else "read"
    return [f"counters.json {was}; counter {name!r}: {before.get(name, '-')} -> {value}"
            for name, value in sorted(after.items())] or [f"counters.json {was}; no counters recorded"]
