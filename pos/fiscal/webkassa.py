"""Webkassa (API v4, OFD protocol 2.0.3) as the till's fiscal register.

What was checked, and where (the search tool's stored copies, December 2026):
* Webkassa's integrators' Postman collection "Интеграторы_v4-2.0.3" (stored in the open-source
  OPOS driver VitalyKravtsov2016/OposWebkassa, doc/Webkassa/2.0.3/postman-collection.json):
  - every call is a POST of JSON with the header `x-api-key`; `/api/v4/Authorize {Login,
    Password}` gives `Data.Token`, sent as `Token` in every later body;
  - `/api/v4/check`: CashboxUniqueNumber, OperationType (2 sale, 3 return of a sale), Positions
    (Count, Price = unit price, Discount in tenge, TaxPercent, Tax = VAT in tenge included in
    Count x Price - Discount: the sample 10 x 2000 - 1000 at 12 % has Tax 2035.71; TaxType 100
    VAT / 0 none; PositionName, PositionCode, UnitCode), Payments (Sum, PaymentType 0 cash, 1
    card, 4 mobile; each type at most once per check), RoundType (2 = round per position, the
    default), ExternalCheckNumber ("ensures idempotency when the connection fails"),
    ReturnBasisDetails {CheckNumber, DateTime, RegistrationNumber, Total, IsOffline} on returns:
    the basis check's fiscal sign, time (the sample: "2025-09-05T06:22:21.567Z"), РНМ, its whole
    total and offline mark, "required from OFD protocol 2.0.3 on"; a return may give back part of
    its basis (the sample returns 500 of a 5000 check, by card);
    amounts are plain JSON numbers in tenge (500, 53.57);
  - its answer: Data.CheckNumber (the fiscal sign), DateTime and DateTimeUTC ("14.09.2025
    16:55:37 +05:00"), OfflineMode, Cashbox.{UniqueNumber (factory number, printed "ЗНМ"),
    RegistrationNumber (РНМ), IdentityNumber (ИНК), Ofd.{Name, Host}}, CheckOrderNumber,
    ShiftNumber, TicketUrl (the QR's link);
  - `/api/v4/XReport` and `/api/v4/ZReport {Token, CashboxUniqueNumber}` answer ShiftNumber,
    ReportNumber, DocumentCount, OfflineMode, Sell / ReturnSell {Count, PaymentsByTypesApiModel
    [{Sum, Type}]} (the Type/Sum pair from the OPOS driver's WebkassaClient.pas sample);
  - errors come as HTTP 200 with {"Errors": [{"Code", "Text"}]};
  - a duplicate's attributes: the API has no "check by external number" call that returns
    them as data (Ticket/PrintFormat gives print lines only), but `/api/v4/Check/History
    {CashboxUniqueNumber, ShiftNumber, Skip, Take}` lists a shift's checks with their
    ExternalCheckNumber, Number, RegistratedOnUTC, IsOffline, TicketUrl and cashbox numbers,
    and `/api/v4/Cashboxes` gives each cashbox's current Shift. That is how a resend's
    attributes are read back (the current shift, then the one before).
* Error codes (1 bad login, 2 token expired, 9 validation, 11 shift over 24 h, 12 shift
  closed, 13 no open shift, 14 duplicate external number, 17 discount not allowed, 18 offline
  over 72 h): the ApiErrorCode list quoted in WebkassaClient.pas of the same driver, whose
  history also handles 2 by authorising again and 11 by closing the shift.
* Unit codes 796 (шт), 166 (кг), 112 (литр): the collection's "Единицы измерения" reference.
Not checked (the local fake in tests cannot tell): the real server's validation and rounding
of fractional quantities, the DateTime format it wants in ReturnBasisDetails (the sample
shows ISO 8601 in UTC, which is what we send), the order of ZReport/History (taken as oldest
first, so the newest report is the last), and TLS to the production host.

A Z report is not idempotent: if its answer is lost, asking again answers 13 (no open shift)
and the report is in ZReport/History; the caller (the till's Z, next) must treat it so.

Calls for one cashbox go one at a time (a lock): the register numbers its documents in order.
The token is kept and renewed once when a call says it expired. Secrets are never in a
message: errors name the host and the provider's own text, never a header or a body.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import datetime, timezone
from decimal import Decimal
from typing import Any, Callable

from pos.config import FISCAL_PAYMENT_TYPES, Fiscal
from pos.core.fiscal import (
    RETURN, SALE, AlreadyRegistered, CashboxInfo, FiscalError, FiscalReceipt, FiscalRejected, FiscalUnavailable,
    NeedsAttention, NoOpenShift, Registration, ShiftReport, kzt, quantity, tiyn_of,
)
from pos.core.localtime import almaty
from pos.core.money import format_kzt
from pos.core.tender import BITCOIN, CARD, CASH
from pos.core.text import printable
from pos.fiscal.http import post_json

OPERATION_TYPES = {SALE: 2, RETURN: 3}
CASH_PAYMENT, CARD_PAYMENT = 0, 1
ROUND_PER_POSITION = 2
TAX_VAT, TAX_NONE = 100, 0
UNIT_CODES = {"pcs": 796, "kg": 166, "l": 112}
BAD_LOGIN, TOKEN_EXPIRED, VALIDATION, SHIFT_OVER_24H, NO_OPEN_SHIFT, DUPLICATE, NO_DISCOUNT, OFFLINE_OVER_72H = (
    1, 2, 9, 11, 13, 14, 17, 18)
#: What a person must do, for the codes that stop the register until then.
ADVICE = {
    BAD_LOGIN: "check [fiscal] login and password",
    SHIFT_OVER_24H: "the register's shift is over 24 hours: close it with a Z report",
    NO_OPEN_SHIFT: "the register has no open shift",
    OFFLINE_OVER_72H: "the register has been offline for over 72 hours: it must reach the OFD before it "
                      "takes more; call Webkassa's support",
}
#: A duplicate's attributes are looked for in the current shift and the one before.
SHIFTS_SEARCHED = 2
HISTORY_PAGE, MAX_HISTORY_PAGES = 50, 40
MAX_TEXT = 2000


@dataclass(frozen=True)
class WebkassaSettings:
    url: str
    cashbox: str
    bitcoin_payment_type: int
    timeout_seconds: float
    api_key: str = field(repr=False)
    login: str = field(repr=False)
    password: str = field(repr=False)

    def __post_init__(self) -> None:
        if self.bitcoin_payment_type not in FISCAL_PAYMENT_TYPES:  # the merchant's choice, never a default
            raise NeedsAttention(f"[fiscal] bitcoin_payment_type: {self.bitcoin_payment_type} is not a payment type "
                                 f"the register knows ({', '.join(map(str, FISCAL_PAYMENT_TYPES))})")

    @classmethod
    def from_config(cls, fiscal: Fiscal) -> "WebkassaSettings":
        return cls(url=fiscal.url.rstrip("/"), cashbox=fiscal.cashbox, bitcoin_payment_type=fiscal.bitcoin_payment_type,
                   timeout_seconds=fiscal.request_timeout_seconds, api_key=fiscal.api_key, login=fiscal.login,
                   password=fiscal.password)


Post = Callable[[str, dict, dict[str, str], float], dict]


class Webkassa:
    """A FiscalRegister (pos.core.fiscal) on one Webkassa cashbox. Blocking: run it off the UI loop."""

    def __init__(self, settings: WebkassaSettings, post: Post = post_json) -> None:
        self._settings = settings
        self._post = post
        self._token: str | None = None
        self._lock = threading.Lock()

    # ---- the port ------------------------------------------------------------------------
    def register(self, receipt: FiscalReceipt) -> Registration:
        with self._lock:
            try:
                data = self._call("check", self._check_body(receipt))
            except AlreadyRegistered:
                return self._recover(receipt)
            return _registration(receipt, _Answer(data, "check"))

    def x_report(self) -> ShiftReport:
        with self._lock:
            return _report("X", _Answer(self._call("XReport", {"CashboxUniqueNumber": self._settings.cashbox}),
                                        "XReport"))

    def z_report(self) -> ShiftReport:
        with self._lock:
            return _report("Z", _Answer(self._call("ZReport", {"CashboxUniqueNumber": self._settings.cashbox}),
                                        "ZReport"))

    def cashbox(self) -> CashboxInfo:
        with self._lock:
            mine = self._my_cashbox()
            reports = self._call("ZReport/History", {"CashboxUniqueNumber": self._settings.cashbox, "Skip": 0,
                                                     "Take": 1})
            total = _Answer(reports, "ZReport/History").integer("Total")
            if total > 1:  # the newest report: the OFD may have changed since the first
                reports = self._call("ZReport/History", {"CashboxUniqueNumber": self._settings.cashbox,
                                                         "Skip": total - 1, "Take": 1})
            listed = _Answer(reports, "ZReport/History").items("Reports")
            ofd = listed[-1].part("Ofd") if listed else None
            return CashboxInfo(
                factory_number=mine.text("UniqueNumber"), registration_number=mine.text("RegistrationNumber"),
                identity_number=mine.text("IdentificationNumber"), ofd_name=ofd.text("Name") if ofd else "",
                ofd_host=ofd.text("Host") if ofd else "", offline=mine.flag("IsOffline"),
                shift_number=mine.integer("Shift"))

    # ---- requests ------------------------------------------------------------------------
    def _check_body(self, receipt: FiscalReceipt) -> dict:
        types = {CASH: CASH_PAYMENT, CARD: CARD_PAYMENT, BITCOIN: self._settings.bitcoin_payment_type}
        sums: dict[int, int] = {}
        for payment in receipt.payments:
            sums[types[payment.kind]] = sums.get(types[payment.kind], 0) + payment.amount_tiyn
        body: dict[str, Any] = {
            "CashboxUniqueNumber": self._settings.cashbox,
            "OperationType": OPERATION_TYPES[receipt.operation],
            "Positions": [{
                "Count": quantity(p.quantity_milli), "Price": kzt(p.unit_price_tiyn),
                "TaxPercent": Decimal(p.vat_rate_bp).scaleb(-2), "Tax": kzt(p.vat_tiyn),
                "TaxType": TAX_VAT if p.vat_rate_bp else TAX_NONE, "PositionName": p.name,
                "PositionCode": p.code, "Discount": kzt(p.discount_tiyn), "UnitCode": UNIT_CODES[p.unit],
            } for p in receipt.positions],
            "Payments": [{"Sum": kzt(amount), "PaymentType": kind} for kind, amount in sorted(sums.items())],
            "RoundType": ROUND_PER_POSITION,
            "ExternalCheckNumber": receipt.external_id,
        }
        if receipt.basis is not None:
            basis = receipt.basis
            body["ReturnBasisDetails"] = {
                "CheckNumber": basis.fiscal_sign,
                "DateTime": basis.registered_at.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
                "RegistrationNumber": basis.registration_number, "Total": kzt(basis.total_tiyn),
                "IsOffline": basis.offline,
            }
        return body

    def _call(self, endpoint: str, body: dict) -> dict:
        """`Data` of an answer, authorising first when needed and once more when the token expired."""
        try:
            return self._send(endpoint, {"Token": self._authorized(), **body})
        except NeedsAttention as exc:
            if exc.code != TOKEN_EXPIRED:
                raise
        self._token = None
        return self._send(endpoint, {"Token": self._authorized(), **body})

    def _authorized(self) -> str:
        if self._token is None:
            credentials = {"Login": self._settings.login, "Password": self._settings.password}
            self._token = _Answer(self._send("Authorize", credentials), "Authorize").text("Token")
        return self._token

    def _send(self, endpoint: str, body: dict) -> dict:
        answer = self._post(f"{self._settings.url}/api/v4/{endpoint}", body, {"x-api-key": self._settings.api_key},
                            self._settings.timeout_seconds)
        errors = answer.get("Errors")
        if errors:
            raise _error(endpoint, errors)
        data = answer.get("Data")
        if not isinstance(data, dict):
            raise FiscalUnavailable(f"Webkassa {endpoint}: an answer with neither Data nor Errors")
        return data

    # ---- a resend: read the registered check back -------------------------------------------
    def _my_cashbox(self) -> "_Answer":
        for box in _Answer(self._call("Cashboxes", {}), "Cashboxes").items("List"):
            if box.text("UniqueNumber") == self._settings.cashbox:
                return box
        raise NeedsAttention(f"Webkassa: cashbox {self._settings.cashbox} is not among this login's cashboxes")

    def _recover(self, receipt: FiscalReceipt) -> Registration:
        shift = self._my_cashbox().integer("Shift")
        for number in range(shift, max(shift - SHIFTS_SEARCHED, 0), -1):
            found = self._find(number, receipt.external_id)
            if found is not None:
                return _recovered(receipt, *found)
        raise AlreadyRegistered(f"Webkassa: receipt {receipt.external_id} is already registered, but it is not in "
                                f"shift {shift} or the one before: its fiscal attributes are in Webkassa's cabinet",
                                DUPLICATE)

    def _find(self, shift: int, external_id: str) -> tuple["_Answer", "_Answer"] | None:
        for page in range(MAX_HISTORY_PAGES):
            history = _Answer(self._call("Check/History", {
                "CashboxUniqueNumber": self._settings.cashbox, "ShiftNumber": shift,
                "Skip": page * HISTORY_PAGE, "Take": HISTORY_PAGE}), "Check/History")
            items = history.items("Items")
            for item in items:
                if item.text("ExternalCheckNumber") == external_id:
                    return item, history
            if not items or (page + 1) * HISTORY_PAGE >= history.integer("Total"):
                return None
        return None


def _error(endpoint: str, errors: Any) -> FiscalError:
    """The typed error of an {"Errors": [...]} answer: by the first error's code."""
    first = errors[0] if isinstance(errors, list) and isinstance(errors[0], dict) else {}
    code = first.get("Code")
    code = code if isinstance(code, int) and not isinstance(code, bool) else None
    text = printable(first.get("Text", ""))[:200]
    message = f"Webkassa {endpoint}: error {code}: {text}" + (f" ({ADVICE[code]})" if code in ADVICE else "")
    if code in (VALIDATION, NO_DISCOUNT):
        return FiscalRejected(message, code)
    if code == DUPLICATE:
        return AlreadyRegistered(message, code)
    if code == NO_OPEN_SHIFT:
        return NoOpenShift(message, code)
    return NeedsAttention(message, code)


