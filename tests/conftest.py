"""Fixtures shared by several test packages: the real regtest node, bitcoinlib's data
directory, and a local HTTP server that answers with recorded provider responses.

The node fixture never skips: without Node.js or the npm packages the tests that need it
fail, with RegtestNodeError saying what to install.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Iterator

import pytest

from pos.config import DEFAULT_PATH, Config, load_config
from pos.regtest.node import RegtestNode


@pytest.fixture(scope="session")
def regtest_node() -> Iterator[RegtestNode]:
    """One funded bcoin regtest node per test process (each xdist worker has its own)."""
    node = RegtestNode().start()
    try:
        yield node
    finally:
        node.stop()


@pytest.fixture(scope="session")
def bitcoinlib_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """bitcoinlib's data directory for this test process: fixed at its first import, so set once."""
    from pos.chain.bcl import prepare_bitcoinlib

    store = tmp_path_factory.mktemp("store")
    return prepare_bitcoinlib(config_for(store), store / "bitcoinlib")


def config_for(store_dir: Path, **chain: object) -> Config:
    """The shipped configuration with the store in `store_dir` and [chain] keys overridden."""
    base = load_config(DEFAULT_PATH)
    return replace(base, store=replace(base.store, path=str(store_dir)), chain=replace(base.chain, **chain))


@dataclass
class Recorded:
    body: bytes
    status: int = 200
    content_type: str = "application/json"
    delay: float = 0.0


class RecordedServer:
    """Answers GETs on 127.0.0.1 from a table of recorded responses; 404 for anything else.

    A route is a path with or without its query string (the full form wins); a list of
    responses is served in turn, the last one repeated. `requests` lists every path asked.
    """

    def __init__(self) -> None:
        self.routes: dict[str, list[Recorded]] = {}
        self.requests: list[str] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
                server.requests.append(self.path)
                key = self.path if self.path in server.routes else self.path.split("?")[0]
                answers = server.routes.get(key)
                if not answers:
                    self.send_error(404)
                    return
                answer = answers.pop(0) if len(answers) > 1 else answers[0]
                time.sleep(answer.delay)
                try:
                    self.send_response(answer.status)
                    self.send_header("Content-Type", answer.content_type)
                    self.send_header("Content-Length", str(len(answer.body)))
                    self.end_headers()
                    self.wfile.write(answer.body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client timed out first (the slow-answer tests)

            def log_message(self, *args: object) -> None:
                pass

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.05,), daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}"

    def add(self, path: str, *answers: bytes | str | Recorded) -> None:
        self.routes[path] = [a if isinstance(a, Recorded) else Recorded(a.encode() if isinstance(a, str) else a)
                             for a in answers]

    def close(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()


@pytest.fixture
def recorded_http() -> Iterator[RecordedServer]:
    server = RecordedServer()
    try:
        yield server
    finally:
        server.close()
