"""The merchant's watch-only account key: read it, refuse anything that could spend, derive addresses.

`[chain] xpub` holds an account-level extended PUBLIC key (depth 3, m/purpose'/coin'/account'):
vpub (BIP84, native segwit), upub (BIP49, nested segwit), tpub (BIP44, legacy), their mainnet
twins zpub/ypub/xpub, or a descriptor wpkh(...), sh(wpkh(...)), pkh(...) around one of them.

Reading is plain Python (base58check, version bytes, depth, curve point) so a bad key is
refused at start-up without bitcoinlib and with a message that names the problem but never
repeats a secret: private keys, WIF and mnemonics are recognised and refused as such.

Deriving uses bitcoinlib, only ever the relative path 0/i below the account key (a full
m/84'/... path on a public key silently gives wrong addresses), with the key's own network
(testnet, testnet4, signet and regtest share tpub/upub/vpub, and bitcoinlib refuses a vpub
for "regtest"); the address is then encoded for the configured network (bcrt1... on regtest).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import re
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Callable, Iterator

from pos.chain.descriptor import (
    P2PKH, P2SH_P2WPKH, P2WPKH, DescriptorError, looks_like_descriptor, parse_descriptor,
)

ACCOUNT_DEPTH = 3
HARDENED = 2**31
MAINNET = "mainnet"
WITNESS_TYPES = {P2PKH: "legacy", P2SH_P2WPKH: "p2sh-segwit", P2WPKH: "segwit"}
SCRIPT_NAMES = {P2PKH: "legacy P2PKH (BIP44)", P2SH_P2WPKH: "nested segwit P2SH-P2WPKH (BIP49)",
                P2WPKH: "native segwit P2WPKH (BIP84)"}

_BASE58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_SECP256K1_P = 2**256 - 2**32 - 977
_MNEMONIC_LENGTHS = (12, 15, 18, 21, 24)


class KeyRefused(ValueError):
    """`[chain] xpub` cannot be used; the message says why and never repeats a secret."""


@dataclass(frozen=True)
class _Version:
    name: str
    mainnet: bool
    private: bool
    script_type: str | None  # None: a multisig (Ypub/Zpub/Upub/Vpub) key


_VERSIONS = {bytes.fromhex(h): _Version(name, mainnet, private, script) for h, name, mainnet, private, script in (
    ("0488b21e", "xpub", True, False, P2PKH), ("049d7cb2", "ypub", True, False, P2SH_P2WPKH),
    ("04b24746", "zpub", True, False, P2WPKH), ("0295b43f", "Ypub", True, False, None),
    ("02aa7ed3", "Zpub", True, False, None),
    ("0488ade4", "xprv", True, True, P2PKH), ("049d7878", "yprv", True, True, P2SH_P2WPKH),
    ("04b2430c", "zprv", True, True, P2WPKH), ("0295b005", "Yprv", True, True, None),
    ("02aa7a99", "Zprv", True, True, None),
    ("043587cf", "tpub", False, False, P2PKH), ("044a5262", "upub", False, False, P2SH_P2WPKH),
    ("045f1cf6", "vpub", False, False, P2WPKH), ("024289ef", "Upub", False, False, None),
    ("02575483", "Vpub", False, False, None),
    ("04358394", "tprv", False, True, P2PKH), ("044a4e28", "uprv", False, True, P2SH_P2WPKH),
    ("045f18bc", "vprv", False, True, P2WPKH), ("024285b5", "Uprv", False, True, None),
    ("02575048", "Vprv", False, True, None),
)}
_WIF_VERSIONS = {0x80: "mainnet", 0xEF: "test network"}


@dataclass(frozen=True)
class WatchOnlyKey:
    """An account's extended public key, checked, and the network its addresses are for."""

    extended_key: str
    network: str  # the configured network: testnet4, testnet, signet, regtest or mainnet
    script_type: str  # p2wpkh, p2sh_p2wpkh or p2pkh
    origin_fingerprint: str = ""  # from a descriptor's [fingerprint/...], for display

    @classmethod
    def parse(cls, text: str, network: str) -> "WatchOnlyKey":
        """Read `[chain] xpub` for `network`; KeyRefused says what is wrong with it."""
        text = (text or "").strip()
        if not text:
            raise KeyRefused("no key: set [chain] xpub to the account's extended public key (vpub..., tpub...)")
        _refuse_phrase(text)
        with _as_refusal():
            descriptor = parse_descriptor(text) if looks_like_descriptor(text) else None
        key_text = descriptor.key if descriptor else text
        version, payload = _decode_extended_key(key_text)
        _check_network(version, network)
        if descriptor is None:
            _check_depth(version, payload[4], None)
            _check_point(payload[45:78], version.name)
            return cls(key_text, network, str(version.script_type))
        with _as_refusal():
            descriptor.require_receive_chain()
        _check_depth(version, payload[4], descriptor.origin_depth)
        _check_point(payload[45:78], version.name)
        return cls(key_text, network, descriptor.script_type, descriptor.origin_fingerprint)

    def address(self, index: int) -> str:
        """The receive address 0/index, encoded for the configured network (imports bitcoinlib)."""
        if not 0 <= index < HARDENED:
            raise ValueError(f"address index {index} is out of range (0 .. {HARDENED - 1})")
        receive_chain = self._receive_chain  # first: it imports bitcoinlib the safe way
        from bitcoinlib.keys import Address

        child = receive_chain.child_public(index)
        return Address(child.public_byte, network=_bcl_network(self.network), script_type=self.script_type).address

    def first_address(self) -> str:
        """0/0: the first address the merchant's wallet lists, to compare in `pos check`."""
        return self.address(0)

    def describe(self) -> str:
        origin = f", fingerprint {self.origin_fingerprint}" if self.origin_fingerprint else ""
        return f"{SCRIPT_NAMES[self.script_type]} account {self.extended_key[:8]}...{self.extended_key[-4:]}{origin}"

    @cached_property
    def _receive_chain(self) -> Any:
        """The external chain key (account/0), derived once; each address is one more step."""
        from pos.chain.bcl import import_bitcoinlib

        import_bitcoinlib()
        from bitcoinlib.keys import HDKey

        key_network = "bitcoin" if self.network == MAINNET else "testnet"
        account = HDKey(self.extended_key, network=key_network, witness_type=WITNESS_TYPES[self.script_type])
        return account.child_public(0)


