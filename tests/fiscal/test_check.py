"""`pos check` and the fiscal register: it logs in and names the cashbox, never a secret."""

from __future__ import annotations

from pathlib import Path

from pos.check import Target, check_fiscal
from pos.config import parse_config
from pos.core.fiscal import sale_receipt
from tests.core.shift_day import a_day
from tests.core.test_config import MINIMAL
from tests.fiscal.fake_webkassa import API_KEY, CASHBOX, LOGIN, PASSWORD, REGISTRATION_NUMBER


def target_for(url: str, password: str = PASSWORD) -> Target:
    section = (f'[fiscal]\nprovider = "webkassa"\nurl = "{url}"\napi_key = "{API_KEY}"\nlogin = "{LOGIN}"\n'
               f'password = "{password}"\ncashbox = "{CASHBOX}"\nbitcoin_payment_type = 4\n')
    return Target(parse_config(MINIMAL + section, Path("x.toml")), None)


def test_with_no_provider_the_check_says_slips_are_not_fiscal():
    finding = check_fiscal(Target(parse_config(MINIMAL, Path("x.toml")), None))
    assert finding.line().startswith("fiscal   ok       off") and "not a fiscal receipt" in finding.detail


def test_the_check_logs_in_and_names_the_registration_number_and_the_ofd(fake, webkassa):
    assert check_fiscal(target_for(fake.url)).line() == (
        f"fiscal   ok       webkassa cashbox {CASHBOX}: registration number (РНМ) {REGISTRATION_NUMBER}, "
        "OFD not named yet (no Z report on it), shift 1")
    webkassa.register(sale_receipt(a_day().sales[0]))
    webkassa.z_report()
    assert 'OFD ТОО "Smartcontract" (WOFD) (ctest.wofd.kz/consumer), shift 2' in check_fiscal(target_for(fake.url)).detail
    assert fake.authorizations == 3 and len(fake.checks) == 1


def test_a_cashbox_in_offline_mode_is_a_warning(fake):
    fake.offline = True
    finding = check_fiscal(target_for(fake.url))
    assert finding.warning and "OFFLINE" in finding.detail


def test_a_wrong_password_is_a_problem_that_never_shows_a_secret(fake):
    from pos.check import run_probe

    finding = run_probe("fiscal", check_fiscal, target_for(fake.url, password="wrong-Pa55"))
    assert finding.line().startswith("fiscal   PROBLEM  Webkassa Authorize: error 1")
    assert all(secret not in finding.line() for secret in (API_KEY, LOGIN, "wrong-Pa55"))
