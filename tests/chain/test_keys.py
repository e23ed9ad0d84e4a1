"""The watch-only key: what is accepted, what is refused (and how it is said), how addresses come out."""

from __future__ import annotations

import time

import pytest

from pos.chain.descriptor import descriptor_checksum
from pos.chain.keys import KeyRefused, WatchOnlyKey, check_key_text, lazy_key
from tests.chain.conftest import VPUB

# The same BIP84 test account as VPUB, in the tpub form Bitcoin Core and Sparrow put in descriptors.
TPUB84 = ("tpubDC8msFGeGuwnKG9Upg7DM2b4DaRqg3CUZa5g8v2SRQ6K4NSkxUgd7HsL2XVWbVm39yBA4LAxysQAm397zwQSQoQgewGiYZqrA9D"
          "sP4zbQ1M")
# BIP49 and BIP44 test vector accounts (m/49'/1'/0', m/44'/1'/0' of "abandon x11 about").
UPUB49 = ("upub5EFU65HtV5TeiSHmZZm7FUffBGy8UKeqp7vw43jYbvZPpoVsgU93oac7Wk3u6moKegAEWtGNF8DehrnHtv21XXEMYRUocHqgu"
          "yjknFHYfgY")
TPUB44 = ("tpubDC5FSnBiZDMmhiuCmWAYsLwgLYrrT9rAqvTySfuCCrgsWz8wxMXUS9Tb9iVMvcRbvFcAHGkMD5Kx8koh4GquNGNTfohfk7pgjha"
          "PCdXpoba")
ZPUB84 = ("zpub6rFR7y4Q2AijBEqTUquhVz398htDFrtymD9xYYfG1m4wAcvPhXNfE3EfH1r1ADqtfSdVCToUG868RvUUkgDKf31mGDtKsAYz2oz"
          "2AGutZYs")
TPRV84 = ("tprv8fSjiqEQ8YG7Ro7gw2ScwcvweYuuWi1ZzGUtrPz918HvDtBzL5s2voFTrN4y3yUwj5cYD54pLhxk6NKCzHUjcka3zbKjbTEcsuA"
          "nkzbjhkL")
XPRV44 = ("xprv9xpXFhFpqdQK3TmytPBqXtGSwS3DLjojFhTGht8gwAAii8py5X6pxeBnQ6ehJiyJ6nDjWGJfZ95WxByFXVkDxHXrqu53WCRGypk"
          "2ttuqncb")
WIF_TEST = "cTGhosGriPpuGA586jemcuH9pE9spwUmneMBmYYzrQEbY92DJrbo"
WIF_MAIN = "L4p2b9VAf8k5aUahF1JCJUzZkgNEAqLfq8DDdQiyAprQAKSbu8hf"
MNEMONIC = "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about"
MASTER_TPUB = ("tpubD6NzVbkrYhZ4XYa9MoLt4BiMZ4gkt2faZ4BcmKu2a9te4LDpQmvEz2L2yDERivHxFPnxXXhqDRkUNnQCpZggCyEZLBktV7V"
               "aSmwayqMJy1s")
DEPTH4_VPUB = ("vpub5baxyhXRwCQ1N4KuQfdVSfnYahk6HDRCqDhQJjgSbxo8SzP5ghgHugxZuQ9TpfGC2oTBYdVi8thxMGhqjcVbNPMBNRKMX9x"
               "1PZW4LXNyq7q")


def descriptor(body: str) -> str:
    return f"{body}#{descriptor_checksum(body)}"


@pytest.mark.parametrize("text, network, first", [
    (VPUB, "testnet4", "tb1q6rz28mcfaxtmd6v789l9rrlrusdprr9pqcpvkl"),  # BIP84 test vector
    (VPUB, "regtest", "bcrt1q6rz28mcfaxtmd6v789l9rrlrusdprr9pz3cppk"),
    (UPUB49, "testnet", "2Mww8dCYPUpKHofjgcXcBCEGmniw9CoaiD2"),  # BIP49 test vector
    (UPUB49, "regtest", "2Mww8dCYPUpKHofjgcXcBCEGmniw9CoaiD2"),  # Core's regtest shares testnet's base58
    (TPUB44, "signet", "mkpZhYtJu2r87Js3pDiWJDmPte2NRZ8bJV"),
    (TPUB44, "regtest", "mkpZhYtJu2r87Js3pDiWJDmPte2NRZ8bJV"),
    (ZPUB84, "mainnet", "bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu"),  # BIP84 mainnet vector
    (descriptor(f"wpkh([73c5da0a/84h/1h/0h]{TPUB84}/0/*)"), "testnet4", "tb1q6rz28mcfaxtmd6v789l9rrlrusdprr9pqcpvkl"),
    (f"wpkh([73c5da0a/84'/1'/0']{TPUB84}/<0;1>/*)", "regtest", "bcrt1q6rz28mcfaxtmd6v789l9rrlrusdprr9pz3cppk"),
    (f"sh(wpkh({TPUB84}/0/*))", "testnet", None),
    (f"pkh([73c5da0a/44h/1h/0h]{TPUB44}/0/*)", "testnet", "mkpZhYtJu2r87Js3pDiWJDmPte2NRZ8bJV"),
])
def test_accepted_keys_give_their_published_first_address(text, network, first):
    key = WatchOnlyKey.parse(f"  {text}\n", network)
    assert key.network == network
    if first is not None:
        assert key.first_address() == first


