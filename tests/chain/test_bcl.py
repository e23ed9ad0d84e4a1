"""bitcoinlib kept in the terminal's data directory, imported lazily, under any locale."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pos
from pos.chain.bcl import node_url, write_providers
from tests.conftest import config_for

ROOT = Path(pos.__file__).resolve().parent.parent


def run_python(code: str, tmp_path: Path, **env: str) -> subprocess.CompletedProcess:
    """A fresh interpreter (bitcoinlib's directory and locale check happen once per process)."""
    environ = {**os.environ, "HOME": str(tmp_path / "home"), **env}
    environ.pop("BCL_DATA_DIR", None)
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], cwd=ROOT, env=environ,
                          capture_output=True, text=True, timeout=120)


DERIVE = """
    from pathlib import Path
    from tests.conftest import config_for
    from pos.chain.bcl import prepare_bitcoinlib
    from pos.chain.keys import WatchOnlyKey
    config = config_for(Path({store!r}), network="regtest")
    prepare_bitcoinlib(config)
    print(WatchOnlyKey.parse(config.chain.xpub, "regtest").first_address())
"""


def test_the_data_directory_is_under_the_store_and_home_is_untouched(tmp_path):
    store = tmp_path / "store"
    done = run_python(DERIVE.format(store=str(store)), tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "bcrt1q6rz28mcfaxtmd6v789l9rrlrusdprr9pz3cppk"
    data = store / "bitcoinlib"
    assert {"config.ini", "networks.json", "providers.json", "install.log", "bitcoinlib.log"} <= {
        p.name for p in data.iterdir()}
    assert not (tmp_path / "home").exists()
    settings = (data / "config.ini").read_text()
    assert "service_caching_enabled=False" in settings
    regtest = json.loads((data / "networks.json").read_text())["regtest"]
    assert (regtest["prefix_address"], regtest["prefix_address_p2sh"], regtest["prefix_bech32"]) == ("6F", "C4", "bcrt")


def test_a_locale_that_is_not_utf8_does_not_stop_the_terminal(tmp_path):
    not_utf8 = {"LC_ALL": "C", "LANG": "C", "PYTHONUTF8": "0", "PYTHONCOERCECLOCALE": "0"}
    plain = run_python("import bitcoinlib", tmp_path, **not_utf8)
    assert "needs the locale set to UTF-8" in plain.stderr  # the condition this test is about
    done = run_python(DERIVE.format(store=str(tmp_path / "store")) + """
    import locale
    assert locale.getpreferredencoding(False).lower() != "utf-8"
    """, tmp_path, **not_utf8)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "bcrt1q6rz28mcfaxtmd6v789l9rrlrusdprr9pz3cppk"


def test_start_up_modules_do_not_import_bitcoinlib(tmp_path):
    done = run_python("""
        import sys
        import pos.chain.backend, pos.chain.bip21, pos.chain.gap, pos.chain.keys, pos.chain.watcher
        import pos.rates, pos.regtest.node
        from pos.chain.keys import WatchOnlyKey, check_key_text
        check_key_text("vpub5Y6cjg78GGuNLsaPhmYsiw4gYX3HoQiRBiSwDaBXKUafCt9bNwWQiitDk5VZ5BVxYnQdwoTyXSs2JHRPAgjAvtbBrf8ZhDYe2jWAqvZVnsc", "regtest")
        print(sorted(m for m in sys.modules if m.startswith("bitcoinlib")))
    """, tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_bitcoinlib_imported_behind_our_back_is_refused(tmp_path):
    done = run_python(f"""
        import bitcoinlib
        from pathlib import Path
        from tests.conftest import config_for
        from pos.chain.bcl import BitcoinlibSetupError, prepare_bitcoinlib
        try:
            prepare_bitcoinlib(config_for(Path({str(tmp_path / 'store')!r})))
        except BitcoinlibSetupError as exc:
            print(exc)
    """, tmp_path)
    assert "bitcoinlib was imported before prepare_bitcoinlib()" in done.stdout


def test_deriving_before_preparing_says_what_is_missing(tmp_path):
    done = run_python("""
        from pos.chain.bcl import BitcoinlibSetupError
        from pos.chain.keys import WatchOnlyKey
        key = WatchOnlyKey.parse("vpub5Y6cjg78GGuNLsaPhmYsiw4gYX3HoQiRBiSwDaBXKUafCt9bNwWQiitDk5VZ5BVxYnQdwoTyXSs2JHRPAgjAvtbBrf8ZhDYe2jWAqvZVnsc", "regtest")
        try:
            key.first_address()
        except BitcoinlibSetupError as exc:
            print(exc)
    """, tmp_path)
    assert done.stdout.strip() == "prepare_bitcoinlib() must run before bitcoinlib is used"


def test_a_private_node_is_the_only_provider(tmp_path):
    config = config_for(tmp_path, network="regtest", backend="bcoin", url="http://pos:secret@127.0.0.1:48332",
                        request_timeout_seconds=3)
    write_providers(tmp_path, config.chain)
    providers = json.loads((tmp_path / "providers.json").read_text())
    assert providers == {"pos.bcoin.regtest": {
        "provider": "bcoin", "network": "regtest", "client_class": "BcoinClient", "provider_coin_id": "",
        "url": "http://pos:secret@127.0.0.1:48332/", "api_key": "", "priority": 10, "denominator": 100_000_000,
        "network_overrides": None, "timeout": 3}}


def test_public_providers_are_bitcoinlibs_own(tmp_path):
    write_providers(tmp_path, config_for(tmp_path).chain)
    providers = json.loads((tmp_path / "providers.json").read_text())
    assert {p["network"] for p in providers.values()} >= {"testnet4", "testnet", "signet"}


def test_node_urls_get_the_final_slash_their_clients_need(tmp_path):
    assert node_url(config_for(tmp_path, backend="blockbook", url="https://bb.local/api/v2").chain) == \
        "https://bb.local/api/v2/"
    assert node_url(config_for(tmp_path, backend="bitcoind", url="http://u:p@127.0.0.1:18443").chain) == \
        "http://u:p@127.0.0.1:18443"
