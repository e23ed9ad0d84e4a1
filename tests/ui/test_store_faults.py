"""The store breaking under the running terminal: sales stop, said on screen; the app stays up,
nothing is lost, and sales resume once the cause is gone.

The real app on a real file store; the disk is filled or turned read-only where the store
meets the kernel (tests/store/faults.py: tests may run as root, whom chmod does not stop).
"""

from __future__ import annotations

import shutil

import pytest

from pos.core.invoice import SETTLED
from pos.core.localtime import business_day
from pos.core.ports import StoreError
from pos.store import open_store
from pos.ui.screens.charge import ChargeScreen
from pos.ui.screens.history import HistoryScreen
from pos.ui.screens.sale import SaleScreen
from pos.ui.widgets.status_bar import StatusBar
from tests.builders import make_invoice
from tests.store.faults import DiskFault, every_file
from tests.ui.conftest import make_config, make_services, message, running, scan, settle, shown
from tests.ui.fakes import START, Clock


@pytest.fixture
def store_dir(tmp_path):
    return tmp_path / "store"


@pytest.fixture
def on_disk(store_dir):
    """English services on a file store in store_dir, opened when first asked for (closed at the end)."""
    opened = []

    def open_():
        clock = Clock()
        opened.append(open_store(store_dir, clock=clock))
        return make_services(make_config(ui={"language": "en"}), store=opened[-1], clock=clock)

    yield open_
    for store in opened:
        store.close()


@pytest.mark.parametrize("fault, cause", [("full", "No space left on device"), ("read_only", "Read-only file system")])
async def test_a_disk_that_breaks_while_selling_stops_sales_keeps_the_sale_and_they_resume(
        on_disk, store_dir, monkeypatch, fault, cause):
    services = on_disk()
    disk = DiskFault(monkeypatch, store_dir)
    async with running(services) as pilot:
        app = pilot.app
        await scan(pilot, "BREAD-01")
        before = every_file(store_dir)

        getattr(disk, fault)()
        await scan(pilot, "MILK-01")
        assert app.is_running and isinstance(app.screen, SaleScreen)
        assert message(pilot).startswith("Sales stopped: the store cannot be used (cannot write ")
        assert cause in message(pilot) and "The sale on screen is kept" in message(pilot)
        assert shown(pilot, StatusBar).startswith(" SALES STOPPED - the store cannot be used: cannot write ")
        assert [line.product.sku for line in app.cart.lines] == ["BREAD-01", "MILK-01"]  # on screen too
        assert app.screen.query_one("#cart").row_count == 2

        await pilot.press("f10")  # no invoice that could not be kept is shown to a customer
        await settle(pilot)
        assert isinstance(app.screen, SaleScreen) and "Sales stopped" in message(pilot)
        assert every_file(store_dir) == before  # nothing half-written, no invoice number used

        app.retry_store()  # the app's timer, every STORE_RETRY_SECONDS: still broken
        assert app.status.store and every_file(store_dir) == before

        disk.clear()  # space freed / remounted read-write
        app.retry_store()
        await settle(pilot)
        assert app.status.store == "" and message(pilot) == "The store works again: sales resume."
        assert not shown(pilot, StatusBar).startswith(" SALES STOPPED")
        assert [line["sku"] for line in services.store.get_state("ui.sale")["lines"]] == ["BREAD-01", "MILK-01"]
        await pilot.press("f10")
        await settle(pilot)
        assert isinstance(app.screen, ChargeScreen) and app.screen.invoice.seq == 1


async def test_a_poll_whose_findings_cannot_be_saved_stops_sales_and_is_not_an_offline_backend(
        on_disk, store_dir, monkeypatch):
    services = on_disk()
    disk = DiskFault(monkeypatch, store_dir)
    async with running(services) as pilot:
        app = pilot.app
        disk.full()
        app._poll_failed(OSError("not the store"))  # noqa: SLF001 - the chain failing: offline, as before
        assert app.status.backend.state == "offline" and not app.status.store
        app._poll_failed(StoreError("cannot write open.json: No space left on device"))  # noqa: SLF001
        assert app.status.store == "cannot write open.json: No space left on device"
        assert "Sales stopped" in message(pilot)


async def test_a_day_file_damaged_while_running_is_said_in_history_and_sales_resume_once_dealt_with(
        on_disk, store_dir):
    store = open_store(store_dir, clock=Clock())  # an earlier run today: one sale, its day file on disk
    store.next_counter("invoice")
    store.save_invoice(make_invoice(1, now=START).transition(SETTLED, "paid", START))
    store.close()
    day = business_day(START)
    day_file = store_dir / "days" / f"{day:%Y-%m}" / f"{day.isoformat()}.json"
    good_copy = day_file.read_bytes()

    async with running(on_disk()) as pilot:
        app = pilot.app
        day_file.write_bytes(b'{"invoices": {"1": {"id": "T01-0')  # damaged while the terminal runs
        await pilot.press("f9")
        await settle(pilot)
        assert app.is_running and isinstance(app.screen, HistoryScreen)
        assert f"{day_file} is damaged" in app.status.store
        assert shown(pilot, StatusBar).startswith(" SALES STOPPED - the store cannot be used: ")

        await pilot.press("escape")
        await scan(pilot, "BREAD-01")
        await pilot.press("f10")
        await settle(pilot)
        assert isinstance(app.screen, SaleScreen) and "Sales stopped" in message(pilot)

        [aside] = [p for p in store_dir.iterdir() if ".damaged-" in p.name]
        shutil.move(aside, store_dir.parent / aside.name)  # as the message says: moved out of the store,
        day_file.write_bytes(good_copy)  # and the file put back from a backup
        app.retry_store()
        await settle(pilot)
        assert app.status.store == ""
        await pilot.press("f9")
        await settle(pilot)
        assert app.screen.query_one("#history").row_count == 1
