"""Checking a store against its journal, and the archive an overseer checks without the store.

`verify_store` walks the chain link by link (pos.core.journal.check_chain), folds it into
what the store must hold (Ledger), then compares: every journaled record (invoice, state
document, print job, counter, and the day's records: cashier, shift, sale, refund, Z report) with the store's copy, so a difference is named by its record;
then every store file's SHA-256 with the one its last journal entry recorded, so nothing
else in any file (an index entry, a stamp, a record added by hand) can change unseen.

`export` writes a zip: `journal.jsonl` (the entries of the days asked for, as written) and
`manifest.json` (terminal, days, first and last seq and hash, count, SHA-256 of the lines);
`verify_archive` checks one with nothing but this module.
"""

from __future__ import annotations

import json
import zipfile
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any, Iterator

from pos.core.journal import BrokenChain, Head, Ledger, canonical, check_chain, digest
from pos.core.ports import StoreError
from pos.store.atomic import STAMP, parse_tables
from pos.store.journal import JOURNAL_STAMP, FileJournal, store_files
from pos.store.lock import StoreLock
from pos.store.repository import COUNTER_TABLE, DAY_TABLE, INVOICES, PRINTS, STATE_TABLE

ARCHIVE_FORMAT = "cryptocity-pos-journal/1"
LINES, MANIFEST = "journal.jsonl", "manifest.json"
#: Largest archive member read back (a year of a busy till is a few hundred megabytes of lines).
MAX_ARCHIVE_BYTES = 4 * 1024 ** 3


@dataclass(frozen=True)
class Verdict:
    ok: bool
    message: str  # one line: the summary, or the first entry, record or file that does not match


def verify_store(directory: Path, since: date | None = None) -> Verdict:
    """Check the store in `directory` (the terminal stopped: this takes its lock) against its journal.

    With `since` the chain is checked from that day's first entry (taken on trust) and only
    the records and files journaled since then are compared.
    """
    lock = _lock(directory)
    try:
        journal = FileJournal(directory, _no_clock, None, reader=True)
        ledger = Ledger()
        try:
            for entry in check_chain(journal.lines(first=since), anchor=None if since else Head()):
                ledger.add(entry)
        except BrokenChain as exc:
            return Verdict(False, f"journal: {exc}")
        if not ledger.count:
            return Verdict(False, f"journal: no entries{f' since {since}' if since else ''} in {directory}")
        files, held = store_files(directory), set[tuple[str, str]]()
        problem = (_changed_record(files, ledger, held) or _changed_file(directory, files, ledger, since is None)
                   or _missing_record(ledger, held))
        if problem:
            return Verdict(False, problem)
        head = ledger.head
        return Verdict(True, f"journal OK: {ledger.count} entries{f' since {since}' if since else ''}, head "
                             f"{head.seq} {head.hash}; {sum(1 for k in ledger.records if k[0] == 'invoice')} "
                             f"invoice(s) and {len(files)} store file(s) match it")
    finally:
        lock.release()


def _lock(directory: Path) -> StoreLock:
    """The store's lock: its files are read while no terminal writes them."""
    if not (directory / "counters.json").exists():
        raise StoreError(f"no store at {directory}")
    return StoreLock.acquire(directory)


def _no_clock() -> datetime:
    raise StoreError("a journal opened for reading appends nothing")


def _store_records(tables: dict[str, dict[str, Any]]) -> Iterator[tuple[tuple[str, str], Any]]:
    """(ledger key, value) of each record a store file holds, as pos.core.journal.record_changes keys them."""
    for doc in tables.get(INVOICES, {}).values():
        yield ("invoice", doc["id"]), doc
    for doc in tables.get(STATE_TABLE, {}).values():
        yield ("state", doc["key"]), doc["value"]
    for doc in tables.get(PRINTS, {}).values():
        yield ("print", doc["id"]), doc
    for doc in tables.get(COUNTER_TABLE, {}).values():
        yield ("counter", doc["name"]), doc["value"]
    for doc in tables.get(DAY_TABLE, {}).values():
        yield (doc["kind"], doc["id"]), doc["record"]


def _changed_record(files: list[tuple[str, Path]], ledger: Ledger, held: set[tuple[str, str]]) -> str:
    """The first record of a store file that is not as the journal last wrote it (collects `held`)."""
    for name, path in files:
        try:
            records = list(_store_records(parse_tables(path.read_bytes())))
        except (OSError, ValueError) as exc:
            return f"{name}.json cannot be read ({exc})"
        except (KeyError, TypeError, AttributeError) as exc:
            return f"{name}.json holds a record the store did not write ({exc!r} missing or wrong)"
        for key, value in records:
            found = digest(canonical(value))
            expected = ledger.records.get(key)
            if expected is not None and found != expected[0]:
                return (f"{key[0]} {key[1]} in {name}.json differs from journal entry {expected[1]}"
                        if expected[0] is not None else
                        f"{key[0]} {key[1]} in {name}.json was removed by journal entry {expected[1]}")
            held.add(key)
    return ""


