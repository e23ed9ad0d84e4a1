"""The journal's chain check at its edges: the canonical form's every rule, UTC times whatever
the machine's zone, and the exact words naming a line that is not as written or out of place.

Written against the survivors of mutation testing (python -m pos.bench.mutation); the chain's
behaviour as a whole is in test_journal.py.
"""

from datetime import datetime, timedelta, timezone

import pytest

from pos.core.journal import GENESIS, BrokenChain, Draft, Head, canonical, check_chain, parse_line, seal

T = datetime(2026, 11, 25, 6, 0, tzinfo=timezone.utc)


def entry(seq: int = 1, prev: str = GENESIS, at: datetime = T):
    return seal(seq, at, "T01", Draft("counter", {"name": "invoice", "value": seq}, "system"), prev, None)


def broken(lines: list[bytes], anchor: Head | None = Head()) -> str:
    with pytest.raises(BrokenChain) as caught:
        list(check_chain([(f"line {n}", raw) for n, raw in enumerate(lines, 1)], anchor))
    return str(caught.value)


def test_the_canonical_form_sorts_keys_keeps_utf8_and_has_no_spaces():
    assert canonical({"b": 1, "a": {"d": "ä ₸", "c": [1.5, None]}}) == '{"a":{"c":[1.5,null],"d":"ä ₸"},"b":1}'.encode()


def test_a_value_json_cannot_carry_exactly_is_refused():
    for value in (float("nan"), float("inf")):
        with pytest.raises(ValueError):
            canonical({"x": value})


def test_an_entry_is_sealed_in_utc_whatever_the_machine_or_the_caller_uses(almaty_machine):
    sealed = entry(at=T.astimezone(timezone(timedelta(hours=5))))
    assert sealed.time.utcoffset() == timedelta(0)
    assert b'"time":"2026-11-25T06:00:00+00:00"' in sealed.line()


def test_a_line_that_parses_but_is_not_canonical_is_named_as_changed_bytes():
    line = entry().line().replace(b'"seq":1', b'"seq": 1')
    with pytest.raises(BrokenChain) as caught:
        parse_line(line, "2026-11-25.jsonl:1")
    assert str(caught.value) == "2026-11-25.jsonl:1: entry 1 is not as written (its bytes were changed)"


def test_a_repeated_entry_is_named_as_repeated_and_a_gap_as_missing():
    first = entry()
    second = entry(2, first.hash)
    assert broken([first.line(), first.line()]) == "line 2: entry 1 follows entry 1: entries are repeated or moved"
    assert broken([first.line(), entry(3, second.hash).line()]) == (
        "line 2: entry 3 follows entry 1: entries are missing or moved")
