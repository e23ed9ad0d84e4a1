"""The day's events (pos.sale.day) reach headless mode as the till's do: shift_opened,
report_printed and refund_state, with the fields README's headless events list names."""

from __future__ import annotations

from pos.core.report import X, Z
from pos.sale.day import REFUND_STATE, DayEvent
from pos.ui.events import day_event
from tests.ui.conftest import make_config, make_services, running, settle


async def test_a_shift_opened_an_x_and_a_z_are_announced_and_the_days_inside_events_are_not() -> None:
    services = make_services(make_config(ui={"language": "en"}))
    events: list[tuple[str, dict]] = []
    async with running(services, events=lambda name, fields: events.append((name, fields))) as pilot:
        day = pilot.app.day
        cashier = day.add_cashier("Aigerim", "cashier", "1111")
        manager = day.add_cashier("Dana", "manager", "2222")
        day.open_shift(cashier, 500_00)
        await pilot.press(*"BREAD-01", "enter")
        await settle(pilot)
        day.cash_sale(pilot.app.cart, 1000_00)  # sale_recorded and drawer_open stay inside
        day.x_report()
        day.z_report(manager, 500_00 + pilot.app.cart.totals().total)
    day_events = [(name, fields) for name, fields in events
                  if name in ("shift_opened", "report_printed", "refund_state", "sale_recorded", "drawer_open")]
    assert day_events == [("shift_opened", {"shift": 1, "cashier": "Aigerim"}),
                          ("report_printed", {"kind": X, "number": 0}),
                          ("report_printed", {"kind": Z, "number": 1})]


def test_a_refund_state_carries_the_refund_its_sale_its_state_and_txid() -> None:
    event = DayEvent(REFUND_STATE, {"refund": "T1-R000001", "invoice": "T1-S000001", "state": "done",
                                    "txid": "ab" * 32, "other": 1})
    assert day_event(event) == {"refund": "T1-R000001", "invoice": "T1-S000001", "state": "done",
                                "txid": "ab" * 32}
