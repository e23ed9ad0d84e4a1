"""The payment slip as a document (pos.core.receipt): every field, both widths, three languages."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timezone

import pytest

from pos.core.invoice import Payment
from pos.core.localtime import almaty
from pos.core.receipt import (
    QR, Cut, Receipt, Text, build_receipt, chunks, confirmations_text, local_time, pair, payment_status,
    percent, quantity, render_text, wrap,
)
from tests.drivers.conftest import NOW, TXID, flat, required_fields, sale, settings, settled

RU_48 = """\
              Alatau Demo Grocery
                БИН 260140000017
       Alatau, CryptoCity, 1 Demo Street
------------------------------------------------
              КВИТАНЦИЯ ОБ ОПЛАТЕ
          Не является фискальным чеком
                T E S T N E T 4
       Тестовая сеть: не настоящие деньги
------------------------------------------------
Квитанция №                               000007
Счёт                                  T01-000042
Терминал                                     T01
Кассир                                      Әсел
Дата                         25.11.2026 11:00:00
Напечатано                   25.11.2026 11:03:00
------------------------------------------------
Хлеб пшеничный
  2 шт x 250.00                           500.00
Курт
  0.750 кг x 4 800.00                   3 600.00
  скидка                                 -360.00
Парацетамол
  1 шт x 350.00                           350.00
------------------------------------------------
Скидки                                   -360.00
в т.ч. НДС 10%                             31.82
в т.ч. НДС 16%                            515.86
ИТОГО                               4 090.00 KZT
------------------------------------------------
К оплате                          0.00010225 BTC
                                      10 225 sat
Курс                   1 BTC = 40 000 000.00 KZT
Источник курса    composite, 25.11.2026 10:58:00
Сеть                                    testnet4
Bitcoin-адрес
tb1qw508d6qejxtdg4y5r3zarvary0c5xw7kxpjzsx
Транзакция
f4184fc596403b9d638783cf57adfe4c75c605f6356fbc91
338530e9831e9e16
Статус                  оплачен, 1 подтверждение
------------------------------------------------
[QR] f4184fc596403b9d638783cf57adfe4c75c605f6356fbc91338530e9831e9e16
               QR: ID транзакции

          Рахмет! Спасибо! Thank you!


