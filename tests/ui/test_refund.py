"""Refunds at the till: F6 on the Sale screen (or F3 in History), the sale found by its number,
refunded whole or by lines in its own tenders; a Bitcoin refund's request shown as a QR and
watched until the chain shows it paid; money held without a sale sent back from History."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from textual.widgets import DataTable
from textual.widgets._footer import FooterKey

from pos.core.invoice import PAID_OVER
from pos.core.localtime import business_day
from pos.core.money import format_btc
from pos.core.refund import DONE, REQUESTED
from pos.core.tender import BITCOIN, CARD, CASH
from pos.ui.dialogs.prompt import PromptDialog
from pos.ui.screens.done import DoneScreen
from pos.ui.screens.history import HistoryScreen
from pos.ui.screens.refund import RefundScreen
from pos.ui.screens.refund_request import RefundRequestScreen
from pos.ui.widgets.footer import PosFooter
from pos.ui.widgets.message_line import MessageLine
from pos.ui.widgets.qr_view import QrView
from tests.ui.conftest import (
    answer, charge, make_config, make_services, message, poll, running, settle, shown, staffed,
)
from tests.ui.qr_decode import decode_svg

CUSTOMER = "bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080"  # a valid regtest address
MAINNET = "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4"
pytestmark = pytest.mark.usefixtures("bitcoinlib_home")  # addresses are checked with bitcoinlib


def recording(pilot) -> list[tuple[str, dict]]:
    """Every event of the day, as the App hears it (drawer_open too, which headless mode keeps inside)."""
    heard: list[tuple[str, dict]] = []
    pilot.app.day.subscribe(lambda event: heard.append((event.name, dict(event.data))))
    return heard


async def start_shift(pilot) -> None:
    app = pilot.app
    app.day.open_shift(app.day.sign_in("Aigerim", "1111"), 0)


def cart(pilot, *codes: str):
    made = pilot.app.services.checkout.new_cart()
    for code in codes:
        made.add(code)
    return made


async def open_refund(pilot, number: str) -> None:
    await pilot.press("f6")
    await settle(pilot)
    assert isinstance(pilot.app.screen, RefundScreen)
    await answer(pilot, number)


async def requested_unwatched(pilot):
    """A bread paid in Bitcoin refunded to the customer's address, Dana approving, as a script would:
    no screen, no slip held, no watch started."""
    await start_shift(pilot)
    invoice = await bread_paid_in_bitcoin(pilot)
    [refund] = pilot.app.refunds.refund_sale(pilot.app.services.store.get_invoice(invoice.id), address=CUSTOMER,
                                             approver=pilot.app.day.sign_in("Dana", "2222"))
    return refund


async def bread_paid_in_bitcoin(pilot):
    """A bread sold in Bitcoin, paid and handed over; back on the Sale screen."""
    invoice = await charge(pilot, "BREAD-01")
    pilot.app.services.watcher.pay(invoice.address, invoice.amount_sat)
    await poll(pilot)
    assert isinstance(pilot.app.screen, DoneScreen)
    await pilot.press("enter")
    await settle(pilot)
    return invoice


def refunds_today(services):
    return services.store.refunds_for_day(business_day(services.clock()))


def column(pilot, key: str) -> list[str]:
    """What a column of the Refund screen's lines shows."""
    return [str(cell) for cell in pilot.app.screen.query_one("#lines", DataTable).get_column(key)]


def dialog_message(pilot) -> str:
    return pilot.app.screen.query_one(MessageLine).text


async def test_a_cash_sale_refunded_whole_opens_the_drawer_and_prints_the_slip() -> None:
    services = staffed()
    events: list[tuple[str, dict]] = []
    async with running(services, events=lambda name, fields: events.append((name, fields))) as pilot:
        heard = recording(pilot)
        await start_shift(pilot)
        sale = pilot.app.day.cash_sale(cart(pilot, "BREAD-01", "MILK-01"), 5000_00)
        services.printer.clear()
        await open_refund(pilot, sale.id)
        assert sale.id in shown(pilot, "#sale-info")
        await pilot.press("enter")  # the whole sale
        await settle(pilot)
        [refund] = refunds_today(services)
        assert (refund.tender, refund.amount_tiyn, refund.whole, refund.state) == (CASH, sale.total_tiyn, True, DONE)
        assert message(pilot) == f"Refund {refund.id}: give back {pilot.app.kzt(sale.total_tiyn)} in cash."
        assert ("drawer_open", {"reason": "cash refund", "refund": refund.id}) in heard
        assert ("refund_state", {"refund": refund.id, "invoice": sale.id, "state": DONE, "txid": ""}) in events
        paper = services.printer.text
        assert "REFUND" in paper and refund.id in paper and sale.id in paper
        assert column(pilot, "state") == ["refunded", "refunded"]
        await pilot.press("enter")  # nothing is refunded twice
        await settle(pilot)
        assert "refunded already" in message(pilot) and len(refunds_today(services)) == 1


