"""The Webkassa adapter against a local fake that follows the published request and answer shapes."""

from __future__ import annotations

import json
import threading
from dataclasses import replace
from decimal import Decimal

import pytest

from pos.core.fiscal import (
    AlreadyRegistered, FiscalRejected, FiscalUnavailable, NeedsAttention, return_receipt, sale_receipt,
)
from pos.core.report import as_sale
from pos.core.tender import CardTender, CashTender, tendered_sale
from pos.fiscal.webkassa import Webkassa
from tests.builders import T0, make_cart, make_invoice
from tests.core.shift_day import a_day
from tests.fiscal.conftest import settings_for
from tests.fiscal.fake_webkassa import API_KEY, CASHBOX, LOGIN, PASSWORD, REGISTRATION_NUMBER


def sent(fake, endpoint: str) -> list[dict]:
    return [json.loads(raw, parse_float=Decimal) for e, raw in fake.requests if e == endpoint]


def test_a_sale_is_registered_and_its_fiscal_attributes_come_back(fake, webkassa):
    sale = a_day().sales[0]
    registration = webkassa.register(sale_receipt(sale))
    assert registration.external_id == sale.id and registration.fiscal_sign == fake.checks[0]["Number"]
    assert (registration.registration_number, registration.factory_number, registration.identity_number) == (
        REGISTRATION_NUMBER, CASHBOX, "2363")
    assert (registration.ofd_name, registration.ofd_host) == ("ТОО \"Smartcontract\" (WOFD)", "ctest.wofd.kz/consumer")
    assert (registration.shift_number, registration.order_number, registration.offline) == (1, 1, False)
    assert registration.registered_at.isoformat() == "2026-11-25T11:01:00+05:00"
    assert registration.ticket_url == fake.checks[0]["TicketUrl"] and not registration.recovered
    request, = sent(fake, "check")
    assert request["ExternalCheckNumber"] == sale.id and request["OperationType"] == 2
    assert request["RoundType"] == 2 and request["Payments"] == [{"Sum": Decimal("1500.00"), "PaymentType": 0}]


def test_amounts_are_json_numbers_exact_to_the_tiyn_never_floats(fake, webkassa):
    # Three lines whose prices a float cannot hold exactly (0.10 + 0.20 != 0.30 in binary), a price
    # of a billion tenge less a tiyn, and 1.234 kg: the fake adds them up in Decimal.
    invoice = make_invoice(3, items=(("APPLE-01", 1234),))
    receipt = sale_receipt(as_sale(invoice))
    big = replace(receipt.positions[0], quantity_milli=1000, unit_price_tiyn=99_999_999_999, discount_tiyn=0,
                  total_tiyn=99_999_999_999, vat_rate_bp=0, vat_tiyn=0, unit="pcs")
    dimes = [replace(big, unit_price_tiyn=t, total_tiyn=t) for t in (10, 20)]
    receipt = replace(receipt, positions=receipt.positions + (big, *dimes),
                      payments=(replace(receipt.payments[0], amount_tiyn=invoice.total_tiyn + 99_999_999_999 + 30),))
    webkassa.register(receipt)
    _, raw = next(r for r in fake.requests if r[0] == "check")
    assert '"Count":1.234' in raw and '"Price":890.00' in raw and '"Price":999999999.99' in raw
    assert '"Price":0.10' in raw and '"Price":0.20' in raw
    assert f'"Sum":{Decimal(invoice.total_tiyn + 99_999_999_999 + 30).scaleb(-2)}' in raw
    assert fake.checks[0]["Total"] == Decimal(invoice.total_tiyn + 99_999_999_999 + 30).scaleb(-2)
    assert '"TaxPercent":16.00' in raw and '"TaxType":100' in raw and '"UnitCode":166' in raw


def test_the_ticket_url_comes_back_exactly_as_given(fake, webkassa):
    fake.ticket_url = "http://consumer.oofd.kz?i=910000000001&f=032600010282&s=1%20250.50&t=20261125T110100&x=%D0%B0"
    assert webkassa.register(sale_receipt(a_day().sales[1])).ticket_url == fake.ticket_url


