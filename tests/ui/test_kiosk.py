"""Kiosk mode: quitting, suspending and the command palette need the manager PIN."""

from __future__ import annotations

import pytest

from pos.ui.dialogs.pin import PinDialog
from pos.ui.screens.sale import SaleScreen
from tests.ui.conftest import make_config, make_services, running, settle


@pytest.mark.parametrize("key", ["ctrl+q", "ctrl+c", "ctrl+z", "ctrl+p"])
async def test_kiosk_keys_ask_for_the_pin_and_do_nothing_without_it(english, key: str) -> None:
    async with running(english, kiosk=True) as pilot:
        await pilot.press(key)
        assert isinstance(pilot.app.screen, PinDialog)
        await pilot.press(key)  # pressed again: still one PIN dialog
        assert sum(isinstance(s, PinDialog) for s in pilot.app.screen_stack) == 1
        await pilot.press(*"0000", "enter", "escape")
        await settle(pilot)
        assert pilot.app.is_running and isinstance(pilot.app.screen, SaleScreen)


async def test_kiosk_quits_with_the_pin(english) -> None:
    async with running(english, kiosk=True) as pilot:
        await pilot.press("ctrl+q", *"1234", "enter")
        await settle(pilot)
        assert not pilot.app.is_running


async def test_kiosk_palette_opens_with_the_pin_and_offers_only_a_quit(english) -> None:
    async with running(english, kiosk=True) as pilot:
        await pilot.press("ctrl+p", *"1234", "enter")
        await settle(pilot)
        assert type(pilot.app.screen).__name__ == "CommandPalette"
        commands = [c.title for c in pilot.app.get_system_commands(pilot.app.screen)]
        assert commands == ["Quit"]


async def test_kiosk_comes_from_the_config_too() -> None:
    services = make_services(make_config(terminal={"kiosk": True}))
    async with running(services) as pilot:
        await pilot.press("ctrl+c")
        assert isinstance(pilot.app.screen, PinDialog)


async def test_outside_kiosk_ctrl_q_quits_at_once(english) -> None:
    async with running(english) as pilot:
        await pilot.press("ctrl+q")
        await settle(pilot)
        assert not pilot.app.is_running
