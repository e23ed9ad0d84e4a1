"""End to end: a fiscal day on the real regtest node (issue 16's "Done when").

`pos --headless --script` runs with `[fiscal] provider = "webkassa"` pointed at the local fake
Webkassa (tests/fiscal/fake_webkassa.py) and prints on the serial driver into a printer
simulator on a real pty, as in a shop. The day, with the faults it must survive:

1. the register is down: the shift opens, a sale in cash, one by card, one in Bitcoin (paid
   from the node's wallet); once their slips are on paper the terminal is killed (kill -9) with
   the three receipts queued;
2. the register is back, but loses its answer to the first receipt (registered there, not
   known here): the terminal is killed the moment the register has it;
3. restarted: the queue is sent (the first receipt is recognised by its number, not
   registered twice) and the fiscal receipts of the cash, card and Bitcoin sales print by
   themselves (the Bitcoin sale's slip, printed before, was not one); a block settles it; the register
   goes down: a sale in cash, the first cash sale refunded, the Bitcoin sale refunded to the
   customer's address (the request paid from the node's wallet), a sale split between cash and
   Bitcoin, a second Bitcoin sale; the register comes back (in offline mode: its OFD is out of
   reach) and takes them all, and their fiscal receipts print; the manager's Z closes the
   register's shift too and prints both sets of figures.

Then: the register holds exactly one receipt per sale and one return per refund (each
ExternalCheckNumber once; a return names its sale's fiscal sign); each sale's and return's
fiscal receipt is printed once, with the fiscal sign, РНМ, ЗНМ, the OFD and "offline" when
registered so, and its QR, a raster read back by zbarimg as a phone would, is the TicketUrl the
register returned; the register's Z counted every sale and return and the paper says the
figures match.
"""

from __future__ import annotations

import json
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

import pytest

from drivers.decode import Image, decode
from pos.core.receipt import Text, render_text
from pos.regtest.node import RegtestNode
from tests.e2e.headless import OPEN_SHIFT_CASH_AND_CARD, Headless, headless_terminal, write_config
from tests.e2e.test_day import pos
from tests.fiscal.conftest import fake  # noqa: F401 (the fixture)
from tests.fiscal.fake_webkassa import API_KEY, CASHBOX, LOGIN, OFD, PASSWORD, REGISTRATION_NUMBER, FakeWebkassa
from tests.printer_sim import PrinterSim
from tests.ui.qr_decode import decode_png

SLOT, TERMINAL = 93, "F16"  # index 93, 193, ...: clear of the addresses the other tests pay on the same node
#: Seconds the terminal is given for what each step waits for (the sender's round is 5 s).
PATIENCE = 30.0

SHIFT_AND_THREE_SALES = OPEN_SHIFT_CASH_AND_CARD + """
# tea in Bitcoin
type TEA-01
press enter f10
wait invoice_created 60
wait handed_over 60
sleep 120
"""

WAITING = "sleep 120\n"

REST_OF_THE_DAY = """
# restarted on the tea's Done screen, as it was when the power went: Enter, the next sale
press enter
# the block comes once the register has the three (the tea's fiscal receipt prints by itself)
wait payment_state invoice={first} state=settled 90
# the register is down now: bread in cash (the restarted terminal asks who goes on)
type BREAD-01
press enter f7
type Aigerim
press enter
type 1111
press enter f2
type 1000
press enter
# the first bread is brought back: refunded in cash (F6, its number, Enter on its lines), which
# a manager approves (Dana, her PIN: [shift] cashier_refund_max_kzt = 0)
press f6
type {refunded}
press enter
press enter
type Dana
press enter
type 2222
press enter
wait refund_state refund={cash_refund} state=done 30
press escape
# the first tea is brought back: refunded in Bitcoin to the customer's address, Dana approving;
# the merchant's wallet pays the request shown once its address is checked (refund_state
# requested; this test, from the node's wallet)
press f6
type {first}
press enter
press enter
type {customer}
press enter
type Dana
press enter
type 2222
press enter
wait refund_state refund={bitcoin_refund} state=done 60
press enter escape
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
# tea in Bitcoin
type TEA-01
press enter f10
wait invoice_created 60
wait handed_over 60
press enter
# the block comes once the register is back and has them all (their fiscal receipts print by themselves)
wait payment_state invoice={second} state=settled 90
# the Z: the drawer counted, Dana's name and PIN
press f12
type 1234
press enter f6 f4
type 7250
press enter
type Dana
press enter
type 2222
press enter
wait report_printed kind=Z 30
sleep 120
"""