def test_bitcoin_goes_as_the_payment_type_the_merchant_chose_and_kinds_sharing_a_type_are_one_payment(fake):
    split = a_day().sales[2]  # 2 000 KZT cash, 1 150 KZT Bitcoin
    Webkassa(settings_for(fake, bitcoin_payment_type=4)).register(sale_receipt(split))
    as_cash = replace(split, id="T01-S000099")
    Webkassa(settings_for(fake, bitcoin_payment_type=0)).register(sale_receipt(as_cash))
    first, second = sent(fake, "check")
    assert first["Payments"] == [{"Sum": Decimal("2000.00"), "PaymentType": 0},
                                 {"Sum": Decimal("1150.00"), "PaymentType": 4}]
    assert second["Payments"] == [{"Sum": Decimal("3150.00"), "PaymentType": 0}]


def test_a_return_names_its_sale_and_goes_as_operation_3(fake, webkassa):
    day = a_day()
    cash, whole = day.sales[0], day.refunds[0]
    sold = webkassa.register(sale_receipt(cash))
    returned = webkassa.register(return_receipt(whole, cash, sold))
    assert returned.operation == "return" and returned.fiscal_sign != sold.fiscal_sign
    request = sent(fake, "check")[1]
    assert request["OperationType"] == 3 and request["ExternalCheckNumber"] == whole.id
    assert request["ReturnBasisDetails"] == {
        "CheckNumber": sold.fiscal_sign, "DateTime": "2026-11-25T06:01:00Z", "RegistrationNumber": REGISTRATION_NUMBER,
        "Total": Decimal("1500.00"), "IsOffline": False}


def test_a_return_whose_basis_is_not_the_registered_sale_is_refused(fake, webkassa):
    day = a_day()
    cash, whole = day.sales[0], day.refunds[0]
    sold = webkassa.register(sale_receipt(cash))
    for wrong in (replace(sold, total_tiyn=sold.total_tiyn + 1), replace(sold, fiscal_sign="910000000999"),
                  replace(sold, registration_number="000000000001"), replace(sold, offline=True)):
        with pytest.raises(FiscalRejected, match="error 9: ReturnBasisDetails must name a registered sale"):
            webkassa.register(return_receipt(whole, cash, wrong))
    assert [c["OperationType"] for c in fake.checks] == [2]


def test_an_expired_token_is_renewed_once_and_the_call_goes_through(fake, webkassa):
    webkassa.register(sale_receipt(a_day().sales[0]))
    fake.expire_tokens()
    webkassa.register(sale_receipt(a_day().sales[1]))
    assert fake.authorizations == 2 and len(fake.checks) == 2
    assert [e for e, _ in fake.requests] == ["Authorize", "check", "check", "Authorize", "check"]


def test_a_token_that_expires_again_at_once_is_not_chased_forever(fake, webkassa, monkeypatch):
    real_answer = fake._answer

    def expiring(endpoint, body):
        data = real_answer(endpoint, body)
        if endpoint == "Authorize":
            fake.expire_tokens()
        return data

    monkeypatch.setattr(fake, "_answer", expiring)
    with pytest.raises(NeedsAttention) as err:
        webkassa.register(sale_receipt(a_day().sales[0]))
    assert err.value.code == 2 and fake.authorizations == 2


def test_a_resend_of_a_registered_sale_gives_back_the_same_attributes(fake, webkassa):
    receipt = sale_receipt(a_day().sales[0])
    first = webkassa.register(receipt)
    again = Webkassa(settings_for(fake)).register(receipt)  # e.g. after a restart that lost the answer
    assert again.recovered and replace(again, recovered=False) == first
    assert len(fake.checks) == 1


