"""The composite rate (BTC/USD ticker x National Bank USD/KZT) against recorded answers on 127.0.0.1."""

from __future__ import annotations

import time
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest

from pos.core.ports import RateUnavailable
from pos.rates.btcusd import parse_btc_usd
from pos.rates.composite import CompositeRateSource, tiyn_per_btc
from pos.rates.nbk import UsdKzt
from tests.builders import T0
from tests.conftest import Recorded, RecordedServer

DATA = Path(__file__).with_name("data")
COINGECKO = "/api/v3/simple/price"
KRAKEN = "/0/public/Ticker"
NBK = "/rss/get_rates.cfm"


def recorded(name: str) -> bytes:
    return (DATA / name).read_bytes()


def composite(server: RecordedServer, *tickers: str, timeout: float = 2) -> CompositeRateSource:
    return CompositeRateSource([server.url + path for path in tickers], f"{server.url}{NBK}?fdate={{date}}",
                               timeout, clock=lambda: T0)


def expected_tiyn(usd_per_btc: str, kzt_per_usd: str) -> int:
    """The same product computed another way: exact decimals, rounded half up to the tiyn."""
    return int((Decimal(usd_per_btc) * Decimal(kzt_per_usd) * 100).quantize(Decimal(1), ROUND_HALF_UP))


@pytest.fixture
def server(recorded_http: RecordedServer) -> RecordedServer:
    recorded_http.add(f"{NBK}?fdate=25.11.2026", recorded("nbk_rates.xml"))
    return recorded_http


def test_coingecko_price_times_the_national_bank_rate(server):
    server.add(COINGECKO, recorded("coingecko_simple_price.json"))
    rate = composite(server, COINGECKO, KRAKEN).quote()
    assert rate.tiyn_per_btc == expected_tiyn("97321.12", "503.37")
    assert rate.at == T0  # 11:00 in Almaty: the feed was asked for that day
    assert rate.source == "127.0.0.1 x 127.0.0.1 25.11.2026"
    assert server.requests == [COINGECKO, f"{NBK}?fdate=25.11.2026"]


def test_the_second_ticker_answers_when_the_first_is_rate_limited(server):
    server.add(COINGECKO, Recorded(b'{"status":{"error_code":429}}', status=429))
    server.add(KRAKEN, recorded("kraken_ticker.json"))
    rate = composite(server, COINGECKO, KRAKEN).quote()
    assert rate.tiyn_per_btc == expected_tiyn("97318.40000", "503.37")
    assert server.requests[:2] == [COINGECKO, KRAKEN]


def test_when_every_ticker_fails_the_message_names_each_failure(server):
    server.add(COINGECKO, Recorded(b"<html>Bad gateway</html>", content_type="text/html"))
    server.add(KRAKEN, recorded("kraken_rate_limited.json"))
    with pytest.raises(RateUnavailable) as err:
        composite(server, COINGECKO, KRAKEN).quote()
    assert str(err.value) == ("no BTC/USD price: 127.0.0.1: the answer is not JSON; "
                              "127.0.0.1: EGeneral:Too many requests")


def test_json_of_another_shape_is_refused_by_name(server):
    server.add(COINGECKO, b'{"bitcoin":{"eur":91000.5}}')
    with pytest.raises(RateUnavailable, match="unrecognised answer"):
        composite(server, COINGECKO).quote()


def test_a_slow_ticker_times_out_and_the_next_one_answers(server):
    server.add(COINGECKO, Recorded(recorded("coingecko_simple_price.json"), delay=3))
    server.add(KRAKEN, recorded("kraken_ticker.json"))
    started = time.monotonic()
    rate = composite(server, COINGECKO, KRAKEN, timeout=0.5).quote()
    assert time.monotonic() - started < 2
    assert rate.tiyn_per_btc == expected_tiyn("97318.40000", "503.37")


def test_on_a_day_without_rates_the_latest_published_one_is_used(server):
    server.add(f"{NBK}?fdate=25.11.2026", recorded("nbk_no_rates.xml"))
    server.add(f"{NBK}?fdate=24.11.2026", recorded("nbk_rates.xml"))
    server.add(COINGECKO, recorded("coingecko_simple_price.json"))
    rate = composite(server, COINGECKO).quote()
    assert rate.source.endswith("24.11.2026")
    assert rate.tiyn_per_btc == expected_tiyn("97321.12", "503.37")


def test_no_usd_rate_for_a_week_is_refused(recorded_http):
    recorded_http.add(NBK, recorded("nbk_no_rates.xml"))
    recorded_http.add(COINGECKO, recorded("coingecko_simple_price.json"))
    with pytest.raises(RateUnavailable, match="no USD rate published between 18.11.2026 and 25.11.2026"):
        composite(recorded_http, COINGECKO).quote()
    assert len(recorded_http.requests) == 1 + 8


def test_a_garbled_national_bank_answer_is_refused_by_name(recorded_http):
    recorded_http.add(NBK, b"<rates><item><title>USD</title>")
    recorded_http.add(COINGECKO, recorded("coingecko_simple_price.json"))
    with pytest.raises(RateUnavailable, match=r"^127\.0\.0\.1: not the expected XML"):
        composite(recorded_http, COINGECKO).quote()


def test_the_national_bank_being_down_is_refused_by_name(recorded_http):
    recorded_http.add(COINGECKO, recorded("coingecko_simple_price.json"))
    with pytest.raises(RateUnavailable, match=r"^127\.0\.0\.1: HTTP 404"):
        composite(recorded_http, COINGECKO).quote()


def test_prices_are_read_as_decimal_text_never_floats():
    assert parse_btc_usd(b'{"bitcoin":{"usd":97321.3}}', "t") == 97321_30000000
    assert parse_btc_usd(b'{"bitcoin":{"usd":97321}}', "t") == 97321_00000000
    with pytest.raises(RateUnavailable, match="more than 8 decimal places"):
        parse_btc_usd(b'{"bitcoin":{"usd":97321.123456789}}', "t")
    with pytest.raises(RateUnavailable, match="not positive"):
        parse_btc_usd(b'{"error":[],"result":{"XXBTZUSD":{"c":["0.00000","1"]}}}', "t")


def test_the_product_rounds_half_up_to_the_tiyn_and_honours_the_quantity():
    # 1.5 USD x (1 KZT per 100 USD) = 0.015 KZT = 1.5 tiyn -> 2; 2.4 tiyn -> 2
    assert tiyn_per_btc(1_50000000, UsdKzt(1_0000, 100, T0.date(), "t")) == 2
    assert tiyn_per_btc(2_40000000, UsdKzt(1_0000, 100, T0.date(), "t")) == 2
    # 100 000 USD x (32.51 KZT per 10 USD) = 325 100 KZT
    assert tiyn_per_btc(100_000_00000000, UsdKzt(32_5100, 10, T0.date(), "t")) == 325_100_00