def fiscal_terminal(fake: FakeWebkassa, sim: PrinterSim) -> Callable[[str], str]:
    """The shared e2e configuration, printing on the simulator (QR as a raster, as a phone sees
    it) in Russian, and registering sales with the fake Webkassa."""
    def adjust(text: str) -> str:
        text = text.replace('driver = "mock"', f'driver = "serial"\nport = "{sim.port}"\nbaudrate = 115200\n'
                                              'native_qr = false')
        text = text.replace('language = "en"', 'language = "ru"')
        return text + f"""
[fiscal]
provider = "webkassa"
url = "{fake.url}"
api_key = "{API_KEY}"
login = "{LOGIN}"
password = "{PASSWORD}"
cashbox = "{CASHBOX}"
bitcoin_payment_type = 4
request_timeout_seconds = 2
"""
    return adjust


def until(condition: Callable[[], bool], what: str, seconds: float = PATIENCE, *,
          fake: FakeWebkassa | None = None) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            held = "" if fake is None else f" (the register holds {[c['ExternalCheckNumber'] for c in fake.checks]})"
            pytest.fail(f"{what}: not within {seconds:g} s{held}")
        time.sleep(0.05)


def events_of(run: Headless) -> Iterator[dict]:
    assert run.process.stdout is not None
    for line in run.process.stdout:
        yield json.loads(line)


def killed(run: Headless) -> None:
    """kill -9, as a power cut does it."""
    run.process.kill()
    run.process.wait()


@dataclass(frozen=True)
class Paper:
    """One receipt as printed: its text, and its raster images in order."""

    text: str
    rasters: tuple[Image, ...]

    def fiscal_sign(self) -> str:
        """The ФП line's value ("" on a slip that is not a fiscal receipt)."""
        return next((line.split()[-1] for line in self.text.splitlines() if line.startswith("ФП ")), "")

    def qr_payloads(self) -> list[str]:
        """What a phone's reader finds in each raster (GS v 0 rows are a PBM P4 body, which zbarimg reads)."""
        found = []
        with tempfile.TemporaryDirectory() as folder:
            for n, image in enumerate(self.rasters):
                pbm = Path(folder, f"raster{n}.pbm")
                pbm.write_bytes(b"P4\n%d %d\n" % (image.width_bytes * 8, len(image.rows)) + b"".join(image.rows))
                found += decode_png(pbm)
        return found


def papers(data: bytes) -> list[Paper]:
    """Each receipt cut off in `data`, the bytes one run of the terminal sent."""
    printout = decode(data, "cp866")
    out, used = [], 0
    for blocks in printout.receipts():
        count = sum(1 for b in blocks if isinstance(b, Text) and b.text.startswith("[image "))
        out.append(Paper(render_text(blocks, 48), tuple(printout.images[used:used + count])))
        used += count
    return out


@pytest.fixture
def sim(tmp_path: Path) -> Iterator[PrinterSim]:
    printer = PrinterSim(tmp_path)
    yield printer
    printer.close()


def new_address() -> str:
    """A customer's own regtest address, new: nothing else on the node pays it."""
    from bitcoinlib.keys import HDKey

    return str(HDKey(network="regtest", witness_type="segwit").address())


