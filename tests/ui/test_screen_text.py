"""Switching the language (F5 on Manager) keeps the keys and the message; long messages wrap, whole."""

from pos.ui.screens.manager import ManagerScreen
from pos.ui.widgets.footer import PosFooter
from pos.ui.widgets.message_line import MessageLine
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


async def test_a_long_message_wraps_instead_of_being_cut_off_at_80_columns(english) -> None:
    text = ("Cannot charge: " + "a rate source's own long explanation of what went wrong " * 3).strip()
    async with running(english) as pilot:
        pilot.app.say(text, error=True)
        await pilot.pause()
        line = pilot.app.screen.query_one(MessageLine)
        assert line.region.height >= 3 and line.region.bottom <= 23  # above the footer, on screen
        words = " ".join(str(line.render()).split())
        assert words == text
