import subprocess
import sys
from pathlib import Path

import pytest

from pos.config import DEFAULT_PATH, ConfigError, config_path, load_config, parse_config

ROOT = Path(__file__).resolve().parents[2]
MINIMAL = '[merchant]\nname = "Shop"\nbin = "123456789012"\n[chain]\nxpub = "vpub..."\n'


def test_the_shipped_default_is_the_root_config_and_loads():
    assert DEFAULT_PATH.resolve() == (ROOT / "config.toml").resolve()
    config = load_config(DEFAULT_PATH)
    assert config.chain.network == "testnet4" and config.payment.expiry_minutes == 15
    assert config.pricing.vat_rates_bp["standard"] == 1600
    assert config.printer.columns == 48


def test_every_key_in_the_default_file_is_documented_by_a_comment():
    lines = (ROOT / "config.toml").read_text(encoding="utf-8").splitlines()
    for i, line in enumerate(lines):
        if "=" in line and not line.startswith(("#", " ", "]", '"')):
            above = lines[i - 1].strip()
            assert above.startswith("#") or "=" in above, f"config.toml line {i + 1} ({line}) has no comment"


def test_defaults_fill_what_a_file_leaves_out():
    config = parse_config(MINIMAL, Path("x.toml"))
    assert config.terminal.id == "T01" and config.printer.driver == "mock"


def with_keys(section: str, body: str) -> str:
    """MINIMAL plus keys in a section (inside MINIMAL's own table when it has one)."""
    header = f"[{section}]\n"
    if header in MINIMAL:
        return MINIMAL.replace(header, header + body + "\n")
    return MINIMAL + header + body + "\n"


@pytest.mark.parametrize("section, body, message", [
    ("printer", "baud = 9600", "x.toml: [printer] baud: unknown key"),
    ("printer", 'baudrate = "fast"', "x.toml: [printer] baudrate: expected an integer, got 'fast'"),
    ("printer", "baudrate = 9601", "x.toml: [printer] baudrate: 9601 must be one of"),
    ("payment", "confirmations = -1", "x.toml: [payment] confirmations: -1 must be between 0 and 100"),
    ("payment", "expiry_minutes = true", "[payment] expiry_minutes: expected an integer, got True"),
    ("payment", "unverified_max_kzt = -1", "[payment] unverified_max_kzt: -1 must be between 0 and 1000000000"),
    ("pricing", "vat_percent = 16.125", "[pricing] vat_percent: 16.125 must be a percentage with at most 2"),
    ("pricing", "vat_percent = 101", "[pricing] vat_percent: 101% must be between 0 and 10000"),
    ("pricing", 'btc_usd_urls = "http://x"', "[pricing] btc_usd_urls: expected a list of strings"),
    ("chain", 'network = "testnet5"', "[chain] network: 'testnet5' must be one of"),
    ("chain", 'network = "mainnet"', "set [chain] allow_mainnet = true"),
    ("ui", 'language = "de"', "[ui] language: 'de' must be one of"),
    ("shift", "cashier_refund_max_kzt = -1", "[shift] cashier_refund_max_kzt: -1 must be between 0 and 1000000000"),
    ("shift", 'refund_rate = "spot"', "[shift] refund_rate: 'spot' must be one of 'locked', 'today'"),
    ("terminal", 'id = "t 1"', "[terminal] id: 't 1' must be 1-8 upper-case"),
    ("terminal", "slot = 2\nslots = 2", "[terminal] slot: 2 must be less than slots"),
    ("extras", "x = 1", "x.toml: [extras]: unknown section"),
])
def test_a_wrong_key_type_or_range_gives_one_message_naming_it(section, body, message):
    with pytest.raises(ConfigError) as err:
        parse_config(with_keys(section, body), Path("x.toml"))
    assert message in str(err.value)


def test_broken_toml_is_named():
    with pytest.raises(ConfigError, match="x.toml: not valid TOML"):
        parse_config("[printer\n", Path("x.toml"))


def test_a_required_value_missing_is_named():
    with pytest.raises(ConfigError, match=r"\[merchant\] bin: required value missing"):
        parse_config('[merchant]\nname = "Shop"\n', Path("x.toml"))


