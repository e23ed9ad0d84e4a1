"""config.toml -> frozen, typed settings, validated once at start-up.

Each section is a frozen dataclass; its fields are the keys the file may hold, with
their types and defaults. Adding a key means adding a field (and documenting it in
config.toml). Anything wrong stops start-up with ConfigError, one message naming
the file, the section and the key. The message quotes a wrong value, shortened,
except for secrets (the key, the node URL with its password, the PIN hash, the fiscal
register's API key, login and password, the hub's URL, password and token, the database
URL), which are never echoed. Strings may not hold control characters: they reach the screen
(merchant, cashier) and the printer.
"""

from __future__ import annotations

import dataclasses
import os
import re
import tomllib
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from pos.core.codepages import CODE_PAGES
from pos.core.languages import LANGUAGES
from pos.core.money import MoneyError, parse_decimal

ENV_VAR = "POS_CONFIG"
DEFAULT_PATH = Path(__file__).with_name("config.toml")

NETWORKS = ("testnet4", "testnet", "signet", "regtest", "mainnet")
BACKENDS = ("public", "bitcoind", "bcoin", "blockbook")
PRINTER_DRIVERS = ("mock", "serial", "file")
FLOW_CONTROLS = ("none", "xonxoff", "rtscts")
RATE_SOURCES = ("manual", "composite")
FISCAL_PROVIDERS = ("none", "webkassa")
#: Webkassa's documented payment types for a check: 0 cash, 1 card, 4 mobile payment.
FISCAL_PAYMENT_TYPES = (0, 1, 4)
#: [fiscal] bitcoin_payment_type before the merchant has chosen one.
NOT_CHOSEN = -1


class ConfigError(Exception):
    """A configuration that cannot be used; the message is meant for a person."""


def _check(test: Callable[[Any], bool], must: str) -> dict:
    return {"check": test, "must": must}


def _one_of(options: tuple[object, ...]) -> dict:
    return _check(lambda v: v in options, "be one of " + ", ".join(repr(o) for o in options))


def _between(low: int, high: int) -> dict:
    return _check(lambda v: low <= v <= high, f"be between {low} and {high}")


def _percent(metadata: dict | None = None) -> dict:
    """A percentage in the file (16 or 0.5) held as basis points (1600, 50): no floats kept."""
    return {"percent": True, **(metadata or _between(0, 10_000))}


@dataclass(frozen=True)
class Terminal:
    id: str = field(default="T01", metadata=_check(
        lambda v: re.fullmatch(r"[A-Z0-9]{1,8}", v) is not None, "be 1-8 upper-case letters or digits"))
    # Terminals sharing one wallet: this terminal's slot among `slots` (see [chain] in README).
    slot: int = field(default=0, metadata=_between(0, 99))
    slots: int = field(default=1, metadata=_between(1, 100))
    cashier: str = ""
    kiosk: bool = False


@dataclass(frozen=True)
class Merchant:
    name: str = field(default="", metadata=_check(lambda v: bool(v.strip()), "not be empty"))
    bin: str = field(default="", metadata=_check(
        lambda v: re.fullmatch(r"\d{12}", v) is not None, "be the 12-digit business identification number"))
    address: str = ""
    footer: str = ""


@dataclass(frozen=True)
class Store:
    path: str = "~/.local/share/cryptocity-pos"

    @property
    def directory(self) -> Path:
        return Path(os.path.expanduser(self.path))


@dataclass(frozen=True)
class Chain:
    network: str = field(default="testnet4", metadata=_one_of(NETWORKS))
    xpub: str = field(default="", metadata=_check(lambda v: bool(v.strip()), "not be empty"))
    backend: str = field(default="public", metadata=_one_of(BACKENDS))
    url: str = ""
    allow_mainnet: bool = False
    poll_seconds: int = field(default=10, metadata=_between(1, 3600))
    request_timeout_seconds: int = field(default=10, metadata=_between(1, 120))
    gap_limit: int = field(default=20, metadata=_between(1, 10_000))
    # The invoice on the Charge screen is checked this often (one request each), besides the poll.
    fast_poll_seconds: int = field(default=1, metadata=_between(1, 60))
    # A second, independent backend ("" = none): payments count only when both agree on them.
    verify_backend: str = field(default="", metadata=_one_of(("",) + BACKENDS))
    verify_url: str = ""


