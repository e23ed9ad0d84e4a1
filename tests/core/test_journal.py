"""The journal's entries and chain (pos.core.journal): plain Python, no store."""

from datetime import datetime, timezone

import pytest

from pos.core.journal import (
    CASHIER, GENESIS, INVOICE, MANAGER, STATE_PUT, WATCHER, Acting, BrokenChain, Draft, Head, Ledger, acting,
    check_chain, current_actor, parse_line, seal,
)

T = datetime(2026, 11, 25, 6, 0, tzinfo=timezone.utc)


def chain(count: int) -> list[bytes]:
    lines, head = [], Head()
    for seq in range(1, count + 1):
        entry = seal(seq, T, "T01", Draft(STATE_PUT, {"key": "ui.sale", "value": {"lines": [seq]}}), head.hash,
                     (("state", f"{seq:064x}"),))
        lines.append(entry.line())
        head = Head(entry.seq, entry.hash)
    return lines


def placed(lines: list[bytes]) -> list[tuple[str, bytes]]:
    return [(f"line {n}", raw) for n, raw in enumerate(lines, 1)]


def test_an_entry_is_one_canonical_line_that_reads_back_as_itself():
    entry = seal(1, T, "T02", Draft(INVOICE, {"id": "T02-000001", "note": "Қарағанды ₸"}, MANAGER), GENESIS, None)
    line = entry.line()
    assert line.endswith(b"\n") and line.count(b"\n") == 1 and b", " not in line and b": " not in line
    assert "Қарағанды ₸".encode() in line  # UTF-8 as written, not escaped
    assert parse_line(line, "here") == entry
    assert entry.id == "T02-1" and entry.prev == GENESIS and len(entry.hash) == 64


def test_a_good_chain_is_walked_to_its_head():
    lines = chain(5)
    entries = list(check_chain(placed(lines)))
    assert [e.seq for e in entries] == [1, 2, 3, 4, 5]
    assert all(b.prev == a.hash for a, b in zip(entries, entries[1:]))


@pytest.mark.parametrize("position", [0, 10, 40, 90, 150, 200, -80, -3, -2])
def test_one_changed_byte_anywhere_in_a_line_names_that_line(position):
    lines = chain(3)
    raw = bytearray(lines[1])
    raw[position] ^= 0x01
    lines[1] = bytes(raw)
    with pytest.raises(BrokenChain, match="^line 2: "):
        list(check_chain(placed(lines)))


def test_a_deleted_entry_is_named_by_the_entry_after_the_gap():
    lines = chain(4)
    del lines[1]
    with pytest.raises(BrokenChain, match="line 2: entry 3 follows entry 1: entries are missing or moved"):
        list(check_chain(placed(lines)))


def test_two_swapped_entries_are_named():
    lines = chain(4)
    lines[1], lines[2] = lines[2], lines[1]
    with pytest.raises(BrokenChain, match="line 2: entry 3 follows entry 1"):
        list(check_chain(placed(lines)))


def test_a_chain_rebuilt_after_an_edit_does_not_link_to_the_anchor():
    lines = chain(3)
    forged = seal(1, T, "T01", Draft(STATE_PUT, {"key": "ui.sale", "value": None}), GENESIS, None).line()
    with pytest.raises(BrokenChain, match="entry 2 does not link to entry 1"):
        list(check_chain(placed([forged] + lines[1:])))


def test_checking_from_the_middle_takes_the_first_entry_on_trust():
    assert [e.seq for e in check_chain(placed(chain(5)[2:]), anchor=None)] == [3, 4, 5]
    with pytest.raises(BrokenChain):
        list(check_chain(placed(chain(5)[2:])))  # from the genesis it is a gap


def test_the_ledger_keeps_the_latest_record_and_file_hash():
    ledger = Ledger()
    for entry in check_chain(placed(chain(3))):
        ledger.add(entry)
    assert ledger.count == 3 and ledger.head.seq == 3
    assert ledger.files["state"] == (f"{3:064x}", 3)
    assert ledger.records[("state", "ui.sale")][1] == 3


def test_the_actor_is_the_cashier_unless_someone_else_acts():
    assert current_actor() == CASHIER
    with acting(MANAGER):
        assert Draft(STATE_PUT, {}).actor == MANAGER
    assert Draft(STATE_PUT, {}).actor == CASHIER
    with pytest.raises(ValueError, match="unknown actor"):
        with acting("intruder"):
            pass


def test_an_acting_view_runs_every_call_as_its_actor():
    class Target:
        limit = 3

        def who(self) -> str:
            return current_actor()

    view = Acting(Target(), WATCHER)
    assert view.who() == WATCHER and view.limit == 3 and current_actor() == CASHIER
