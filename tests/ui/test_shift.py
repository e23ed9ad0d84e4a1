"""The Shift screen (Manager, F6): a person opens the shift with their PIN and the float, X prints
and changes nothing, a manager closes it with Z and the counted cash; each report shown and printed."""

from __future__ import annotations

import pytest
from textual.widgets._footer import FooterKey

from pos.fiscal.webkassa import Webkassa
from pos.sale.fiscal_sender import FiscalSender
from pos.ui.screens.manager import ManagerScreen
from pos.ui.screens.shift import ShiftScreen
from pos.ui.widgets.footer import PosFooter
from tests.fiscal.conftest import fake, settings_for  # noqa: F401 (the fixture)
from tests.ui.conftest import answer, make_config, make_services, message, running, settle, shown, staffed
from tests.ui.test_manager import open_manager


async def open_shift_screen(pilot) -> None:
    await open_manager(pilot)
    assert isinstance(pilot.app.screen, ManagerScreen)
    await pilot.press("f6")
    await settle(pilot)
    assert isinstance(pilot.app.screen, ShiftScreen)


async def test_open_x_and_z_through_the_shift_screen_with_each_report_on_screen_and_paper() -> None:
    services = staffed()
    async with running(services) as pilot:
        await open_shift_screen(pilot)
        assert shown(pilot, "#shift-info").startswith("No shift is open")
        await pilot.press("f2")
        await answer(pilot, "Aigerim", "1111", "5000")
        assert message(pilot) == "Shift opened by Aigerim, float 5 000.00 ₸"
        assert "Shift 1, opened by Aigerim" in shown(pilot, "#shift-info")
        assert services.store.current_shift().opening_float_tiyn == 5000_00

        await pilot.press("f3")
        await settle(pilot)
        assert message(pilot) == "Report printed"
        x_paper = services.printer.text
        assert "X REPORT" in x_paper and shown(pilot, "#report").strip() == x_paper.strip()
        assert services.store.current_shift() is not None  # X closes nothing

        services.printer.clear()
        await pilot.press("f4")
        await answer(pilot, "5000", "Dana", "2222")
        assert message(pilot) == "Report printed"
        assert services.store.current_shift() is None
        assert [z.number for z in services.store.z_reports()] == [1]
        assert "Z" in services.printer.text
        assert shown(pilot, "#shift-info").startswith("No shift is open")


async def test_a_cashier_cannot_close_with_z_and_a_wrong_pin_keeps_the_dialog_open() -> None:
    services = staffed()
    async with running(services) as pilot:
        await open_shift_screen(pilot)
        await pilot.press("f2")
        await answer(pilot, "Aigerim", "9999")
        assert message(pilot).startswith("PIN refused: Wrong PIN")
        await answer(pilot, "1111", "100")  # the wrong PIN is selected: typing replaces it
        assert services.store.current_shift() is not None
        await pilot.press("f4")
        await answer(pilot, "100", "Aigerim", "1111")
        assert isinstance(pilot.app.screen, ShiftScreen)
        assert message(pilot) == "A manager's name and PIN are needed for this"
        assert services.store.current_shift() is not None
        assert services.store.z_reports() == []


async def test_a_report_the_printer_cannot_print_is_said_and_the_z_still_closes_the_shift() -> None:
    services = staffed()
    async with running(services) as pilot:
        await open_shift_screen(pilot)
        await pilot.press("f2")
        await answer(pilot, "Aigerim", "1111", "0")
        services.printer.fail("paper_end")
        await pilot.press("f4")
        await answer(pilot, "0", "Dana", "2222")
        assert message(pilot).startswith("Report not printed:")
        assert services.store.current_shift() is None
        assert "Z" in shown(pilot, "#report") and pilot.app.status.printer.state == "problem"


@pytest.mark.parametrize("language", ["kk", "ru", "en"])
@pytest.mark.parametrize("screen", [open_manager, open_shift_screen], ids=["manager", "shift"])
async def test_the_manager_and_shift_screens_keys_fit_80_columns(screen, language) -> None:
    async with running(make_services(make_config(ui={"language": language}))) as pilot:
        await screen(pilot)
        keys = pilot.app.screen.query_one(PosFooter).query(FooterKey)
        assert keys.last().region.right <= 80


async def test_with_a_fiscal_register_the_z_closes_its_shift_too_and_prints_both_figures(fake) -> None:
    services = staffed()
    services.fiscal = FiscalSender(services.store, Webkassa(settings_for(fake)))
    fake.shift_open = True  # the register's shift, opened by the day's first fiscal receipt
    try:
        async with running(services) as pilot:
            await open_shift_screen(pilot)
            await pilot.press("f2")
            await answer(pilot, "Aigerim", "1111", "5000")
            services.printer.clear()
            await pilot.press("f4")
            await answer(pilot, "5000", "Dana", "2222")
            assert len(fake.z_reports) == 1  # the register's shift is closed with the terminal's
            assert "Figures match" in services.printer.text and "FIGURES DIFFER" not in services.printer.text
            assert message(pilot) == "Report printed"
    finally:
        services.fiscal.stop()


async def test_the_manager_adds_a_person_who_then_opens_the_shift_with_their_own_pin() -> None:
    services = staffed()
    async with running(services) as pilot:
        await open_shift_screen(pilot)
        assert "People: Aigerim (cashier), Dana (manager)" in shown(pilot, "#shift-info")
        await pilot.press("f5")
        await answer(pilot, "Bolat")
        await pilot.press("n")  # a cashier, not a manager
        await settle(pilot)
        await answer(pilot, "١٢٣٤")  # Arabic-Indic digits: not a keypad's
        assert message(pilot) == "A PIN is 4 to 12 digits"
        await answer(pilot, "3333", "3334")
        assert message(pilot) == "The two PINs differ: type the same PIN again"
        await answer(pilot, "3333")
        assert message(pilot) == "Bolat can now work the till as cashier"
        assert "Bolat (cashier)" in shown(pilot, "#shift-info")
        await pilot.press("f2")
        await answer(pilot, "Bolat", "3333", "1000")
        assert message(pilot) == "Shift opened by Bolat, float 1 000.00 ₸"
    [bolat] = [c for c in services.store.cashiers() if c.name == "Bolat"]
    assert bolat.role == "cashier" and "3333" not in bolat.pin_hash
