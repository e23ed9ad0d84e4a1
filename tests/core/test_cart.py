from pathlib import Path

import pytest
from hypothesis import given, strategies as st

import pos
from pos.core.cart import Cart, CartError, Discount, allocate, parse_discount, parse_quantity
from pos.core.catalog import load_catalog

CATALOG, _ = load_catalog(Path(pos.__file__).parent / "data" / "demo_catalog.csv")
VAT = {"standard": 1600, "reduced": 1000, "zero": 0, "exempt": 0}


def cart() -> Cart:
    return Cart(CATALOG, VAT)


def test_scanning_the_same_piece_twice_adds_to_its_line():
    c = cart()
    c.add("4870001000011")
    c.add("BREAD-01")
    assert len(c.lines) == 1 and c.lines[0].quantity_milli == 2000
    assert c.totals().total == 50000


def test_weighed_goods_take_three_decimals_and_round_half_up():
    c = cart()
    line = c.add("KURT-01", parse_quantity("0.347", CATALOG.by_sku("KURT-01")))
    assert line.gross == 166560  # 0.347 kg x 4800.00 = 1665.60
    c.add("APPLE-01", 1)  # 0.001 kg x 890.00 = 0.89
    assert c.lines[1].gross == 89


@pytest.mark.parametrize("text, message", [
    ("abc", "not a number"), ("-1", "more than zero"), ("0", "more than zero"), ("1.5", "whole number"),
    ("0.0001", "decimal places"), ("100000", "check it"),
])
def test_bad_quantities_are_refused_with_a_reason(text, message):
    with pytest.raises(CartError, match=message):
        parse_quantity(text, CATALOG.by_sku("BREAD-01"))


def test_an_unknown_code_changes_nothing():
    c = cart()
    c.add("BREAD-01")
    before = c.to_dict()
    with pytest.raises(CartError, match="unknown barcode or SKU '0000'"):
        c.add("0000")
    assert c.to_dict() == before


def test_discounts_and_void():
    c = cart()
    bread = c.add("BREAD-01", 4000)  # 1000.00
    tea = c.add("TEA-01")  # 1450.00
    c.set_line_discount(bread.line_id, parse_discount("10%"))
    c.set_order_discount(parse_discount("45"))
    t = c.totals()
    assert (t.gross, t.line_discounts, t.order_discount, t.total) == (245000, 10000, 4500, 230500)
    assert sum(x.total for x in t.lines) == t.total
    c.void(tea.line_id)
    assert [l.product.sku for l in c.lines] == ["BREAD-01"]
    with pytest.raises(CartError):
        c.void(tea.line_id)


def test_a_discount_never_exceeds_what_it_discounts():
    c = cart()
    c.add("WATER-01")
    c.set_order_discount(Discount(amount_tiyn=10**9))
    assert c.totals().total == 0
    with pytest.raises(CartError):
        parse_discount("120%")
    with pytest.raises(CartError):
        parse_discount("-5")


def test_vat_is_split_per_rate():
    c = cart()
    c.add("MILK-01")  # 590 standard 16%
    c.add("MED-01")  # 350 reduced 10%
    c.add("BOOK-01")  # 4500 zero
    t = c.totals()
    assert t.vat == {0: 0, 1000: 3182, 1600: 8138}


def test_the_cart_survives_a_restart():
    c = cart()
    line = c.add("KURT-01", 250)
    c.set_line_discount(line.line_id, Discount(percent_bp=500))
    c.add("BREAD-01")
    again = cart()
    assert again.restore(c.to_dict()) == []
    assert again.totals() == c.totals()


@given(amount=st.integers(0, 10**9), weights=st.lists(st.integers(0, 10**9), min_size=1, max_size=20))
def test_allocation_sums_exactly(amount, weights):
    shares = allocate(amount, weights)
    if sum(weights):
        assert sum(shares) == amount
        assert all(s >= 0 for s in shares)


line_spec = st.tuples(st.sampled_from(sorted(CATALOG.products)), st.integers(1, 50_000),
                      st.integers(0, 10_000))


@given(lines=st.lists(line_spec, min_size=1, max_size=12), order_bp=st.integers(0, 10_000),
       order_amount=st.integers(0, 10**8), use_amount=st.booleans())
def test_totals_are_never_negative_and_lines_sum_to_the_total(lines, order_bp, order_amount, use_amount):
    c = cart()
    for sku, qty, disc_bp in lines:
        product = CATALOG.by_sku(sku)
        qty = qty if product.weighed else max(1, qty // 1000) * 1000
        line = c.add(sku, qty)
        c.set_line_discount(line.line_id, Discount(percent_bp=disc_bp))
    c.set_order_discount(Discount(amount_tiyn=order_amount) if use_amount else Discount(percent_bp=order_bp))
    t = c.totals()
    assert t.total >= 0
    assert all(x.total >= 0 for x in t.lines)
    assert sum(x.total for x in t.lines) == t.total
    assert t.gross - t.line_discounts - t.order_discount == t.total
    assert 0 <= t.vat_total <= t.total
