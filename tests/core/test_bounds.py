"""Money has bounds at every entry point (issue 14).

Numbers with hundreds of digits ended the app (OverflowError, or Python's int-digit
limit); a catalog price of 9 999 999 999 999 999 999 KZT made an invoice for more
than all bitcoin.
"""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from pos.core.cart import MAX_SALE_TIYN, Cart, CartError, parse_discount, parse_quantity
from pos.core.catalog import Catalog, Product, parse_catalog
from pos.core.money import MAX_PRICE_TIYN, MAX_SATS, MoneyError, Rate, TooManyDigits, parse_decimal, parse_kzt

T0 = datetime(2026, 11, 25, 6, 0, tzinfo=timezone.utc)
HEADER = "sku,barcode,name_kk,name_ru,name_en,unit,price,vat_class\n"
VAT = {"standard": 1600, "reduced": 1000, "zero": 0, "exempt": 0}


def product(sku: str = "GOLD-01", price_tiyn: int = MAX_PRICE_TIYN, unit: str = "pcs") -> Product:
    return Product(sku=sku, names={"en": "Gold bar"}, unit=unit, price_tiyn=price_tiyn, vat_class="standard")


@pytest.mark.parametrize("text", ["9" * 400, "9" * 5000, "1" + "0" * 15, "0" * 16 + "1", "9" * 400 + ".5"])
def test_a_number_with_too_many_digits_is_refused_before_it_is_made(text: str) -> None:
    with pytest.raises(TooManyDigits, match="quantity has more than 15 digits"):
        parse_decimal(text, 3, "quantity")


def test_fifteen_digits_still_read() -> None:
    assert parse_kzt("999 999 999 999 999.99") == 99_999_999_999_999_999


def test_typed_quantities_and_discounts_with_hundreds_of_digits_are_refusals_not_crashes() -> None:
    with pytest.raises(CartError, match="more than 15 digits"):
        parse_quantity("9" * 400, product())
    with pytest.raises(CartError, match="more than 15 digits"):
        parse_discount("9" * 5000)
    with pytest.raises(CartError, match="more than 15 digits"):
        parse_discount("9" * 400 + "%")


def test_a_catalog_price_above_the_largest_shelf_price_is_refused_with_its_line() -> None:
    text = HEADER + "\n".join([
        "OK-01,,,,Bread,pcs,250,standard",
        'GOLD-01,,,,Gold,pcs,"9 999 999 999 999 999 999",standard',
        "GOLD-02,,,,Gold,pcs,1000000000.01,standard",
        "GOLD-03,,,,Gold,pcs,1000000000,standard",
        "GOLD-04,,,,Gold,pcs," + "9" * 5000 + ",standard",
    ])
    catalog, errors = parse_catalog(text)
    assert sorted(catalog.products) == ["GOLD-03", "OK-01"]
    assert [e.line for e in errors] == [3, 4, 6]
    assert all("more than the largest shelf price, 1 000 000 000.00 KZT" in str(e) for e in errors)
    assert all(len(str(e)) < 120 for e in errors)  # the 5000 digits are not echoed


def test_a_sale_cannot_grow_past_its_bound_and_a_refusal_leaves_the_cart_as_it_was() -> None:
    catalog = Catalog()
    catalog.add(product())
    catalog.add(product("SAND-01", 100, unit="kg"))
    cart = Cart(catalog, VAT)
    line = cart.add("GOLD-01", 10_000)  # ten bars: exactly the bound
    assert cart.totals().total == MAX_SALE_TIYN
    with pytest.raises(CartError, match="more than 10 000 000 000.00 KZT"):
        cart.add("GOLD-01", 1000)
    with pytest.raises(CartError, match="more than 10 000 000 000.00 KZT"):
        cart.add("SAND-01", 10)  # one tiyn more
    with pytest.raises(CartError, match="more than 10 000 000 000.00 KZT"):
        cart.set_quantity(line.line_id, 11_000)
    assert [(l.product.sku, l.quantity_milli) for l in cart.lines] == [("GOLD-01", 10_000)]
    assert cart.add("SAND-01", 1).line_id == 2  # the refused adds used no line number


def test_no_invoice_amount_is_more_than_all_bitcoin() -> None:
    cheap_btc = Rate(1, "junk", T0)  # one tiyn per bitcoin: a rate typed wrong
    assert cheap_btc.to_sats(21_000_000) == MAX_SATS
    with pytest.raises(MoneyError, match="more than all bitcoin"):
        cheap_btc.to_sats(MAX_SALE_TIYN)
    assert Rate(45_000_000_00, "manual", T0).to_sats(MAX_SALE_TIYN) < MAX_SATS  # a real rate, the largest sale
