"""A TCP proxy between the terminal and its chain backend that the soak run cuts and restores.

A backend outage seen from the terminal is a network fault, not a dead node: the node
goes on mining and taking the customer's payment while the terminal cannot reach it.
The proxy forwards bytes both ways while `up`; `cut()` drops every open connection and
then either refuses each new one at once ("refuse": the connection is closed as soon as
it is accepted) or holds it without an answer ("hang": the request runs into the
terminal's own deadline). `restore()` forwards again.
"""

from __future__ import annotations

import socket
import threading
from typing import Literal

Outage = Literal["refuse", "hang"]
Mode = Literal["up"] | Outage
_CHUNK = 65536


class FaultyProxy:
    """Listens on 127.0.0.1 (a port the OS picks) and forwards to 127.0.0.1:`target_port`."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.mode: Mode = "up"
        self._lock = threading.Lock()
        self._open: set[socket.socket] = set()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._closed = False
        threading.Thread(target=self._accept, name="soak-proxy", daemon=True).start()

    def url(self, node_url: str) -> str:
        """The node's URL (credentials kept) pointed at the proxy instead."""
        return node_url.replace(f":{self.target_port}/", f":{self.port}/")

    def cut(self, mode: Outage) -> None:
        with self._lock:
            self.mode = mode
            self._drop_all()

    def restore(self) -> None:
        with self._lock:
            self.mode = "up"
            self._drop_all()  # held ("hang") connections end too: their requests were never answered

    def close(self) -> None:
        self._closed = True
        self._listener.close()
        with self._lock:
            self._drop_all()

    def _drop_all(self) -> None:
        for sock in self._open:
            _close(sock)
        self._open.clear()

    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return  # closed
            with self._lock:
                if self.mode == "refuse":
                    _close(client)
                    continue
                self._open.add(client)
                if self.mode == "hang":
                    continue
            try:
                upstream = socket.create_connection(("127.0.0.1", self.target_port), timeout=5)
                upstream.settimeout(None)
            except OSError:
                self._forget(client)
                continue
            with self._lock:
                if self.mode != "up":  # cut while connecting
                    _close(upstream)
                    continue
                self._open.add(upstream)
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(_CHUNK):
                sink.sendall(data)
        except OSError:
            pass
        self._forget(source)
        self._forget(sink)

    def _forget(self, sock: socket.socket) -> None:
        with self._lock:
            self._open.discard(sock)
        _close(sock)


def _close(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    sock.close()