class _Answer:
    """A part of an answer, read defensively: anything missing or of the wrong kind is an answer we
    cannot read, which for a check means "not known whether registered": send it again (safe)."""

    def __init__(self, data: Any, endpoint: str) -> None:
        self._data = data if isinstance(data, dict) else {}
        self._endpoint = endpoint

    def _unreadable(self, key: str) -> FiscalUnavailable:
        return FiscalUnavailable(f"Webkassa {self._endpoint}: the answer has no readable {key!r}")

    def has(self, key: str) -> bool:
        return self._data.get(key) is not None

    def text(self, key: str) -> str:
        value = self._data.get(key)
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str) or not value or len(value) > MAX_TEXT or not value.isprintable():
            raise self._unreadable(key)
        return value

    def integer(self, key: str) -> int:
        value = self._data.get(key)
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value < 10**12:
            raise self._unreadable(key)
        return value

    def flag(self, key: str) -> bool:
        value = self._data.get(key)
        if not isinstance(value, bool):
            raise self._unreadable(key)
        return value

    def tiyn(self, key: str) -> int:
        value = self._data.get(key, 0)
        if isinstance(value, bool) or not isinstance(value, (int, Decimal)):
            raise self._unreadable(key)
        try:
            return tiyn_of(Decimal(value), key)
        except ValueError:
            raise self._unreadable(key) from None

    def time(self, *keys: str) -> datetime:
        """The first of `keys` present: "dd.MM.yyyy HH:mm:ss" with an offset, or without one (Almaty)."""
        key = next((k for k in keys if self.has(k)), keys[0])
        text = self.text(key)
        for pattern in ("%d.%m.%Y %H:%M:%S %z", "%d.%m.%Y %H:%M:%S"):
            try:
                at = datetime.strptime(text, pattern)
            except ValueError:
                continue
            return at if at.tzinfo else at.replace(tzinfo=almaty())
        raise self._unreadable(key)

    def part(self, key: str) -> "_Answer":
        if not isinstance(self._data.get(key), dict):
            raise self._unreadable(key)
        return _Answer(self._data[key], self._endpoint)

    def items(self, key: str) -> list["_Answer"]:
        value = self._data.get(key)
        if not isinstance(value, list):
            raise self._unreadable(key)
        return [_Answer(item, self._endpoint) for item in value]


