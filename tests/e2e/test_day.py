"""End to end: a shop's day on the real regtest node (issue 11's "Done when").

Set-up as a merchant does it: `pos users add` for a cashier (Aigerim) and a manager (Dana).
Then `pos --headless --script` presses what they press: the manager's PIN and the Shift
screen to open the shift with the float; a sale in cash, one by card, one in Bitcoin and one
split between cash and Bitcoin (this test plays the customers: it pays from the node's wallet
and mines the block); the Bitcoin sale refunded with Dana's approval to the customer's
address - one used before: the node's wallet paid it the refund's very amount, mined before
the refund, which must not count as the refund's payment - its request's QR scanned from the
screen once the terminal has checked the address (refund_state requested) and paid from the
node's wallet as the merchant's wallet would, until the terminal sees that payment; an X, and the Z with the drawer
counted. With the terminal stopped, `pos export` gives the day's rows: the Z's figures must
equal the export's sums and the store's records, exactly, in tiyn, and the prices of what was
sold.
"""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from pos.core.localtime import business_day
from pos.core.money import parse_decimal
from pos.core.report import as_sale
from pos.core.tender import TENDER_KINDS
from pos.regtest.node import RegtestNode
from pos.store import open_store
from tests.e2e.headless import OPEN_SHIFT_CASH_AND_CARD, headless_terminal, write_config
from tests.ui.qr_decode import decode_svg

# Prices of the demo catalog (pos/data/demo_catalog.csv), in tiyn.
BREAD, MILK, TEA = 250_00, 590_00, 1450_00
FLOAT = 5000_00
SPLIT_CASH = 2000_00  # of two teas; the rest in Bitcoin
#: The terminal's first invoice (a fresh store): the Bitcoin sale, refunded by its number.
BITCOIN_SALE = "D01-000001"

