"""The day's events (pos.sale.day) reach headless mode as the till's do: shift_opened,
report_printed, refund_state, sale_recorded, drawer_open and split_void, with the fields README's
headless events list names."""

from __future__ import annotations

import json

from pos.core.report import X, Z
from pos.sale.day import REFUND_STATE, SPLIT_VOID, DayEvent
from pos.ui.events import day_event
from tests.ui.conftest import make_config, make_services, running, settle


async def test_a_shift_opened_a_cash_sale_its_drawer_an_x_and_a_z_are_announced() -> None:
    services = make_services(make_config(ui={"language": "en"}))
    events: list[tuple[str, dict]] = []
    async with running(services, events=lambda name, fields: events.append((name, fields))) as pilot:
        day = pilot.app.day
        cashier = day.add_cashier("Aigerim", "cashier", "1111")
        manager = day.add_cashier("Dana", "manager", "2222")
        day.open_shift(cashier, 500_00)
        await pilot.press(*"BREAD-01", "enter")
        await settle(pilot)
        sale = day.cash_sale(pilot.app.cart, 1000_00)
        day.x_report()
        day.z_report(manager, 500_00 + sale.total_tiyn)
    json.dumps(events)  # every field plain JSON: sale_recorded's record stays inside the terminal
    day_events = [(name, fields) for name, fields in events
                  if name in ("shift_opened", "report_printed", "refund_state", "sale_recorded", "drawer_open")]
    total = sale.total_tiyn
    assert day_events == [("shift_opened", {"shift": 1, "cashier": "Aigerim"}),
                          ("sale_recorded", {"sale": sale.id, "total_tiyn": total, "change_tiyn": 1000_00 - total}),
                          ("drawer_open", {"reason": "cash sale", "sale": sale.id}),
                          ("report_printed", {"kind": X, "number": 0}),
                          ("report_printed", {"kind": Z, "number": 1})]


def test_a_refund_state_carries_the_refund_its_sale_its_state_and_txid() -> None:
    event = DayEvent(REFUND_STATE, {"refund": "T1-R000001", "invoice": "T1-S000001", "state": "done",
                                    "txid": "ab" * 32, "other": 1})
    assert day_event(event) == {"refund": "T1-R000001", "invoice": "T1-S000001", "state": "done",
                                "txid": "ab" * 32}


def test_a_split_given_back_names_its_sale_its_invoice_and_the_cash():
    event = DayEvent(SPLIT_VOID, {"sale": "T01-S000002", "invoice": "T01-000007", "cash_tiyn": 2000_00})
    assert day_event(event) == {"sale": "T01-S000002", "invoice": "T01-000007", "cash_tiyn": 2000_00}
