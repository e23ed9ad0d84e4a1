"""Tenders: cash with its change, a card's approval code, Bitcoin through an invoice, and splits
that pay a sale's total to the tiyn; every rule holds when a record is read back too."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pos.core.cart import MAX_SALE_TIYN
from pos.core.invoice import SaleLine
from pos.core.tender import (
    BitcoinTender, CardTender, CashTender, TenderedSale, TenderError, bitcoin_part, tender_from_dict, tendered_sale,
)
from tests.builders import T0, make_cart


def line(total_tiyn: int) -> SaleLine:
    return SaleLine("GOODS-01", {"en": "Goods"}, "pcs", 1000, total_tiyn, total_tiyn, 0, total_tiyn, 1600)


def sale(*tenders, total: int = 3000_00) -> TenderedSale:
    return TenderedSale(id="T01-S000001", terminal_id="T01", cashier="Aigerim", at=T0, lines=(line(total),),
                        total_tiyn=total, discount_tiyn=0, vat={1600: 0}, tenders=tenders)


def round_trip(record):
    return type(record).from_dict(json.loads(json.dumps(record.to_dict())))


def test_cash_gives_the_change_of_what_was_handed_over():
    assert CashTender(1090_00, 2000_00).change_tiyn == 910_00
    assert CashTender(1090_00, 1090_00).change_tiyn == 0


def test_cash_handed_over_short_of_the_amount_is_refused_change_is_never_negative():
    with pytest.raises(TenderError, match="change cannot be negative"):
        CashTender(1090_00, 1089_99)


@pytest.mark.parametrize("amount", [0, -1, MAX_SALE_TIYN + 1, 10.5, True, "100"])
def test_every_tender_amount_is_whole_tiyn_above_zero_and_at_most_the_largest_sale(amount):
    for make in (lambda a: CashTender(a, MAX_SALE_TIYN), lambda a: CardTender(a, "123456"),
                 lambda a: BitcoinTender(a, "T01-000001")):
        with pytest.raises(TenderError):
            make(amount)


def test_cash_handed_over_is_bounded_too():
    with pytest.raises(TenderError, match="the cash handed over"):
        CashTender(100, MAX_SALE_TIYN + 1)


@pytest.mark.parametrize("code", ["", "12 345", "1234567890123", "=cmd", "12-34", "код123"])
def test_a_card_needs_the_approval_code_from_the_bank_terminal_slip(code):
    with pytest.raises(TenderError, match="approval code"):
        CardTender(500_00, code)


def test_a_bitcoin_tender_names_its_invoice():
    with pytest.raises(TenderError, match="needs its invoice"):
        BitcoinTender(500_00, "")


def test_a_split_pays_2000_in_cash_and_the_rest_in_bitcoin():
    split = sale(CashTender(2000_00, 5000_00), BitcoinTender(1000_00, "T01-000007"))
    assert (split.paid_in("cash"), split.paid_in("bitcoin"), split.paid_in("card")) == (2000_00, 1000_00, 0)
    assert split.invoice_ids == ("T01-000007",)


@pytest.mark.parametrize("bitcoin", [999_99, 1000_01])
def test_a_split_must_pay_the_total_to_the_tiyn(bitcoin):
    with pytest.raises(TenderError, match="a split must pay the total exactly"):
        sale(CashTender(2000_00, 2000_00), BitcoinTender(bitcoin, "T01-000007"))


def test_a_sale_needs_tenders_and_lines_that_add_up_and_one_invoice_per_tender():
    with pytest.raises(TenderError, match="1 to 8 tenders"):
        sale()
    with pytest.raises(TenderError, match="1 to 8 tenders"):
        sale(*[CardTender(100, "1")] * 9, total=900)
    with pytest.raises(TenderError, match="the lines add up"):
        replace(sale(CardTender(3000_00, "1")), lines=(line(2999_99),))
    with pytest.raises(TenderError, match="one invoice in two tenders"):
        sale(BitcoinTender(1000_00, "T01-000007"), BitcoinTender(2000_00, "T01-000007"))
    with pytest.raises(TenderError, match="timezone-aware"):
        replace(sale(CardTender(3000_00, "1")), at=datetime(2026, 11, 25, 11, 0))


def test_a_cart_becomes_a_sale_record_as_it_becomes_an_invoice():
    cart = make_cart((("TEA-01", 2000), ("MED-01", 1000)))
    totals = cart.totals()
    record = tendered_sale(id="T01-S000002", terminal_id="T01", cashier="Aigerim", at=T0, totals=totals,
                           tenders=(CardTender(totals.total, "A1B2C3"),), shift=4)
    assert record.total_tiyn == 3250_00 and record.vat == totals.vat and record.shift == 4
    assert [l.sku for l in record.lines] == ["TEA-01", "MED-01"]


def test_sales_and_tenders_survive_the_store_as_json():
    record = sale(CashTender(1000_00, 1500_00), CardTender(500_00, "A1B2C3"), BitcoinTender(1500_00, "T01-000007"))
    assert round_trip(record) == record


@pytest.mark.parametrize("data, message", [
    ({"kind": "cheque", "amount_tiyn": 100}, "unknown tender 'cheque'"),
    ({"kind": "cash", "amount_tiyn": 100}, "without 'tendered_tiyn'"),
    ({"kind": "cash", "amount_tiyn": 500, "tendered_tiyn": 100}, "change cannot be negative"),
    ({"kind": "card", "amount_tiyn": "100", "approval_code": "1"}, "whole number of tiyn"),
])
def test_a_hand_edited_tender_is_refused_with_what_is_wrong(data, message):
    with pytest.raises(TenderError, match=message):
        tender_from_dict(data)


def test_a_sale_record_missing_a_field_names_it():
    data = sale(CardTender(3000_00, "1")).to_dict()
    del data["tenders"]
    with pytest.raises(TenderError, match="no 'tenders'"):
        TenderedSale.from_dict(data)


@given(total=st.integers(2, MAX_SALE_TIYN), data=st.data())
def test_any_split_of_any_total_pays_it_exactly_and_round_trips(total, data):
    cash = data.draw(st.integers(1, total - 1))
    handed = data.draw(st.integers(cash, MAX_SALE_TIYN))
    split = sale(CashTender(cash, handed), BitcoinTender(total - cash, "T01-000001"), total=total)
    assert split.paid_in("cash") + split.paid_in("bitcoin") == total
    assert split.tenders[0].change_tiyn == handed - cash >= 0
    assert round_trip(split) == split
    off = data.draw(st.integers(-cash + 1, MAX_SALE_TIYN).filter(lambda d: d != 0))
    with pytest.raises(TenderError):
        sale(CashTender(cash, handed), BitcoinTender(total - cash + off, "T01-000001"), total=total)


def test_the_bitcoin_part_of_a_split_keeps_the_lines_and_charges_exactly_the_rest():
    totals = make_cart((("TEA-01", 2000), ("BREAD-01", 1000), ("MED-01", 1000))).totals()
    part = bitcoin_part(totals, 1001_01)
    assert part.total == 1001_01 == sum(line.total for line in part.lines)
    assert [l.line for l in part.lines] == [l.line for l in totals.lines]  # the same goods, priced as the rest
    assert all(0 <= l.total <= whole.total for l, whole in zip(part.lines, totals.lines))
    assert part.vat == {rate: vat * 1001_01 // totals.total for rate, vat in totals.vat.items()}
    for too_much in (totals.total, totals.total + 1, 0):
        with pytest.raises(TenderError):
            bitcoin_part(totals, too_much)
