"""bitcoinlib, kept in the terminal's own data directory and imported only when needed.

bitcoinlib reads its settings, network definitions and provider list from BCL_DATA_DIR
once, when it is first imported, and on a first run copies its defaults there (unless
an install.log marks the directory as set up). So before any import:

* BCL_DATA_DIR points at <store dir>/bitcoinlib, never at ~/.bitcoinlib;
* config.ini turns its service cache off (the cache hides unconfirmed payments) and keeps
  the tip it fetched for an hour: the backend asks for a fresh tip itself once per poll,
  so looking up an address never costs a second request for the tip;
* networks.json is bitcoinlib's own, with Bitcoin Core's regtest base58 prefixes (0x6f,
  0xc4, WIF 0xef): bitcoinlib ships mainnet's there, so without this a regtest P2PKH or
  P2SH address would come out as 1.../3... and never match what the node reports;
* providers.json lists bitcoinlib's public providers, or only the merchant's node
  ([chain] backend and url), so a private node is never mixed with public services.

bitcoinlib refuses to import unless the locale's preferred encoding is UTF-8, although
every file it reads here is ASCII; import_bitcoinlib() lets it import under any locale.
"""

from __future__ import annotations

import contextlib
import functools
import importlib.util
import json
import locale
import logging
import os
import sys
import threading
from pathlib import Path
from typing import Any, Iterator
from urllib.parse import urlsplit

from pos.config import Chain, Config

#: Our network names -> bitcoinlib's.
BCL_NETWORKS = {"mainnet": "bitcoin", "testnet": "testnet", "testnet4": "testnet4", "signet": "signet",
                "regtest": "regtest"}

#: Bitcoin Core's regtest prefixes (chainparams.cpp), shared with testnet.
CORE_REGTEST_PREFIXES = {"prefix_address": "6F", "prefix_address_p2sh": "C4", "prefix_wif": "EF"}

_CLIENT_CLASSES = {"bitcoind": "BitcoindClient", "bcoin": "BcoinClient", "blockbook": "BlockbookClient"}

_CONFIG_INI = """\
; Written by CryptoCity POS (pos/chain/bcl.py); rewritten on every start.
[locations]
database_dir=database
[common]
service_caching_enabled=False
block_count_cache_time=3600
timeout_requests={timeout}
default_network={network}
[logs]
enable_bitcoinlib_logging=True
log_file=bitcoinlib.log
loglevel=WARNING
"""


class BitcoinlibSetupError(RuntimeError):
    """bitcoinlib cannot be set up as the terminal needs it; the message says why."""


_lock = threading.RLock()
_prepared: Path | None = None


def data_dir_for(config: Config) -> Path:
    return config.store.directory / "bitcoinlib"


def prepare_bitcoinlib(config: Config, data_dir: Path | None = None) -> Path:
    """Point bitcoinlib at `data_dir` (default <store dir>/bitcoinlib) and write its files there.

    Call it before anything imports bitcoinlib; calling it again is cheap and rewrites
    providers.json for `config` (the backend does so before building its Service).
    bitcoinlib fixes its directory at import, so once imported the first directory stays
    in use for the life of the process. Returns the directory in use.
    """
    global _prepared
    with _lock:
        imported = _imported_dir()
        if imported is not None:
            if _prepared is None:
                raise BitcoinlibSetupError(f"bitcoinlib was imported before prepare_bitcoinlib() and uses "
                                           f"{imported}; import it only through pos.chain")
            target = _prepared
        else:
            target = Path(data_dir) if data_dir is not None else data_dir_for(config)
        try:
            if imported is None:
                _write_settings(target, config.chain)
            write_providers(target, config.chain)
        except OSError as exc:
            raise BitcoinlibSetupError(f"cannot write bitcoinlib's settings in {target}: {exc}") from None
        os.environ["BCL_DATA_DIR"] = str(target)
        _prepared = target
        return target


def import_bitcoinlib() -> None:
    """Import bitcoinlib once prepare_bitcoinlib() has run; blocking (about half a second)."""
    if _imported_dir() is not None:
        return
    with _lock:
        if _imported_dir() is not None:
            return
        if _prepared is None:
            raise BitcoinlibSetupError("prepare_bitcoinlib() must run before bitcoinlib is used")
        with _utf8_preferred_encoding():
            import bitcoinlib.keys  # noqa: F401
            import bitcoinlib.services.services  # noqa: F401
        # Its own log file (in the data directory) gets everything; nothing leaks onto the screen.
        logging.getLogger("bitcoinlib").propagate = False


