"""The backend on recorded provider responses served from 127.0.0.1 (bcoin, blockstream, mempool).

The requests go through bitcoinlib's real Service and provider clients; only the server is
canned. Recorded from the regtest node (bcoin_*.json) and converted to the Esplora format
that blockstream.info and mempool.space serve (esplora_*.json), so the clients' quirks show.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import pos.chain.bcl as bcl
from pos.chain.backend import BitcoinlibBackend
from pos.core.invoice import Payment
from pos.core.ports import ChainUnavailable
from tests.conftest import Recorded, RecordedServer, config_for

DATA = Path(__file__).with_name("data")
META = json.loads((DATA / "meta.json").read_text())
PAID = META["address"]  # two outputs in one confirmed tx (12 000 + 30 000), then an RBF top-up of 8 000
SPENT = META["wallet_address"]  # a coinbase, then a transaction spending it
TESTNET_PAID = META["testnet_address"]
CONFIRMED = "289baba85fefffd898e4fa72a9b47d894121c36d4d3d59392c91e3e0d1fbc4de"
TOP_UP = "d32ff0df84ddd0d53eb2d8d54508a2f5dcf3f8f93dbf846f57ae9b95236cb7ff"


def recorded(name: str) -> bytes:
    return (DATA / name).read_bytes()


def bcoin_info(height: int) -> bytes:
    info = json.loads(recorded("bcoin_info.json"))
    info["chain"]["height"] = height
    return json.dumps(info).encode()


@pytest.fixture
def bcoin(recorded_http: RecordedServer, tmp_path: Path) -> tuple[RecordedServer, BitcoinlibBackend]:
    recorded_http.add("/", bcoin_info(103))
    recorded_http.add(f"/tx/address/{PAID}", recorded("bcoin_tx_address.json"))
    recorded_http.add(f"/tx/address/{SPENT}", recorded("bcoin_tx_address_spent.json"))
    config = config_for(tmp_path, network="regtest", backend="bcoin", url=f"http://pos:key@{recorded_http.url[7:]}",
                        request_timeout_seconds=1)
    return recorded_http, BitcoinlibBackend(config)


def test_bcoin_outputs_are_summed_per_transaction_with_height_and_rbf(bcoin):
    server, backend = bcoin
    assert backend.tip_height() == 103
    assert backend.payments_to(PAID) == (
        Payment(CONFIRMED, 42_000, height=102, rbf=False),
        Payment(TOP_UP, 8_000, height=None, rbf=True),
    )


def test_a_transaction_spending_from_the_address_is_not_a_payment(bcoin):
    _, backend = bcoin
    payments = backend.payments_to(SPENT)
    assert [(p.amount_sat, p.height) for p in payments] == [(50_0000_0000, 1)]


def test_one_request_for_the_tip_and_one_per_address(bcoin):
    server, backend = bcoin
    backend.tip_height()  # building the Service asks nothing: the first request is this one
    backend.payments_to(PAID)
    backend.payments_to(SPENT)
    backend.tip_height()
    assert [r.split("?")[0] for r in server.requests] == ["/", f"/tx/address/{PAID}", f"/tx/address/{SPENT}", "/"]


def test_the_tip_is_fresh_on_every_call_even_when_it_goes_down(bcoin):
    server, backend = bcoin
    server.add("/", bcoin_info(103), bcoin_info(105), bcoin_info(104))
    assert [backend.tip_height() for _ in range(3)] == [103, 105, 104]


@pytest.mark.parametrize("answer, said", [
    (Recorded(b"not json {", content_type="text/plain"), "could not give the transactions"),
    (Recorded(b'{"error": "internal"}', status=500), "response [500]"),
    (Recorded(b"{}", status=429), "Maximum number of requests reached"),
    (Recorded(b'{"unexpected": "object"}'), "could not give the transactions"),
])
def test_garbled_or_refused_answers_are_unknown_never_nothing_received(bcoin, answer, said):
    server, backend = bcoin
    server.add(f"/tx/address/{PAID}", answer)
    with pytest.raises(ChainUnavailable) as err:
        backend.payments_to(PAID)
    assert said in str(err.value)
    assert f"the bcoin node at 127.0.0.1:{server.url.rsplit(':', 1)[1]}" in str(err.value)
    assert "pos:key" not in str(err.value)


def test_an_empty_history_is_a_real_answer(bcoin):
    server, backend = bcoin
    server.add(f"/tx/address/{PAID}", b"[]")
    assert backend.payments_to(PAID) == ()


def test_a_node_that_does_not_answer_is_unknown(tmp_path):
    config = config_for(tmp_path, network="regtest", backend="bcoin", url="http://127.0.0.1:9/",
                        request_timeout_seconds=1)
    with pytest.raises(ChainUnavailable, match=r"^the bcoin node at 127\.0\.0\.1:9 could not give the block "):
        BitcoinlibBackend(config).tip_height()


# ---- Esplora providers (blockstream.info, mempool.space), through bitcoinlib's own clients ----

def esplora(server: RecordedServer, prefix: str, tip: int, txs: list[dict]) -> None:
    server.add(f"/{prefix}/blocks/tip/height", str(tip))
    server.add(f"/{prefix}/address/{TESTNET_PAID}/txs", json.dumps(txs))
    for tx in txs:
        for n in range(len(tx["vout"])):
            server.add(f"/{prefix}/tx/{tx['txid']}/outspend/{n}", b'{"spent": false}')


@pytest.fixture
def public(monkeypatch: pytest.MonkeyPatch, recorded_http: RecordedServer, tmp_path: Path):
    """A "public" backend whose providers are the given Esplora clients, by priority."""
    def build(*providers: tuple[str, int]) -> BitcoinlibBackend:
        entries = {name: {"provider": name, "network": "testnet", "client_class": client, "url":
                          f"{recorded_http.url}/{name}/", "priority": priority, "denominator": 1}
                   for (name, priority), client in zip(providers, (CLIENTS[n] for n, _ in providers))}
        monkeypatch.setattr(bcl, "write_providers",
                            lambda target, chain: (target / "providers.json").write_text(json.dumps(entries)))
        return BitcoinlibBackend(config_for(tmp_path, network="testnet", backend="public",
                                            request_timeout_seconds=1))
    return build


CLIENTS = {"blockstream": "BlockstreamClient", "mempool": "MempoolClient"}
TXS = json.loads(recorded("esplora_address_txs.json"))  # newest first: the unconfirmed top-up, the confirmed one
CONFIRMED_ONLY = [tx for tx in TXS if tx["status"]["confirmed"]]


def test_blockstream_says_0_confirmations_in_the_tip_block_but_the_height_counts(public, recorded_http):
    esplora(recorded_http, "blockstream", 102, CONFIRMED_ONLY)
    backend = public(("blockstream", 10))
    tip = backend.tip_height()
    (payment,) = backend.payments_to(TESTNET_PAID)
    assert backend._service.gettransactions(TESTNET_PAID)[0].confirmations == 0  # the client's off-by-one
    assert (payment.txid, payment.amount_sat, payment.height) == (CONFIRMED, 42_000, 102)
    assert payment.confirmations(tip) == 1


def test_blockstream_failing_on_a_top_up_is_unknown_not_empty(public, recorded_http):
    esplora(recorded_http, "blockstream", 103, TXS)
    backend = public(("blockstream", 10))
    with pytest.raises(ChainUnavailable, match="blockstream: '<' not supported"):
        backend.payments_to(TESTNET_PAID)


def test_when_blockstream_fails_the_next_provider_answers(public, recorded_http):
    esplora(recorded_http, "blockstream", 103, TXS)
    esplora(recorded_http, "mempool", 103, TXS)
    backend = public(("blockstream", 20), ("mempool", 10))
    assert backend.payments_to(TESTNET_PAID) == (
        Payment(CONFIRMED, 42_000, height=102, rbf=False),
        Payment(TOP_UP, 8_000, height=None, rbf=True),
    )
