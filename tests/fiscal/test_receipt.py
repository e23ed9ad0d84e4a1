"""The fiscal port's pure part: a sale or a refund as the receipt a register is asked to register."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

import pytest
from hypothesis import given, strategies as st

from pos.core.fiscal import (
    RETURN, SALE, FiscalPayment, FiscalReceipt, ReceiptError, Registration, ReturnBasis, kzt, quantity,
    return_receipt, sale_receipt, split_vat, tiyn_of,
)
from pos.core.money import vat_included
from pos.core.refund import RefundLine
from pos.core.report import as_sale
from pos.core.tender import BitcoinTender, CashTender
from tests.builders import T0, make_invoice
from tests.core.shift_day import a_day, refund


def registered(sale_id: str, total_tiyn: int, operation: str = SALE) -> Registration:
    return Registration(external_id=sale_id, operation=operation, total_tiyn=total_tiyn, fiscal_sign="910000000001",
                        registered_at=T0, offline=False, factory_number="SWK00033717",
                        registration_number="032600010282", identity_number="2363", ofd_name="WOFD",
                        ofd_host="ctest.wofd.kz/consumer", shift_number=1, order_number=1,
                        ticket_url="http://ctest.wofd.kz/consumer?i=910000000001")


def test_a_sale_is_its_lines_at_their_prices_and_discounts_paid_once_per_kind():
    cash = a_day().sales[0]  # milk x2 and a medicine, 30 KZT off the order: 1 500 KZT at two VAT rates
    receipt = sale_receipt(cash)
    assert (receipt.operation, receipt.external_id, receipt.basis) == (SALE, cash.id, None)
    assert [(p.code, p.quantity_milli, p.unit_price_tiyn, p.discount_tiyn, p.total_tiyn, p.vat_rate_bp)
            for p in receipt.positions] == [(l.sku, l.quantity_milli, l.unit_price_tiyn, l.discount_tiyn,
                                              l.total_tiyn, l.vat_rate_bp) for l in cash.lines]
    assert receipt.positions[0].name == "Молоко 2.5% 1 л" and receipt.positions[0].unit == "pcs"
    assert receipt.payments == (FiscalPayment("cash", 1500_00),)  # the amount paid, not the 2 000 handed over
    assert receipt.total_tiyn == cash.total_tiyn


def test_the_positions_vat_adds_up_to_the_sales_vat_per_rate_as_the_slip_shows_it():
    # Bread, milk and kefir: rounded one by one their VAT is 187.58 KZT, on the slip 187.59.
    three = as_sale(make_invoice(2, items=(("BREAD-01", 1000), ("MILK-01", 1000), ("KEFIR-01", 1000))))
    assert three.vat == {1600: 187_59}
    for sale in a_day().sales + (three,):
        positions = sale_receipt(sale).positions
        by_rate = {rate: sum(p.vat_tiyn for p in positions if p.vat_rate_bp == rate) for rate in sale.vat}
        assert by_rate == sale.vat


@given(st.lists(st.tuples(st.integers(1, 10**13), st.sampled_from([0, 1000, 1200, 1600, 1250])), min_size=1,
                max_size=30))
def test_each_rates_vat_is_split_over_its_positions_by_largest_remainder(lines):
    shares = split_vat(lines)
    for rate in {r for _, r in lines}:
        members = [i for i, (_, r) in enumerate(lines) if r == rate]
        assert sum(shares[i] for i in members) == vat_included(sum(lines[i][0] for i in members), rate)
        for i in members:  # each position's share is its exact VAT rounded down or up, never further
            low = lines[i][0] * rate // (10_000 + rate)
            assert low <= shares[i] <= low + 1


def test_a_split_sale_pays_each_kind_once_and_two_invoices_are_one_bitcoin_payment():
    split = a_day().sales[2]
    assert sale_receipt(split).payments == (FiscalPayment("cash", 2000_00), FiscalPayment("bitcoin", 1150_00))
    two_invoices = replace(split, tenders=(CashTender(2000_00, 2000_00), BitcoinTender(1000_00, "T01-000011"),
                                           BitcoinTender(150_00, "T01-000012")))
    assert sale_receipt(two_invoices).payments == (FiscalPayment("cash", 2000_00), FiscalPayment("bitcoin", 1150_00))


def test_a_sale_paid_in_bitcoin_alone_is_numbered_by_its_invoice():
    invoice = make_invoice(7, items=(("APPLE-01", 1234), ("BREAD-01", 2000)))
    receipt = sale_receipt(as_sale(invoice))
    assert receipt.external_id == invoice.id == "T01-000007"
    assert receipt.payments == (FiscalPayment("bitcoin", invoice.total_tiyn),)
    assert receipt.positions[0].quantity_milli == 1234 and receipt.positions[0].unit == "kg"


def test_a_whole_refund_returns_the_sales_positions_with_the_sale_as_its_basis():
    day = a_day()
    cash, whole = day.sales[0], day.refunds[0]
    receipt = return_receipt(whole, cash, registered(cash.id, cash.total_tiyn))
    assert (receipt.operation, receipt.external_id) == (RETURN, whole.id)
    assert receipt.positions == sale_receipt(cash).positions
    assert receipt.payments == (FiscalPayment("cash", 1500_00),)
    assert receipt.basis == ReturnBasis("910000000001", T0, "032600010282", 1500_00, False)


def test_a_refund_by_line_gives_back_its_amount_below_the_price_as_a_discount():
    cash = a_day().sales[0]
    milk = cash.lines[0]  # 2 x 590, with its share of the order discount
    one = refund(9, cash.id, "cash", (RefundLine(0, milk.sku, 1000, 580_00, milk.vat_rate_bp),), state="done",
                 done_at=T0 + timedelta(hours=3), whole=False)
    position, = return_receipt(one, cash, registered(cash.id, cash.total_tiyn)).positions
    assert (position.quantity_milli, position.unit_price_tiyn, position.discount_tiyn, position.total_tiyn) == (
        1000, 590_00, 10_00, 580_00)
    assert position.vat_tiyn == vat_included(580_00, 1600)


@pytest.mark.parametrize("case, message", [
    ("without a sale", "never registered as a sale"),
    ("another sale", "refunds sale"),
    ("a line not of the sale", "is not a line of"),
    ("more than the price", "gives back more than its price"),
    ("a return as basis", "a return refers to a registered sale"),
])
def test_a_refund_that_cannot_be_a_return_receipt_says_why(case, message):
    day = a_day()
    cash, whole = day.sales[0], day.refunds[0]
    sale_registration = registered(cash.id, cash.total_tiyn)
    line = whole.lines[0]
    refund_, sale, registration = {
        "without a sale": (day.refunds[1], cash, sale_registration),
        "another sale": (whole, day.sales[1], registered(day.sales[1].id, day.sales[1].total_tiyn)),
        "a line not of the sale": (replace(whole, lines=(replace(line, sku="TEA-01"),) + whole.lines[1:]), cash,
                                   sale_registration),
        "more than the price": (replace(whole, amount_tiyn=whole.amount_tiyn + 2000_00,
                                        lines=(replace(line, amount_tiyn=line.amount_tiyn + 2000_00),)
                                        + whole.lines[1:]), cash, sale_registration),
        "a return as basis": (whole, cash, replace(sale_registration, operation=RETURN)),
    }[case]
    with pytest.raises(ReceiptError, match=message):
        return_receipt(refund_, sale, registration)


def test_a_receipt_whose_payments_do_not_add_up_is_refused():
    receipt = sale_receipt(a_day().sales[0])
    with pytest.raises(ReceiptError, match="do not add up"):
        replace(receipt, payments=(FiscalPayment("cash", 1499_99),))
    with pytest.raises(ReceiptError, match="only a return"):
        replace(receipt, basis=ReturnBasis("1", T0, "2", 1, False))


def test_tiyn_and_milli_units_become_exact_decimals_and_back():
    assert kzt(1) == Decimal("0.01") and str(kzt(99_999_999_999)) == "999999999.99" and str(kzt(500_00)) == "500.00"
    assert str(quantity(1)) == "0.001" and str(quantity(1500)) == "1.500"
    assert tiyn_of(Decimal("53.57"), "Tax") == 5357 and tiyn_of(Decimal(500), "Sum") == 500_00
    with pytest.raises(ValueError, match="not a whole number of tiyn"):
        tiyn_of(Decimal("0.005"), "Sum")
