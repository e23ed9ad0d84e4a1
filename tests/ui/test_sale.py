"""Sale screen: scanning, searching, quantities, discounts, voids, and what bad input gets."""

from __future__ import annotations

from pos.core.cart import MILLI
from pos.sale.till import SALE_STATE
from pos.ui.app import PosApp
from pos.ui.dialogs.picker import ProductPicker
from pos.ui.dialogs.prompt import PromptDialog
from pos.ui.dialogs.confirm import ConfirmDialog
from pos.ui.screens.sale import SaleScreen
from tests.ui.conftest import message, running, scan, settle


def lines(pilot) -> list[tuple[str, int]]:
    return [(line.product.sku, line.quantity_milli) for line in pilot.app.cart.lines]


async def test_scanning_barcodes_and_skus_builds_the_cart_and_totals(english) -> None:
    async with running(english) as pilot:
        await scan(pilot, "4870001000011", "milk-01", "4870001000011", "3*WATER-01")
        assert lines(pilot) == [("BREAD-01", 2 * MILLI), ("MILK-01", MILLI), ("WATER-01", 3 * MILLI)]
        totals = str(pilot.app.screen.query_one("#totals").render())
        assert "TOTAL: 1 930.00 ₸" in totals and "VAT 16%" in totals
        assert message(pilot) == "Added: Water 1.5 l x 3"


async def test_unknown_barcode_is_refused_with_a_message_and_the_cart_unchanged(english) -> None:
    async with running(english) as pilot:
        await scan(pilot, "BREAD-01", "4870009999999")
        assert message(pilot) == "Unknown barcode or SKU: 4870009999999"
        assert lines(pilot) == [("BREAD-01", MILLI)]


async def test_a_name_search_offers_the_matches_to_pick_from(english) -> None:
    async with running(english) as pilot:
        await scan(pilot, "apple")
        assert isinstance(pilot.app.screen, ProductPicker)
        await pilot.press("enter")  # the only match: Aport apples, sold by weight
        assert isinstance(pilot.app.screen, PromptDialog)
        await pilot.press(*"0.750", "enter")
        await settle(pilot)
        assert lines(pilot) == [("APPLE-01", 750)]


async def test_bad_quantities_are_explained_and_nothing_changes(english) -> None:
    async with running(english) as pilot:
        await scan(pilot, "BREAD-01")
        await pilot.press("f2")
        for typed, said in [("two", '"two" is not a quantity: type a number such as 2 or 0.350'),
                            ("-2", "The quantity must be more than zero"),
                            ("0", "The quantity must be more than zero"),
                            ("1.5", "Sold by the piece: the quantity must be a whole number"),
                            ("99999", "The quantity 99999 is too large: check it")]:
            await pilot.press(*typed, "enter")
            assert isinstance(pilot.app.screen, PromptDialog), typed
            assert message(pilot) == said
        await pilot.press("escape")
        assert lines(pilot) == [("BREAD-01", MILLI)]
        await pilot.press("f2", "4", "enter")
        assert lines(pilot) == [("BREAD-01", 4 * MILLI)]


async def test_a_negative_count_typed_with_the_code_is_refused(english) -> None:
    async with running(english) as pilot:
        await scan(pilot, "-2*BREAD-01", "x*BREAD-01")
        assert message(pilot) == '"x" is not a quantity: type a number such as 2 or 0.350'
        assert lines(pilot) == []


async def test_discounts_on_a_line_and_on_the_sale(english) -> None:
    async with running(english) as pilot:
        await scan(pilot, "TEA-01", "BREAD-01")
        await pilot.press("up", "f3", *"10%", "enter")  # the tea line: 1 450 -> 1 305
        await pilot.press("f4", *"abc", "enter")
        assert message(pilot) == '"abc" is not a discount: type 10% or an amount such as 150'
        await pilot.press(*"55", "enter")
        totals = pilot.app.cart.totals()
        assert (totals.line_discounts, totals.order_discount, totals.total) == (14500, 5500, 150000)


async def test_void_asks_first_then_removes_the_selected_line(english) -> None:
    async with running(english) as pilot:
        await scan(pilot, "BREAD-01", "MILK-01", "TEA-01")
        await pilot.press("up", "f8")
        assert isinstance(pilot.app.screen, ConfirmDialog)
        await pilot.press("escape")  # a slip of the finger: nothing removed
        assert len(lines(pilot)) == 3
        await pilot.press("f8", "enter")
        assert lines(pilot) == [("BREAD-01", MILLI), ("TEA-01", MILLI)]
        assert message(pilot) == "Removed: Milk 2.5% 1 l"


async def test_f5_clears_the_whole_sale_after_asking(english) -> None:
    async with running(english) as pilot:
        await scan(pilot, "BREAD-01", "MILK-01")
        await pilot.press("f5")
        assert isinstance(pilot.app.screen, ConfirmDialog)
        await pilot.press("enter")
        assert lines(pilot) == [] and english.till.cart.lines == []
        assert english.store.get_state("ui.sale") == english.till.cart.to_dict()  # a power cut keeps it cleared
        assert message(pilot) == "The sale was cleared"


async def test_editing_keys_are_greyed_while_the_cart_is_empty(english) -> None:
    async with running(english) as pilot:
        screen = pilot.app.screen
        assert screen.check_action("void", ()) is None
        await pilot.press("f8", "f2")
        assert isinstance(pilot.app.screen, SaleScreen)


async def test_charging_an_empty_cart_says_so(english) -> None:
    async with running(english) as pilot:
        await pilot.press("f10")
        await settle(pilot)
        assert isinstance(pilot.app.screen, SaleScreen)
        assert message(pilot) == "The sale is empty: scan a product first"
        assert english.store.open_invoices() == []


async def test_every_change_is_saved_and_a_restart_resumes_the_sale(english) -> None:
    async with running(english) as pilot:
        await scan(pilot, "2*BREAD-01", "MILK-01")
        await pilot.press("f4", *"5%", "enter")
    assert english.store.get_state(SALE_STATE)["lines"][0]["sku"] == "BREAD-01"
    async with running(english) as pilot:  # the same store: a power cut and a restart
        assert lines(pilot) == [("BREAD-01", 2 * MILLI), ("MILK-01", MILLI)]
        assert pilot.app.cart.order_discount.percent_bp == 500
        assert "TOTAL: 1 035.50 ₸" in str(pilot.app.screen.query_one("#totals").render())


def test_the_app_constructor_takes_the_services_and_starts_without_slow_imports(english) -> None:
    import subprocess
    import sys

    code = ("import sys; import pos.ui.app; "
            "print(sorted(m for m in ('bitcoinlib', 'qrcode', 'serial') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
    assert PosApp(english).services is english
