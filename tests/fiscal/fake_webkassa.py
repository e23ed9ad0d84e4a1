"""A local Webkassa (API v4) on 127.0.0.1, following the integrators' Postman collection's shapes.

It answers /api/v4/Authorize, check (a sale, OperationType 2, or a return of one, 3, whose
ReturnBasisDetails must name a sale it registered), Check/History, Cashboxes, XReport, ZReport and
ZReport/History as the collection shows them, errors as HTTP 200 {"Errors": [{"Code", "Text"}]}
with the codes of the API's list, and validates what it is sent the way we expect the real
server to (numbers as JSON numbers with at most 2 decimals, VAT per position, payments adding
up to the positions). What it cannot confirm: the real server's own validation and rounding.

Switches: `offline` (checks registered in offline mode), `expire_tokens()`, `drop_answers`
(register, then cut the connection before answering), `fail_with_500`, `go_down()` /
`come_back()` (connection refused), `shift_hours_over_24` and `offline_over_72h` (errors 11
and 18), `refusal` (every check refused: validation error 9 with this text), `ticket_url`
(the TicketUrl to return for the next checks). `requests` keeps every request's endpoint
and raw body.
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

API_KEY, LOGIN, PASSWORD, CASHBOX = "WKD-TEST-KEY", "cashier@shop.kz", "Pa55-word!", "SWK00033717"
REGISTRATION_NUMBER, IDENTITY_NUMBER = "032600010282", 2363
OFD = {"Name": "ТОО \"Smartcontract\" (WOFD)", "Host": "ctest.wofd.kz/consumer", "Code": 4}
ALMATY = timezone(timedelta(hours=5))
TENGE = Decimal("0.01")


class Refusal(Exception):
    def __init__(self, code: int, text: str) -> None:
        super().__init__(text)
        self.code, self.text = code, text


@dataclass
class FakeWebkassa:
    offline: bool = False
    drop_answers: int = 0
    fail_with_500: bool = False
    shift_hours_over_24: bool = False
    offline_over_72h: bool = False
    refusal: str = ""
    ticket_url: str = ""
    requests: list[tuple[str, str]] = field(default_factory=list)
    checks: list[dict] = field(default_factory=list)  # history items, in order
    z_reports: list[dict] = field(default_factory=list)
    authorizations: int = 0
    shift: int = 1
    shift_open: bool = False
    _tokens: set[str] = field(default_factory=set)
    _server: ThreadingHTTPServer | None = None
    _port: int = 0
    _clock: datetime = datetime(2026, 11, 25, 11, 0, tzinfo=ALMATY)

    # ---- running -------------------------------------------------------------------------
    def start(self) -> "FakeWebkassa":
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                fake._handle(self)

            def log_message(self, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", self._port), Handler)
        self._port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    go_down = stop

    def come_back(self) -> None:
        self.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._port}"

    def expire_tokens(self) -> None:
        self._tokens.clear()

    # ---- one request ---------------------------------------------------------------------
    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        raw = handler.rfile.read(int(handler.headers.get("Content-Length", 0))).decode("utf-8")
        endpoint = handler.path.removeprefix("/api/v4/")
        self.requests.append((endpoint, raw))
        if self.fail_with_500:
            handler.send_error(500, "Internal Server Error")
            return
        if handler.headers.get("x-api-key") != API_KEY:
            handler.send_error(401, "Unauthorized")
            return
        try:
            body = json.loads(raw, parse_float=Decimal)
            data = self._answer(endpoint, body)
        except Refusal as refusal:
            answer = {"Errors": [{"Code": refusal.code, "Text": refusal.text}]}
        else:
            answer = {"Data": data}
            if endpoint == "check" and self.drop_answers:
                self.drop_answers -= 1
                handler.close_connection = True  # registered, and the answer is lost on the way
                return
        payload = _dumps(answer).encode("utf-8")
        handler.send_response(200)
        handler.send_header("Content-Type", "application/json; charset=utf-8")
        handler.send_header("Content-Length", str(len(payload)))
        handler.end_headers()
        handler.wfile.write(payload)

    def _answer(self, endpoint: str, body: dict) -> dict | list:
        if endpoint == "Authorize":
            if (body.get("Login"), body.get("Password")) != (LOGIN, PASSWORD):
                raise Refusal(1, "Неверный логин и/или пароль")
            self.authorizations += 1
            token = f"token{self.authorizations:04d}"
            self._tokens.add(token)
            return {"Token": token}
        if body.get("Token") not in self._tokens:
            raise Refusal(2, "Срок действия сессии истек")
        if endpoint != "Cashboxes" and body.get("CashboxUniqueNumber") != CASHBOX:
            raise Refusal(6, "Касса не зарегистрирована в системе или не доступна пользователю")
        handlers = {"check": self._check, "Check/History": self._history, "Cashboxes": self._cashboxes,
                    "XReport": lambda b: self._report(close=False), "ZReport": lambda b: self._report(close=True),
                    "ZReport/History": self._z_history}
        if endpoint not in handlers:
            raise Refusal(9, f"unknown endpoint {endpoint}")
        return handlers[endpoint](body)

    # ---- check ---------------------------------------------------------------------------
    def _check(self, body: dict) -> dict:
        if self.shift_hours_over_24:
            raise Refusal(11, "Продолжительность смены превышает 24 часа")
        if self.offline_over_72h:
            raise Refusal(18, "Продолжительность работы в автономном режиме превышает 72 часа")
        if self.refusal:
            raise Refusal(9, self.refusal)
        operation, total = _validated(body, {c["Number"]: c for c in self.checks if c["OperationType"] == 2})
        external = body["ExternalCheckNumber"]
        if any(c["ExternalCheckNumber"] == external for c in self.checks):
            raise Refusal(14, "Дублирующийся код системы-источника")
        self.shift_open = True
        self._clock += timedelta(minutes=1)
        number = str(910_000_000_000 + len(self.checks) + 1)
        order = sum(1 for c in self.checks if c["ShiftNumber"] == self.shift) + 1
        url = self.ticket_url or (f"http://ctest.wofd.kz/consumer?i={number}&f={REGISTRATION_NUMBER}"
                                  f"&s={total:.2f}&t={self._clock:%Y%m%dT%H%M%S}")
        when, when_utc = f"{self._clock:%d.%m.%Y %H:%M:%S}", f"{self._clock:%d.%m.%Y %H:%M:%S} +05:00"
        self.checks.append({
            "CashboxUniqueNumber": CASHBOX, "CashboxRegistrationNumber": REGISTRATION_NUMBER,
            "CashboxIdentityNumber": IDENTITY_NUMBER, "Number": number, "OrderNumber": order,
            "RegistratedOn": when, "RegistratedOnUTC": when_utc, "ShiftNumber": self.shift,
            "OperationType": operation, "Total": total, "IsOffline": self.offline, "TicketUrl": url,
            "ExternalCheckNumber": external, "Payments": body["Payments"], "Positions": body["Positions"], "Ofd": OFD,
        })
        return {
            "CheckNumber": number, "DateTime": when, "DateTimeUTC": when_utc, "OfflineMode": self.offline,
            "CashboxOfflineMode": self.offline,
            "Cashbox": {"UniqueNumber": CASHBOX, "RegistrationNumber": REGISTRATION_NUMBER,
                        "IdentityNumber": str(IDENTITY_NUMBER), "Address": "Алатау, CryptoCity", "Ofd": OFD},
            "CheckOrderNumber": order, "ShiftNumber": self.shift, "EmployeeName": "Кассир",
            "TicketUrl": url, "TicketPrintUrl": f"{self.url}/spa-ui/ticket?extnum={external}",
        }

    def _history(self, body: dict) -> dict:
        items = [c for c in self.checks if c["ShiftNumber"] == body.get("ShiftNumber")]
        skip, take = int(body.get("Skip", 0)), int(body.get("Take", 50))
        return {"Skip": skip, "Take": take, "Total": len(items), "Items": items[skip:skip + take],
                "CashboxUniqueNumber": CASHBOX, "CashboxRegistrationNumber": REGISTRATION_NUMBER,
                "CashboxIdentityNumber": IDENTITY_NUMBER, "Ofd": OFD}

    def _cashboxes(self, body: dict) -> dict:
        return {"List": [
            {"UniqueNumber": "SWK00000001", "RegistrationNumber": "000000000001", "IdentificationNumber": "1",
             "Name": "another", "IsOffline": False, "CurrentStatus": 1, "Shift": 7},
            {"UniqueNumber": CASHBOX, "RegistrationNumber": REGISTRATION_NUMBER,
             "IdentificationNumber": str(IDENTITY_NUMBER), "Name": "Касса", "IsOffline": self.offline,
             "CurrentStatus": 1, "Shift": self.shift},
        ]}

    # ---- reports -------------------------------------------------------------------------
    def _report(self, close: bool) -> dict:
        if not self.shift_open:
            raise Refusal(13, "Не найдена открытая смена")
        mine = [c for c in self.checks if c["ShiftNumber"] == self.shift]

        def side(operation: int) -> dict:
            chosen = [c for c in mine if c["OperationType"] == operation]
            by_type: dict[int, Decimal] = {}
            for check in chosen:
                for payment in check["Payments"]:
                    by_type[payment["PaymentType"]] = by_type.get(payment["PaymentType"], Decimal(0)) + payment["Sum"]
            return {"PaymentsByTypesApiModel": [{"Sum": s, "Type": t} for t, s in sorted(by_type.items())],
                    "Discount": 0, "Markup": 0, "Taken": 0, "Change": 0, "Count": len(chosen), "VAT": 0}

        report = {"ReportNumber": len(self.z_reports) + 1, "CashboxSN": CASHBOX, "CashboxIN": IDENTITY_NUMBER,
                  "CashboxRN": REGISTRATION_NUMBER, "ShiftNumber": self.shift, "DocumentCount": len(mine),
                  "OfflineMode": self.offline, "CashboxOfflineMode": self.offline, "Sell": side(2),
                  "ReturnSell": side(3), "Ofd": OFD}
        if close:
            self.z_reports.append(report)
            self.shift, self.shift_open = self.shift + 1, False
        return report

    def _z_history(self, body: dict) -> dict:
        skip, take = int(body.get("Skip", 0)), int(body.get("Take", 50))
        return {"CashboxUniqueNumber": CASHBOX, "Skip": skip, "Take": take, "Total": len(self.z_reports),
                "Reports": self.z_reports[skip:skip + take]}


def _validated(body: dict, sales: dict[str, dict]) -> tuple[int, Decimal]:
    """(operation, total) of a check request, or Refusal(9) naming what is wrong."""
    def number(value: object, places: int, what: str) -> Decimal:
        if isinstance(value, bool) or not isinstance(value, (int, Decimal)):
            raise Refusal(9, f"{what}: a number is expected, not {value!r}")
        value = Decimal(value)
        if value < 0 or value != value.quantize(Decimal(1).scaleb(-places)):
            raise Refusal(9, f"{what}: at most {places} decimals and not below zero, not {value}")
        return value

    operation = body.get("OperationType")
    if operation not in (2, 3) or not isinstance(body.get("ExternalCheckNumber"), str) or \
            body.get("RoundType") not in (0, 2, 3):
        raise Refusal(9, "OperationType, RoundType or ExternalCheckNumber missing or wrong")
    positions, payments = body.get("Positions"), body.get("Payments")
    if not positions or not payments:
        raise Refusal(9, "Positions and Payments are required")
    total = Decimal(0)
    for i, p in enumerate(positions):
        count, price = number(p.get("Count"), 3, f"Positions[{i}].Count"), number(p.get("Price"), 2, "Price")
        discount, tax = number(p.get("Discount", 0), 2, "Discount"), number(p.get("Tax"), 2, f"Positions[{i}].Tax")
        percent = number(p.get("TaxPercent"), 2, "TaxPercent")
        if p.get("TaxType") != (100 if percent else 0) or not p.get("PositionName") or p.get("UnitCode") is None:
            raise Refusal(9, f"Positions[{i}]: TaxType, PositionName or UnitCode")
        amount = (count * price).quantize(TENGE, ROUND_HALF_UP) - discount
        expected = (amount * percent / (100 + percent)).quantize(TENGE, ROUND_HALF_UP)
        if amount < 0 or abs(tax - expected) > TENGE:  # the VAT of each rate may be split by a tiyn
            raise Refusal(9, f"Positions[{i}].Tax {tax} is not the VAT in {amount} at {percent}%")
        total += amount
    types = [p.get("PaymentType") for p in payments]
    if len(set(types)) != len(types) or not set(types) <= {0, 1, 4}:
        raise Refusal(9, "each PaymentType (0, 1, 4) at most once")
    if sum(number(p.get("Sum"), 2, "Payments.Sum") for p in payments) != total:
        raise Refusal(9, f"the payments do not add up to the check's total {total}")
    if operation == 3:  # a return of a sale: ReturnBasisDetails as printed on that sale's receipt
        basis = body.get("ReturnBasisDetails") or {}
        sale = sales.get(basis.get("CheckNumber"), {})
        if not sale or basis.get("RegistrationNumber") != sale["CashboxRegistrationNumber"] or \
                basis.get("Total") != sale["Total"] or basis.get("IsOffline") is not sale["IsOffline"] or \
                not re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z", str(basis.get("DateTime"))):
            raise Refusal(9, "ReturnBasisDetails must name a registered sale: its fiscal sign, РНМ, total, "
                             "offline mark and time")
        if total > sale["Total"]:
            raise Refusal(9, f"the return's total {total} is above its sale's {sale['Total']}")
    return operation, total


def _dumps(value: object) -> str:
    """JSON with Decimals as numbers, as the real server writes its amounts."""
    text = json.dumps(value, ensure_ascii=False, default=lambda d: f"@@{d}@@")
    return re.sub(r'"@@([-0-9.E+]+)@@"', r"\1", text)
