"""BIP21 payment requests: exact amounts from sats, percent-encoded Cyrillic and Kazakh, compact QR."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
import qrcode

from pos.chain.bip21 import payment_uri

TB1 = "tb1q6rz28mcfaxtmd6v789l9rrlrusdprr9pqcpvkl"
BCRT1 = "bcrt1q6rz28mcfaxtmd6v789l9rrlrusdprr9pz3cppk"
P2SH = "2Mww8dCYPUpKHofjgcXcBCEGmniw9CoaiD2"
KAZAKH = "«Алатау» дүкені: қымыз, құрт, ірімшік & нан"


def decoded(uri: str) -> tuple[str, str, dict[str, str]]:
    parts = urlsplit(uri)
    return parts.scheme, parts.path, {k: v[0] for k, v in parse_qs(parts.query, strict_parsing=True).items()}


@pytest.mark.parametrize("sats, amount", [
    (1, "0.00000001"), (546, "0.00000546"), (123_456, "0.00123456"), (100_000_000, "1"),
    (150_000_000, "1.5"), (2_100_000_000_000_000, "21000000"),
])
def test_the_amount_is_btc_written_from_integer_sats(sats, amount):
    assert decoded(payment_uri(TB1, sats, "Shop", "T01-000001"))[2]["amount"] == amount


def test_a_bech32_address_is_written_upper_case_and_means_the_same():
    uri = payment_uri(BCRT1, 25_000, "Shop", "T01-000042")
    assert uri == f"BITCOIN:{BCRT1.upper()}?amount=0.00025&label=Shop&message=T01-000042"
    scheme, address, params = decoded(uri)
    assert (scheme, address.lower(), params["message"]) == ("bitcoin", BCRT1, "T01-000042")


def test_a_base58_address_keeps_its_case():
    assert payment_uri(P2SH, 1000).startswith(f"bitcoin:{P2SH}?amount=0.00001")


@pytest.mark.parametrize("label", [KAZAKH, "Магазин «Ромашка» №1", "A&B=C?#%+ /"])
def test_labels_in_any_script_are_percent_encoded_and_come_back_intact(label):
    uri = payment_uri(TB1, 123_456, label, "T01-000042")
    assert uri.isascii() and " " not in uri
    assert decoded(uri)[2] == {"amount": "0.00123456", "label": label, "message": "T01-000042"}


def test_empty_label_and_message_are_left_out():
    assert payment_uri(TB1, 1000) == f"BITCOIN:{TB1.upper()}?amount=0.00001"


@pytest.mark.parametrize("sats", [0, -1])
def test_a_request_without_a_positive_amount_is_refused(sats):
    with pytest.raises(ValueError, match="positive amount"):
        payment_uri(TB1, sats, "Shop", "T01-000001")


def qr_version(data: str) -> int:
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M)
    code.add_data(data)
    code.make(fit=True)
    return code.version


@pytest.mark.parametrize("address", [TB1, BCRT1])
@pytest.mark.parametrize("label", ["Shop", "Alatau Demo Grocery", KAZAKH])
@pytest.mark.parametrize("sats", [546, 123_456, 98_765_432])
def test_upper_case_never_makes_the_qr_code_larger(address, label, sats):
    upper = payment_uri(address, sats, label, "T01-000042")
    lower = upper.replace(f"BITCOIN:{address.upper()}", f"bitcoin:{address}")
    assert qr_version(upper) <= qr_version(lower)


def test_upper_case_makes_a_plain_request_smaller():
    upper = payment_uri(BCRT1, 1000, "Shop", "T01-000001")
    assert qr_version(upper) < qr_version(upper.replace(f"BITCOIN:{BCRT1.upper()}", f"bitcoin:{BCRT1}"))
