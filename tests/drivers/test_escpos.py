"""The ESC/POS encoder, byte for byte, and the text rules: never '?', never garbage."""

from __future__ import annotations

import string
import subprocess

import pytest
from hypothesis import given
from hypothesis import strategies as st

from drivers.decode import decode
from drivers.escpos import (
    DRAWER_KICK, PARTIAL_CUT, TRANSLITERATION, Profile, ProfileError, encode_receipt, encode_text, printable,
    qr_matrix, qr_native, qr_raster,
)
from pos.core.codepages import CODE_PAGES
from pos.core.receipt import QR, Cut, Feed, Receipt, Rule, Text, build_receipt
from tests.builders import T0
from tests.drivers.conftest import TXID, settings, settled

HEAD = b"\x1b@\x1bt\x11"  # ESC @, ESC t 17 (PC866)
KAZAKH = "ӘәҒғҚқҢңӨөҰұҮүҺһІі"
RUSSIAN = "АБВГДЕЁЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯабвгдеёжзийклмнопрстуфхцчшщъыьэюя"


def encode(*blocks, profile=Profile(), copy=False, open_drawer=False) -> bytes:
    return encode_receipt(Receipt(profile.columns, tuple(blocks), copy, open_drawer), profile)


# ---- commands ------------------------------------------------------------------
def test_a_receipt_starts_by_resetting_the_printer_and_choosing_its_code_table():
    assert encode(Text("Hi")) == HEAD + b"Hi\n"
    assert encode(Text("Hi"), profile=Profile(code_table=53, codec="kz1048")) == b"\x1b@\x1bt\x35Hi\n"


def test_style_commands_are_sent_only_when_the_style_changes():
    assert encode(Text("a", "center", bold=True), Text("b", "center", bold=True), Text("c")) == (
        HEAD + b"\x1ba\x01\x1bE\x01a\n" + b"b\n" + b"\x1ba\x00\x1bE\x00c\n")


@pytest.mark.parametrize("wide, tall, n", [(True, True, 0x11), (True, False, 0x10), (False, True, 0x01)])
def test_double_width_and_height_are_one_gs_bang(wide, tall, n):
    assert encode(Text("x", wide=wide, tall=tall)) == HEAD + b"\x1d!" + bytes([n]) + b"x\n"


def test_right_alignment_feed_rule_and_partial_cut():
    assert encode(Text("r", "right"), Feed(3), Rule("="), Cut(), profile=Profile(columns=32)) == (
        HEAD + b"\x1ba\x02r\n" + b"\x1bd\x03" + b"\x1ba\x00" + b"=" * 32 + b"\n" + b"\x1dVB\x00")
    assert PARTIAL_CUT == b"\x1d\x56\x42\x00"


def test_native_qr_is_model_2_module_6_level_m_then_store_and_print():
    assert qr_native("abc") == (
        b"\x1d(k\x04\x00\x31\x41\x32\x00"     # fn 65: model 2
        b"\x1d(k\x03\x00\x31\x43\x06"         # fn 67: module 6 dots
        b"\x1d(k\x03\x00\x31\x45\x31"         # fn 69: error correction M
        b"\x1d(k\x06\x00\x31\x50\x30abc"      # fn 80: store 3 bytes (pL = 3 + 3)
        b"\x1d(k\x03\x00\x31\x51\x30")        # fn 81: print
    assert encode(QR("abc")) == HEAD + b"\x1ba\x01" + qr_native("abc")