def test_an_answer_lost_after_registering_is_retryable_and_the_retry_reads_it_back(fake, webkassa):
    receipt = sale_receipt(a_day().sales[1])
    fake.drop_answers = 1
    with pytest.raises(FiscalUnavailable):
        webkassa.register(receipt)
    registration = webkassa.register(receipt)
    assert registration.recovered and registration.fiscal_sign == fake.checks[0]["Number"]
    assert registration.ticket_url == fake.checks[0]["TicketUrl"] and len(fake.checks) == 1


def test_a_duplicate_found_after_the_shift_was_closed_is_read_from_the_shift_before(fake, webkassa):
    receipt = sale_receipt(a_day().sales[1])
    first = webkassa.register(receipt)
    webkassa.z_report()
    again = webkassa.register(receipt)
    assert again.recovered and again.fiscal_sign == first.fiscal_sign and again.shift_number == 1


def test_a_duplicate_that_cannot_be_read_back_is_already_registered_never_sent_as_new(fake, webkassa):
    receipt = sale_receipt(a_day().sales[1])
    webkassa.register(receipt)
    fake.shift += 2  # two shifts later: beyond the ones searched
    with pytest.raises(AlreadyRegistered, match="already registered") as err:
        webkassa.register(receipt)
    assert err.value.code == 14 and len(fake.checks) == 1


def test_a_receipt_number_reused_for_another_sale_needs_attention(fake, webkassa):
    webkassa.register(sale_receipt(a_day().sales[1]))
    other = replace(a_day().sales[0], id=a_day().sales[1].id)  # an old store copy numbering again
    with pytest.raises(NeedsAttention, match="already registered for another receipt"):
        webkassa.register(sale_receipt(other))


def test_offline_mode_is_reported_on_the_registration(fake, webkassa):
    fake.offline = True
    registration = webkassa.register(sale_receipt(a_day().sales[0]))
    assert registration.offline and registration.fiscal_sign


def test_a_validation_error_is_rejected_with_the_providers_words(fake, webkassa):
    receipt = sale_receipt(a_day().sales[0])
    wrong_vat = replace(receipt, positions=(replace(receipt.positions[0], vat_tiyn=receipt.positions[0].vat_tiyn + 5),)
                        + receipt.positions[1:])
    with pytest.raises(FiscalRejected, match=r"Webkassa check: error 9: Positions\[0\]\.Tax") as err:
        webkassa.register(wrong_vat)
    assert err.value.code == 9 and not fake.checks


@pytest.mark.parametrize("switch, code, advice", [
    ("shift_hours_over_24", 11, "close it with a Z report"),
    ("offline_over_72h", 18, "offline for over 72 hours"),
])
def test_a_register_that_needs_a_person_says_what_to_do(fake, webkassa, switch, code, advice):
    setattr(fake, switch, True)
    with pytest.raises(NeedsAttention, match=advice) as err:
        webkassa.register(sale_receipt(a_day().sales[0]))
    assert err.value.code == code


def test_a_register_that_is_down_or_failing_is_retryable_and_works_when_back(fake, webkassa):
    receipt = sale_receipt(a_day().sales[0])
    fake.fail_with_500 = True
    with pytest.raises(FiscalUnavailable, match="HTTP 500"):
        webkassa.register(receipt)
    fake.fail_with_500 = False
    fake.go_down()
    with pytest.raises(FiscalUnavailable, match="127.0.0.1: no answer"):
        webkassa.register(receipt)
    fake.come_back()
    assert webkassa.register(receipt).fiscal_sign and len(fake.checks) == 1


def test_x_and_z_reports_count_the_shift_and_z_closes_it(fake, webkassa):
    day = a_day()
    sold = webkassa.register(sale_receipt(day.sales[0]))
    webkassa.register(sale_receipt(day.sales[1]))
    webkassa.register(return_receipt(day.refunds[0], day.sales[0], sold))
    x = webkassa.x_report()
    assert (x.kind, x.shift_number, x.sales_count, x.sales_tiyn, x.returns_count, x.returns_tiyn) == (
        "X", 1, 2, 6000_00, 1, 1500_00)
    z = webkassa.z_report()
    assert (z.kind, z.shift_number, z.report_number, z.document_count) == ("Z", 1, 1, 3)
    with pytest.raises(NeedsAttention, match="no open shift") as err:
        webkassa.z_report()
    assert err.value.code == 13


