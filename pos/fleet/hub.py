"""The hub (NATS JetStream): how tills and the back office reach it, and what a journal message is.

One message per journal entry, on subject `<[sync] subject>.<terminal>`: the payload is the
entry's journal line exactly as the till wrote it (the back office checks the bytes the till
hashed), with headers `Nats-Msg-Id: <terminal>-<seq>` (Entry.id, unique across terminals: the
hub drops a re-send within its duplicate window) and `Pos-Terminal` / `Pos-Seq` (where the
entry belongs, even when its bytes are damaged). The price list is one key of a key-value
bucket; its revision, with the SHA-256 of its bytes, is the version a till journals.

nats-py is imported here only, and only when a hub is configured.
"""

from __future__ import annotations

import re
import ssl
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Mapping

if TYPE_CHECKING:
    from nats.aio.client import Client

    from pos.config import Sync

MSG_ID, TERMINAL_HEADER, SEQ_HEADER = "Nats-Msg-Id", "Pos-Terminal", "Pos-Seq"
CATALOG_KEY = "catalog"
_TERMINAL = re.compile(r"[A-Za-z0-9_]{1,32}")
#: A journal's sequence numbers stay far below this; a header above it is not ours.
MAX_SEQ = 10 ** 15


class HubError(Exception):
    """The hub cannot be used as configured; the message names the setting or the answer."""


@dataclass(frozen=True)
class Place:
    """Which entry a message carries."""

    terminal: str
    seq: int

    @property
    def id(self) -> str:
        return f"{self.terminal}-{self.seq}"


def subject(sync: Sync, terminal: str) -> str:
    return f"{sync.subject}.{terminal}"


def headers(place: Place) -> dict[str, str]:
    return {MSG_ID: place.id, TERMINAL_HEADER: place.terminal, SEQ_HEADER: str(place.seq)}


def place_of(found: Mapping[str, str] | None) -> Place:
    """The entry a message says it carries; HubError for a message no till of ours sent."""
    found = found or {}
    terminal, seq = str(found.get(TERMINAL_HEADER, "")), str(found.get(SEQ_HEADER, ""))
    if not _TERMINAL.fullmatch(terminal) or not seq.isdigit() or not 0 < int(seq) < MAX_SEQ:
        raise HubError(f"a message without a terminal and sequence number ({terminal[:40]!r}, {seq[:20]!r})")
    return Place(terminal, int(seq))


def tls_context(sync: Sync) -> ssl.SSLContext | None:
    """TLS for a tls:// URL or any TLS setting: the hub's certificate is always checked."""
    if not (sync.tls_ca or sync.tls_cert or "tls://" in sync.url):
        return None
    try:
        context = ssl.create_default_context(cafile=_file(sync.tls_ca, "tls_ca") if sync.tls_ca else None)
        if sync.tls_cert:
            context.load_cert_chain(_file(sync.tls_cert, "tls_cert"), _file(sync.tls_key, "tls_key"))
    except (ssl.SSLError, OSError) as exc:
        raise HubError(f"[sync] TLS files cannot be used: {exc}") from None
    return context


def _file(path: str, key: str) -> str:
    found = Path(path).expanduser()
    if not found.is_file():
        raise HubError(f"[sync] {key}: no file {found}")
    return str(found)


def connect_options(sync: Sync) -> dict[str, Any]:
    """nats.connect's arguments: servers, TLS, one way of logging in, and no endless reconnecting
    (the caller's loop tries again, so it can say "offline" meanwhile)."""
    options: dict[str, Any] = {
        "servers": [u.strip() for u in sync.url.split(",")], "connect_timeout": sync.connect_timeout_seconds,
        "allow_reconnect": False, "tls": tls_context(sync)}
    if sync.credentials:
        options["user_credentials"] = _file(sync.credentials, "credentials")
    elif sync.user:
        options.update(user=sync.user, password=sync.password)
    elif sync.token:
        options["token"] = sync.token
    return options


async def connect(sync: Sync, name: str) -> Client:
    """A connection to the hub; HubError (naming the hub only by its host) when there is none."""
    import nats

    options = connect_options(sync)

    async def quiet(_: Exception) -> None:
        """nats-py logs every failed attempt with a traceback; the caller says it once."""

    try:
        return await nats.connect(name=name, error_cb=quiet, **options)
    except Exception as exc:  # nats-py raises OSError, TimeoutError or its own errors: all "not reachable"
        raise HubError(f"the hub at {hosts(sync)} cannot be reached: {describe(exc)}") from None


def hosts(sync: Sync) -> str:
    """The hub's hosts without any user or password in the URL, for messages."""
    return ", ".join(re.sub(r"//[^@/]*@", "//", u.strip()) for u in sync.url.split(","))


def describe(exc: BaseException) -> str:
    """One line for the log: nats-py's errors often have an empty text."""
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
