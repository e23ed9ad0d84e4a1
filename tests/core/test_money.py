from datetime import datetime, timezone

import pytest
from hypothesis import given, strategies as st

from pos.core.money import (
    SATS_PER_BTC, MoneyError, Rate, div_half_up, format_btc, format_kzt, parse_decimal, parse_kzt,
    percent_of, vat_included,
)

T0 = datetime(2026, 11, 25, 6, 0, tzinfo=timezone.utc)
rates = st.integers(min_value=1_000_000_00, max_value=1_000_000_000_00).map(lambda t: Rate(t, "test", T0))


@pytest.mark.parametrize("text, tiyn", [
    ("450", 45000), ("1 299.90", 129990), ("0,5", 50), ("12.", 1200), ("1\u00a0000", 100000), ("-3.25", -325),
])
def test_kzt_amounts_parse_exactly(text, tiyn):
    assert parse_kzt(text) == tiyn


@pytest.mark.parametrize("text", ["", "abc", "1.234", "1e3", "NaN", "1.2.3", "--1", "12,345.6"])
def test_unreadable_amounts_are_refused(text):
    with pytest.raises(MoneyError):
        parse_kzt(text)


def test_more_decimals_than_allowed_is_an_error_not_a_rounding():
    with pytest.raises(MoneyError, match="more than 3 decimal places"):
        parse_decimal("0.1234", 3, "quantity")


@pytest.mark.parametrize("n, d, q", [(5, 10, 1), (4, 10, 0), (15, 10, 2), (-5, 10, -1), (-4, 10, 0), (0, 7, 0)])
def test_half_up_rounds_halves_away_from_zero(n, d, q):
    assert div_half_up(n, d) == q


def test_formatting_at_the_edges():
    assert format_kzt(125050) == "1 250.50 ₸"
    assert format_kzt(-5, symbol="") == "-0.05"
    assert format_btc(120_000) == "0.0012"
    assert format_btc(SATS_PER_BTC) == "1"
    assert format_btc(1) == "0.00000001"


def test_vat_is_taken_out_of_the_shelf_price():
    # 1160.00 including 16% VAT contains 160.00 VAT
    assert vat_included(116000, 1600) == 16000
    assert vat_included(100, 1600) == 14  # 13.79 rounds half up to 14
    assert vat_included(100000, 0) == 0
    assert percent_of(999, 1000) == 100  # 99.9 -> 100


def test_conversion_rounds_up_for_the_merchant():
    rate = Rate(40_000_000_00, "test", T0)  # 40 000 000 KZT per BTC
    assert rate.to_sats(4_000_000_00) == 10_000_000  # 4 000 000 KZT = 0.1 BTC exactly
    assert rate.to_sats(1) == 1  # 0.01 KZT = 0.025 sat -> 1 sat, never 0
    assert rate.to_sats(4_000_000_01) == 10_000_001  # a tiyn more costs a whole sat more


def test_a_rate_needs_a_positive_value_and_a_timezone():
    with pytest.raises(MoneyError):
        Rate(0, "test", T0)
    with pytest.raises(MoneyError):
        Rate(1, "test", datetime(2026, 1, 1))


@given(tiyn=st.integers(min_value=0, max_value=10**12), rate=rates)
def test_kzt_to_sats_and_back_stays_within_one_sats_worth(tiyn, rate):
    sats = rate.to_sats(tiyn)
    back = rate.to_tiyn(sats)
    one_sat_worth = rate.to_tiyn(1) + 1
    assert back >= tiyn - 1  # never less than the price (bar the final half-up rounding)
    assert back - tiyn <= one_sat_worth


@given(tiyn=st.integers(min_value=0, max_value=10**12), rate=rates)
def test_sats_never_undercharge(tiyn, rate):
    assert rate.to_sats(tiyn) * rate.tiyn_per_btc >= tiyn * SATS_PER_BTC


@given(st.integers(min_value=-10**15, max_value=10**15))
def test_formatted_kzt_parses_back(tiyn):
    assert parse_kzt(format_kzt(tiyn, symbol="")) == tiyn


@given(st.integers(min_value=0, max_value=21 * 10**6 * SATS_PER_BTC))
def test_formatted_btc_parses_back_to_the_same_sats(sats):
    assert parse_decimal(format_btc(sats), 8) == sats


def test_rate_survives_storage():
    rate = Rate(3_500_000_000, "manual", T0)
    assert Rate.from_dict(rate.to_dict()) == rate
