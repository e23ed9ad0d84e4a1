"""Damaged files are reported, kept aside byte for byte, and the store refuses to go on."""

import json
import re
import shutil
from datetime import date, timedelta

import pytest

from pos.core.invoice import SETTLED
from pos.core.ports import StoreError
from pos.store.__main__ import main as store_command
from tests.builders import T0, make_invoice

DAMAGE = {
    "empty": b"",
    "cut short": b'{"invoices": {"1": {"id": "T01-0000',
    "not UTF-8": b'{"invoices": {}}\xff\xfe',
    "not tables": b"[1, 2, 3]",
}


def fill(store):
    """A store with counters, an open invoice, a closed one and state."""
    for _ in range(5):
        store.next_counter("invoice")
    store.save_invoice(make_invoice(4))
    store.save_invoice(make_invoice(5).transition(SETTLED, "paid", T0))
    store.put_state("cart", {"lines": []})
    store.close()


def set_aside(store_dir):
    return sorted(p.name for p in store_dir.iterdir() if ".damaged-" in p.name)


@pytest.mark.parametrize("name", ["counters.json", "open.json", "state.json"])
@pytest.mark.parametrize("damage", DAMAGE)
def test_a_damaged_file_is_named_kept_aside_and_never_replaced(open_file_store, store_dir, name, damage):
    fill(open_file_store())
    (store_dir / name).write_bytes(DAMAGE[damage])

    with pytest.raises(StoreError) as refused:
        open_file_store()
    assert str(store_dir / name) in str(refused.value) and "damaged" in str(refused.value)
    assert not (store_dir / name).exists()  # not emptied, not recreated
    [aside] = set_aside(store_dir)
    assert aside.startswith(f"{name}.damaged-20")
    assert (store_dir / aside).read_bytes() == DAMAGE[damage]


def test_the_store_keeps_refusing_while_a_damaged_file_is_set_aside(open_file_store, store_dir):
    fill(open_file_store())
    (store_dir / "open.json").write_bytes(b"")
    with pytest.raises(StoreError):
        open_file_store()
    for _ in range(2):
        with pytest.raises(StoreError, match=r"damaged file set aside: open\.json\.damaged-\S+ \(was open\.json\)"
                                             r".*python -m pos\.store repair"):
            open_file_store()


def test_a_day_file_found_damaged_while_running_stops_the_store(open_file_store, store_dir):
    fill(open_file_store())
    day_file = store_dir / "days" / "2026-11" / "2026-11-25.json"
    day_file.write_bytes(b"{")
    store = open_file_store()
    with pytest.raises(StoreError, match=str(day_file)):
        store.invoices_for_day(date(2026, 11, 25))
    with pytest.raises(StoreError, match="damaged"):  # not "carry on with what is left"
        store.save_invoice(make_invoice(6))
    store.close()
    assert set_aside(store_dir)[0].startswith("days__2026-11__2026-11-25.json.damaged-")
    with pytest.raises(StoreError, match="was days/2026-11/2026-11-25.json"):
        open_file_store()


def test_a_missing_counters_file_never_restarts_the_numbers(open_file_store, store_dir):
    fill(open_file_store())
    (store_dir / "counters.json").unlink()
    with pytest.raises(StoreError, match="counters.json is missing but the store holds invoices"):
        open_file_store()


def test_counters_restored_from_an_old_backup_are_refused(open_file_store, store_dir):
    store = open_file_store()
    store.next_counter("invoice")
    store.close()
    old = (store_dir / "counters.json").read_bytes()
    fill(open_file_store())
    (store_dir / "counters.json").write_bytes(old)
    with pytest.raises(StoreError, match="'invoice' counter is at 1 but open was written when it was at 6"):
        open_file_store()


# ---- repair ----------------------------------------------------------------
def test_repair_moves_damaged_files_out_and_rebuilds_the_counters(open_file_store, store_dir, capsys):
    fill(open_file_store())
    (store_dir / "counters.json").write_bytes(b"\x00" * 100)
    with pytest.raises(StoreError):
        open_file_store()

    assert store_command(["repair", str(store_dir)]) == 0
    out = capsys.readouterr().out
    assert "moved counters.json.damaged-" in out and "counter 'invoice': - -> 5" in out
    assert set_aside(store_dir) == [] and len(list((store_dir / "damaged").iterdir())) == 1
    store = open_file_store()
    assert store.next_counter("invoice") == 6  # never one already handed out
    assert store.get_invoice("T01-000005").state == SETTLED