@dataclass(frozen=True)
class Printer:
    driver: str = field(default="mock", metadata=_one_of(PRINTER_DRIVERS))
    port: str = "/dev/ttyUSB0"
    baudrate: int = field(default=9600, metadata=_one_of(
        (1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200)))
    bytesize: int = field(default=8, metadata=_one_of((7, 8)))
    parity: str = field(default="N", metadata=_one_of(("N", "E", "O")))
    stopbits: int = field(default=1, metadata=_one_of((1, 2)))
    flow_control: str = field(default="none", metadata=_one_of(FLOW_CONTROLS))
    write_timeout_seconds: int = field(default=5, metadata=_between(1, 120))
    device: str = "/dev/usb/lp0"
    mock_file: str = ""
    paper_mm: int = field(default=80, metadata=_one_of((58, 80)))
    code_table: int = field(default=17, metadata=_between(0, 255))
    codec: str = field(default="cp866", metadata=_check(
        lambda v: v in CODE_PAGES, "be the code page of code_table, e.g. 'cp866' (17) or 'kz1048' (53); "
        "one of " + ", ".join(CODE_PAGES)))
    native_qr: bool = True
    cash_drawer: bool = False
    auto_print: bool = True

    @property
    def columns(self) -> int:
        return 32 if self.paper_mm == 58 else 48


@dataclass(frozen=True)
class Payment:
    expiry_minutes: int = field(default=15, metadata=_between(1, 24 * 60))
    confirmations: int = field(default=1, metadata=_between(0, 100))
    monitoring_hours: int = field(default=24, metadata=_between(1, 24 * 30))
    zero_conf_max_sat: int = field(default=0, metadata=_between(0, 100_000_000))
    underpay_tolerance_percent: int = field(default=0, metadata=_percent(_between(0, 1000)))
    handover: str = field(default="seen", metadata=_one_of(("seen", "settled")))
    handover_max_kzt: int = field(default=0, metadata=_between(0, 1_000_000_000))
    unverified_max_kzt: int = field(default=0, metadata=_between(0, 1_000_000_000))


@dataclass(frozen=True)
class ShiftSettings:
    """Closing the day (pos.sale.day, pos.sale.refunds)."""

    #: The largest refund a cashier records alone, in tenge; a larger one needs a manager's PIN.
    cashier_refund_max_kzt: int = field(default=0, metadata=_between(0, 1_000_000_000))
    #: The sat of a Bitcoin refund: at the invoice's "locked" rate (the customer gets back the sat
    #: paid) or "today"'s rate (the customer gets back the tenge paid).
    refund_rate: str = field(default="locked", metadata=_one_of(("locked", "today")))


@dataclass(frozen=True)
class Pricing:
    vat_percent: int = field(default=1600, metadata=_percent())
    vat_reduced_percent: int = field(default=1000, metadata=_percent())
    rate_source: str = field(default="composite", metadata=_one_of(RATE_SOURCES))
    rate_max_age_minutes: int = field(default=10, metadata=_between(1, 24 * 60))
    btc_usd_urls: list[str] = field(default_factory=lambda: [
        "https://api.coingecko.com/api/v3/simple/price?ids=bitcoin&vs_currencies=usd",
        "https://api.kraken.com/0/public/Ticker?pair=XBTUSD",
    ])
    usd_kzt_url: str = "https://nationalbank.kz/rss/get_rates.cfm?fdate={date}"
    request_timeout_seconds: int = field(default=5, metadata=_between(1, 60))
    catalog: str = ""  # empty: the demo catalog shipped with the project

    @property
    def vat_rates_bp(self) -> dict[str, int]:
        return {"standard": self.vat_percent, "reduced": self.vat_reduced_percent, "zero": 0, "exempt": 0}


@dataclass(frozen=True)
class Ui:
    language: str = field(default="ru", metadata=_one_of(LANGUAGES))
    manager_pin_hash: str = ""
    pin_attempts: int = field(default=5, metadata=_between(1, 20))
    pin_lockout_seconds: int = field(default=300, metadata=_between(1, 86_400))


def _at_most(length: int, extra: Callable[[str], bool] = lambda v: True, must: str = "") -> dict:
    return _check(lambda v: len(v) <= length and extra(v), must or f"be at most {length} characters")