def test_a_long_qr_payload_carries_its_length_in_two_bytes():
    payload = "x" * 300
    store = qr_native(payload).split(b"\x1d(k")[4]
    assert store[:2] == bytes([(300 + 3) % 256, (300 + 3) // 256])


def test_raster_qr_is_the_qrcode_matrix_scaled_and_a_phone_can_read_it(tmp_path):
    data = qr_raster(TXID, dots=384)
    image = decode(data, "cp866").images[0]
    matrix = qr_matrix(TXID)
    scale = 4
    assert data[:4] == b"\x1dv0\x00" and data[4:6] == bytes([image.width_bytes, 0])
    expected = [[dark for dark in row for _ in range(scale)] for row in matrix for _ in range(scale)]
    assert [row[:len(matrix) * scale] for row in image.pixels()] == expected
    pbm = tmp_path / "qr.pbm"  # GS v 0 rows are exactly a PBM P4 body
    pbm.write_bytes(b"P4\n%d %d\n" % (image.width_bytes * 8, len(image.rows)) + b"".join(image.rows))
    read = subprocess.run(["zbarimg", "-q", "--raw", str(pbm)], capture_output=True, text=True, timeout=30)
    assert read.stdout.strip() == TXID


def test_without_native_qr_the_profile_sends_a_raster_and_it_fits_the_paper():
    data = encode(QR(TXID), profile=Profile(columns=32, native_qr=False))
    assert b"\x1d(k" not in data
    image = decode(data, "cp866").images[0]
    assert image.width_bytes * 8 <= 384


def test_the_drawer_opens_after_the_cut_of_an_original_that_asks_for_it_never_for_a_copy():
    drawer = Profile(cash_drawer=True)
    assert encode(Cut(), profile=drawer, open_drawer=True) == HEAD + PARTIAL_CUT + DRAWER_KICK
    assert DRAWER_KICK == b"\x1bp\x00\x19\xfa"
    assert encode(Cut(), profile=drawer, open_drawer=True, copy=True) == HEAD + PARTIAL_CUT
    assert encode(Cut(), profile=drawer) == HEAD + PARTIAL_CUT  # no cash taken: the drawer stays shut
    assert encode(Cut(), open_drawer=True) == HEAD + PARTIAL_CUT  # no drawer fitted


def test_an_unknown_codec_is_refused_with_a_readable_message():
    with pytest.raises(ProfileError, match="'cp9999' is not a known Python codec"):
        Profile(codec="cp9999")


def test_paper_width_sets_the_raster_width():
    assert (Profile(columns=32).dots, Profile(columns=48).dots) == (384, 576)


# ---- text --------------------------------------------------------------------
def test_russian_prints_through_pc866():
    assert encode_text("Привет", "cp866") == bytes.fromhex("8f e0 a8 a2 a5 e2")
    assert encode_text("Ёё№", "cp866") == bytes.fromhex("f0 f1 fc")


def test_kazakh_prints_through_kz1048_letter_for_letter():
    assert encode_text(KAZAKH, "kz1048") == bytes.fromhex("a3 bc aa ba 8d 9d bd be a5 b4 a1 a2 af bf 8e 9e b2 b3")
    assert encode_text(RUSSIAN, "kz1048").decode("kz1048") == RUSSIAN


def test_without_kz1048_kazakh_letters_are_transliterated_as_in_russian_text():
    assert printable(KAZAKH, "cp866") == "АаГгКкНнОоУуУуХхИи"
    assert printable("Қарағанды, Әділ, Іле, Өскемен, Шаңырақ, Ұлы, Үш, Һ", "cp866") == \
        "Караганды, Адил, Иле, Оскемен, Шанырак, Улы, Уш, Х"
    assert encode_text("Құрт", "cp866").decode("cp866") == "Курт"


def test_the_tenge_sign_is_written_kzt_in_every_code_page():
    for codec in ("cp866", "kz1048"):
        assert encode_text("450 ₸", codec) == b"450 KZT"


def test_punctuation_and_accents_fall_back_to_look_alikes():
    assert printable("«Café» — “naïve”…", "cp866") == '"Cafe" - "naive"...'


def test_control_characters_in_text_cannot_become_commands():
    assert encode_text("a\x1b@b\x1dV\x00c\n", "cp866") == b"a @b V c "


def test_what_no_rule_covers_prints_as_a_star_not_a_question_mark():
    assert printable("чай 🍵", "cp866") == "чай *"


PRINTABLE_TEXT = st.text(alphabet=st.sampled_from(
    KAZAKH + RUSSIAN + string.ascii_letters + string.digits + " .,:;!-%№₸«»—–…éüöçñ€🍵\u00a0\t"), max_size=80)


@given(PRINTABLE_TEXT, st.sampled_from(["cp866", "kz1048"]))
def test_no_text_ever_prints_as_question_marks_or_garbage(text, codec):
    data = encode_text(text, codec)
    assert b"?" not in data
    assert all(b >= 0x20 for b in data)
    back = data.decode(codec)
    assert "\ufffd" not in back
    assert all(ch in back for ch in text if ch.isalnum() and ch.encode(codec, errors="ignore"))


def test_every_substitute_itself_fits_both_code_pages():
    for codec in ("cp866", "kz1048"):
        for substitute in TRANSLITERATION.values():
            substitute.encode(codec)


# ---- a whole receipt -------------------------------------------------------------
@pytest.mark.parametrize("codec, table", [("cp866", 17), ("kz1048", 53)])
@pytest.mark.parametrize("columns", [32, 48])
def test_a_whole_receipt_decodes_back_to_its_document(codec, table, columns):
    doc = build_receipt(settled(), settings("kk", columns), number=7, now=T0)
    profile = Profile(columns=columns, code_table=table, codec=codec)
    printout = decode(encode_receipt(doc, profile), codec)
    expected = [printable(b.text, codec) if isinstance(b, Text) else "-" * columns
                for b in doc.blocks if isinstance(b, (Text, Rule))]
    assert printout.lines == expected
    assert printout.qr_payloads == [TXID]
    assert printout.code_tables == [table]
    assert printout.unknown == []
    assert len(printout.receipts()) == 1


def test_the_decoder_names_bytes_it_does_not_understand():
    assert decode(b"ok\n\x1b\x99\x07", "cp866").unknown == [3, 5]


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-32", "cp037", "rot13", "utf-8"])
def test_only_printer_code_pages_are_codecs_so_letters_never_become_commands(codec):  # issue 14
    # "\u1b40" in utf-16-le is ESC @ (reset); "VB" in cp037 (EBCDIC) is not ASCII at all
    with pytest.raises(ProfileError, match="not a known Python codec of a printer code page"):
        Profile(codec=codec)


def test_every_allowed_code_page_keeps_ascii_as_ascii():
    for codec in CODE_PAGES:
        assert encode_text(string.printable.strip(), codec) == string.printable.strip().encode("ascii")