def _missing_record(ledger: Ledger, held: set[tuple[str, str]]) -> str:
    for key, (expected_digest, seq) in ledger.records.items():
        if expected_digest is not None and key not in held:
            return f"{key[0]} {key[1]} of journal entry {seq} is missing from the store"
    return ""


def _changed_file(directory: Path, files: list[tuple[str, Path]], ledger: Ledger, complete: bool) -> str:
    on_disk = dict(files)
    for name, path in files:
        expected = ledger.files.get(name)
        if expected is None:
            if complete:
                return f"{name}.json is in the store but no journal entry wrote it"
            continue
        raw = path.read_bytes()
        if digest(raw) != expected[0]:
            tables = parse_tables(raw)
            stamps = f" (its stamps: {tables.get(STAMP)}, {tables.get(JOURNAL_STAMP)})"
            return f"{name}.json is not what journal entry {expected[1]} wrote{stamps}"
    for name, (_, seq) in sorted(ledger.files.items(), key=lambda item: item[1][1]):
        if name not in on_disk:
            return f"{name}.json, written by journal entry {seq}, is missing from {directory}"
    return ""


def export(directory: Path, first: date, last: date, out: Path) -> Verdict:
    """Write the entries of the business days first..last to the archive `out`, checking their chain."""
    if last < first:
        return Verdict(False, f"--to {last} is before --from {first}")
    lock = _lock(directory)
    try:
        raws = list(FileJournal(directory, _no_clock, None, reader=True).lines(first, last))
    finally:
        lock.release()
    try:
        entries = list(check_chain(raws, anchor=None))
    except BrokenChain as exc:
        return Verdict(False, f"journal: {exc}: nothing exported")
    if not entries:
        return Verdict(False, f"journal: no entries from {first} to {last} in {directory}")
    body = b"".join(raw for _, raw in raws)
    manifest = {"format": ARCHIVE_FORMAT, "terminal": entries[-1].terminal, "from": first.isoformat(),
                "to": last.isoformat(), "entries": len(entries),
                "first": {"seq": entries[0].seq, "prev": entries[0].prev, "hash": entries[0].hash},
                "last": {"seq": entries[-1].seq, "hash": entries[-1].hash}, "sha256": digest(body),
                "exported_at": datetime.now(timezone.utc).isoformat(timespec="seconds")}
    try:
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr(LINES, body)
            archive.writestr(MANIFEST, json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
    except OSError as exc:
        return Verdict(False, f"cannot write {out}: {exc.strerror or exc}")
    return Verdict(True, f"exported {len(entries)} entries ({entries[0].seq}..{entries[-1].seq}, {first}..{last}) "
                         f"to {out}; last hash {entries[-1].hash}")


def verify_archive(path: Path) -> Verdict:
    """Check an archive from `export` on its own: the manifest's hash, the chain, its ends and count."""
    try:
        with zipfile.ZipFile(path) as archive:
            sizes = {info.filename: info.file_size for info in archive.infolist()}
            if set(sizes) != {LINES, MANIFEST}:
                return Verdict(False, f"{path}: holds {sorted(sizes)}, expected {LINES} and {MANIFEST} only")
            if max(sizes.values()) > MAX_ARCHIVE_BYTES:
                return Verdict(False, f"{path}: a member is larger than {MAX_ARCHIVE_BYTES} bytes")
            body, manifest = archive.read(LINES), json.loads(archive.read(MANIFEST))
    except (OSError, zipfile.BadZipFile, ValueError, KeyError) as exc:
        return Verdict(False, f"{path}: not a journal archive ({exc})")
    try:
        if manifest.get("format") != ARCHIVE_FORMAT:
            return Verdict(False, f"{path}: format {manifest.get('format')!r}, expected {ARCHIVE_FORMAT!r}")
        if digest(body) != manifest["sha256"]:
            return Verdict(False, f"{path}: {LINES} does not match the manifest's SHA-256 (changed after export)")
        first = manifest["first"]
        entries = list(check_chain(((f"{LINES} line {n}", raw) for n, raw in
                                    enumerate(body.splitlines(keepends=True), 1)),
                                   anchor=Head(int(first["seq"]) - 1, str(first["prev"]))))
    except BrokenChain as exc:
        return Verdict(False, f"{path}: {exc}")
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        return Verdict(False, f"{path}: the manifest cannot be read ({exc!r})")
    ends = (entries[-1].seq, entries[-1].hash) if entries else None
    if len(entries) != manifest["entries"] or ends != (manifest["last"]["seq"], manifest["last"]["hash"]):
        return Verdict(False, f"{path}: {len(entries)} entries ending at {ends and ends[0]}, the manifest says "
                              f"{manifest['entries']} ending at {manifest['last']['seq']} (entries removed or added)")
    return Verdict(True, f"archive OK: {len(entries)} entries of terminal {manifest['terminal']} "
                         f"({manifest['from']}..{manifest['to']}), seq {first['seq']}..{ends[0]}, last hash {ends[1]}")
