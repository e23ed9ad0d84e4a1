"""A fake bcoin node for the lying-backend tests: bcoin's REST API as bitcoinlib's BcoinClient uses it.

It answers every request from the real regtest node, except where a test makes it lie:
a tip moved by `tip_offset`, a payment it invents (`invent`), a block height it invents for
a real transaction (`confirm`), or every answer dripped one byte at a time (`drip_seconds`).
Only the HTTP server is fake: the terminal reads it through bitcoinlib's real client.
"""

from __future__ import annotations

import base64
import hashlib
import json
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from pos.regtest.node import RegtestNode


class FakeBcoin:
    def __init__(self, node: RegtestNode) -> None:
        self.node = node
        self.tip_offset = 0
        self.invented: dict[str, list[dict]] = {}  # address -> transactions only the liar sees
        self.heights: dict[str, int] = {}  # txid -> a block height the liar makes up
        self.drip_seconds = 0.0
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
                try:
                    body = json.dumps(fake._answer(self.path)).encode()
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    fake._send(self.wfile, body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up first (the slow-drip test)

            def log_message(self, *args: object) -> None:
                pass

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        threading.Thread(target=self._httpd.serve_forever, args=(0.05,), daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://pos:liar@127.0.0.1:{self._httpd.server_address[1]}/"

    def close(self) -> None:
        self.drip_seconds = 0.0
        self._httpd.shutdown()
        self._httpd.server_close()

    def invent(self, address: str, amount_sat: int) -> str:
        """A payment to `address` that exists nowhere but in this server's answers; returns its txid."""
        script = bytes.fromhex(self.node.rpc("validateaddress", address)["scriptPubKey"])
        prevout = hashlib.sha256(f"{address}/{amount_sat}/{len(self.invented)}".encode()).digest()
        raw = (b"\x01\x00\x00\x00" + b"\x01" + prevout + b"\x00" * 4 + b"\x00" + b"\xff" * 4 + b"\x01"
               + amount_sat.to_bytes(8, "little") + bytes([len(script)]) + script + b"\x00" * 4)
        txid = hashlib.sha256(hashlib.sha256(raw).digest()).digest()[::-1].hex()
        self.invented.setdefault(address, []).append({
            "hash": txid, "witnessHash": txid, "fee": 0, "rate": 0, "mtime": int(time.time()), "height": -1,
            "block": None, "time": 0, "index": -1, "version": 1, "locktime": 0, "hex": raw.hex(),
            "confirmations": 0,
            "inputs": [{"prevout": {"hash": prevout[::-1].hex(), "index": 0}, "script": "", "witness": "00",
                        "sequence": 0xFFFFFFFF, "coin": {"value": amount_sat, "height": 1, "coinbase": False}}],
            "outputs": [{"value": amount_sat, "script": script.hex(), "address": address}],
        })
        return txid

    def confirm(self, txid: str, height: int) -> None:
        """Say the (real, unconfirmed) transaction `txid` is in a block at `height`."""
        self.heights[txid] = height

    # ---- internals -------------------------------------------------------
    def _answer(self, path: str) -> Any:
        answer = self._upstream(path)
        if path == "/":
            answer["chain"]["height"] += self.tip_offset
        elif path.startswith("/tx/address/"):
            answer = answer + self.invented.get(path.split("?")[0].rsplit("/", 1)[1], [])
            tip = self.node.height() + self.tip_offset
            for tx in answer:
                if tx["hash"] in self.heights:
                    height = self.heights[tx["hash"]]
                    tx.update(height=height, block="00" * 32, time=int(time.time()), index=1,
                              confirmations=tip - height + 1)
        return answer

    def _upstream(self, path: str) -> Any:
        request = urllib.request.Request(f"http://127.0.0.1:{self.node.http_port}{path}")
        token = base64.b64encode(f"pos:{self.node.api_key}".encode()).decode()
        request.add_header("Authorization", f"Basic {token}")
        with urllib.request.urlopen(request, timeout=10) as reply:
            return json.loads(reply.read())

    def _send(self, out: Any, body: bytes) -> None:
        if not self.drip_seconds:
            out.write(body)
            return
        for i in range(len(body)):
            out.write(body[i:i + 1])
            out.flush()
            if self.drip_seconds:
                time.sleep(self.drip_seconds)