================================================
"""


def receipt(invoice=None, language="ru", columns=48, copy=False) -> Receipt:
    return build_receipt(invoice or settled(), settings(language, columns), number=7, now=NOW, copy=copy)


def test_a_settled_sale_in_russian_on_80_mm_paper_reads_exactly_so():
    assert receipt().text() == RU_48


@pytest.mark.parametrize("columns", [32, 48])
@pytest.mark.parametrize("language", ["ru", "kk", "en"])
def test_every_required_field_is_on_the_slip(language, columns):
    doc = receipt(language=language, columns=columns)
    text = flat(doc.text())
    missing = {name: value for name, value in required_fields(language).items() if flat(value) not in text}
    assert not missing
    assert [b.payload for b in doc.blocks if isinstance(b, QR)] == [TXID]
    assert isinstance(doc.blocks[-1], Cut)


@pytest.mark.parametrize("columns", [32, 48])
@pytest.mark.parametrize("language", ["ru", "kk", "en"])
def test_no_line_is_wider_than_the_paper(language, columns):
    for copy in (False, True):
        for block in receipt(language=language, columns=columns, copy=copy).blocks:
            if isinstance(block, Text):
                assert len(block.text) <= (columns // 2 if block.wide else columns), block


def test_a_test_network_is_unmissable_and_mainnet_is_not_shouted():
    banner = [b for b in receipt().blocks if isinstance(b, Text) and b.text == "TESTNET4"]
    assert banner and banner[0].bold and banner[0].wide and banner[0].tall
    mainnet = receipt(settled(sale(network="mainnet")))
    assert not any(isinstance(b, Text) and b.wide for b in mainnet.blocks)
    assert "mainnet" in mainnet.text()


@pytest.mark.parametrize("language, word", [("ru", "КОПИЯ"), ("kk", "КӨШІРМЕ"), ("en", "COPY")])
def test_a_reprint_says_copy_and_the_original_does_not(language, word):
    copy = [b for b in receipt(language=language, copy=True).blocks if isinstance(b, Text) and b.text == word]
    assert copy and copy[0].bold and copy[0].wide
    assert word not in receipt(language=language).text()
    assert receipt(copy=True).copy and not receipt().copy


def test_an_unpaid_invoice_shows_its_payment_request_as_qr_and_no_transaction():
    doc = receipt(sale())
    assert [b.payload for b in doc.blocks if isinstance(b, QR)] == [sale().uri]
    assert "Транзакция" not in doc.text() and "ожидает оплаты" in doc.text()


def test_several_payments_are_all_listed_and_all_in_the_qr():
    other = "ab" * 32
    doc = receipt(settled(txids=(TXID, other)))
    assert [b.payload for b in doc.blocks if isinstance(b, QR)] == [f"{TXID}\n{other}"]
    assert "Транзакции" in doc.text() and other[:48] in doc.text()


def test_an_underpayment_prints_what_was_received():
    invoice = settled()
    short = replace(invoice, payments=(Payment(TXID, invoice.amount_sat - 1000, 200),))
    assert "Получено" in receipt(short).text()
    assert "Получено" not in receipt(invoice).text()


@pytest.mark.parametrize("language, confirmations, state, expected", [
    ("en", 1, "settled", "settled, 1 confirmation"),
    ("en", 3, "settled", "settled, 3 confirmations"),
    ("en", 0, "processing", "paid, awaiting confirmation"),
    ("en", 1, "processing", "paid, awaiting confirmation, 1 confirmation"),
    ("ru", 0, "processing", "оплачен, ожидает подтверждения"),
    ("ru", 2, "settled", "оплачен, 2 подтверждения"),
    ("ru", 5, "settled", "оплачен, 5 подтверждений"),
    ("ru", 11, "settled", "оплачен, 11 подтверждений"),
    ("ru", 21, "settled", "оплачен, 21 подтверждение"),
    ("kk", 6, "settled", "төленді, 6 растау"),
    ("kk", 0, "processing", "төленді, растау күтілуде"),
])
def test_the_payment_status_is_read_at_print_time(language, confirmations, state, expected):
    invoice = settled(confirmations=max(confirmations, 1))
    invoice = replace(invoice, state=state, payments=tuple(
        replace(p, height=None if confirmations == 0 else invoice.tip_height - confirmations + 1)
        for p in invoice.payments))
    assert payment_status(invoice, language) == expected


def test_marks_follow_the_state():
    invoice = replace(settled(), marks=frozenset({"paid_over", "paid_late"}))
    assert payment_status(invoice, "en") == "settled, 1 confirmation, paid late, overpaid"


def test_almaty_time_uses_utc_plus_5_since_march_2024_whatever_the_os_says():
    assert local_time(datetime(2024, 6, 1, 12, 0, tzinfo=timezone.utc)) == "01.06.2024 17:00:00"
    assert local_time(datetime(2023, 6, 1, 12, 0, tzinfo=timezone.utc)) == "01.06.2023 18:00:00"
    assert str(almaty()) == "Asia/Almaty"


def test_the_tenge_sign_and_control_codes_never_reach_the_document():
    invoice = settled()
    invoice = replace(invoice, lines=(replace(invoice.lines[0], names={"ru": "Хлеб\x1b@ 250₸"}),) + invoice.lines[1:])
    s = replace(settings(), footer="Спасибо ₸", merchant_name="Дүкен\x07")
    text = build_receipt(invoice, s, number=1, now=NOW).text()
    assert "₸" not in text and "\x1b" not in text and "\x07" not in text
    assert "Хлеб @ 250KZT" in text and "Спасибо KZT" in text


def test_settings_refuse_a_width_or_language_the_layout_does_not_have():
    with pytest.raises(ValueError, match="32 or 48"):
        settings(columns=40)
    with pytest.raises(ValueError, match="kk, ru, en|one of"):
        settings(language="de")


@pytest.mark.parametrize("bp, text", [(1600, "16%"), (1050, "10.5%"), (1025, "10.25%"), (0, "0%")])
def test_vat_rates_print_without_trailing_zeros(bp, text):
    assert percent(bp) == text


def test_pair_puts_a_long_value_under_its_label_right_aligned():
    assert pair("Курс", "1 BTC = 40 000 000.00 KZT", 48) == ["Курс" + "1 BTC = 40 000 000.00 KZT".rjust(44)]
    assert pair("Источник курса", "composite, 25.11.2026 10:58:00", 32) == [
        "Источник курса", "  composite, 25.11.2026 10:58:00"]


def test_wrap_cuts_a_word_longer_than_the_line():
    assert wrap("Алма " + "x" * 40, 32) == ["Алма " + "x" * 27, "x" * 13]


def test_plain_text_centres_and_letter_spaces_wide_lines():
    text = render_text([Text("КОПИЯ", "center", wide=True), Text("r", "right")], 16)
    assert text == "   К О П И Я\n               r\n"


# ---- edges pinned against the survivors of mutation testing (python -m pos.bench.mutation) ----
def styled(doc: Receipt) -> list[tuple[str, bool, bool, bool]]:
    """The lines that stand out: (text, bold, wide, tall)."""
    return [(b.text.split()[0], b.bold, b.wide, b.tall) for b in doc.blocks
            if isinstance(b, Text) and (b.bold or b.wide or b.tall)]


def test_what_stands_out_on_the_slip_name_title_copy_network_total_status():
    assert styled(build_receipt(settled(), settings("en"), number=7, now=NOW)) == [
        ("Alatau", True, False, True), ("PAYMENT", True, False, False), ("TESTNET4", True, True, True),
        ("Test", True, False, False), ("TOTAL", True, False, True), ("Status", True, False, False)]
    assert ("COPY", True, True, True) in styled(receipt(language="en", copy=True))


@pytest.mark.parametrize("vat, printed", [
    ({0: 0}, ["No VAT"]),  # a zero rate is no VAT, not "incl. VAT 0%"
    ({0: 0, 1: 3}, pair("incl. VAT 0.01%", "0.03", 32)),  # the smallest rate still shows
])
def test_only_vat_above_zero_is_printed_and_none_says_so(vat, printed):
    text = receipt(replace(settled(), vat=vat), language="en", columns=32).text()
    assert [line for line in text.splitlines() if "VAT" in line] == printed


@pytest.mark.parametrize("n, words", [
    (0, "не подтверждён"), (1, "1 подтверждение"), (4, "4 подтверждения"), (12, "12 подтверждений"),
    (14, "14 подтверждений"), (22, "22 подтверждения"), (25, "25 подтверждений"), (111, "111 подтверждений"),
    (112, "112 подтверждений"), (101, "101 подтверждение"),
])
def test_russian_counts_confirmations_with_the_right_plural(n, words):
    assert confirmations_text(n, "ru") == words


def test_english_and_kazakh_confirmations():
    assert [confirmations_text(n, "en") for n in (0, 1, 2)] == ["unconfirmed", "1 confirmation", "2 confirmations"]
    assert [confirmations_text(n, "kk") for n in (0, 2)] == ["расталмаған", "2 растау"]


def test_a_label_and_value_share_a_line_only_when_a_space_fits_between_them():
    assert pair("ab", "cd", 5) == ["ab cd"]
    assert pair("ab", "cd", 4) == ["ab", "  cd"]


def test_wrapping_never_breaks_at_a_hyphen_and_empty_text_is_one_empty_line():
    assert wrap("ab-cd-ef", 4) == ["ab-c", "d-ef"]
    assert wrap("", 10) == [""]
    assert chunks("", 10) == [""]


def test_a_double_width_line_wraps_at_half_the_paper():
    doc = receipt(settled(sale(network="regtest-for-a-long-test")), columns=32)
    assert [b.text for b in doc.blocks if isinstance(b, Text) and b.wide] == ["REGTEST-FOR-A-LO", "NG-TEST"]


def test_a_unit_without_a_translation_prints_as_it_is_and_whole_kilograms_keep_their_grams():
    line = settled().lines[1]  # 0.750 kg of kurt
    assert quantity(replace(line, unit="pack", quantity_milli=1500), "en") == "1.500 pack"
    assert quantity(replace(line, quantity_milli=2000), "ru") == "2.000 кг"


def test_a_language_the_slip_does_not_have_is_refused_naming_those_it_has():
    with pytest.raises(ValueError) as caught:
        settings(language="de")
    assert str(caught.value) == "receipt language must be one of en, ru, kk, not 'de'"
