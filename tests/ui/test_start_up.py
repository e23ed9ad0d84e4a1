"""Start-up: pos.cli pauses the cyclic garbage collector until the Sale screen's first frame
(about 25 ms of a 260 ms start); the App must turn it back on, or memory would only ever grow,
and must not turn on a collector that somebody else paused."""

from __future__ import annotations

import gc

from pos.collector import pause_for_start_up
from tests.ui.conftest import running


async def test_the_collector_paused_for_start_up_runs_again_after_the_first_frame(english) -> None:
    pause_for_start_up()  # as pos.cli does before building the services
    try:
        async with running(english) as pilot:
            assert pilot.app.background_started
            assert gc.isenabled()
            assert gc.get_freeze_count() > 10_000  # start-up's modules, classes and widgets
    finally:
        gc.unfreeze()
        gc.enable()


async def test_a_running_collector_is_left_alone(english) -> None:
    frozen = gc.get_freeze_count()  # an earlier in-process start in this worker may have frozen some
    async with running(english) as pilot:
        assert pilot.app.background_started
        assert gc.isenabled() and gc.get_freeze_count() == frozen


async def test_a_collector_paused_by_someone_else_stays_paused(english) -> None:
    frozen = gc.get_freeze_count()
    gc.disable()  # Textual does so during smooth scrolling
    try:
        async with running(english) as pilot:
            assert pilot.app.background_started
            assert not gc.isenabled() and gc.get_freeze_count() == frozen
    finally:
        gc.enable()