def check_key_text(text: str, network: str) -> None:
    """Start-up check of `[chain] xpub`: raises KeyRefused, imports nothing heavy."""
    WatchOnlyKey.parse(text, network)


def lazy_key(text: str, network: str) -> Callable[[], WatchOnlyKey]:
    """The key, parsed on first use and kept (for services that must not parse at start-up)."""
    return functools.cache(lambda: WatchOnlyKey.parse(text, network))


def _bcl_network(network: str) -> str:
    from pos.chain.bcl import BCL_NETWORKS

    return BCL_NETWORKS[network]


def _hint(text: str) -> str:
    """Enough of what was typed to recognise it, never enough to use it."""
    return f"{text[:4]}... ({len(text)} characters)"


def _refuse_phrase(text: str) -> None:
    if looks_like_descriptor(text):
        return
    words = text.split()
    if len(words) > 1:
        if len(words) in _MNEMONIC_LENGTHS and all(w.isalpha() for w in words):
            raise KeyRefused(f"this looks like a recovery phrase ({len(words)} words). Never type it into the "
                             "terminal: anyone who sees it can spend the wallet. Enter the account's extended "
                             "public key (vpub..., tpub...) instead")
        raise KeyRefused("the key contains spaces: paste one extended public key (vpub..., tpub...)")