@dataclass(frozen=True)
class Fiscal:
    """The online cash register sales are registered with (off by default: slips are not fiscal).

    The secrets are left out of repr, so a configuration printed while debugging shows none.
    """

    provider: str = field(default="none", metadata=_one_of(FISCAL_PROVIDERS))
    url: str = field(default="https://devkkm.webkassa.kz", metadata=_at_most(
        200, lambda v: v == "" or re.fullmatch(r"https?://[^\s/?#]+/?", v) is not None,
        "be the provider's address, e.g. 'https://devkkm.webkassa.kz' (no path)"))
    api_key: str = field(default="", repr=False, metadata=_at_most(200))
    login: str = field(default="", repr=False, metadata=_at_most(200))
    password: str = field(default="", repr=False, metadata=_at_most(200))
    cashbox: str = field(default="", metadata=_at_most(
        32, lambda v: re.fullmatch(r"[A-Za-z0-9]*", v) is not None,
        "be the cashbox's factory number (ЗНМ), letters and digits, e.g. 'SWK00033717'"))
    bitcoin_payment_type: int = field(default=NOT_CHOSEN, metadata=_one_of(
        (NOT_CHOSEN,) + FISCAL_PAYMENT_TYPES))
    request_timeout_seconds: int = field(default=10, metadata=_between(1, 120))


_NAME = re.compile(r"[A-Za-z0-9_-]{1,64}")


def _name(what: str) -> dict:
    """A JetStream stream, bucket or consumer name: no dots or spaces (they are subject tokens)."""
    return _check(lambda v: _NAME.fullmatch(v) is not None, f"be a {what} name: 1-64 letters, digits, '-' or '_'")


@dataclass(frozen=True)
class Sync:
    """The fleet hub (NATS JetStream) this till sends its journal to and takes prices from (README, "Fleet").

    Off while `url` is empty: nothing is sent, nothing extra is imported. The back office
    reads the same section to reach the hub.
    """

    url: str = field(default="", repr=False, metadata=_at_most(
        500, lambda v: v == "" or all(re.fullmatch(r"(nats|tls)://[^\s/?#]+/?", u.strip()) for u in v.split(",")),
        "be the hub's address, e.g. 'nats://hub.shop.kz:4222' or 'tls://hub.shop.kz:4222' (several: comma "
        "separated)"))
    # Credentials: a .creds file (JWT and NKey seed, from `nsc`), or a user and password, or a token.
    credentials: str = ""
    user: str = field(default="", metadata=_at_most(200))
    password: str = field(default="", repr=False, metadata=_at_most(200))
    token: str = field(default="", repr=False, metadata=_at_most(500))
    # TLS: the CA that signed the hub's certificate (empty: the system's CAs), and this
    # till's own certificate and key when the hub asks for one (mutual TLS).
    tls_ca: str = ""
    tls_cert: str = ""
    tls_key: str = ""
    stream: str = field(default="POS_JOURNAL", metadata=_name("stream"))
    subject: str = field(default="pos.journal", metadata=_check(
        lambda v: re.fullmatch(r"[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*", v) is not None and len(v) <= 100,
        "be a subject prefix such as 'pos.journal' (letters, digits, '-', '_', dots between)"))
    catalog_bucket: str = field(default="pos_catalog", metadata=_name("key-value bucket"))
    connect_timeout_seconds: int = field(default=5, metadata=_between(1, 120))
    # Seconds between two attempts while the hub cannot be reached.
    retry_seconds: int = field(default=5, metadata=_between(1, 3600))


@dataclass(frozen=True)
class Backoffice:
    """`pos backoffice`: the hub's journal into PostgreSQL; it reaches the hub through [sync]."""

    database: str = field(default="", repr=False, metadata=_at_most(
        1000, lambda v: v == "" or re.match(r"postgres(ql)?://", v) is not None,
        "be a PostgreSQL URL, e.g. 'postgresql://pos@db.shop.kz/pos'"))
    consumer: str = field(default="backoffice", metadata=_name("consumer"))
    # Copies of the journal stream the hub keeps: 1 for one server, 3 for a three-node cluster.
    replicas: int = field(default=1, metadata=_one_of((1, 3, 5)))
    # How long the hub keeps entries (they are in PostgreSQL long before): days.
    keep_days: int = field(default=30, metadata=_between(1, 3650))
    # A re-send with the same entry id within this window is dropped by the hub itself.
    duplicate_window_minutes: int = field(default=120, metadata=_between(1, 7 * 24 * 60))
    # Seconds an entry handed to the back office may stay unacknowledged before it comes again.
    ack_wait_seconds: int = field(default=30, metadata=_between(1, 3600))


