"""`python -m pos.store repair DIR`: get a store that refuses to open going again, losing nothing.

The store refuses to open while a damaged file is set aside, or when counters.json is
missing or behind the rest, because going on could reuse invoice numbers or addresses.
With the terminal stopped (repair takes the store's lock), this:

1. moves every damaged file (already set aside, or unreadable now) to DIR/damaged/, every
   byte kept: what it held (a day's sales) needs a person and a backup. From a damaged
   `open.json` (the invoices being paid) every readable invoice is put back first
   (pos.store.salvage), and every invoice that could not be is named;
2. rebuilds the id -> day index from the day files (the index holds nothing else);
3. sets each counter to the highest value recorded anywhere: counters.json when readable,
   and the counters every other file recorded when it was written. Every saved invoice and
   print job was written after the counter values it uses, so none of them is handed out again.
"""

from __future__ import annotations

import os
from datetime import datetime, timezone
from pathlib import Path

from pos.core.invoice import invoice_id
from pos.core.ports import StoreError
from pos.store.atomic import (
    DAMAGED_MARK, STAMP, AtomicJSONStorage, flat_name, make_dirs, original_name, parse_tables,
)
from pos.store.backends import damaged_files
from pos.store.layout import COUNTERS, DAYS, INDEX, OPEN, RECORDS, STATE, index_slot
from pos.store.lock import StoreLock
from pos.store.repository import COUNTER_TABLE, DAY_INDEX, INVOICES
from pos.store.salvage import salvage_open_invoices

DAMAGED_DIR = "damaged"
INVOICE_COUNTER = "invoice"  # pos.checkout's invoice sequence
NAMED_AT_MOST = 100


def repair(directory: Path) -> list[str]:
    """Repair the store in place; returns what was done, one line each."""
    directory = Path(directory)
    if not directory.is_dir():
        raise StoreError(f"no store at {directory}")
    lock = StoreLock.acquire(directory)
    try:
        damaged_open: list[bytes] = []
        report = []
        for aside in damaged_files(directory):
            if original_name(aside) == f"{OPEN}.json":
                damaged_open.append(aside.read_bytes())
            report.append(_move_aside(directory, aside))
        tables: dict[Path, dict] = {}
        for path in _data_files(directory):
            raw = path.read_bytes()
            try:
                tables[path] = parse_tables(raw)
            except ValueError as exc:
                report.append(f"{path.relative_to(directory)} cannot be read ({exc})")
                report.append(_move_aside(directory, path))
                if path == directory / f"{OPEN}.json":
                    damaged_open.append(raw)
        if damaged_open:
            report += _put_back_open_invoices(directory, damaged_open, tables)
        report += _rebuild_index(directory, tables)
        report += _rebuild_counters(directory, tables)
        if damaged_open:
            report += _numbers_found_nowhere(directory, tables)
    finally:
        lock.release()
    return report


def _data_files(directory: Path) -> list[Path]:
    """The store's JSON files (the directory may also hold bitcoinlib's data and the like)."""
    found = [directory / f"{n}.json" for n in (COUNTERS, OPEN, STATE, RECORDS) if (directory / f"{n}.json").exists()]
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


def _put_back_open_invoices(directory: Path, damaged: list[bytes], tables: dict[Path, dict]) -> list[str]:
    """The readable invoices of damaged copies of `open.json` back in it (the highest rev wins), and
    the ids it could not put back. A copy that a day file holds with a higher rev is the closed one:
    opening the store drops the open copy (a move that was interrupted)."""
    path = directory / f"{OPEN}.json"
    current = tables.get(path, {})
    records = {r["id"]: r for r in current.get(INVOICES, {}).values()}
    unreadable: set[str] = set()
    for raw in damaged:
        found = salvage_open_invoices(raw)
        unreadable.update(found.unreadable)
        for invoice_id, record in found.records.items():
            if invoice_id not in records or record["rev"] > records[invoice_id]["rev"]:
                records[invoice_id] = record
    unreadable -= set(records)
    data = {**current, INVOICES: {str(n): r for n, r in enumerate(sorted(records.values(), key=_by_id), 1)}}
    AtomicJSONStorage(path, directory).write(data)
    tables[path] = data
    report = [f"open.json: {len(records)} open invoice(s) put back from the damaged copy"
              + (f": {', '.join(sorted(records))}" if records else "")]
    if unreadable:
        report.append(f"open.json: {len(unreadable)} invoice(s) seen in the damaged copy could NOT be read: "
                      f"{', '.join(sorted(unreadable))}: check each on the chain and with the customer")
    return report


def _by_id(record: dict) -> str:
    return record["id"]


def _numbers_found_nowhere(directory: Path, tables: dict[Path, dict]) -> list[str]:
    """Invoice numbers handed out that no file of the store holds any more.

    A damaged `open.json` cut short loses the invoices after the cut without a trace of
    their ids; the invoice counter still says how many numbers were handed out. A number
    may also have been handed out to a charge that then failed, hence "or never saved".
    """
    counters = parse_tables((directory / f"{COUNTERS}.json").read_bytes()).get(COUNTER_TABLE, {})
    last = max((int(d["value"]) for d in counters.values() if d["name"] == INVOICE_COUNTER), default=0)
    ids = {record["id"] for path, data in tables.items()
           if path == directory / f"{OPEN}.json" or path.parent.parent == directory / DAYS
           for record in data.get(INVOICES, {}).values()}
    terminals = {invoice.rsplit("-", 1)[0] for invoice in ids}
    if len(terminals) != 1:  # one terminal per store: its id is what the numbers are prefixed with
        return []
    terminal = terminals.pop()
    missing = [invoice_id(terminal, n) for n in range(1, last + 1) if invoice_id(terminal, n) not in ids]
    if not missing:
        return []
    shown = ", ".join(missing[:NAMED_AT_MOST]) + (f" and {len(missing) - NAMED_AT_MOST} more"
                                                   if len(missing) > NAMED_AT_MOST else "")
    return [f"{len(missing)} invoice number(s) handed out are in no file of the store (lost with the damaged "
            f"open.json, or never saved): {shown}: check each on the chain and with the customer"]


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
