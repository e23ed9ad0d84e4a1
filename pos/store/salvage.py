"""What `python -m pos.store repair` can still read in a damaged `open.json`, and what it cannot.

`open.json` holds the invoices being paid or watched; moving it aside whole (as repair
does with any damaged file) would take them off the terminal. A file damaged partway (cut
short by a full disk, a few bytes overwritten) still holds whole records before and after
the damage: each is `{"id": ..., "rev": ..., "invoice": {...}}`, found by where such a
record starts and read with the JSON decoder from there. A record is taken only when it
reads as an invoice whose id matches; every id that can be seen in the file but whose
record cannot be taken is named, for a person to follow up.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from pos.core.invoice import Invoice

_RECORD_START = re.compile(r'\{\s*"id"\s*:')
_ID_TEXT = re.compile(rb'"id"\s*:\s*"([A-Za-z0-9_]+-[0-9]{1,12})"')


@dataclass(frozen=True)
class Salvage:
    records: dict[str, dict[str, Any]]  # invoice id -> its record, the highest rev when seen twice
    unreadable: tuple[str, ...]  # ids seen in the damaged bytes whose record could not be taken


def salvage_open_invoices(raw: bytes) -> Salvage:
    text = raw.decode("utf-8", errors="surrogateescape")  # bad bytes stay in place, never read as data
    decoder = json.JSONDecoder()
    records: dict[str, dict[str, Any]] = {}
    position = 0
    while (found := _RECORD_START.search(text, position)) is not None:
        try:
            record, end = decoder.raw_decode(text, found.start())
        except ValueError:
            position = found.end()  # damaged here: look for the next record (or the invoice inside)
            continue
        if _is_invoice_record(record):
            position = end
            kept = records.get(record["id"])
            if kept is None or record["rev"] > kept["rev"]:
                records[record["id"]] = record
        else:
            position = found.end()
    seen = {m.decode("ascii") for m in _ID_TEXT.findall(raw)}
    return Salvage(records, tuple(sorted(seen - set(records))))


def _is_invoice_record(record: Any) -> bool:
    if not (isinstance(record, dict) and set(record) == {"id", "rev", "invoice"}):
        return False
    if not isinstance(record["rev"], int) or isinstance(record["rev"], bool) or record["rev"] < 1:
        return False
    try:
        json.dumps(record, ensure_ascii=False).encode("utf-8")  # a bad byte decoded as a stand-in: not data
        return Invoice.from_dict(record["invoice"]).id == record["id"]
    except (KeyError, TypeError, ValueError, AttributeError):  # UnicodeEncodeError is a ValueError
        return False