@dataclass(frozen=True)
class Config:
    terminal: Terminal
    merchant: Merchant
    store: Store
    chain: Chain
    printer: Printer
    payment: Payment
    pricing: Pricing
    ui: Ui
    fiscal: Fiscal = field(default_factory=Fiscal)
    sync: Sync = field(default_factory=Sync)
    backoffice: Backoffice = field(default_factory=Backoffice)
    shift: ShiftSettings = field(default_factory=ShiftSettings)
    source: Path = Path("config.toml")


_SECTIONS: dict[str, type] = {k: v for k, v in typing.get_type_hints(Config).items() if k != "source"}
_REQUIRED = {("merchant", "name"), ("merchant", "bin"), ("chain", "xpub")}
#: Never quoted in a message: a private key pasted by mistake, the node's password, the PIN hash.
_SECRET = {("chain", "xpub"), ("chain", "url"), ("chain", "verify_url"), ("ui", "manager_pin_hash"),
           ("fiscal", "api_key"), ("fiscal", "login"), ("fiscal", "password"),
           ("sync", "url"), ("sync", "password"), ("sync", "token"), ("backoffice", "database")}
_SHOWN_CHARACTERS = 40


def _shown(value: object, secret: bool = False) -> str:
    """A value as quoted in a message: shortened, or not at all for a secret."""
    if secret:
        return f"{_toml_type(value)} (not shown: it may be secret)"
    text = repr(value) if not isinstance(value, int) or len(str(abs(value))) <= _SHOWN_CHARACTERS \
        else f"an integer of {len(str(abs(value)))} digits"
    return text if len(text) <= _SHOWN_CHARACTERS else text[:_SHOWN_CHARACTERS - 1] + "…"


def _toml_type(value: object) -> str:
    return {bool: "true/false", int: "an integer", float: "a number", str: "a string", list: "a list",
            dict: "a table"}.get(type(value), "a value")


def _has_control(value: object) -> bool:
    texts = value if isinstance(value, list) else [value]
    return any(isinstance(t, str) and not t.isprintable() for t in texts)


_LONG_NUMBER = re.compile(r"\d[\d_]{999,}")


def _type_name(t: Any) -> str:
    return {str: "a string", int: "an integer", bool: "true or false"}.get(t, "a list of strings")


def _coerce(where: str, key_type: Any, value: Any, meta: Any, secret: bool = False) -> Any:
    shown = _shown(value, secret)
    if meta.get("percent"):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ConfigError(f"{where}: expected a number (a percentage), got {shown}")
        try:
            return parse_decimal(repr(value) if isinstance(value, float) else str(value), 2, "percentage")
        except MoneyError:
            raise ConfigError(f"{where}: {shown} must be a percentage with at most 2 decimals") from None
    if key_type is int and (isinstance(value, bool) or not isinstance(value, int)):
        raise ConfigError(f"{where}: expected {_type_name(int)}, got {shown}")
    if key_type in (str, bool) and not isinstance(value, key_type):
        raise ConfigError(f"{where}: expected {_type_name(key_type)}, got {shown}")
    if typing.get_origin(key_type) is list and not (
            isinstance(value, list) and all(isinstance(v, str) for v in value)):
        raise ConfigError(f"{where}: expected a list of strings, got {shown}")
    if _has_control(value):
        raise ConfigError(f"{where}: must not contain control characters (tabs, line breaks, escapes)")
    return value


def _section(path: Path, name: str, cls: type, raw: Any) -> Any:
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: [{name}] must be a table (section), got {raw!r}")
    hints = typing.get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls)}
    for key in raw:
        if key not in fields:
            raise ConfigError(f"{path}: [{name}] {key}: unknown key (known: {', '.join(fields)})")
    values = {}
    for key, f in fields.items():
        where = f"{path}: [{name}] {key}"
        if key not in raw:
            if (name, key) in _REQUIRED:
                raise ConfigError(f"{where}: required value missing")
            continue
        secret = (name, key) in _SECRET
        value = _coerce(where, hints[key], raw[key], f.metadata, secret)
        check = f.metadata.get("check")
        if check and not check(value):
            shown = f"{_shown(raw[key])}%" if f.metadata.get("percent") else _shown(value, secret)
            raise ConfigError(f"{where}: {shown} must {f.metadata['must']}")
        values[key] = value
    return cls(**values)


