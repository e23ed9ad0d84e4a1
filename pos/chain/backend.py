"""The chain backend: bitcoinlib's Service, read so that it never reports a payment wrongly.

Rules learnt from bitcoinlib 0.7.x, each from a wrong answer it gave on a real provider or node:
* the Service is built lazily, on the first call, because its constructor asks the network
  for the tip; failing to build it is "chain unavailable", never a crash;
* no cache (it hides unconfirmed payments) and a fresh tip on every tip_height(): Service
  keeps the tip for a while and never lets it go down, which would hide a reorg;
* payments come from the transaction list, never from getbalance(): outputs paying the
  address are summed per txid; a transaction is confirmed when it has a block height
  (> 0), and its confirmations are counted by the core from our own fresh tip, because
  provider clients disagree by one (blockstream says 0 for a transaction in the tip block);
* False, None and every exception mean "unknown": ChainUnavailable, never "nothing
  received". That includes blockstream's TypeError on an address holding a confirmed
  and an unconfirmed transaction (the top-up case), after which Service tries the next
  provider, and HTTP 429, which bitcoinlib does not back off from (the watcher does).
"""

from __future__ import annotations

import threading
from dataclasses import replace
from pathlib import Path
from typing import Any, Iterable

from pos.chain.bcl import bitcoinlib_log, describe_url, new_service, prepare_bitcoinlib
from pos.chain.bip21 import is_bech32
from pos.config import Config
from pos.core.invoice import Payment
from pos.core.ports import ChainUnavailable

#: More transactions than this at one invoice address is abnormal; refuse to guess.
MAX_TRANSACTIONS = 100
#: BIP 125: an input with a sequence below this signals opt-in replace-by-fee.
RBF_SEQUENCE_LIMIT = 0xFFFFFFFE
_MAX_REASON = 200


class BitcoinlibBackend:
    """ChainBackend on bitcoinlib. Blocking: run it off the UI's event loop."""

    def __init__(self, config: Config, data_dir: Path | None = None) -> None:
        self._config = config
        self._data_dir = data_dir
        self._service: Any = None
        self._lock = threading.Lock()

    @property
    def where(self) -> str:
        chain = self._config.chain
        if chain.backend == "public":
            return f"bitcoinlib's public providers for {chain.network}"
        return f"the {chain.backend} node at {describe_url(chain.url)}"

    def tip_height(self) -> int:
        service = self._connected()
        # Service.blockcount() would answer from memory for a while and ignore a lower tip.
        service._blockcount_update = 0
        service._blockcount = None
        height = self._call(service, "the block height", service.blockcount)
        if isinstance(height, bool) or not isinstance(height, int) or height < 0:
            raise ChainUnavailable(f"{self.where} gave no usable block height ({height!r})")
        return height

    def payments_to(self, address: str) -> tuple[Payment, ...]:
        service = self._connected()
        transactions = self._call(service, f"the transactions of {address}", service.gettransactions,
                                  address, limit=MAX_TRANSACTIONS)
        if not isinstance(transactions, list):
            raise ChainUnavailable(f"{self.where} gave no transaction list for {address} ({transactions!r})")
        if len(transactions) >= MAX_TRANSACTIONS:
            raise ChainUnavailable(f"{address} has {MAX_TRANSACTIONS} or more transactions: check it by hand")
        return payments_from_transactions(transactions, address)

    def _connected(self) -> Any:
        with self._lock:
            if self._service is None:
                try:
                    self._service = new_service(self._config, self._data_dir)
                except Exception as exc:  # ServiceError, connection errors, a bad provider entry
                    raise ChainUnavailable(f"no answer from {self.where} ({_short(exc)}; details in "
                                           f"{bitcoinlib_log()})") from None
            return self._service

    def _call(self, service: Any, what: str, method: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            result = method(*args, **kwargs)
        except Exception as exc:  # ServiceError, ClientError, requests errors, provider bugs (TypeError)
            errors = getattr(service, "errors", None) or {}
            reason = "; ".join(f"{name}: {_short(err)}" for name, err in errors.items()) or _short(exc)
            raise ChainUnavailable(f"{self.where} could not give {what}: {reason}") from None
        if result is False or result is None:
            raise ChainUnavailable(f"{self.where} gave no answer for {what}")
        return result


def payments_from_transactions(transactions: Iterable[Any], address: str) -> tuple[Payment, ...]:
    """Every transaction paying `address`, its outputs to it summed; confirmed iff it has a height.

    `transactions` are bitcoinlib Transaction objects as any provider client returns them.
    """
    wanted = _normal(address)
    payments: dict[str, Payment] = {}
    for tx in transactions:
        amount = sum(int(out.value) for out in tx.outputs if _normal(out.address or "") == wanted)
        if amount <= 0:
            continue  # it spends from the address (or pays elsewhere): not a payment to it
        height = tx.block_height if isinstance(tx.block_height, int) and tx.block_height > 0 else None
        payments[tx.txid] = Payment(tx.txid, amount, height, signals_rbf(tx))
    return tuple(sorted(payments.values(), key=lambda p: (p.height is None, p.height or 0, p.txid)))


def signals_rbf(tx: Any) -> bool:
    """BIP 125 opt-in: any input sequence below 0xfffffffe (with full RBF anything may be replaced)."""
    return any(int(inp.sequence) < RBF_SEQUENCE_LIMIT for inp in tx.inputs)


def probe_backend(config: Config) -> tuple[bool, str]:
    """For `pos check`: the tip height from the configured backend, the network and address 0/0."""
    from pos.chain.keys import KeyRefused, WatchOnlyKey

    chain = config.chain
    prepare_bitcoinlib(config)
    key_ok = True
    try:
        first = f"first receive address (0/0) {WatchOnlyKey.parse(chain.xpub, chain.network).first_address()}"
    except KeyRefused as exc:
        key_ok, first = False, f"[chain] xpub refused: {exc}"
    backend = BitcoinlibBackend(config)
    try:
        height = backend.tip_height()
    except ChainUnavailable as exc:
        return False, f"{chain.network}: {exc}; {first}"
    verify_ok, verify = _probe_second_opinion(config)
    return key_ok and verify_ok, f"{chain.network} via {backend.where}: height {height}{verify}; {first}"


def second_opinion(config: Config) -> Config | None:
    """The configuration reading the chain from [chain] verify_backend and verify_url, if set."""
    chain = config.chain
    if not chain.verify_backend:
        return None
    return replace(config, chain=replace(chain, backend=chain.verify_backend, url=chain.verify_url))


def _probe_second_opinion(config: Config) -> tuple[bool, str]:
    """The [chain] verify_backend's tip, for `pos check` ("" when there is none)."""
    verify = second_opinion(config)
    if verify is None:
        return True, ""
    second = BitcoinlibBackend(verify)
    try:
        return True, f"; second opinion {second.where}: height {second.tip_height()}"
    except ChainUnavailable as exc:
        return False, f"; second opinion: {exc}"


def _normal(address: str) -> str:
    """bech32 is case-insensitive (and may come back upper-case from a QR); base58 is not."""
    return address.lower() if is_bech32(address) else address


def _short(exc: object) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= _MAX_REASON else text[: _MAX_REASON - 3] + "..."
