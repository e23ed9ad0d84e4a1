"""Money at its edges: zero, a half, one sat or tiyn either side, and the exact words of every refusal.

Written against the survivors of mutation testing (python -m pos.bench.mutation): each test
states a rule that a one-character change to pos/core/money.py would break.
"""

from datetime import datetime, timezone

import pytest

from pos.core.money import (
    MAX_SATS, SATS_PER_BTC, MoneyError, Rate, div_half_up, format_btc, format_kzt, parse_decimal, parse_kzt, vat_included,
)

T0 = datetime(2026, 11, 25, 6, 0, tzinfo=timezone.utc)


def refusal(exc_type: type[Exception], call, *args) -> str:
    with pytest.raises(exc_type) as caught:
        call(*args)
    return str(caught.value)


def test_division_by_one_is_the_number_itself_and_by_zero_is_refused_in_words():
    assert div_half_up(3, 1) == 3
    assert div_half_up(-3, 1) == -3
    assert refusal(ValueError, div_half_up, 1, 0) == "denominator must be positive"
    assert refusal(ValueError, div_half_up, 1, -2) == "denominator must be positive"


@pytest.mark.parametrize("tiyn_x_bp, expected", [(149, 1), (150, 2), (-150, -2), (-149, -1)])
def test_half_a_tiyn_rounds_away_from_zero_and_less_than_half_does_not(tiyn_x_bp, expected):
    assert div_half_up(tiyn_x_bp, 100) == expected


def test_a_whole_number_with_no_decimal_places_reads_as_itself():
    assert parse_decimal("5", 0) == 5
    assert parse_decimal("0", 2) == 0


def test_every_unreadable_number_is_named_in_the_message():
    assert refusal(MoneyError, parse_decimal, "x", 2) == "amount 'x' is not a number"
    assert refusal(MoneyError, parse_kzt, "abc") == "KZT amount 'abc' is not a number"
    assert refusal(MoneyError, parse_kzt, "1" * 16) == "KZT amount has more than 15 digits before the point"
    assert refusal(MoneyError, parse_kzt, "1.234") == "KZT amount '1.234' has more than 2 decimal places"


def test_zero_and_negative_amounts_are_formatted_with_the_sign_only_below_zero():
    assert format_kzt(0) == "0.00 ₸"
    assert format_kzt(-1, symbol="KZT") == "-0.01 KZT"
    assert format_btc(0) == "0"
    assert format_btc(1) == "0.00000001"
    assert format_btc(-150_000_000) == "-1.5"


def test_a_vat_rate_of_one_basis_point_is_still_vat():
    assert vat_included(10_000, 1) == 1  # 0.9999 tiyn rounds half up to 1
    assert vat_included(10_000, 0) == 0


def test_a_rate_is_refused_in_words_when_not_positive_or_without_a_timezone():
    assert refusal(MoneyError, Rate, 0, "test", T0) == "a rate must be positive"
    assert refusal(MoneyError, Rate, -1, "test", T0) == "a rate must be positive"
    assert Rate(1, "test", T0).tiyn_per_btc == 1
    assert refusal(MoneyError, Rate, 1, "test", datetime(2026, 1, 1)) == "a rate's time must carry a timezone"


def test_converting_a_negative_amount_is_refused_and_zero_costs_zero_sats():
    rate = Rate(40_000_000_00, "test", T0)
    assert rate.to_sats(0) == 0
    assert refusal(MoneyError, rate.to_sats, -1) == "cannot convert a negative amount"


def test_an_invoice_for_all_bitcoin_is_allowed_and_one_sat_more_is_refused_in_words():
    rate = Rate(1, "test", T0)  # one tiyn buys a whole bitcoin
    all_bitcoin_tiyn = MAX_SATS // SATS_PER_BTC
    assert rate.to_sats(all_bitcoin_tiyn) == MAX_SATS
    cheap = Rate(SATS_PER_BTC, "test", T0)  # one tiyn per sat
    assert cheap.to_sats(MAX_SATS) == MAX_SATS
    assert refusal(MoneyError, cheap.to_sats, MAX_SATS + 1) == (
        "21 000 000 000 000.01 KZT at this rate is more than all bitcoin (21 million BTC)")