def _b58decode_check(text: str) -> bytes | None:
    """base58check payload, or None if `text` is not base58check (bad characters or checksum)."""
    if not text or any(c not in _BASE58 for c in text):
        return None
    number = 0
    for c in text:
        number = number * 58 + _BASE58.index(c)
    raw = number.to_bytes((number.bit_length() + 7) // 8, "big")
    raw = b"\x00" * (len(text) - len(text.lstrip("1"))) + raw
    payload, checksum = raw[:-4], raw[-4:]
    if len(raw) < 5 or hashlib.sha256(hashlib.sha256(payload).digest()).digest()[:4] != checksum:
        return None
    return payload


def _decode_extended_key(text: str) -> tuple[_Version, bytes]:
    if re.fullmatch(r"[0-9a-fA-F]{64}", text):
        raise KeyRefused("this looks like a raw private key (64 hex digits): the terminal never holds private "
                         "keys. Enter the account's extended public key (vpub..., tpub...)")
    payload = _b58decode_check(text)
    if payload is None:
        if text[:4] in {v.name for v in _VERSIONS.values()}:
            raise KeyRefused(f"{_hint(text)} is damaged: its checksum does not match (a character was changed, "
                             "added or lost when copying)")
        raise KeyRefused(f"{_hint(text)} is not an extended public key: expected vpub..., upub..., tpub... "
                         "or a descriptor such as wpkh([fingerprint/84h/1h/0h]tpub.../0/*)")
    if len(payload) in (33, 34) and payload[0] in _WIF_VERSIONS:
        raise KeyRefused(f"this is a private key (WIF, {_WIF_VERSIONS[payload[0]]}): the terminal never holds "
                         "keys that can spend. Enter the account's extended public key (vpub..., tpub...)")
    version = _VERSIONS.get(payload[:4])
    if len(payload) != 78 or version is None:
        raise KeyRefused(f"{_hint(text)} is not an extended public key: expected vpub..., upub..., tpub... "
                         "or a descriptor such as wpkh([fingerprint/84h/1h/0h]tpub.../0/*)")
    if version.private:
        raise KeyRefused(f"this is an extended PRIVATE key ({version.name}...): the terminal never holds keys "
                         f"that can spend. Export the account's extended public key instead")
    if version.script_type is None:
        raise KeyRefused(f"{version.name}... is a multisig key: the terminal watches one single-key account")
    return version, payload


def _check_network(version: _Version, network: str) -> None:
    if version.mainnet and network != MAINNET:
        raise KeyRefused(f"{version.name}... is a mainnet key (real bitcoin) but [chain] network is {network!r}: "
                         "use the test wallet's key (tpub/upub/vpub)")
    if not version.mainnet and network == MAINNET:
        raise KeyRefused(f"{version.name}... is a test-network key but [chain] network is 'mainnet': "
                         "use the mainnet wallet's key (xpub/ypub/zpub)")


def _check_depth(version: _Version, depth: int, origin_depth: int | None) -> None:
    if origin_depth is not None and origin_depth != depth:
        raise KeyRefused(f"the descriptor's origin path has {origin_depth} step(s) but the key is at depth {depth}")
    if depth != ACCOUNT_DEPTH:
        what = "a master key" if depth == 0 else f"a key at depth {depth}"
        raise KeyRefused(f"{version.name}... is {what}; the terminal needs the account key at depth 3 "
                         "(m/84'/1'/0' for BIP84): export the account's extended public key")


@contextlib.contextmanager
def _as_refusal() -> Iterator[None]:
    try:
        yield
    except DescriptorError as exc:
        raise KeyRefused(str(exc)) from None


def _check_point(public_key: bytes, name: str) -> None:
    """A compressed secp256k1 point: 02/03 and an x whose x^3 + 7 is a square mod p."""
    if public_key[0] == 0:
        raise KeyRefused(f"this {name}... carries a private key: the terminal never holds keys that can spend")
    x = int.from_bytes(public_key[1:], "big")
    y_squared = (pow(x, 3, _SECP256K1_P) + 7) % _SECP256K1_P
    if public_key[0] not in (2, 3) or x >= _SECP256K1_P or pow(y_squared, (_SECP256K1_P - 1) // 2, _SECP256K1_P) != 1:
        raise KeyRefused(f"this {name}... does not hold a valid public key: it is damaged")
