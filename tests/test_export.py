"""`pos export`: the accountant's rows add up to the X report of the same records, the CSV opens
in a spreadsheet as written (no formula runs), and a running terminal's store is left alone."""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from pos.cli import main
from pos.commands.export import COLUMNS, MAX_DAYS, export_rows, write_csv
from pos.config import DEFAULT_PATH
from pos.core.localtime import business_day
from pos.core.money import parse_kzt
from pos.core.report import X, compute_report
from pos.core.text import printable
from pos.store import open_store
from tests.builders import T0
from tests.core.shift_day import a_day

DAY = business_day(T0).isoformat()
HEADERS = [header for _, header, _ in COLUMNS]


def sums(rows: list[dict], kind: str, amount: str, by: str | None = None, counted_only: bool = True) -> Counter:
    """Amounts of one kind of row, added up per value of `by` (None: one total under None)."""
    total: Counter = Counter()
    for row in rows:
        if row["kind"] == kind and (row["counted"] or not counted_only):
            total[row[by] if by else None] += row[amount]
    return total


def assert_rows_add_up_to(rows: list[dict], report) -> None:
    assert sums(rows, "line", "amount_tiyn")[None] == report.sales.tiyn
    assert len({r["sale"] for r in rows if r["kind"] == "line" and r["counted"]}) == report.sales.count
    assert sums(rows, "line", "amount_tiyn", "vat_rate_bp") == {
        row.rate_bp: row.sales_tiyn for row in report.vat if row.sales_tiyn}
    assert sums(rows, "tender", "amount_tiyn", "tender") == {
        kind: tally.tiyn for kind, tally in report.tenders.items() if tally.tiyn}
    assert -sums(rows, "refund", "amount_tiyn")[None] == report.refunds_tiyn
    paid_in = sums(rows, "payment", "amount_sat", "standing")
    paid_out = sums(rows, "refund", "amount_sat", "standing", counted_only=False)
    for standing, tally in report.bitcoin.items():
        assert paid_in[standing] - paid_out[standing] == tally.sat, standing


def test_the_rows_of_a_shifts_records_add_up_to_its_x_report():
    day = a_day()
    rows = export_rows(day.invoices, day.sales, day.refunds)
    report = compute_report(X, day.shift, invoices=day.invoices, sales=day.sales, refunds=day.refunds, at=T0)
    assert_rows_add_up_to(rows, report)
    assert Counter(r["kind"] for r in rows) == {"line": 16, "tender": 9, "payment": 8, "refund": 3}
    split = [r for r in rows if r["sale"] == "T01-S000003" and r["kind"] == "tender"]
    assert [(r["tender"], r["amount_tiyn"], r["invoice"], r["state"]) for r in split] == [
        ("cash", 2000_00, None, None), ("bitcoin", 1150_00, "T01-000011", "settled")]


def test_rows_carry_who_when_and_the_chain_side():
    day = a_day()
    rows = export_rows(day.invoices, day.sales, day.refunds, language="en")
    first = rows[0]
    assert (first["kind"], first["sale"], first["invoice"], first["terminal"], first["name"]) == (
        "line", "T01-000001", "T01-000001", "T01", "Wheat bread")
    assert (first["time_almaty"], first["time_utc"]) == ("2026-11-25 11:00:00", "2026-11-25T06:00:00+00:00")
    assert (first["rate_tiyn_per_btc"], first["rate_source"], first["standing"]) == (40_000_000_00, "test", "settled")
    payment = next(r for r in rows if r["kind"] == "payment")
    assert (payment["txid"], payment["amount_sat"], payment["amount_tiyn"]) == (f"{1:064x}", 625, 250_00)
    cash = next(r for r in rows if r["kind"] == "tender" and r["tender"] == "cash")
    assert (cash["tendered_tiyn"], cash["change_tiyn"], cash["cashier"], cash["shift"]) == (2000_00, 500_00, "Aigerim", 1)
    paid_back = next(r for r in rows if r["kind"] == "refund" and r["state"] == "done" and r["tender"] == "bitcoin")
    assert (paid_back["refund_of"], paid_back["counted"], paid_back["txid"]) == ("payment", 0, f"{99:064x}")
    unpaid = [r for r in rows if r["sale"] == "T01-000008"]
    assert [(r["kind"], r["counted"], r["standing"]) for r in unpaid] == [("line", 0, "unpaid")]


