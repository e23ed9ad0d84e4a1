"""The `pos` command as a person runs it: one line per part, messages instead of tracebacks."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from pos.config import DEFAULT_PATH
from tests.store.faults import every_file
from pos.demo import DEMO_XPUB
from tests.e2e.headless import CONFIG
from pos.pin import hash_pin
from tests.printer_sim import PrinterSim

PARTS = ["config", "catalog", "key", "store", "chain", "rate", "printer", "pin", "fiscal"]
#: A shop's own account key (a random seed's m/84'/1'/0'), not the public test seed's.
OWN_VPUB = ("vpub5YQS6iqK9Dy7WvtpvuAzPS3e5hnMbAQqGNY9HY3jTzsuHCEqViLbPhzKhubwiBy1rD1paqzu2TAFhpo12JeVbzfi8UsSz4"
            "36AmN6mEsarJ1")


def run_pos(*args: str, env: dict | None = None, timeout: int = 120) -> subprocess.CompletedProcess:
    full_env = {**os.environ, **(env or {})}
    full_env.pop("POS_CONFIG", None)
    full_env.update(env or {})
    return subprocess.run([sys.executable, "-m", "pos", *args], capture_output=True, text=True,
                          env=full_env, timeout=timeout)


def offline_env(home: Path) -> dict:
    """The default config's public providers, kept on this machine: a proxy that refuses at once."""
    return {"HOME": str(home), "HTTPS_PROXY": "http://127.0.0.1:9", "HTTP_PROXY": "http://127.0.0.1:9",
            "https_proxy": "http://127.0.0.1:9", "http_proxy": "http://127.0.0.1:9", "NO_PROXY": ""}


def test_check_reports_every_part_on_the_default_config_and_fails_when_the_chain_is_unreachable(tmp_path):
    result = run_pos("check", env=offline_env(tmp_path))
    lines = result.stdout.splitlines()
    assert [line.split()[0] for line in lines] == PARTS
    status = {line.split()[0]: line.split()[1] for line in lines}
    assert status["config"] == "ok" and str(DEFAULT_PATH) in lines[0]
    assert status["key"] == "WARNING" and "tb1q6rz28mcfaxtmd6v789l9rrlrusdprr9pqcpvkl" in lines[2]
    assert "the PUBLIC TEST KEY" in lines[2] and "anyone can spend what is paid to it" in lines[2]
    assert status["store"] == "ok" and str(tmp_path / ".local/share/cryptocity-pos") in lines[3]
    assert status["chain"] == "PROBLEM" and status["rate"] == "PROBLEM"
    assert status["printer"] == "WARNING" and "receipts are NOT printed on paper" in lines[6]
    assert status["pin"] == "WARNING"
    assert result.returncode == 1  # a problem outweighs the warnings
    assert "Traceback" not in result.stdout + result.stderr


def test_check_on_the_regtest_node_passes_with_the_shops_own_key_printer_and_pin_and_warns_without(
        tmp_path, regtest_node):
    config = node_config(tmp_path / "pos.toml", tmp_path / "store", regtest_node.url)
    text = config.read_text(encoding="utf-8").replace('rate_source = "composite"', 'rate_source = "manual"')
    config.write_text(text, encoding="utf-8")
    from pos.config import load_config
    from pos.rates.manual import ManualRateSource
    from pos.store import open_store
    from datetime import datetime, timezone

    store = open_store(load_config(config).store.directory)
    ManualRateSource(store).enter("45 000 000", datetime.now(timezone.utc))
    store.close()

    result = run_pos("--config", str(config), "check", env={"HOME": str(tmp_path)})
    lines = {line.split()[0]: line for line in result.stdout.splitlines()}
    assert f"height {regtest_node.height()}" in lines["chain"]
    assert "bcrt1q6rz28mcfaxtmd6v789l9rrlrusdprr9pz3cppk" in lines["key"]
    assert "45 000 000.00 ₸ per BTC from manual" in lines["rate"]
    warned = {part for part, line in lines.items() if line.split()[1] == "WARNING"}
    assert warned == {"key", "printer", "pin"} and result.returncode == 3, result.stdout

    sim = PrinterSim(tmp_path)
    try:
        text = text.replace(DEMO_XPUB, OWN_VPUB).replace('driver = "mock"', 'driver = "serial"')
        text = text.replace('port = "/dev/ttyUSB0"', f'port = "{sim.port}"')
        text = text.replace('manager_pin_hash = ""', f'manager_pin_hash = "{hash_pin("4321")}"')
        config.write_text(text, encoding="utf-8")
        result = run_pos("--config", str(config), "check", env={"HOME": str(tmp_path)})
    finally:
        sim.close()
    assert {line.split()[1] for line in result.stdout.splitlines()} == {"ok"}, result.stdout
    assert result.returncode == 0


