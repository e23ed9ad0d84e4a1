"""Output descriptors as Bitcoin Core and Sparrow export an account: wpkh([fp/84h/1h/0h]tpub.../0/*).

Only the single-key forms the terminal can watch are understood: wpkh(KEY), sh(wpkh(KEY)) and
pkh(KEY), where KEY is an extended key, optionally with its origin, followed by the receive
chain /0/* (or /<0;1>/*). A checksum (#xxxxxxxx, BIP 380), when present, must match: it
catches a mistyped character before it turns into a wrong address.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

P2PKH, P2SH_P2WPKH, P2WPKH = "p2pkh", "p2sh_p2wpkh", "p2wpkh"  # bitcoinlib's script type names

_SCRIPTS = {("wpkh",): P2WPKH, ("sh", "wpkh"): P2SH_P2WPKH, ("pkh",): P2PKH}
_UNSUPPORTED = {
    "tr": "taproot (tr) descriptors are not supported yet: export the wpkh(...) account",
    "wsh": "multisig descriptors are not supported: the terminal watches one single-key account",
    "multi": "multisig descriptors are not supported: the terminal watches one single-key account",
    "sortedmulti": "multisig descriptors are not supported: the terminal watches one single-key account",
}
_FUNCTION = re.compile(r"^([a-z]+)\((.*)\)$", re.S)
_KEY_EXPRESSION = re.compile(r"^(?:\[(?P<origin>[^\]]*)\])?(?P<key>[^/\[\]]+)(?P<path>(?:/[^/]+)*)$")
_ORIGIN_STEP = re.compile(r"^\d+[hH']?$")
_RECEIVE_CHAIN = ("/0/*", "/<0;1>/*")

_INPUT_CHARSET = ("0123456789()[],'/*abcdefgh@:$%{}IJKLMNOPQRSTUVWXYZ&+-.;<=>?!^_|~"
                  "ijklmnopqrstuvwxyzABCDEFGH`#\"\\ ")
_CHECKSUM_CHARSET = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
_GENERATOR = (0xF5DEE51989, 0xA9FDCA3312, 0x1BAB10E32D, 0x3706B1677A, 0x644D626FFD)


class DescriptorError(ValueError):
    """Not a descriptor the terminal can watch; the message says why."""


@dataclass(frozen=True)
class Descriptor:
    script_type: str
    key: str  # the extended key as written
    origin_fingerprint: str  # "" when the descriptor carries no origin
    origin_depth: int | None  # steps in the origin path; None without an origin
    path: str  # what follows the key, e.g. "/0/*"

    def require_receive_chain(self) -> None:
        """Checked after the key itself, so a private key is refused as such first."""
        if self.path in _RECEIVE_CHAIN:
            return
        if self.path.startswith("/1/"):
            raise DescriptorError("this is the change chain (/1/*): export the receive descriptor (/0/*)")
        raise DescriptorError(f"the key must be followed by the receive chain /0/*, not {self.path or 'nothing'!r}")


def looks_like_descriptor(text: str) -> bool:
    return "(" in text


def parse_descriptor(text: str) -> Descriptor:
    body, _, checksum = text.strip().partition("#")
    if checksum and checksum != descriptor_checksum(body):
        raise DescriptorError("the descriptor's checksum does not match: a character was changed or mistyped")
    functions, inner = _unwrap(body)
    script_type = _SCRIPTS.get(tuple(functions))
    if script_type is None:
        for name in functions:
            if name in _UNSUPPORTED:
                raise DescriptorError(_UNSUPPORTED[name])
        raise DescriptorError(f"unsupported descriptor {'('.join(functions)}(...): use wpkh(...), "
                              "sh(wpkh(...)) or pkh(...)")
    m = _KEY_EXPRESSION.match(inner)
    if not m:
        raise DescriptorError("the descriptor's key expression is malformed")
    fingerprint, depth = _origin(m.group("origin"))
    return Descriptor(script_type, m.group("key"), fingerprint, depth, m.group("path"))


def descriptor_checksum(body: str) -> str:
    """The 8-character BIP 380 checksum of a descriptor without its '#...' part."""
    symbols = _expand(body) + [0] * 8
    value = _polymod(symbols) ^ 1
    return "".join(_CHECKSUM_CHARSET[(value >> (5 * (7 - i))) & 31] for i in range(8))


def _unwrap(body: str) -> tuple[list[str], str]:
    functions = []
    inner = body.strip()
    while (m := _FUNCTION.match(inner)) is not None:
        functions.append(m.group(1))
        inner = m.group(2)
    if not functions:
        raise DescriptorError("not a descriptor: expected something like wpkh([fingerprint/84h/1h/0h]tpub.../0/*)")
    return functions, inner


def _origin(origin: str | None) -> tuple[str, int | None]:
    if origin is None:
        return "", None
    fingerprint, *steps = origin.split("/")
    if not re.fullmatch(r"[0-9a-fA-F]{8}", fingerprint) or not all(_ORIGIN_STEP.match(s) for s in steps):
        raise DescriptorError("the key origin must look like [d34db33f/84h/1h/0h]")
    return fingerprint.lower(), len(steps)


def _expand(text: str) -> list[int]:
    symbols: list[int] = []
    groups: list[int] = []
    for ch in text:
        position = _INPUT_CHARSET.find(ch)
        if position < 0:
            raise DescriptorError("the descriptor contains a character descriptors never use")
        symbols.append(position & 31)
        groups.append(position >> 5)
        if len(groups) == 3:
            symbols.append(groups[0] * 9 + groups[1] * 3 + groups[2])
            groups = []
    if len(groups) == 1:
        symbols.append(groups[0])
    elif len(groups) == 2:
        symbols.append(groups[0] * 3 + groups[1])
    return symbols


def _polymod(symbols: list[int]) -> int:
    checksum = 1
    for value in symbols:
        top = checksum >> 35
        checksum = (checksum & 0x7FFFFFFFF) << 5 ^ value
        for i, generator in enumerate(_GENERATOR):
            if (top >> i) & 1:
                checksum ^= generator
    return checksum
