"""The PIN dialog with what a keyboard really sends: other alphabets, and Enter on nothing (issue 14)."""

from __future__ import annotations

from pos.pin import hash_pin
from pos.ui.dialogs.pin import PinDialog
from pos.sale.pin_guard import PIN_STATE
from pos.ui.screens.manager import ManagerScreen
from tests.ui.conftest import make_config, make_services, message, running, settle


def pin_services(**ui):
    return make_services(make_config(ui={"language": "en", "manager_pin_hash": hash_pin("2468"), "pin_attempts": 3,
                                         "pin_lockout_seconds": 120, **ui}))


async def test_a_cyrillic_letter_as_the_manager_pin_is_a_wrong_pin_not_a_crash(english) -> None:
    async with running(english) as pilot:  # the demo PIN (no hash in config) is compared as it is
        await pilot.press("f12", "ж", "enter")
        await settle(pilot)
        assert pilot.app.is_running and isinstance(pilot.app.screen, PinDialog)
        assert message(pilot) == "Wrong PIN: 4 attempts left"
        await pilot.press(*"1234", "enter")
        await settle(pilot)
        assert isinstance(pilot.app.screen, ManagerScreen)


async def test_a_cyrillic_pin_against_a_configured_hash_is_a_wrong_pin_too() -> None:
    services = pin_services()
    async with running(services) as pilot:
        await pilot.press("f12", *"жұ", "enter")
        await settle(pilot)
        assert message(pilot) == "Wrong PIN: 2 attempts left"
        await pilot.press(*"2468", "enter")
        await settle(pilot)
        assert isinstance(pilot.app.screen, ManagerScreen)


async def test_a_cyrillic_letter_at_the_kiosk_quit_pin_is_a_wrong_pin_not_a_crash(english) -> None:
    async with running(english, kiosk=True) as pilot:
        await pilot.press("ctrl+q", "я", "enter")
        await settle(pilot)
        assert pilot.app.is_running and isinstance(pilot.app.screen, PinDialog)
        assert message(pilot) == "Wrong PIN: 4 attempts left"


async def test_enter_on_an_empty_pin_is_not_a_guess() -> None:
    services = pin_services()
    async with running(services) as pilot:
        await pilot.press("f12", "enter", "enter", "enter", "enter")
        await settle(pilot)
        assert isinstance(pilot.app.screen, PinDialog) and message(pilot) == ""
        assert services.store.get_state(PIN_STATE) is None
        await pilot.press(*"1111", "enter")
        assert message(pilot) == "Wrong PIN: 2 attempts left"


async def test_the_second_lockout_in_a_row_lasts_twice_as_long() -> None:
    services = pin_services()
    async with running(services) as pilot:
        await pilot.press("f12")
        for guess in ("1111", "2222", "3333"):
            await pilot.press(*guess, "enter")
        assert message(pilot) == "Too many wrong PINs: locked for 120 s"
        services.clock.advance(seconds=121)
        for guess in ("4444", "5555", "6666"):
            await pilot.press(*guess, "enter")
        assert message(pilot) == "Too many wrong PINs: locked for 240 s"
        services.clock.advance(seconds=241)
        await pilot.press(*"2468", "enter")
        await settle(pilot)
        assert isinstance(pilot.app.screen, ManagerScreen)
        assert services.store.get_state(PIN_STATE) is None  # the right PIN starts the count again
