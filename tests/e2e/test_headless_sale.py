"""End to end: `pos --headless --script` sells two items on a real regtest node.

The script drives the real CLI in a subprocess (configuration file, store, bitcoinlib
through bcoin's provider, mock printer writing to a file); this test plays the
customer and the miner: it scans the QR in the screenshot of the charge screen, pays
what it says from the node's wallet and mines a block when the payment is seen. Then:
the invoice settled and the receipt printed. The customer pays only after the
screenshot, as a phone would: paid earlier, a slow machine could photograph the
"paid" screen instead of the QR.
"""

from __future__ import annotations

import json
from pathlib import Path

from pos.regtest.node import RegtestNode
from tests.e2e.headless import headless_terminal
from tests.ui.qr_decode import decode_svg

SCRIPT = """
# two items: one scanned by barcode, two of another by SKU
type 4870001000011
press enter
type 2*MILK-01
press enter
press f10
wait invoice_created 60
screenshot {shot}
wait payment_state state=processing 120
wait receipt_printed 60
wait payment_state state=settled confirmations=1 120
"""


def test_a_headless_script_completes_a_sale_on_the_regtest_node(regtest_node: RegtestNode, tmp_path: Path) -> None:
    shot = tmp_path / "charge.svg"
    events, scanned, customer = [], [], []
    with headless_terminal(tmp_path, regtest_node, SCRIPT.format(shot=shot)) as run:
        process, receipts = run.process, run.receipts
        assert process.stdout is not None
        for line in process.stdout:
            event = json.loads(line)
            events.append(event)
            if event["event"] == "screenshot":
                scanned = decode_svg(Path(event["file"]).read_text(encoding="utf-8"))
                created = next(e for e in events if e["event"] == "invoice_created")
                if scanned != [created["uri"]]:  # the phone reads nothing or something else: no payment
                    process.kill()
                    break
                customer.append(regtest_node.pay(created["address"], created["amount_sat"]))
            elif event["event"] == "payment_state" and event["state"] == "processing":
                regtest_node.mine(1)
        status = process.wait()

    [created] = [e for e in events if e["event"] == "invoice_created"]
    assert {"event": "screenshot", "file": str(shot)} in events and scanned == [created["uri"]]
    assert status == 0, process.stderr.read() if process.stderr else ""
    assert created["total_kzt"] == "1430.00" and created["amount_sat"] == 3178
    states = [e["state"] for e in events if e["event"] == "payment_state"]
    assert states[0] == "new" and states[-1] == "settled" and "processing" in states
    settled = [e for e in events if e["event"] == "payment_state" and e["state"] == "settled"][-1]
    assert settled["received_sat"] == 3178 and settled["marks"] == []
    assert {"event": "receipt_printed", "invoice": created["invoice"]} in events
    [handed] = [e for e in events if e["event"] == "handed_over"]
    assert handed == {"event": "handed_over", "invoice": created["invoice"], "state": "processing",
                      "confirmations": 0, "received_sat": 3178}
    assert any(e["event"] == "backend_state" and e["state"] == "online" and e["height"] > 100 for e in events)

    printed = receipts.read_text(encoding="utf-8")
    assert created["invoice"] in printed and customer[0][:16] in printed.replace("\n", "")
