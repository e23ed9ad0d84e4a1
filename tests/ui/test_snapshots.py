"""SVG snapshots of the main screens at 80x24 (fixed clock, rate and key; see conftest).

Update after an intended change: pytest tests/ui/test_snapshots.py --snapshot-update,
then look at the SVGs in tests/ui/__snapshots__ before committing them.
"""

from __future__ import annotations

from textual.widgets import Input

from pos.ui.app import PosApp
from tests.ui.conftest import SIZE, make_config, make_services, scan, settle


class SteadyApp(PosApp):
    """The terminal with a steady text cursor: a blinking one would make the snapshots flaky."""

    def on_descendant_focus(self, event) -> None:
        if isinstance(event.widget, Input):
            event.widget.cursor_blink = False


def app_in(language: str) -> PosApp:
    return SteadyApp(make_services(make_config(ui={"language": language})))


async def sell(pilot) -> None:
    await settle(pilot)
    await scan(pilot, "4870001000011", "2*MILK-01", "TEA-01")
    await pilot.press("f4", *"5%", "enter")
    await settle(pilot)


async def charge(pilot) -> None:
    await sell(pilot)
    await pilot.press("f10")
    await settle(pilot)


async def paid(pilot) -> None:
    await charge(pilot)
    services = pilot.app.services
    invoice = pilot.app.screen.invoice
    services.watcher.pay(invoice.address, invoice.amount_sat, txid="ab" * 32, height=services.watcher.tip)
    pilot.app.poll_chain()
    await settle(pilot)


def test_sale_screen_russian(snap_compare) -> None:
    assert snap_compare(app_in("ru"), terminal_size=SIZE, run_before=sell)


def test_charge_screen_kazakh(snap_compare) -> None:
    assert snap_compare(app_in("kk"), terminal_size=SIZE, run_before=charge)


def test_done_screen_english(snap_compare) -> None:
    assert snap_compare(app_in("en"), terminal_size=SIZE, run_before=paid)


def test_history_screen_russian(snap_compare) -> None:
    async def history(pilot) -> None:
        await paid(pilot)
        await pilot.press("enter", "f9")
        await settle(pilot)

    assert snap_compare(app_in("ru"), terminal_size=SIZE, run_before=history)


def test_manager_screen_english(snap_compare) -> None:
    async def manager(pilot) -> None:
        await settle(pilot)
        await pilot.press("f12", *"1234", "enter")
        await settle(pilot)

    assert snap_compare(app_in("en"), terminal_size=SIZE, run_before=manager)
