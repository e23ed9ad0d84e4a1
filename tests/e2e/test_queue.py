"""End to end: the till serves a queue on the real regtest node (issue 10's "Done when").

`pos --headless --script` sells to three customers in a row; each pays as soon as the
invoice is created and no block is mined in between. The till must let each one go
(handed_over, Done on screen) within seconds, with the next sale one key away; one block
then settles all three in the background. A fourth customer's payment is replaced after
hand-over (the node's posreplace): the till raises the alert, and a manager acknowledges
it from History with the PIN.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from pos.regtest.node import RegtestNode
from tests.e2e.headless import headless_terminal

SALE = """
type {code}
press enter
press f10
wait invoice_created 60
wait handed_over 60
press enter
"""

SCRIPT = "".join(SALE.format(code=code) for code in ("BREAD-01", "MILK-01", "TEA-01")) + """
wait payment_state state=settled 120
wait payment_state state=settled 120
wait payment_state state=settled 120
""" + SALE.format(code="BREAD-01") + """
wait alert kind=payment_lost 120
# the manager: History, the newest invoice, follow up, PIN
press f9
press enter
press f
type 1234
press enter
wait alert kind=acknowledged 60
"""

#: From the payment in the node's mempool to the customer released: "within seconds".
HANDOVER_LIMIT_SECONDS = 5.0


def test_three_customers_in_a_row_are_released_when_seen_and_one_block_settles_them_all(
        regtest_node: RegtestNode, tmp_path: Path) -> None:
    # slot 97 (index 97, 197, ...): clear of the addresses the other tests pay on the same node
    events: list[dict] = []
    paid_at: dict[str, float] = {}
    waited: dict[str, float] = {}
    txids: dict[str, str] = {}
    with headless_terminal(tmp_path, regtest_node, SCRIPT, slot=97, terminal="Q01") as run:
        process, receipts = run.process, run.receipts
        assert process.stdout is not None
        for line in process.stdout:
            event = json.loads(line)
            events.append(event)
            if event["event"] == "invoice_created":
                txids[event["invoice"]] = regtest_node.pay(event["address"], event["amount_sat"], rbf=True)
                paid_at[event["invoice"]] = time.monotonic()
            elif event["event"] == "handed_over":
                waited[event["invoice"]] = time.monotonic() - paid_at[event["invoice"]]
                if len(waited) == 3:
                    regtest_node.mine(1)  # one block for the three payments
                elif len(waited) == 4:
                    regtest_node.replace(txids[event["invoice"]])
        status = process.wait()

    assert status == 0, (process.stderr.read() if process.stderr else "") + "\n".join(map(str, events))
    created = [e["invoice"] for e in events if e["event"] == "invoice_created"]
    first_three, fourth = created[:3], created[3]
    handed = [e for e in events if e["event"] == "handed_over"]
    assert [e["invoice"] for e in handed] == created
    assert all(e["state"] == "processing" and e["confirmations"] == 0 for e in handed)
    assert all(seconds < HANDOVER_LIMIT_SECONDS for seconds in waited.values()), waited
    # nothing settled before the block: the three were released on a payment seen only
    first_settled = next(i for i, e in enumerate(events) if e["event"] == "payment_state" and e["state"] == "settled")
    assert first_settled > max(i for i, e in enumerate(events) if e["event"] == "handed_over"
                               and e["invoice"] in first_three)
    settled = {e["invoice"] for e in events if e["event"] == "payment_state" and e["state"] == "settled"}
    assert settled == set(first_three)
    assert {"event": "alert", "kind": "payment_lost", "invoice": fourth} in events
    assert {"event": "alert", "kind": "acknowledged", "invoice": fourth} in events
    lost = [e for e in events if e["event"] == "payment_state" and e["invoice"] == fourth][-1]
    assert lost["state"] == "new" and "lost_after_handover" in lost["marks"]

    printed = receipts.read_text(encoding="utf-8")
    assert all(invoice in printed for invoice in created)
    assert printed.count("paid, awaiting confirmation") == 4  # each slip printed at hand-over, as it stood
