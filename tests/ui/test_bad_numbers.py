"""Numbers with hundreds of digits, typed or scanned, are refused in words (issue 14).

They ended the app with OverflowError or Python's integer-digit limit. The field is
filled at once (as a scanner or a stuck key would) and submitted with Enter.
"""

from __future__ import annotations

from textual.widgets import Input

from pos.core.catalog import Product
from pos.core.money import MAX_PRICE_TIYN

from pos.ui.dialogs.prompt import PromptDialog
from pos.ui.screens.manager import ManagerScreen
from pos.ui.screens.sale import SaleScreen
from tests.ui.conftest import make_config, make_services, message, running, scan, settle

HUGE = "9" * 400
ENORMOUS = "9" * 5000  # past Python's 4300-digit limit for int()


async def submit(pilot, text: str) -> None:
    """Type the whole text into the focused field at once and press Enter."""
    field = pilot.app.focused
    assert isinstance(field, Input)
    field.value = text
    await pilot.press("enter")
    await settle(pilot)


def lines(pilot) -> list[tuple[str, int]]:
    return [(line.product.sku, line.quantity_milli) for line in pilot.app.cart.lines]


async def test_a_scanned_count_with_hundreds_of_digits_is_too_large_not_a_crash(english) -> None:
    async with running(english) as pilot:
        for count in (HUGE, ENORMOUS):
            await submit(pilot, f"{count}*BREAD-01")
            assert pilot.app.is_running
            assert message(pilot) == "The quantity 99999999999999999999999… is too large: check it"
        assert lines(pilot) == []


async def test_a_quantity_and_discounts_with_hundreds_of_digits_are_refused_in_the_dialog(english) -> None:
    async with running(english) as pilot:
        await scan(pilot, "BREAD-01")
        await pilot.press("f2")
        await submit(pilot, ENORMOUS)
        assert isinstance(pilot.app.screen, PromptDialog)
        assert message(pilot) == "The quantity 99999999999999999999999… is too large: check it"
        await pilot.press("escape")
        for key, typed in (("f3", HUGE), ("f4", ENORMOUS + "%")):
            await pilot.press(key)
            await submit(pilot, typed)
            assert isinstance(pilot.app.screen, PromptDialog)
            assert message(pilot) == '"99999999999999999999999…" is not a discount: type 10% or an amount such as 150'
            await pilot.press("escape")
        assert lines(pilot) == [("BREAD-01", 1000)] and pilot.app.cart.totals().total == 250_00


async def test_a_quantity_that_would_make_the_sale_too_large_is_refused_and_the_line_kept() -> None:
    services = make_services(make_config(ui={"language": "en"}))
    services.catalog.add(Product(sku="GOLD-01", names={"en": "Gold bar"}, unit="pcs", price_tiyn=MAX_PRICE_TIYN,
                                 vat_class="standard"))
    async with running(services) as pilot:
        await submit(pilot, "10*GOLD-01")  # 10 000 000 000 KZT: the largest sale
        assert lines(pilot) == [("GOLD-01", 10_000)], message(pilot)
        await pilot.press("f2")
        await submit(pilot, "11")
        assert pilot.app.is_running
        assert message(pilot) == ("Cannot change the sale: the sale would be more than 10 000 000 000.00 KZT — "
                                  "check the quantity")
        await submit(pilot, "GOLD-01")
        assert message(pilot).startswith("Cannot change the sale: the sale would be more than")
        assert lines(pilot) == [("GOLD-01", 10_000)]


async def test_a_manual_rate_with_hundreds_of_digits_is_refused(english) -> None:
    async with running(english) as pilot:
        await pilot.press("f12", *"1234", "enter")
        await settle(pilot)
        assert isinstance(pilot.app.screen, ManagerScreen)
        await pilot.press("f2")
        await submit(pilot, ENORMOUS)
        assert pilot.app.is_running
        assert message(pilot) == '"99999999999999999999999…" is not a rate: type tenge per bitcoin, e.g. 45000000'
        assert english.checkout.rate.tiyn_per_btc == 45_000_000_00


async def test_no_invoice_can_ask_for_more_than_all_bitcoin() -> None:
    services = make_services(make_config(ui={"language": "en"}), rate="0.01")  # one tiyn per bitcoin
    services.catalog.add(Product(sku="GOLD-01", names={"en": "Gold bar"}, unit="pcs", price_tiyn=MAX_PRICE_TIYN,
                                 vat_class="standard"))
    async with running(services) as pilot:
        await submit(pilot, "GOLD-01")
        await pilot.press("f10")
        await settle(pilot)
        assert isinstance(pilot.app.screen, SaleScreen)
        assert "more than all bitcoin (21 million BTC)" in message(pilot)
        assert pilot.app.is_running