def new_service(config: Config, data_dir: Path | None = None) -> Any:
    """A bitcoinlib Service for the configured backend, built without a request.

    Uncached (cache_uri=''), with the configured per-request timeout, restricted to the
    merchant's node when there is one. providers.json is written and read under one lock,
    so two backends in one process (the second opinion, tests, `pos check`) never see each
    other's. Service's constructor would ask the network for the tip; ours skips that (the
    backend asks for a fresh tip itself), so no request ever runs under the lock: a call
    abandoned at its deadline (pos.chain.guard) cannot hold up another backend.
    """
    chain = config.chain
    with _lock:
        prepare_bitcoinlib(config, data_dir)
        import_bitcoinlib()
        providers = None if chain.backend == "public" else [chain.backend]
        return _quiet_service_class()(network=BCL_NETWORKS[chain.network], providers=providers, cache_uri="",
                                      timeout=chain.request_timeout_seconds)


@functools.cache
def _quiet_service_class() -> type:
    """bitcoinlib's Service whose constructor does not ask for the tip (clients ask when they need it)."""
    from bitcoinlib.services.services import Service

    class QuietService(Service):
        _built = False

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._built = True

        def blockcount(self) -> Any:
            return super().blockcount() if self._built else None

    return QuietService


def bitcoinlib_log() -> Path | None:
    """bitcoinlib's own log file (provider errors in detail), once prepared."""
    return _prepared / "bitcoinlib.log" if _prepared is not None else None


def write_providers(target: Path, chain: Chain) -> None:
    """providers.json for the configured backend, replaced atomically (Service reads it on creation)."""
    if chain.backend == "public":
        providers = json.loads(_package_file("providers.json").read_text(encoding="utf-8"))
    else:
        providers = {f"pos.{chain.backend}.{chain.network}": {
            "provider": chain.backend, "network": BCL_NETWORKS[chain.network],
            "client_class": _CLIENT_CLASSES[chain.backend], "provider_coin_id": "", "url": node_url(chain),
            "api_key": "", "priority": 10, "denominator": 100_000_000, "network_overrides": None,
            "timeout": chain.request_timeout_seconds,
        }}
    _write_atomically(target / "providers.json", json.dumps(providers, indent=1))


def node_url(chain: Chain) -> str:
    """The node's URL as bitcoinlib's clients join paths onto it (bcoin and blockbook need a final /)."""
    url = chain.url.strip()
    if chain.backend in ("bcoin", "blockbook") and not url.endswith("/"):
        url += "/"
    return url


def describe_url(url: str) -> str:
    """host:port of a node URL, without the credentials it may carry."""
    parts = urlsplit(url)
    return f"{parts.hostname}:{parts.port}" if parts.port else str(parts.hostname or url.split("@")[-1])


def _private_dir(directory: Path) -> None:
    """The directory and its missing parents, owner only (0700): providers.json holds the node's password."""
    missing = []
    while not directory.is_dir():
        missing.append(directory)
        directory = directory.parent
    for path in reversed(missing):
        path.mkdir(mode=0o700, exist_ok=True)


def _write_settings(target: Path, chain: Chain) -> None:
    _private_dir(target)
    os.chmod(target, 0o700)  # one made by an older version was 0755
    _write_atomically(target / "config.ini", _CONFIG_INI.format(
        timeout=chain.request_timeout_seconds, network=BCL_NETWORKS[chain.network]))
    networks = json.loads(_package_file("networks.json").read_text(encoding="utf-8"))
    networks["regtest"].update(CORE_REGTEST_PREFIXES)
    _write_atomically(target / "networks.json", json.dumps(networks, indent=1))
    # bitcoinlib copies its defaults over these files on import unless this marker exists.
    _write_atomically(target / "install.log", "Set up by CryptoCity POS (pos/chain/bcl.py).\n")


def _imported_dir() -> Path | None:
    config = sys.modules.get("bitcoinlib.config.config")
    return Path(config.BCL_DATA_DIR) if config is not None else None


def _package_file(name: str) -> Path:
    """A data file of the installed bitcoinlib, found without importing it."""
    spec = importlib.util.find_spec("bitcoinlib")
    if spec is None or not spec.submodule_search_locations:
        raise BitcoinlibSetupError("bitcoinlib is not installed (pip install -e .)")
    return Path(next(iter(spec.submodule_search_locations))) / "data" / name


def _write_atomically(path: Path, text: str) -> None:
    """Owner-only (0600) whatever the umask: providers.json carries the node URL's user and password."""
    _private_dir(path.parent)
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as file:
        os.fchmod(file.fileno(), 0o600)
        file.write(text)
    os.replace(tmp, path)


@contextlib.contextmanager
def _utf8_preferred_encoding() -> Iterator[None]:
    """bitcoinlib's import-time check wants a UTF-8 locale; the files it reads here are ASCII."""
    if locale.getpreferredencoding(False).lower().replace("-", "") == "utf8":
        yield
        return
    original = locale.getpreferredencoding
    locale.getpreferredencoding = lambda do_setlocale=True: "utf-8"
    try:
        yield
    finally:
        locale.getpreferredencoding = original