async def test_marked_lines_of_a_card_sale_go_back_with_the_approval_code() -> None:
    services = staffed()
    async with running(services) as pilot:
        await start_shift(pilot)
        sale = pilot.app.day.card_sale(cart(pilot, "BREAD-01", "MILK-01", "BOOK-01"), "A1B2")
        await open_refund(pilot, sale.id)
        await pilot.press("down", "space")  # the second line only
        await settle(pilot)
        assert column(pilot, "mark") == ["", "*", ""]
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(pilot.app.screen, PromptDialog)  # the bank terminal's code for the refund
        await answer(pilot, "R77")
        [refund] = refunds_today(services)
        assert (refund.tender, refund.approval_code, refund.whole) == (CARD, "R77", False)
        assert [line.index for line in refund.lines] == [1]
        assert refund.amount_tiyn == sale.lines[1].total_tiyn


async def test_a_cashier_above_the_limit_is_refused_then_a_manager_approves() -> None:
    services = staffed(limit_kzt=1)
    async with running(services) as pilot:
        await start_shift(pilot)
        sale = pilot.app.day.cash_sale(cart(pilot, "BREAD-01"), 5000_00)
        await open_refund(pilot, sale.id)
        await pilot.press("enter")
        await settle(pilot)
        assert refunds_today(services) == []
        await answer(pilot, "Aigerim", "1111")  # a cashier cannot approve her own
        assert isinstance(pilot.app.screen, RefundScreen)
        assert message(pilot) == "A manager's name and PIN are needed for this"
        assert refunds_today(services) == []
        await pilot.press("enter")
        await settle(pilot)
        await answer(pilot, "Dana", "2222")
        [refund] = refunds_today(services)
        assert refund.cashier == "Aigerim" and refund.state == DONE


async def test_a_bitcoin_refund_shows_its_request_as_a_qr_and_is_done_when_the_chain_shows_it_paid() -> None:
    services = staffed()
    events: list[tuple[str, dict]] = []
    async with running(services, events=lambda name, fields: events.append((name, fields))) as pilot:
        await start_shift(pilot)
        invoice = await charge(pilot, "BREAD-01")
        services.watcher.pay(invoice.address, invoice.amount_sat)
        await poll(pilot)
        assert isinstance(pilot.app.screen, DoneScreen)
        await pilot.press("enter")
        await settle(pilot)
        await open_refund(pilot, invoice.id)
        await pilot.press("enter")
        await settle(pilot)
        await answer(pilot, CUSTOMER)
        assert isinstance(pilot.app.screen, RefundRequestScreen)
        [refund] = refunds_today(services)
        assert (refund.tender, refund.state, refund.amount_sat) == (BITCOIN, REQUESTED, invoice.amount_sat)

        [payload] = decode_svg(pilot.app.export_screenshot())
        uri = urlsplit(payload)
        assert (uri.scheme.lower(), uri.path.lower()) == ("bitcoin", CUSTOMER)
        assert parse_qs(uri.query)["amount"] == [format_btc(refund.amount_sat)]
        qr = pilot.app.screen.query_one(QrView)
        assert qr.region.bottom <= 24 and qr.region.right <= 80
        assert f"{invoice.amount_sat} sat" in shown(pilot, "#request-amounts")
        assert pilot.app.kzt(invoice.total_tiyn) in shown(pilot, "#request-amounts")
        assert "[QR] " + payload in services.printer.text  # the slip carries the same request

        pilot.app.poll_refunds()  # nothing paid yet
        await settle(pilot)
        assert "waiting" in shown(pilot, "#request-state")
        txid = services.watcher.pay(CUSTOMER, refund.amount_sat)
        pilot.app.poll_refunds()
        await settle(pilot)
        assert shown(pilot, "#request-state") == f"PAID: transaction {txid}"
        assert pilot.app.screen.query_one(QrView).data == ""  # no second payment
        [paid] = refunds_today(services)
        assert (paid.state, paid.txid) == (DONE, txid)
        assert ("refund_state", {"refund": refund.id, "invoice": invoice.id, "state": DONE, "txid": txid}) in events


async def test_the_request_qr_is_shown_and_printed_only_once_its_address_is_checked() -> None:
    """The customer's address may have been paid before: until the watch has noted what pays it, a
    payment could not be told from those, so there is nothing to pay (the chain down: said, and asked
    again at the poll)."""
    services = staffed()
    events: list[tuple[str, dict]] = []
    async with running(services, events=lambda name, fields: events.append((name, fields))) as pilot:
        await start_shift(pilot)
        invoice = await bread_paid_in_bitcoin(pilot)
        services.printer.clear()
        services.watcher.state = "offline"
        await open_refund(pilot, invoice.id)
        await pilot.press("enter")
        await settle(pilot)
        await answer(pilot, CUSTOMER)
        assert isinstance(pilot.app.screen, RefundRequestScreen)
        [refund] = refunds_today(services)
        assert refund.state == REQUESTED and refund.baseline is None
        assert pilot.app.screen.query_one(QrView).data == "" and decode_svg(pilot.app.export_screenshot()) == []
        seconds = services.config.chain.poll_seconds
        assert shown(pilot, "#request-state") == ("The chain cannot be reached to check the customer's address: "
                                                  f"trying again every {seconds} s. No QR to pay until then.")
        assert "[QR]" not in services.printer.text  # the slip waits for the check too
        assert not [e for e in events if e[0] == "refund_state"]  # a script must not pay it yet

        services.watcher.state = "online"
        pilot.app.poll_refunds()  # the app's timer
        await settle(pilot)
        [payload] = decode_svg(pilot.app.export_screenshot())
        assert payload == pilot.app.refunds.request_uri(refund)
        assert "waiting" in shown(pilot, "#request-state")
        assert services.printer.text.count("[QR] " + payload) == 1
        assert [e for e in events if e[0] == "refund_state"] == [
            ("refund_state", {"refund": refund.id, "invoice": invoice.id, "state": REQUESTED, "txid": ""})]