def csv_of(rows: list[dict]) -> list[dict[str, str]]:
    out = io.StringIO(newline="")
    write_csv(rows, out)
    return list(csv.DictReader(io.StringIO(out.getvalue(), newline="")))


@pytest.mark.parametrize("name", ['=HYPERLINK("http://evil.example","x")', "+cmd|' /C calc'!A0", "-2+3",
                                  "@SUM(A1:A9)", "\t=1+1", "\r-1", "  =2"])
def test_a_text_cell_that_a_spreadsheet_would_run_is_shown_as_text(name):
    day = a_day()
    inv = day.invoices[0]
    evil = replace(inv, cashier=name, lines=(replace(inv.lines[0], names={"ru": name}, sku=name),))
    row = csv_of(export_rows((evil,)))[0]
    for column in ("name", "sku", "cashier"):
        assert row[column] == "'" + printable(name)


def test_refunds_stay_numbers_a_spreadsheet_adds_up():
    day = a_day()
    rows = csv_of(export_rows(day.invoices, day.sales, day.refunds))
    cash_back = next(r for r in rows if r["kind"] == "refund" and r["tender"] == "cash")
    assert cash_back["amount_kzt"] == "-1500.00" and cash_back["amount_sat"] == "0"
    line = next(r for r in rows if r["kind"] == "line")
    assert (line["amount_kzt"], line["unit_price_kzt"], line["vat_rate_bp"]) == ("250.00", "250.00", "1600")
    assert next(r for r in rows if r["kind"] == "payment")["marks"] == ""  # an empty text cell stays empty


def test_text_that_only_looks_like_a_sign_inside_is_left_as_it_is():
    day = a_day()
    inv = day.invoices[0]
    plain = replace(inv, cashier="Ann-Marie", lines=(replace(inv.lines[0], names={"ru": "Чай 1+1"}),))
    row = csv_of(export_rows((plain,)))[0]
    assert (row["cashier"], row["name"]) == ("Ann-Marie", "Чай 1+1")


# ---- the command on a store ------------------------------------------------------
def config_for(tmp_path: Path, store_dir: Path) -> Path:
    """The shipped configuration with its store in `store_dir`."""
    config = tmp_path / "pos.toml"
    text = DEFAULT_PATH.read_text(encoding="utf-8")
    config.write_text(text.replace('path = "~/.local/share/cryptocity-pos"', f'path = "{store_dir}"'), encoding="utf-8")
    return config


def stored(tmp_path: Path, invoices) -> Path:
    """A config whose store holds these invoices, written through the store's own API."""
    store = open_store(tmp_path / "store")
    for invoice in invoices:
        store.save_invoice(invoice)
    store.close()
    return config_for(tmp_path, tmp_path / "store")


@pytest.fixture
def shop(tmp_path: Path) -> Path:
    return stored(tmp_path, a_day().invoices)


def export(config: Path, *args: str) -> int:
    return main(["export", "--config", str(config), *args])


def day_report():
    day = a_day()
    return compute_report(X, day.shift, invoices=day.invoices, at=T0)


def test_a_days_csv_from_the_store_adds_up_to_the_x_report_of_the_days_invoices(shop, tmp_path, capsys):
    out = tmp_path / "day.csv"
    assert export(shop, "--from", DAY, "--to", DAY, "--out", str(out)) == 0
    assert f"in {out}" in capsys.readouterr().err
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf" + ",".join(HEADERS).encode() + b"\r\n")  # BOM, then the header
    cells = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    rows = [{h: (parse_kzt(v) if h.endswith("_kzt") and v else int(v) if v and key_is_int(h) else v)
             for h, v in row.items()} for row in cells]
    for row in rows:
        row["amount_tiyn"], row["counted"] = row.pop("amount_kzt") or 0, int(row["counted"])
    assert_rows_add_up_to(rows, day_report())
    assert any("Хлеб пшеничный" == row["name"] for row in rows)  # Cyrillic intact: the config's language


