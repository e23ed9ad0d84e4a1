"""End to end: a shop's day on the real regtest node (issue 11's "Done when").

Set-up as a merchant does it: `pos users add` for a cashier (Aigerim) and a manager (Dana).
Then `pos --headless --script` presses what they press: the manager's PIN and the Shift
screen to open the shift with the float, a sale in cash, one by card, one in Bitcoin (this
test pays it from the node's wallet and mines the block), an X, and the Z with the drawer
counted. With the terminal stopped, `pos export` gives the day's rows: the Z's figures
must equal the export's sums and the store's records, exactly, in tiyn, and the prices of
what was sold.
"""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

from pos.core.localtime import business_day
from pos.regtest.node import RegtestNode
from pos.store import open_store
from tests.e2e.headless import headless_terminal, write_config

# Prices of the demo catalog (pos/data/demo_catalog.csv), in tiyn.
BREAD, MILK, TEA = 250_00, 590_00, 1450_00
FLOAT = 5000_00

SCRIPT = """
# the manager's PIN, the Shift screen: Aigerim opens the shift with her PIN and the float
press f12
type 1234
press enter f6 f2
type Aigerim
press enter
type 1111
press enter
type 5000
press enter
wait shift_opened 30
press escape escape

# bread in cash: 1000 handed over
type BREAD-01
press enter f7 f2
type 1000
press enter

# milk by card: the approval code from the bank terminal's slip
type MILK-01
press enter f7 f3
type A1B2C3
press enter

# tea in Bitcoin: the customer pays, the block comes
type TEA-01
press enter f10
wait invoice_created 60
wait handed_over 60
press enter
wait payment_state state=settled 60

# X, then Z: the drawer counted, Dana's name and PIN
press f12
type 1234
press enter f6 f3
wait report_printed kind=X 30
press f4
type {counted}
press enter
type Dana
press enter
type 2222
press enter
wait report_printed kind=Z 30
"""


def pos(config: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess:
    """A `pos` command as the merchant runs it (its own session: no terminal for getpass, which
    then reads the PIN from stdin)."""
    return subprocess.run([sys.executable, "-m", "pos", "--config", str(config), *args], input=stdin,
                          capture_output=True, text=True, timeout=60, start_new_session=True)


def test_a_day_of_cash_card_and_bitcoin_closes_with_a_z_that_the_export_and_the_store_add_up_to(
        regtest_node: RegtestNode, tmp_path: Path) -> None:
    # slot 95 (index 95, 195, ...): clear of the addresses the other tests pay on the same node
    slot, terminal = 95, "D01"
    first_day = business_day(datetime.now(timezone.utc))
    config = write_config(tmp_path, regtest_node, slot=slot, terminal=terminal)
    for name, role, pin in (("Aigerim", "cashier", "1111"), ("Dana", "manager", "2222")):
        added = pos(config, "users", "add", name, "--role", role, stdin=f"{pin}\n{pin}\n")
        assert added.returncode == 0, added.stderr

    counted = FLOAT + BREAD
    events: list[dict] = []
    with headless_terminal(tmp_path, regtest_node, SCRIPT.format(counted=counted // 100), slot=slot,
                           terminal=terminal) as run:
        process = run.process
        assert process.stdout is not None
        for line in process.stdout:
            event = json.loads(line)
            events.append(event)
            if event["event"] == "invoice_created":
                regtest_node.pay(event["address"], event["amount_sat"])
            elif event["event"] == "handed_over":
                regtest_node.mine(1)
        status = process.wait()
    assert status == 0, (process.stderr.read() if process.stderr else "") + "\n".join(map(str, events))
    assert [e for e in events if e["event"] in ("shift_opened", "report_printed")] == [
        {"event": "shift_opened", "shift": 1, "cashier": "Aigerim"},
        {"event": "report_printed", "kind": "X", "number": 0},
        {"event": "report_printed", "kind": "Z", "number": 1}]
    [bitcoin] = [e["invoice"] for e in events if e["event"] == "invoice_created"]

    # the terminal is stopped: the accountant's export, and the store's own records
    last_day = business_day(datetime.now(timezone.utc))
    out = tmp_path / "day.json"
    exported = pos(config, "export", "--from", first_day.isoformat(), "--to", last_day.isoformat(),
                   "--format", "json", "--out", str(out))
    assert exported.returncode == 0, exported.stderr
    rows = [row for row in json.loads(out.read_text(encoding="utf-8"))["rows"] if row["counted"]]

    store = open_store(tmp_path / "store")
    try:
        [z] = store.z_reports()
        days = [first_day] if first_day == last_day else [first_day, last_day]
        sales = [sale for day in days for sale in store.sales_for_day(day)]
        invoices = [invoice for day in days for invoice in store.invoices_for_day(day)]
        refunds = [refund for day in days for refund in store.refunds_for_day(day)]
    finally:
        store.close()

    # what was sold, at the catalog's prices
    assert z.number == 1 and z.shift == 1 and z.by == "Dana"
    assert z.figures == {
        "sales": BREAD + MILK + TEA, "sales_count": 3, "refunds": 0, "net": BREAD + MILK + TEA,
        "cash_expected": FLOAT + BREAD, "cash_counted": counted,
        "tender_cash": BREAD, "tender_card": MILK, "tender_bitcoin": TEA}

    # the export's sums
    def exported_sum(kind: str, **match: str) -> int:
        return sum(row["amount_tiyn"] for row in rows
                   if row["kind"] == kind and all(row[key] == value for key, value in match.items()))

    refunded_cash = -exported_sum("refund", tender="cash")
    assert {
        "sales": exported_sum("line"), "sales_count": len({row["sale"] for row in rows if row["kind"] == "line"}),
        "refunds": -exported_sum("refund"), "net": exported_sum("line") + exported_sum("refund"),
        "cash_expected": FLOAT + exported_sum("tender", tender="cash") - refunded_cash, "cash_counted": counted,
        **{f"tender_{kind}": exported_sum("tender", tender=kind) for kind in ("cash", "card", "bitcoin")},
    } == z.figures

    # the store's records: the sale records (cash, card) and the invoice that is a sale of its own
    [paid] = [invoice for invoice in invoices if invoice.id == bitcoin]
    assert paid.state == "settled"
    assert sorted((sale.cashier, sale.shift, [t.kind for t in sale.tenders], sale.total_tiyn) for sale in sales) == [
        ("Aigerim", 1, ["card"], MILK), ("Aigerim", 1, ["cash"], BREAD)]
    assert refunds == []
    assert sum(sale.total_tiyn for sale in sales) + paid.total_tiyn == z.figures["sales"]
