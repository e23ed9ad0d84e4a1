"""The terminal's Z closes the register's shift too, after sending what is queued; the paper prints
the till's and the register's figures side by side, and flags them when they differ or when the
register's Z is not known (its answer lost: asking again answers "no open shift")."""

from __future__ import annotations

import pytest

from pos.core.fiscal import FiscalZ, ShiftReport
from pos.core.report_slip import build_report_slip
from pos.fiscal.webkassa import Webkassa
from pos.sale.fiscal_sender import FiscalSender
from tests.drivers.conftest import NOW, settings
from tests.fiscal.conftest import settings_for
from tests.fiscal.test_queue import Shop, registered, sell, shop  # noqa: F401 (the fixture)

pytestmark = pytest.mark.usefixtures("bitcoinlib_home")


def close(shop: Shop, fake) -> tuple[object, FiscalZ, str]:
    """The manager's Z on the till, then the register's; the paper's text (English, 48 columns)."""
    boss = shop.day.add_cashier("Boss", "manager", "9999")
    report = shop.day.z_report(boss, 0)
    fiscal = FiscalSender(shop.services.store, Webkassa(settings_for(fake))).close_shift()
    return report, fiscal, build_report_slip(report, settings("en"), now=NOW, fiscal=fiscal).text()


def test_the_z_sends_the_queue_first_then_both_sides_agree(shop, fake):
    ids = sell(shop, 2)
    report, fiscal, paper = close(shop, fake)
    assert registered(fake) == ids and len(fake.z_reports) == 1  # sent before the register's Z
    assert fiscal.report is not None and (fiscal.report.sales_count, fiscal.report.sales_tiyn) == \
        (report.sales.count, report.sales.tiyn)
    assert "Figures match" in paper and "FIGURES DIFFER" not in paper
    sales_row = next(line for line in paper.splitlines() if line.startswith("Sales sum"))
    assert report.sales.tiyn == 500_00 and sales_row.split()[2:] == ["500.00", "500.00"]  # till, register


def test_a_lost_z_answer_then_no_open_shift_is_flagged(shop, fake):
    sell(shop, 1)
    FiscalSender(shop.services.store, Webkassa(settings_for(fake))).send_pending()
    Webkassa(settings_for(fake)).z_report()  # the register closed its shift; the answer never came back
    _, fiscal, paper = close(shop, fake)
    assert fiscal.report is None and "closed already" in fiscal.note
    assert "FIGURES DIFFER" in paper and "closed already" in paper.replace("\n", " ")


def test_figures_that_differ_are_flagged_on_a_narrow_roll_too(shop, fake):
    sell(shop, 1)
    boss = shop.day.add_cashier("Boss", "manager", "9999")
    report = shop.day.z_report(boss, 0)
    theirs = ShiftReport("Z", 1, 1, 0, 0, 0, 0, 0, False)  # the register counted nothing
    paper = build_report_slip(report, settings("en", 32), now=NOW, fiscal=FiscalZ(theirs)).text()
    assert "FIGURES DIFFER" in paper and max(len(line) for line in paper.splitlines()) <= 32