def key_is_int(header: str) -> bool:
    return dict((h, kind) for _, h, kind in COLUMNS)[header] == "int"


def test_json_carries_integer_tiyn_and_sat_for_the_same_sums(shop, capfdbinary):
    assert export(shop, "--from", DAY, "--to", DAY, "--format", "json") == 0
    data = json.loads(capfdbinary.readouterr().out.decode("utf-8"))
    assert (data["from"], data["to"]) == (DAY, DAY)
    assert_rows_add_up_to(data["rows"], day_report())


def test_csv_on_standard_output_is_the_same_bytes_as_in_a_file(shop, tmp_path, capfdbinary):
    out = tmp_path / "day.csv"
    assert export(shop, "--from", DAY, "--to", DAY, "--out", str(out)) == 0
    capfdbinary.readouterr()
    assert export(shop, "--from", DAY, "--to", DAY) == 0
    assert capfdbinary.readouterr().out == out.read_bytes()


def test_days_outside_the_range_are_left_out(shop, capfdbinary):
    after = (business_day(T0) + timedelta(days=1)).isoformat()
    assert export(shop, "--from", after, "--to", after, "--format", "json") == 0
    assert json.loads(capfdbinary.readouterr().out)["rows"] == []


def test_a_running_terminal_keeps_its_store_and_the_export_reads_it_without_a_byte_changed(shop, tmp_path,
                                                                                          capfdbinary):
    store_dir = tmp_path / "store"
    assert export(shop, "--from", DAY, "--to", DAY) == 0
    stopped = capfdbinary.readouterr().out
    running = open_store(store_dir)
    try:
        before = store_bytes(store_dir)
        assert export(shop, "--from", DAY, "--to", DAY) == 0
        assert capfdbinary.readouterr().out == stopped
        assert store_bytes(store_dir) == before
        running.save_invoice(replace(a_day().invoices[0], cashier="still writing"))  # the terminal goes on
    finally:
        running.close()


def test_no_store_is_said_and_none_is_created(tmp_path, capsys):
    missing = tmp_path / "nowhere"
    assert export(config_for(tmp_path, missing), "--from", DAY, "--to", DAY) == 2
    assert f"no store at {missing}" in capsys.readouterr().err
    assert not missing.exists()


@pytest.mark.parametrize("first, last, message", [
    ("2026-11-25", "2026-11-24", "before --from"),
    ("2025-01-01", "2026-11-25", f"at most {MAX_DAYS} days"),
])
def test_a_period_backwards_or_too_long_is_refused(shop, capsys, first, last, message):
    assert export(shop, "--from", first, "--to", last) == 2
    assert message in capsys.readouterr().err


def test_a_date_not_written_yyyy_mm_dd_is_a_usage_error(shop, capsys):
    with pytest.raises(SystemExit) as exit_:
        export(shop, "--from", "25.11.2026", "--to", DAY)
    assert exit_.value.code == 2 and "'25.11.2026' is not a date: write it as YYYY-MM-DD" in capsys.readouterr().err


def test_a_file_that_cannot_be_written_is_named(shop, tmp_path, capsys):
    out = tmp_path / "no" / "such" / "dir.csv"
    assert export(shop, "--from", DAY, "--to", DAY, "--out", str(out)) == 2
    assert f"cannot write {out}" in capsys.readouterr().err


def test_an_invoice_whose_lines_do_not_add_up_is_named_not_a_traceback(tmp_path, capsys):
    invoice = a_day().invoices[0]
    config = stored(tmp_path, [replace(invoice, total_tiyn=invoice.total_tiyn + 1)])  # hand-edited, say
    assert export(config, "--from", DAY, "--to", DAY) == 2
    assert "pos export: sale T01-000001: the lines add up to 250.00 KZT, not the total 250.01 KZT" in \
        capsys.readouterr().err


