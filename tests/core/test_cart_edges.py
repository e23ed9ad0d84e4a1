"""The cart at its edges: the largest quantity and discount, the sale's bound checked on the
cart as it would be, every tiyn of an order discount placed, a saved sale read back, and
the exact words of every refusal.

Written against the survivors of mutation testing (python -m pos.bench.mutation).
"""

import pytest

from pos.core.cart import (
    MAX_QUANTITY_MILLI, MAX_SALE_TIYN, NO_DISCOUNT, Cart, CartError, Discount, allocate, check_quantity,
    parse_discount, parse_quantity,
)
from pos.core.catalog import Catalog, Product
from pos.core.money import MAX_PRICE_TIYN, vat_included
from tests.core.test_cart import CATALOG, VAT, cart


def refusal(call, *args, **kwargs) -> str:
    with pytest.raises(CartError) as caught:
        call(*args, **kwargs)
    return str(caught.value)


def dear_cart() -> Cart:
    """Shelf prices near the largest, so a few units reach the sale's bound."""
    catalog = Catalog()
    for sku, price in (("GOLD-01", MAX_PRICE_TIYN), ("SILVER-01", MAX_PRICE_TIYN * 6 // 10), ("TEA-01", 100)):
        catalog.add(Product(sku=sku, names={"en": sku}, unit="pcs", price_tiyn=price, vat_class="standard"))
    return Cart(catalog, VAT)


def test_a_discount_is_refused_in_words_and_a_hundred_percent_is_the_most():
    assert Discount(percent_bp=10_000).of(500) == 500
    assert refusal(Discount, percent_bp=10_001) == "a discount percentage must be between 0 and 100"
    assert refusal(Discount, percent_bp=-1) == "a discount percentage must be between 0 and 100"
    assert refusal(Discount, percent_bp=100, amount_tiyn=100) == "a discount is a percentage or an amount, not both"
    assert refusal(Discount, amount_tiyn=-1) == "a discount amount cannot be negative"


def test_typed_discounts_and_quantities_are_named_when_unreadable():
    assert refusal(parse_discount, "abc%") == "discount 'abc' is not a number"
    assert refusal(parse_discount, "abc") == "discount 'abc' is not a number"
    assert refusal(parse_quantity, "x", CATALOG.by_sku("BREAD-01")) == "quantity 'x' is not a number"


def test_the_largest_quantity_is_allowed_and_a_gram_more_is_refused_in_words():
    kurt = CATALOG.by_sku("KURT-01")
    check_quantity(MAX_QUANTITY_MILLI, kurt)
    with pytest.raises(CartError):
        check_quantity(MAX_QUANTITY_MILLI + 1, kurt)
    assert refusal(check_quantity, MAX_QUANTITY_MILLI + 1000, kurt) == "quantity 10001 is more than 10000 — check it"
    assert refusal(check_quantity, 0, kurt) == "quantity must be more than zero"


def test_a_discount_is_stored_and_read_back_and_an_old_record_without_one_reads_as_none():
    for discount in (Discount(amount_tiyn=150), Discount(percent_bp=250)):
        assert Discount.from_dict(discount.to_dict()) == discount
    assert Discount(amount_tiyn=150).to_dict() == {"percent_bp": 0, "amount_tiyn": 150}
    assert Discount.from_dict({}) == NO_DISCOUNT


def test_an_order_discount_lands_on_the_lines_with_the_largest_remainders():
    # 3 x 4/5 = 2.4 and 3 x 1/5 = 0.6: the last tiyn goes to the 0.6, not to the larger line
    assert allocate(3, [4, 1]) == [2, 1]
    assert allocate(0, [4, 1]) == [0, 0]
    assert allocate(1, [1, 1]) == [1, 0]  # a single tiyn still lands, on the first of equals


@pytest.mark.parametrize("grams", [1, 2, 3, 7])
def test_vat_is_taken_out_of_each_rates_total_to_the_tiyn(grams):
    c = cart()
    c.add("KURT-01", grams)
    totals = c.totals()
    assert totals.vat == {1600: vat_included(totals.total, 1600)}


def test_the_sales_bound_is_checked_on_the_cart_as_it_would_be_after_merging_a_line():
    c = dear_cart()
    c.add("GOLD-01", 4000)
    c.add("SILVER-01", 1000)
    c.add("GOLD-01", 1000)  # merged into the first line
    assert [line.quantity_milli for line in c.lines] == [5000, 1000]
    c.add("TEA-01", 1000)
    # 5 gold + 2 x 0.6 silver + tea fits under 10 gold's worth; counting lines twice would not
    c.add("SILVER-01", 1000)
    assert [line.quantity_milli for line in c.lines] == [5000, 2000, 1000]
    c.set_quantity(2, 3000)
    assert [line.quantity_milli for line in c.lines] == [5000, 3000, 1000]


def test_the_sales_bound_counts_the_lines_after_the_one_changed():
    c = dear_cart()
    c.add("TEA-01", 1000)
    c.add("SILVER-01", 1000)
    c.add("GOLD-01", 9000)
    # a second silver (0.6 gold's worth) with 9 gold after it is over the bound of 10
    assert "more than 10 000 000 000.00 KZT" in refusal(c.add, "SILVER-01", 1000)
    assert "more than 10 000 000 000.00 KZT" in refusal(c.set_quantity, 2, 2000)
    assert sum(line.gross for line in c.lines) < MAX_SALE_TIYN


def test_a_saved_sale_reads_back_and_names_the_lines_whose_product_left_the_catalog():
    c = cart()
    c.add("BREAD-01")
    c.add("MILK-01", 2000)
    c.set_line_discount(2, Discount(percent_bp=500))
    c.set_order_discount(Discount(amount_tiyn=100))
    saved = c.to_dict()
    assert saved == {"lines": [{"line_id": 1, "sku": "BREAD-01", "quantity_milli": 1000,
                                "discount": {"percent_bp": 0, "amount_tiyn": 0}},
                               {"line_id": 2, "sku": "MILK-01", "quantity_milli": 2000,
                                "discount": {"percent_bp": 500, "amount_tiyn": 0}}],
                     "order_discount": {"percent_bp": 0, "amount_tiyn": 100}, "next_id": 3}
    saved["lines"].insert(0, {"line_id": 9, "sku": "GONE-01", "quantity_milli": 1000})
    saved["lines"].insert(2, {"line_id": 8, "sku": "GONE-02", "quantity_milli": 1000})
    again = cart()
    assert again.restore(saved) == ["GONE-01", "GONE-02"]
    assert again.to_dict() == c.to_dict()
    assert again.totals() == c.totals()


def test_line_numbers_go_on_after_a_voided_line_when_the_sale_is_read_back():
    c = cart()
    c.add("BREAD-01")
    c.add("MILK-01")
    c.void(1)
    again = cart()
    again.restore(c.to_dict())
    assert again.add("TEA-01").line_id == 3
    assert refusal(again.void, 1) == "no line 1 in the cart"


def test_an_old_saved_sale_without_discounts_or_counter_reads_with_none_and_numbers_on():
    c = cart()
    assert c.restore({"lines": [{"line_id": 1, "sku": "BREAD-01", "quantity_milli": 1000}]}) == []
    assert c.lines[0].discount == NO_DISCOUNT and c.order_discount == NO_DISCOUNT
    assert c.add("MILK-01").line_id == 2
