"""The refund slip: what went back, in which tenders, and a Bitcoin refund's request as a QR."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from pos.core.receipt import QR, ReceiptSettings
from pos.core.refund import Baseline
from pos.core.refund_slip import REFUND_LABELS, build_refund_slip
from tests.builders import make_rate
from tests.core.shift_day import a_day, every_line, refund

URI = "BITCOIN:BCRT1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KYGT080?amount=0.00005556"
ADDRESS = "bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080"


def split_refund():
    """The day's split sale (cash and Bitcoin) going back: its first line in cash (done), the other
    requested in Bitcoin, its address checked (the request may be paid)."""
    sale = a_day().sales[2]
    lines = every_line(sale)
    cash = refund(1, sale.id, "cash", lines[:1], state="done", done_at=sale.at + timedelta(hours=3))
    rate = make_rate(sale.at, tiyn_per_btc=45_000_000_00)
    rest = refund(2, sale.id, "bitcoin", lines[1:], address=ADDRESS, rate=rate,
                  amount_sat=rate.to_sats(sum(l.amount_tiyn for l in lines[1:])))
    return sale, [cash, rest.with_baseline(Baseline(200, ()))]


@pytest.mark.parametrize("language", ["kk", "ru", "en"])
@pytest.mark.parametrize("columns", [32, 48])
def test_the_slip_fits_the_roll_and_carries_the_request_still_to_pay(language, columns):
    sale, refunds = split_refund()
    settings = ReceiptSettings("Alatau Demo Grocery", "260140000017", language=language, columns=columns)
    slip = build_refund_slip(refunds, settings, now=sale.at + timedelta(hours=2), sale=sale,
                             uris={refunds[1].id: URI})
    text = slip.text()
    assert all(len(line) <= columns for line in text.splitlines() if not line.startswith("[QR] "))  # a code, not text
    assert [b.payload for b in slip.blocks if isinstance(b, QR)] == [URI]
    assert refunds[0].id in text and refunds[1].id in text and sale.id in text
    assert REFUND_LABELS[language]["waiting"] in text


def test_a_request_whose_address_is_not_checked_yet_carries_no_qr():
    sale, refunds = split_refund()
    unchecked = [refunds[0], replace(refunds[1], baseline=None)]
    slip = build_refund_slip(unchecked, ReceiptSettings("Shop", "1", language="en", columns=48),
                             now=sale.at + timedelta(hours=2), sale=sale, uris={refunds[1].id: URI})
    assert not any(isinstance(b, QR) for b in slip.blocks)  # a payment before the check would count


def test_the_english_slip_reads_line_by_line_and_tender_by_tender():
    sale, refunds = split_refund()
    settings = ReceiptSettings("Shop", "1", language="en", columns=48)
    paid = [refunds[0], refunds[1].done("ab" * 32, sale.at + timedelta(hours=3))]
    slip = build_refund_slip(paid, settings, now=sale.at + timedelta(hours=3), sale=sale, uris={paid[1].id: URI})
    lines = slip.text().splitlines()
    assert "REFUND" in lines[3] and not any(isinstance(b, QR) for b in slip.blocks)  # paid: no second request
    assert any(line.startswith("Cash") and line.endswith(f"{refunds[0].amount_tiyn // 100:,}.00".replace(",", " "))
               for line in lines)
    assert "  Status                                    paid" in lines and "ab" * 24 in lines
    total = sum(r.amount_tiyn for r in refunds)
    assert any(line.startswith("REFUNDED") and line.endswith(f"{total // 100:,}.{total % 100:02d} KZT".replace(",", " "))
               for line in lines)


def test_every_language_has_every_refund_word():
    assert REFUND_LABELS["kk"].keys() == REFUND_LABELS["ru"].keys() == REFUND_LABELS["en"].keys()
