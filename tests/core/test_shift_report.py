"""Shifts, refunds and the X/Z report: the figures a merchant closes the day on, and their paper."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime, timedelta

import pytest

from pos.core.invoice import Payment
from pos.core.receipt import ReceiptSettings
from pos.core.refund import DONE, REQUESTED, Refund, RefundLine
from pos.core.report import (
    AWAITING, BITCOIN_SIDE, LOST, PAID_LATE_BTC, REFUND_OWED_BTC, REFUNDED, SETTLED_BTC, UNPAID, X, Z, ReportError,
    Tally, compute_report, counts_refund, standing,
)
from pos.core.report_slip import REPORT_LABELS, build_report_slip
from pos.core.shift import Shift, ShiftError
from pos.core.tender import BitcoinTender, CashTender, TenderError
from tests.builders import T0, make_rate
from tests.core.shift_day import a_day, awaiting, every_line, lost, refund, seen, settled, txid, unpaid

CLOSE = T0 + timedelta(hours=9)


def report(kind=X, day=None, **kw):
    day = day or a_day()
    shift = day.shift if kind == X else day.shift.close(counted_cash_tiyn=11_995_00, at=CLOSE, by="Manager")
    return compute_report(kind, shift, invoices=day.invoices, sales=day.sales, refunds=day.refunds,
                          at=CLOSE, **kw)


# ---- shifts ----------------------------------------------------------------------
def test_a_shift_closes_once_with_the_drawer_counted():
    shift = Shift(3, "T01", "Aigerim", T0, 10_000_00)
    closed = shift.close(counted_cash_tiyn=12_000_00, at=CLOSE, by="Manager")
    assert closed.closed and not shift.closed and closed.closed_by == "Manager"
    with pytest.raises(ShiftError, match="already closed"):
        closed.close(counted_cash_tiyn=0, at=CLOSE, by="Manager")
    assert Shift.from_dict(json.loads(json.dumps(closed.to_dict()))) == closed


@pytest.mark.parametrize("change, message", [
    ({"number": 0}, "number from 1"),
    ({"opening_float_tiyn": -1}, "opening float"),
    ({"opening_float_tiyn": 10**13}, "opening float"),
    ({"opened_at": datetime(2026, 11, 25, 11)}, "timezone-aware"),
    ({"closed_at": T0 - timedelta(seconds=1), "counted_cash_tiyn": 0}, "closed before it was opened"),
    ({"closed_at": CLOSE}, "drawer counted"),
    ({"counted_cash_tiyn": 5}, "drawer counted"),
])
def test_a_shift_with_figures_out_of_bounds_or_order_is_refused(change, message):
    with pytest.raises(ShiftError, match=message):
        replace(Shift(1, "T01", "Aigerim", T0, 0), **change)


# ---- refunds ---------------------------------------------------------------------
def test_a_bitcoin_refund_is_requested_until_its_transaction_is_seen():
    inv = settled(1)
    asked = refund(1, inv.id, "bitcoin", every_line(inv), address="bcrt1qcustomer", amount_sat=inv.amount_sat,
                   rate=inv.rate)
    assert asked.state == REQUESTED and not asked.txid
    paid = asked.done(txid(7), CLOSE)
    assert (paid.state, paid.txid, paid.done_at) == (DONE, txid(7), CLOSE)
    with pytest.raises(TenderError, match="already done"):
        paid.done(txid(8), CLOSE)
    assert Refund.from_dict(json.loads(json.dumps(paid.to_dict()))) == paid


@pytest.mark.parametrize("kw, message", [
    ({"tender": "bitcoin"}, "needs the customer's address"),
    ({"tender": "cash", "state": REQUESTED, "done_at": None}, "done when it is recorded"),
    ({"tender": "card"}, "approval code"),
    ({"approval_code": "123456"}, "approval code"),
    ({"lines": (), "amount_tiyn": 100}, "1 to 500 lines"),
    ({"amount_tiyn": 1}, "do not add up"),
    ({"of_sale": False}, "goes back in Bitcoin, with no lines"),
    ({"done_at": T0}, "done before it was requested"),
    ({"state": "half"}, "unknown state"),
])
def test_refunds_that_break_a_rule_are_refused(kw, message):
    sale = a_day().sales[0]
    fields = dict(state=DONE, done_at=CLOSE) | kw
    with pytest.raises(TenderError, match=message):
        refund(1, sale.id, fields.pop("tender", "cash"), fields.pop("lines", every_line(sale)), **fields)


def test_a_refund_by_lines_takes_back_part_of_a_line():
    half = RefundLine(0, "MILK-01", 1000, 590_00, 1600)
    back = refund(1, "T01-S000001", "card", (half,), approval_code="R12345", whole=False, state=DONE, done_at=CLOSE)
    assert back.amount_tiyn == 590_00 and not back.whole


def test_a_refund_counts_in_the_shift_its_money_left_in_and_while_unpaid_in_the_shift_it_was_asked_in():
    inv = settled(1)
    asked = refund(1, inv.id, "bitcoin", every_line(inv), address="bcrt1qcustomer", amount_sat=inv.amount_sat,
                   rate=inv.rate)  # asked for in shift 1, whose Z is at CLOSE
    paid = asked.done(txid(7), CLOSE + timedelta(hours=15))  # seen paid during shift 2
    first_z, second_z = CLOSE + timedelta(hours=14), CLOSE + timedelta(hours=24)
    assert counts_refund(asked, 1, None, CLOSE) and not counts_refund(asked, 2, CLOSE, first_z)
    assert not counts_refund(paid, 1, None, CLOSE)  # the first Z is made again: the money had not left
    assert counts_refund(paid, 2, CLOSE, second_z)
    assert not counts_refund(paid, 3, second_z, second_z + timedelta(hours=9))  # counted once
    between = asked.done(txid(7), CLOSE + timedelta(hours=1))  # seen paid after the Z, before shift 2
    assert counts_refund(between, 2, CLOSE, second_z) and not counts_refund(between, 1, None, CLOSE)


# ---- where an invoice stands ----------------------------------------------------
def test_each_invoice_stands_where_the_chain_left_it():
    day = a_day()
    assert [standing(inv) for inv in day.invoices] == [
        SETTLED_BTC, SETTLED_BTC, AWAITING, LOST, PAID_LATE_BTC, REFUND_OWED_BTC, REFUND_OWED_BTC, UNPAID, UNPAID,
        SETTLED_BTC, SETTLED_BTC]


def test_a_payment_seen_again_after_it_was_lost_and_then_settled_is_settled():
    inv = lost(1)
    back = seen(inv, Payment(txid(1), inv.amount_sat, height=100), minutes=3)
    assert standing(back) == SETTLED_BTC


# ---- the report --------------------------------------------------------------------
def test_sales_count_each_sale_once_and_each_tender_it_used():
    r = report()
    # Bitcoin alone: invoices 1, 2, 3 (awaiting), 4 (lost: the goods left), 10; the split's invoice 11.
    assert r.tenders["bitcoin"] == Tally(6, 250_00 + 2150_00 + 590_00 + 520_00 + 4500_00 + 1150_00)
    assert r.tenders["cash"] == Tally(2, 1500_00 + 2000_00)
    assert r.tenders["card"] == Tally(1, 4500_00)
    assert r.sales == Tally(8, 8010_00 + 1500_00 + 4500_00 + 3150_00)


def test_vat_rows_add_the_lines_and_each_sales_own_vat():
    r = report()
    assert [row.rate_bp for row in r.vat] == [0, 1000, 1600]
    assert sum(row.sales_tiyn for row in r.vat) == r.sales.tiyn
    zero, reduced, standard = r.vat
    assert (zero.sales_tiyn, zero.vat_tiyn) == (9000_00, 0)  # the book, by card and by Bitcoin
    assert reduced.sales_tiyn == 700_00 + 350_00 - 6_86  # paracetamol, less its share of the cash sale's discount
    assert reduced.vat_tiyn == 63_64 + 31_19  # each sale's VAT at 10%, as it was computed for that sale
    assert (reduced.refunds_tiyn, standard.refunds_tiyn) == (343_14, 1156_86)  # the cash sale refunded


def test_discounts_refunds_and_net():
    r = report()
    assert r.discounts == Tally(1, 30_00)
    assert r.refunds["cash"] == Tally(1, 1500_00) and r.refunds["bitcoin"] == Tally()
    assert r.refunds_requested == Tally(1, 4500_00, 11_250)  # the book's refund, not paid yet
    assert r.net_tiyn == r.sales.tiyn - 1500_00  # money paid back without a sale lowers no takings


def test_cash_expected_is_the_float_plus_cash_sales_less_cash_refunds_and_z_shows_the_difference():
    x = report()
    assert x.cash.expected_tiyn == 10_000_00 + 3500_00 - 1500_00
    assert x.cash.counted_tiyn is None and x.cash.difference_tiyn is None
    z = report(Z, number=7)
    assert (z.cash.counted_tiyn, z.cash.difference_tiyn, z.number) == (11_995_00, -5_00, 7)


def test_the_bitcoin_side_shows_what_is_final_and_what_is_at_risk():
    side = report().bitcoin
    assert list(side) == list(BITCOIN_SIDE)
    assert side[SETTLED_BTC] == Tally(4, 250_00 + 2150_00 + 4500_00 + 1150_00, 625 + 5375 + 11_250 + 2875)
    assert side[AWAITING] == Tally(1, 590_00, 1475)
    assert side[LOST] == Tally(1, 520_00, 0)  # nothing received any more
    assert side[PAID_LATE_BTC] == Tally(1, 280_00, 700)
    # invoice 6 (half paid, owed back) and the book's refund requested; invoice 7's is paid: refunded
    assert side[REFUND_OWED_BTC] == Tally(2, 1450_00 + 4500_00, 1812 + 11_250)
    assert side[REFUNDED] == Tally(1, 250_00, 625)


def test_x_changes_nothing_and_is_the_same_twice():
    day = a_day()
    assert report(day=day) == report(day=day)
    assert day == a_day()


def test_z_needs_the_shift_closed_and_numbers_are_not_negative():
    with pytest.raises(ReportError, match="shift 1 is open"):
        compute_report(Z, a_day().shift, invoices=(), at=CLOSE)
    with pytest.raises(ReportError, match="X or Z"):
        compute_report("Y", a_day().shift, invoices=(), at=CLOSE)
    with pytest.raises(ReportError, match="negative"):
        compute_report(X, a_day().shift, invoices=(), at=CLOSE, number=-1)


def test_a_sale_whose_invoice_is_missing_or_for_another_amount_is_named():
    day = a_day()
    split = day.sales[2]
    with pytest.raises(ReportError, match="T01-S000003: its invoice T01-000011 is not among the records"):
        compute_report(X, day.shift, invoices=day.invoices[:-1], sales=day.sales, at=CLOSE)
    wrong = replace(split, tenders=(CashTender(2000_01, 2000_01), BitcoinTender(1149_99, "T01-000011")))
    with pytest.raises(ReportError, match="1149 99 tiyn|114999 tiyn but invoice T01-000011 is for 115000"):
        compute_report(X, day.shift, invoices=day.invoices, sales=(wrong,), at=CLOSE)


def test_an_awaiting_sale_counts_as_sold_and_an_unpaid_one_does_not():
    shift = Shift(1, "T01", "", T0, 0)
    r = compute_report(X, shift, invoices=(awaiting(1), unpaid(2)), at=CLOSE)
    assert r.sales.count == 1 and r.bitcoin[AWAITING].count == 1


# ---- the paper ----------------------------------------------------------------------
@pytest.mark.parametrize("language", ["kk", "ru", "en"])
@pytest.mark.parametrize("columns", [32, 48])
def test_the_report_fits_the_roll_in_every_language(language, columns):
    settings = ReceiptSettings("Alatau Demo Grocery", "260140000017", language=language, columns=columns)
    text = build_report_slip(report(Z, number=12), settings, now=CLOSE).text()
    assert all(len(line) <= columns for line in text.splitlines())
    assert "№ 000012" in text or "No 000012" in text
    assert "11 995.00" in text and "-5.00" in text  # counted, and the difference


def test_the_english_report_reads_as_the_merchant_needs_it():
    settings = ReceiptSettings("Alatau Demo Grocery", "260140000017", language="en", columns=32)
    lines = build_report_slip(report(Z, number=12), settings, now=CLOSE).text().splitlines()
    for expected in ["Z REPORT No 000012".center(32).rstrip(), "Cash (2)                3 500.00",
                     "Total sales (8)    17 160.00 KZT", "Discounts (1)             -30.00",
                     "Cash (1)               -1 500.00", "NET                15 660.00 KZT",
                     "Expected               12 000.00", "Counted                11 995.00",
                     "Difference                 -5.00", "Refunded (1)              250.00",
                     "PAYMENT LOST (1)          520.00", "Closed       25.11.2026 20:00:00"]:
        assert expected in lines
    assert "The shift stays open" not in lines


def test_an_x_report_says_the_shift_stays_open_and_has_no_count_yet():
    settings = ReceiptSettings("Shop", "1", language="ru", columns=48)
    text = build_report_slip(report(), settings, now=CLOSE).text()
    assert "X-ОТЧЁТ" in text and "Смена не закрывается" in text and "не пересчитано" in text
    assert "X-ОТЧЁТ №" not in text  # an X report carries no number unless given one


def test_every_language_has_every_report_word():
    assert REPORT_LABELS["kk"].keys() == REPORT_LABELS["ru"].keys() == REPORT_LABELS["en"].keys()


def test_a_bitcoin_refund_at_todays_rate_keeps_its_own_rate():
    rate = make_rate(CLOSE, tiyn_per_btc=45_000_000_00)
    day = a_day()
    inv = day.invoices[0]
    back = refund(5, inv.id, "bitcoin", every_line(inv), address="bcrt1qx", amount_sat=rate.to_sats(250_00),
                  rate=rate)
    r = compute_report(X, day.shift, invoices=day.invoices, sales=day.sales, refunds=(back,), at=CLOSE)
    assert r.refunds_requested == Tally(1, 250_00, 556)