@pytest.mark.usefixtures("bitcoinlib_home")
def test_a_closed_days_export_sums_exactly_to_its_z(tmp_path, capsys):
    """A shift on a file store through the application layer: a cash sale, a card sale, a split
    (cash + Bitcoin), a Bitcoin sale refunded and its refund paid, a cash refund; then `pos export`."""
    from pos.i18n import Translator
    from pos.sale.day import Day
    from pos.sale.refunds import Refunds
    from tests.ui.conftest import make_config, make_services
    from tests.ui.fakes import START, Clock

    clock = Clock()
    services = make_services(make_config(shift={"cashier_refund_max_kzt": 100_000}), clock=clock,
                             store=open_store(tmp_path / "store", clock=clock))
    store, watcher, till = services.store, services.watcher, services.till
    day = Day(store=store, checkout=services.checkout, config=services.config, clock=clock, tr=Translator("en"))
    refunds = Refunds(day=day, store=store, config=services.config, clock=clock, rate=services.checkout.usable_rate,
                      chain=watcher.chain)
    day.follow(till)
    boss = day.add_cashier("Boss", "manager", "9999")
    day.open_shift(boss, 10_000_00)

    def cart(*codes):
        c = services.checkout.new_cart()
        for code in codes:
            c.add(code)
        return c

    cash = day.cash_sale(cart("BREAD-01", "MILK-01"), 5000_00)
    day.card_sale(cart("BOOK-01"), "A1B2C3")
    teas = cart("TEA-01", "KEFIR-01")
    split = day.charge_split(teas, day.split(teas, 1000_00, 1000_00))
    bitcoin = till.charge(cart("MED-01"))
    for invoice in (split, bitcoin):
        watcher.pay(invoice.address, invoice.amount_sat, height=watcher.tip)
    clock.advance(minutes=5)
    till.apply(till.poll())
    [paid_back] = refunds.refund_sale(store.get_invoice(bitcoin.id), address="bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080")
    refunds.poll()  # the address checked: the request may be paid
    watcher.pay(paid_back.address, paid_back.amount_sat)
    refunds.poll()
    refunds.refund_sale(cash, lines=[1])
    clock.advance(hours=8)
    z = day.z_report(boss, 10_000_00 + cash.total_tiyn)
    store.close()

    config = config_for(tmp_path, tmp_path / "store")
    today = business_day(START).isoformat()
    out = tmp_path / "day.json"
    assert export(config, "--from", today, "--to", today, "--format", "json", "--out", str(out)) == 0
    rows = json.loads(out.read_text(encoding="utf-8"))["rows"]
    assert {r["kind"] for r in rows} == {"line", "tender", "payment", "refund"}
    assert z.sales.count == 4 and z.refunds_tiyn and z.tenders["card"].tiyn == 4500_00
    assert_rows_add_up_to(rows, z)


@pytest.mark.usefixtures("bitcoinlib_home")
def test_a_bitcoin_refund_paid_the_next_day_is_in_that_days_z_and_export(tmp_path, capsys):
    """Day 1: a Bitcoin sale refunded, the request not paid at the Z; the terminal stops and the day is
    exported. Day 2: the refund is paid, then the Z and the export. Each day's export sums to its Z;
    the money went back on day 2, so day 1's export, made again later, still sums to day 1's Z."""
    from tests.ui.fakes import START, Clock

    clock, config = Clock(), config_for(tmp_path, tmp_path / "store")

    def start():
        return a_till(tmp_path / "store", clock)

    def exported(on) -> list[dict]:
        out, when = tmp_path / f"{on}.json", on.isoformat()
        assert export(config, "--from", when, "--to", when, "--format", "json", "--out", str(out)) == 0
        return json.loads(out.read_text(encoding="utf-8"))["rows"]

    services, day, refunds, boss = start()
    day.open_shift(boss, 0)
    cart = services.checkout.new_cart()
    cart.add("MED-01")
    invoice = services.till.charge(cart)
    services.watcher.pay(invoice.address, invoice.amount_sat, height=services.watcher.tip)
    services.till.apply(services.till.poll())
    [refund] = refunds.refund_sale(services.store.get_invoice(invoice.id),
                                   address="bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080")
    refunds.poll()  # the address checked: the request may be paid
    clock.advance(hours=8)
    first = day.z_report(boss, 0)
    services.store.close()
    assert first.refunds_tiyn == 0 and first.refunds_requested.count == 1
    assert_rows_add_up_to(exported(business_day(START)), first)

    clock.advance(hours=16)  # 10:00 the next day
    services, day, refunds, boss = start()
    day.open_shift(boss, 0)
    bread = services.checkout.new_cart()
    bread.add("BREAD-01")
    cash = day.cash_sale(bread, 1000_00)
    services.watcher.pay(refund.address, refund.amount_sat)
    [done] = refunds.poll()
    clock.advance(hours=8)
    second = day.z_report(boss, cash.total_tiyn)
    services.store.close()
    assert second.refunds_tiyn == refund.amount_tiyn
    rows = exported(business_day(cash.at))
    assert_rows_add_up_to(rows, second)
    assert [r["txid"] for r in rows if r["kind"] == "refund"] == [done.txid]

    again = exported(business_day(START))
    assert -sums(again, "refund", "amount_tiyn")[None] == first.refunds_tiyn == 0
    assert sums(again, "line", "amount_tiyn")[None] == first.sales.tiyn
    capsys.readouterr()


