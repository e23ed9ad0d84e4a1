"""Events the app announces to the outside (headless scripts, test rigs), as plain dicts.

The payloads are a contract with test rigs outside the project: they read them as JSON lines.
Money is given in integer sats and as an exact decimal string of tenge, never a float.
"""

from __future__ import annotations

from typing import Callable

from pos.core.invoice import Invoice
from pos.core.money import format_kzt
from pos.core.ports import BackendStatus, PrinterStatus
from pos.sale.day import DRAWER_OPEN, REFUND_STATE, REPORT_PRINTED, SALE_RECORDED, SHIFT_OPENED, SPLIT_VOID, DayEvent

#: Receives (event name, fields). The app calls it on its event loop.
EventSink = Callable[[str, dict], None]


def ignore(name: str, fields: dict) -> None:
    """The sink of an app nobody listens to."""


def invoice_created(invoice: Invoice) -> dict:
    return {"invoice": invoice.id, "address": invoice.address, "amount_sat": invoice.amount_sat,
            "total_kzt": format_kzt(invoice.total_tiyn, symbol="").replace(" ", ""),
            "total_tiyn": invoice.total_tiyn, "uri": invoice.uri}


def payment_state(invoice: Invoice) -> dict:
    return {"invoice": invoice.id, "state": invoice.state, "marks": sorted(invoice.marks),
            "received_sat": invoice.received_sat, "confirmations": invoice.confirmations}


def handed_over(invoice: Invoice) -> dict:
    """The till released the customer: the full amount was seen (or settled, per policy)."""
    return {"invoice": invoice.id, "state": invoice.state, "confirmations": invoice.confirmations,
            "received_sat": invoice.received_sat}


def backend_state(status: BackendStatus) -> dict:
    return {"state": status.state, "height": status.height}


def printer_state(status: PrinterStatus) -> dict:
    return {"state": status.state, "problems": list(status.problems)}


#: The day's events headless mode announces, with the fields each may carry (pos.sale.day); only these
#: go out, as JSON: sale_recorded's record (the TenderedSale) stays inside the terminal.
DAY_EVENTS: dict[str, tuple[str, ...]] = {
    SHIFT_OPENED: ("shift", "cashier"),
    REPORT_PRINTED: ("kind", "number"),
    REFUND_STATE: ("refund", "invoice", "state", "txid"),
    SALE_RECORDED: ("sale", "total_tiyn", "change_tiyn"),
    DRAWER_OPEN: ("reason", "sale", "invoice", "refund"),  # the record it opens for: one of the three
    SPLIT_VOID: ("sale", "invoice", "cash_tiyn"),
}


def day_event(event: DayEvent) -> dict | None:
    """The fields of a day's event announced outside (those it carries), or None for one kept inside
    the terminal."""
    keys = DAY_EVENTS.get(event.name)
    if keys is None:
        return None
    return {key: event.data[key] for key in keys if key in event.data}