def test_percentages_become_basis_points_without_floats():
    config = parse_config(MINIMAL + "[payment]\nunderpay_tolerance_percent = 0.5\n", Path("x.toml"))
    assert config.payment.underpay_tolerance_percent == 50


def test_config_path_prefers_the_flag_then_the_environment():
    assert config_path("a.toml", {"POS_CONFIG": "b.toml"}) == Path("a.toml")
    assert config_path(None, {"POS_CONFIG": "b.toml"}) == Path("b.toml")
    assert config_path(None, {}) == DEFAULT_PATH


def test_a_missing_file_is_named(tmp_path):
    with pytest.raises(ConfigError, match="configuration file not found"):
        load_config(tmp_path / "nope.toml")


def test_the_cli_prints_the_message_not_a_traceback(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text(MINIMAL + "[printer]\nbaudrate = \"fast\"\n", encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "pos", "--config", str(bad), "check"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert f"{bad}: [printer] baudrate: expected an integer, got 'fast'" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


# ---- issue 14: secrets, sizes and code pages ---------------------------------------------
TPRV = "tprv8ZgxMBicQKsPd9TeAdPADNnSyH9SSUUbTVeFszDE23Ki6TBB5nCefAdHkK8Fm3qMQR6sHwA56zqRmKmxnHk37JkiFzvncDqoKmPWubu7hDF"


@pytest.mark.parametrize("section, body", [
    ("chain", f'xpub = ["{TPRV}"]'),
    ("chain", f"xpub = {{ key = \"{TPRV}\" }}"),
    ("chain", 'url = ["http://user:s3cret-pass@127.0.0.1:18443"]'),
    ("ui", 'manager_pin_hash = ["scrypt$16384$8$1$00ff$s3cret-hash"]'),
])
def test_a_secret_of_the_wrong_type_is_named_but_never_echoed(section, body):
    text = MINIMAL.replace('xpub = "vpub..."', body) if body.startswith("xpub") else with_keys(section, body)
    with pytest.raises(ConfigError) as err:
        parse_config(text, Path("x.toml"))
    message = str(err.value)
    assert message.startswith(f"x.toml: [{section}] ") and "expected a string" in message
    assert "not shown: it may be secret" in message
    assert "tprv" not in message and "s3cret" not in message


def test_an_integer_with_thousands_of_digits_is_a_message_naming_its_line():
    text = with_keys("payment", "confirmations = " + "9" * 5000)
    with pytest.raises(ConfigError) as err:
        parse_config(text, Path("x.toml"))
    line = text.splitlines().index("confirmations = " + "9" * 5000) + 1
    assert str(err.value) == f"x.toml: line {line}: a number with thousands of digits; no setting is that large"


def test_a_long_integer_out_of_range_is_not_echoed_whole():
    with pytest.raises(ConfigError) as err:
        parse_config(with_keys("payment", "confirmations = " + "9" * 4000), Path("x.toml"))
    assert str(err.value) == "x.toml: [payment] confirmations: an integer of 4000 digits must be between 0 and 100"


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-8", "cp037", "rot13"])
def test_the_printer_codec_must_be_a_printer_code_page_not_any_python_codec(codec):
    with pytest.raises(ConfigError, match=rf"\[printer\] codec: '{codec}' must be the code page of code_table"):
        parse_config(with_keys("printer", f'codec = "{codec}"'), Path("x.toml"))
    config = parse_config(with_keys("printer", 'code_table = 53\ncodec = "kz1048"'), Path("x.toml"))
    assert config.printer.codec == "kz1048"


@pytest.mark.parametrize("section, body", [
    ("terminal", 'cashier = "Aigerim\\u001b]0;pwned\\u0007"'),
    ("merchant", 'footer = "Thanks\\u001b[2J"'),
    ("pricing", 'btc_usd_urls = ["http://x/\\u009b"]'),
])
def test_control_characters_in_config_strings_are_refused(section, body):
    with pytest.raises(ConfigError, match=rf"\[{section}\] \w+: must not contain control characters"):
        parse_config(with_keys(section, body), Path("x.toml"))


@pytest.mark.parametrize("body, message", [
    ('verify_backend = "electrum"', "[chain] verify_backend: 'electrum' must be one of"),
    ('verify_backend = "bcoin"', "[chain] verify_backend: 'bcoin' needs the node's address in [chain] verify_url"),
    ('verify_backend = "public"', "[chain] verify_backend: must name another backend than [chain] backend"),
    ('backend = "bcoin"\nurl = "http://a:b@127.0.0.1:1/"\nverify_backend = "bcoin"\n'
     'verify_url = "http://a:b@127.0.0.1:1/"', "[chain] verify_backend: must name another backend"),
])
def test_the_second_opinion_must_be_another_backend(body, message):
    with pytest.raises(ConfigError) as err:
        parse_config(with_keys("chain", body), Path("x.toml"))
    assert message in str(err.value) and "a:b" not in str(err.value)


def test_the_second_opinion_is_off_by_default_and_its_url_never_echoed():
    assert load_config(DEFAULT_PATH).chain.verify_backend == ""
    config = parse_config(with_keys("chain", 'verify_backend = "bcoin"\nverify_url = "http://u:pw@10.0.0.2:48332/"'),
                          Path("x.toml"))
    assert (config.chain.verify_backend, config.chain.verify_url) == ("bcoin", "http://u:pw@10.0.0.2:48332/")
    with pytest.raises(ConfigError) as err:
        parse_config(with_keys("chain", 'verify_url = ["http://u:s3cret@10.0.0.2/"]'), Path("x.toml"))
    assert "s3cret" not in str(err.value)


# ---- issue 16: [fiscal] ---------------------------------------------------------------------
WEBKASSA = ('provider = "webkassa"\nurl = "https://devkkm.webkassa.kz"\napi_key = "WKD-s3cret-key"\n'
            'login = "cashier@shop.kz"\npassword = "s3cret-pass"\ncashbox = "SWK00033717"\n')


def test_fiscal_registration_is_off_by_default():
    fiscal = load_config(DEFAULT_PATH).fiscal
    assert (fiscal.provider, fiscal.bitcoin_payment_type, fiscal.request_timeout_seconds) == ("none", -1, 10)


def test_webkassa_with_the_merchants_choice_for_bitcoin_loads():
    fiscal = parse_config(with_keys("fiscal", WEBKASSA + "bitcoin_payment_type = 4"), Path("x.toml")).fiscal
    assert (fiscal.provider, fiscal.cashbox, fiscal.bitcoin_payment_type) == ("webkassa", "SWK00033717", 4)
    assert "s3cret" not in repr(fiscal) and "cashier@shop.kz" not in repr(fiscal)


def test_webkassa_without_a_choice_for_bitcoin_refuses_to_start_and_says_who_decides():
    with pytest.raises(ConfigError) as err:
        parse_config(with_keys("fiscal", WEBKASSA), Path("x.toml"))
    message = str(err.value)
    assert message.startswith("x.toml: [fiscal] bitcoin_payment_type: required when provider = 'webkassa'")
    assert "accountant" in message and "regulator" in message


@pytest.mark.parametrize("body, message", [
    ('provider = "kassa24"', "[fiscal] provider: 'kassa24' must be one of 'none', 'webkassa'"),
    (WEBKASSA + "bitcoin_payment_type = 2", "[fiscal] bitcoin_payment_type: 2 must be one of -1, 0, 1, 4"),
    (WEBKASSA.replace('cashbox = "SWK00033717"', 'cashbox = ""') + "bitcoin_payment_type = 4",
     "[fiscal] cashbox: required when provider = 'webkassa'"),
    (WEBKASSA.replace('password = "s3cret-pass"', "") + "bitcoin_payment_type = 4",
     "[fiscal] password: required when provider = 'webkassa'"),
    ('url = "devkkm.webkassa.kz"', "[fiscal] url: 'devkkm.webkassa.kz' must be the provider's address"),
    ('url = "https://devkkm.webkassa.kz/api/v4"', "must be the provider's address"),
    ('cashbox = "SWK 0003"', "[fiscal] cashbox: 'SWK 0003' must be the cashbox's factory number"),
    ("request_timeout_seconds = 0", "[fiscal] request_timeout_seconds: 0 must be between 1 and 120"),
    ('login = "' + "a" * 201 + '"', "[fiscal] login: a string (not shown: it may be secret) must be at most 200"),
])
def test_a_wrong_fiscal_setting_is_named(body, message):
    with pytest.raises(ConfigError) as err:
        parse_config(with_keys("fiscal", body), Path("x.toml"))
    assert message in str(err.value)


@pytest.mark.parametrize("key", ["api_key", "login", "password"])
def test_fiscal_secrets_are_never_echoed(key):
    for body in (f'{key} = ["s3cret-value"]', f'{key} = "s3cret\\u001b-value"'):
        with pytest.raises(ConfigError) as err:
            parse_config(with_keys("fiscal", body), Path("x.toml"))
        assert str(err.value).startswith(f"x.toml: [fiscal] {key}: ") and "s3cret" not in str(err.value)


def test_closing_the_day_defaults_to_manager_approved_refunds_at_the_locked_rate():
    shift = parse_config(MINIMAL, Path("x.toml")).shift
    assert (shift.cashier_refund_max_kzt, shift.refund_rate) == (0, "locked")
    chosen = parse_config(with_keys("shift", 'cashier_refund_max_kzt = 5000\nrefund_rate = "today"'), Path("x.toml"))
    assert (chosen.shift.cashier_refund_max_kzt, chosen.shift.refund_rate) == (5000, "today")


# ---- issue 13: [sync] and [backoffice] -------------------------------------------------------
def test_the_fleet_is_off_by_default():
    config = load_config(DEFAULT_PATH)
    assert (config.sync.url, config.backoffice.database) == ("", "")
    assert (config.sync.stream, config.sync.subject, config.backoffice.replicas) == ("POS_JOURNAL", "pos.journal", 1)


def test_a_hub_with_tls_and_credentials_loads_and_keeps_its_secrets_out_of_repr():
    config = parse_config(with_keys("sync", 'url = "tls://till:s3cret@hub.shop.kz:4222"\ntls_ca = "/etc/pos/ca.pem"\n'
                                            'credentials = "/etc/pos/t01.creds"') +
                          '[backoffice]\ndatabase = "postgresql://pos:s3cret@db/pos"\n', Path("x.toml"))
    assert (config.sync.tls_ca, config.sync.credentials) == ("/etc/pos/ca.pem", "/etc/pos/t01.creds")
    assert "s3cret" not in repr(config.sync) and "s3cret" not in repr(config.backoffice)


@pytest.mark.parametrize("section, body, message", [
    ("sync", 'url = "http://hub:4222"', "[sync] url: a string (not shown: it may be secret) must be the hub's address"),
    ("sync", 'tls_cert = "/etc/pos/t01.pem"', "[sync] tls_cert and tls_key go together"),
    ("sync", 'user = "t01"\ntoken = "abc"', "[sync] user and token: choose one way of logging in"),
    ("sync", 'password = "s3cret"', "[sync] password: needs [sync] user"),
    ("sync", 'stream = "pos.journal"', "[sync] stream: 'pos.journal' must be a stream name"),
    ("backoffice", 'database = "mysql://db/pos"', "[backoffice] database: a string (not shown: it may be secret)"),
    ("backoffice", "replicas = 2", "[backoffice] replicas: 2 must be one of 1, 3, 5"),
])
def test_a_wrong_fleet_setting_is_named(section, body, message):
    with pytest.raises(ConfigError) as err:
        parse_config(with_keys(section, body), Path("x.toml"))
    assert message in str(err.value) and "s3cret" not in str(err.value)


@pytest.mark.parametrize("section, key", [("sync", "url"), ("sync", "password"), ("sync", "token"),
                                          ("backoffice", "database")])
def test_fleet_secrets_are_never_echoed(section, key):
    with pytest.raises(ConfigError) as err:
        parse_config(with_keys(section, f'{key} = ["nats://u:s3cret@hub"]'), Path("x.toml"))
    assert str(err.value).startswith(f"x.toml: [{section}] {key}: ") and "s3cret" not in str(err.value)
