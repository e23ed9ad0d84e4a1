"""The manager's rate, kept in the store with its time, and the factory choosing the source."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from pos.core.money import MoneyError
from pos.core.ports import RateUnavailable
from pos.rates import rate_source
from pos.rates.composite import CompositeRateSource
from pos.rates.manual import STATE_KEY, ManualRateSource
from pos.store import memory_store
from tests.builders import T0
from tests.conftest import config_for


def test_an_entered_rate_is_quoted_with_its_own_time():
    store = memory_store()
    entered = ManualRateSource(store).enter("45 000 000,50", T0)
    later = ManualRateSource(store).quote()  # a new source, as after a restart: it comes from the store
    assert later == entered
    assert (later.tiyn_per_btc, later.source, later.at) == (45_000_000_50, "manual", T0)


def test_no_rate_yet_says_who_enters_it():
    with pytest.raises(RateUnavailable, match="the manager enters KZT per BTC"):
        ManualRateSource(memory_store()).quote()


@pytest.mark.parametrize("text", ["", "abc", "-5", "0", "1.234"])
def test_unusable_entries_are_refused_and_the_old_rate_kept(text):
    store = memory_store()
    source = ManualRateSource(store)
    kept = source.enter("45000000", T0)
    with pytest.raises(MoneyError):
        source.enter(text, T0 + timedelta(minutes=1))
    assert source.quote() == kept


def test_a_damaged_saved_rate_asks_for_a_new_one():
    store = memory_store()
    store.put_state(STATE_KEY, {"tiyn_per_btc": "lots", "source": "manual", "at": "yesterday"})
    with pytest.raises(RateUnavailable, match="enter it again"):
        ManualRateSource(store).quote()


def test_the_factory_follows_pricing_rate_source(tmp_path):
    config = config_for(tmp_path)
    manual = replace(config, pricing=replace(config.pricing, rate_source="manual"))
    assert isinstance(rate_source(manual, memory_store()), ManualRateSource)
    assert isinstance(rate_source(config, memory_store()), CompositeRateSource)


def test_a_rate_with_thousands_of_digits_is_refused_as_a_rate_error():  # issue 14: it was a bare ValueError
    store = memory_store()
    with pytest.raises(MoneyError, match="more than 15 digits"):
        ManualRateSource(store).enter("9" * 5000, T0)
    assert store.get_state(STATE_KEY) is None