def test_repair_rebuilds_a_lost_index_from_the_day_files(open_file_store, store_dir, capsys):
    store = open_file_store()
    for n in range(1, 4):
        invoice = make_invoice(n, now=T0 - timedelta(days=n + 1))  # past its monitoring window
        store.save_invoice(invoice.cancel(at=T0 - timedelta(days=n + 1)))
    store.close()
    shutil.rmtree(store_dir / "index")
    store = open_file_store()
    assert store.get_invoice("T01-000002") is None
    store.close()  # repair needs the lock

    assert store_command(["repair", str(store_dir)]) == 0
    assert "index rebuilt: 3 closed invoice(s) over 3 day(s)" in capsys.readouterr().out
    assert open_file_store().get_invoice("T01-000002").state == "cancelled"


def test_repair_refuses_while_the_terminal_runs(open_file_store, store_dir, capsys):
    open_file_store()
    assert store_command(["repair", str(store_dir)]) == 1
    assert "another pos (pid" in capsys.readouterr().err


def test_repair_of_a_directory_that_is_not_there(tmp_path, capsys):
    assert store_command(["repair", str(tmp_path / "nowhere")]) == 1
    assert "no store at" in capsys.readouterr().err


def test_a_record_that_does_not_fit_is_named_with_its_file(open_file_store, store_dir):
    fill(open_file_store())
    data = json.loads((store_dir / "open.json").read_text())
    [record] = data["invoices"].values()
    del record["invoice"]["seq"]
    (store_dir / "open.json").write_text(json.dumps(data))
    with pytest.raises(StoreError, match=rf"{re.escape(str(store_dir / 'open.json'))}: invoice 'T01-000004' "
                                         r"cannot be read \(KeyError\('seq'\)\)"):
        open_file_store()


# ---- repair of a damaged open.json: the invoices being paid --------------------------------
def ids_in_open_json(store_dir) -> list[str]:
    return [record["id"] for record in json.loads((store_dir / "open.json").read_bytes())["invoices"].values()]


def open_invoices_stored(store, count: int) -> None:
    for seq in range(1, count + 1):
        assert store.next_counter("invoice") == seq
        store.save_invoice(make_invoice(seq))
    store.close()


def test_repair_puts_back_every_readable_open_invoice_and_names_those_it_cannot(open_file_store, store_dir,
                                                                                capsys):
    open_invoices_stored(open_file_store(), 4)
    raw = (store_dir / "open.json").read_bytes()
    third = raw.index(b'{"id":"T01-000003"')
    damaged = raw[:third + 40] + b"\x00\xff garbage \x00" + raw[third + 60:]  # inside the 3rd record only
    (store_dir / "open.json").write_bytes(damaged)
    with pytest.raises(StoreError):
        open_file_store()

    assert store_command(["repair", str(store_dir)]) == 0
    out = capsys.readouterr().out
    assert "open.json: 3 open invoice(s) put back from the damaged copy: T01-000001, T01-000002, T01-000004" in out
    assert "open.json: 1 invoice(s) seen in the damaged copy could NOT be read: T01-000003" in out
    assert "1 invoice number(s) handed out are in no file of the store" in out and ": T01-000003:" in out
    assert ids_in_open_json(store_dir) == ["T01-000001", "T01-000002", "T01-000004"]
    store = open_file_store()
    assert {"T01-000001", "T01-000002", "T01-000004"} <= {inv.id for inv in store.open_invoices()}
    assert store.get_invoice("T01-000004") == make_invoice(4)  # to the last field
    assert store.next_counter("invoice") == 5
    [kept] = (store_dir / "damaged").iterdir()
    assert kept.read_bytes() == damaged  # every byte kept for a person


def test_repair_of_an_open_json_cut_short_names_the_invoices_whose_ids_went_with_it(open_file_store, store_dir,
                                                                                   capsys):
    open_invoices_stored(open_file_store(), 3)
    raw = (store_dir / "open.json").read_bytes()
    (store_dir / "open.json").write_bytes(raw[:raw.index(b'{"id":"T01-000002"') + 5])  # a full disk's cut
    assert store_command(["repair", str(store_dir)]) == 0
    out = capsys.readouterr().out
    assert "open.json: 1 open invoice(s) put back from the damaged copy: T01-000001" in out
    assert "2 invoice number(s) handed out are in no file of the store" in out and "T01-000002, T01-000003" in out
    assert ids_in_open_json(store_dir) == ["T01-000001"]