async def test_a_request_being_checked_says_so_without_a_qr() -> None:
    services = staffed()
    async with running(services) as pilot:
        refund = await requested_unwatched(pilot)
        await pilot.app.push_screen(RefundRequestScreen(refund, None))  # no watch has looked yet
        await pilot.pause()
        assert shown(pilot, "#request-state") == ("Checking the customer's address on the chain: "
                                                  "the QR to pay comes once it is checked...")
        assert pilot.app.screen.query_one(QrView).data == ""


async def test_a_request_checked_after_a_restart_prints_its_own_slip_with_the_qr() -> None:
    services = staffed()
    async with running(services) as pilot:
        refund = await requested_unwatched(pilot)
        services.printer.clear()
        pilot.app.poll_refunds()
        await settle(pilot)
        checked = services.store.requested_refunds()[0]
        assert checked.id == refund.id and checked.checked
        assert services.printer.text.count("[QR] " + pilot.app.refunds.request_uri(refund)) == 1
        assert refund.id in services.printer.text


async def test_an_address_of_another_network_or_malformed_is_refused_naming_it() -> None:
    services = staffed()
    async with running(services) as pilot:
        await start_shift(pilot)
        invoice = await bread_paid_in_bitcoin(pilot)
        await open_refund(pilot, invoice.id)
        await pilot.press("enter")
        await settle(pilot)
        for wrong in (MAINNET, "bcrt1qnotanaddress"):
            await answer(pilot, wrong)
            assert isinstance(pilot.app.screen, PromptDialog)  # asked again, the text selected to type over
            assert dialog_message(pilot) == f"\"{wrong}\" is not a Bitcoin address of the regtest network"
        assert refunds_today(services) == []


async def test_history_opens_the_refund_of_the_selected_sale_and_a_scanned_uri_gives_its_address() -> None:
    services = staffed()
    async with running(services) as pilot:
        await start_shift(pilot)
        invoice = await charge(pilot, "BREAD-01")
        services.watcher.pay(invoice.address, invoice.amount_sat)
        await poll(pilot)
        await pilot.press("enter", "f9")
        await settle(pilot)
        await pilot.press("f3")
        await settle(pilot)
        assert isinstance(pilot.app.screen, RefundScreen) and pilot.app.screen.sale.id == invoice.id
        await pilot.press("enter")
        await settle(pilot)
        await answer(pilot, f"BITCOIN:{CUSTOMER.upper()}?amount=0.001")  # a wallet's receive QR, scanned
        [refund] = refunds_today(services)
        assert refund.address == CUSTOMER


async def test_an_unknown_number_is_said() -> None:
    services = staffed()
    async with running(services) as pilot:
        await start_shift(pilot)
        await open_refund(pilot, "T01-S999999")
        assert message(pilot) == "No sale or invoice \"T01-S999999\" found (the last 90 days)"


async def test_history_sends_an_overpayment_back_with_a_managers_pin() -> None:
    services = staffed()
    async with running(services) as pilot:
        await start_shift(pilot)
        invoice = await charge(pilot, "BREAD-01")
        services.watcher.pay(invoice.address, invoice.amount_sat + 5000)
        await poll(pilot)
        assert PAID_OVER in services.store.get_invoice(invoice.id).marks
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("f9")
        await settle(pilot)
        assert isinstance(pilot.app.screen, HistoryScreen)
        await pilot.press("f6")
        await settle(pilot)
        await answer(pilot, CUSTOMER, "Dana", "2222")
        assert isinstance(pilot.app.screen, RefundRequestScreen)
        [refund] = refunds_today(services)
        assert (refund.of_sale, refund.amount_sat, refund.address) == (False, 5000, CUSTOMER)


@pytest.mark.parametrize("language", ["kk", "ru", "en"])
async def test_the_refund_keys_fit_80_columns_in_history_and_on_the_refund_screen(language: str) -> None:
    async with running(make_services(make_config(ui={"language": language}))) as pilot:
        for key in ("f9", "escape", "f6"):  # History, back to the sale, Refund
            await pilot.press(key)
            await settle(pilot)
            keys = pilot.app.screen.query_one(PosFooter).query(FooterKey)
            assert keys.last().region.right <= 80, (language, type(pilot.app.screen).__name__)
