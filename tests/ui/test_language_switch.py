"""Switching the language on the Manager screen (F5) relabels it in place: keys and message stay."""

from pos.ui.screens.manager import ManagerScreen
from pos.ui.widgets.footer import PosFooter
from tests.ui.conftest import message, running, settle


async def test_f5_keeps_the_footer_keys_and_the_message_line(english) -> None:
    async with running(english) as pilot:
        await pilot.press("f12", *"1234", "enter")
        await settle(pilot)
        assert isinstance(pilot.app.screen, ManagerScreen)
        pilot.app.screen.say("Rate refresh failed: no answer")
        await pilot.press("f5")
        await settle(pilot)
        await pilot.pause()
        footer = pilot.app.screen.query_one(PosFooter)
        assert len(footer.children) >= 5
        assert message(pilot) == "Rate refresh failed: no answer"