def parse_config(text: str, path: Path) -> Config:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    except ValueError:  # Python's limit on integer digits: no setting has a number that long
        line = next((n for n, row in enumerate(text.splitlines(), 1) if _LONG_NUMBER.search(row)), 0)
        raise ConfigError(f"{path}: line {line}: a number with thousands of digits; no setting is that large") \
            from None
    for name in data:
        if name not in _SECTIONS:
            raise ConfigError(f"{path}: [{name}]: unknown section (known: {', '.join(_SECTIONS)})")
    sections = {name: _section(path, name, cls, data.get(name, {})) for name, cls in _SECTIONS.items()}
    config = Config(**sections, source=path)
    if config.chain.network == "mainnet" and not config.chain.allow_mainnet:
        raise ConfigError(f"{path}: [chain] network: 'mainnet' takes real money; set [chain] allow_mainnet = true "
                          "to opt in")
    _check_verify_backend(path, config.chain)
    _check_fiscal(path, config.fiscal)
    _check_sync(path, config.sync)
    if config.terminal.slot >= config.terminal.slots:
        raise ConfigError(f"{path}: [terminal] slot: {config.terminal.slot} must be less than slots "
                          f"({config.terminal.slots})")
    return config


def _check_verify_backend(path: Path, chain: Chain) -> None:
    """The second opinion must be a backend of its own: the same one twice would agree with itself."""
    if not chain.verify_backend:
        return
    where = f"{path}: [chain] verify_backend"
    if chain.verify_backend != "public" and not chain.verify_url.strip():
        raise ConfigError(f"{where}: {chain.verify_backend!r} needs the node's address in [chain] verify_url")
    if (chain.verify_backend, chain.verify_url.strip()) == (chain.backend, chain.url.strip()) or \
            chain.verify_backend == chain.backend == "public":
        raise ConfigError(f"{where}: must name another backend than [chain] backend and url (an independent "
                          "second opinion)")


def _check_fiscal(path: Path, fiscal: Fiscal) -> None:
    """A register needs its address, credentials, cashbox, and the merchant's own answer for Bitcoin."""
    if fiscal.provider == "none":
        return
    for key in ("url", "api_key", "login", "password", "cashbox"):
        if not getattr(fiscal, key).strip():
            raise ConfigError(f"{path}: [fiscal] {key}: required when provider = {fiscal.provider!r}")
    if fiscal.bitcoin_payment_type == NOT_CHOSEN:
        raise ConfigError(
            f"{path}: [fiscal] bitcoin_payment_type: required when provider = {fiscal.provider!r}: the register "
            "has no payment type for Bitcoin, so choose 0 (cash), 1 (card) or 4 (mobile payment). This is a "
            "question for your accountant and the sandbox's regulator; the terminal does not guess")


def _check_sync(path: Path, sync: Sync) -> None:
    """A client certificate needs its key, and one way of logging in is enough."""
    if bool(sync.tls_cert) != bool(sync.tls_key):
        raise ConfigError(f"{path}: [sync] tls_cert and tls_key go together (this till's certificate and its key)")
    ways = [name for name, value in (("credentials", sync.credentials), ("user", sync.user), ("token", sync.token))
            if value]
    if len(ways) > 1:
        raise ConfigError(f"{path}: [sync] {' and '.join(ways)}: choose one way of logging in to the hub")
    if sync.password and not sync.user:
        raise ConfigError(f"{path}: [sync] password: needs [sync] user")


def config_path(cli_path: str | None, environ: typing.Mapping[str, str] = os.environ) -> Path:
    """--config wins, then $POS_CONFIG, then the embedded default."""
    if cli_path:
        return Path(cli_path)
    if environ.get(ENV_VAR):
        return Path(environ[ENV_VAR])
    return DEFAULT_PATH


def load_config(path: Path) -> Config:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: configuration file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read configuration ({exc})") from None
    return parse_config(text, Path(path))
