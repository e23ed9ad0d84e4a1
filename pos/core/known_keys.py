"""Keys everybody holds: the BIP39 test seed "abandon abandon … abandon about".

Its recovery phrase is in BIP39's test vectors and in countless tutorials (the shipped
config.toml's demo key is its testnet account), so anyone can spend what is paid to its
addresses, and bots sweep them within seconds. A shop configured with it gives its
takings away: `pos check` and the terminal say so loudly.

A key is recognised by its first receive address (0/0), the one `pos check` shows: that
catches every spelling of the same account (vpub, tpub, a descriptor, with or without
its origin) without decoding keys here.
"""

from __future__ import annotations

PUBLIC_TEST_SEED = "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about"

#: Address 0/0 of account 0 of the test seed, for BIP44, BIP49 and BIP84, on mainnet (coin 0)
#: and the test networks (coin 1), as this terminal encodes them (tests/test_cli.py derives
#: them from the phrase).
_FIRST_ADDRESSES = frozenset({
    "1LqBGSKuX5yYUonjxT5qGfpUsXKYYWeabA", "37VucYSaXLCAsxYyAPfbSi9eh4iEcbShgf",
    "bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu",
    "mkpZhYtJu2r87Js3pDiWJDmPte2NRZ8bJV", "2Mww8dCYPUpKHofjgcXcBCEGmniw9CoaiD2",
    "tb1q6rz28mcfaxtmd6v789l9rrlrusdprr9pqcpvkl",
    "16JcQVoL61QsLCPS6ek8UJZ52eRfaFqLJt", "36NvZTcMsMowbt78wPzJaHHWaNiyR73Y4g",
    "bcrt1q6rz28mcfaxtmd6v789l9rrlrusdprr9pz3cppk",
})


def is_public_test_key(first_address: str) -> bool:
    """True when the account whose address 0/0 this is belongs to the public test seed."""
    return first_address in _FIRST_ADDRESSES