SCRIPT = OPEN_SHIFT_CASH_AND_CARD + """
# tea in Bitcoin: the customer pays, the block comes
type TEA-01
press enter f10
wait invoice_created 60
wait handed_over 60
press enter
wait payment_state state=settled 60

# two teas split: 2000 in cash (5000 handed over), the rest in Bitcoin
type 2*TEA-01
press enter f7 f4
type 2000
press enter
type 5000
press enter
wait invoice_created 60
wait sale_recorded 60
wait handed_over 10
press enter
wait payment_state state=settled 60

# the Bitcoin tea comes back: F6, its number, F10 the whole sale, the customer's address,
# Dana approves; the request's QR is paid by the merchant's wallet
press f6
type {bitcoin_sale}
press enter f10
type {customer}
press enter
type Dana
press enter
type 2222
press enter
# the QR is shown once the address is checked (what paid it before is noted then)
wait refund_state state=requested 30
screenshot {shot}
wait refund_state state=done 60
press enter escape

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


def customer_address() -> str:
    """A new regtest address of a key nobody else uses: only this test pays it."""
    from bitcoinlib.keys import HDKey  # after the bitcoinlib_home fixture has pointed it at its directory

    return str(HDKey(network="regtest", witness_type="segwit").address())


def pos(config: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess:
    """A `pos` command as the merchant runs it (its own session: no terminal for getpass, which
    then reads the PIN from stdin)."""
    return subprocess.run([sys.executable, "-m", "pos", "--config", str(config), *args], input=stdin,
                          capture_output=True, text=True, timeout=60, start_new_session=True)


def test_a_day_of_cash_card_bitcoin_split_and_a_bitcoin_refund_closes_with_a_z_that_the_export_and_the_store_add_up_to(
        regtest_node: RegtestNode, bitcoinlib_home: Path, tmp_path: Path) -> None:
    # slot 95 (index 95, 195, ...): clear of the addresses the other tests pay on the same node
    slot, terminal = 95, "D01"
    first_day = business_day(datetime.now(timezone.utc))
    config = write_config(tmp_path, regtest_node, slot=slot, terminal=terminal)
    for name, role, pin in (("Aigerim", "cashier", "1111"), ("Dana", "manager", "2222")):
        added = pos(config, "users", "add", name, "--role", role, stdin=f"{pin}\n{pin}\n")
        assert added.returncode == 0, added.stderr

    cash = BREAD + SPLIT_CASH
    counted = FLOAT + cash
    customer, shot = customer_address(), tmp_path / "refund.svg"
    script = SCRIPT.format(bitcoin_sale=BITCOIN_SALE, customer=customer, shot=shot, counted=counted // 100)
    events: list[dict] = []
    refund_paid: list[str] = []
    paid_before: list[str] = []  # the customer's address used before: the refund's amount, mined before it
    with headless_terminal(tmp_path, regtest_node, script, slot=slot, terminal=terminal) as run:
        process = run.process
        assert process.stdout is not None
        for line in process.stdout:
            event = json.loads(line)
            events.append(event)
            if event["event"] == "invoice_created":
                regtest_node.pay(event["address"], event["amount_sat"])
                if event["invoice"] == BITCOIN_SALE:  # mined with the sale, long before its refund
                    paid_before.append(regtest_node.pay(customer, event["amount_sat"]))
            elif event["event"] == "handed_over":
                regtest_node.mine(1)
            elif event["event"] == "screenshot":  # the merchant's wallet scans the refund request
                [request] = decode_svg(Path(event["file"]).read_text(encoding="utf-8")) or [""]
                uri = urlsplit(request)
                if (uri.scheme.lower(), uri.path.lower()) != ("bitcoin", customer.lower()):
                    process.kill()  # nothing to pay: the run ends, failing below
                    break
                amount = parse_decimal(parse_qs(uri.query)["amount"][0], 8)
                refund_paid.append(regtest_node.pay(customer, amount))
        status = process.wait()
    assert status == 0, (process.stderr.read() if process.stderr else "") + "\n".join(map(str, events))
    created = [e for e in events if e["event"] == "invoice_created"]
    assert [e["invoice"] for e in created][0] == BITCOIN_SALE and len(created) == 2
    bitcoin_sat = created[0]["amount_sat"]
    assert [e for e in events if e["event"] in ("shift_opened", "report_printed", "refund_state")] == [
        {"event": "shift_opened", "shift": 1, "cashier": "Aigerim"},
        {"event": "refund_state", "refund": "D01-R000001", "invoice": BITCOIN_SALE, "state": "requested",
         "txid": ""},
        {"event": "refund_state", "refund": "D01-R000001", "invoice": BITCOIN_SALE, "state": "done",
         "txid": refund_paid[0]},
        {"event": "report_printed", "kind": "X", "number": 0},
        {"event": "report_printed", "kind": "Z", "number": 1}]
    paper = run.receipts.read_text(encoding="utf-8")  # the mock printer's: X, Z and the refund slip printed
    assert paper.count("X REPORT") == 1 and paper.count("Z REPORT") == 1 and "D01-R000001" in paper

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

    # what was sold and refunded, at the catalog's prices
    sold = BREAD + MILK + TEA + 2 * TEA
    assert z.number == 1 and z.shift == 1 and z.by == "Dana"
    assert z.figures == {
        "sales": sold, "sales_count": 4, "refunds": TEA, "net": sold - TEA,
        "cash_expected": FLOAT + cash, "cash_counted": counted,
        "tender_cash": cash, "tender_card": MILK, "tender_bitcoin": TEA + 2 * TEA - SPLIT_CASH}

    # the export's sums
    def exported_sum(kind: str, **match: str) -> int:
        return sum(row["amount_tiyn"] for row in rows
                   if row["kind"] == kind and all(row[key] == value for key, value in match.items()))

    assert {
        "sales": exported_sum("line"), "sales_count": len({row["sale"] for row in rows if row["kind"] == "line"}),
        "refunds": -exported_sum("refund"), "net": exported_sum("line") + exported_sum("refund"),
        "cash_expected": FLOAT + exported_sum("tender", tender="cash") + exported_sum("refund", tender="cash"),
        "cash_counted": counted,
        **{f"tender_{kind}": exported_sum("tender", tender=kind) for kind in TENDER_KINDS},
    } == z.figures

    # the store's records: the sale records (cash, card, split), the invoice that is a sale of its own,
    # the refund paid from the node's wallet; every one of them Aigerim's, in shift 1
    named = {invoice_id for sale in sales for invoice_id in sale.invoice_ids}
    alone = [as_sale(invoice) for invoice in invoices if invoice.id not in named]
    assert [(sale.id, sale.cashier) for sale in alone] == [(BITCOIN_SALE, "Aigerim")]
    every = sales + alone
    assert sorted((sale.cashier, sale.shift, [t.kind for t in sale.tenders]) for sale in sales) == [
        ("Aigerim", 1, ["card"]), ("Aigerim", 1, ["cash"]), ("Aigerim", 1, ["cash", "bitcoin"])]
    [refund] = refunds
    assert (refund.sale_id, refund.state, refund.txid, refund.address, refund.amount_sat, refund.cashier,
            refund.shift) == (BITCOIN_SALE, "done", refund_paid[0], customer, bitcoin_sat, "Aigerim", 1)
    assert refund.baseline is not None and paid_before[0] in refund.baseline.txids  # noted, never taken
    assert refund.txid != paid_before[0]
    assert {
        "sales": sum(sale.total_tiyn for sale in every), "sales_count": len(every), "refunds": refund.amount_tiyn,
        "net": sum(sale.total_tiyn for sale in every) - refund.amount_tiyn,
        "cash_expected": FLOAT + sum(sale.paid_in("cash") for sale in sales), "cash_counted": counted,
        **{f"tender_{kind}": sum(sale.paid_in(kind) for sale in every) for kind in TENDER_KINDS},
    } == z.figures
