"""End to end (issue 12's "Done when"): a day of headless sales on the regtest node, then `pos journal`.

`pos --headless --script` sells to three customers (each pays as soon as the invoice shows,
one block settles them) and cancels a fourth sale; then, the terminal stopped, `pos journal
verify` passes with its one-line summary, the export verifies on its own, and one byte
changed in the day's file makes verify fail naming the invoice.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from pos.core.journal import COUNTER, INVOICE, STARTED, SYSTEM, WATCHER, check_chain
from pos.core.localtime import business_day
from pos.regtest.node import RegtestNode
from pos.store.journal import FileJournal
from tests.e2e.headless import headless_terminal
from tests.e2e.test_queue import SALE  # a sale handed over when seen, then the next one

SCRIPT = "".join(SALE.format(code=code) for code in ("BREAD-01", "MILK-01", "TEA-01")) + """
wait payment_state state=settled 120
wait payment_state state=settled 120
wait payment_state state=settled 120
type 2*BREAD-01
press enter
press f10
wait invoice_created 60
press f8
press y
wait payment_state state=cancelled 60
"""


def pos(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pos", *args], capture_output=True, text=True, timeout=120)


def test_a_day_of_headless_sales_verifies_and_one_changed_byte_is_named(regtest_node: RegtestNode,
                                                                        tmp_path: Path) -> None:
    events: list[dict] = []
    # slot 96 (index 96, 196, ...): clear of the addresses the other tests pay on the same node
    with headless_terminal(tmp_path, regtest_node, SCRIPT, slot=96, terminal="J01") as run:
        process, config, store_dir = run.process, run.config, run.store
        assert process.stdout is not None
        for line in process.stdout:
            event = json.loads(line)
            events.append(event)
            if event["event"] == "invoice_created" and len([e for e in events if e["event"] == "invoice_created"]) < 4:
                regtest_node.pay(event["address"], event["amount_sat"])
            if len([e for e in events if e["event"] == "handed_over"]) == 3 and event["event"] == "handed_over":
                regtest_node.mine(1)
        status = process.wait()
    assert status == 0, process.stderr.read() if process.stderr else ""
    invoices = [e["invoice"] for e in events if e["event"] == "invoice_created"]
    assert len(invoices) == 4

    verified = pos("--config", str(config), "journal", "verify")
    assert verified.returncode == 0, verified.stderr
    assert verified.stdout.startswith("journal OK: ") and "4 invoice(s)" in verified.stdout

    entries = list(check_chain(FileJournal(store_dir, None, None, reader=True).lines()))
    started = [e for e in entries if e.kind == STARTED]
    assert started and started[-1].actor == SYSTEM and started[-1].data["network"] == "regtest"
    assert started[-1].data["terminal"] == "J01" and len(started[-1].data["key_sha256"]) == 64
    assert {e.terminal for e in entries[entries.index(started[-1]):]} == {"J01"}
    saved_by: dict[tuple[str, str], str] = {}  # who first saved each invoice in each state
    for e in entries:
        if e.kind == INVOICE:
            saved_by.setdefault((e.data["id"], e.data["state"]), e.actor)
    assert all(saved_by[(i, "new")] == "cashier" and saved_by[(i, "settled")] == WATCHER for i in invoices[:3])
    assert saved_by[(invoices[3], "cancelled")] == "cashier"
    assert [e.data["value"] for e in entries if e.kind == COUNTER and e.data["name"] == "invoice"] == [1, 2, 3, 4]

    day = business_day(entries[-1].time).isoformat()
    archive = tmp_path / "day.zip"
    exported = pos("--config", str(config), "journal", "export", "--from", day, "--to", day, "--out", str(archive))
    assert exported.returncode == 0, exported.stderr
    checked = pos("journal", "verify", "--archive", str(archive))  # on its own: no configuration, no store
    assert checked.returncode == 0 and checked.stdout.startswith("archive OK: "), checked.stderr

    day_file = next((store_dir / "days").rglob("*.json"))
    raw = day_file.read_bytes()
    at = raw.index(b'"amount_sat":') + len(b'"amount_sat":')
    day_file.write_bytes(raw[:at] + bytes([raw[at] ^ 0x01]) + raw[at + 1:])
    failed = pos("--config", str(config), "journal", "verify")
    assert failed.returncode == 1
    assert f"in days/{day[:7]}/{day}.json differs from journal entry" in failed.stderr, failed.stderr
