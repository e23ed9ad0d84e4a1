"""A price list published by the back office reaches a till between sales only, is kept, and is journaled."""

from __future__ import annotations

from pos.cli import main
from pos.fleet.prices import saved_offer
from pos.sale.till import CATALOG_USED
from pos.services import DEMO_CATALOG
from tests.fleet.conftest import back_office, config_file, fleet_config, wait_until

NEW_PRICES = DEMO_CATALOG.read_text(encoding="utf-8").replace(
    "Wheat bread,pcs,250,", "Wheat bread,pcs,300,") + "HALVA-01,,Халуа,Халва,Halva,pcs,900,standard\n"


def test_a_new_price_list_reaches_the_till_between_sales_only(make_till, hub, database, tmp_path, capsys):
    till = make_till("T01")
    sale, checkout = till.services.till, till.services.checkout
    with back_office(fleet_config(hub, database, store=tmp_path / "office")) as office:
        sync = till.start_sync()
        sale.cart.add("BREAD-01")  # a sale is being rung up
        prices = tmp_path / "prices.csv"
        prices.write_text(NEW_PRICES, encoding="utf-8")
        assert main(["backoffice", "--config", str(config_file(tmp_path, hub, database)), "publish-catalog",
                     str(prices)]) == 0
        label = capsys.readouterr().out.split()[2]
        wait_until(lambda: sync.offered == label, "the till to receive the new price list")

        assert sync.hand_over_catalog(sale) is None  # not in the middle of the sale
        assert checkout.catalog.lookup("BREAD-01").price_tiyn == 25000 and checkout.catalog.lookup("HALVA-01") is None
        sale.cart.clear()
        first = till.sell("BREAD-01")
        assert first.total_tiyn == 25000  # rung up at the old price

        assert sync.hand_over_catalog(sale).version.label == label  # between sales
        assert checkout.catalog.lookup("HALVA-01") is not None
        second = till.sell("BREAD-01", "HALVA-01")
        assert second.total_tiyn == 30000 + 90000
        assert saved_offer(till.store).version.label == label  # kept for a start while the hub is down

        head = till.store.journal_head().seq
        wait_until(lambda: office.entries("T01") >= head, "the sale's entries in PostgreSQL")
        used = office.rows("SELECT data FROM entries WHERE terminal = 'T01' AND kind = %s", CATALOG_USED)
        assert [row[0] for row in used] == [{"invoice": second.id, "catalog": label}]
