"""A real Bitcoin node on regtest (bcoin 1.0.2 under Node.js) for the tests and `pos demo`.

    node = RegtestNode().start()           # a new chain in memory, the wallet funded
    address = ...                          # an invoice address (bcrt1...)
    txid = node.pay(address, 25_000)       # from the node's funded wallet, seen at once in the mempool
    node.mine(1)                           # a block: the payment gets its first confirmation
    node.url                               # for bitcoinlib's "bcoin" provider ([chain] url)
    node.stop()

start() funds the node's wallet by mining 101 blocks (coinbase outputs need 100
confirmations before they can be spent) and waits until the wallet has seen them. The node
listens on 127.0.0.1 only, on ports the OS picks. Two kinds of outage for the tests:
restart() stops the process (connections refused) and starts it again on the same ports,
with a new chain (bcoin 1.0.2 cannot keep its chain on disk here, see node.js); pause()
and resume() freeze and thaw the running process (requests hang until they time out),
keeping its chain and mempool.
A missing `node` binary or npm packages raise RegtestNodeError saying how to install them.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import selectors
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
SCRIPT = HERE / "node.js"
NODE_MODULES = HERE / "node_modules"
FUND_BLOCKS = 101
_START_TIMEOUT = 60.0
_STOP_TIMEOUT = 15.0
_HTTP_TIMEOUT = 30.0


class RegtestNodeError(RuntimeError):
    """The regtest node cannot be started or did not do what was asked; the message says why."""


class RegtestNode:
    def __init__(self) -> None:
        self.api_key = secrets.token_hex(16)
        self.http_port = 0
        self.wallet_port = 0
        self._process: subprocess.Popen | None = None
        self._log: Any = None
        self._mining_address: str | None = None

    # ---- lifecycle -------------------------------------------------------
    def start(self) -> "RegtestNode":
        """Start the node on a new chain and fund its wallet; returns self."""
        if self._process is not None:
            raise RegtestNodeError("the regtest node is already running")
        self._launch()
        try:
            self.mine(FUND_BLOCKS)
            self.rpc("poswalletsync")
        except RegtestNodeError:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        process.send_signal(signal.SIGCONT)  # a paused node could not act on SIGTERM
        process.terminate()
        try:
            process.wait(_STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stdout:
            process.stdout.close()
        if self._log:
            self._log.close()
            self._log = None

    def restart(self) -> None:
        """Stop, then start on the same ports and credentials (a new, funded chain)."""
        self.stop()
        self._mining_address = None
        self.start()

    def pause(self) -> None:
        """Freeze the process (SIGSTOP): it accepts connections but answers nothing."""
        self._running_process().send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        self._running_process().send_signal(signal.SIGCONT)

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def __enter__(self) -> "RegtestNode":
        return self if self._process is not None else self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ---- what tests and the demo use -------------------------------------
    @property
    def url(self) -> str:
        """The node's HTTP API with its credentials: `[chain] url` for backend = "bcoin"."""
        return f"http://pos:{self.api_key}@127.0.0.1:{self.http_port}/"

    def rpc(self, method: str, *params: Any) -> Any:
        reply = self._request(self.http_port, "/", {"method": method, "params": list(params)})
        if reply.get("error"):
            raise RegtestNodeError(f"{method}: {reply['error'].get('message', reply['error'])}")
        return reply["result"]

    def height(self) -> int:
        return int(self.rpc("getblockcount"))

    def mine(self, blocks: int = 1, address: str | None = None) -> list[str]:
        """Mine blocks (to the node's wallet unless `address` is given); returns their hashes."""
        return self.rpc("generatetoaddress", blocks, address or self.wallet_address())

    def pay(self, address: str, amount_sat: int, rbf: bool = False) -> str:
        """Pay from the node's wallet; returns the txid once the transaction is in the mempool."""
        return self.rpc("possend", address, amount_sat, rbf)

    def replace(self, txid: str) -> str:
        """Replace an unconfirmed wallet payment by a conflicting one paying the wallet; returns its txid."""
        return self.rpc("posreplace", txid)

    def wallet_address(self) -> str:
        if self._mining_address is None:
            reply = self._request(self.wallet_port, "/wallet/primary/address", {"account": "default"})
            self._mining_address = str(reply["address"])
        return self._mining_address

    def mempool(self) -> list[str]:
        return list(self._request(self.http_port, "/mempool"))

    # ---- internals -------------------------------------------------------
    def _launch(self) -> None:
        node = shutil.which("node")
        if node is None:
            raise RegtestNodeError("Node.js is not installed ('node' is not on PATH): the regtest node needs "
                                   "Node.js 18 or newer (see README, Set-up)")
        if not (NODE_MODULES / "bcoin").is_dir():
            raise RegtestNodeError(f"bcoin is not installed in {NODE_MODULES}: run "
                                   "`npm ci --prefix pos/regtest --no-audit --no-fund`")
        args = [node, str(SCRIPT), "--api-key", self.api_key,
                "--http-port", str(self.http_port), "--wallet-port", str(self.wallet_port)]
        env = {**os.environ, "NODE_PATH": str(NODE_MODULES)}
        self._log = tempfile.TemporaryFile(mode="w+", prefix="regtest-node-")
        self._process = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=self._log, env=env, text=True)
        ready = self._read_ready_line()
        self.http_port, self.wallet_port = int(ready["http"]), int(ready["wallet"])

    def _running_process(self) -> subprocess.Popen:
        if self._process is None:
            raise RegtestNodeError("the regtest node is not running")
        return self._process

    def _read_ready_line(self) -> dict:
        assert self._process is not None and self._process.stdout is not None
        deadline = time.monotonic() + _START_TIMEOUT
        with selectors.DefaultSelector() as selector:
            selector.register(self._process.stdout, selectors.EVENT_READ)
            while time.monotonic() < deadline:
                if selector.select(timeout=0.1):
                    line = self._process.stdout.readline()
                    if line:
                        return json.loads(line)
                if self._process.poll() is not None:
                    break
        reason = self._stderr_tail() or f"no ready line within {_START_TIMEOUT:g} s"
        self.stop()
        raise RegtestNodeError(f"the regtest node did not start: {reason}")

    def _stderr_tail(self) -> str:
        if self._log is None:
            return ""
        self._log.seek(0)
        return self._log.read()[-2000:].strip()

    def _request(self, port: int, path: str, body: dict | None = None) -> Any:
        self._running_process()
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=data,
                                         method="POST" if body is not None else "GET")
        token = base64.b64encode(f"pos:{self.api_key}".encode()).decode()
        request.add_header("Authorization", f"Basic {token}")
        request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(request, timeout=_HTTP_TIMEOUT) as response:
                return json.loads(response.read())
        except urllib.error.HTTPError as exc:
            detail = exc.read().decode(errors="replace")[:500]
            raise RegtestNodeError(f"{path}: HTTP {exc.code}: {detail}") from None
        except (urllib.error.URLError, OSError) as exc:
            raise RegtestNodeError(f"{path}: the regtest node does not answer ({exc})") from None