def test_the_public_test_key_is_recognised_in_every_form_on_every_network(bitcoinlib_home):
    from bitcoinlib.keys import HDKey
    from bitcoinlib.mnemonic import Mnemonic

    from pos.chain.keys import WatchOnlyKey
    from pos.core.known_keys import PUBLIC_TEST_SEED, is_public_test_key

    seed = Mnemonic().to_seed(PUBLIC_TEST_SEED)
    for purpose, witness_type, wrap in ((44, "legacy", "pkh({})"), (49, "p2sh-segwit", "sh(wpkh({}))"),
                                        (84, "segwit", "wpkh({})")):
        for coin, networks in ((0, ["mainnet"]), (1, ["testnet4", "testnet", "signet", "regtest"])):
            account = HDKey.from_seed(seed, network="bitcoin" if coin == 0 else "testnet",
                                      witness_type=witness_type).key_for_path(f"m/{purpose}'/{coin}'/0'")
            tpub = account.wif_public()  # the plain xpub/tpub form descriptors carry
            for text in (account.wif_public(witness_type=witness_type), wrap.format(f"{tpub}/0/*")):
                for network in networks:
                    first = WatchOnlyKey.parse(text, network).first_address()
                    assert is_public_test_key(first), (purpose, network, text)
    assert not is_public_test_key(WatchOnlyKey.parse(OWN_VPUB, "testnet4").first_address())


def test_version_comes_from_the_package_metadata():
    from importlib.metadata import version

    result = run_pos("--version")
    assert (result.returncode, result.stdout) == (0, f"pos {version('cryptocity-pos')}\n")


def test_check_help_says_what_is_checked_and_what_the_exit_statuses_mean():
    result = run_pos("check", "--help")
    assert result.returncode == 0
    text = " ".join(result.stdout.split())
    for part in PARTS:
        assert f" {part} " in text
    assert "The public test key is a WARNING (a PROBLEM on mainnet)" in text
    assert "The mock printer is a WARNING" in text
    for meaning in ("0 every part is ok", "1 a PROBLEM", "2 the configuration cannot be read",
                    "3 no problem, but a WARNING"):
        assert meaning in text
    assert max(len(line) for line in result.stdout.splitlines()) < 80


def test_a_private_key_in_the_config_stops_start_up_with_a_message(tmp_path):
    config = tmp_path / "pos.toml"
    tprv = ("tprv8ZgxMBicQKsPd9TeAdPADNnSyH9SSUUbTVeFszDE23Ki6TBB5nCefAdHkK8Fm3qMQR6sHwA56zqRmKmxnHk37JkiFzvncDqoKm"
            "PWubu7hDF")
    config.write_text(DEFAULT_PATH.read_text(encoding="utf-8").replace(
        'xpub = "vpub5Y6cjg78', f'xpub = "{tprv}"\n# "vpub5Y6cjg78'), encoding="utf-8")
    result = run_pos("--config", str(config), "--headless", "--script", os.devnull, env={"HOME": str(tmp_path)})
    assert result.returncode == 2
    assert result.stderr.startswith(f"pos: {config}: [chain] xpub: ")
    assert "private" in result.stderr
    assert tprv not in result.stderr and "Traceback" not in result.stderr


def test_headless_needs_a_script():
    result = run_pos("--headless")
    assert result.returncode == 2 and "--headless needs --script FILE" in result.stderr


def test_set_pin_prints_a_config_line(monkeypatch, capsys):
    from pos.cli import set_pin
    from pos.pin import verify_pin

    answers = iter(["4321", "4321"])
    assert set_pin(lambda prompt: next(answers)) == 0
    line = capsys.readouterr().out.splitlines()[-1]
    assert line.startswith('manager_pin_hash = "') and verify_pin("4321", line.split('"')[1])
    answers = iter(["12", "12"])
    assert set_pin(lambda prompt: next(answers)) == 2


def test_headless_run_logs_warnings_to_the_store_not_the_screen(tmp_path):
    script = tmp_path / "script.txt"
    script.write_text("sleep 0.5\n", encoding="utf-8")
    result = run_pos("--headless", "--script", str(script), env=offline_env(tmp_path))
    assert result.returncode == 0, result.stderr
    assert "chain backend offline" not in result.stderr
    log = (tmp_path / ".local/share/cryptocity-pos/pos.log").read_text(encoding="utf-8")
    assert "chain backend offline" in log


def test_check_names_bad_catalog_rows(tmp_path):
    catalog = tmp_path / "catalog.csv"
    catalog.write_text("sku,barcode,name_kk,name_ru,name_en,unit,price,vat_class\n"
                       "A1,,,Хлеб,,pcs,250,standard\nA2,,,Молоко,,pcs,abc,standard\n", encoding="utf-8")
    config = tmp_path / "pos.toml"
    config.write_text(DEFAULT_PATH.read_text(encoding="utf-8").replace('catalog = ""', f'catalog = "{catalog}"'),
                      encoding="utf-8")
    result = run_pos("--config", str(config), "check", env=offline_env(tmp_path))
    line = next(l for l in result.stdout.splitlines() if l.startswith("catalog"))
    assert "PROBLEM" in line and "line 3: price: KZT amount 'abc' is not a number" in line
    assert "1 product(s) loaded" in line