def test_the_descriptor_decides_the_script_and_keeps_the_fingerprint():
    nested = WatchOnlyKey.parse(f"sh(wpkh([73c5da0a/84h/1h/0h]{TPUB84}/0/*))", "testnet")
    assert (nested.script_type, nested.origin_fingerprint) == ("p2sh_p2wpkh", "73c5da0a")
    assert nested.first_address().startswith("2")
    assert "fingerprint 73c5da0a" in nested.describe()


def test_following_addresses_are_the_receive_chain_in_order():
    # BIP84 test vector: m/84'/0'/0'/0/1
    assert WatchOnlyKey.parse(ZPUB84, "mainnet").address(1) == "bc1qnjg0jd8228aq7egyzacy8cys3knf9xvrerkf9g"
    key = WatchOnlyKey.parse(VPUB, "testnet4")
    assert len({key.address(i) for i in range(50)}) == 50
    with pytest.raises(ValueError, match="out of range"):
        key.address(2**31)


def test_deriving_is_fast_after_the_first_address():
    key = WatchOnlyKey.parse(VPUB, "regtest")
    key.first_address()

    def per_address(batch: range) -> float:
        started = time.process_time()  # CPU time: other processes share the cores during the suite
        for i in batch:
            key.address(i)
        return (time.process_time() - started) / len(batch)

    assert min(per_address(range(n, n + 50)) for n in range(0, 250, 50)) < 0.005


SECRETS = [
    (MNEMONIC, "recovery phrase"),
    (TPRV84, "extended PRIVATE key (tprv...)"),
    (XPRV44, "extended PRIVATE key (xprv...)"),
    (WIF_TEST, "private key (WIF, test network)"),
    (WIF_MAIN, "private key (WIF, mainnet)"),
    ("e9873d79c6d87dc0fb6a5778633389f4453213303da61f20bd67fc233aa33262", "raw private key"),
    (descriptor(f"wpkh([73c5da0a/84h/1h/0h]{TPRV84}/0/*)"), "extended PRIVATE key (tprv...)"),
    (f"wpkh({WIF_TEST})", "private key (WIF"),
]


@pytest.mark.parametrize("secret, said", SECRETS)
def test_anything_that_can_spend_is_refused_without_repeating_it(secret, said):
    with pytest.raises(KeyRefused) as err:
        WatchOnlyKey.parse(secret, "testnet4")
    message = str(err.value)
    assert said in message
    assert "never" in message.lower()
    for part in secret.replace("(", " ").replace(")", " ").replace("/", " ").split():
        assert len(part) < 12 or part not in message


@pytest.mark.parametrize("text, network, said", [
    (ZPUB84, "testnet4", "zpub... is a mainnet key (real bitcoin) but [chain] network is 'testnet4'"),
    (XPRV44.replace("xprv", "xpub")[:4] + ZPUB84[4:], "testnet", "damaged"),
    (VPUB, "mainnet", "vpub... is a test-network key but [chain] network is 'mainnet'"),
    (MASTER_TPUB, "testnet4", "tpub... is a master key; the terminal needs the account key at depth 3"),
    (DEPTH4_VPUB, "regtest", "vpub... is a key at depth 4"),
    (VPUB[:-1] + ("d" if VPUB[-1] != "d" else "e"), "testnet4", "is damaged: its checksum does not match"),
    (VPUB[:40], "testnet4", "is damaged"),
    ("hello", "testnet4", "hell... (5 characters) is not an extended public key"),
    ("", "testnet4", "no key"),
    (f"{VPUB} {VPUB}", "testnet4", "contains spaces"),
    (f"wpkh({TPUB84}/1/*)", "testnet4", "change chain"),
    (f"wpkh({TPUB84}/0h/*)", "testnet4", "receive chain /0/*"),
    (f"wpkh([73c5da0a/84h/1h]{TPUB84}/0/*)", "testnet4", "origin path has 2 step(s) but the key is at depth 3"),
    (descriptor(f"wpkh({TPUB84}/0/*)")[:-1] + "q", "testnet4", "checksum does not match"),
    (f"tr({TPUB84}/0/*)", "testnet4", "taproot"),
    (f"wsh(multi(1,{TPUB84}/0/*))", "testnet4", "multisig"),
])
def test_unusable_keys_are_refused_with_the_reason(text, network, said):
    with pytest.raises(KeyRefused, match=None) as err:
        WatchOnlyKey.parse(text, network)
    assert said in str(err.value)


def test_key_refused_is_a_value_error_and_start_up_helpers_agree():
    assert issubclass(KeyRefused, ValueError)
    with pytest.raises(KeyRefused):
        check_key_text(MNEMONIC, "testnet4")
    get = lazy_key(VPUB, "regtest")
    assert get() is get()
    assert get().first_address() == "bcrt1q6rz28mcfaxtmd6v789l9rrlrusdprr9pz3cppk"


def test_descriptor_checksums_match_the_bip380_vectors():
    assert descriptor_checksum("raw(deadbeef)") == "89f8spxm"
    assert descriptor_checksum("pkh([d34db33f/44'/0'/0']xpub6ERApfZwUNrhLCkDtcHTcxd75RbzS1ed54G1LkBUHQVHQKqhMkhgbm"
                               "JbZRkrgZw4koxb5JaHWkY4ALHY2grBGRjaDMzQLcgJvLJuZZvRcEL/1/*)") == "ml40v0wf"
