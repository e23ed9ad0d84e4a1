"""A terminal runs all day: a finished sale's screens are freed, and the footer is rebuilt
only when its keys change (each rebuild costs start-up time and, in Textual, memory)."""

from __future__ import annotations

import gc
import weakref

from textual.widgets._footer import FooterKey

from pos.ui.screens.sale import SaleScreen
from tests.ui.conftest import charge, running, scan, settle


def footer_keys(pilot) -> list[FooterKey]:
    return list(pilot.app.screen.query(FooterKey))


async def test_a_cancelled_charge_leaves_no_charge_screen_behind(english) -> None:
    async with running(english) as pilot:
        await charge(pilot, "BREAD-01")
        gone = weakref.ref(pilot.app.screen)
        qr_lines = weakref.ref(pilot.app.screen.query_one("QrView"))
        await pilot.press("f8", "y")
        await settle(pilot)
        assert isinstance(pilot.app.screen, SaleScreen)
        await scan(pilot, "MILK-01")  # the next sale goes on: the closed screen's tasks have ended
        gc.collect()
        assert gone() is None and qr_lines() is None


async def test_the_footer_is_rebuilt_when_its_keys_change_and_only_then(english) -> None:
    async with running(english) as pilot:
        before = footer_keys(pilot)
        await scan(pilot, "BREAD-01")  # F2-F8 become usable: the keys are rebuilt
        first = footer_keys(pilot)
        assert [key.key for key in first] == ["f2", "f3", "f4", "f8", "f9", "f10", "f12"]
        assert not set(map(id, before)) & set(map(id, first))
        await scan(pilot, "MILK-01")  # same keys, same state: the same widgets stay
        pilot.app.screen.refresh_bindings()
        await settle(pilot)
        assert [id(key) for key in footer_keys(pilot)] == [id(key) for key in first]