def a_till(store_dir: Path, clock):
    """The terminal started on the file store in `store_dir`: its services, day, refunds and a manager."""
    from pos.i18n import Translator
    from pos.sale.day import Day
    from pos.sale.refunds import Refunds
    from tests.ui.conftest import make_config, make_services

    services = make_services(make_config(shift={"cashier_refund_max_kzt": 100_000}), clock=clock,
                             store=open_store(store_dir, clock=clock))
    day = Day(store=services.store, checkout=services.checkout, config=services.config, clock=clock,
              tr=Translator("en"))
    day.follow(services.till)
    refunds = Refunds(day=day, store=services.store, config=services.config, clock=clock,
                      rate=services.checkout.usable_rate, chain=services.watcher.chain)
    return services, day, refunds, day.add_cashier("Boss", "manager", "9999")


def store_bytes(store_dir: Path) -> dict[Path, bytes]:
    return {p: p.read_bytes() for p in sorted(store_dir.rglob("*")) if p.is_file()}


@pytest.mark.usefixtures("bitcoinlib_home")
def test_the_terminal_sells_on_while_its_days_are_exported_and_a_closed_day_still_sums_to_its_z(tmp_path, capsys):
    """The terminal never stops: today so far is exported mid-shift, the day after its Z, and again once
    the next day's sales have begun; no export changes a byte of the store the terminal holds."""
    from tests.ui.fakes import START, Clock

    clock, store_dir = Clock(), tmp_path / "store"
    config = config_for(tmp_path, store_dir)
    services, day, _, boss = a_till(store_dir, clock)

    def exported(on) -> list[dict]:
        out, when = tmp_path / f"{on}.json", on.isoformat()
        before = store_bytes(store_dir)
        assert export(config, "--from", when, "--to", when, "--format", "json", "--out", str(out)) == 0
        assert store_bytes(store_dir) == before
        return json.loads(out.read_text(encoding="utf-8"))["rows"]

    def sell(*codes):
        cart = services.checkout.new_cart()
        for code in codes:
            cart.add(code)
        return day.cash_sale(cart, 10_000_00)

    day.open_shift(boss, 0)
    first = sell("BREAD-01", "MILK-01")
    so_far = exported(business_day(START))
    assert sums(so_far, "line", "amount_tiyn")[None] == first.total_tiyn
    second = sell("BOOK-01")
    clock.advance(hours=8)
    z = day.z_report(boss, first.total_tiyn + second.total_tiyn)
    assert z.sales.count == 2
    assert_rows_add_up_to(exported(business_day(START)), z)

    clock.advance(hours=16)  # the next morning, the same terminal still running
    day.open_shift(boss, 0)
    sell("TEA-01")
    assert_rows_add_up_to(exported(business_day(START)), z)
    services.store.close()
    capsys.readouterr()
