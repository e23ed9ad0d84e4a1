"""The `pos` command as a person runs it: one line per part, messages instead of tracebacks."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from pos.config import DEFAULT_PATH

PARTS = ["config", "catalog", "key", "store", "chain", "rate", "printer", "pin"]


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
    assert status["key"] == "ok" and "tb1q6rz28mcfaxtmd6v789l9rrlrusdprr9pqcpvkl" in lines[2]
    assert status["store"] == "ok" and str(tmp_path / ".local/share/cryptocity-pos") in lines[3]
    assert status["chain"] == "PROBLEM" and status["rate"] == "PROBLEM"
    assert status["printer"] == "ok" and status["pin"] == "warning"
    assert result.returncode == 1
    assert "Traceback" not in result.stdout + result.stderr


def test_check_on_the_regtest_node_reports_its_height_and_passes(tmp_path, regtest_node):
    config = tmp_path / "pos.toml"
    text = DEFAULT_PATH.read_text(encoding="utf-8")
    text = text.replace('path = "~/.local/share/cryptocity-pos"', f'path = "{tmp_path / "store"}"')
    text = text.replace('network = "testnet4"', 'network = "regtest"')
    text = text.replace('backend = "public"', 'backend = "bcoin"').replace('url = ""', f'url = "{regtest_node.url}"')
    text = text.replace('rate_source = "composite"', 'rate_source = "manual"')
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
    assert result.returncode == 0, result.stdout


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
    text = text.replace('backend = "public"', 'backend = "bcoin"').replace('url = ""', f'url = "{url}"')
    path.write_text(text, encoding="utf-8")
    return path


def every_file(directory: Path) -> dict[str, bytes]:
    return {str(p.relative_to(directory)): p.read_bytes() for p in sorted(directory.rglob("*")) if p.is_file()}


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