@pytest.mark.usefixtures("bitcoinlib_home")
def test_a_fiscal_day_registers_each_sale_once_across_kills_and_an_outage_and_closes_with_the_z(
        regtest_node: RegtestNode, fake: FakeWebkassa, sim: PrinterSim, tmp_path: Path) -> None:
    adjust = fiscal_terminal(fake, sim)
    config = write_config(tmp_path, regtest_node, slot=SLOT, terminal=TERMINAL, adjust=adjust)
    for name, role, pin in (("Aigerim", "cashier", "1111"), ("Dana", "manager", "2222")):
        added = pos(config, "users", "add", name, "--role", role, stdin=f"{pin}\n{pin}\n")
        assert added.returncode == 0, added.stderr

    def terminal(script: str):  # noqa: ANN202 - the helper's context manager
        return headless_terminal(tmp_path, regtest_node, script, slot=SLOT, terminal=TERMINAL, adjust=adjust)

    # 1. the register is down all along: three sales queue their receipts; kill -9 once their slips are out
    fake.go_down()
    events: list[dict] = []
    runs: list[int] = []  # where each run's bytes end in what the printer got (a kill may cut a receipt)
    with terminal(SHIFT_AND_THREE_SALES) as run:
        for event in events_of(run):
            events.append(event)
            if event["event"] == "invoice_created":
                regtest_node.pay(event["address"], event["amount_sat"])
            elif event["event"] == "handed_over":
                until(lambda: len(sim.receipts()) == 3, "the slips of the three sales on paper")
                killed(run)
    runs.append(len(sim.received))
    assert [e["event"] for e in events if e["event"] in ("shift_opened", "handed_over")] == [
        "shift_opened", "handed_over"], (run.process.stderr.read() if run.process.stderr else "") + str(events)
    [(first, tea_sat)] = [(e["invoice"], e["amount_sat"]) for e in events if e["event"] == "invoice_created"]
    assert fake.checks == []

    # 2. the register is back and registers the first receipt, but its answer is lost: kill -9 then
    fake.drop_answers = 1
    fake.come_back()
    with terminal(WAITING) as run:
        until(lambda: len(fake.checks) == 1, "the first receipt registered")
        killed(run)
    runs.append(len(sim.received))
    [cash_sale] = [check["ExternalCheckNumber"] for check in fake.checks]

    # 3. the rest of the day
    split, second = f"{TERMINAL}-000002", f"{TERMINAL}-000003"
    customer = new_address()
    paid_back: list[str] = []
    script = REST_OF_THE_DAY.format(first=first, second=second, refunded=cash_sale, customer=customer,
                                    cash_refund=f"{TERMINAL}-R000001", bitcoin_refund=f"{TERMINAL}-R000002")
    with terminal(script) as run:
        until(lambda: len(fake.checks) == 3, "the three queued receipts registered", fake=fake)
        fake.go_down()  # the register drops out before the next sales
        regtest_node.mine(1)
        for event in events_of(run):
            events.append(event)
            name = event["event"]
            if name == "invoice_created":
                regtest_node.pay(event["address"], event["amount_sat"])
            elif name == "refund_state" and event["state"] == "requested":  # its address checked: payable
                paid_back.append(regtest_node.pay(customer, tea_sat))
            elif name == "handed_over" and event["invoice"] == second:
                time.sleep(6)  # a round of the sender finds the register down
                assert len(fake.checks) == 3
                fake.offline = True  # back, but cut off from its OFD: what it registers now is offline
                fake.come_back()
                until(lambda: len(fake.checks) == 8, "the three sales and two returns of the outage registered",
                      fake=fake)
                regtest_node.mine(1)
            elif name == "report_printed":
                until(lambda: "Z-ОТЧЁТ" in sim.printout().text(48) and "ККМ" in sim.printout().text(48),
                      "the Z with the register's figures on paper")
                until(lambda: all(check["Number"] in sim.printout().text(48) for check in fake.checks),
                      "the fiscal receipts of the day on paper (each prints once registered)")
                killed(run)
    runs.append(len(sim.received))
    assert {"event": "report_printed", "kind": "Z", "number": 1} in events, \
        (run.process.stderr.read() if run.process.stderr else "") + str(events)
    assert [(e["refund"], e["state"]) for e in events if e["event"] == "refund_state"] == [
        (f"{TERMINAL}-R000001", "done"), (f"{TERMINAL}-R000002", "requested"), (f"{TERMINAL}-R000002", "done")]
    assert [e["txid"] for e in events if e["event"] == "refund_state"][-1] == paid_back[0]

    # exactly one registration per sale and return, each tender under its type
    numbers = Counter(check["ExternalCheckNumber"] for check in fake.checks)
    assert len(fake.checks) == 8 and set(numbers.values()) == {1}, numbers
    sales = [check for check in fake.checks if check["OperationType"] == 2]
    returns = [check for check in fake.checks if check["OperationType"] == 3]

    def paid(check: dict) -> tuple[str, list[int]]:
        return check["ExternalCheckNumber"], [p["PaymentType"] for p in check["Payments"]]

    assert [paid(check) for check in sales] == [
        (cash_sale, [0]), (f"{TERMINAL}-S000002", [1]), (first, [4]), (f"{TERMINAL}-S000003", [0]),
        (f"{TERMINAL}-S000004", [0, 4]), (second, [4])]
    assert split not in numbers  # the split's invoice is a tender of its sale, not a sale
    assert [paid(check) for check in returns] == [(f"{TERMINAL}-R000001", [0]), (f"{TERMINAL}-R000002", [4])]
    # each return names the fiscal sign of the sale it reverses, and gives back its total
    bases = {body["ExternalCheckNumber"]: body["ReturnBasisDetails"]["CheckNumber"]
             for body in (json.loads(raw) for endpoint, raw in fake.requests if endpoint == "check")
             if body["OperationType"] == 3}
    for check, sale in zip(returns, (sales[0], sales[2])):
        assert bases[check["ExternalCheckNumber"]] == sale["Number"] and check["Total"] == sale["Total"]
    # the receipt whose answer was lost was sent again, and recognised rather than registered twice
    sent = [json.loads(body)["ExternalCheckNumber"] for endpoint, body in fake.requests if endpoint == "check"]
    assert sent.count(cash_sale) >= 2 and any(endpoint == "Check/History" for endpoint, _ in fake.requests)

    # each sale's and return's fiscal receipt printed once, by itself once registered (a Bitcoin
    # sale's too: its slip, printed at hand-over, is not fiscal), with the register's attributes and
    # its TicketUrl as a QR
    printed = [paper for start, end in zip([0, *runs], runs) for paper in papers(bytes(sim.received[start:end]))]
    for check in fake.checks:
        [paper] = [paper for paper in printed if paper.fiscal_sign() == check["Number"]]
        assert check["ExternalCheckNumber"] in paper.text and "ФИСКАЛЬНЫЙ ЧЕК" in paper.text
        assert "Не является фискальным чеком" not in paper.text, paper.text
        lines = paper.text.splitlines()
        for label, value in (("РНМ", REGISTRATION_NUMBER), ("ЗНМ", CASHBOX)):
            assert any(line.startswith(label) and line.endswith(value) for line in lines), (label, paper.text)
        assert str(OFD["Name"]) in paper.text
        assert ("Автономный режим" in paper.text) == check["IsOffline"], paper.text
        qrs = paper.qr_payloads()
        assert qrs and qrs[-1] == check["TicketUrl"], (qrs, check["TicketUrl"])

    # the Z closed the register's shift, which counted the six sales and two returns, and the paper agrees
    [z] = fake.z_reports
    assert (z["Sell"]["Count"], z["ReturnSell"]["Count"]) == (6, 2) and not fake.shift_open
    [z_paper] = [paper.text for paper in printed if "Z-ОТЧЁТ" in paper.text]
    assert "Суммы совпадают" in z_paper and "СУММЫ НЕ СОВПАДАЮТ" not in z_paper, z_paper
