"""A business day's figures, per terminal and for the fleet: the X report of pos.core.report.

Shifts are not recorded at the till yet, so a terminal's day is read as one shift from the
start of its business day (Asia/Almaty), with no float: the figures are compute_report's
over the day's invoices, whether the invoices come from the till's store or are rebuilt in
the back office from the journal entries the till sent. The same function on both sides is
what makes "the central report equals the till's own" a comparison of records, not of code.
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Iterable

from pos.core.invoice import Invoice
from pos.core.localtime import almaty
from pos.core.money import format_kzt, format_sats
from pos.core.receipt import percent
from pos.core.report import BITCOIN_SIDE, X, Report, Tally, compute_report
from pos.core.shift import Shift
from pos.core.tender import TENDER_KINDS

#: The terminal id the fleet's total is reported under (no till has it: ids are upper-case letters and digits).
FLEET = "all"


def day_report(terminal: str, day: date, invoices: Iterable[Invoice], at: datetime) -> Report:
    """The day's X report of one terminal (or of the fleet: FLEET, with every terminal's invoices)."""
    start = datetime.combine(day, time(0), almaty())
    shift = Shift(number=1, terminal_id=terminal, cashier="", opened_at=start, opening_float_tiyn=0)
    return compute_report(X, shift, invoices=invoices, at=at)


def _tally(tally: Tally, sat: bool = False) -> str:
    text = f"{tally.count} / {format_kzt(tally.tiyn, 'KZT')}"
    return f"{text} / {format_sats(tally.sat)}" if sat else text


def figure_lines(report: Report) -> list[str]:
    """The report's figures as lines of text (what `pos backoffice report` prints for a terminal)."""
    lines = [f"sales: {_tally(report.sales)}"]
    lines += [f"  {kind}: {_tally(report.tenders[kind])}" for kind in TENDER_KINDS if report.tenders[kind].count]
    for row in report.vat:
        lines.append(f"  VAT {percent(row.rate_bp)}: sold {format_kzt(row.sales_tiyn, 'KZT')}, "
                     f"VAT {format_kzt(row.vat_tiyn, 'KZT')}")
    lines.append(f"discounts: {_tally(report.discounts)}")
    lines.append(f"net: {format_kzt(report.net_tiyn, 'KZT')}")
    lines += [f"bitcoin {side}: {_tally(report.bitcoin[side], sat=True)}" for side in BITCOIN_SIDE
              if report.bitcoin[side].count]
    return lines
