"""A terminal runs all day: a finished sale's screens are freed, and the footer is rebuilt
only when its keys change (each rebuild costs start-up time and, in Textual, memory)."""

from __future__ import annotations

import gc
import weakref
from time import monotonic

from textual.widgets._footer import FooterKey

from pos.ui.screens.sale import SaleScreen
from tests.ui.conftest import charge, running, scan, settle


def footer_keys(pilot) -> list[FooterKey]:
    return list(pilot.app.screen.query(FooterKey))


async def freed(pilot, *refs: weakref.ref, within: float = 5.0) -> bool:
    """Whether the objects are collected within a few seconds. A cancelled asyncio timer stays in
    the loop's queue until its due time and keeps the context it was made in (Textual's active
    screen among it), so a closed screen can outlive its close by one timer interval; a leak outlives
    any wait."""
    deadline = monotonic() + within
    while True:
        gc.collect()
        if all(ref() is None for ref in refs):
            return True
        if monotonic() > deadline:
            return False
        await pilot.pause(0.1)


async def test_a_cancelled_charge_leaves_no_charge_screen_behind(english) -> None:
    async with running(english) as pilot:
        await charge(pilot, "BREAD-01")
        gone = weakref.ref(pilot.app.screen)
        qr_lines = weakref.ref(pilot.app.screen.query_one("QrView"))
        await pilot.press("f8", "y")
        await settle(pilot)
        assert isinstance(pilot.app.screen, SaleScreen)
        await scan(pilot, "MILK-01")  # the next sale goes on: the closed screen's tasks have ended
        assert await freed(pilot, gone, qr_lines)


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