def _registration(receipt: FiscalReceipt, data: _Answer) -> Registration:
    cashbox = data.part("Cashbox")
    ofd = cashbox.part("Ofd")
    return Registration(
        external_id=receipt.external_id, operation=receipt.operation, total_tiyn=receipt.total_tiyn,
        fiscal_sign=data.text("CheckNumber"), registered_at=data.time("DateTimeUTC", "DateTime"),
        offline=data.flag("OfflineMode"), factory_number=cashbox.text("UniqueNumber"),
        registration_number=cashbox.text("RegistrationNumber"), identity_number=cashbox.text("IdentityNumber"),
        ofd_name=ofd.text("Name"), ofd_host=ofd.text("Host"), shift_number=data.integer("ShiftNumber"),
        order_number=data.integer("CheckOrderNumber"), ticket_url=data.text("TicketUrl"))


def _recovered(receipt: FiscalReceipt, item: _Answer, history: _Answer) -> Registration:
    """A check found in the history: the same receipt, or an external number reused (an old store)."""
    if item.integer("OperationType") != OPERATION_TYPES[receipt.operation] or \
            item.tiyn("Total") != receipt.total_tiyn:
        raise NeedsAttention(f"Webkassa: receipt number {receipt.external_id} is already registered for another "
                             f"receipt ({format_kzt(item.tiyn('Total'), 'KZT')}): was the store restored from an old "
                             "copy?", DUPLICATE)
    ofd = item.part("Ofd") if item.has("Ofd") else history.part("Ofd")
    return Registration(
        external_id=receipt.external_id, operation=receipt.operation, total_tiyn=receipt.total_tiyn,
        fiscal_sign=item.text("Number"), registered_at=item.time("RegistratedOnUTC", "RegistratedOn"),
        offline=item.flag("IsOffline"), factory_number=item.text("CashboxUniqueNumber"),
        registration_number=item.text("CashboxRegistrationNumber"),
        identity_number=item.text("CashboxIdentityNumber"), ofd_name=ofd.text("Name"), ofd_host=ofd.text("Host"),
        shift_number=item.integer("ShiftNumber"), order_number=item.integer("OrderNumber"),
        ticket_url=item.text("TicketUrl"), recovered=True)


def _report(kind: str, data: _Answer) -> ShiftReport:
    def side(key: str) -> tuple[int, int]:
        """(count, total) of one kind of operation; absent when the shift had none."""
        if not data.has(key):
            return 0, 0
        part = data.part(key)
        return part.integer("Count"), sum(p.tiyn("Sum") for p in part.items("PaymentsByTypesApiModel"))

    sales, returns = side("Sell"), side("ReturnSell")
    return ShiftReport(kind=kind, shift_number=data.integer("ShiftNumber"), report_number=data.integer("ReportNumber"),
                       document_count=data.integer("DocumentCount"), sales_count=sales[0], sales_tiyn=sales[1],
                       returns_count=returns[0], returns_tiyn=returns[1], offline=data.flag("OfflineMode"))
