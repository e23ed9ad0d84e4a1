"""What the screens say: keys and message kept across a language switch, long messages whole, loud warnings."""

from pos.ui.screens.manager import ManagerScreen
from pos.ui.widgets.footer import PosFooter
from pos.ui.widgets.message_line import MessageLine
from pos.ui.widgets.status_bar import StatusBar
from tests.ui.fakes import FixedKey
from tests.ui.conftest import charge, make_config, make_services, message, running, settle


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


class PublicTestKey(FixedKey):
    """Address 0/0 of the BIP39 test seed "abandon ... about" (BIP84, regtest): a key everybody holds."""

    def address(self, index: int) -> str:
        return "bcrt1q6rz28mcfaxtmd6v789l9rrlrusdprr9pz3cppk" if index == 0 else super().address(index)


def status_line(pilot) -> str:
    return str(pilot.app.screen.query_one(StatusBar).render())


async def test_the_status_bar_warns_of_the_public_test_key_and_the_mock_printer_on_every_screen(english) -> None:
    english.checkout.key = PublicTestKey
    async with running(english) as pilot:
        assert "TEST KEY!" in status_line(pilot) and "no paper (mock)" in status_line(pilot)
        await charge(pilot, "BREAD-01")
        assert "TEST KEY!" in status_line(pilot)


async def test_a_merchants_own_key_and_printer_bring_no_warning() -> None:
    services = make_services(make_config(ui={"language": "en"}, printer={"driver": "file", "device": "/dev/null"}))
    async with running(services) as pilot:
        assert "TEST KEY" not in status_line(pilot) and "mock" not in status_line(pilot)