def test_the_cashbox_is_described_with_its_registration_number_and_ofd(fake, webkassa):
    info = webkassa.cashbox()
    assert (info.registration_number, info.factory_number, info.ofd_name) == (REGISTRATION_NUMBER, CASHBOX, "")
    webkassa.register(sale_receipt(a_day().sales[0]))
    webkassa.z_report()
    info = webkassa.cashbox()
    assert (info.ofd_name, info.ofd_host, info.shift_number) == ("ТОО \"Smartcontract\" (WOFD)",
                                                                "ctest.wofd.kz/consumer", 2)
    assert [e for e, _ in fake.requests].count("check") == 1  # describing changes nothing


def test_calls_for_one_cashbox_go_one_at_a_time(fake, webkassa, monkeypatch):
    sales = [tendered_sale(id=f"T01-S{n:06d}", terminal_id="T01", cashier="", at=T0, totals=make_cart().totals(),
                           tenders=(CardTender(250_00, "A1"),)) for n in range(1, 9)]
    inside, most = 0, 0
    real_answer = fake._answer

    def counting(endpoint, body):
        nonlocal inside, most
        inside += 1
        most = max(most, inside)
        threading.Event().wait(0.01)
        inside -= 1
        return real_answer(endpoint, body)

    monkeypatch.setattr(fake, "_answer", counting)
    threads = [threading.Thread(target=webkassa.register, args=(sale_receipt(s),)) for s in sales]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert most == 1 and [c["OrderNumber"] for c in fake.checks] == list(range(1, 9))


@pytest.mark.parametrize("change, error, message", [
    (dict(password="wrong-Pa55"), NeedsAttention, "error 1: .*check \\[fiscal\\] login and password"),
    (dict(api_key="WKD-WRONG"), NeedsAttention, "HTTP 401"),
    (dict(cashbox="SWK99999999"), NeedsAttention, "error 6"),
])
def test_wrong_credentials_need_attention_and_no_secret_is_ever_in_a_message(fake, change, error, message):
    settings = settings_for(fake, **change)
    with pytest.raises(error, match=message) as err:
        Webkassa(settings).register(sale_receipt(a_day().sales[0]))
    shown = str(err.value) + repr(settings)
    for secret in (API_KEY, LOGIN, PASSWORD, "WKD-WRONG", "wrong-Pa55", "token0001"):
        assert secret not in shown


def test_an_answer_that_cannot_be_read_is_retryable(fake, webkassa, monkeypatch):
    real_answer = fake._answer

    def no_fiscal_sign(endpoint, body):
        data = real_answer(endpoint, body)
        return {k: v for k, v in data.items() if k != "CheckNumber"} if endpoint == "check" else data

    monkeypatch.setattr(fake, "_answer", no_fiscal_sign)
    with pytest.raises(FiscalUnavailable, match="no readable 'CheckNumber'"):
        webkassa.register(sale_receipt(a_day().sales[0]))


def test_a_cash_sale_with_change_registers_what_was_paid(fake, webkassa):
    sale = tendered_sale(id="T01-S000050", terminal_id="T01", cashier="", at=T0,
                         totals=make_cart((("BREAD-01", 3000),)).totals(), tenders=(CashTender(750_00, 1000_00),))
    webkassa.register(sale_receipt(sale))
    assert sent(fake, "check")[0]["Payments"] == [{"Sum": Decimal("750.00"), "PaymentType": 0}]


def test_no_register_is_built_without_the_merchants_choice_for_bitcoin(fake):
    with pytest.raises(NeedsAttention, match="bitcoin_payment_type: -1 is not a payment type"):
        settings_for(fake, bitcoin_payment_type=-1)
