"""Manager screen behind the PIN: wrong PINs and lockout, rate entry, printer, language switch."""

from __future__ import annotations

from dataclasses import replace

from pos.pin import hash_pin
from pos.sale.pin_guard import PIN_STATE
from pos.ui.dialogs.pin import PinDialog
from pos.ui.screens.manager import ManagerScreen
from pos.ui.screens.sale import SaleScreen
from tests.ui.conftest import make_config, make_services, message, running, scan, settle


async def open_manager(pilot, pin: str = "1234") -> None:
    await pilot.press("f12")
    assert isinstance(pilot.app.screen, PinDialog)
    await pilot.press(*pin, "enter")
    await settle(pilot)


async def test_the_manager_screen_needs_the_pin(english) -> None:
    async with running(english) as pilot:
        await pilot.press("f12", "escape")
        assert isinstance(pilot.app.screen, SaleScreen)
        await open_manager(pilot)
        assert isinstance(pilot.app.screen, ManagerScreen)
        await pilot.press("escape")
        assert isinstance(pilot.app.screen, SaleScreen)


async def test_wrong_pins_count_down_then_lock_even_the_right_pin_until_the_time_passes() -> None:
    config = make_config(ui={"language": "en", "manager_pin_hash": hash_pin("2468"), "pin_attempts": 3,
                             "pin_lockout_seconds": 120})
    services = make_services(config)
    async with running(services) as pilot:
        await pilot.press("f12", *"1234", "enter")
        assert message(pilot) == "Wrong PIN: 2 attempts left"
        await pilot.press(*"0000", "enter")
        assert message(pilot) == "Wrong PIN: 1 attempts left"
        await pilot.press(*"9999", "enter")
        assert message(pilot) == "Too many wrong PINs: locked for 120 s"
        await pilot.press(*"2468", "enter")
        assert isinstance(pilot.app.screen, PinDialog)
        assert message(pilot) == "Too many wrong PINs: locked for 120 s"
        await pilot.press("escape")
    async with running(services) as pilot:  # a restart does not hand out new guesses
        await pilot.press("f12")
        assert message(pilot) == "Too many wrong PINs: locked for 120 s"
        services.clock.advance(seconds=121)
        await pilot.press(*"2468", "enter")
        await settle(pilot)
        assert isinstance(pilot.app.screen, ManagerScreen)
        assert services.store.get_state(PIN_STATE) is None


async def test_manual_rate_entry_refuses_junk_and_is_used_for_the_next_invoice(english) -> None:
    async with running(english) as pilot:
        await open_manager(pilot)
        await pilot.press("f2", *"lots", "enter")
        assert message(pilot) == '"lots" is not a rate: type tenge per bitcoin, e.g. 45000000'
        await pilot.press(*"-5", "enter")
        assert message(pilot).startswith('"-5" is not a rate')
        await pilot.press(*"50000000", "enter")
        await settle(pilot)
        assert message(pilot) == "Manual rate set: 50 000 000.00 ₸ per BTC"
        assert english.checkout.rate.tiyn_per_btc == 5_000_000_000
        assert "50 000 000.00 ₸ per BTC, manual" in str(pilot.app.screen.query_one("#rate-info").render())


async def test_printer_test_shows_the_printer_state(english) -> None:
    async with running(english) as pilot:
        await open_manager(pilot)
        english.printer.fail("paper_end")
        await pilot.press("f4")
        await settle(pilot)
        assert message(pilot).startswith("Printer: PRINTER!")
        assert pilot.app.status.printer.state == "problem"


async def test_language_switches_every_screen_at_once_and_is_remembered(services) -> None:
    async with running(services) as pilot:  # config language: Russian
        await scan(pilot, "BREAD-01")
        await open_manager(pilot)
        assert "Менеджер" in str(pilot.app.screen.query_one("#manager-title").render())
        await pilot.press("f5")  # ru -> en
        await settle(pilot)
        assert str(pilot.app.screen.query_one("#manager-title").render()) == "Manager"
        await pilot.click("#lang-kk")
        await settle(pilot)
        assert str(pilot.app.screen.query_one("#manager-title").render()) == "Менеджер"
        await pilot.press("escape")
        await settle(pilot)
        assert "БАРЛЫҒЫ: 250.00 ₸" in str(pilot.app.screen.query_one("#totals").render())
        assert services.printing.settings.language == "kk"  # receipts follow
    services.printing.settings = replace(services.printing.settings, language="ru")  # as a restart builds it
    async with running(services) as pilot:
        assert pilot.app.language == "kk" and services.printing.settings.language == "kk"


async def test_the_backend_and_printer_lines_are_in_the_managers_language_and_warn_of_the_mock(services) -> None:
    async with running(services) as pilot:  # Russian
        await open_manager(pilot)
        backend = str(pilot.app.screen.query_one("#backend-info").render())
        printer = str(pilot.app.screen.query_one("#printer-info").render())
        assert "наблюдаем счетов: 0" in backend and "watching" not in backend
        assert "ИМИТАЦИЯ ПРИНТЕРА" in printer and "mock printer" not in printer
