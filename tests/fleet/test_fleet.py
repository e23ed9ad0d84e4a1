"""Two tills, one hub, one back office: every entry arrives once, the central figures are the tills' own."""

from __future__ import annotations

import io

from pos.cli import main
from pos.commands.export import export_rows, write_csv
from pos.fleet.figures import FLEET, day_report, figure_lines
from pos.fleet.till_sync import OFFLINE, ONLINE
from tests.fleet.conftest import back_office, config_file, fleet_config, wait_until
from tests.ui.fakes import START

DAY = START.date()


def own_figures(till) -> list[str]:
    """The till's own X figures for the day, from its store."""
    terminal = till.services.config.terminal.id
    return figure_lines(day_report(terminal, DAY, till.store.invoices_for_day(DAY), START))


def central_figures(office, terminal: str) -> list[str]:
    invoices = office.central.invoices([DAY], terminal).get(terminal, [])
    return figure_lines(day_report(terminal, DAY, invoices, START))


def all_sent(till) -> bool:
    status = till.sync.status()
    return status.state == ONLINE and status.backlog == 0


def test_two_tills_sell_through_a_hub_outage_and_the_back_office_has_every_entry_once(make_till, hub, database,
                                                                                     tmp_path, capsys):
    one, two = make_till("T01"), make_till("T02")
    with back_office(fleet_config(hub, database, store=tmp_path / "office")) as office:
        one.start_sync(), two.start_sync()
        one.sell("BREAD-01", "MILK-01")
        two.sell("KEFIR-01")
        wait_until(lambda: all_sent(one) and all_sent(two), "both tills to send everything")

        hub.stop()
        wait_until(lambda: one.sync.status().state == OFFLINE, "the till to see the hub gone")
        one.sell("MILK-01")
        two.sell("BREAD-01", paid=False)
        two.sell("BREAD-01", "BREAD-01")
        assert one.sync.status().backlog > 0 and two.sync.status().backlog > 0  # kept, waiting
        hub.start()

        wait_until(lambda: all_sent(one) and all_sent(two), "both tills to catch up")
        for till in (one, two):
            terminal = till.services.config.terminal.id
            wait_until(lambda: office.entries(terminal) == till.store.journal_head().seq,
                       f"{terminal}'s entries in PostgreSQL")
            assert central_figures(office, terminal) == own_figures(till)
        stored = office.rows("SELECT count(*), count(DISTINCT (terminal, seq)) FROM entries")[0]
        assert stored[0] == stored[1] == one.store.journal_head().seq + two.store.journal_head().seq
        assert office.central.breaks() == []
        assert {t: s.checked_to for t, s in office.central.terminals().items()} == {
            "T01": one.store.journal_head().seq, "T02": two.store.journal_head().seq}

        path = config_file(tmp_path, hub, database)
        printed = cli(capsys, "--config", str(path), "report", "--day", str(DAY))
        for till, name in ((one, "T01"), (two, "T02")):
            block = printed[printed.index(f"terminal {name}") + 1:][:len(own_figures(till))]
            assert block == [f"  {line}" for line in own_figures(till)]
        every = one.store.invoices_for_day(DAY) + two.store.invoices_for_day(DAY)
        total = printed[printed.index("all terminals") + 1:]
        assert total == [f"  {line}" for line in figure_lines(day_report(FLEET, DAY, every, START))]
        assert total[0].startswith("  sales: 4 / ")  # three paid sales and one cancelled on T02

        cli(capsys, "--config", str(path), "export", "--from", str(DAY), "--to", str(DAY), "--out",
            str(tmp_path / "fleet.csv"))
        expected = io.StringIO(newline="")
        write_csv(export_rows(every), expected)
        assert (tmp_path / "fleet.csv").read_bytes() == b"\xef\xbb\xbf" + expected.getvalue().encode()


def cli(capsys, *args: str) -> list[str]:
    capsys.readouterr()
    status = main(["backoffice", *args])
    out, err = capsys.readouterr()
    assert status == 0, err
    return out.splitlines()