# ---- a second pos on a store that a running terminal holds ------------------------------
HOLDER = """
import sys, time
from pos.chain.bcl import prepare_bitcoinlib
from pos.config import load_config
from pos.store import open_store
config = load_config(sys.argv[1])
store = open_store(config.store.directory)
prepare_bitcoinlib(config)
print("ready", flush=True)
time.sleep(120)
"""


def node_config(path: Path, store: Path, url: str) -> Path:
    """The shipped config on a regtest bcoin node at `url`, with the store in `store`."""
    text = DEFAULT_PATH.read_text(encoding="utf-8")
    text = text.replace('path = "~/.local/share/cryptocity-pos"', f'path = "{store}"')
    text = text.replace('network = "testnet4"', 'network = "regtest"')
    text = text.replace('backend = "public"', 'backend = "bcoin"')
    text = text.replace('url = ""', f'url = "{url}"', 1)  # [chain]'s: later sections have a url too
    path.write_text(text, encoding="utf-8")
    return path


def test_a_second_pos_with_another_config_writes_nothing_in_the_store_the_terminal_holds(tmp_path):
    store = tmp_path / "store"
    ours = node_config(tmp_path / "ours.toml", store, "http://pos:ours@127.0.0.1:1111")
    theirs = node_config(tmp_path / "theirs.toml", store, "http://pos:theirs@127.0.0.1:2222")
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(ours)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline() == "ready\n"
        before = every_file(store)
        assert b"127.0.0.1:1111" in before["bitcoinlib/providers.json"]

        terminal = run_pos("--config", str(theirs), "--headless", "--script", os.devnull,
                           env={"HOME": str(tmp_path)})
        assert terminal.returncode == 2
        assert terminal.stderr == f"pos: another pos (pid {holder.pid}) uses store {store}\n"
        check = run_pos("--config", str(theirs), "check", env={"HOME": str(tmp_path)})
        lines = {line.split()[0]: line for line in check.stdout.splitlines()}
        assert f"another pos (pid {holder.pid}) uses store {store}" in lines["store"]
        assert "127.0.0.1:2222" in lines["chain"]  # probed with its own configuration, privately

        assert every_file(store) == before  # providers.json above all: the running terminal's node
    finally:
        holder.kill()
        holder.wait()
        holder.stdout.close()


# ---- a store that cannot be used at start ------------------------------------------------
def store_config(tmp_path: Path, store: Path) -> Path:
    config = tmp_path / "pos.toml"
    config.write_text(DEFAULT_PATH.read_text(encoding="utf-8").replace(
        'path = "~/.local/share/cryptocity-pos"', f'path = "{store}"'), encoding="utf-8")
    return config


def test_a_store_path_that_is_a_file_stops_headless_start_up_with_a_message(tmp_path):
    store = tmp_path / "store"
    store.write_text("a file where the store should be", encoding="utf-8")
    result = run_pos("--config", str(store_config(tmp_path, store)), "--headless", "--script", os.devnull,
                     env=offline_env(tmp_path))
    assert result.returncode == 2
    assert result.stderr == f"pos: store path {store} is not a directory: [store] path must name a directory\n"


def test_a_read_only_store_at_start_is_a_message_not_a_traceback(tmp_path, monkeypatch, capsys):
    from pos.cli import main
    from tests.store.faults import DiskFault

    store = tmp_path / "store"
    store.mkdir()
    script = tmp_path / "script.txt"
    script.write_text("sleep 0\n", encoding="utf-8")
    DiskFault(monkeypatch, store).read_only()  # root is not stopped by chmod: the file system refuses
    assert main(["--config", str(store_config(tmp_path, store)), "--headless", "--script", str(script)]) == 2
    assert capsys.readouterr().err.startswith(f"pos: store {store} cannot be written (read-only file system")
    assert list(store.iterdir()) == []



def test_the_gap_limit_warning_lands_in_pos_log_as_the_terminal_writes_it(tmp_path, regtest_node):
    from datetime import datetime, timezone

    from pos.rates.manual import ManualRateSource
    from pos.store import open_store

    store_dir = tmp_path / "store"
    config = tmp_path / "pos.toml"
    # slot 95 of 100 (no other test pays there): the first invoice takes address 95, 96 unused in a row
    config.write_text(CONFIG.format(store=store_dir, xpub=DEMO_XPUB, url=regtest_node.url,
                                    receipts=tmp_path / "receipts.txt")
                      .replace("slot = 99", "slot = 95").replace('id = "E2E"', 'id = "GAP"'), encoding="utf-8")
    store = open_store(store_dir)
    ManualRateSource(store).enter("45000000", datetime.now(timezone.utc))
    store.close()
    script = tmp_path / "sale.script"
    script.write_text("type BREAD-01\npress enter\npress f10\nwait invoice_created 60\n", encoding="utf-8")
    result = run_pos("--config", str(config), "--headless", "--script", str(script), env={"HOME": str(tmp_path)})
    assert result.returncode == 0, result.stderr
    log = (store_dir / "pos.log").read_text(encoding="utf-8")
    assert "WARNING" in log and "GAP-000001: 96 receive addresses in a row are unused (wallet gap limit 20)" in log
    assert "receive addresses" not in result.stdout + result.stderr  # the log, not over the cashier's screen
